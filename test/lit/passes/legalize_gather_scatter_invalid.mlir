// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-legalize-gather-scatter --hlo-coreml-verify-legal

// Scatters the pass leaves alone: verify-legal names them at their location.

// A body of both values that is no MIL scatter mode, with indices that
// may repeat: the result would depend on the order of application.
func.func @main(%x: tensor<5xf32>, %i: tensor<2x1xi32>, %u: tensor<2xf32>) -> tensor<5xf32> {
  // expected-error@+1 {{'stablehlo.scatter' with this body (not set/add/subtract/multiply/min/max) needs indices known to be unique: with duplicate indices XLA applies the body once per update, in an unspecified order}}
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.atan2 %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5xf32>, tensor<2x1xi32>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Constant indices that repeat (row 1 twice).
func.func @main(%x: tensor<5xf32>, %u: tensor<3xf32>) -> tensor<5xf32> {
  %i = stablehlo.constant dense<[[1], [3], [1]]> : tensor<3x1xi32>
  // expected-error@+1 {{'stablehlo.scatter' with this body (not set/add/subtract/multiply/min/max) needs indices known to be unique}}
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.atan2 %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5xf32>, tensor<3x1xi32>, tensor<3xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// A body that is not elementwise (it reduces).
func.func @main(%x: tensor<5xf32>, %i: tensor<2x1xi32>, %u: tensor<2xf32>) -> tensor<5xf32> {
  // expected-error@+1 {{'stablehlo.scatter' is supported with bodies that are elementwise functions of (old value, update) only, and this one is not: its body holds 'stablehlo.reduce', which has a region}}
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, unique_indices = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %z = stablehlo.constant dense<0.0> : tensor<f32>
    %r = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [] : (tensor<f32>, tensor<f32>) -> tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) : (tensor<5xf32>, tensor<2x1xi32>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Two operands whose results mix both operands: not separable per operand.
func.func @main(%x: tensor<5xf32>, %y: tensor<5xf32>, %i: tensor<2x1xi32>, %u: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<5xf32> {
  // expected-error@+1 {{'stablehlo.scatter' with several operands is not supported}}
  %0:2 = "stablehlo.scatter"(%x, %y, %i, %u, %v) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<f32>, %d: tensor<f32>):
    %s = stablehlo.add %a, %d : tensor<f32>
    stablehlo.return %s, %c : tensor<f32>, tensor<f32>
  }) : (tensor<5xf32>, tensor<5xf32>, tensor<2x1xi32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<5xf32>, tensor<5xf32>)
  return %0#0 : tensor<5xf32>
}
