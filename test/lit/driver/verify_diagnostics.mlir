// --verify-diagnostics checks `expected-error` comments MLIR-style: it
// succeeds (printing nothing on stderr) when diagnostics and expectations
// match exactly ...
// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-narrow-types 2>&1 >/dev/null | filecheck %s --check-prefix=OK --allow-empty
// OK-NOT: {{.}}

// ... and fails, saying why, when an expected diagnostic is missing or an
// emitted one is unexpected. (verify-legal, not narrow-types, runs here.)
// RUN: not hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-verify-legal 2>&1 | filecheck %s --check-prefix=BAD
// BAD:      verify_diagnostics.mlir:[[# @LINE + 11]]:1: error: argument #0 of @main has element type i64 {{.*}} <-- unexpected
// BAD-NEXT: verify_diagnostics.mlir:[[# @LINE + 12]]:8: error: 'stablehlo.constant' result #0 has element type i64 {{.*}} <-- unexpected
// BAD-NEXT: verify_diagnostics.mlir:[[# @LINE + 10]]: error: expected error "value 4294967296 does not fit in i32" was not produced
// BAD-NOT:  error:

func.func @main(%arg0: tensor<4xi32>) -> tensor<4xi32> {
  return %arg0 : tensor<4xi32>
}

// -----

func.func @main(%arg0: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error@+1 {{value 4294967296 does not fit in i32}}
  %c = stablehlo.constant dense<4294967296> : tensor<4xi64>
  return %c : tensor<4xi64>
}

// -----

// A parse error can be expected too (here with @above).
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %undefined : tensor<4xf32>
  // expected-error@above {{use of undeclared SSA value name}}
}
