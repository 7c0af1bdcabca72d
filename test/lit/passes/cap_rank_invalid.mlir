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

// A window touching all six dims has no rank-5 form (the fallback keeps
// every touched dim apart): the op, its location, the rank and the shape.
func.func @main(%arg0: tensor<1440xf32>) -> tensor<1440xf32> {
  %0 = stablehlo.reshape %arg0 : (tensor<1440xf32>) -> tensor<2x2x3x4x5x6xf32>
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  // ERR: cap_rank_invalid.mlir:[[# @LINE + 2]]:8: error: 'stablehlo.reduce_window' on a value of rank 6 (tensor<2x2x3x4x5x6xf32>) touches 6 dims (window, stride, padding or dilation); hlo-coreml-cap-rank can keep at most 4 touched dims apart (plus one for all the others)
  // expected-error@+1 {{'stablehlo.reduce_window' on a value of rank 6 (tensor<2x2x3x4x5x6xf32>) touches 6 dims}}
  %1 = "stablehlo.reduce_window"(%0, %init) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {window_dimensions = array<i64: 2, 1, 1, 1, 1, 1>, window_strides = array<i64: 1, 2, 1, 1, 1, 1>, base_dilations = array<i64: 1, 1, 2, 1, 1, 1>, window_dilations = array<i64: 1, 1, 1, 2, 1, 1>, padding = dense<[[0, 0], [0, 0], [0, 0], [0, 0], [1, 0], [0, 1]]> : tensor<6x2xi64>} : (tensor<2x2x3x4x5x6xf32>, tensor<f32>) -> tensor<1x1x5x4x6x7xf32>
  %2 = stablehlo.reshape %1 : (tensor<1x1x5x4x6x7xf32>) -> tensor<840xf32>
  %3 = stablehlo.concatenate %2, %2, dim = 0 : (tensor<840xf32>, tensor<840xf32>) -> tensor<1680xf32>
  %4 = stablehlo.slice %3 [0:1440] : (tensor<1680xf32>) -> tensor<1440xf32>
  return %4 : tensor<1440xf32>
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

// A point scatter indexing all six dims whose indices may be out of bounds
// (no `hlo_coreml.in_bounds`: StableHLO skips such updates, which a linear
// index cannot express): each indexed dim must stay apart, so rank 6 remains.
func.func @main(%t: tensor<2x360xf32>, %i: tensor<4x6xi32>, %u: tensor<4xf32>) -> tensor<2x360xf32> {
  %x = stablehlo.reshape %t : (tensor<2x360xf32>) -> tensor<2x3x4x5x2x3xf32>
  // expected-error@+1 {{'stablehlo.scatter' needs 6 separate dims of a value of rank 6 (tensor<2x3x4x5x2x3xf32>); hlo-coreml-cap-rank found no rewrite that keeps it within rank 5}}
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0, 1, 2, 3, 4, 5], scatter_dims_to_operand_dims = [0, 1, 2, 3, 4, 5], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    stablehlo.return %b : tensor<f32>
  }) : (tensor<2x3x4x5x2x3xf32>, tensor<4x6xi32>, tensor<4xf32>) -> tensor<2x3x4x5x2x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3x4x5x2x3xf32>) -> tensor<2x360xf32>
  return %1 : tensor<2x360xf32>
}

// -----

// A convolution with 4 spatial dims is split into 3-D ones only when its
// shapes are static.
// ERR: cap_rank_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.convolution' on a value of rank 6 (tensor<2x3x5x4x4x?xf32>) is not supported: Core ML's conv has at most 3 spatial dims, and hlo-coreml-cap-rank splits a convolution with more only when its shapes are static (specialize the dynamic dims)
func.func @main(%x: tensor<2x3x5x4x4x?xf32>, %w: tensor<4x3x2x3x1x2xf32>) -> tensor<2x4x4x2x4x?xf32> {
  // expected-error@+1 {{'stablehlo.convolution' on a value of rank 6 (tensor<2x3x5x4x4x?xf32>) is not supported}}
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1, 2, 3]x[o, i, 0, 1, 2, 3]->[b, f, 0, 1, 2, 3], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x3x5x4x4x?xf32>, tensor<4x3x2x3x1x2xf32>) -> tensor<2x4x4x2x4x?xf32>
  return %0 : tensor<2x4x4x2x4x?xf32>
}

// -----

// A rank-6 argument with a dynamic dim that is not among the merged
// leading ones: no rank-6 value with a dynamic dim is collapsed (the first
// op on it, here the reshape to its true shape at the argument, is named).
// expected-error@+1 {{'stablehlo.reshape' on a value of rank 6 (tensor<2x2x3x4x5x?xf32>) is not supported: hlo-coreml-cap-rank collapses the dims of rank > 5 values only when their shapes are static (specialize the dynamic dims)}}
func.func @main(%x: tensor<2x2x3x4x5x?xf32>) -> tensor<2x2x3x4x5x?xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %1 = "stablehlo.reduce_window"(%x, %init) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {window_dimensions = array<i64: 1, 1, 1, 4, 1, 1>, padding = dense<[[0, 0], [0, 0], [0, 0], [3, 0], [0, 0], [0, 0]]> : tensor<6x2xi64>} : (tensor<2x2x3x4x5x?xf32>, tensor<f32>) -> tensor<2x2x3x4x5x?xf32>
  return %1 : tensor<2x2x3x4x5x?xf32>
}
