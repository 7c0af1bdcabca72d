// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-unroll-while=max-unroll=8
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-unroll-while=max-unroll=8 2>&1 | filecheck %s --check-prefix=ERR

// A kept loop must be a Core ML while_loop, which cannot carry rank 6; the
// error is at the loop and says why it was not unrolled.
// ERR: unroll_while_invalid.mlir:[[# @LINE + 6]]:10: error: this loop cannot be converted: it carries a rank-6 value (#1, tensor<12x1x1x1x2x2xf32>) from one iteration to the next (Core ML supports rank <= 5), and it cannot be unrolled: it runs 12 times, more than max-unroll=8 (raise max_unroll to unroll it)
func.func @too_long(%xs: tensor<12x1x1x1x2x2xf32>) -> tensor<12x1x1x1x2x2xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c12 = stablehlo.constant dense<12> : tensor<i32>
  // expected-error@+1 {{it runs 12 times, more than max-unroll=8}}
  %r:2 = stablehlo.while(%i = %c0, %ys = %xs) : tensor<i32>, tensor<12x1x1x1x2x2xf32>
    cond {
      %p = stablehlo.compare LT, %i, %c12, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %t = stablehlo.tanh %ys : tensor<12x1x1x1x2x2xf32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %t : tensor<i32>, tensor<12x1x1x1x2x2xf32>
    }
  return %r#1 : tensor<12x1x1x1x2x2xf32>
}

// -----

// ERR: unroll_while_invalid.mlir:[[# @LINE + 4]]:8: error: this loop cannot be converted: it carries a rank-6 value (#0, tensor<1x1x1x1x2x2xf32>) from one iteration to the next (Core ML supports rank <= 5), and it cannot be unrolled: its trip count is not static
func.func @data_dependent(%x: tensor<1x1x1x1x2x2xf32>, %limit: tensor<f32>) -> tensor<1x1x1x1x2x2xf32> {
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  // expected-error@+1 {{its trip count is not static}}
  %r = stablehlo.while(%a = %x) : tensor<1x1x1x1x2x2xf32>
    cond {
      %s = stablehlo.reduce(%a init: %zero) applies stablehlo.add across dimensions = [0, 1, 2, 3, 4, 5] : (tensor<1x1x1x1x2x2xf32>, tensor<f32>) -> tensor<f32>
      %p = stablehlo.compare LT, %s, %limit, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %a1 = stablehlo.add %a, %a : tensor<1x1x1x1x2x2xf32>
      stablehlo.return %a1 : tensor<1x1x1x1x2x2xf32>
    }
  return %r : tensor<1x1x1x1x2x2xf32>
}
