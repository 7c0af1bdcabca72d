// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-pipeline | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-pipeline | filecheck %s --check-prefix=NOT-LEFT
// RUN: hlo-coreml-opt %s --split-input-file --pass-pipeline='builtin.module(hlo-coreml-legalize-pipeline)' | filecheck %s

// A module as jax.export writes it (x64 enabled): a private helper called
// from main, CHLO ops, i64 values and JAX's argument/result attributes.
//
// After the pipeline: the call is inlined and the helper gone; chlo.asinh and
// chlo.broadcast_multiply are legalized to StableHLO; chlo.erf is kept as a
// composite (MIL has `erf`) with its decomposition; i64 is now i32; the JAX
// attributes are still there for the emitter's input/output names.

// CHECK-LABEL: func.func public @main(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32> {jax.arg_info = "x", mhlo.sharding = "{replicated}"},
// CHECK-SAME:    %[[IDX:.*]]: tensor<3xi32> {jax.arg_info = "idx"})
// CHECK-SAME:    -> (tensor<2x3xf32> {jax.result_info = "result[0]"}, tensor<3xi32> {jax.result_info = "result[1]"})
// CHECK-DAG:     %[[TWO:.*]] = stablehlo.constant dense<2> : tensor<3xi32>
// CHECK-DAG:     %[[SQRT1_2:.*]] = stablehlo.constant dense<0.707106769> : tensor<2x3xf32>
// CHECK:         %[[SCALED:.*]] = stablehlo.multiply %[[X]], %[[SQRT1_2]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[ERF:.*]] = stablehlo.composite "chlo.erf" %[[SCALED]] {decomposition = @chlo.erf.impl} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[GELU:.*]] = stablehlo.multiply %[[X]], %[[ERF]] : tensor<2x3xf32>
// asinh(x) = sign(x) * log1p(|x| + x^2 / (1 + sqrt(1 + x^2))), log(2|x|) for huge |x|
// (MIL has no asinh; chlo.sinh, which MIL has, would be kept as a composite)
// CHECK:         stablehlo.sign %[[GELU]]
// CHECK:         stablehlo.log_plus_one
// CHECK:         stablehlo.select
// CHECK-NEXT:    %[[ASINH:.*]] = stablehlo.multiply
// CHECK-NEXT:    %[[PROD:.*]] = stablehlo.multiply %[[IDX]], %[[TWO]] : tensor<3xi32>
// CHECK-NEXT:    return %[[ASINH]], %[[PROD]] : tensor<2x3xf32>, tensor<3xi32>
// CHECK-NEXT:  }
// The decomposition stays as erf's reference semantics, itself legalized.
// CHECK-NEXT:  func.func private @chlo.erf.impl(%{{.*}}: tensor<2x3xf32>) -> tensor<2x3xf32> {
// CHECK:         stablehlo.clamp
// CHECK-NOT:   func.func

// Nothing of this is left anywhere in the output (both cases):
// NOT-LEFT-NOT: i64
// NOT-LEFT-NOT: f64
// NOT-LEFT-NOT: = chlo.
// NOT-LEFT-NOT: call
// NOT-LEFT-NOT: @gelu
// NOT-LEFT-NOT: @act
module @jit_model attributes {jax.uses_shape_polymorphism = false, mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x3xf32> {jax.arg_info = "x", mhlo.sharding = "{replicated}"}, %arg1: tensor<3xi64> {jax.arg_info = "idx"}) -> (tensor<2x3xf32> {jax.result_info = "result[0]"}, tensor<3xi64> {jax.result_info = "result[1]"}) {
    %0 = call @gelu(%arg0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %1 = chlo.asinh %0 : tensor<2x3xf32> -> tensor<2x3xf32>
    %c = stablehlo.constant dense<2> : tensor<i64>
    %2 = chlo.broadcast_multiply %arg1, %c : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
    return %1, %2 : tensor<2x3xf32>, tensor<3xi64>
  }
  func.func private @gelu(%arg0: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %cst = stablehlo.constant dense<0.707106769> : tensor<2x3xf32>
    %0 = stablehlo.multiply %arg0, %cst : tensor<2x3xf32>
    %1 = chlo.erf %0 : tensor<2x3xf32> -> tensor<2x3xf32>
    %2 = stablehlo.multiply %arg0, %1 : tensor<2x3xf32>
    return %2 : tensor<2x3xf32>
  }
}

// -----

// f64 (x64 JAX without an explicit dtype) through the whole pipeline: the
// composite of chlo.erf and its decomposition are narrowed as well; CSE
// merges the two identical calls after inlining.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[E:.*]] = stablehlo.composite "chlo.erf" %[[A]] {decomposition = @chlo.erf.impl} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[T:.*]] = stablehlo.tanh %[[E]] : tensor<4xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[T]], %[[T]] : tensor<4xf32>
// CHECK-NEXT:    return %[[S]] : tensor<4xf32>
// CHECK:       func.func private @chlo.erf.impl(%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
func.func @main(%arg0: tensor<4xf64>) -> tensor<4xf64> {
  %0 = chlo.erf %arg0 : tensor<4xf64> -> tensor<4xf64>
  %1 = func.call @act(%0) : (tensor<4xf64>) -> tensor<4xf64>
  %2 = func.call @act(%0) : (tensor<4xf64>) -> tensor<4xf64>
  %3 = stablehlo.add %1, %2 : tensor<4xf64>
  return %3 : tensor<4xf64>
}
func.func private @act(%arg0: tensor<4xf64>) -> tensor<4xf64> {
  %0 = stablehlo.tanh %arg0 : tensor<4xf64>
  return %0 : tensor<4xf64>
}
