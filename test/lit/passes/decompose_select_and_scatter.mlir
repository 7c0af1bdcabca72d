// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-select-and-scatter | filecheck %s

// select_and_scatter (the max-pooling gradient): fold the select region
// over the window positions (strided slices), then a point scatter.

// Window 2, stride 2, GE (first max): position 1 replaces position 0
// unless GE(x0, x1); the chosen offset per window, plus the origin
// (iota * stride), indexes a scatter-add into init.
// CHECK-LABEL: func.func @max_pool_grad(
// CHECK-SAME:    %[[X:.*]]: tensor<1x4xf32>, %[[S:.*]]: tensor<1x2xf32>)
// CHECK:         %[[X0:.*]] = stablehlo.slice %[[X]] [0:1, 0:3:2]
// CHECK:         %[[X1:.*]] = stablehlo.slice %[[X]] [0:1, 1:4:2]
// CHECK-NEXT:    %[[GE:.*]] = stablehlo.compare  GE, %[[X0]], %[[X1]], FLOAT
// CHECK-NEXT:    %[[TAKE:.*]] = stablehlo.not %[[GE]]
// CHECK:         %[[OFF:.*]] = stablehlo.select %[[TAKE]], %{{.*}}, %{{.*}} : tensor<1x2xi1>, tensor<1x2xi32>
// CHECK:         %[[ORIGIN:.*]] = stablehlo.iota dim = 1 : tensor<1x2xi32>
// CHECK:         %[[SCALED:.*]] = stablehlo.multiply %[[ORIGIN]], %{{.*}} : tensor<1x2xi32>
// CHECK-NEXT:    stablehlo.add %[[SCALED]], %[[OFF]] : tensor<1x2xi32>
// CHECK:         %[[IDX:.*]] = stablehlo.concatenate {{.*}} dim = 2 : {{.*}} -> tensor<1x2x2xi32>
// CHECK:         %[[INIT:.*]] = stablehlo.broadcast_in_dim %{{.*}}, dims = [] : (tensor<f32>) -> tensor<1x4xf32>
// CHECK:         "stablehlo.scatter"(%[[INIT]], %[[IDX]], %[[S]])
// CHECK:           stablehlo.add
// CHECK-NOT:     select_and_scatter
func.func @max_pool_grad(%x: tensor<1x4xf32>, %s: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %cst = stablehlo.constant dense<0.0> : tensor<f32>
  %1 = "stablehlo.select_and_scatter"(%x, %s, %cst) <{window_dimensions = array<i64: 1, 2>, window_strides = array<i64: 1, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.compare GE, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %3 : tensor<i1>
  }, {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %3 : tensor<f32>
  }) : (tensor<1x4xf32>, tensor<1x2xf32>, tensor<f32>) -> tensor<1x4xf32>
  return %1 : tensor<1x4xf32>
}

// -----

// Padding inside the op: padded positions are never selected (a validity
// mask per window position); a window of padding only gets index -1,
// which scatter skips.
// CHECK-LABEL: func.func @padded(
// CHECK:         stablehlo.pad
// CHECK:         %[[VALID:.*]] = stablehlo.compare  NE
// CHECK:         stablehlo.and
// CHECK:         stablehlo.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<3xi1>, tensor<3xi32>
// CHECK:         "stablehlo.scatter"
func.func @padded(%x: tensor<4xf32>, %s: tensor<3xf32>) -> tensor<4xf32> {
  %cst = stablehlo.constant dense<0.0> : tensor<f32>
  %1 = "stablehlo.select_and_scatter"(%x, %s, %cst) <{padding = dense<[[2, 0]]> : tensor<1x2xi64>, window_dimensions = array<i64: 2>, window_strides = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.compare GE, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %3 : tensor<i1>
  }, {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %3 : tensor<f32>
  }) : (tensor<4xf32>, tensor<3xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// A scatter region that is no MIL mode: left alone.
// CHECK-LABEL: func.func @subtract_scatter(
// CHECK:         "stablehlo.select_and_scatter"
func.func @subtract_scatter(%x: tensor<4xf32>, %s: tensor<2xf32>) -> tensor<4xf32> {
  %cst = stablehlo.constant dense<0.0> : tensor<f32>
  %1 = "stablehlo.select_and_scatter"(%x, %s, %cst) <{window_dimensions = array<i64: 2>, window_strides = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.compare GE, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %3 : tensor<i1>
  }, {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.subtract %a, %b : tensor<f32>
    stablehlo.return %3 : tensor<f32>
  }) : (tensor<4xf32>, tensor<2xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
