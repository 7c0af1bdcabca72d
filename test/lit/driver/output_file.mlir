// -o writes the result to a file (and nothing to stdout).
// RUN: rm -f %t.out.mlir
// RUN: hlo-coreml-opt %s --hlo-coreml-narrow-types -o %t.out.mlir | filecheck %s --check-prefix=STDOUT --allow-empty
// RUN: filecheck %s --input-file %t.out.mlir

// A failing run leaves no output file behind (as mlir-opt).
// RUN: rm -f %t.fail.mlir
// RUN: not hlo-coreml-opt %s --hlo-coreml-verify-legal -o %t.fail.mlir 2>&1 | filecheck %s --check-prefix=FAIL
// RUN: %PYTHON -c "import os, sys; sys.exit(os.path.exists(sys.argv[1]))" %t.fail.mlir

// An output path that cannot be written is an error, not a traceback.
// RUN: not hlo-coreml-opt %s -o %t.no/such/dir/out.mlir 2>&1 | filecheck %s --check-prefix=NODIR

// STDOUT-NOT: {{.}}

// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %{{.*}}: tensor<4xi32>) -> tensor<4xi32>

// FAIL: output_file.mlir:[[# @LINE + 1]]:1: error: argument #0 of @main has element type i64
func.func @main(%arg0: tensor<4xi64>) -> tensor<4xi64> {
  return %arg0 : tensor<4xi64>
}

// NODIR: error: cannot write output: No such file or directory
// NODIR-NOT: Traceback
