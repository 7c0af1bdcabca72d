// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s --check-prefix=RANK

// Nothing of rank 6 or more is left anywhere.
// RANK-NOT: tensor<{{[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x}}

// Elementwise ops take any view: a rank-6 chain between reshapes becomes
// rank 1 (the reshapes are pushed through).
// CHECK-LABEL: func.func @elementwise_chain(
// CHECK-SAME:    %[[X:.*]]: tensor<4x6x10xf32>, %[[Y:.*]]: tensor<4x60xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.reshape %[[X]] : (tensor<4x6x10xf32>) -> tensor<240xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.reshape %[[Y]] : (tensor<4x60xf32>) -> tensor<240xf32>
// CHECK-NEXT:    %[[M:.*]] = stablehlo.multiply %[[A]], %[[B]] : tensor<240xf32>
// CHECK-NEXT:    %[[T:.*]] = stablehlo.tanh %[[M]] : tensor<240xf32>
// CHECK-NEXT:    return %[[T]]
func.func @elementwise_chain(%x: tensor<4x6x10xf32>, %y: tensor<4x60xf32>) -> tensor<240xf32> {
  %0 = stablehlo.reshape %x : (tensor<4x6x10xf32>) -> tensor<2x2x2x3x2x5xf32>
  %1 = stablehlo.reshape %y : (tensor<4x60xf32>) -> tensor<2x2x2x3x2x5xf32>
  %2 = stablehlo.multiply %0, %1 : tensor<2x2x2x3x2x5xf32>
  %3 = stablehlo.tanh %2 : tensor<2x2x2x3x2x5xf32>
  %4 = stablehlo.reshape %3 : (tensor<2x2x2x3x2x5xf32>) -> tensor<240xf32>
  return %4 : tensor<240xf32>
}

// -----

// Pixel shuffle: dims that move as a block ([N, C]) stay collapsed.
// CHECK-LABEL: func.func @pixel_shuffle(
// CHECK-SAME:    %[[X:.*]]: tensor<2x12x4x5xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.reshape %[[X]] : (tensor<2x12x4x5xf32>) -> tensor<6x2x2x4x5xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.transpose %[[A]], dims = [0, 3, 1, 4, 2] : (tensor<6x2x2x4x5xf32>) -> tensor<6x4x2x5x2xf32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.reshape %[[B]] : (tensor<6x4x2x5x2xf32>) -> tensor<2x3x8x10xf32>
// CHECK-NEXT:    return %[[C]]
func.func @pixel_shuffle(%x: tensor<2x12x4x5xf32>) -> tensor<2x3x8x10xf32> {
  %0 = stablehlo.reshape %x : (tensor<2x12x4x5xf32>) -> tensor<2x3x2x2x4x5xf32>
  %1 = stablehlo.transpose %0, dims = [0, 1, 4, 2, 5, 3] : (tensor<2x3x2x2x4x5xf32>) -> tensor<2x3x4x2x5x2xf32>
  %2 = stablehlo.reshape %1 : (tensor<2x3x4x2x5x2xf32>) -> tensor<2x3x8x10xf32>
  return %2 : tensor<2x3x8x10xf32>
}

// -----

// Unit dims are squeezed out of a transpose first.
// CHECK-LABEL: func.func @transpose_unit_dims(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3x4x5xf32>)
// CHECK-NEXT:    %[[T:.*]] = stablehlo.transpose %[[X]], dims = [3, 2, 1, 0] : (tensor<2x3x4x5xf32>) -> tensor<5x4x3x2xf32>
// CHECK-NEXT:    return %[[T]]
func.func @transpose_unit_dims(%a: tensor<2x3x4x5xf32>) -> tensor<5x4x3x2xf32> {
  %x = stablehlo.reshape %a : (tensor<2x3x4x5xf32>) -> tensor<2x1x3x1x4x5xf32>
  %0 = stablehlo.transpose %x, dims = [3, 5, 4, 1, 2, 0] : (tensor<2x1x3x1x4x5xf32>) -> tensor<1x5x4x1x3x2xf32>
  %1 = stablehlo.reshape %0 : (tensor<1x5x4x1x3x2xf32>) -> tensor<5x4x3x2xf32>
  return %1 : tensor<5x4x3x2xf32>
}

// -----

// A 3-D pixel shuffle moves seven blocks: rank-4 transposes of collapsed
// views, one block at a time.
// CHECK-LABEL: func.func @pixel_shuffle_3d(
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 2, 1, 3] : (tensor<2x8x2x6xf32>) -> tensor<2x2x8x6xf32>
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 2, 1, 3] : (tensor<8x4x3x2xf32>) -> tensor<8x3x4x2xf32>
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 2, 1] : (tensor<48x2x2xf32>) -> tensor<48x2x2xf32>
// CHECK:         stablehlo.reshape %{{.*}} : (tensor<48x2x2xf32>) -> tensor<2x4x6x4xf32>
func.func @pixel_shuffle_3d(%x: tensor<16x2x3x2xf32>) -> tensor<2x4x6x4xf32> {
  %0 = stablehlo.reshape %x : (tensor<16x2x3x2xf32>) -> tensor<2x2x2x2x2x3x2xf32>
  %1 = stablehlo.transpose %0, dims = [0, 4, 1, 5, 2, 6, 3] : (tensor<2x2x2x2x2x3x2xf32>) -> tensor<2x2x2x3x2x2x2xf32>
  %2 = stablehlo.reshape %1 : (tensor<2x2x2x3x2x2x2xf32>) -> tensor<2x4x6x4xf32>
  return %2 : tensor<2x4x6x4xf32>
}

// -----

// broadcast_in_dim: runs of new dims and runs of operand dims collapse.
// CHECK-LABEL: func.func @broadcast_runs(
// CHECK-SAME:    %[[X:.*]]: tensor<3x4xf32>, %[[Z:.*]]: tensor<10x12x42xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.reshape %[[X]] : (tensor<3x4xf32>) -> tensor<12xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[A]], dims = [1] : (tensor<12xf32>) -> tensor<10x12x42xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[B]], %[[Z]] : tensor<10x12x42xf32>
// CHECK-NEXT:    return %[[S]]
func.func @broadcast_runs(%x: tensor<3x4xf32>, %z: tensor<10x12x42xf32>) -> tensor<10x12x42xf32> {
  %y = stablehlo.reshape %z : (tensor<10x12x42xf32>) -> tensor<2x5x3x4x6x7xf32>
  %0 = stablehlo.broadcast_in_dim %x, dims = [2, 3] : (tensor<3x4xf32>) -> tensor<2x5x3x4x6x7xf32>
  %1 = stablehlo.add %0, %y : tensor<2x5x3x4x6x7xf32>
  %2 = stablehlo.reshape %1 : (tensor<2x5x3x4x6x7xf32>) -> tensor<10x12x42xf32>
  return %2 : tensor<10x12x42xf32>
}

// -----

// Reductions: runs of reduced dims and of kept dims collapse.
// CHECK-LABEL: func.func @reduce_runs(
// CHECK-SAME:    %[[X:.*]]: tensor<6x20x42xf32>)
// CHECK:         %[[A:.*]] = stablehlo.reshape %[[X]] : (tensor<6x20x42xf32>) -> tensor<6x120x7xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reduce(%[[A]] init: %{{.*}}) applies stablehlo.add across dimensions = [1] : (tensor<6x120x7xf32>, tensor<f32>) -> tensor<6x7xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.reshape %[[R]] : (tensor<6x7xf32>) -> tensor<2x3x7xf32>
// CHECK-NEXT:    return %[[B]]
func.func @reduce_runs(%a: tensor<6x20x42xf32>) -> tensor<2x3x7xf32> {
  %x = stablehlo.reshape %a : (tensor<6x20x42xf32>) -> tensor<2x3x4x5x6x7xf32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %zero) applies stablehlo.add across dimensions = [2, 3, 4] : (tensor<2x3x4x5x6x7xf32>, tensor<f32>) -> tensor<2x3x7xf32>
  return %0 : tensor<2x3x7xf32>
}

// -----

// Reduced and kept dims alternate (six blocks): a permutation into a 2-D
// [kept, reduced] view, then one reduction.
// CHECK-LABEL: func.func @reduce_interleaved(
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 2, 1, 3] : (tensor<2x3x4x210xf32>) -> tensor<2x4x3x210xf32>
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 2, 1, 3] : (tensor<8x15x6x7xf32>) -> tensor<8x6x15x7xf32>
// CHECK:         %[[V:.*]] = stablehlo.reshape %{{.*}} : (tensor<8x6x15x7xf32>) -> tensor<48x105xf32>
// CHECK:         stablehlo.reduce(%[[V]] init: %{{.*}}) applies stablehlo.add across dimensions = [1] : (tensor<48x105xf32>, tensor<f32>) -> tensor<48xf32>
func.func @reduce_interleaved(%a: tensor<6x20x42xf32>) -> tensor<2x4x6xf32> {
  %x = stablehlo.reshape %a : (tensor<6x20x42xf32>) -> tensor<2x3x4x5x6x7xf32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %zero) applies stablehlo.add across dimensions = [1, 3, 5] : (tensor<2x3x4x5x6x7xf32>, tensor<f32>) -> tensor<2x4x6xf32>
  return %0 : tensor<2x4x6xf32>
}

// -----

// Broadcast dims and operand dims alternate (six blocks): broadcast into a
// 2-D view, then move the blocks into place.
// CHECK-LABEL: func.func @broadcast_interleaved(
// CHECK:         stablehlo.broadcast_in_dim %{{.*}}, dims = [1] : (tensor<24xf32>) -> tensor<210x24xf32>
// CHECK-COUNT-3: stablehlo.transpose
// CHECK:         %[[E:.*]] = stablehlo.exponential %{{.*}} : tensor<2x2520xf32>
// CHECK:         stablehlo.reduce(%[[E]] init: %{{.*}}) applies stablehlo.add across dimensions = [0] : (tensor<2x2520xf32>, tensor<f32>) -> tensor<2520xf32>
func.func @broadcast_interleaved(%x: tensor<2x3x4xf32>) -> tensor<5x3x6x4x7xf32> {
  %0 = stablehlo.broadcast_in_dim %x, dims = [0, 2, 4] : (tensor<2x3x4xf32>) -> tensor<2x5x3x6x4x7xf32>
  %1 = stablehlo.exponential %0 : tensor<2x5x3x6x4x7xf32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %2 = stablehlo.reduce(%1 init: %zero) applies stablehlo.add across dimensions = [0] : (tensor<2x5x3x6x4x7xf32>, tensor<f32>) -> tensor<5x3x6x4x7xf32>
  return %2 : tensor<5x3x6x4x7xf32>
}

// -----

// slice: a sliced dim leads its block; concatenate: the joined dim leads its block.
// CHECK-LABEL: func.func @slice_concat(
// CHECK-SAME:    %[[X:.*]]: tensor<6x20x42xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.reshape %[[X]] : (tensor<6x20x42xf32>) -> tensor<24x210xf32>
// CHECK-NEXT:    %[[S0:.*]] = stablehlo.slice %[[A]] [0:24, 42:126]
// CHECK-NEXT:    %[[S1:.*]] = stablehlo.slice %[[A]] [0:24, 0:126]
// CHECK-NEXT:    %[[C:.*]] = stablehlo.concatenate %[[S0]], %[[S1]], dim = 1 : (tensor<24x84xf32>, tensor<24x126xf32>) -> tensor<24x210xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[C]] : (tensor<24x210xf32>) -> tensor<6x20x42xf32>
// CHECK-NEXT:    return %[[R]]
func.func @slice_concat(%a: tensor<6x20x42xf32>) -> tensor<6x20x42xf32> {
  %x = stablehlo.reshape %a : (tensor<6x20x42xf32>) -> tensor<2x3x4x5x6x7xf32>
  %0 = stablehlo.slice %x [0:2, 0:3, 0:4, 1:3, 0:6, 0:7] : (tensor<2x3x4x5x6x7xf32>) -> tensor<2x3x4x2x6x7xf32>
  %1 = stablehlo.slice %x [0:2, 0:3, 0:4, 0:3, 0:6, 0:7] : (tensor<2x3x4x5x6x7xf32>) -> tensor<2x3x4x3x6x7xf32>
  %2 = stablehlo.concatenate %0, %1, dim = 3 : (tensor<2x3x4x2x6x7xf32>, tensor<2x3x4x3x6x7xf32>) -> tensor<2x3x4x5x6x7xf32>
  %3 = stablehlo.reshape %2 : (tensor<2x3x4x5x6x7xf32>) -> tensor<6x20x42xf32>
  return %3 : tensor<6x20x42xf32>
}

// -----

// pad: a padded dim leads its block.
// CHECK-LABEL: func.func @pad(
// CHECK-SAME:    %[[X:.*]]: tensor<6x20x42xf32>, %[[V:.*]]: tensor<f32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.reshape %[[X]] : (tensor<6x20x42xf32>) -> tensor<24x210xf32>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.pad %[[A]], %[[V]], low = [0, 42], high = [0, 42], interior = [0, 0] : (tensor<24x210xf32>, tensor<f32>) -> tensor<24x294xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[P]] : (tensor<24x294xf32>) -> tensor<6x28x42xf32>
// CHECK-NEXT:    return %[[R]]
func.func @pad(%a: tensor<6x20x42xf32>, %v: tensor<f32>) -> tensor<6x28x42xf32> {
  %x = stablehlo.reshape %a : (tensor<6x20x42xf32>) -> tensor<2x3x4x5x6x7xf32>
  %0 = stablehlo.pad %x, %v, low = [0, 0, 0, 1, 0, 0], high = [0, 0, 0, 1, 0, 0], interior = [0, 0, 0, 0, 0, 0] : (tensor<2x3x4x5x6x7xf32>, tensor<f32>) -> tensor<2x3x4x7x6x7xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3x4x7x6x7xf32>) -> tensor<6x28x42xf32>
  return %1 : tensor<6x28x42xf32>
}

// -----

// iota: its dim stands alone; a rank-6 constant is reshaped at compile time.
// CHECK-LABEL: func.func @iota_constant(
// CHECK-SAME:    %[[X:.*]]: tensor<6x20x42xf32>)
// CHECK-DAG:     %[[C:.*]] = stablehlo.constant dense<2.000000e+00> : tensor<24x5x42xf32>
// CHECK-DAG:     %[[A:.*]] = stablehlo.reshape %[[X]] : (tensor<6x20x42xf32>) -> tensor<24x5x42xf32>
// CHECK-DAG:     %[[I:.*]] = stablehlo.iota dim = 1 : tensor<24x5x42xf32>
// CHECK:         %[[M:.*]] = stablehlo.multiply %[[A]], %[[I]] : tensor<24x5x42xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[M]], %[[C]] : tensor<24x5x42xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[S]] : (tensor<24x5x42xf32>) -> tensor<6x20x42xf32>
// CHECK-NEXT:    return %[[R]]
func.func @iota_constant(%a: tensor<6x20x42xf32>) -> tensor<6x20x42xf32> {
  %x = stablehlo.reshape %a : (tensor<6x20x42xf32>) -> tensor<2x3x4x5x6x7xf32>
  %0 = stablehlo.iota dim = 3 : tensor<2x3x4x5x6x7xf32>
  %c = stablehlo.constant dense<2.0> : tensor<2x3x4x5x6x7xf32>
  %1 = stablehlo.multiply %x, %0 : tensor<2x3x4x5x6x7xf32>
  %2 = stablehlo.add %1, %c : tensor<2x3x4x5x6x7xf32>
  %3 = stablehlo.reshape %2 : (tensor<2x3x4x5x6x7xf32>) -> tensor<6x20x42xf32>
  return %3 : tensor<6x20x42xf32>
}

// -----

// dot_general: adjacent batch dims collapse (attention with heads split in two).
// CHECK-LABEL: func.func @dot_general_batch(
// CHECK-SAME:    %[[A:.*]]: tensor<6x4x4x8xf32>, %[[B:.*]]: tensor<6x4x8x5xf32>)
// CHECK-NEXT:    %[[Q:.*]] = stablehlo.reshape %[[A]] : (tensor<6x4x4x8xf32>) -> tensor<24x4x8xf32>
// CHECK-NEXT:    %[[K:.*]] = stablehlo.reshape %[[B]] : (tensor<6x4x8x5xf32>) -> tensor<24x8x5xf32>
// CHECK-NEXT:    %[[D:.*]] = stablehlo.dot_general %[[Q]], %[[K]], batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<24x4x8xf32>, tensor<24x8x5xf32>) -> tensor<24x4x5xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[D]] : (tensor<24x4x5xf32>) -> tensor<6x4x4x5xf32>
// CHECK-NEXT:    return %[[R]]
func.func @dot_general_batch(%a: tensor<6x4x4x8xf32>, %b: tensor<6x4x8x5xf32>) -> tensor<6x4x4x5xf32> {
  %q = stablehlo.reshape %a : (tensor<6x4x4x8xf32>) -> tensor<2x3x2x2x4x8xf32>
  %k = stablehlo.reshape %b : (tensor<6x4x8x5xf32>) -> tensor<2x3x2x2x8x5xf32>
  %0 = stablehlo.dot_general %q, %k, batching_dims = [0, 1, 2, 3] x [0, 1, 2, 3], contracting_dims = [5] x [4] : (tensor<2x3x2x2x4x8xf32>, tensor<2x3x2x2x8x5xf32>) -> tensor<2x3x2x2x4x5xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3x2x2x4x5xf32>) -> tensor<6x4x4x5xf32>
  return %1 : tensor<6x4x4x5xf32>
}

// -----

// Rank <= 5 programs are left alone.
// CHECK-LABEL: func.func @low_rank(
// CHECK-NEXT:    stablehlo.transpose %{{.*}}, dims = [4, 3, 2, 1, 0]
// CHECK-NEXT:    stablehlo.transpose %{{.*}}, dims = [4, 3, 2, 1, 0]
// CHECK-NEXT:    return
func.func @low_rank(%x: tensor<2x3x4x5x6xf32>) -> tensor<2x3x4x5x6xf32> {
  %0 = stablehlo.transpose %x, dims = [4, 3, 2, 1, 0] : (tensor<2x3x4x5x6xf32>) -> tensor<6x5x4x3x2xf32>
  %1 = stablehlo.transpose %0, dims = [4, 3, 2, 1, 0] : (tensor<6x5x4x3x2xf32>) -> tensor<2x3x4x5x6xf32>
  return %1 : tensor<2x3x4x5x6xf32>
}

// -----

// sort along dim 3 of a rank-6 value: the dims before it collapse into one,
// the dims after it into another; the sorted dim stands alone.
// CHECK-LABEL: func.func @sort_6d(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3x4x5x6xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[X]] : (tensor<2x3x4x5x6xf32>) -> tensor<12x2x30xf32>
// CHECK-NEXT:    %[[S:.*]] = "stablehlo.sort"(%[[R]]) <{dimension = 1 : i64, is_stable = true}>
// CHECK:         }) : (tensor<12x2x30xf32>) -> tensor<12x2x30xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.reshape %[[S]] : (tensor<12x2x30xf32>) -> tensor<2x3x4x5x6xf32>
// CHECK-NEXT:    return %[[B]]
func.func @sort_6d(%x: tensor<2x3x4x5x6xf32>) -> tensor<2x3x4x5x6xf32> {
  %r = stablehlo.reshape %x : (tensor<2x3x4x5x6xf32>) -> tensor<2x3x2x2x5x6xf32>
  %0 = "stablehlo.sort"(%r) <{dimension = 3 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %c = stablehlo.compare LT, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %c : tensor<i1>
  }) : (tensor<2x3x2x2x5x6xf32>) -> tensor<2x3x2x2x5x6xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3x2x2x5x6xf32>) -> tensor<2x3x4x5x6xf32>
  return %1 : tensor<2x3x4x5x6xf32>
}

// -----

// A canonical gather (embedding rows) on a rank-6 table: the window dims
// collapse; dimension numbers and slice sizes follow.
// CHECK-LABEL: func.func @gather_6d(
// CHECK-SAME:    %[[T:.*]]: tensor<6x240xf32>, %[[I:.*]]: tensor<4x1xi32>)
// CHECK-NEXT:    %[[G:.*]] = "stablehlo.gather"(%[[T]], %[[I]]) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 240>}> {hlo_coreml.in_bounds} : (tensor<6x240xf32>, tensor<4x1xi32>) -> tensor<4x240xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[G]] : (tensor<4x240xf32>) -> tensor<4x24x10xf32>
// CHECK-NEXT:    return %[[R]]
func.func @gather_6d(%t: tensor<6x240xf32>, %i: tensor<4x1xi32>) -> tensor<4x24x10xf32> {
  %x = stablehlo.reshape %t : (tensor<6x240xf32>) -> tensor<6x2x2x3x2x10xf32>
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1, 2, 3, 4, 5], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 2, 2, 3, 2, 10>}> {hlo_coreml.in_bounds} : (tensor<6x2x2x3x2x10xf32>, tensor<4x1xi32>) -> tensor<4x2x2x3x2x10xf32>
  %1 = stablehlo.reshape %0 : (tensor<4x2x2x3x2x10xf32>) -> tensor<4x24x10xf32>
  return %1 : tensor<4x24x10xf32>
}

// -----

// A canonical scatter (row updates) on a rank-6 operand: window dims of the
// operand, result and updates collapse together.
// CHECK-LABEL: func.func @scatter_6d(
// CHECK-SAME:    %[[X:.*]]: tensor<6x240xf32>, %[[I:.*]]: tensor<4x1xi32>, %[[U:.*]]: tensor<4x240xf32>)
// CHECK-NEXT:    %[[S:.*]] = "stablehlo.scatter"(%[[X]], %[[I]], %[[U]]) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}>
// CHECK:         }) {hlo_coreml.in_bounds} : (tensor<6x240xf32>, tensor<4x1xi32>, tensor<4x240xf32>) -> tensor<6x240xf32>
// CHECK-NEXT:    return %[[S]]
func.func @scatter_6d(%x: tensor<6x240xf32>, %i: tensor<4x1xi32>, %u: tensor<4x240xf32>) -> tensor<6x240xf32> {
  %xr = stablehlo.reshape %x : (tensor<6x240xf32>) -> tensor<6x2x2x3x2x10xf32>
  %ur = stablehlo.reshape %u : (tensor<4x240xf32>) -> tensor<4x2x2x3x2x10xf32>
  %0 = "stablehlo.scatter"(%xr, %i, %ur) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1, 2, 3, 4, 5], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {hlo_coreml.in_bounds} : (tensor<6x2x2x3x2x10xf32>, tensor<4x1xi32>, tensor<4x2x2x3x2x10xf32>) -> tensor<6x2x2x3x2x10xf32>
  %1 = stablehlo.reshape %0 : (tensor<6x2x2x3x2x10xf32>) -> tensor<6x240xf32>
  return %1 : tensor<6x240xf32>
}

// -----

// @main's rank-6 argument and result travel at rank 5 (leading dims
// merged), reshaped at the boundary; the original shapes are recorded for
// the model interface. Inside, the rank-6 values are capped as usual.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[X:.*]]: tensor<6x4x5x6x7xf32> {hlo_coreml.original_shape = array<i64: 2, 3, 4, 5, 6, 7>, jax.arg_info = "x"})
// CHECK-SAME:    -> (tensor<6x4x5x6x7xf32> {hlo_coreml.original_shape = array<i64: 2, 3, 4, 5, 6, 7>, jax.result_info = "result"}, tensor<4xf32>)
// CHECK:         %[[V:.*]] = stablehlo.reshape %[[X]] : (tensor<6x4x5x6x7xf32>) -> tensor<6x4x210xf32>
// CHECK-NEXT:    %[[E:.*]] = stablehlo.exponential %[[V]] : tensor<6x4x210xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.reduce(%[[E]] init: %{{.*}}) applies stablehlo.add across dimensions = [0, 2]
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[E]] : (tensor<6x4x210xf32>) -> tensor<6x4x5x6x7xf32>
// CHECK-NEXT:    return %[[R]], %[[S]]
func.func @main(%x: tensor<2x3x4x5x6x7xf32> {jax.arg_info = "x"}) -> (tensor<2x3x4x5x6x7xf32> {jax.result_info = "result"}, tensor<4xf32>) {
  %0 = stablehlo.exponential %x : tensor<2x3x4x5x6x7xf32>
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  %1 = stablehlo.reduce(%0 init: %c) applies stablehlo.add across dimensions = [0, 1, 3, 4, 5] : (tensor<2x3x4x5x6x7xf32>, tensor<f32>) -> tensor<4xf32>
  return %0, %1 : tensor<2x3x4x5x6x7xf32>, tensor<4xf32>
}

// -----

// A while loop carrying a rank-6 value carries it at rank 5 (leading dims
// merged): reshaped before the loop, at the start of the condition and the
// body, at the body's return and after the loop; the rank-6 views inside
// are capped as usual.
// CHECK-LABEL: func.func @main(
// CHECK:         %[[IN:.*]] = stablehlo.reshape %{{.*}} : (tensor<720xf32>) -> tensor<4x3x4x5x3xf32>
// CHECK-NEXT:    %[[W:.*]] = stablehlo.while(%[[A:.*]] = %[[IN]]) : tensor<4x3x4x5x3xf32>
// CHECK:         stablehlo.reshape %[[A]] : (tensor<4x3x4x5x3xf32>) -> tensor<720xf32>
// CHECK:         } do {
// CHECK-NEXT:      %[[B:.*]] = stablehlo.reshape %[[A]] : (tensor<4x3x4x5x3xf32>) -> tensor<720xf32>
// CHECK-NEXT:      %[[S:.*]] = stablehlo.add %[[B]], %[[B]] : tensor<720xf32>
// CHECK-NEXT:      %[[Y:.*]] = stablehlo.reshape %[[S]] : (tensor<720xf32>) -> tensor<4x3x4x5x3xf32>
// CHECK-NEXT:      stablehlo.return %[[Y]] : tensor<4x3x4x5x3xf32>
// CHECK:         %[[OUT:.*]] = stablehlo.reshape %[[W]] : (tensor<4x3x4x5x3xf32>) -> tensor<720xf32>
// CHECK-NEXT:    return %[[OUT]]
func.func @main(%arg0: tensor<720xf32>) -> tensor<720xf32> {
  %0 = stablehlo.reshape %arg0 : (tensor<720xf32>) -> tensor<2x2x3x4x5x3xf32>
  %1 = stablehlo.while(%a = %0) : tensor<2x2x3x4x5x3xf32>
    cond {
      %z = stablehlo.constant dense<0.0> : tensor<f32>
      %s = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [0, 1, 2, 3, 4, 5] : (tensor<2x2x3x4x5x3xf32>, tensor<f32>) -> tensor<f32>
      %p = stablehlo.compare LT, %s, %z, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %b = stablehlo.add %a, %a : tensor<2x2x3x4x5x3xf32>
      stablehlo.return %b : tensor<2x2x3x4x5x3xf32>
    }
  %2 = stablehlo.reshape %1 : (tensor<2x2x3x4x5x3xf32>) -> tensor<720xf32>
  return %2 : tensor<720xf32>
}

// -----

// dynamic_slice / dynamic_update_slice at rank 6: dims taken whole join the
// block before them; each block's start is its leading dim's start,
// clamped as StableHLO clamps it and scaled by the block's inner size.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[X:.*]]: tensor<720xf32>, %[[I:.*]]: tensor<i32>)
// CHECK-DAG:     %[[ZERO:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-DAG:     %[[HI:.*]] = stablehlo.constant dense<2> : tensor<i32>
// CHECK-DAG:     %[[INNER:.*]] = stablehlo.constant dense<180> : tensor<i32>
// CHECK:         %[[C:.*]] = stablehlo.clamp %[[ZERO]], %[[I]], %[[HI]] : tensor<i32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.multiply %[[C]], %[[INNER]] : tensor<i32>
// CHECK-NEXT:    %[[D:.*]] = stablehlo.dynamic_slice %[[X]], %[[S]], sizes = [360] : (tensor<720xf32>, tensor<i32>) -> tensor<360xf32>
// CHECK:         %[[U:.*]] = stablehlo.dynamic_update_slice %[[X]], %[[D]], %{{.*}} : (tensor<720xf32>, tensor<360xf32>, tensor<i32>) -> tensor<720xf32>
// CHECK-NEXT:    return %[[D]], %[[U]]
func.func @main(%x: tensor<720xf32>, %i: tensor<i32>) -> (tensor<360xf32>, tensor<720xf32>) {
  %z = stablehlo.constant dense<0> : tensor<i32>
  %0 = stablehlo.reshape %x : (tensor<720xf32>) -> tensor<4x2x3x2x5x3xf32>
  %1 = stablehlo.dynamic_slice %0, %i, %z, %z, %z, %z, %z, sizes = [2, 2, 3, 2, 5, 3] : (tensor<4x2x3x2x5x3xf32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<2x2x3x2x5x3xf32>
  %2 = stablehlo.dynamic_update_slice %0, %1, %i, %z, %z, %z, %z, %z : (tensor<4x2x3x2x5x3xf32>, tensor<2x2x3x2x5x3xf32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<4x2x3x2x5x3xf32>
  %3 = stablehlo.reshape %1 : (tensor<2x2x3x2x5x3xf32>) -> tensor<360xf32>
  %4 = stablehlo.reshape %2 : (tensor<4x2x3x2x5x3xf32>) -> tensor<720xf32>
  return %3, %4 : tensor<360xf32>, tensor<720xf32>
}

// -----

// reverse: each run of adjacent reversed dims is reversed as one dim of a
// rank-3 view [before, run, after] (dims 3 and 4 form one run).
// CHECK-LABEL: func.func @reverse_rank6(
// CHECK-SAME:    %[[A:.*]]: tensor<4x3x4x5x6xf32>)
// CHECK-NEXT:    %[[V1:.*]] = stablehlo.reshape %[[A]] : (tensor<4x3x4x5x6xf32>) -> tensor<2x2x360xf32>
// CHECK-NEXT:    %[[R1:.*]] = stablehlo.reverse %[[V1]], dims = [1] : tensor<2x2x360xf32>
// CHECK-NEXT:    %[[V2:.*]] = stablehlo.reshape %[[R1]] : (tensor<2x2x360xf32>) -> tensor<12x20x6xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.reverse %[[V2]], dims = [1] : tensor<12x20x6xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reshape %[[R2]] : (tensor<12x20x6xf32>) -> tensor<4x3x4x5x6xf32>
// CHECK-NEXT:    return %[[R]]
// RANK-LABEL: func.func @reverse_rank6(
// RANK-NOT:     tensor<{{([0-9]+x){5}}}[0-9]+x
func.func @reverse_rank6(%a: tensor<4x3x4x5x6xf32>) -> tensor<4x3x4x5x6xf32> {
  %x = stablehlo.reshape %a : (tensor<4x3x4x5x6xf32>) -> tensor<2x2x3x4x5x6xf32>
  %0 = stablehlo.reverse %x, dims = [1, 3, 4] : tensor<2x2x3x4x5x6xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x2x3x4x5x6xf32>) -> tensor<4x3x4x5x6xf32>
  return %1 : tensor<4x3x4x5x6xf32>
}

// -----

// iota: four iotas concatenated along a new unit dim (the index vector of
// jnp.take_along_axis on a rank-5 value, fuzz seeds 1049 and 1815) need all
// six dims apart. An iota whose dim shares a block falls back to an iota of
// the collapsed view with that block split around its dim, reshaped; a
// reshape that keeps an iota's dim whole folds into the iota.
// CHECK-LABEL: func.func @iotas_concatenated_rank6(
// CHECK-SAME:    %[[A:.*]]: tensor<2x5x2x2x3xi32>)
// CHECK-NEXT:    %[[X:.*]] = stablehlo.reshape %[[A]] : (tensor<2x5x2x2x3xi32>) -> tensor<2x20x3x1xi32>
// CHECK-NEXT:    %[[I0:.*]] = stablehlo.iota dim = 0 : tensor<2x20x3x1xi32>
// CHECK-NEXT:    %[[J1:.*]] = stablehlo.iota dim = 1 : tensor<2x5x4x3xi32>
// CHECK-NEXT:    %[[I1:.*]] = stablehlo.reshape %[[J1]] : (tensor<2x5x4x3xi32>) -> tensor<2x20x3x1xi32>
// CHECK-NEXT:    %[[J2:.*]] = stablehlo.iota dim = 2 : tensor<2x5x2x2x3xi32>
// CHECK-NEXT:    %[[I2:.*]] = stablehlo.reshape %[[J2]] : (tensor<2x5x2x2x3xi32>) -> tensor<2x20x3x1xi32>
// CHECK-NEXT:    %[[I4:.*]] = stablehlo.iota dim = 2 : tensor<2x20x3x1xi32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.concatenate %[[X]], %[[I0]], %[[I1]], %[[I2]], %[[I4]], dim = 3
// RANK-LABEL: func.func @iotas_concatenated_rank6(
// RANK-NOT:     tensor<{{([0-9]+x){5}}}[0-9]+x
func.func @iotas_concatenated_rank6(%a: tensor<2x5x2x2x3xi32>) -> tensor<2x5x2x2x15xi32> {
  %x = stablehlo.reshape %a : (tensor<2x5x2x2x3xi32>) -> tensor<2x5x2x2x3x1xi32>
  %0 = stablehlo.iota dim = 0 : tensor<2x5x2x2x3x1xi32>
  %1 = stablehlo.iota dim = 1 : tensor<2x5x2x2x3x1xi32>
  %2 = stablehlo.iota dim = 2 : tensor<2x5x2x2x3x1xi32>
  %3 = stablehlo.iota dim = 4 : tensor<2x5x2x2x3x1xi32>
  %4 = stablehlo.concatenate %x, %0, %1, %2, %3, dim = 5 : (tensor<2x5x2x2x3x1xi32>, tensor<2x5x2x2x3x1xi32>, tensor<2x5x2x2x3x1xi32>, tensor<2x5x2x2x3x1xi32>, tensor<2x5x2x2x3x1xi32>) -> tensor<2x5x2x2x3x5xi32>
  %5 = stablehlo.reshape %4 : (tensor<2x5x2x2x3x5xi32>) -> tensor<2x5x2x2x15xi32>
  return %5 : tensor<2x5x2x2x15xi32>
}

// -----

// slice: a stride on a dim of size 1 is dropped, so that dim collapses with
// its neighbours (fuzz seed 5269: strides (2, 1, 3, 3, 1, 1) on
// 5x1x1x3x1x5 needed all six dims apart).
// CHECK-LABEL: func.func @slice_unit_strides(
// CHECK-SAME:    %[[A:.*]]: tensor<5x3x5xf32>)
// CHECK-NEXT:    %[[X:.*]] = stablehlo.reshape %[[A]] : (tensor<5x3x5xf32>) -> tensor<5x1x3x1x5xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.slice %[[X]] [0:2:2, 0:1, 2:3:3, 0:1, 2:3]
// RANK-LABEL: func.func @slice_unit_strides(
// RANK-NOT:     tensor<{{([0-9]+x){5}}}[0-9]+x
func.func @slice_unit_strides(%a: tensor<5x3x5xf32>) -> tensor<1xf32> {
  %x = stablehlo.reshape %a : (tensor<5x3x5xf32>) -> tensor<5x1x1x3x1x5xf32>
  %0 = stablehlo.slice %x [0:2:2, 0:1, 0:1:3, 2:3:3, 0:1, 2:3] : (tensor<5x1x1x3x1x5xf32>) -> tensor<1x1x1x1x1x1xf32>
  %1 = stablehlo.reshape %0 : (tensor<1x1x1x1x1x1xf32>) -> tensor<1xf32>
  return %1 : tensor<1xf32>
}

// -----

// bitcast_convert between types of one width is elementwise.
// CHECK-LABEL: func.func @bitcast_same_width(
// CHECK-NEXT:    %[[A:.*]] = stablehlo.reshape %{{.*}} : (tensor<4x6x10xf32>) -> tensor<240xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.bitcast_convert %[[A]] : (tensor<240xf32>) -> tensor<240xi32>
// CHECK-NEXT:    return %[[B]]
func.func @bitcast_same_width(%x: tensor<4x6x10xf32>) -> tensor<240xi32> {
  %0 = stablehlo.reshape %x : (tensor<4x6x10xf32>) -> tensor<2x2x2x3x2x5xf32>
  %1 = stablehlo.bitcast_convert %0 : (tensor<2x2x2x3x2x5xf32>) -> tensor<2x2x2x3x2x5xi32>
  %2 = stablehlo.reshape %1 : (tensor<2x2x2x3x2x5xi32>) -> tensor<240xi32>
  return %2 : tensor<240xi32>
}
