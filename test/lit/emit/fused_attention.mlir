// RUN: hlo-coreml-opt %s --split-input-file --emit=mil --target iOS18 | filecheck %s

// Attention composites: scaled_dot_product_attention exists from iOS18
// (CoreML8); hlo-coreml-raise-fused-ops only creates them for such targets.

// coreml.scaled_dot_product_attention -> scaled_dot_product_attention
// (query [B, L, E], key [B, S, E], value [B, S, Ev]).
// CHECK-LABEL: main[CoreML8](
// CHECK-SAME:    %[[Q:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[K:[A-Za-z0-9_]+]]: (2, 5, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[V:[A-Za-z0-9_]+]]: (2, 5, 6, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[O:[A-Za-z0-9_]+]]: (2, 3, 6, fp32)(Tensor) = scaled_dot_product_attention(query=%[[Q]], key=%[[K]], value=%[[V]], name=
// CHECK-NEXT:    } -> (%[[O]])
func.func @main(%q: tensor<2x3x4xf32>, %k: tensor<2x5x4xf32>, %v: tensor<2x5x6xf32>) -> tensor<2x3x6xf32> {
  %0 = stablehlo.composite "coreml.scaled_dot_product_attention" %q, %k, %v {decomposition = @impl} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>, tensor<2x5x6xf32>) -> tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}
func.func private @impl(%q: tensor<2x3x4xf32>, %k: tensor<2x5x4xf32>, %v: tensor<2x5x6xf32>) -> tensor<2x3x6xf32> {
  %0 = stablehlo.constant dense<0.0> : tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}

// -----

// With a bool mask (True = participates; it arrives as int32 and becomes
// bool) and a query_scale (the query is multiplied by it first).
// CHECK-LABEL: main[CoreML8](
// CHECK-SAME:    %[[Q:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[K:[A-Za-z0-9_]+]]: (2, 5, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[V:[A-Za-z0-9_]+]]: (2, 5, 6, fp32)(Tensor),
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (2, 3, 5, int32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[B:[A-Za-z0-9_]+]]: (2, 3, 5, bool)(Tensor) = not_equal(x=%[[M]], y=0,
// CHECK-NEXT:      %[[QS:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor) = mul(x=%[[Q]], y=2.5,
// CHECK-NEXT:      %[[O:[A-Za-z0-9_]+]]: (2, 3, 6, fp32)(Tensor) = scaled_dot_product_attention(query=%[[QS]], key=%[[K]], value=%[[V]], attn_mask=%[[B]],
// CHECK-NEXT:    } -> (%[[O]])
func.func @main(%q: tensor<2x3x4xf32>, %k: tensor<2x5x4xf32>, %v: tensor<2x5x6xf32>, %m: tensor<2x3x5xi1>) -> tensor<2x3x6xf32> {
  %0 = stablehlo.composite "coreml.scaled_dot_product_attention" %q, %k, %v, %m {composite_attributes = {query_scale = 2.5 : f32}, decomposition = @impl} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>, tensor<2x5x6xf32>, tensor<2x3x5xi1>) -> tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}
func.func private @impl(%q: tensor<2x3x4xf32>, %k: tensor<2x5x4xf32>, %v: tensor<2x5x6xf32>, %m: tensor<2x3x5xi1>) -> tensor<2x3x6xf32> {
  %0 = stablehlo.constant dense<0.0> : tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}
