// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-decompose-linalg
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-linalg 2>&1 | filecheck %s --check-prefix=ERR

// What hlo-coreml-decompose-linalg refuses: n above the limit (32 by
// default), element types other than f16/f32/complex<f32>, dynamic shapes. Each is reported at the op.

// ERR: decompose_linalg_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.cholesky' of a 33x33 matrix is not supported by Core ML: hlo-coreml-decompose-linalg unrolls it into n steps only for n <= 32 (this one would take ~264 ops). Compute the factorization outside the model, or pass its result in as an input (or raise the limit with hlo-coreml-decompose-linalg{max-size=33})
func.func @main(%a: tensor<33x33xf32>) -> tensor<33x33xf32> {
  // expected-error@+1 {{'stablehlo.cholesky' of a 33x33 matrix is not supported by Core ML: hlo-coreml-decompose-linalg unrolls it into n steps only for n <= 32}}
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<33x33xf32>) -> tensor<33x33xf32>
  return %0 : tensor<33x33xf32>
}

// -----

// ERR: error: 'stablehlo.triangular_solve' of a 64x64 matrix is not supported by Core ML: {{.*}} Solve outside the model, or pass the inverse in and use a matmul
func.func @main(%a: tensor<2x64x64xf32>, %b: tensor<2x64x1xf32>) -> tensor<2x64x1xf32> {
  // expected-error@+1 {{'stablehlo.triangular_solve' of a 64x64 matrix is not supported by Core ML}}
  %0 = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose NO_TRANSPOSE>} : (tensor<2x64x64xf32>, tensor<2x64x1xf32>) -> tensor<2x64x1xf32>
  return %0 : tensor<2x64x1xf32>
}

// -----

// complex<f64> (hlo-coreml-narrow-types narrows it to complex<f32> before
// this pass in the pipeline; alone, the pass refuses it).
// ERR: error: 'stablehlo.cholesky' on complex<f64> is not supported by Core ML: hlo-coreml-decompose-linalg unrolls f16/f32 (and complex<f32>) matrices only
func.func @main(%a: tensor<3x3xcomplex<f64>>) -> tensor<3x3xcomplex<f64>> {
  // expected-error@+1 {{'stablehlo.cholesky' on complex<f64> is not supported by Core ML}}
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<3x3xcomplex<f64>>) -> tensor<3x3xcomplex<f64>>
  return %0 : tensor<3x3xcomplex<f64>>
}

// -----

// ERR: error: 'stablehlo.cholesky' with a dynamic shape is not supported by Core ML
func.func @main(%a: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error@+1 {{'stablehlo.cholesky' with a dynamic shape is not supported by Core ML}}
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// ERR: error: 'stablehlo.custom_call' @lapack_sgetrf_ffi (JAX's LAPACK LU factorization) of a 33x33 matrix is not supported by Core ML: hlo-coreml-decompose-linalg unrolls it into n steps only for n <= 32 (this one would take ~891 ops). Factor (solve, invert, take the determinant) outside the model, or pass the result in as an input (or raise the limit with hlo-coreml-decompose-linalg{max-size=33})
func.func @main(%a: tensor<33x33xf32>) -> (tensor<33x33xf32>, tensor<33xi32>, tensor<i32>) {
  // expected-error@+1 {{'stablehlo.custom_call' @lapack_sgetrf_ffi (JAX's LAPACK LU factorization) of a 33x33 matrix is not supported by Core ML}}
  %0:3 = stablehlo.custom_call @lapack_sgetrf_ffi(%a) {mhlo.backend_config = {}} : (tensor<33x33xf32>) -> (tensor<33x33xf32>, tensor<33xi32>, tensor<i32>)
  return %0#0, %0#1, %0#2 : tensor<33x33xf32>, tensor<33xi32>, tensor<i32>
}

// -----

// lax.linalg.lu of a non-square matrix.
// ERR: error: 'stablehlo.custom_call' @lapack_sgetrf_ffi (JAX's LAPACK LU factorization) of a non-square tensor<3x4xf32> is not supported by Core ML: hlo-coreml-decompose-linalg unrolls square matrices only
func.func @main(%a: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3xi32>, tensor<i32>) {
  // expected-error@+1 {{'stablehlo.custom_call' @lapack_sgetrf_ffi (JAX's LAPACK LU factorization) of a non-square tensor<3x4xf32> is not supported by Core ML}}
  %0:3 = stablehlo.custom_call @lapack_sgetrf_ffi(%a) {mhlo.backend_config = {}} : (tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3xi32>, tensor<i32>)
  return %0#0, %0#1, %0#2 : tensor<3x4xf32>, tensor<3xi32>, tensor<i32>
}

// -----

// Complex matrices have the same size limit.
// ERR: error: 'stablehlo.custom_call' @lapack_cgetrf_ffi (JAX's LAPACK LU factorization) of a 33x33 matrix is not supported by Core ML: hlo-coreml-decompose-linalg unrolls it into n steps only for n <= 32
func.func @main(%a: tensor<33x33xcomplex<f32>>) -> (tensor<33x33xcomplex<f32>>, tensor<33xi32>, tensor<i32>) {
  // expected-error@+1 {{'stablehlo.custom_call' @lapack_cgetrf_ffi (JAX's LAPACK LU factorization) of a 33x33 matrix is not supported by Core ML}}
  %0:3 = stablehlo.custom_call @lapack_cgetrf_ffi(%a) {mhlo.backend_config = {}} : (tensor<33x33xcomplex<f32>>) -> (tensor<33x33xcomplex<f32>>, tensor<33xi32>, tensor<i32>)
  return %0#0, %0#1, %0#2 : tensor<33x33xcomplex<f32>>, tensor<33xi32>, tensor<i32>
}
