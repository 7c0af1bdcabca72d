// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-narrow-types | filecheck %s
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-narrow-types 2>&1 | filecheck %s --check-prefix=ERR
// Without --split-input-file the markers are comments: one module, and the
// bad constant fails it as a whole.
// RUN: not hlo-coreml-opt %s --hlo-coreml-narrow-types 2>&1 | filecheck %s --check-prefix=WHOLE

// Each chunk is its own module; the outputs are joined with `// -----`, and
// a failing chunk (the third) neither stops the others nor leaves output.
// CHECK:       module {
// CHECK-NEXT:    func.func @first(%{{.*}}: tensor<2xi32>) -> tensor<2xi32> {
// CHECK-NEXT:      return
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NEXT:  // -----
// CHECK-NEXT:  module {
// CHECK-NEXT:    func.func @second(%{{.*}}: tensor<2xf32>) -> tensor<2xf32> {
// CHECK-NEXT:      return
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NEXT:  // -----
// CHECK-NEXT:  module {
// CHECK-NEXT:    func.func @fourth(
// CHECK-NOT:   // -----

// Line numbers stay absolute in the file; only the failing chunk reports.
// ERR:     split_input_file.mlir:[[# @LINE + 19]]:8: error: 'stablehlo.constant' value 4294967296 does not fit in i32
// ERR-NOT: error:

// WHOLE:     split_input_file.mlir:[[# @LINE + 16]]:8: error: 'stablehlo.constant' value 4294967296 does not fit in i32
// WHOLE-NOT: module

func.func @first(%arg0: tensor<2xi64>) -> tensor<2xi64> {
  return %arg0 : tensor<2xi64>
}

// -----

func.func @second(%arg0: tensor<2xf64>) -> tensor<2xf64> {
  return %arg0 : tensor<2xf64>
}

// -----

func.func @third() -> tensor<i64> {
  %c = stablehlo.constant dense<4294967296> : tensor<i64>
  return %c : tensor<i64>
}

// -----

// A near miss is not a split marker (mlir-opt would warn):
// ------
func.func @fourth(%arg0: tensor<2xi64>) -> tensor<2xi64> {
  return %arg0 : tensor<2xi64>
}
