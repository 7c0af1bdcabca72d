// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// The coreml.* composites hlo-coreml-raise-fused-ops creates (or
// jax.lax.composite under the same names), one fused MIL op each. The
// decompositions are never emitted. Attention (iOS18+) is in
// fused_attention.mlir.

// coreml.softmax -> softmax on its axis; coreml.log_softmax -> x minus
// reduce_log_sum_exp over the axis (keep_dims for the broadcast).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 3, 8, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[S:[A-Za-z0-9_]+]]: (2, 3, 8, fp32)(Tensor) = softmax(x=%[[X]], axis=2,
// CHECK-NEXT:      %[[L:[A-Za-z0-9_]+]]: (2, 1, 8, fp32)(Tensor) = reduce_log_sum_exp(x=%[[S]], axes=[1], keep_dims=True,
// CHECK-NEXT:      %[[OUT:[A-Za-z0-9_]+]]: (2, 3, 8, fp32)(Tensor) = sub(x=%[[S]], y=%[[L]],
// CHECK-NEXT:    } -> (%[[OUT]])
func.func @main(%arg0: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %0 = stablehlo.composite "coreml.softmax" %arg0 {composite_attributes = {axis = 2 : i64}, decomposition = @impl} : (tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %1 = stablehlo.composite "coreml.log_softmax" %0 {composite_attributes = {axis = 1 : i64}, decomposition = @impl} : (tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %1 : tensor<2x3x8xf32>
}
func.func private @impl(%arg0: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  return %arg0 : tensor<2x3x8xf32>
}

// -----

// coreml.layer_norm -> layer_norm with the axes, epsilon and the gamma /
// beta constants; without them, none are passed.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[N:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor) = layer_norm(x=%[[X]], axes=[2], gamma=[1.0, 1.125, 1.25, 1.375], beta=[0.0, 0.125, 0.25, 0.375], epsilon=9.99999997{{[0-9]*}}e-07,
// CHECK-NEXT:      %[[OUT:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor) = layer_norm(x=%[[N]], axes=[1, 2], epsilon=9.9999997{{[0-9]*}}e-06, name=
// CHECK-NEXT:    } -> (%[[OUT]])
func.func @main(%arg0: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = stablehlo.composite "coreml.layer_norm" %arg0 {composite_attributes = {axes = array<i64: 2>, beta = dense<[0.0, 0.125, 0.25, 0.375]> : tensor<4xf32>, epsilon = 9.99999997E-7 : f32, gamma = dense<[1.0, 1.125, 1.25, 1.375]> : tensor<4xf32>}, decomposition = @impl} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %1 = stablehlo.composite "coreml.layer_norm" %0 {composite_attributes = {axes = array<i64: 1, 2>, epsilon = 1.0E-5 : f32}, decomposition = @impl} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}
func.func private @impl(%arg0: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  return %arg0 : tensor<2x3x4xf32>
}

// -----

// coreml.rms_norm over n = 4 elements: x * rsqrt(sum(x^2) + n * eps) *
// (sqrt(n) * gamma) = 2 * 1.5; coreml.l2_norm: x * rsqrt(sum(x^2) + eps).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[SS:[A-Za-z0-9_]+]]: (2, 3, 1, fp32)(Tensor) = reduce_sum_square(x=%[[X]], axes=[2], keep_dims=True,
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (2, 3, 1, fp32)(Tensor) = rsqrt(x=%[[SS]], epsilon=3.99999998{{[0-9]*}}e-06,
// CHECK-NEXT:      %[[M:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor) = mul(x=%[[X]], y=%[[R]],
// CHECK-NEXT:      %[[G:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor) = mul(x=%[[M]], y=[{{\[}}[3.0, 3.0, 3.0, 3.0]{{\]}}],
// CHECK-NEXT:      %[[SS2:[A-Za-z0-9_]+]]: (2, 3, 1, fp32)(Tensor) = reduce_sum_square(x=%[[G]], axes=[2], keep_dims=True,
// CHECK-NEXT:      %[[R2:[A-Za-z0-9_]+]]: (2, 3, 1, fp32)(Tensor) = rsqrt(x=%[[SS2]], epsilon=0.0,
// CHECK-NEXT:      %[[OUT:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor) = mul(x=%[[G]], y=%[[R2]],
// CHECK-NEXT:    } -> (%[[OUT]])
func.func @main(%arg0: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = stablehlo.composite "coreml.rms_norm" %arg0 {composite_attributes = {axes = array<i64: 2>, epsilon = 1.0E-6 : f32, gamma = dense<1.5> : tensor<4xf32>}, decomposition = @impl} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %1 = stablehlo.composite "coreml.l2_norm" %0 {composite_attributes = {axes = array<i64: 2>, epsilon = 0.0 : f32}, decomposition = @impl} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}
func.func private @impl(%arg0: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  return %arg0 : tensor<2x3x4xf32>
}

// -----

// gelu (EXACT / TANH_APPROXIMATION), silu, sigmoid, each one MIL op; on
// fp16 tensors every op and constant stays fp16 (layer_norm's epsilon is
// 1e-5 rounded to fp16).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 8, fp16)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[G1:[A-Za-z0-9_]+]]: (2, 8, fp16)(Tensor) = gelu(x=%[[X]], mode="EXACT",
// CHECK-NEXT:      %[[G2:[A-Za-z0-9_]+]]: (2, 8, fp16)(Tensor) = gelu(x=%[[G1]], mode="TANH_APPROXIMATION",
// CHECK-NEXT:      %[[S:[A-Za-z0-9_]+]]: (2, 8, fp16)(Tensor) = silu(x=%[[G2]],
// CHECK-NEXT:      %[[SG:[A-Za-z0-9_]+]]: (2, 8, fp16)(Tensor) = sigmoid(x=%[[S]],
// CHECK-NEXT:      %[[OUT:[A-Za-z0-9_]+]]: (2, 8, fp16)(Tensor) = layer_norm(x=%[[SG]], axes=[1], epsilon=1.0013580322265625e-05,
// CHECK-NEXT:    } -> (%[[OUT]])
func.func @main(%arg0: tensor<2x8xf16>) -> tensor<2x8xf16> {
  %0 = stablehlo.composite "coreml.gelu" %arg0 {composite_attributes = {approximate = "none"}, decomposition = @impl} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  %1 = stablehlo.composite "coreml.gelu" %0 {composite_attributes = {approximate = "tanh"}, decomposition = @impl} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  %2 = stablehlo.composite "coreml.silu" %1 {decomposition = @impl} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  %3 = stablehlo.composite "coreml.sigmoid" %2 {decomposition = @impl} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  %4 = stablehlo.composite "coreml.layer_norm" %3 {composite_attributes = {axes = array<i64: 1>, epsilon = 1.0E-5 : f32}, decomposition = @impl} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  return %4 : tensor<2x8xf16>
}
func.func private @impl(%arg0: tensor<2x8xf16>) -> tensor<2x8xf16> {
  return %arg0 : tensor<2x8xf16>
}
