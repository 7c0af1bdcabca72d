// RUN: hlo-coreml-opt %s --split-input-file --pass-pipeline='builtin.module(hlo-coreml-prepare)' | filecheck %s

// hlo-coreml-prepare turns dynamic_pad / dynamic_gather / dynamic_conv whose
// size and padding operands are constants into their static forms
// (stablehlo-canonicalize-dynamism).

// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>, %[[P:.*]]: tensor<f32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.pad %[[X]], %[[P]], low = [1], high = [2], interior = [0]
// CHECK-NEXT:    return %[[R]]
func.func @main(%x: tensor<4xf32>, %p: tensor<f32>) -> tensor<7xf32> {
  %lo = stablehlo.constant dense<1> : tensor<1xi32>
  %hi = stablehlo.constant dense<2> : tensor<1xi32>
  %in = stablehlo.constant dense<0> : tensor<1xi32>
  %0 = stablehlo.dynamic_pad %x, %p, %lo, %hi, %in : (tensor<4xf32>, tensor<f32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%{{.*}}, %{{.*}}) {{.*}} slice_sizes = array<i64: 1, 3>
// CHECK-NEXT:    return %[[G]]
func.func @main(%x: tensor<5x3xf32>, %i: tensor<2x1xi32>) -> tensor<2x3xf32> {
  %s = stablehlo.constant dense<[1, 3]> : tensor<2xi32>
  %0 = "stablehlo.dynamic_gather"(%x, %i, %s) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>}> : (tensor<5x3xf32>, tensor<2x1xi32>, tensor<2xi32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    %[[C:.*]] = stablehlo.convolution(%{{.*}}, %{{.*}}) {{.*}} window = {pad = {{\[\[}}1, 1], [1, 1]]}
// CHECK-NEXT:    return %[[C]]
func.func @main(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x1xf32>) -> tensor<1x4x4x1xf32> {
  %p = stablehlo.constant dense<[[1, 1], [1, 1]]> : tensor<2x2xi32>
  %0 = "stablehlo.dynamic_conv"(%x, %w, %p) <{dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, feature_group_count = 1 : i64, batch_group_count = 1 : i64}> : (tensor<1x4x4x1xf32>, tensor<3x3x1x1xf32>, tensor<2x2xi32>) -> tensor<1x4x4x1xf32>
  return %0 : tensor<1x4x4x1xf32>
}
