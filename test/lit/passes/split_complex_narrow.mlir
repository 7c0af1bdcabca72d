// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-narrow-types | filecheck %s

// hlo-coreml-narrow-types narrows complex<f64> constants to complex<f32>
// (their values are read through StableHLO's interpreter: the bindings
// cannot hand out a complex DenseElementsAttr), so hlo-coreml-split-complex
// may run after it and see complex<f32> only.
// CHECK-LABEL: func.func @complex_f64_constants(
// CHECK-SAME:    %{{[^:]*}}: tensor<3xcomplex<f32>>) -> tensor<3xcomplex<f32>>
// CHECK-DAG:     stablehlo.constant dense<[(1.000000e+00,2.000000e+00), (3.000000e+00,-4.000000e+00), (5.500000e+00,1.000000e-01)]> : tensor<3xcomplex<f32>>
// CHECK-DAG:     stablehlo.constant dense<(5.000000e-01,0.000000e+00)> : tensor<3xcomplex<f32>>
// CHECK-NOT:     f64
func.func @complex_f64_constants(%z: tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>> {
  %c = stablehlo.constant dense<[(1.0, 2.0), (3.0, -4.0), (5.5, 0.1)]> : tensor<3xcomplex<f64>>
  %s = stablehlo.constant dense<(0.5, 0.0)> : tensor<3xcomplex<f64>>
  %0 = stablehlo.multiply %z, %c : tensor<3xcomplex<f64>>
  %1 = stablehlo.multiply %0, %s : tensor<3xcomplex<f64>>
  return %1 : tensor<3xcomplex<f64>>
}
