// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-drop-empty-tensors | filecheck %s

// An empty operand of concatenate is dropped; with one operand left the
// concatenate goes too (jnp.roll by the full length).
// CHECK-LABEL: func.func @concat_one_left(
// CHECK-SAME:    %[[X:.*]]: tensor<3x3xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<3x3xf32>
func.func @concat_one_left(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %e = stablehlo.slice %x [0:3, 0:0] : (tensor<3x3xf32>) -> tensor<3x0xf32>
  %0 = stablehlo.concatenate %x, %e, dim = 1 : (tensor<3x3xf32>, tensor<3x0xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// jnp.pad(x, (0, 2), mode="edge"): the zero-width edge and its broadcast go.
// CHECK-LABEL: func.func @edge_pad(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NOT:     tensor<1x0xf32>
// CHECK:         %[[R:.*]] = stablehlo.reshape
// CHECK-NEXT:    %[[C:.*]] = stablehlo.concatenate %[[X]], %[[R]], dim = 0 : (tensor<4xf32>, tensor<2xf32>) -> tensor<6xf32>
// CHECK-NEXT:    return %[[C]]
func.func @edge_pad(%arg0: tensor<4xf32>) -> tensor<6xf32> {
  %0 = stablehlo.slice %arg0 [0:1] : (tensor<4xf32>) -> tensor<1xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<1xf32>) -> tensor<1x0xf32>
  %2 = stablehlo.reshape %1 : (tensor<1x0xf32>) -> tensor<0xf32>
  %3 = stablehlo.slice %arg0 [3:4] : (tensor<4xf32>) -> tensor<1xf32>
  %4 = stablehlo.broadcast_in_dim %3, dims = [0] : (tensor<1xf32>) -> tensor<1x2xf32>
  %5 = stablehlo.reshape %4 : (tensor<1x2xf32>) -> tensor<2xf32>
  %6 = stablehlo.concatenate %2, %arg0, %5, dim = 0 : (tensor<0xf32>, tensor<4xf32>, tensor<2xf32>) -> tensor<6xf32>
  return %6 : tensor<6xf32>
}

// -----

// Two non-empty operands stay concatenated.
// CHECK-LABEL: func.func @concat_two_left(
// CHECK-SAME:    %[[X:.*]]: tensor<2xi32>)
// CHECK-NEXT:    %[[C:.*]] = stablehlo.concatenate %[[X]], %[[X]], dim = 0 : (tensor<2xi32>, tensor<2xi32>) -> tensor<4xi32>
// CHECK-NEXT:    return %[[C]]
func.func @concat_two_left(%x: tensor<2xi32>) -> tensor<4xi32> {
  %y = stablehlo.slice %x [1:1] : (tensor<2xi32>) -> tensor<0xi32>
  %0 = stablehlo.concatenate %x, %y, %x, dim = 0 : (tensor<2xi32>, tensor<0xi32>, tensor<2xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// pad of an empty value is the padding value everywhere.
// CHECK-LABEL: func.func @pad_of_empty(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32>, %[[V:.*]]: tensor<f32>)
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[V]], dims = [] : (tensor<f32>) -> tensor<2x2xf32>
// CHECK-NEXT:    return %[[B]]
func.func @pad_of_empty(%x: tensor<2x3xf32>, %v: tensor<f32>) -> tensor<2x2xf32> {
  %e = stablehlo.slice %x [0:2, 1:1] : (tensor<2x3xf32>) -> tensor<2x0xf32>
  %0 = stablehlo.pad %e, %v, low = [0, 1], high = [0, 1], interior = [0, 0] : (tensor<2x0xf32>, tensor<f32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// A sum over an empty dim is its init value; a matmul contracting an empty
// dim is zeros; an empty update changes nothing.
// CHECK-LABEL: func.func @reduce_dot_update(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32>, %[[I:.*]]: tensor<i32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[INIT]], dims = [] : (tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[Z:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK-NEXT:    return %[[B]], %[[Z]], %[[X]]
func.func @reduce_dot_update(%x: tensor<2x3xf32>, %i: tensor<i32>) -> (tensor<2xf32>, tensor<2x2xf32>, tensor<2x3xf32>) {
  %one = stablehlo.constant dense<1.0> : tensor<f32>
  %e = stablehlo.slice %x [0:2, 0:0] : (tensor<2x3xf32>) -> tensor<2x0xf32>
  %0 = stablehlo.reduce(%e init: %one) applies stablehlo.add across dimensions = [1] : (tensor<2x0xf32>, tensor<f32>) -> tensor<2xf32>
  %et = stablehlo.transpose %e, dims = [1, 0] : (tensor<2x0xf32>) -> tensor<0x2xf32>
  %1 = stablehlo.dot_general %e, %et, contracting_dims = [1] x [0] : (tensor<2x0xf32>, tensor<0x2xf32>) -> tensor<2x2xf32>
  %2 = stablehlo.dynamic_update_slice %x, %e, %i, %i : (tensor<2x3xf32>, tensor<2x0xf32>, tensor<i32>, tensor<i32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<2x2xf32>, tensor<2x3xf32>
}
