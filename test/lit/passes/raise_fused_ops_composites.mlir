// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops=target=iOS18 | filecheck %s --check-prefix=IOS18
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops=enable=false | filecheck %s --check-prefix=OFF

// coreml.* composites that JAX emits itself (jax.lax.composite) are kept
// when the emitter takes them at the target, and replaced by their
// decomposition otherwise (an op newer than the target, or attributes the
// emitter does not accept) — also with raising off.

// CHECK-LABEL: func.func @jax_gelu(
// CHECK-NEXT:  stablehlo.composite "coreml.gelu" %arg0 {composite_attributes = {approximate = "tanh"}
// OFF-LABEL:   func.func @jax_gelu(
// OFF-NEXT:    stablehlo.composite "coreml.gelu"
func.func @jax_gelu(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.composite "coreml.gelu" %arg0 {composite_attributes = {approximate = "tanh"}, decomposition = @gelu_impl} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @gelu_impl(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.tanh %arg0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// No axis attribute: the emitter cannot take it, the body is inlined.
// CHECK-LABEL: func.func @jax_softmax_without_axis(
// CHECK-NOT:   stablehlo.composite
// CHECK:       stablehlo.exponential %arg0
func.func @jax_softmax_without_axis(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.composite "coreml.softmax" %arg0 {decomposition = @softmax_impl} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @softmax_impl(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.exponential %arg0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Attention below iOS18 is inlined; from iOS18 on it is kept.
// CHECK-LABEL: func.func @jax_attention(
// CHECK-NOT:   stablehlo.composite
// CHECK:       stablehlo.add %arg0, %arg1
// IOS18-LABEL: func.func @jax_attention(
// IOS18-NEXT:  stablehlo.composite "coreml.scaled_dot_product_attention" %arg0, %arg1, %arg2
// OFF-LABEL:   func.func @jax_attention(
// OFF-NOT:     stablehlo.composite
func.func @jax_attention(%q: tensor<1x2x4xf32>, %k: tensor<1x2x4xf32>, %v: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  %0 = stablehlo.composite "coreml.scaled_dot_product_attention" %q, %k, %v {decomposition = @attention_impl} : (tensor<1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}
func.func private @attention_impl(%q: tensor<1x2x4xf32>, %k: tensor<1x2x4xf32>, %v: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  %0 = stablehlo.add %q, %k : tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}
