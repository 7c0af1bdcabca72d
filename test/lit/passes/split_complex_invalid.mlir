// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-split-complex
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex 2>&1 | filecheck %s --check-prefix=ERR

// Every op the pass cannot split is reported at its own location (all of
// them, not just the first), and nothing is rewritten.
// ERR: split_complex_invalid.mlir:[[# @LINE + 6]]:8: error: 'stablehlo.cbrt' on complex tensors is not supported: Core ML has no complex type and hlo-coreml-split-complex has no real/imaginary lowering for it
// ERR: split_complex_invalid.mlir:[[# @LINE + 7]]:8: error: 'stablehlo.compare' on complex tensors with direction LT is not defined (complex numbers are not ordered; only EQ and NE)
// ERR-NOT: error: 'stablehlo.multiply'
func.func @main(%z: tensor<4xcomplex<f32>>) -> (tensor<4xcomplex<f32>>, tensor<4xi1>) {
  %0 = stablehlo.multiply %z, %z : tensor<4xcomplex<f32>>
  // expected-error@+1 {{'stablehlo.cbrt' on complex tensors is not supported}}
  %1 = stablehlo.cbrt %0 : tensor<4xcomplex<f32>>
  // expected-error@+1 {{'stablehlo.compare' on complex tensors with direction LT is not defined}}
  %2 = stablehlo.compare LT, %1, %z : (tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>) -> tensor<4xi1>
  return %1, %2 : tensor<4xcomplex<f32>>, tensor<4xi1>
}

// -----

// Complex values are not ordered: no max / min reductions.
func.func @main(%z: tensor<2x3xcomplex<f32>>) -> tensor<2xcomplex<f32>> {
  %init = stablehlo.constant dense<(1.0, 0.0)> : tensor<complex<f32>>
  // expected-error@+1 {{'stablehlo.reduce' on complex tensors is only supported as a sum or a product}}
  %0 = stablehlo.reduce(%z init: %init) applies stablehlo.maximum across dimensions = [1] : (tensor<2x3xcomplex<f32>>, tensor<complex<f32>>) -> tensor<2xcomplex<f32>>
  return %0 : tensor<2xcomplex<f32>>
}

// -----

// Calls must be inlined first.
func.func private @square(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.multiply %z, %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}
func.func @main(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  // expected-error@+1 {{'func.call' on complex tensors is not supported: Core ML has no complex type and hlo-coreml-split-complex has no real/imaginary lowering for it (run hlo-coreml-inline-calls first)}}
  %0 = func.call @square(%z) : (tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// A loop carrying a complex value.
func.func @main(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  // expected-error@+1 {{'stablehlo.while' on complex tensors is not supported}}
  %0 = stablehlo.while(%it = %z) : tensor<4xcomplex<f32>>
  cond {
    %c = stablehlo.constant dense<true> : tensor<i1>
    stablehlo.return %c : tensor<i1>
  } do {
    %sq = stablehlo.multiply %it, %it : tensor<4xcomplex<f32>>
    stablehlo.return %sq : tensor<4xcomplex<f32>>
  }
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// The option is checked.
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex='atan2=maybe' 2>&1 | filecheck %s --check-prefix=OPTION
// OPTION: option 'atan2' expects one of auto, expand, keep, got 'maybe'
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// A complex scatter that multiplies: the parts do not combine separately.
func.func @main(%x: tensor<5xcomplex<f32>>, %i: tensor<2x1xi32>, %u: tensor<2xcomplex<f32>>) -> tensor<5xcomplex<f32>> {
  // expected-error@+1 {{'stablehlo.scatter' on complex tensors is only supported with a body that returns the update (`.at[].set`) or adds it (`.at[].add`)}}
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<complex<f32>>, %b: tensor<complex<f32>>):
    %s = stablehlo.multiply %a, %b : tensor<complex<f32>>
    stablehlo.return %s : tensor<complex<f32>>
  }) : (tensor<5xcomplex<f32>>, tensor<2x1xi32>, tensor<2xcomplex<f32>>) -> tensor<5xcomplex<f32>>
  return %0 : tensor<5xcomplex<f32>>
}
