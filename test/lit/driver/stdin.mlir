// The input is read from stdin when no file (or `-`) is given; diagnostics
// then name `<stdin>`.
// RUN: hlo-coreml-opt --hlo-coreml-narrow-types < %s | filecheck %s
// RUN: cat %s | hlo-coreml-opt - --hlo-coreml-narrow-types | filecheck %s
// RUN: not hlo-coreml-opt --hlo-coreml-verify-legal < %s 2>&1 | filecheck %s --check-prefix=ERR

// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xi32>) -> tensor<4xi32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[A]], %[[A]] : tensor<4xi32>
// CHECK-NEXT:    return %[[S]]

// ERR: <stdin>:[[# @LINE + 1]]:1: error: argument #0 of @main has element type i64
func.func @main(%arg0: tensor<4xi64>) -> tensor<4xi64> {
  %0 = stablehlo.add %arg0, %arg0 : tensor<4xi64>
  return %0 : tensor<4xi64>
}
