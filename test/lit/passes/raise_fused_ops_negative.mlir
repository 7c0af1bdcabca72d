// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops=target=iOS18 | filecheck %s

// Near-misses: each differs from a fused op by one use, axis or constant,
// and must be left alone (or only its exactly matching part raised).

// The exponentials are also a result: the softmax subgraph is not closed.
// CHECK-LABEL: func.func @softmax_extra_use(
// CHECK-NOT:   stablehlo.composite
// CHECK:       stablehlo.exponential
// CHECK:       return
func.func @softmax_extra_use(%arg0: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = stablehlo.reduce(%arg0 init: %cst_0) applies stablehlo.maximum across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %2 = stablehlo.subtract %arg0, %1 : tensor<2x8xf32>
  %3 = stablehlo.exponential %2 : tensor<2x8xf32>
  %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %5 = stablehlo.broadcast_in_dim %4, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %6 = stablehlo.divide %3, %5 : tensor<2x8xf32>
  return %6, %3 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// The max is taken over another axis than the sum: not a softmax of x.
// What remains is exactly softmax(x - rowmax, axis 0), and only that part
// is raised; the row max stays.
// CHECK-LABEL: func.func @softmax_axis_mismatch(
// CHECK:       %[[M:.*]] = stablehlo.reduce(%arg0 {{.*}} applies stablehlo.maximum across dimensions = [1]
// CHECK:       %[[D:.*]] = stablehlo.subtract %arg0
// CHECK-NEXT:  %[[S:.*]] = stablehlo.composite "coreml.softmax" %[[D]] {composite_attributes = {axis = 0 : i64}
// CHECK-NEXT:  return %[[S]]
func.func @softmax_axis_mismatch(%arg0: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = stablehlo.reduce(%arg0 init: %cst_0) applies stablehlo.maximum across dimensions = [1] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %2 = stablehlo.subtract %arg0, %1 : tensor<4x8xf32>
  %3 = stablehlo.exponential %2 : tensor<4x8xf32>
  %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [0] : (tensor<4x8xf32>, tensor<f32>) -> tensor<8xf32>
  %5 = stablehlo.broadcast_in_dim %4, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %6 = stablehlo.divide %3, %5 : tensor<4x8xf32>
  return %6 : tensor<4x8xf32>
}

// -----

// The tanh GELU with 0.05 in place of 0.044715 is another function.
// CHECK-LABEL: func.func @gelu_wrong_constant(
// CHECK-NOT:   stablehlo.composite
// CHECK:       stablehlo.tanh
// CHECK:       return
func.func @gelu_wrong_constant(%arg0: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %cst = stablehlo.constant dense<5.000000e-01> : tensor<2x8xf32>
  %cst_0 = stablehlo.constant dense<1.000000e+00> : tensor<2x8xf32>
  %cst_1 = stablehlo.constant dense<0.797884583> : tensor<2x8xf32>
  %cst_2 = stablehlo.constant dense<5.000000e-02> : tensor<2x8xf32>
  %0 = stablehlo.multiply %arg0, %arg0 : tensor<2x8xf32>
  %1 = stablehlo.multiply %0, %arg0 : tensor<2x8xf32>
  %2 = stablehlo.multiply %cst_2, %1 : tensor<2x8xf32>
  %3 = stablehlo.add %arg0, %2 : tensor<2x8xf32>
  %4 = stablehlo.multiply %cst_1, %3 : tensor<2x8xf32>
  %5 = stablehlo.tanh %4 : tensor<2x8xf32>
  %6 = stablehlo.add %cst_0, %5 : tensor<2x8xf32>
  %7 = stablehlo.multiply %cst, %6 : tensor<2x8xf32>
  %8 = stablehlo.multiply %arg0, %7 : tensor<2x8xf32>
  return %8 : tensor<2x8xf32>
}

// -----

// (x - mean) / (sqrt(var) + eps): epsilon outside the square root is not
// layer_norm's.
// CHECK-LABEL: func.func @layer_norm_eps_outside_sqrt(
// CHECK-NOT:   stablehlo.composite
// CHECK:       stablehlo.sqrt
// CHECK:       return
func.func @layer_norm_eps_outside_sqrt(%arg0: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %n = stablehlo.constant dense<8.000000e+00> : tensor<2xf32>
  %eps = stablehlo.constant dense<1.000000e-05> : tensor<2x8xf32>
  %0 = stablehlo.reduce(%arg0 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %1 = stablehlo.divide %0, %n : tensor<2xf32>
  %2 = stablehlo.broadcast_in_dim %1, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %3 = stablehlo.subtract %arg0, %2 : tensor<2x8xf32>
  %4 = stablehlo.multiply %3, %3 : tensor<2x8xf32>
  %5 = stablehlo.reduce(%4 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %6 = stablehlo.divide %5, %n : tensor<2xf32>
  %7 = stablehlo.sqrt %6 : tensor<2xf32>
  %8 = stablehlo.broadcast_in_dim %7, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %9 = stablehlo.add %8, %eps : tensor<2x8xf32>
  %10 = stablehlo.divide %3, %9 : tensor<2x8xf32>
  return %10 : tensor<2x8xf32>
}

// -----

// The sigmoid is also a result: x * sigmoid(x) cannot become one silu, but
// the sigmoid itself is raised and both uses share it.
// CHECK-LABEL: func.func @silu_sigmoid_shared(
// CHECK:       %[[S:.*]] = stablehlo.composite "coreml.sigmoid" %arg0
// CHECK-NEXT:  %[[M:.*]] = stablehlo.multiply %arg0, %[[S]]
// CHECK-NEXT:  return %[[M]], %[[S]]
// CHECK-NOT:   coreml.silu
func.func @silu_sigmoid_shared(%arg0: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %cst = stablehlo.constant dense<1.000000e+00> : tensor<2x8xf32>
  %0 = stablehlo.negate %arg0 : tensor<2x8xf32>
  %1 = stablehlo.exponential %0 : tensor<2x8xf32>
  %2 = stablehlo.add %cst, %1 : tensor<2x8xf32>
  %3 = stablehlo.divide %cst, %2 : tensor<2x8xf32>
  %4 = stablehlo.multiply %arg0, %3 : tensor<2x8xf32>
  return %4, %3 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Attention whose probabilities are also a result: the softmax is raised,
// the attention is not.
// CHECK-LABEL: func.func @attention_probs_used(
// CHECK:       stablehlo.composite "coreml.softmax"
// CHECK-NOT:   coreml.scaled_dot_product_attention
// CHECK:       stablehlo.dot_general
// CHECK:       return
func.func @attention_probs_used(%q: tensor<2x3x4xf32>, %kt: tensor<2x4x3xf32>, %v: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x3xf32>) {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %s = stablehlo.dot_general %q, %kt, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  %0 = stablehlo.reduce(%s init: %cst_0) applies stablehlo.maximum across dimensions = [2] : (tensor<2x3x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3x3xf32>
  %2 = stablehlo.subtract %s, %1 : tensor<2x3x3xf32>
  %3 = stablehlo.exponential %2 : tensor<2x3x3xf32>
  %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [2] : (tensor<2x3x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = stablehlo.broadcast_in_dim %4, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3x3xf32>
  %p = stablehlo.divide %3, %5 : tensor<2x3x3xf32>
  %o = stablehlo.dot_general %p, %v, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x3xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %o, %p : tensor<2x3x4xf32>, tensor<2x3x3xf32>
}

// -----

// Unscaled attention (no 1/sqrt(E)) is raised with query_scale = sqrt(E),
// which the emitter applies to the query.
// CHECK-LABEL: func.func @attention_unscaled(
// CHECK:       %[[K:.*]] = stablehlo.transpose %arg1, dims = [0, 2, 1]
// CHECK-NEXT:  stablehlo.composite "coreml.scaled_dot_product_attention" %arg0, %[[K]], %arg2 {composite_attributes = {query_scale = 2.000000e+00 : f32}
func.func @attention_unscaled(%q: tensor<2x3x4xf32>, %kt: tensor<2x4x3xf32>, %v: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %s = stablehlo.dot_general %q, %kt, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  %0 = stablehlo.reduce(%s init: %cst_0) applies stablehlo.maximum across dimensions = [2] : (tensor<2x3x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3x3xf32>
  %2 = stablehlo.subtract %s, %1 : tensor<2x3x3xf32>
  %3 = stablehlo.exponential %2 : tensor<2x3x3xf32>
  %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [2] : (tensor<2x3x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = stablehlo.broadcast_in_dim %4, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3x3xf32>
  %p = stablehlo.divide %3, %5 : tensor<2x3x3xf32>
  %o = stablehlo.dot_general %p, %v, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x3xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %o : tensor<2x3x4xf32>
}

// -----

// A scale that varies along the rows (not the normalized axis) is no gamma:
// probing cuts the rows to 4, and a constant not uniform along a cut dim
// sends matching back to full size, so only the layer norm before the
// scale is raised (rows 0-3 alone would look like gamma = 1).
// CHECK-LABEL: func.func @layer_norm_row_scaled(
// CHECK-NEXT:    %[[S:.+]] = stablehlo.constant dense<{{\[\[}}1.000000e+00
// CHECK-NEXT:    %[[N:.+]] = stablehlo.composite "coreml.layer_norm" %arg0 {composite_attributes = {axes = array<i64: 1>, epsilon = 9.99999974E-6 : f32}
// CHECK-NEXT:    %[[R:.+]] = stablehlo.multiply %[[N]], %[[S]] : tensor<8x4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @layer_norm_row_scaled(%arg0: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %zero = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %quarter = stablehlo.constant dense<2.500000e-01> : tensor<8xf32>
  %eps = stablehlo.constant dense<9.99999974E-6> : tensor<8x1xf32>
  %scale = stablehlo.constant dense<[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<8x4xf32>
  %0 = stablehlo.reduce(%arg0 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<8x4xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = stablehlo.multiply %0, %quarter : tensor<8xf32>
  %2 = stablehlo.broadcast_in_dim %1, dims = [0] : (tensor<8xf32>) -> tensor<8x4xf32>
  %3 = stablehlo.subtract %arg0, %2 : tensor<8x4xf32>
  %4 = stablehlo.multiply %3, %3 : tensor<8x4xf32>
  %5 = stablehlo.reduce(%4 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<8x4xf32>, tensor<f32>) -> tensor<8xf32>
  %6 = stablehlo.multiply %5, %quarter : tensor<8xf32>
  %7 = stablehlo.broadcast_in_dim %6, dims = [0] : (tensor<8xf32>) -> tensor<8x1xf32>
  %8 = stablehlo.add %7, %eps : tensor<8x1xf32>
  %9 = stablehlo.rsqrt %8 : tensor<8x1xf32>
  %10 = stablehlo.broadcast_in_dim %9, dims = [0, 1] : (tensor<8x1xf32>) -> tensor<8x4xf32>
  %11 = stablehlo.multiply %3, %10 : tensor<8x4xf32>
  %12 = stablehlo.multiply %11, %scale : tensor<8x4xf32>
  return %12 : tensor<8x4xf32>
}
