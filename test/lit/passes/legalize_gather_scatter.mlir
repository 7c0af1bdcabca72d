// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-gather-scatter | filecheck %s

// Canonical gather: operand [D_0..D_{K-1}, R...], indices [B..., K]; canonical
// scatter likewise with updates [N..., R...]. Indices end up in bounds.

// x[i] (embedding lookup): already canonical, only the clamp of the start
// indices into [0, 4] is added, and the gather is marked in bounds.
// CHECK-LABEL: func.func @gather_rows(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2x1xi32>)
// CHECK-DAG:     %[[LO:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-DAG:     %[[HI:.*]] = stablehlo.constant dense<4> : tensor<i32>
// CHECK:         %[[C:.*]] = stablehlo.clamp %[[LO]], %[[I]], %[[HI]]
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[X]], %[[C]]) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 4>}> {hlo_coreml.in_bounds}
// CHECK-NEXT:    return %[[G]]
func.func @gather_rows(%x: tensor<5x4xf32>, %i: tensor<2x1xi32>) -> tensor<2x4xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1, 4>}> : (tensor<5x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Constant indices already in bounds: untouched (no clamp, no marker needed).
// CHECK-LABEL: func.func @gather_constant_in_bounds(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>)
// CHECK-NEXT:    %[[I:.*]] = stablehlo.constant dense<{{\[\[}}1], [4]]> : tensor<2x1xi32>
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[X]], %[[I]])
// CHECK-NOT:     hlo_coreml.in_bounds
// CHECK-NEXT:    return %[[G]]
func.func @gather_constant_in_bounds(%x: tensor<5x4xf32>) -> tensor<2x4xf32> {
  %i = stablehlo.constant dense<[[1], [4]]> : tensor<2x1xi32>
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1, 4>}> : (tensor<5x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// jnp.take(x, i, axis=1): the indexed dim moves to the front, the result is
// transposed back.
// CHECK-LABEL: func.func @take_axis1(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2x1xi32>)
// CHECK:         %[[C:.*]] = stablehlo.clamp %{{.*}}, %[[I]], %{{.*}} : (tensor<i32>, tensor<2x1xi32>, tensor<i32>) -> tensor<2x1xi32>
// CHECK-NEXT:    %[[T:.*]] = stablehlo.transpose %[[X]], dims = [1, 0] : (tensor<5x4xf32>) -> tensor<4x5xf32>
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[T]], %[[C]]) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 5>}> {hlo_coreml.in_bounds} : (tensor<4x5xf32>, tensor<2x1xi32>) -> tensor<2x5xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.transpose %[[G]], dims = [1, 0] : (tensor<2x5xf32>) -> tensor<5x2xf32>
// CHECK-NEXT:    return %[[R]]
func.func @take_axis1(%x: tensor<5x4xf32>, %i: tensor<2x1xi32>) -> tensor<5x2xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [0], collapsed_slice_dims = [1], start_index_map = [1], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 5, 1>}> : (tensor<5x4xf32>, tensor<2x1xi32>) -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}

// -----

// take_along_axis: the batching dim becomes an explicit iota index
// component; bounds differ per component, so the upper bound is a vector.
// CHECK-LABEL: func.func @take_along_axis(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<5x3x1xi32>)
// CHECK-DAG:     %[[HI:.*]] = stablehlo.constant dense<[3, 4]> : tensor<2xi32>
// CHECK-DAG:     %[[LO:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK:         %[[IOTA:.*]] = stablehlo.iota dim = 0 : tensor<5x3x1xi32>
// CHECK-NEXT:    %[[CAT:.*]] = stablehlo.concatenate %[[I]], %[[IOTA]], dim = 2 : (tensor<5x3x1xi32>, tensor<5x3x1xi32>) -> tensor<5x3x2xi32>
// CHECK-NEXT:    %[[HIB:.*]] = stablehlo.broadcast_in_dim %[[HI]], dims = [2] : (tensor<2xi32>) -> tensor<5x3x2xi32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.clamp %[[LO]], %[[CAT]], %[[HIB]]
// CHECK-NEXT:    %[[T:.*]] = stablehlo.transpose %[[X]], dims = [1, 0] : (tensor<5x4xf32>) -> tensor<4x5xf32>
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[T]], %[[C]]) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 2>, slice_sizes = array<i64: 1, 1>}> {hlo_coreml.in_bounds} : (tensor<4x5xf32>, tensor<5x3x2xi32>) -> tensor<5x3xf32>
// CHECK-NEXT:    return %[[G]]
func.func @take_along_axis(%x: tensor<5x4xf32>, %i: tensor<5x3x1xi32>) -> tensor<5x3xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [1], operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : (tensor<5x4xf32>, tensor<5x3x1xi32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// x[i, j] with two index arrays: already canonical (gather_nd), clamped per
// component.
// CHECK-LABEL: func.func @two_index_arrays(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4x3xf32>, %[[I:.*]]: tensor<6x2xi32>)
// CHECK-DAG:     %[[LO:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-DAG:     %[[HI:.*]] = stablehlo.constant dense<[4, 3]> : tensor<2xi32>
// CHECK:         %[[HIB:.*]] = stablehlo.broadcast_in_dim %[[HI]], dims = [1] : (tensor<2xi32>) -> tensor<6x2xi32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.clamp %[[LO]], %[[I]], %[[HIB]]
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[X]], %[[C]]) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 1>, slice_sizes = array<i64: 1, 1, 3>}> {hlo_coreml.in_bounds}
// CHECK-NEXT:    return %[[G]]
func.func @two_index_arrays(%x: tensor<5x4x3xf32>, %i: tensor<6x2xi32>) -> tensor<6x3xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1, 3>}> : (tensor<5x4x3xf32>, tensor<6x2xi32>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

// index_vector_dim == rank (a dim of 1 is appended), a partial window along
// a non-indexed dim (a static slice) and an uncollapsed size-1 window (a
// reshape of the result).
// CHECK-LABEL: func.func @partial_window(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2xi32>)
// CHECK:         %[[R:.*]] = stablehlo.reshape %[[I]] : (tensor<2xi32>) -> tensor<2x1xi32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.clamp %{{.*}}, %[[R]], %{{.*}}
// CHECK-NEXT:    %[[S:.*]] = stablehlo.slice %[[X]] [0:5, 0:3] : (tensor<5x4xf32>) -> tensor<5x3xf32>
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[S]], %[[C]]) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 3>}> {hlo_coreml.in_bounds} : (tensor<5x3xf32>, tensor<2x1xi32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[OUT:.*]] = stablehlo.reshape %[[G]] : (tensor<2x3xf32>) -> tensor<2x1x3xf32>
// CHECK-NEXT:    return %[[OUT]]
func.func @partial_window(%x: tensor<5x4xf32>, %i: tensor<2xi32>) -> tensor<2x1x3xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1, 2], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 1, 3>}> : (tensor<5x4xf32>, tensor<2xi32>) -> tensor<2x1x3xf32>
  return %0 : tensor<2x1x3xf32>
}

// -----

// A window of 2 along an indexed dim (JAX folds the start of `x[i, 1:3]`
// into the index vector): the start is clamped to [0, 5 - 2], and a new
// batch dim enumerates the window through constant offsets.
// CHECK-LABEL: func.func @window_along_indexed_dim(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2x1xi32>)
// CHECK-DAG:     %[[OFF:.*]] = stablehlo.constant dense<{{\[\[}}0], [1]]> : tensor<2x1xi32>
// CHECK-DAG:     %[[LO:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-DAG:     %[[HI:.*]] = stablehlo.constant dense<3> : tensor<i32>
// CHECK:         %[[C:.*]] = stablehlo.clamp %[[LO]], %[[I]], %[[HI]]
// CHECK-NEXT:    %[[S:.*]] = stablehlo.broadcast_in_dim %[[C]], dims = [0, 2] : (tensor<2x1xi32>) -> tensor<2x2x1xi32>
// CHECK-NEXT:    %[[O:.*]] = stablehlo.broadcast_in_dim %[[OFF]], dims = [1, 2] : (tensor<2x1xi32>) -> tensor<2x2x1xi32>
// CHECK-NEXT:    %[[IDX:.*]] = stablehlo.add %[[S]], %[[O]] : tensor<2x2x1xi32>
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[X]], %[[IDX]]) <{dimension_numbers = #stablehlo.gather<offset_dims = [2], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 2>, slice_sizes = array<i64: 1, 4>}> {hlo_coreml.in_bounds} : (tensor<5x4xf32>, tensor<2x2x1xi32>) -> tensor<2x2x4xf32>
// CHECK-NEXT:    return %[[G]]
func.func @window_along_indexed_dim(%x: tensor<5x4xf32>, %i: tensor<2x1xi32>) -> tensor<2x2x4xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1, 2], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 2, 4>}> : (tensor<5x4xf32>, tensor<2x1xi32>) -> tensor<2x2x4xf32>
  return %0 : tensor<2x2x4xf32>
}

// -----

// x.at[i].set(u): out-of-bounds rows must be skipped, so the operand gets
// one row of padding on each side, indices go through clamp(-1, i, 5) + 1,
// and the padding is sliced off afterwards.
// CHECK-LABEL: func.func @scatter_set_rows(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2x1xi32>, %[[U:.*]]: tensor<2x4xf32>)
// CHECK-DAG:     %[[Z:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG:     %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK-DAG:     %[[LO:.*]] = stablehlo.constant dense<-1> : tensor<i32>
// CHECK-DAG:     %[[HI:.*]] = stablehlo.constant dense<5> : tensor<i32>
// CHECK:         %[[C:.*]] = stablehlo.clamp %[[LO]], %[[I]], %[[HI]]
// CHECK-NEXT:    %[[ONES:.*]] = stablehlo.broadcast_in_dim %[[ONE]], dims = [] : (tensor<i32>) -> tensor<2x1xi32>
// CHECK-NEXT:    %[[SHIFT:.*]] = stablehlo.add %[[C]], %[[ONES]] : tensor<2x1xi32>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.pad %[[X]], %[[Z]], low = [1, 0], high = [1, 0], interior = [0, 0] : (tensor<5x4xf32>, tensor<f32>) -> tensor<7x4xf32>
// CHECK-NEXT:    %[[S:.*]] = "stablehlo.scatter"(%[[P]], %[[SHIFT]], %[[U]]) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      stablehlo.return %[[B]] : tensor<f32>
// CHECK-NEXT:    }) {hlo_coreml.in_bounds} : (tensor<7x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<7x4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.slice %[[S]] [1:6, 0:4] : (tensor<7x4xf32>) -> tensor<5x4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @scatter_set_rows(%x: tensor<5x4xf32>, %i: tensor<2x1xi32>, %u: tensor<2x4xf32>) -> tensor<5x4xf32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, unique_indices = false}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    stablehlo.return %b : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// x.at[:, [0, 3]].add(u) with constant in-bounds indices: no padding; the
// scattered dim moves to the front of operand and updates.
// CHECK-LABEL: func.func @scatter_add_columns_constant(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[U:.*]]: tensor<5x2xf32>)
// CHECK-NEXT:    %[[I:.*]] = stablehlo.constant
// CHECK-NEXT:    %[[UT:.*]] = stablehlo.transpose %[[U]], dims = [1, 0] : (tensor<5x2xf32>) -> tensor<2x5xf32>
// CHECK-NEXT:    %[[XT:.*]] = stablehlo.transpose %[[X]], dims = [1, 0] : (tensor<5x4xf32>) -> tensor<4x5xf32>
// CHECK-NEXT:    %[[S:.*]] = "stablehlo.scatter"(%[[XT]], %[[I]], %[[UT]]) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      %[[SUM:.*]] = stablehlo.add %[[A]], %[[B]] : tensor<f32>
// CHECK-NEXT:      stablehlo.return %[[SUM]] : tensor<f32>
// CHECK-NEXT:    }) {hlo_coreml.in_bounds} : (tensor<4x5xf32>, tensor<2x1xi32>, tensor<2x5xf32>) -> tensor<4x5xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.transpose %[[S]], dims = [1, 0] : (tensor<4x5xf32>) -> tensor<5x4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @scatter_add_columns_constant(%x: tensor<5x4xf32>, %u: tensor<5x2xf32>) -> tensor<5x4xf32> {
  %i = stablehlo.constant dense<[[0], [3]]> : tensor<2x1xi32>
  %0 = "stablehlo.scatter"(%x, %i, %u) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [0], inserted_window_dims = [1], scatter_dims_to_operand_dims = [1], index_vector_dim = 1>, unique_indices = false}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<2x1xi32>, tensor<5x2xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// A body other than update/add/subtract/multiply/maximum/minimum, with
// indices that may repeat: left unchanged.
// CHECK-LABEL: func.func @scatter_unsupported_body(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2x1xi32>, %[[U:.*]]: tensor<2x4xf32>)
// CHECK-NEXT:    %[[S:.*]] = "stablehlo.scatter"(%[[X]], %[[I]], %[[U]])
// CHECK-NOT:     hlo_coreml.in_bounds
// CHECK:         return %[[S]]
func.func @scatter_unsupported_body(%x: tensor<5x4xf32>, %i: tensor<2x1xi32>, %u: tensor<2x4xf32>) -> tensor<5x4xf32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, unique_indices = false}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.atan2 %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// lax.scatter_add with a window of 3 along an indexed dim (dim 1): a point
// scatter. Every update element gets its full index (start + iota offset);
// a window whose start lies outside [0, D - size] on any dim (row outside
// [0, 4], column outside [0, 1]) is sent whole to [5, 0], in a row padded
// onto dim 0 and sliced off.
// CHECK-LABEL: func.func @scatter_window(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2x2xi32>, %[[U:.*]]: tensor<2x3xf32>)
// CHECK-DAG:     %[[TRASH:.*]] = stablehlo.constant dense<[5, 0]> : tensor<2xi32>
// CHECK-DAG:     %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK-DAG:     %[[FOUR:.*]] = stablehlo.constant dense<4> : tensor<i32>
// CHECK:         %[[ROW:.*]] = stablehlo.slice %[[I]] [0:2, 0:1]
// CHECK-NEXT:    %[[ROWS:.*]] = stablehlo.broadcast_in_dim %[[ROW]], dims = [0, 2] : (tensor<2x1xi32>) -> tensor<2x3x1xi32>
// CHECK-NEXT:    %[[COL:.*]] = stablehlo.slice %[[I]] [0:2, 1:2]
// CHECK-NEXT:    %[[COLS:.*]] = stablehlo.broadcast_in_dim %[[COL]], dims = [0, 2] : (tensor<2x1xi32>) -> tensor<2x3x1xi32>
// CHECK-NEXT:    %[[OFF:.*]] = stablehlo.iota dim = 1 : tensor<2x3x1xi32>
// CHECK-NEXT:    %[[COLS2:.*]] = stablehlo.add %[[COLS]], %[[OFF]] : tensor<2x3x1xi32>
// CHECK-NEXT:    %[[PTS:.*]] = stablehlo.concatenate %[[ROWS]], %[[COLS2]], dim = 2 : (tensor<2x3x1xi32>, tensor<2x3x1xi32>) -> tensor<2x3x2xi32>
// CHECK:         %[[LO0:.*]] = stablehlo.compare LT, %{{.*}}, %{{.*}} : (tensor<2x1xi32>, tensor<2x1xi32>) -> tensor<2x1xi1>
// CHECK:         %[[HI0:.*]] = stablehlo.compare GT, %{{.*}}, %{{.*}} : (tensor<2x1xi32>, tensor<2x1xi32>) -> tensor<2x1xi1>
// CHECK-NEXT:    %[[BAD0:.*]] = stablehlo.or %[[LO0]], %[[HI0]] : tensor<2x1xi1>
// CHECK:         %[[BAD1:.*]] = stablehlo.or %{{.*}}, %{{.*}} : tensor<2x1xi1>
// CHECK-NEXT:    %[[BAD:.*]] = stablehlo.or %[[BAD0]], %[[BAD1]] : tensor<2x1xi1>
// CHECK-NEXT:    %[[BADS:.*]] = stablehlo.broadcast_in_dim %[[BAD]], dims = [0, 2] : (tensor<2x1xi1>) -> tensor<2x3x2xi1>
// CHECK-NEXT:    %[[TRASHES:.*]] = stablehlo.broadcast_in_dim %[[TRASH]], dims = [2] : (tensor<2xi32>) -> tensor<2x3x2xi32>
// CHECK-NEXT:    %[[SEL:.*]] = stablehlo.select %[[BADS]], %[[TRASHES]], %[[PTS]]
// CHECK-NEXT:    %[[PAD:.*]] = stablehlo.pad %[[X]], %{{.*}}, low = [0, 0], high = [1, 0], interior = [0, 0] : (tensor<5x4xf32>, tensor<f32>) -> tensor<6x4xf32>
// CHECK-NEXT:    %[[IDX:.*]] = stablehlo.reshape %[[SEL]] : (tensor<2x3x2xi32>) -> tensor<6x2xi32>
// CHECK-NEXT:    %[[UPD:.*]] = stablehlo.reshape %[[U]] : (tensor<2x3xf32>) -> tensor<6xf32>
// CHECK-NEXT:    %[[S:.*]] = "stablehlo.scatter"(%[[PAD]], %[[IDX]], %[[UPD]]) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 1>}>
// CHECK:           stablehlo.add
// CHECK:         {hlo_coreml.in_bounds} : (tensor<6x4xf32>, tensor<6x2xi32>, tensor<6xf32>) -> tensor<6x4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.slice %[[S]] [0:5, 0:4]
// CHECK-NEXT:    return %[[R]]
func.func @scatter_window(%x: tensor<5x4xf32>, %i: tensor<2x2xi32>, %u: tensor<2x3xf32>) -> tensor<5x4xf32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<2x2xi32>, tensor<2x3xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Constant window starts in bounds: the point scatter needs no validity
// check and no padding.
// CHECK-LABEL: func.func @scatter_window_constant(
// CHECK-NOT:     stablehlo.pad
// CHECK-NOT:     stablehlo.select
// CHECK:         "stablehlo.scatter"(%arg0, %{{.*}}, %{{.*}})
// CHECK:         {hlo_coreml.in_bounds} : (tensor<5x4xf32>, tensor<6x2xi32>, tensor<6xf32>) -> tensor<5x4xf32>
// CHECK-NOT:     stablehlo.slice
// CHECK:         return
func.func @scatter_window_constant(%x: tensor<5x4xf32>, %u: tensor<2x3xf32>) -> tensor<5x4xf32> {
  %i = stablehlo.constant dense<[[0, 1], [4, 0]]> : tensor<2x2xi32>
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0, 1], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    stablehlo.return %b : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<2x2xi32>, tensor<2x3xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Two operands whose body combines each only with its own update (add for
// the first, set for the second): one scatter per operand.
// CHECK-LABEL: func.func @scatter_variadic(
// CHECK-SAME:    %[[X:.*]]: tensor<5xf32>, %[[Y:.*]]: tensor<5xi32>, %{{.*}}: tensor<2x1xi32>, %[[U:.*]]: tensor<2xf32>, %[[V:.*]]: tensor<2xi32>)
// CHECK:         %[[PX:.*]] = stablehlo.pad %[[X]]
// CHECK-NEXT:    %[[SX:.*]] = "stablehlo.scatter"(%[[PX]], %{{.*}}, %[[U]])
// CHECK:           stablehlo.add
// CHECK:         (tensor<7xf32>, tensor<2x1xi32>, tensor<2xf32>) -> tensor<7xf32>
// CHECK:         %[[PY:.*]] = stablehlo.pad %[[Y]]
// CHECK-NEXT:    %[[SY:.*]] = "stablehlo.scatter"(%[[PY]], %{{.*}}, %[[V]])
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<i32>, %[[B:.*]]: tensor<i32>):
// CHECK-NEXT:      stablehlo.return %[[B]]
// CHECK:         (tensor<7xi32>, tensor<2x1xi32>, tensor<2xi32>) -> tensor<7xi32>
func.func @scatter_variadic(%x: tensor<5xf32>, %y: tensor<5xi32>, %i: tensor<2x1xi32>, %u: tensor<2xf32>, %v: tensor<2xi32>) -> (tensor<5xf32>, tensor<5xi32>) {
  %0:2 = "stablehlo.scatter"(%x, %y, %i, %u, %v) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<i32>, %c: tensor<f32>, %d: tensor<i32>):
    %s = stablehlo.add %a, %c : tensor<f32>
    stablehlo.return %s, %d : tensor<f32>, tensor<i32>
  }) : (tensor<5xf32>, tensor<5xi32>, tensor<2x1xi32>, tensor<2xf32>, tensor<2xi32>) -> (tensor<5xf32>, tensor<5xi32>)
  return %0#0, %0#1 : tensor<5xf32>, tensor<5xi32>
}

// -----

// i1 scatter with an `or` body: computed in i32 with mode max, compared != 0.
// CHECK-LABEL: func.func @scatter_bool(
// CHECK-SAME:    %[[X:.*]]: tensor<5xi1>, %{{.*}}: tensor<2x1xi32>, %[[U:.*]]: tensor<2xi1>)
// CHECK:         %[[XI:.*]] = stablehlo.convert %[[X]] : (tensor<5xi1>) -> tensor<5xi32>
// CHECK-NEXT:    %[[UI:.*]] = stablehlo.convert %[[U]] : (tensor<2xi1>) -> tensor<2xi32>
// CHECK:         %[[S:.*]] = "stablehlo.scatter"(%{{.*}}, %{{.*}}, %[[UI]])
// CHECK:           stablehlo.maximum
// CHECK:         %[[R:.*]] = stablehlo.slice %[[S]] [1:6]
// CHECK-NEXT:    %[[Z:.*]] = stablehlo.broadcast_in_dim %{{.*}}, dims = [] : (tensor<i32>) -> tensor<5xi32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.compare NE, %[[R]], %[[Z]]
// CHECK-NEXT:    return %[[B]]
func.func @scatter_bool(%x: tensor<5xi1>, %i: tensor<2x1xi32>, %u: tensor<2xi1>) -> tensor<5xi1> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<i1>, %b: tensor<i1>):
    %s = stablehlo.or %a, %b : tensor<i1>
    stablehlo.return %s : tensor<i1>
  }) : (tensor<5xi1>, tensor<2x1xi32>, tensor<2xi1>) -> tensor<5xi1>
  return %0 : tensor<5xi1>
}
