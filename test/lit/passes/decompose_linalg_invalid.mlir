// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-decompose-linalg
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-linalg 2>&1 | filecheck %s --check-prefix=ERR

// What hlo-coreml-decompose-linalg refuses: n above the limit (32 by
// default), complex matrices, dynamic shapes. Each is reported at the op.

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

// ERR: error: 'stablehlo.cholesky' on complex matrices is not supported by Core ML: hlo-coreml-decompose-linalg unrolls real (f16/f32) matrices only
func.func @main(%a: tensor<3x3xcomplex<f32>>) -> tensor<3x3xcomplex<f32>> {
  // expected-error@+1 {{'stablehlo.cholesky' on complex matrices is not supported by Core ML}}
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<3x3xcomplex<f32>>) -> tensor<3x3xcomplex<f32>>
  return %0 : tensor<3x3xcomplex<f32>>
}

// -----

// JAX's LAPACK call for complex64 (CPU export).
// ERR: error: 'stablehlo.custom_call' @lapack_ctrsm_ffi (JAX's LAPACK triangular solve) on complex matrices is not supported by Core ML
func.func @main(%a: tensor<3x3xcomplex<f32>>, %b: tensor<3x1xcomplex<f32>>) -> tensor<3x1xcomplex<f32>> {
  // expected-error@+1 {{'stablehlo.custom_call' @lapack_ctrsm_ffi (JAX's LAPACK triangular solve) on complex matrices is not supported by Core ML}}
  %0 = stablehlo.custom_call @lapack_ctrsm_ffi(%a, %b) {mhlo.backend_config = {diag = 78 : ui8, side = 76 : ui8, trans_x = 78 : ui8, uplo = 76 : ui8}} : (tensor<3x3xcomplex<f32>>, tensor<3x1xcomplex<f32>>) -> tensor<3x1xcomplex<f32>>
  return %0 : tensor<3x1xcomplex<f32>>
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

// ERR: error: 'stablehlo.custom_call' @lapack_cgetrf_ffi (JAX's LAPACK LU factorization) on complex matrices is not supported by Core ML
func.func @main(%a: tensor<3x3xcomplex<f32>>) -> (tensor<3x3xcomplex<f32>>, tensor<3xi32>, tensor<i32>) {
  // expected-error@+1 {{'stablehlo.custom_call' @lapack_cgetrf_ffi (JAX's LAPACK LU factorization) on complex matrices is not supported by Core ML}}
  %0:3 = stablehlo.custom_call @lapack_cgetrf_ffi(%a) {mhlo.backend_config = {}} : (tensor<3x3xcomplex<f32>>) -> (tensor<3x3xcomplex<f32>>, tensor<3xi32>, tensor<i32>)
  return %0#0, %0#1, %0#2 : tensor<3x3xcomplex<f32>>, tensor<3xi32>, tensor<i32>
}
