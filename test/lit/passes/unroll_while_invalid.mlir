// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-unroll-while=max-unroll=8
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-unroll-while=max-unroll=8 2>&1 | filecheck %s --check-prefix=ERR

// A kept loop must be a Core ML while_loop, which cannot carry a dynamic
// shape; the error is at the loop and says why it was not unrolled. (A
// rank-6 carry is no error here: hlo-coreml-cap-rank carries it at rank 5.)
// ERR: unroll_while_invalid.mlir:[[# @LINE + 6]]:10: error: this loop cannot be converted: carried value #1 has dynamic shape tensor<?x2xf32>, and it cannot be unrolled: it runs 12 times, more than max-unroll=8 (raise max_unroll to unroll it)
func.func @too_long(%xs: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c12 = stablehlo.constant dense<12> : tensor<i32>
  // expected-error@+1 {{it runs 12 times, more than max-unroll=8}}
  %r:2 = stablehlo.while(%i = %c0, %ys = %xs) : tensor<i32>, tensor<?x2xf32>
    cond {
      %p = stablehlo.compare LT, %i, %c12, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %t = stablehlo.tanh %ys : tensor<?x2xf32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %t : tensor<i32>, tensor<?x2xf32>
    }
  return %r#1 : tensor<?x2xf32>
}
