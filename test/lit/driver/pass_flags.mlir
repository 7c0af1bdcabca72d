// Pass flags take options only with `=` (mlir-opt syntax), so a flag before
// the input file does not swallow it; flags run in command-line order.
// RUN: hlo-coreml-opt --hlo-coreml-narrow-types %s | filecheck %s
// RUN: hlo-coreml-opt --hlo-coreml-inline-calls --hlo-coreml-narrow-types %s | filecheck %s --check-prefix=INLINED
// Abbreviated flags are not accepted.
// RUN: not hlo-coreml-opt --hlo-coreml-narrow %s 2>&1 | filecheck %s --check-prefix=ABBREV

// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<3xi32>) -> tensor<3xi32>
// CHECK-NEXT:    %[[R:.*]] = call @twice(%[[A]]) : (tensor<3xi32>) -> tensor<3xi32>

// INLINED-LABEL: func.func @main(
// INLINED-SAME:    %[[A:.*]]: tensor<3xi32>) -> tensor<3xi32>
// INLINED-NEXT:    %[[S:.*]] = stablehlo.add %[[A]], %[[A]] : tensor<3xi32>
// INLINED-NEXT:    return %[[S]]

// ABBREV: error: unrecognized arguments: --hlo-coreml-narrow
func.func @main(%arg0: tensor<3xi64>) -> tensor<3xi64> {
  %0 = call @twice(%arg0) : (tensor<3xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}
func.func private @twice(%arg0: tensor<3xi64>) -> tensor<3xi64> {
  %0 = stablehlo.add %arg0, %arg0 : tensor<3xi64>
  return %0 : tensor<3xi64>
}
