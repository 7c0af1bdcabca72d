// MLIR bytecode (as `mlir-opt --emit-bytecode` and `Operation.write_bytecode`
// write it) is read as well as text.
// RUN: %PYTHON %S/Inputs/write_bytecode.py %s %t.mlirbc
// RUN: hlo-coreml-opt %t.mlirbc --hlo-coreml-narrow-types | filecheck %s
// RUN: hlo-coreml-opt --hlo-coreml-narrow-types < %t.mlirbc | filecheck %s

// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.multiply %[[A]], %[[A]] : tensor<4xf32>
// CHECK-NEXT:    return %[[S]]
func.func @main(%arg0: tensor<4xf64>) -> tensor<4xf64> {
  %0 = stablehlo.multiply %arg0, %arg0 : tensor<4xf64>
  return %0 : tensor<4xf64>
}
