// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-verify-legal | filecheck %s

// Legal IR passes through unchanged.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32>, %[[W:.*]]: tensor<3x4xf32>, %[[N:.*]]: tensor<2x4xi32>) -> (tensor<2x4xf32>, tensor<2xi1>)
// CHECK-NEXT:    %[[Z:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[MM:.*]] = stablehlo.dot_general %[[X]], %[[W]], contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    %[[NF:.*]] = stablehlo.convert %[[N]] : (tensor<2x4xi32>) -> tensor<2x4xf32>
// CHECK-NEXT:    %[[SUM:.*]] = stablehlo.add %[[MM]], %[[NF]] : tensor<2x4xf32>
// CHECK-NEXT:    %[[T:.*]] = stablehlo.tanh %[[SUM]] : tensor<2x4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reduce(%[[T]] init: %[[Z]]) applies stablehlo.add across dimensions = [1] : (tensor<2x4xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[Z]], dims = [] : (tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.compare GT, %[[R]], %[[B]] : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
// CHECK-NEXT:    return %[[T]], %[[P]] : tensor<2x4xf32>, tensor<2xi1>
func.func @main(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>, %n: tensor<2x4xi32>) -> (tensor<2x4xf32>, tensor<2xi1>) {
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = stablehlo.convert %n : (tensor<2x4xi32>) -> tensor<2x4xf32>
  %2 = stablehlo.add %0, %1 : tensor<2x4xf32>
  %3 = stablehlo.tanh %2 : tensor<2x4xf32>
  %4 = stablehlo.reduce(%3 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<2x4xf32>, tensor<f32>) -> tensor<2xf32>
  %5 = stablehlo.broadcast_in_dim %zero, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %6 = stablehlo.compare GT, %4, %5 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  return %3, %6 : tensor<2x4xf32>, tensor<2xi1>
}

// -----

// Rank 5 is the limit, and f16 is legal.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<1x2x3x4x5xf16>) -> tensor<1x2x3x4x5xf16>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.multiply %[[A]], %[[A]] : tensor<1x2x3x4x5xf16>
// CHECK-NEXT:    return %[[S]]
func.func @main(%arg0: tensor<1x2x3x4x5xf16>) -> tensor<1x2x3x4x5xf16> {
  %0 = stablehlo.multiply %arg0, %arg0 : tensor<1x2x3x4x5xf16>
  return %0 : tensor<1x2x3x4x5xf16>
}

// -----

// A composite the emitter maps to one MIL op (chlo.erf) stays, and so does
// its decomposition function.
// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    %[[E:.*]] = stablehlo.composite "chlo.erf" %{{.*}} {decomposition = @erf_impl} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[E]]
// CHECK-LABEL: func.func private @erf_impl(
// CHECK-NEXT:    chlo.erf
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.composite "chlo.erf" %arg0 {decomposition = @erf_impl} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @erf_impl(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = chlo.erf %arg0 : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Canonical batched matmul form: [B, M, K] x [B, K, N].
// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    stablehlo.dot_general %{{.*}}, %{{.*}}, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<8x2x3xf32>, tensor<8x3x4xf32>) -> tensor<8x2x4xf32>
func.func @main(%arg0: tensor<8x2x3xf32>, %arg1: tensor<8x3x4xf32>) -> tensor<8x2x4xf32> {
  %0 = stablehlo.dot_general %arg0, %arg1, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<8x2x3xf32>, tensor<8x3x4xf32>) -> tensor<8x2x4xf32>
  return %0 : tensor<8x2x4xf32>
}
