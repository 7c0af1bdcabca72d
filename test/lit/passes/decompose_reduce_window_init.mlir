// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-reduce-window | filecheck %s --check-prefixes=CHECK,XLA
// RUN: hlo-coreml-opt %s --split-input-file --pass-pipeline='builtin.module(hlo-coreml-decompose-reduce-window{init-semantics=xla})' | filecheck %s --check-prefixes=CHECK,XLA
// RUN: hlo-coreml-opt %s --split-input-file --pass-pipeline='builtin.module(hlo-coreml-decompose-reduce-window{init-semantics=spec})' | filecheck %s --check-prefixes=CHECK,SPEC

// A non-identity init value meets padding (the readings differ). XLA (the
// default): pad with the body's identity, i.e. padded elements are skipped,
// then combine the init once. The spec: pad with the init value, then
// combine the init once more.

// The issue's example: lax.reduce_window(x, 2.0, lax.add, (2,2), (2,2), ((1,1),(1,1))).
// CHECK-LABEL: func.func @sum_init_two_padded(
// CHECK-SAME:    %[[X:.*]]: tensor<4x4xf32>)
// CHECK:         %[[INIT:.*]] = stablehlo.constant dense<2.000000e+00> : tensor<f32>
// XLA:           %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// XLA:           %[[P:.*]] = stablehlo.pad %[[X]], %[[ZERO]], low = [1, 1], high = [1, 1], interior = [0, 0]
// SPEC-NOT:      dense<0.000000e+00>
// SPEC:          %[[P:.*]] = stablehlo.pad %[[X]], %[[INIT]], low = [1, 1], high = [1, 1], interior = [0, 0]
// CHECK:         %[[S:.*]] = stablehlo.add
// CHECK:         %[[B:.*]] = stablehlo.broadcast_in_dim %[[INIT]], dims = [] : (tensor<f32>) -> tensor<3x3xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.add %{{.*}}, %[[B]] : tensor<3x3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @sum_init_two_padded(%x: tensor<4x4xf32>) -> tensor<3x3xf32> {
  %init = stablehlo.constant dense<2.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[1, 1], [1, 1]]> : tensor<2x2xi64>, window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<4x4xf32>, tensor<f32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// A product with base dilation and init 2 on i32: the holes hold 1 (XLA) or 2 (spec).
// CHECK-LABEL: func.func @product_base_dilated_i32(
// CHECK-SAME:    %[[X:.*]]: tensor<4xi32>)
// CHECK:         %[[INIT:.*]] = stablehlo.constant dense<2> : tensor<i32>
// XLA:           %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<i32>
// XLA:           stablehlo.pad %[[X]], %[[ONE]], low = [0], high = [0], interior = [1]
// SPEC:          stablehlo.pad %[[X]], %[[INIT]], low = [0], high = [0], interior = [1]
// CHECK:         stablehlo.multiply
// CHECK:         %[[B:.*]] = stablehlo.broadcast_in_dim %[[INIT]], dims = [] : (tensor<i32>) -> tensor<6xi32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.multiply %{{.*}}, %[[B]] : tensor<6xi32>
// CHECK-NEXT:    return %[[R]]
func.func @product_base_dilated_i32(%x: tensor<4xi32>) -> tensor<6xi32> {
  %init = stablehlo.constant dense<2> : tensor<i32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{base_dilations = array<i64: 2>, window_dimensions = array<i64: 2>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %s = stablehlo.multiply %a, %b : tensor<i32>
    stablehlo.return %s : tensor<i32>
  }) : (tensor<4xi32>, tensor<i32>) -> tensor<6xi32>
  return %0 : tensor<6xi32>
}

// -----

// A cumulative sum from init 1: XLA's reading shifts in 0 (a scan, then one
// add of init); the spec's shifts in 1, which a scan cannot do, so the
// window is summed naively.
// CHECK-LABEL: func.func @cumsum_init_one(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// XLA:           %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// XLA-NEXT:      %[[S1:.*]] = stablehlo.pad %[[X]], %[[ZERO]], low = [1], high = [-1], interior = [0]
// XLA-NEXT:      %[[Y1:.*]] = stablehlo.add %[[X]], %[[S1]] : tensor<4xf32>
// XLA-NEXT:      %[[S2:.*]] = stablehlo.pad %[[Y1]], %[[ZERO]], low = [2], high = [-2], interior = [0]
// XLA-NEXT:      %[[Y2:.*]] = stablehlo.add %[[Y1]], %[[S2]] : tensor<4xf32>
// XLA-NEXT:      %[[B:.*]] = stablehlo.broadcast_in_dim
// XLA-NEXT:      %[[R:.*]] = stablehlo.add %[[Y2]], %[[B]] : tensor<4xf32>
// XLA-NEXT:      return %[[R]]
// SPEC:          %[[INIT:.*]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// SPEC-NEXT:     %[[P:.*]] = stablehlo.pad %[[X]], %[[INIT]], low = [3], high = [0], interior = [0]
// SPEC-NOT:      low = [1], high = [-1]
// SPEC:          return
func.func @cumsum_init_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %init = stablehlo.constant dense<1.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[3, 0]]> : tensor<1x2xi64>, window_dimensions = array<i64: 4>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An idempotent body (max) with init 0.5 and padding: the readings agree,
// both pad with the init value.
// CHECK-LABEL: func.func @max_init_half_padded(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK:         %[[INIT:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<f32>
// CHECK:         stablehlo.pad %[[X]], %[[INIT]], low = [1], high = [1], interior = [0]
func.func @max_init_half_padded(%x: tensor<4xf32>) -> tensor<3xf32> {
  %init = stablehlo.constant dense<0.5> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[1, 1]]> : tensor<1x2xi64>, window_dimensions = array<i64: 2>, window_strides = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<4xf32>, tensor<f32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// An init only known at run time, with base dilation: XLA's reading needs
// no constant init (the holes hold the identity, 1).
// CHECK-LABEL: func.func @product_runtime_init(
// CHECK-SAME:    %[[X:.*]]: tensor<3xi32>, %[[INIT:.*]]: tensor<i32>)
// XLA:           %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<i32>
// XLA:           stablehlo.pad %[[X]], %[[ONE]], low = [0], high = [0], interior = [1]
// SPEC:          stablehlo.pad %[[X]], %[[INIT]], low = [0], high = [0], interior = [1]
// CHECK:         %[[B:.*]] = stablehlo.broadcast_in_dim %[[INIT]], dims = [] : (tensor<i32>) -> tensor<4xi32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.multiply %{{.*}}, %[[B]] : tensor<4xi32>
// CHECK-NEXT:    return %[[R]]
func.func @product_runtime_init(%x: tensor<3xi32>, %init: tensor<i32>) -> tensor<4xi32> {
  %0 = "stablehlo.reduce_window"(%x, %init) <{base_dilations = array<i64: 2>, window_dimensions = array<i64: 2>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %s = stablehlo.multiply %a, %b : tensor<i32>
    stablehlo.return %s : tensor<i32>
  }) : (tensor<3xi32>, tensor<i32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
