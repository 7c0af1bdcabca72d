// RUN: not hlo-coreml-opt %s --emit=mil --target iOS17 2>&1 | filecheck %s

// scaled_dot_product_attention has no MIL op before iOS18: the emitter
// refuses the composite at its location instead of failing inside
// coremltools (the full pipeline inlines it first: hlo-coreml-raise-fused-ops).
// CHECK: fused_attention_invalid.mlir:[[# @LINE + 2]]:8: error: 'stablehlo.composite' "coreml.scaled_dot_product_attention" needs minimum_deployment_target iOS18 or newer (the target is iOS17)
func.func @main(%q: tensor<2x3x4xf32>, %k: tensor<2x5x4xf32>, %v: tensor<2x5x6xf32>) -> tensor<2x3x6xf32> {
  %0 = stablehlo.composite "coreml.scaled_dot_product_attention" %q, %k, %v {decomposition = @impl} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>, tensor<2x5x6xf32>) -> tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}
func.func private @impl(%q: tensor<2x3x4xf32>, %k: tensor<2x5x4xf32>, %v: tensor<2x5x6xf32>) -> tensor<2x3x6xf32> {
  %0 = stablehlo.constant dense<0.0> : tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}
