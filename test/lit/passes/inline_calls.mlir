// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-inline-calls | filecheck %s

// A call is replaced by the callee's body; the callee itself stays (symbol-dce
// removes it in the pipeline).
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[Z:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.maximum %[[A]], %[[Z]] : tensor<4xf32>
// CHECK-NEXT:    %[[N:.*]] = stablehlo.negate %[[R]] : tensor<4xf32>
// CHECK-NEXT:    return %[[N]] : tensor<4xf32>
// CHECK-LABEL: func.func private @relu(
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @relu(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.negate %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func private @relu(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<4xf32>
  %0 = stablehlo.maximum %arg0, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Calls inside callees (a chain main -> f -> g) and several calls of one
// function are all inlined.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[X:.*]] = stablehlo.abs %[[A]] : tensor<4xf32>
// CHECK-NEXT:    %[[Y:.*]] = stablehlo.exponential %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[U:.*]] = stablehlo.abs %[[B]] : tensor<4xf32>
// CHECK-NEXT:    %[[V:.*]] = stablehlo.exponential %[[U]] : tensor<4xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[Y]], %[[V]] : tensor<4xf32>
// CHECK-NEXT:    return %[[S]]
// CHECK-LABEL: func.func private @f(
// CHECK-NOT:     call
// CHECK-LABEL: func.func private @g(
func.func @main(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @f(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = call @f(%arg1) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = stablehlo.add %0, %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}
func.func private @f(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @g(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.exponential %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func private @g(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.abs %arg0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Several results; a call inside a nested region (a while body).
// CHECK-LABEL: func.func @main(
// CHECK:         stablehlo.while(%[[I:.*]] = %{{.*}}, %[[X:.*]] = %{{.*}})
// CHECK:         } do {
// CHECK:           %[[P:.*]] = stablehlo.add %[[X]], %[[X]] : tensor<4xf32>
// CHECK-NEXT:      %[[Q:.*]] = stablehlo.multiply %[[X]], %[[X]] : tensor<4xf32>
// CHECK-NEXT:      %[[R:.*]] = stablehlo.subtract %[[P]], %[[Q]] : tensor<4xf32>
// CHECK:           stablehlo.return %{{.*}}, %[[R]] : tensor<i32>, tensor<4xf32>
// CHECK-NOT:     call
// CHECK-LABEL: func.func private @two(
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.constant dense<0> : tensor<i32>
  %1:2 = stablehlo.while(%i = %0, %x = %arg0) : tensor<i32>, tensor<4xf32>
  cond {
    %c = stablehlo.constant dense<3> : tensor<i32>
    %p = stablehlo.compare LT, %i, %c : (tensor<i32>, tensor<i32>) -> tensor<i1>
    stablehlo.return %p : tensor<i1>
  } do {
    %c1 = stablehlo.constant dense<1> : tensor<i32>
    %n = stablehlo.add %i, %c1 : tensor<i32>
    %y:2 = func.call @two(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
    %z = stablehlo.subtract %y#0, %y#1 : tensor<4xf32>
    stablehlo.return %n, %z : tensor<i32>, tensor<4xf32>
  }
  return %1#1 : tensor<4xf32>
}
func.func private @two(%arg0: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.add %arg0, %arg0 : tensor<4xf32>
  %1 = stablehlo.multiply %arg0, %arg0 : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
