// Pipeline problems are reported once (not per split chunk), before any
// parsing, as `error: ...`, and the driver fails.

// RUN: not hlo-coreml-opt %s --split-input-file --pass-pipeline='builtin.module(hlo-coreml-bogus)' 2>&1 | filecheck %s --check-prefix=OURS
// OURS: error: 'hlo-coreml-bogus' does not refer to a registered pass or pipeline
// OURS-NOT: error:
// OURS-NOT: Traceback

// RUN: not hlo-coreml-opt %s --pass-pipeline='builtin.module(canonicalize,no-such-pass)' 2>&1 | filecheck %s --check-prefix=UPSTREAM
// UPSTREAM: error: {{.*}}'no-such-pass' does not refer to a registered pass or pass pipeline
// UPSTREAM-NOT: Traceback

// A misspelt pass flag is an unknown command-line option.
// RUN: not hlo-coreml-opt %s --hlo-coreml-narrow-typse 2>&1 | filecheck %s --check-prefix=FLAG
// FLAG: error: unrecognized arguments: --hlo-coreml-narrow-typse

// Bad options, for our passes (flag and pipeline forms), our pipelines, and upstream passes.
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-narrow-types=bogus-opt=1 2>&1 | filecheck %s --check-prefix=OPT
// RUN: not hlo-coreml-opt %s --pass-pipeline='builtin.module(hlo-coreml-narrow-types{bogus-opt=1})' 2>&1 | filecheck %s --check-prefix=OPT
// OPT: error: pass 'hlo-coreml-narrow-types' has no option 'bogus-opt' (options: none)
// OPT-NOT: error:

// RUN: not hlo-coreml-opt %s --hlo-coreml-legalize-pipeline=fast 2>&1 | filecheck %s --check-prefix=PIPEOPT
// PIPEOPT: error: pipeline 'hlo-coreml-legalize-pipeline' takes no options, got '{fast}'

// RUN: not hlo-coreml-opt %s --pass-pipeline='builtin.module(canonicalize{no-such-option=1})' 2>&1 | filecheck %s --check-prefix=UPOPT
// UPOPT: error: {{.*}}no such option no-such-option

// A func.func pass must be nested; the driver says so instead of aborting.
// RUN: not hlo-coreml-opt %s --pass-pipeline='builtin.module(chlo-legalize-to-stablehlo)' 2>&1 | filecheck %s --check-prefix=NEST
// NEST: error: {{.*}}restricted to 'func.func' on a PassManager intended to run on 'builtin.module', did you intend to nest?

// Unbalanced brackets.
// RUN: not hlo-coreml-opt %s --pass-pipeline='builtin.module(func.func(canonicalize)' 2>&1 | filecheck %s --check-prefix=UNBAL
// UNBAL: error: unbalanced pipeline

func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}

// -----

func.func @second(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}
