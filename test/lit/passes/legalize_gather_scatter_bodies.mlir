// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-gather-scatter | filecheck %s

// Scatter bodies MIL has no mode for (passes/scatter_bodies.py).

// x.at[i].subtract(u): an add scatter of the negated updates (duplicates
// combine in sequence, as with add).
// CHECK-LABEL: func.func @subtract(
// CHECK-SAME:    %[[X:.*]]: tensor<7x3xf32>, %[[I:.*]]: tensor<5x1xi32>, %[[U:.*]]: tensor<5x3xf32>)
// CHECK:         %[[N:.*]] = stablehlo.negate %[[U]] : tensor<5x3xf32>
// CHECK:         "stablehlo.scatter"(%{{.*}}, %{{.*}}, %[[N]])
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      %[[S:.*]] = stablehlo.add %[[A]], %[[B]] : tensor<f32>
// CHECK-NEXT:      stablehlo.return %[[S]]
// CHECK:         {hlo_coreml.in_bounds}
// CHECK-NOT:     stablehlo.subtract
func.func @subtract(%x: tensor<7x3xf32>, %i: tensor<5x1xi32>, %u: tensor<5x3xf32>) -> tensor<7x3xf32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.subtract %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<7x3xf32>, tensor<5x1xi32>, tensor<5x3xf32>) -> tensor<7x3xf32>
  return %0 : tensor<7x3xf32>
}

// -----

// x.at[i].apply(lambda v: 2 * sin(v), unique_indices=True): gather the old
// rows (clamped), the body on tensors (the hoisted scalar constant
// broadcast), then a scatter that sets.
// CHECK-LABEL: func.func @apply_unique(
// CHECK-SAME:    %[[X:.*]]: tensor<7x3xf32>, %[[I:.*]]: tensor<2x1xi32>, %[[U:.*]]: tensor<2x3xf32>)
// CHECK:         %[[TWO:.*]] = stablehlo.constant dense<2.000000e+00> : tensor<f32>
// CHECK:         %[[G:.*]] = "stablehlo.gather"(%[[X]], %{{.*}}) {{.*}} -> tensor<2x3xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.sine %[[G]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.broadcast_in_dim %[[TWO]], dims = [] : (tensor<f32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[M:.*]] = stablehlo.multiply %[[S]], %[[C]] : tensor<2x3xf32>
// CHECK:         "stablehlo.scatter"(%{{.*}}, %{{.*}}, %[[M]])
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      stablehlo.return %[[B]] : tensor<f32>
func.func @apply_unique(%x: tensor<7x3xf32>, %i: tensor<2x1xi32>, %u: tensor<2x3xf32>) -> tensor<7x3xf32> {
  %c = stablehlo.constant dense<2.0> : tensor<f32>
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, unique_indices = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.sine %a : tensor<f32>
    %m = stablehlo.multiply %s, %c : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<7x3xf32>, tensor<2x1xi32>, tensor<2x3xf32>) -> tensor<7x3xf32>
  return %0 : tensor<7x3xf32>
}

// -----

// A combiner of both values with constant indices that are unique (row 9
// is out of bounds twice: skipped, so it does not count).
// CHECK-LABEL: func.func @combiner_constant_unique(
// CHECK-SAME:    %[[X:.*]]: tensor<7x3xf32>, %[[U:.*]]: tensor<4x3xf32>)
// CHECK:         %[[G:.*]] = "stablehlo.gather"(%[[X]]
// CHECK:         %[[GT:.*]] = stablehlo.compare  GT, %[[G]], %[[U]]
// CHECK-NEXT:    %[[D:.*]] = stablehlo.subtract %[[G]], %[[U]] : tensor<4x3xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.select %[[GT]], %[[D]], %[[U]] : tensor<4x3xi1>, tensor<4x3xf32>
// CHECK:         "stablehlo.scatter"(%{{.*}}, %{{.*}}, %[[R]])
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      stablehlo.return %[[B]] : tensor<f32>
func.func @combiner_constant_unique(%x: tensor<7x3xf32>, %u: tensor<4x3xf32>) -> tensor<7x3xf32> {
  %i = stablehlo.constant dense<[[1], [9], [4], [9]]> : tensor<4x1xi32>
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %gt = stablehlo.compare GT, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %d = stablehlo.subtract %a, %b : tensor<f32>
    %r = stablehlo.select %gt, %d, %b : tensor<i1>, tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) : (tensor<7x3xf32>, tensor<4x1xi32>, tensor<4x3xf32>) -> tensor<7x3xf32>
  return %0 : tensor<7x3xf32>
}

// -----

// x.at[i].apply(f) with runtime indices (may repeat): f is applied once per
// update reaching an element. count = scatter-add of ones; then 2 rounds
// (2 update windows) of f on the whole operand, each selected where
// count >= r.
// CHECK-LABEL: func.func @apply_repeating(
// CHECK-SAME:    %[[X:.*]]: tensor<5xf32>, %[[I:.*]]: tensor<2x1xi32>)
// CHECK:         %[[COUNT:.*]] = "stablehlo.scatter"
// CHECK:         %[[Y1:.*]] = stablehlo.sine %[[X]] : tensor<5xf32>
// CHECK-NEXT:    %[[R1:.*]] = stablehlo.compare  GE, %{{.*}}, %{{.*}} : (tensor<5xi32>, tensor<5xi32>) -> tensor<5xi1>
// CHECK-NEXT:    %[[S1:.*]] = stablehlo.select %[[R1]], %[[Y1]], %[[X]]
// CHECK-NEXT:    %[[Y2:.*]] = stablehlo.sine %[[Y1]] : tensor<5xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.compare  GE
// CHECK-NEXT:    %[[S2:.*]] = stablehlo.select %[[R2]], %[[Y2]], %[[S1]]
// CHECK-NEXT:    return %[[S2]]
func.func @apply_repeating(%x: tensor<5xf32>, %i: tensor<2x1xi32>) -> tensor<5xf32> {
  %u = stablehlo.constant dense<0.0> : tensor<2xf32>
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.sine %a : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5xf32>, tensor<2x1xi32>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}
