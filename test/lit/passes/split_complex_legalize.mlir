// RUN: hlo-coreml-opt %s --hlo-coreml-legalize-pipeline | filecheck %s
// RUN: hlo-coreml-opt %s --pass-pipeline='builtin.module(hlo-coreml-inline-calls,symbol-dce,hlo-coreml-split-complex,hlo-coreml-narrow-types,hlo-coreml-verify-legal)' | filecheck %s --check-prefix=SPLIT-FIRST

// A jax.export-style module with x64 on: an rfft spectrum times a
// complex128 constant, its magnitude and phase (angle), and a complex128
// argument and result. Through the whole legalization pipeline (narrow-types
// narrows complex<f64> to complex<f32>, then split-complex), and also with
// split-complex before narrow-types: either way verify-legal accepts the
// result, with no complex and no 64-bit type left. The complex argument
// and result are split in place; the real ones keep their attributes.

// CHECK-LABEL: func.func public @main(
// CHECK-SAME:    %{{[^:]*}}: tensor<2x8xf32> {hlo_coreml.source_index = 0 : i64},
// CHECK-SAME:    %[[ZR:[^:]*]]: tensor<3xf32> {hlo_coreml.complex_part = "real", hlo_coreml.source_index = 1 : i64},
// CHECK-SAME:    %[[ZI:[^:]*]]: tensor<3xf32> {hlo_coreml.complex_part = "imag", hlo_coreml.source_index = 1 : i64})
// CHECK-SAME:    -> (tensor<2x5xf32> {hlo_coreml.source_index = 0 : i64, jax.result_info = "result[0]"},
// CHECK-SAME:        tensor<2x5xf32> {hlo_coreml.source_index = 1 : i64, jax.result_info = "result[1]"},
// CHECK-SAME:        tensor<3xf32> {hlo_coreml.complex_part = "real", hlo_coreml.source_index = 2 : i64, jax.result_info = "result[2]"},
// CHECK-SAME:        tensor<3xf32> {hlo_coreml.complex_part = "imag", hlo_coreml.source_index = 2 : i64, jax.result_info = "result[2]"})
// CHECK-NOT:     complex<
// CHECK-NOT:     f64
// CHECK-NOT:     stablehlo.fft
// CHECK:         stablehlo.dot_general {{.*}} : (tensor<2x8xf32>, tensor<8x5xf32>) -> tensor<2x5xf32>
// CHECK-NOT:     complex<
// CHECK-NOT:     f64
// CHECK:         return
// SPLIT-FIRST-LABEL: func.func public @main(
// SPLIT-FIRST-NOT:   complex<
// SPLIT-FIRST-NOT:   f64
// SPLIT-FIRST:       return
module @jit_f attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x8xf64>, %arg1: tensor<3xcomplex<f64>>) -> (tensor<2x5xf64> {jax.result_info = "result[0]"}, tensor<2x5xf64> {jax.result_info = "result[1]"}, tensor<3xcomplex<f64>> {jax.result_info = "result[2]"}) {
    %cst = stablehlo.constant dense<[(0.000000e+00,0.000000e+00), (1.000000e+00,-5.000000e-01), (2.000000e+00,-1.000000e+00), (3.000000e+00,-1.500000e+00), (4.000000e+00,-2.000000e+00)]> : tensor<5xcomplex<f64>>
    %0 = call @fft(%arg0) : (tensor<2x8xf64>) -> tensor<2x5xcomplex<f64>>
    %1 = stablehlo.broadcast_in_dim %cst, dims = [1] : (tensor<5xcomplex<f64>>) -> tensor<1x5xcomplex<f64>>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1] : (tensor<1x5xcomplex<f64>>) -> tensor<2x5xcomplex<f64>>
    %3 = stablehlo.multiply %0, %2 : tensor<2x5xcomplex<f64>>
    %4 = stablehlo.abs %3 : (tensor<2x5xcomplex<f64>>) -> tensor<2x5xf64>
    %5 = call @angle(%3) : (tensor<2x5xcomplex<f64>>) -> tensor<2x5xf64>
    %cst_0 = stablehlo.constant dense<(2.000000e+00,0.000000e+00)> : tensor<complex<f64>>
    %6 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<complex<f64>>) -> tensor<3xcomplex<f64>>
    %7 = stablehlo.multiply %arg1, %6 : tensor<3xcomplex<f64>>
    return %4, %5, %7 : tensor<2x5xf64>, tensor<2x5xf64>, tensor<3xcomplex<f64>>
  }
  func.func private @fft(%arg0: tensor<2x8xf64>) -> tensor<2x5xcomplex<f64>> {
    %0 = stablehlo.fft %arg0, type = RFFT, length = [8] : (tensor<2x8xf64>) -> tensor<2x5xcomplex<f64>>
    return %0 : tensor<2x5xcomplex<f64>>
  }
  func.func private @angle(%arg0: tensor<2x5xcomplex<f64>>) -> tensor<2x5xf64> {
    %0 = stablehlo.real %arg0 : (tensor<2x5xcomplex<f64>>) -> tensor<2x5xf64>
    %1 = stablehlo.imag %arg0 : (tensor<2x5xcomplex<f64>>) -> tensor<2x5xf64>
    %2 = stablehlo.atan2 %1, %0 : tensor<2x5xf64>
    return %2 : tensor<2x5xf64>
  }
}
