// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// A batched matmul [B, M, K] x [B, K, N] is one MIL matmul.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (8, 2, 3, fp32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (8, 3, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (8, 2, 4, fp32)(Tensor) = matmul(x=%[[A]], y=%[[B]], transpose_x=False, transpose_y=False,
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%arg0: tensor<8x2x3xf32>, %arg1: tensor<8x3x4xf32>) -> tensor<8x2x4xf32> {
  %0 = stablehlo.dot_general %arg0, %arg1, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<8x2x3xf32>, tensor<8x3x4xf32>) -> tensor<8x2x4xf32>
  return %0 : tensor<8x2x4xf32>
}

// -----

// Vector x matrix: matmul with a rank-1 x (NumPy semantics), result rank 1.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[V:[A-Za-z0-9_]+]]: (3,fp32)(Tensor),
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (3, 4, fp32)(Tensor)) {
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = matmul(x=%[[V]], y=%[[M]],
// CHECK-NEXT:  } -> (%[[R]])
func.func @main(%arg0: tensor<3xf32>, %arg1: tensor<3x4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.dot_general %arg0, %arg1, contracting_dims = [0] x [0] : (tensor<3xf32>, tensor<3x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A matmul by a constant weight over [batch, seq, features] is a MIL linear
// (weight stored [N, K]).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 5, 3, fp32)(Tensor)) {
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (2, 5, 4, fp32)(Tensor) = linear(x=%[[X]], weight=
// CHECK-NEXT:  } -> (%[[R]])
func.func @main(%arg0: tensor<2x5x3xf32>) -> tensor<2x5x4xf32> {
  %w = stablehlo.constant dense<0.5> : tensor<3x4xf32>
  %0 = stablehlo.dot_general %arg0, %w, contracting_dims = [2] x [0] : (tensor<2x5x3xf32>, tensor<3x4xf32>) -> tensor<2x5x4xf32>
  return %0 : tensor<2x5x4xf32>
}

// -----

// Convolution, NHWC input and output with an HWIO kernel (what JAX/Flax
// emit): transpose to NCHW, conv (strides and explicit padding carried
// over), transpose back. The constant kernel is re-laid out at compile time.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 8, 8, 3, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[NCHW:[A-Za-z0-9_]+]]: (1, 3, 8, 8, fp32)(Tensor) = transpose(x=%[[X]], perm=[0, 3, 1, 2],
// CHECK-NEXT:      %[[C:[A-Za-z0-9_]+]]: (1, 4, 4, 4, fp32)(Tensor) = conv(x=%[[NCHW]], weight=%{{[A-Za-z0-9_]+}}, strides=[2, 2], pad_type="custom", pad=[1, 1, 1, 1], dilations=[1, 1], groups=1,
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (1, 4, 4, 4, fp32)(Tensor) = transpose(x=%[[C]], perm=[0, 2, 3, 1],
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%arg0: tensor<1x8x8x3xf32>) -> tensor<1x4x4x4xf32> {
  %w = stablehlo.constant dense<1.0> : tensor<3x3x3x4xf32>
  %0 = stablehlo.convolution(%arg0, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [2, 2], pad = [[1, 1], [1, 1]], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x8x3xf32>, tensor<3x3x3x4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// NCHW with an OIHW kernel input is MIL's own layout: no transposes; grouped.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 4, 8, 8, fp32)(Tensor),
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (4, 2, 3, 3, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (1, 4, 6, 6, fp32)(Tensor) = conv(x=%[[X]], weight=%[[W]], strides=[1, 1], pad_type="custom", pad=[0, 0, 0, 0], dilations=[1, 1], groups=2,
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%arg0: tensor<1x4x8x8xf32>, %arg1: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {stride = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}
