// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-legalize-int-conv

// 2**25 products per output: more than an exact f32 sum allows even for
// 1-bit limbs.
func.func @too_many_terms(%x: tensor<1x32768x32x32xi8>, %w: tensor<1x32768x32x32xi8>) -> tensor<1x1x1x1xi32> {
  // expected-error@+1 {{'stablehlo.convolution' sums 33554432 products per output, more than an exact float32 convolution allows (33554432 > 2**24 even for 1-bit parts)}}
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x32768x32x32xi8>, tensor<1x32768x32x32xi8>) -> tensor<1x1x1x1xi32>
  return %0 : tensor<1x1x1x1xi32>
}

// -----

func.func @bool(%x: tensor<1x2x4x4xi1>, %w: tensor<1x2x3x3xi1>) -> tensor<1x1x2x2xi1> {
  // expected-error@+1 {{'stablehlo.convolution' on boolean (i1) tensors is not supported (Core ML conv is float only)}}
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x2x4x4xi1>, tensor<1x2x3x3xi1>) -> tensor<1x1x2x2xi1>
  return %0 : tensor<1x1x2x2xi1>
}
