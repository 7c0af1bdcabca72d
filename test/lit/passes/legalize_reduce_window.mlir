// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-reduce-window | filecheck %s

// Pooling windows move into MIL's [N, C, D1..D3] layout.

// NHWC max pooling: H and W move last, the result is transposed back.
// CHECK-LABEL: func.func @max_pool_nhwc(
// CHECK-SAME:    %[[X:.*]]: tensor<1x8x8x3xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-NEXT:    %[[T:.*]] = stablehlo.transpose %[[X]], dims = [0, 3, 1, 2] : (tensor<1x8x8x3xf32>) -> tensor<1x3x8x8xf32>
// CHECK-NEXT:    %[[W:.*]] = "stablehlo.reduce_window"(%[[T]], %[[INIT]]) <{base_dilations = array<i64: 1, 1, 1, 1>, padding = dense<0> : tensor<4x2xi64>, window_dilations = array<i64: 1, 1, 1, 1>, window_dimensions = array<i64: 1, 1, 2, 2>, window_strides = array<i64: 1, 1, 2, 2>}> ({
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      %[[M:.*]] = stablehlo.maximum %[[A]], %[[B]] : tensor<f32>
// CHECK-NEXT:      stablehlo.return %[[M]] : tensor<f32>
// CHECK-NEXT:    }) : (tensor<1x3x8x8xf32>, tensor<f32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.transpose %[[W]], dims = [0, 2, 3, 1] : (tensor<1x3x4x4xf32>) -> tensor<1x4x4x3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @max_pool_nhwc(%x: tensor<1x8x8x3xf32>) -> tensor<1x4x4x3xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<0> : tensor<4x2xi64>, window_dimensions = array<i64: 1, 2, 2, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<1x8x8x3xf32>, tensor<f32>) -> tensor<1x4x4x3xf32>
  return %0 : tensor<1x4x4x3xf32>
}

// -----

// A 1-D sum window on a rank-2 tensor: a leading dim of 1 makes it [N, C, W].
// CHECK-LABEL: func.func @sum_window_rank2(
// CHECK-SAME:    %[[X:.*]]: tensor<5x6xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[E:.*]] = stablehlo.reshape %[[X]] : (tensor<5x6xf32>) -> tensor<1x5x6xf32>
// CHECK-NEXT:    %[[W:.*]] = "stablehlo.reduce_window"(%[[E]], %[[INIT]]) <{{.*}}window_dimensions = array<i64: 1, 1, 3>, window_strides = array<i64: 1, 1, 1>}> ({
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      %[[S:.*]] = stablehlo.add %[[A]], %[[B]] : tensor<f32>
// CHECK-NEXT:      stablehlo.return %[[S]] : tensor<f32>
// CHECK-NEXT:    }) : (tensor<1x5x6xf32>, tensor<f32>) -> tensor<1x5x4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[W]] : (tensor<1x5x4xf32>) -> tensor<5x4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @sum_window_rank2(%x: tensor<5x6xf32>) -> tensor<5x4xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 1, 3>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5x6xf32>, tensor<f32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Already [N, C, H, W]: unchanged.
// CHECK-LABEL: func.func @nchw_unchanged(
// CHECK-SAME:    %[[X:.*]]: tensor<1x3x8x8xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant
// CHECK-NEXT:    %[[W:.*]] = "stablehlo.reduce_window"(%[[X]], %[[INIT]])
// CHECK-NOT:     stablehlo.transpose
// CHECK:         return %[[W]]
func.func @nchw_unchanged(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 1, 1, 2, 2>, window_strides = array<i64: 1, 1, 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<1x3x8x8xf32>, tensor<f32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// A cumulative window (jnp.cumsum) is left for the emitter's cumsum.
// CHECK-LABEL: func.func @cumsum_unchanged(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant
// CHECK-NEXT:    %[[W:.*]] = "stablehlo.reduce_window"(%[[X]], %[[INIT]]) <{padding = dense<{{\[\[}}0, 0], [3, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 4>}>
// CHECK-NOT:     stablehlo.reshape
// CHECK:         return %[[W]]
func.func @cumsum_unchanged(%x: tensor<5x4xf32>) -> tensor<5x4xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [3, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 4>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<f32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Window on dim 1 of four: the three untouched dims become [2*4, 5].
// CHECK-LABEL: func.func @pool_leading_dims_merged(
// CHECK-SAME:    %[[X:.*]]: tensor<2x6x4x5xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant
// CHECK-NEXT:    %[[T:.*]] = stablehlo.transpose %[[X]], dims = [0, 2, 3, 1] : (tensor<2x6x4x5xf32>) -> tensor<2x4x5x6xf32>
// CHECK-NEXT:    %[[E:.*]] = stablehlo.reshape %[[T]] : (tensor<2x4x5x6xf32>) -> tensor<8x5x6xf32>
// CHECK-NEXT:    %[[W:.*]] = "stablehlo.reduce_window"(%[[E]], %[[INIT]]) <{{.*}}window_dimensions = array<i64: 1, 1, 2>, window_strides = array<i64: 1, 1, 2>}>
// CHECK:         }) : (tensor<8x5x6xf32>, tensor<f32>) -> tensor<8x5x3xf32>
// CHECK-NEXT:    %[[U:.*]] = stablehlo.reshape %[[W]] : (tensor<8x5x3xf32>) -> tensor<2x4x5x3xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.transpose %[[U]], dims = [0, 3, 1, 2] : (tensor<2x4x5x3xf32>) -> tensor<2x3x4x5xf32>
// CHECK-NEXT:    return %[[R]]
func.func @pool_leading_dims_merged(%x: tensor<2x6x4x5xf32>) -> tensor<2x3x4x5xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 1, 2, 1, 1>, window_strides = array<i64: 1, 2, 1, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<2x6x4x5xf32>, tensor<f32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// Windows without a MIL pool (dilated, i32) are not moved: they are for
// hlo-coreml-decompose-reduce-window.
// CHECK-LABEL: func.func @dilated_and_int_unchanged(
// CHECK-NOT:     stablehlo.transpose
// CHECK:         "stablehlo.reduce_window"(%arg0, {{.*}}window_dilations = array<i64: 1, 3, 3, 1>, window_dimensions = array<i64: 1, 2, 2, 1>
// CHECK-NOT:     stablehlo.transpose
// CHECK:         "stablehlo.reduce_window"(%arg1, {{.*}}window_dimensions = array<i64: 1, 2, 2, 1>
// CHECK-NOT:     stablehlo.transpose
// CHECK-NOT:     stablehlo.reshape
// CHECK:         return
func.func @dilated_and_int_unchanged(%x: tensor<1x8x8x3xf32>, %y: tensor<1x8x8x3xi32>) -> (tensor<1x5x5x3xf32>, tensor<1x4x4x3xi32>) {
  %ninf = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %imin = stablehlo.constant dense<-2147483648> : tensor<i32>
  %0 = "stablehlo.reduce_window"(%x, %ninf) <{window_dimensions = array<i64: 1, 2, 2, 1>, window_dilations = array<i64: 1, 3, 3, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<1x8x8x3xf32>, tensor<f32>) -> tensor<1x5x5x3xf32>
  %1 = "stablehlo.reduce_window"(%y, %imin) <{window_dimensions = array<i64: 1, 2, 2, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %m = stablehlo.maximum %a, %b : tensor<i32>
    stablehlo.return %m : tensor<i32>
  }) : (tensor<1x8x8x3xi32>, tensor<i32>) -> tensor<1x4x4x3xi32>
  return %0, %1 : tensor<1x5x5x3xf32>, tensor<1x4x4x3xi32>
}
