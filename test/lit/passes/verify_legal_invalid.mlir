// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-verify-legal
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-verify-legal 2>&1 | filecheck %s --check-prefix=ERR

// An op without an emitter entry is named, at its own location.
// ERR: verify_legal_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.custom_call' with target 'my_kernel' is not supported by Core ML
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'stablehlo.custom_call' with target 'my_kernel' is not supported by Core ML}}
  %0 = stablehlo.custom_call @my_kernel(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Rank 6: both the argument and the op producing a rank-6 value.
// ERR: verify_legal_invalid.mlir:[[# @LINE + 2]]:1: error: argument #0 of @main has rank 6 (tensor<1x2x3x4x5x6xf32>); Core ML supports tensors of rank <= 5
// expected-error@+1 {{argument #0 of @main has rank 6}}
func.func @main(%arg0: tensor<1x2x3x4x5x6xf32>) -> tensor<1x2x3x4x5x6xf32> {
  // expected-error@+1 {{'stablehlo.add' result #0 has rank 6}}
  %0 = stablehlo.add %arg0, %arg0 : tensor<1x2x3x4x5x6xf32>
  return %0 : tensor<1x2x3x4x5x6xf32>
}

// -----

// A rank-6 intermediate between rank-5 values.
func.func @main(%arg0: tensor<2x3x4x5x6xf32>) -> tensor<2x3x4x5x6xf32> {
  // expected-error@+1 {{'stablehlo.reshape' result #0 has rank 6 (tensor<1x2x3x4x5x6xf32>); Core ML supports tensors of rank <= 5}}
  %0 = stablehlo.reshape %arg0 : (tensor<2x3x4x5x6xf32>) -> tensor<1x2x3x4x5x6xf32>
  // expected-error@+1 {{'stablehlo.reshape' operand #0 has rank 6}}
  %1 = stablehlo.reshape %0 : (tensor<1x2x3x4x5x6xf32>) -> tensor<2x3x4x5x6xf32>
  return %1 : tensor<2x3x4x5x6xf32>
}

// -----

// Dynamic (?) dims: allowed on the allow-list (abs), refused elsewhere with a
// hint to specialize; the argument itself is fine (a flexible input).
// ERR: verify_legal_invalid.mlir:[[# @LINE + 5]]:8: error: 'stablehlo.reverse' has a dynamic dimension (tensor<?x4xf32>); hlo-coreml handles dynamic dimensions only in
// ERR-SAME: Specialize the input shapes (specialize={name: shape}, --specialize NAME=SHAPE) or export with static shapes
func.func @main(%arg0: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = stablehlo.abs %arg0 : tensor<?x4xf32>
  // expected-error@+1 {{'stablehlo.reverse' has a dynamic dimension (tensor<?x4xf32>); hlo-coreml handles dynamic dimensions only in}}
  %1 = stablehlo.reverse %0, dims = [0] : tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// ERR: verify_legal_invalid.mlir:[[# @LINE + 2]]:1: error: argument #0 of @main has element type complex<f32> (tensor<4xcomplex<f32>>); Core ML has no complex types
// expected-error@+1 {{argument #0 of @main has element type complex<f32>}}
func.func @main(%arg0: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  // expected-error@+1 {{'stablehlo.add' result #0 has element type complex<f32> (tensor<4xcomplex<f32>>); Core ML has no complex types}}
  %0 = stablehlo.add %arg0, %arg0 : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// A complex constant is caught at the constant, and its (emittable) user
// at the complex operand.
func.func @main(%arg0: tensor<2xf32>) -> tensor<2xi1> {
  // expected-error@+1 {{'stablehlo.constant' result #0 has element type complex<f32>}}
  %c = stablehlo.constant dense<(1.0, 2.0)> : tensor<2xcomplex<f32>>
  // expected-error@+1 {{'stablehlo.compare' operand #0 has element type complex<f32>}}
  %0 = stablehlo.compare EQ, %c, %c : (tensor<2xcomplex<f32>>, tensor<2xcomplex<f32>>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

// i64 left over (hlo-coreml-narrow-types did not run): the hint says so.
// ERR: verify_legal_invalid.mlir:[[# @LINE + 2]]:1: error: argument #0 of @main has element type i64 (tensor<4xi64>); Core ML has no 64-bit types (run hlo-coreml-narrow-types)
// expected-error@+1 {{argument #0 of @main has element type i64}}
func.func @main(%arg0: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error@+1 {{'stablehlo.add' result #0 has element type i64 (tensor<4xi64>); Core ML has no 64-bit types (run hlo-coreml-narrow-types)}}
  %0 = stablehlo.add %arg0, %arg0 : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// f64 and unsigned types are refused too.
// expected-error@+2 {{argument #0 of @main has element type f64}}
// expected-error@+1 {{argument #1 of @main has element type ui32 (tensor<4xui32>); Core ML computes in f16, f32, i32 and bool only}}
func.func @main(%arg0: tensor<4xf64>, %arg1: tensor<4xui32>) -> tensor<4xui32> {
  // expected-error@+1 {{'stablehlo.convert' result #0 has element type ui32 (tensor<4xui32>); Core ML computes in f16, f32, i32 and bool only}}
  %0 = stablehlo.convert %arg0 : (tensor<4xf64>) -> tensor<4xui32>
  return %0 : tensor<4xui32>
}

// -----

// dot_general that is not a batched matmul (two contracting dims).
// ERR: verify_legal_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.dot_general' is not in {{.*}}batched-matmul form
func.func @main(%arg0: tensor<2x3x4xf32>, %arg1: tensor<3x4x5xf32>) -> tensor<2x5xf32> {
  // expected-error@+1 {{batched-matmul form}}
  %0 = stablehlo.dot_general %arg0, %arg1, contracting_dims = [1, 2] x [0, 1] : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// dot_general with two free dims on the rhs.
func.func @main(%arg0: tensor<2x4xf32>, %arg1: tensor<4x3x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error@+1 {{batched-matmul form}}
  %0 = stablehlo.dot_general %arg0, %arg1, contracting_dims = [1] x [0] : (tensor<2x4xf32>, tensor<4x3x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// dot_general whose batch dims are not leading.
func.func @main(%arg0: tensor<2x8x3xf32>, %arg1: tensor<8x3x4xf32>) -> tensor<8x2x4xf32> {
  // expected-error@+1 {{batched-matmul form}}
  %0 = stablehlo.dot_general %arg0, %arg1, batching_dims = [1] x [0], contracting_dims = [2] x [1] : (tensor<2x8x3xf32>, tensor<8x3x4xf32>) -> tensor<8x2x4xf32>
  return %0 : tensor<8x2x4xf32>
}

// -----

// Several errors in one function are all reported, in order; refused ops
// say why (the reasons of hlo_coreml/emit/refused.py). The cholesky is one
// the pipeline would unroll (hlo-coreml-decompose-linalg); run alone,
// verify-legal refuses it with the limit.
// ERR: verify_legal_invalid.mlir:[[# @LINE + 6]]:8: error: 'stablehlo.cholesky' is not supported by Core ML: it has no Core ML counterpart (no matrix factorizations in MIL); hlo-coreml-decompose-linalg unrolls it only for static f16/f32/complex matrices of order n <= 32
// ERR-NEXT: verify_legal_invalid.mlir:[[# @LINE + 8]]:8: error: 'stablehlo.map' is not supported by Core ML: it applies a body hlo-coreml-inline-map cannot inline
// ERR-NEXT: verify_legal_invalid.mlir:[[# @LINE + 14]]:8: error: 'stablehlo.custom_call' with target 'my_kernel' is not supported by Core ML
// ERR-NEXT: verify_legal_invalid.mlir:[[# @LINE + 15]]:8: error: 'stablehlo.replica_id' is not supported by Core ML: it is a multi-device (collective) op
func.func @main(%arg0: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{'stablehlo.cholesky' is not supported by Core ML}}
  %0 = "stablehlo.cholesky"(%arg0) {lower = true} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %1 = stablehlo.add %0, %0 : tensor<4x4xf32>
  // expected-error@+1 {{'stablehlo.map' is not supported by Core ML}}
  %2 = "stablehlo.map"(%1) ({
  ^bb0(%a: tensor<f32>):
    %z = stablehlo.constant dense<0.0> : tensor<f32>
    %r = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [] : (tensor<f32>, tensor<f32>) -> tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) {dimensions = array<i64: 0, 1>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-error@+1 {{'stablehlo.custom_call' with target 'my_kernel' is not supported by Core ML}}
  %3 = stablehlo.custom_call @my_kernel(%2, %1) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-error@+1 {{'stablehlo.replica_id' is not supported by Core ML}}
  %4 = "stablehlo.replica_id"() : () -> tensor<ui32>
  return %3 : tensor<4x4xf32>
}

// -----

// An emitter check refuses this instance of a supported op: a reduce whose
// body is not a single MIL reduction (here a sum of squares).
func.func @main(%arg0: tensor<4x5xf32>) -> tensor<4xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  // expected-error@+1 {{'stablehlo.reduce' with body}}
  %0 = stablehlo.reduce(%arg0 init: %c) across dimensions = [1] : (tensor<4x5xf32>, tensor<f32>) -> tensor<4xf32>
   reducer(%a: tensor<f32>, %b: tensor<f32>)  {
    %sq = stablehlo.multiply %b, %b : tensor<f32>
    %s = stablehlo.add %a, %sq : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }
  return %0 : tensor<4xf32>
}

// -----

// A composite without a MIL counterpart (hlo-coreml-inline-composites did not run).
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'stablehlo.composite' named 'my.gelu' has no MIL counterpart}}
  %0 = stablehlo.composite "my.gelu" %arg0 {decomposition = @my.gelu.impl} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @my.gelu.impl(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}

// -----

// A function other than main is left over, and the call to it too.
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'func.call' is not supported by Core ML}}
  %0 = call @helper(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// ERR: verify_legal_invalid.mlir:[[# @LINE + 2]]:1: error: function '@helper' remains after inlining; Core ML models have one function
// expected-error@+1 {{function '@helper' remains after inlining}}
func.func private @helper(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}

// -----

// A public function next to main, never called.
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}
// expected-error@+1 {{function '@other' remains after inlining}}
func.func @other(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}

// -----

// No main at all: the error is on the module.
// ERR: verify_legal_invalid.mlir:[[# @LINE + 2]]:1: error: no function named 'main': Core ML models have one entry point, @main
// expected-error@+1 {{no function named 'main'}}
module {
  func.func @forward(%arg0: tensor<4xf32>) -> tensor<4xf32> {
    return %arg0 : tensor<4xf32>
  }
}

// -----

// main only declared.
// expected-error@+1 {{@main is only declared; it needs a body}}
func.func private @main(%arg0: tensor<4xf32>) -> tensor<4xf32>

// -----

// cumprod has no single MIL op; without hlo-coreml-decompose-reduce-window
// it is refused with a pointer to that pass.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %init = stablehlo.constant dense<1.0> : tensor<f32>
  // expected-error@+1 {{'stablehlo.reduce_window' as a cumulative reduction with body 'stablehlo.multiply' has no single MIL op; hlo-coreml-decompose-reduce-window rewrites it into pad, slice and elementwise ops}}
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[3, 0]]> : tensor<1x2xi64>, window_dimensions = array<i64: 4>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.multiply %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
