// RUN: hlo-coreml-opt %s --verify-diagnostics --hlo-coreml-narrow-types
// RUN: not hlo-coreml-opt %s --hlo-coreml-narrow-types 2>&1 | filecheck %s --check-prefix=ERR

// A part beyond the f32 range is an error at the constant.
// ERR: split_complex_narrow_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.constant' complex value with a part -1e+300 does not fit in complex<f32>
func.func @complex_f64_out_of_range() -> tensor<2xcomplex<f64>> {
  // expected-error@+1 {{'stablehlo.constant' complex value with a part -1e+300 does not fit in complex<f32>}}
  %c = stablehlo.constant dense<[(1.0, 2.0), (3.0, -1.0e300)]> : tensor<2xcomplex<f64>>
  return %c : tensor<2xcomplex<f64>>
}
