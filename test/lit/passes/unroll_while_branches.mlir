// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-unroll-while=max-select-ops=3 | filecheck %s

// hlo-coreml-unroll-while on stablehlo.case / stablehlo.if.

// A case whose index is constant is replaced by its branch.
// CHECK-LABEL: func.func @case_constant(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.cosine %[[X]]
// CHECK-NEXT:    return %[[R]]
func.func @case_constant(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %0 = "stablehlo.case"(%c1) ({
    %1 = stablehlo.sine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.cosine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }) : (tensor<i32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An out-of-range index takes the last branch.
// CHECK-LABEL: func.func @case_out_of_range(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.cosine %[[X]]
// CHECK-NEXT:    return %[[R]]
func.func @case_out_of_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<-3> : tensor<i32>
  %0 = "stablehlo.case"(%c) ({
    %1 = stablehlo.sine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.cosine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }) : (tensor<i32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An if whose predicate folds to false takes the false branch.
// CHECK-LABEL: func.func @if_constant(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.cosine %[[X]]
// CHECK-NEXT:    return %[[R]]
func.func @if_constant(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c2 = stablehlo.constant dense<2> : tensor<i32>
  %p = stablehlo.compare GT, %c1, %c2, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
  %0 = "stablehlo.if"(%p) ({
    %1 = stablehlo.sine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.cosine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }) : (tensor<i1>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Small branches without side effects: all branches, then selects
// (index == 0 ? b0 : index == 1 ? b1 : b2).
// CHECK-LABEL: func.func @case_to_select(
// CHECK-SAME:    %[[I:.*]]: tensor<i32>, %[[X:.*]]: tensor<4xf32>)
// CHECK-DAG:     %[[B0:.*]] = stablehlo.sine %[[X]]
// CHECK-DAG:     %[[B1:.*]] = stablehlo.cosine %[[X]]
// CHECK-DAG:     %[[B2:.*]] = stablehlo.tanh %[[X]]
// CHECK-DAG:     %[[C0:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-DAG:     %[[C1:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK-DAG:     %[[P0:.*]] = stablehlo.compare EQ, %[[I]], %[[C0]]
// CHECK-DAG:     %[[P1:.*]] = stablehlo.compare EQ, %[[I]], %[[C1]]
// CHECK:         %[[S1:.*]] = stablehlo.select %[[P1]], %[[B1]], %[[B2]]
// CHECK-NEXT:    %[[S0:.*]] = stablehlo.select %[[P0]], %[[B0]], %[[S1]]
// CHECK-NEXT:    return %[[S0]]
func.func @case_to_select(%i: tensor<i32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.case"(%i) ({
    %1 = stablehlo.sine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.cosine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.tanh %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }) : (tensor<i32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----


// CHECK-LABEL: func.func @if_to_select(
// CHECK-SAME:    %[[P:.*]]: tensor<i1>, %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[T:.*]] = stablehlo.sine %[[X]]
// CHECK-NEXT:    %[[R:.*]] = stablehlo.select %[[P]], %[[T]], %[[X]]
// CHECK-NEXT:    return %[[R]]
func.func @if_to_select(%p: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.if"(%p) ({
    %1 = stablehlo.sine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    stablehlo.return %x : tensor<4xf32>
  }) : (tensor<i1>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Branches above max-select-ops (3 here) are kept, for MIL cond.
// CHECK-LABEL: func.func @case_kept(
// CHECK:         "stablehlo.case"
func.func @case_kept(%i: tensor<i32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.case"(%i) ({
    %1 = stablehlo.sine %x : tensor<4xf32>
    %2 = stablehlo.sine %1 : tensor<4xf32>
    stablehlo.return %2 : tensor<4xf32>
  }, {
    %1 = stablehlo.cosine %x : tensor<4xf32>
    %2 = stablehlo.cosine %1 : tensor<4xf32>
    stablehlo.return %2 : tensor<4xf32>
  }) : (tensor<i32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A branch with a side effect is never executed speculatively.
// CHECK-LABEL: func.func @effects_kept(
// CHECK:         "stablehlo.if"
// CHECK:         stablehlo.custom_call
func.func @effects_kept(%p: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.if"(%p) ({
    %1 = stablehlo.custom_call @log_it(%x) : (tensor<4xf32>) -> tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    stablehlo.return %x : tensor<4xf32>
  }) : (tensor<i1>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// After unrolling, a branch on the step resolves in each copy.
// CHECK-LABEL: func.func @case_in_loop(
// CHECK-SAME:    %[[X:.*]]: tensor<f32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.sine %[[X]]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.cosine %[[A]]
// CHECK-NEXT:    return %[[B]]
func.func @case_in_loop(%x: tensor<f32>) -> tensor<f32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c2 = stablehlo.constant dense<2> : tensor<i32>
  %r:2 = stablehlo.while(%i = %c0, %a = %x) : tensor<i32>, tensor<f32>
    cond {
      %p = stablehlo.compare LT, %i, %c2, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %b = "stablehlo.case"(%i) ({
        %1 = stablehlo.sine %a : tensor<f32>
        stablehlo.return %1 : tensor<f32>
      }, {
        %1 = stablehlo.cosine %a : tensor<f32>
        stablehlo.return %1 : tensor<f32>
      }) : (tensor<i32>) -> tensor<f32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %b : tensor<i32>, tensor<f32>
    }
  return %r#1 : tensor<f32>
}
