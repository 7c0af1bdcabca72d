// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s --check-prefix=RANK

// Nothing of rank 6 or more is left anywhere.
// RANK-NOT: tensor<{{[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x}}

// A gather indexing all six dims: the index vector becomes one row-major
// linear index into the flattened operand (each component clamped first, as
// StableHLO clamps start indices; no `hlo_coreml.in_bounds` here).
// CHECK-LABEL: func.func @gather_six_dims(
// CHECK:         %[[X:.*]] = stablehlo.reshape %{{.*}} : (tensor<2x360xf32>) -> tensor<720xf32>
// CHECK:         %[[C0:.*]] = stablehlo.slice %{{.*}} [0:4, 0:1] : (tensor<4x6xi32>) -> tensor<4x1xi32>
// CHECK-NEXT:    %[[K0:.*]] = stablehlo.clamp %{{.*}}, %[[C0]], %{{.*}} : (tensor<i32>, tensor<4x1xi32>, tensor<i32>) -> tensor<4x1xi32>
// CHECK-NEXT:    stablehlo.multiply %[[K0]], %{{.*}} : tensor<4x1xi32>
// CHECK-COUNT-5: stablehlo.clamp
// CHECK:         %[[L:.*]] = stablehlo.add
// CHECK-NEXT:    "stablehlo.gather"(%[[X]], %[[L]]) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1>}> : (tensor<720xf32>, tensor<4x1xi32>) -> tensor<4xf32>
func.func @gather_six_dims(%t: tensor<2x360xf32>, %i: tensor<4x6xi32>) -> tensor<4xf32> {
  %x = stablehlo.reshape %t : (tensor<2x360xf32>) -> tensor<2x3x4x5x2x3xf32>
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0, 1, 2, 3, 4, 5], start_index_map = [0, 1, 2, 3, 4, 5], index_vector_dim = 1>, slice_sizes = array<i64: 1, 1, 1, 1, 1, 1>}> : (tensor<2x3x4x5x2x3xf32>, tensor<4x6xi32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Five indexed dims and a window dim, indices already in bounds: no clamps;
// operand [D, R], indices [B, 1].
// CHECK-LABEL: func.func @gather_five_dims_window(
// CHECK-NOT:     stablehlo.clamp
// CHECK:         "stablehlo.gather"(%{{.*}}, %{{.*}}) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 3>}> {hlo_coreml.in_bounds} : (tensor<240x3xf32>, tensor<12x1xi32>) -> tensor<12x3xf32>
func.func @gather_five_dims_window(%t: tensor<2x360xf32>, %i: tensor<4x3x5xi32>) -> tensor<4x9xf32> {
  %x = stablehlo.reshape %t : (tensor<2x360xf32>) -> tensor<2x3x4x5x2x3xf32>
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [2], collapsed_slice_dims = [0, 1, 2, 3, 4], start_index_map = [0, 1, 2, 3, 4], index_vector_dim = 2>, slice_sizes = array<i64: 1, 1, 1, 1, 1, 3>}> {hlo_coreml.in_bounds} : (tensor<2x3x4x5x2x3xf32>, tensor<4x3x5xi32>) -> tensor<4x3x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<4x3x3xf32>) -> tensor<4x9xf32>
  return %1 : tensor<4x9xf32>
}

// -----

// A point scatter indexing all six dims, in bounds (legalize-gather-scatter
// redirected out-of-range writes into padding): linearized the same way.
// CHECK-LABEL: func.func @scatter_six_dims(
// CHECK-NOT:     stablehlo.clamp
// CHECK:         "stablehlo.scatter"(%{{.*}}, %{{.*}}, %{{.*}}) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}>
// CHECK:         {hlo_coreml.in_bounds} : (tensor<720xf32>, tensor<4x1xi32>, tensor<4xf32>) -> tensor<720xf32>
func.func @scatter_six_dims(%t: tensor<2x360xf32>, %i: tensor<4x6xi32>, %u: tensor<4xf32>) -> tensor<2x360xf32> {
  %x = stablehlo.reshape %t : (tensor<2x360xf32>) -> tensor<2x3x4x5x2x3xf32>
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1, 2, 3, 4, 5], scatter_dims_to_operand_dims = [0, 1, 2, 3, 4, 5], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    stablehlo.return %b : tensor<f32>
  }) {hlo_coreml.in_bounds} : (tensor<2x3x4x5x2x3xf32>, tensor<4x6xi32>, tensor<4xf32>) -> tensor<2x3x4x5x2x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3x4x5x2x3xf32>) -> tensor<2x360xf32>
  return %1 : tensor<2x360xf32>
}
