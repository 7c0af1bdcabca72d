// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-inline-map | filecheck %s

// stablehlo.map with an elementwise body: the body's ops on whole tensors.

// CHECK-LABEL: func.func @two_operands(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<2x3xf32>)
// CHECK:         %[[C:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %[[M:.*]] = stablehlo.multiply %[[X]], %[[Y]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[C]], dims = [] : (tensor<f32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[GT:.*]] = stablehlo.compare  GT, %[[M]], %[[B]] : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.sine %[[X]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.select %[[GT]], %[[M]], %[[S]] : tensor<2x3xi1>, tensor<2x3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @two_operands(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "stablehlo.map"(%x, %y) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %c = stablehlo.constant dense<0.5> : tensor<f32>
    %m = stablehlo.multiply %a, %b : tensor<f32>
    %gt = stablehlo.compare GT, %m, %c : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %s = stablehlo.sine %a : tensor<f32>
    %r = stablehlo.select %gt, %m, %s : tensor<i1>, tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) {dimensions = array<i64: 0, 1>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A body returning its argument converted; a rank-0 value from outside the
// body is broadcast.
// CHECK-LABEL: func.func @convert_and_outer(
// CHECK-SAME:    %[[X:.*]]: tensor<4xi32>, %[[S:.*]]: tensor<f32>)
// CHECK-NEXT:    %[[F:.*]] = stablehlo.convert %[[X]] : (tensor<4xi32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[S]], dims = [] : (tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.add %[[F]], %[[B]] : tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @convert_and_outer(%x: tensor<4xi32>, %s: tensor<f32>) -> tensor<4xf32> {
  %0 = "stablehlo.map"(%x) ({
  ^bb0(%a: tensor<i32>):
    %f = stablehlo.convert %a : (tensor<i32>) -> tensor<f32>
    %r = stablehlo.add %f, %s : tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) {dimensions = array<i64: 0>} : (tensor<4xi32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A body that is not elementwise: left alone.
// CHECK-LABEL: func.func @not_elementwise(
// CHECK:         "stablehlo.map"
func.func @not_elementwise(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.map"(%x) ({
  ^bb0(%a: tensor<f32>):
    %z = stablehlo.constant dense<0.0> : tensor<f32>
    %r = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [] : (tensor<f32>, tensor<f32>) -> tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) {dimensions = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
