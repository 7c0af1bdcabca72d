// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-reduce-window --hlo-coreml-legalize-reduce-window --emit=mil | filecheck %s

// reduce_window in MIL after the two window passes: max_pool, avg_pool,
// cumsum (the windows with one MIL op, which the passes leave alone);
// cumprod and a dilated int window become slices, pads and elementwise ops.

// Max pooling in [N, C, H, W]: max_pool's padding value is undocumented, so
// the input is padded with -inf by an explicit pad and pooled without padding.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 2, 6, 6, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[XP:[A-Za-z0-9_]+]]: (1, 2, 8, 8, fp32)(Tensor) = pad(x=%[[X]], pad=[1, 1, 1, 1], mode="constant", constant_val=-inf,
// CHECK-NEXT:      %[[P:[A-Za-z0-9_]+]]: (1, 2, 3, 3, fp32)(Tensor) = max_pool(x=%[[XP]], kernel_sizes=[3, 3], strides=[2, 2], pad_type="custom", pad=[0, 0, 0, 0],
// CHECK-NEXT:    } -> (%[[P]])
func.func @main(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [0, 0], [1, 1], [1, 1]]> : tensor<4x2xi64>, window_dimensions = array<i64: 1, 1, 3, 3>, window_strides = array<i64: 1, 1, 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<1x2x6x6xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// A 1-D sum window on [N, C, W]: avg_pool (padding counted) times the window
// size. Every window holds an input element, so avg_pool pads itself (with
// zeros, documented).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 3, 7, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[A:[A-Za-z0-9_]+]]: (2, 3, 7, fp32)(Tensor) = avg_pool(exclude_padding_from_average=False, x=%[[X]], kernel_sizes=[3], strides=[1], pad_type="custom", pad=[1, 1],
// CHECK-NEXT:      %[[S:[A-Za-z0-9_]+]]: (2, 3, 7, fp32)(Tensor) = mul(x=%[[A]], y=3.0,
// CHECK-NEXT:    } -> (%[[S]])
func.func @main(%x: tensor<2x3x7xf32>) -> tensor<2x3x7xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [0, 0], [1, 1]]> : tensor<3x2xi64>, window_dimensions = array<i64: 1, 1, 3>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<2x3x7xf32>, tensor<f32>) -> tensor<2x3x7xf32>
  return %0 : tensor<2x3x7xf32>
}

// -----

// AvgPool1d(k=3, stride=2, padding=3): the first window lies in padding only,
// which avg_pool does not define: explicit pad with 0, then avg_pool without
// padding; the division by 3 that follows is folded into the avg_pool: the
// result is the avg_pool itself (the product by 3 left behind is dead and
// removed by coremltools' dead code elimination).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 2, 7, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[XP:[A-Za-z0-9_]+]]: (1, 2, 13, fp32)(Tensor) = pad(x=%[[X]], pad=[3, 3], mode="constant", constant_val=0.0,
// CHECK-NEXT:      %[[A:[A-Za-z0-9_]+]]: (1, 2, 6, fp32)(Tensor) = avg_pool(exclude_padding_from_average=False, x=%[[XP]], kernel_sizes=[3], strides=[2], pad_type="custom", pad=[0, 0],
// CHECK-NOT:       real_div(
// CHECK:         } -> (%[[A]])
func.func @main(%x: tensor<1x2x7xf32>) -> tensor<1x2x6xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %three = stablehlo.constant dense<3.0> : tensor<1x2x6xf32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [0, 0], [3, 3]]> : tensor<3x2xi64>, window_dimensions = array<i64: 1, 1, 3>, window_strides = array<i64: 1, 1, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<1x2x7xf32>, tensor<f32>) -> tensor<1x2x6xf32>
  %1 = stablehlo.divide %0, %three : tensor<1x2x6xf32>
  return %1 : tensor<1x2x6xf32>
}

// -----

// jnp.cumsum along dim 0 of an i32 tensor: cumsum.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (6, 2, int32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[C:[A-Za-z0-9_]+]]: (6, 2, int32)(Tensor) = cumsum(x=%[[X]], axis=0, exclusive=False, reverse=False,
// CHECK-NEXT:    } -> (%[[C]])
func.func @main(%x: tensor<6x2xi32>) -> tensor<6x2xi32> {
  %init = stablehlo.constant dense<0> : tensor<i32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[5, 0], [0, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 6, 1>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %s = stablehlo.add %a, %b : tensor<i32>
    stablehlo.return %s : tensor<i32>
  }) : (tensor<6x2xi32>, tensor<i32>) -> tensor<6x2xi32>
  return %0 : tensor<6x2xi32>
}

// -----

// lax.cumprod over 4 elements: 2 scan steps, each a shift (slice_by_index
// dropping the last 2^k, then pad with 1.0 in front) and a mul.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (3, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[S1:[A-Za-z0-9_]+]]: (3, 3, fp32)(Tensor) = slice_by_index(x=%[[X]], begin=[0, 0], end=[3, 3],
// CHECK-NEXT:      %[[P1:[A-Za-z0-9_]+]]: (3, 4, fp32)(Tensor) = pad(x=%[[S1]], pad=[0, 0, 1, 0], mode="constant", constant_val=1.0,
// CHECK-NEXT:      %[[Y1:[A-Za-z0-9_]+]]: (3, 4, fp32)(Tensor) = mul(x=%[[X]], y=%[[P1]],
// CHECK-NEXT:      %[[S2:[A-Za-z0-9_]+]]: (3, 2, fp32)(Tensor) = slice_by_index(x=%[[Y1]], begin=[0, 0], end=[3, 2],
// CHECK-NEXT:      %[[P2:[A-Za-z0-9_]+]]: (3, 4, fp32)(Tensor) = pad(x=%[[S2]], pad=[0, 0, 2, 0], mode="constant", constant_val=1.0,
// CHECK-NEXT:      %[[Y2:[A-Za-z0-9_]+]]: (3, 4, fp32)(Tensor) = mul(x=%[[Y1]], y=%[[P2]],
// CHECK-NEXT:    } -> (%[[Y2]])
func.func @main(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %init = stablehlo.constant dense<1.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [3, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 4>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.multiply %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A max window of 2 with dilation 2 on i32 (no MIL pool for either):
// two slices and a maximum.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 6, int32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[A:[A-Za-z0-9_]+]]: (2, 4, int32)(Tensor) = slice_by_index(x=%[[X]], begin=[0, 0], end=[2, 4], stride=[1, 1],
// CHECK-NEXT:      %[[B:[A-Za-z0-9_]+]]: (2, 4, int32)(Tensor) = slice_by_index(x=%[[X]], begin=[0, 2], end=[2, 6], stride=[1, 1],
// CHECK-NEXT:      %[[M:[A-Za-z0-9_]+]]: (2, 4, int32)(Tensor) = maximum(x=%[[A]], y=%[[B]],
// CHECK-NEXT:    } -> (%[[M]])
func.func @main(%x: tensor<2x6xi32>) -> tensor<2x4xi32> {
  %init = stablehlo.constant dense<-2147483648> : tensor<i32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 1, 2>, window_dilations = array<i64: 1, 2>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %m = stablehlo.maximum %a, %b : tensor<i32>
    stablehlo.return %m : tensor<i32>
  }) : (tensor<2x6xi32>, tensor<i32>) -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}
