// RUN: hlo-coreml-opt %s --verify-diagnostics -p 'hlo-coreml-decompose-linalg{max-size=2}'
// RUN: hlo-coreml-opt %s -p 'hlo-coreml-decompose-linalg{max-size=3}' | filecheck %s

// The limit is an option: 3x3 is refused with max-size=2, unrolled with 3.
// CHECK-LABEL: func.func @main(
// CHECK-COUNT-3: stablehlo.rsqrt
// CHECK-NOT:     stablehlo.cholesky
func.func @main(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
  // expected-error@+1 {{'stablehlo.cholesky' of a 3x3 matrix is not supported by Core ML: hlo-coreml-decompose-linalg unrolls it into n steps only for n <= 2}}
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}
