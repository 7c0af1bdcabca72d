// Inputs that are not a program hlo-coreml can compile get one clear
// message each, exit code 1, no traceback and no raw MLIR location lines
// (issue #15).

// Truncated MLIR bytecode: one error at the file (bytecode has no lines),
// not the raw `loc("-":0:0)` lines of the portable-artifact reader.
// RUN: %PYTHON %S/Inputs/write_bytecode.py %s %t.mlirbc
// RUN: %PYTHON -c "import sys; d = open(sys.argv[1], 'rb').read(); open(sys.argv[2], 'wb').write(d[:120])" %t.mlirbc %t.trunc.mlirbc
// RUN: not hlo-coreml-opt %t.trunc.mlirbc 2>&1 | filecheck %s --check-prefix=TRUNC
// RUN: not hlo-coreml compile %t.trunc.mlirbc -o %t.trunc.mlpackage 2>&1 | filecheck %s --check-prefix=TRUNC
// TRUNC:     trunc.mlirbc: error: {{.+}}
// TRUNC-NOT: loc(
// TRUNC-NOT: :0:0
// TRUNC-NOT: error:
// TRUNC-NOT: Traceback

// This file's two public functions and no @main: the compiler says so at the
// first function; hlo-coreml-opt reports StableHLO's refine-shapes error
// without a dump of the whole module.
// RUN: not hlo-coreml compile %s -o %t.two.mlpackage 2>&1 | filecheck %s --check-prefix=TWO
// TWO:      bad_input.mlir:[[# @LINE + 11]]:1: error: the module has no @main function (its public functions: @f, @g); hlo-coreml compiles @main: rename the entry function to @main
// TWO-NOT:  error:
// RUN: not hlo-coreml-opt %s -p 'builtin.module(stablehlo-refine-shapes)' 2>&1 | filecheck %s --check-prefix=REFINE
// REFINE:     error: 'builtin.module' op must have no more than one function or a `main` function
// REFINE-NOT: func.func
// REFINE-NOT: see current operation

// An empty file and an empty module.
// RUN: %PYTHON -c "import sys; open(sys.argv[1], 'w').close()" %t.empty.mlir
// RUN: not hlo-coreml compile %t.empty.mlir -o %t.e.mlpackage 2>&1 | filecheck %s --check-prefix=EMPTY
// EMPTY: empty.mlir: error: the input is empty; expected a StableHLO module
func.func public @f(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  return %arg0 : tensor<2xf32>
}
func.func public @g(%arg0: tensor<2xf32>) -> tensor<2xf32> {
  return %arg0 : tensor<2xf32>
}

// `module {}`: stablehlo-refine-shapes fails without a diagnostic there;
// the driver names the reason instead of MLIR's bare pipeline failure.
// RUN: %PYTHON -c "import sys; open(sys.argv[1], 'w').write('module {}')" %t.nofunc.mlir
// RUN: not hlo-coreml-opt %t.nofunc.mlir --hlo-coreml-prepare 2>&1 | filecheck %s --check-prefix=NOFUNC
// NOFUNC:     nofunc.mlir: error: the module has no functions; the pipeline expects a StableHLO module with an entry function @main
// NOFUNC-NOT: Failure while executing pass pipeline
