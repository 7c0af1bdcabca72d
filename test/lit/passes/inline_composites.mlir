// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-inline-composites | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-prepare | filecheck %s --check-prefix=PREP

// A composite with no MIL op becomes a call of its decomposition; chlo.erf
// (which MIL has as `erf`) stays a composite.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[G:.*]] = call @my.gelu.impl(%[[A]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[E:.*]] = stablehlo.composite "chlo.erf" %[[G]] {decomposition = @erf.impl} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[E]]
// CHECK-NOT:     "my.gelu"
// CHECK-LABEL: func.func private @my.gelu.impl(
// CHECK-LABEL: func.func private @erf.impl(

// The prepare pipeline then inlines the call and drops the dead function;
// the erf composite and its decomposition (the reference semantics) stay.
// PREP-LABEL: func.func @main(
// PREP-SAME:    %[[A:.*]]: tensor<4xf32>) -> tensor<4xf32>
// PREP-NEXT:    %[[T:.*]] = stablehlo.tanh %[[A]] : tensor<4xf32>
// PREP-NEXT:    %[[M:.*]] = stablehlo.multiply %[[A]], %[[T]] : tensor<4xf32>
// PREP-NEXT:    %[[E:.*]] = stablehlo.composite "chlo.erf" %[[M]] {decomposition = @erf.impl}
// PREP-NEXT:    return %[[E]]
// PREP-NOT:     call
// PREP-NOT:     @my.gelu.impl
// PREP:         func.func private @erf.impl(
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.composite "my.gelu" %arg0 {composite_attributes = {approximate = true}, decomposition = @my.gelu.impl, version = 1 : i32} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.composite "chlo.erf" %0 {decomposition = @erf.impl} : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func private @my.gelu.impl(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.tanh %arg0 : tensor<4xf32>
  %1 = stablehlo.multiply %arg0, %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func private @erf.impl(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = chlo.erf %arg0 : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Several operands and results map one to one.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.*]]:2 = call @pair(%[[A]], %[[B]]) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT:    return %[[R]]#1, %[[R]]#0

// PREP-LABEL: func.func @main(
// PREP-SAME:    %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// PREP-DAG:     %[[S:.*]] = stablehlo.add %[[A]], %[[B]] : tensor<4xf32>
// PREP-DAG:     %[[D:.*]] = stablehlo.subtract %[[A]], %[[B]] : tensor<4xf32>
// PREP:         return %[[D]], %[[S]]
// PREP-NOT:     func.func private @pair
func.func @main(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0:2 = stablehlo.composite "my.pair" %arg0, %arg1 {decomposition = @pair} : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#1, %0#0 : tensor<4xf32>, tensor<4xf32>
}
func.func private @pair(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = stablehlo.add %a, %b : tensor<4xf32>
  %1 = stablehlo.subtract %a, %b : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// A composite nested in another composite's decomposition is rewritten too,
// so inlining leaves no composite behind.
// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    call @my.outer(
// CHECK-LABEL: func.func private @my.outer(
// CHECK-NEXT:    call @my.inner(
// CHECK-NEXT:    stablehlo.negate

// PREP-LABEL: func.func @main(
// PREP-SAME:    %[[A:.*]]: tensor<4xf32>)
// PREP-NEXT:    %[[ABS:.*]] = stablehlo.abs %[[A]] : tensor<4xf32>
// PREP-NEXT:    %[[NEG:.*]] = stablehlo.negate %[[ABS]] : tensor<4xf32>
// PREP-NEXT:    return %[[NEG]]
// PREP-NEXT:  }
// PREP-NEXT: }
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.composite "my.outer" %arg0 {decomposition = @my.outer} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @my.outer(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.composite "my.inner" %arg0 {decomposition = @my.inner} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.negate %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func private @my.inner(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.abs %arg0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// On complex tensors a composite MIL has for real ones (chlo.asin) is
// inlined: its decomposition is what hlo-coreml-split-complex splits.
// chlo.sinh / chlo.cosh stay: split-complex evaluates them itself.
// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    %[[S:.*]] = call @asin.impl(%{{.*}}) : (tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>>
// CHECK-NEXT:    %[[H:.*]] = stablehlo.composite "chlo.sinh" %[[S]] {decomposition = @sinh.impl}
// CHECK-NEXT:    return %[[H]]
func.func @main(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.composite "chlo.asin" %z {decomposition = @asin.impl} : (tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>>
  %1 = stablehlo.composite "chlo.sinh" %0 {decomposition = @sinh.impl} : (tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>>
  return %1 : tensor<4xcomplex<f32>>
}
func.func private @asin.impl(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  return %z : tensor<4xcomplex<f32>>
}
func.func private @sinh.impl(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  return %z : tensor<4xcomplex<f32>>
}
