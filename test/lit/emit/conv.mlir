// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// NHWC input, HWIO kernel (what flax.linen.Conv emits): transposes into
// MIL's [N, C, H, W] and [O, I, kH, kW], conv with the strides and explicit
// padding, transpose back to NHWC.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 8, 8, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (3, 3, 4, 6, fp32)(Tensor)) {
// CHECK:         %[[XT:[A-Za-z0-9_]+]]: (1, 4, 8, 8, fp32)(Tensor) = transpose(x=%[[X]], perm=[0, 3, 1, 2],
// CHECK-NEXT:    %[[WT:[A-Za-z0-9_]+]]: (6, 4, 3, 3, fp32)(Tensor) = transpose(x=%[[W]], perm=[3, 2, 0, 1],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (1, 6, 4, 4, fp32)(Tensor) = conv(x=%[[XT]], weight=%[[WT]], strides=[2, 2], pad_type="custom", pad=[1, 1, 1, 1], dilations=[1, 1], groups=1,
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (1, 4, 4, 6, fp32)(Tensor) = transpose(x=%[[C]], perm=[0, 2, 3, 1],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<1x8x8x4xf32>, %arg1: tensor<3x3x4x6xf32>) -> tensor<1x4x4x6xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [2, 2], pad = [[1, 1], [1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x8x4xf32>, tensor<3x3x4x6xf32>) -> tensor<1x4x4x6xf32>
  return %0 : tensor<1x4x4x6xf32>
}

// -----

// NCHW/OIHW with a constant kernel: no transposes; feature groups and
// kernel (rhs) dilation are conv's groups and dilations.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 4, 8, 8, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[C:[A-Za-z0-9_]+]]: (1, 8, 4, 4, fp32)(Tensor) = conv(x=%[[X]], weight=%{{[A-Za-z0-9_]+}}, strides=[1, 1], pad_type="custom", pad=[0, 0, 0, 0], dilations=[2, 2], groups=2,
// CHECK-NEXT:    } -> (%[[C]])
func.func @main(%arg0: tensor<1x4x8x8xf32>) -> tensor<1x8x4x4xf32> {
  %w = stablehlo.constant dense<1.0> : tensor<8x2x3x3xf32>
  %0 = stablehlo.convolution(%arg0, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {stride = [1, 1], pad = [[0, 0], [0, 0]], rhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}

// -----

// Transposed convolution (input dilation 2, unit window strides, padding
// k - 1 - 1): one conv_transpose with strides = the input dilation, pads
// k - 1 - padding = 1, and the kernel as [I, O, kH, kW] flipped spatially.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 4, 5, 5, fp32)(Tensor),
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (6, 4, 3, 3, fp32)(Tensor)) {
// CHECK:         %[[WT:[A-Za-z0-9_]+]]: (4, 6, 3, 3, fp32)(Tensor) = transpose(x=%[[W]], perm=[1, 0, 2, 3],
// CHECK-NEXT:    %[[WF:[A-Za-z0-9_]+]]: (4, 6, 3, 3, fp32)(Tensor) = reverse(x=%[[WT]], axes=[2, 3],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (1, 6, 9, 9, fp32)(Tensor) = conv_transpose(x=%[[X]], weight=%[[WF]], pad=[1, 1, 1, 1], pad_type="custom", strides=[2, 2], dilations=[1, 1], groups=1,
// CHECK-NEXT:  } -> (%[[C]])
func.func @main(%arg0: tensor<1x4x5x5xf32>, %arg1: tensor<6x4x3x3xf32>) -> tensor<1x6x9x9xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {stride = [1, 1], pad = [[1, 1], [1, 1]], lhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x5x5xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x9x9xf32>
  return %0 : tensor<1x6x9x9xf32>
}

// -----

// Grouped transposed convolution with a constant kernel (regrouped and
// flipped at compile time): conv_transpose with groups; padding 1 = k - 1
// gives pads 0.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 4, 5, 5, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[C:[A-Za-z0-9_]+]]: (1, 6, 10, 10, fp32)(Tensor) = conv_transpose(x=%[[X]], weight=%{{[A-Za-z0-9_]+}}, pad=[0, 0, 0, 0], pad_type="custom", strides=[2, 2], dilations=[1, 1], groups=2,
// CHECK-NEXT:    } -> (%[[C]])
func.func @main(%arg0: tensor<1x4x5x5xf32>) -> tensor<1x6x10x10xf32> {
  %w = stablehlo.constant dense<1.0> : tensor<6x2x2x2xf32>
  %0 = stablehlo.convolution(%arg0, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {stride = [1, 1], pad = [[1, 1], [1, 1]], lhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x4x5x5xf32>, tensor<6x2x2x2xf32>) -> tensor<1x6x10x10xf32>
  return %0 : tensor<1x6x10x10xf32>
}

// -----

// Input dilation with window strides != 1 is not one conv_transpose: the
// zeros are inserted explicitly (a [A, n, 1, B] view, concat with zeros,
// reshape, slice off the trailing zeros), then a strided conv.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 2, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (3, 2, 2, fp32)(Tensor)) {
// CHECK:         %[[E:[A-Za-z0-9_]+]]: (2, 4, 1, 1, fp32)(Tensor) = reshape(x=%[[X]], shape=[2, 4, 1, 1],
// CHECK-NEXT:    %[[J:[A-Za-z0-9_]+]]: (2, 4, 2, 1, fp32){{\^?}}(Tensor) = concat(values=(%[[E]], %{{[A-Za-z0-9_]+}}), axis=2,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (1, 2, 8, fp32){{\^?}}(Tensor) = reshape(x=%[[J]], shape=[1, 2, 8],
// CHECK-NEXT:    %[[D:[A-Za-z0-9_]+]]: (1, 2, 7, fp32){{\^?}}(Tensor) = slice_by_index(x=%[[R]], begin=[0, 0, 0], end=[1, 2, 7],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (1, 3, 3, fp32)(Tensor) = conv(x=%[[D]], weight=%[[W]], strides=[2], pad_type="custom", pad=[0, 0], dilations=[1], groups=1,
// CHECK-NEXT:  } -> (%[[C]])
func.func @main(%arg0: tensor<1x2x4xf32>, %arg1: tensor<3x2x2xf32>) -> tensor<1x3x3xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, f, 0]x[o, i, 0]->[b, f, 0], window = {stride = [2], pad = [[0, 0]], lhs_dilate = [2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x2x4xf32>, tensor<3x2x2xf32>) -> tensor<1x3x3xf32>
  return %0 : tensor<1x3x3xf32>
}

// -----

// A non-constant kernel with dilation: Core ML refuses dilations with
// dynamic weights, so the zeros go into the kernel and conv gets
// dilations=[1].
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 2, 8, fp32)(Tensor),
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (3, 2, 3, fp32)(Tensor)) {
// CHECK:         %[[E:[A-Za-z0-9_]+]]: (6, 3, 1, 1, fp32)(Tensor) = reshape(x=%[[W]], shape=[6, 3, 1, 1],
// CHECK-NEXT:    %[[J:[A-Za-z0-9_]+]]: (6, 3, 2, 1, fp32)(Tensor) = concat(values=(%[[E]], %{{[A-Za-z0-9_]+}}), axis=2,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (3, 2, 6, fp32)(Tensor) = reshape(x=%[[J]], shape=[3, 2, 6],
// CHECK-NEXT:    %[[K:[A-Za-z0-9_]+]]: (3, 2, 5, fp32)(Tensor) = slice_by_index(x=%[[R]], begin=[0, 0, 0], end=[3, 2, 5],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (1, 3, 4, fp32)(Tensor) = conv(x=%[[X]], weight=%[[K]], strides=[1], pad_type="custom", pad=[0, 0], dilations=[1], groups=1,
// CHECK-NEXT:  } -> (%[[C]])
func.func @main(%arg0: tensor<1x2x8xf32>, %arg1: tensor<3x2x3xf32>) -> tensor<1x3x4xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, f, 0]x[o, i, 0]->[b, f, 0], window = {stride = [1], pad = [[0, 0]], rhs_dilate = [2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x2x8xf32>, tensor<3x2x3xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

// Window reversal of a non-constant kernel is a reverse of its spatial
// axes; negative padding crops the input with slice_by_index.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 3, 10, fp32)(Tensor),
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (4, 3, 3, fp32)(Tensor)) {
// CHECK:         %[[WR:[A-Za-z0-9_]+]]: (4, 3, 3, fp32)(Tensor) = reverse(x=%[[W]], axes=[2],
// CHECK-NEXT:    %[[XC:[A-Za-z0-9_]+]]: (2, 3, 8, fp32)(Tensor) = slice_by_index(x=%[[X]], begin=[0, 0, 1], end=[2, 3, 9],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (2, 4, 6, fp32)(Tensor) = conv(x=%[[XC]], weight=%[[WR]], strides=[1], pad_type="custom", pad=[0, 0], dilations=[1], groups=1,
// CHECK-NEXT:  } -> (%[[C]])
func.func @main(%arg0: tensor<2x3x10xf32>, %arg1: tensor<4x3x3xf32>) -> tensor<2x4x6xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, f, 0]x[o, i, 0]->[b, f, 0], window = {stride = [1], pad = [[-1, -1]], reverse = [true]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x3x10xf32>, tensor<4x3x3xf32>) -> tensor<2x4x6xf32>
  return %0 : tensor<2x4x6xf32>
}

// -----

// batch_group_count 2: the batch is re-laid as [N/2, 2*C, ...] (reshape,
// transpose, reshape) and convolved with groups=2.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4, 2, 6, fp32)(Tensor),
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (4, 2, 3, fp32)(Tensor)) {
// CHECK:         %[[R1:[A-Za-z0-9_]+]]: (2, 2, 2, 6, fp32)(Tensor) = reshape(x=%[[X]], shape=[2, 2, 2, 6],
// CHECK-NEXT:    %[[T:[A-Za-z0-9_]+]]: (2, 2, 2, 6, fp32)(Tensor) = transpose(x=%[[R1]], perm=[1, 0, 2, 3],
// CHECK-NEXT:    %[[R2:[A-Za-z0-9_]+]]: (2, 4, 6, fp32)(Tensor) = reshape(x=%[[T]], shape=[2, 4, 6],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (2, 4, 4, fp32)(Tensor) = conv(x=%[[R2]], weight=%[[W]], strides=[1], pad_type="custom", pad=[0, 0], dilations=[1], groups=2,
// CHECK-NEXT:  } -> (%[[C]])
func.func @main(%arg0: tensor<4x2x6xf32>, %arg1: tensor<4x2x3xf32>) -> tensor<2x4x4xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, f, 0]x[o, i, 0]->[b, f, 0], window = {stride = [1], pad = [[0, 0]]} {batch_group_count = 2 : i64, feature_group_count = 1 : i64} : (tensor<4x2x6xf32>, tensor<4x2x3xf32>) -> tensor<2x4x4xf32>
  return %0 : tensor<2x4x4xf32>
}

// -----

// batch_group_count = 2 on a 3-D conv: batch group g (rows [g, g+1) of 2)
// joins the features as group g of a grouped conv, through a rank-4 view
// [B, N/B, C, D*H*W] (the rank-6 view [B, N/B, C, D, H, W] is not legal).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 2, 4, 4, 4, fp32)(Tensor),
// CHECK:         %[[V:[A-Za-z0-9_]+]]: (2, 1, 2, 64, fp32)(Tensor) = reshape(x=%[[X]], shape=[2, 1, 2, 64],
// CHECK-NEXT:    %[[T:[A-Za-z0-9_]+]]: (1, 2, 2, 64, fp32)(Tensor) = transpose(x=%[[V]], perm=[1, 0, 2, 3],
// CHECK-NEXT:    %[[G:[A-Za-z0-9_]+]]: (1, 4, 4, 4, 4, fp32)(Tensor) = reshape(x=%[[T]], shape=[1, 4, 4, 4, 4],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (1, 2, 3, 3, 3, fp32)(Tensor) = conv(x=%[[G]], {{.*}}groups=2,
func.func @main(%arg0: tensor<2x2x4x4x4xf32>, %arg1: tensor<2x2x2x2x2xf32>) -> tensor<1x2x3x3x3xf32> {
  %0 = stablehlo.convolution(%arg0, %arg1) dim_numbers = [b, f, 0, 1, 2]x[o, i, 0, 1, 2]->[b, f, 0, 1, 2], window = {} {batch_group_count = 2 : i64, feature_group_count = 1 : i64} : (tensor<2x2x4x4x4xf32>, tensor<2x2x2x2x2xf32>) -> tensor<1x2x3x3x3xf32>
  return %0 : tensor<1x2x3x3x3xf32>
}
