// RUN: not hlo-coreml-opt %s --hlo-coreml-narrow-types 2>&1 | filecheck %s
// RUN: not hlo-coreml-opt %s --hlo-coreml-narrow-types 2>&1 | filecheck %s --check-prefix=CLEAN

// A syntax error is reported at its file:line:col, MLIR style, and the
// driver fails without a Python traceback.
// CHECK: parse_error.mlir:[[# @LINE + 5]]:29: error: use of undeclared SSA value name
// CHECK-NOT: Traceback
// CLEAN-NOT: Traceback
// CLEAN-NOT: File "
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.add %arg0, %undefined : tensor<4xf32>
  return %0 : tensor<4xf32>
}
