// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s

// An elementwise composite on rank 6 keeps its MIL op: it is rebuilt on
// the value flattened to 1-D, with a decomposition of the 1-D types that
// reshapes back and inlines the original one; the original is erased.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[X:.*]]: tensor<2x2x3xf32>)
// CHECK:         %[[F:.*]] = stablehlo.reshape %[[X]] : (tensor<2x2x3xf32>) -> tensor<12xf32>
// CHECK-NEXT:    %[[A:.*]] = stablehlo.composite "chlo.asin" %[[F]] {decomposition = @chlo.asin.impl.view_12} : (tensor<12xf32>) -> tensor<12xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[A]] : (tensor<12xf32>) -> tensor<2x2x3xf32>
// CHECK-NEXT:    return %[[R]]
// CHECK-NOT:     func.func private @chlo.asin.impl(
// CHECK:         func.func private @chlo.asin.impl.view_12(%[[ARG:.*]]: tensor<12xf32>) -> tensor<12xf32>
// CHECK-NEXT:    %[[UP:.*]] = stablehlo.reshape %[[ARG]] : (tensor<12xf32>) -> tensor<1x2x1x2x1x3xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.sine %[[UP]] : tensor<1x2x1x2x1x3xf32>
// CHECK-NEXT:    %[[DOWN:.*]] = stablehlo.reshape %[[S]] : (tensor<1x2x1x2x1x3xf32>) -> tensor<12xf32>
// CHECK-NEXT:    return %[[DOWN]]
// CHECK-NOT:     func.func private @chlo.asin.impl(
func.func @main(%x: tensor<2x2x3xf32>) -> tensor<2x2x3xf32> {
  %0 = stablehlo.reshape %x : (tensor<2x2x3xf32>) -> tensor<1x2x1x2x1x3xf32>
  %1 = stablehlo.composite "chlo.asin" %0 {decomposition = @chlo.asin.impl} : (tensor<1x2x1x2x1x3xf32>) -> tensor<1x2x1x2x1x3xf32>
  %2 = stablehlo.reshape %1 : (tensor<1x2x1x2x1x3xf32>) -> tensor<2x2x3xf32>
  return %2 : tensor<2x2x3xf32>
}
// A stand-in body: cap-rank never looks inside a decomposition.
func.func private @chlo.asin.impl(%a: tensor<1x2x1x2x1x3xf32>) -> tensor<1x2x1x2x1x3xf32> {
  %0 = stablehlo.sine %a : tensor<1x2x1x2x1x3xf32>
  return %0 : tensor<1x2x1x2x1x3xf32>
}

// -----

// chlo.top_k works along the last dim: it is rebuilt on [rows, last dim].
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[X:.*]]: tensor<2x2x3xf32>)
// CHECK:         %[[F:.*]] = stablehlo.reshape %[[X]] : (tensor<2x2x3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    %[[T:.*]]:2 = stablehlo.composite "chlo.top_k" %[[F]] {composite_attributes = {k = 2 : i64}, decomposition = @chlo.top_k.impl.view_4x3} : (tensor<4x3xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
// CHECK:         return
// CHECK-NOT:     func.func private @chlo.top_k.impl(
// CHECK:         func.func private @chlo.top_k.impl.view_4x3(
func.func @main(%x: tensor<2x2x3xf32>) -> (tensor<2x2x2xf32>, tensor<2x2x2xi32>) {
  %0 = stablehlo.reshape %x : (tensor<2x2x3xf32>) -> tensor<1x2x1x2x1x3xf32>
  %1:2 = stablehlo.composite "chlo.top_k" %0 {composite_attributes = {k = 2 : i64}, decomposition = @chlo.top_k.impl} : (tensor<1x2x1x2x1x3xf32>) -> (tensor<1x2x1x2x1x2xf32>, tensor<1x2x1x2x1x2xi32>)
  %2 = stablehlo.reshape %1#0 : (tensor<1x2x1x2x1x2xf32>) -> tensor<2x2x2xf32>
  %3 = stablehlo.reshape %1#1 : (tensor<1x2x1x2x1x2xi32>) -> tensor<2x2x2xi32>
  return %2, %3 : tensor<2x2x2xf32>, tensor<2x2x2xi32>
}
// A stand-in body (the first k elements, index 0..k-1).
func.func private @chlo.top_k.impl(%a: tensor<1x2x1x2x1x3xf32>) -> (tensor<1x2x1x2x1x2xf32>, tensor<1x2x1x2x1x2xi32>) {
  %0 = stablehlo.slice %a [0:1, 0:2, 0:1, 0:2, 0:1, 0:2] : (tensor<1x2x1x2x1x3xf32>) -> tensor<1x2x1x2x1x2xf32>
  %1 = stablehlo.iota dim = 5 : tensor<1x2x1x2x1x2xi32>
  return %0, %1 : tensor<1x2x1x2x1x2xf32>, tensor<1x2x1x2x1x2xi32>
}
