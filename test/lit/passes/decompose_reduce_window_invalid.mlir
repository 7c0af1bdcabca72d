// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-decompose-reduce-window --hlo-coreml-verify-legal
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-reduce-window --hlo-coreml-verify-legal 2>&1 | filecheck %s --check-prefix=ERR

// What hlo-coreml-decompose-reduce-window leaves alone, as verify-legal reports it.

// A body of several ops on a padded window that is not cumulative (a
// windowed logsumexp with SAME padding): padding would need the body's
// identity, which is not known.
// ERR: decompose_reduce_window_invalid.mlir:[[# @LINE + 4]]:8: error: 'stablehlo.reduce_window' with a body that is not one binary op of its two arguments is supported only for cumulative windows (lax.cumlogsumexp) and windows without padding or base dilation, with an elementwise body; hlo-coreml handles add, multiply, maximum, minimum, and, or, xor bodies on any window
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  // expected-error@+1 {{'stablehlo.reduce_window' with a body that is not one binary op of its two arguments is supported only for cumulative windows}}
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[1, 0]]> : tensor<1x2xi64>, window_dimensions = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    %d = stablehlo.subtract %a, %b : tensor<f32>
    %e = stablehlo.exponential %d : tensor<f32>
    %s = stablehlo.add %m, %e : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Two operands (a window over (value, index) pairs).
// ERR: decompose_reduce_window_invalid.mlir:[[# @LINE + 5]]:10: error: 'stablehlo.reduce_window' with 2 operands is not supported: only single-operand windows map onto MIL (pooling, cumsum) or are decomposed; compute each operand's window separately
func.func @main(%x: tensor<4xf32>, %y: tensor<4xi32>) -> (tensor<3xf32>, tensor<3xi32>) {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %zero = stablehlo.constant dense<0> : tensor<i32>
  // expected-error@+1 {{'stablehlo.reduce_window' with 2 operands is not supported}}
  %0:2 = "stablehlo.reduce_window"(%x, %y, %init, %zero) <{window_dimensions = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %i: tensor<i32>, %b: tensor<f32>, %j: tensor<i32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    %n = stablehlo.add %i, %j : tensor<i32>
    stablehlo.return %m, %n : tensor<f32>, tensor<i32>
  }) : (tensor<4xf32>, tensor<4xi32>, tensor<f32>, tensor<i32>) -> (tensor<3xf32>, tensor<3xi32>)
  return %0#0, %0#1 : tensor<3xf32>, tensor<3xi32>
}

