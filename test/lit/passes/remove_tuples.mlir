// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-remove-tuples | filecheck %s

// get_tuple_element of a tuple is the tuple's operand; the tuple goes away.
// CHECK-LABEL: func.func @tuple_pair(
// CHECK-SAME:    %[[A:.*]]: tensor<2xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[B]], %[[A]] : tensor<2xf32>
// CHECK-NEXT:    return %[[S]] : tensor<2xf32>
func.func @tuple_pair(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  %t = stablehlo.tuple %a, %b : tuple<tensor<2xf32>, tensor<2xf32>>
  %0 = stablehlo.get_tuple_element %t[1] : (tuple<tensor<2xf32>, tensor<2xf32>>) -> tensor<2xf32>
  %1 = stablehlo.get_tuple_element %t[0] : (tuple<tensor<2xf32>, tensor<2xf32>>) -> tensor<2xf32>
  %2 = stablehlo.add %0, %1 : tensor<2xf32>
  return %2 : tensor<2xf32>
}

// -----

// optimization_barrier passes its operands through.
// CHECK-LABEL: func.func @barrier(
// CHECK-SAME:    %[[A:.*]]: tensor<2xf32>, %[[I:.*]]: tensor<i32>)
// CHECK-NOT:     optimization_barrier
// CHECK:         %[[M:.*]] = stablehlo.multiply %[[A]], %[[A]] : tensor<2xf32>
// CHECK-NEXT:    return %[[M]], %[[I]] : tensor<2xf32>, tensor<i32>
func.func @barrier(%a: tensor<2xf32>, %i: tensor<i32>) -> (tensor<2xf32>, tensor<i32>) {
  %0:2 = stablehlo.optimization_barrier %a, %i : tensor<2xf32>, tensor<i32>
  %1 = stablehlo.multiply %0#0, %0#0 : tensor<2xf32>
  return %1, %0#1 : tensor<2xf32>, tensor<i32>
}

// -----

// jax.export's shape assertions are erased; other custom calls stay (for
// verify-legal to refuse with their target name).
// CHECK-LABEL: func.func @assertions(
// CHECK-SAME:    %[[A:.*]]: tensor<2xf32>, %[[N:.*]]: tensor<i32>)
// CHECK-NOT:     @shape_assertion
// CHECK:         %[[K:.*]] = stablehlo.custom_call @my_kernel(%[[A]])
// CHECK-NEXT:    return %[[K]] : tensor<2xf32>
func.func @assertions(%a: tensor<2xf32>, %n: tensor<i32>) -> tensor<2xf32> {
  %c = stablehlo.constant dense<2> : tensor<i32>
  %ok = stablehlo.compare EQ, %n, %c : (tensor<i32>, tensor<i32>) -> tensor<i1>
  stablehlo.custom_call @shape_assertion(%ok, %n) {api_version = 2 : i32, error_message = "n must be 2", has_side_effect = true} : (tensor<i1>, tensor<i32>) -> ()
  %0 = stablehlo.custom_call @my_kernel(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A tuple-typed argument is left alone (verify-legal reports it).
// CHECK-LABEL: func.func @tuple_argument(
// CHECK:         stablehlo.get_tuple_element
func.func @tuple_argument(%t: tuple<tensor<2xf32>>) -> tensor<2xf32> {
  %0 = stablehlo.get_tuple_element %t[0] : (tuple<tensor<2xf32>>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
