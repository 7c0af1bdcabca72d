// The legalization pipeline and the emitter together: x64 JAX output
// (f64, i64, a helper call, chlo) becomes a 32-bit MIL program.
// RUN: hlo-coreml-opt %s --hlo-coreml-legalize-pipeline --emit=mil | filecheck %s

// --emit=mil on IR that is not legal reports verify-legal's errors (no
// traceback, no program).
// RUN: not hlo-coreml-opt %s --emit=mil 2>&1 | filecheck %s --check-prefix=ILLEGAL

// CHECK-LABEL: main[CoreML7](%x: (2, 3, fp32)(Tensor),
// CHECK-NEXT:    %n: (3,int32)(Tensor)) {
// CHECK:         %[[E:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = erf(x=%x,
// CHECK:         %[[T:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = tanh(x=%[[E]],
// CHECK:         %[[M:[A-Za-z0-9_]+]]: (3,int32)(Tensor) = mul(x=%n, y=
// CHECK:       } -> (
// CHECK-NOT:   fp64
// CHECK-NOT:   int64

// ILLEGAL: legalize_then_emit.mlir:[[# @LINE + 2]]:1: error: argument #0 of @main has element type f64
// ILLEGAL-NOT: main[CoreML
func.func @main(%arg0: tensor<2x3xf64> loc("x"), %arg1: tensor<3xi64> loc("n")) -> (tensor<2x3xf64>, tensor<3xi64>) {
  %0 = chlo.erf %arg0 : tensor<2x3xf64> -> tensor<2x3xf64>
  %1 = call @act(%0) : (tensor<2x3xf64>) -> tensor<2x3xf64>
  %c = stablehlo.constant dense<3> : tensor<3xi64>
  %2 = stablehlo.multiply %arg1, %c : tensor<3xi64>
  return %1, %2 : tensor<2x3xf64>, tensor<3xi64>
}
func.func private @act(%arg0: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %0 = stablehlo.tanh %arg0 : tensor<2x3xf64>
  return %0 : tensor<2x3xf64>
}
