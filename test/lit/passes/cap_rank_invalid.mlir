// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-cap-rank
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank 2>&1 | filecheck %s --check-prefix=ERR

// A rank-6 argument whose leading dims (merged to reach rank 5) are not
// static: an error at the function.
// ERR: cap_rank_invalid.mlir:[[# @LINE + 2]]:1: error: argument #0 of @main has rank 6 (tensor<?x2x3x4x5x6xf32>); Core ML model inputs and outputs have rank <= 5, and its leading 2 dims, which hlo-coreml-cap-rank would merge to reach rank 5, are not all static (specialize them)
// expected-error@+1 {{argument #0 of @main has rank 6}}
func.func @main(%arg0: tensor<?x2x3x4x5x6xf32>) -> tensor<2x3x4x5x6xf32> {
  %0 = stablehlo.slice %arg0 [0:1, 0:2, 0:3, 0:4, 0:5, 0:6] : (tensor<?x2x3x4x5x6xf32>) -> tensor<1x2x3x4x5x6xf32>
  %1 = stablehlo.reshape %0 : (tensor<1x2x3x4x5x6xf32>) -> tensor<2x3x4x5x6xf32>
  return %1 : tensor<2x3x4x5x6xf32>
}

// -----

// An op with no lower-rank rewrite: the op, its location, the rank and the shape.
func.func @main(%arg0: tensor<1440xf32>) -> tensor<1440xf32> {
  %0 = stablehlo.reshape %arg0 : (tensor<1440xf32>) -> tensor<2x2x3x4x5x6xf32>
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  // ERR: cap_rank_invalid.mlir:[[# @LINE + 2]]:8: error: 'stablehlo.reduce_window' has a value of rank 6 (tensor<2x2x3x4x5x6xf32>); Core ML supports rank <= 5 and hlo-coreml-cap-rank has no lower-rank rewrite for 'stablehlo.reduce_window'
  // expected-error@+1 {{'stablehlo.reduce_window' has a value of rank 6 (tensor<2x2x3x4x5x6xf32>)}}
  %1 = "stablehlo.reduce_window"(%0, %c) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {window_dimensions = array<i64: 1, 1, 1, 4, 1, 1>, padding = dense<[[0, 0], [0, 0], [0, 0], [3, 0], [0, 0], [0, 0]]> : tensor<6x2xi64>} : (tensor<2x2x3x4x5x6xf32>, tensor<f32>) -> tensor<2x2x3x4x5x6xf32>
  %2 = stablehlo.reshape %1 : (tensor<2x2x3x4x5x6xf32>) -> tensor<1440xf32>
  return %2 : tensor<1440xf32>
}

// -----

// A slice of every dim needs all six dims apart; there is no rank-5 form.
func.func @main(%arg0: tensor<2880xf32>) -> tensor<360xf32> {
  %0 = stablehlo.reshape %arg0 : (tensor<2880xf32>) -> tensor<2x4x3x4x5x6xf32>
  // expected-error@+1 {{'stablehlo.slice' needs 6 separate dims of a value of rank 6 (tensor<2x4x3x4x5x6xf32>); hlo-coreml-cap-rank found no rewrite that keeps it within rank 5}}
  %1 = stablehlo.slice %0 [1:2, 1:3, 1:3, 1:3, 1:4, 1:6] : (tensor<2x4x3x4x5x6xf32>) -> tensor<1x2x2x2x3x5xf32>
  %2 = stablehlo.reshape %1 : (tensor<1x2x2x2x3x5xf32>) -> tensor<120xf32>
  %3 = stablehlo.concatenate %2, %2, %2, dim = 0 : (tensor<120xf32>, tensor<120xf32>, tensor<120xf32>) -> tensor<360xf32>
  return %3 : tensor<360xf32>
}

// -----

// A gather not in the canonical layout of hlo-coreml-legalize-gather-scatter
// (here the index vector is not last): refused with a hint.
func.func @main(%t: tensor<6x240xf32>, %i: tensor<1x4xi32>) -> tensor<4x240xf32> {
  %x = stablehlo.reshape %t : (tensor<6x240xf32>) -> tensor<6x2x2x3x2x10xf32>
  // expected-error@+1 {{'stablehlo.gather' on a value of rank 6 (tensor<4x2x2x3x2x10xf32>) is not in the canonical layout hlo-coreml-legalize-gather-scatter produces}}
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1, 2, 3, 4, 5], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 0>, slice_sizes = array<i64: 1, 2, 2, 3, 2, 10>}> : (tensor<6x2x2x3x2x10xf32>, tensor<1x4xi32>) -> tensor<4x2x2x3x2x10xf32>
  %1 = stablehlo.reshape %0 : (tensor<4x2x2x3x2x10xf32>) -> tensor<4x240xf32>
  return %1 : tensor<4x240xf32>
}

// -----

// A point scatter indexing all six dims (what general update windows
// become): each indexed dim must stay apart, so rank 6 remains.
func.func @main(%t: tensor<2x360xf32>, %i: tensor<4x6xi32>, %u: tensor<4xf32>) -> tensor<2x360xf32> {
  %x = stablehlo.reshape %t : (tensor<2x360xf32>) -> tensor<2x3x4x5x2x3xf32>
  // expected-error@+1 {{'stablehlo.scatter' needs 6 separate dims of a value of rank 6 (tensor<2x3x4x5x2x3xf32>); hlo-coreml-cap-rank found no rewrite that keeps it within rank 5}}
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1, 2, 3, 4, 5], scatter_dims_to_operand_dims = [0, 1, 2, 3, 4, 5], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    stablehlo.return %b : tensor<f32>
  }) {hlo_coreml.in_bounds} : (tensor<2x3x4x5x2x3xf32>, tensor<4x6xi32>, tensor<4xf32>) -> tensor<2x3x4x5x2x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3x4x5x2x3xf32>) -> tensor<2x360xf32>
  return %1 : tensor<2x360xf32>
}
