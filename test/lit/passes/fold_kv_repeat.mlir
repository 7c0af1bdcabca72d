// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-fold-kv-repeat | filecheck %s

// GQA as jnp.repeat(k, 2, axis=1) exports it (broadcast_in_dim inserting the
// group dim after the heads, reshape merging them), then converted to the
// canonical [B*H, L, E] attention by the earlier passes: the attention reads
// the 2 K/V heads, the 4 query heads become 2 x 2 query rows, and so does
// the mask.

// CHECK-LABEL: func.func @sdpa_repeat(
// CHECK-SAME:    %[[Q:.+]]: tensor<4x1x16xf32>, %[[K:.+]]: tensor<1x2x64x16xf32>, %[[V:.+]]: tensor<1x2x64x16xf32>, %[[M:.+]]: tensor<4x1x64xi1>
// CHECK-NOT:   stablehlo.broadcast_in_dim
// CHECK-DAG:   %[[Q2:.+]] = stablehlo.reshape %[[Q]] : (tensor<4x1x16xf32>) -> tensor<2x2x16xf32>
// CHECK-DAG:   %[[K2:.+]] = stablehlo.reshape %[[K]] : (tensor<1x2x64x16xf32>) -> tensor<2x64x16xf32>
// CHECK-DAG:   %[[V2:.+]] = stablehlo.reshape %[[V]] : (tensor<1x2x64x16xf32>) -> tensor<2x64x16xf32>
// CHECK-DAG:   %[[M2:.+]] = stablehlo.reshape %[[M]] : (tensor<4x1x64xi1>) -> tensor<2x2x64xi1>
// CHECK:       %[[O:.+]] = stablehlo.composite "coreml.scaled_dot_product_attention" %[[Q2]], %[[K2]], %[[V2]], %[[M2]] {composite_attributes = {query_scale = 2.000000e+00 : f32}, decomposition = @[[IMPL:.+]]} : (tensor<2x2x16xf32>, tensor<2x64x16xf32>, tensor<2x64x16xf32>, tensor<2x2x64xi1>) -> tensor<2x2x16xf32>
// CHECK:       %[[R:.+]] = stablehlo.reshape %[[O]] : (tensor<2x2x16xf32>) -> tensor<4x1x16xf32>
// CHECK:       return %[[R]]
// CHECK-NOT:   func.func private @coreml.scaled_dot_product_attention.impl(
// CHECK:       func.func private @[[IMPL]](%{{.+}}: tensor<2x2x16xf32>, %{{.+}}: tensor<2x64x16xf32>, %{{.+}}: tensor<2x64x16xf32>, %{{.+}}: tensor<2x2x64xi1>) -> tensor<2x2x16xf32>
// CHECK:       stablehlo.select
// CHECK-NOT:   func.func private @coreml.scaled_dot_product_attention.impl(
func.func @sdpa_repeat(%q: tensor<4x1x16xf32>, %k0: tensor<1x2x64x16xf32>, %v0: tensor<1x2x64x16xf32>, %m: tensor<4x1x64xi1>) -> tensor<4x1x16xf32> {
  %kb = stablehlo.broadcast_in_dim %k0, dims = [0, 1, 3, 4] : (tensor<1x2x64x16xf32>) -> tensor<1x2x2x64x16xf32>
  %kr = stablehlo.reshape %kb : (tensor<1x2x2x64x16xf32>) -> tensor<1x4x64x16xf32>
  %k = stablehlo.reshape %kr : (tensor<1x4x64x16xf32>) -> tensor<4x64x16xf32>
  %vb = stablehlo.broadcast_in_dim %v0, dims = [0, 1, 3, 4] : (tensor<1x2x64x16xf32>) -> tensor<1x2x2x64x16xf32>
  %vr = stablehlo.reshape %vb : (tensor<1x2x2x64x16xf32>) -> tensor<1x4x64x16xf32>
  %v = stablehlo.reshape %vr : (tensor<1x4x64x16xf32>) -> tensor<4x64x16xf32>
  %0 = stablehlo.composite "coreml.scaled_dot_product_attention" %q, %k, %v, %m {composite_attributes = {query_scale = 2.000000e+00 : f32}, decomposition = @coreml.scaled_dot_product_attention.impl} : (tensor<4x1x16xf32>, tensor<4x64x16xf32>, tensor<4x64x16xf32>, tensor<4x1x64xi1>) -> tensor<4x1x16xf32>
  return %0 : tensor<4x1x16xf32>
}
func.func private @coreml.scaled_dot_product_attention.impl(%q: tensor<4x1x16xf32>, %k: tensor<4x64x16xf32>, %v: tensor<4x64x16xf32>, %m: tensor<4x1x64xi1>) -> tensor<4x1x16xf32> {
  return %q : tensor<4x1x16xf32>
}

// -----

// The key of the canonical form comes through transposes, a reshape that
// merges the unit batch dim into the heads, and the fp16 -> fp32 convert of
// the cache: each is replayed on the 2-head cache. Value without a mask.

// CHECK-LABEL: func.func @sdpa_repeat_through_layout(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x4x8x16xf32>, %[[K:.+]]: tensor<1x2x64x16xf16>
// CHECK:       %[[KC:.+]] = stablehlo.convert %[[K]] : (tensor<1x2x64x16xf16>) -> tensor<1x2x64x16xf32>
// CHECK:       %[[KT:.+]] = stablehlo.transpose %[[KC]], dims = [0, 1, 3, 2] : (tensor<1x2x64x16xf32>) -> tensor<1x2x16x64xf32>
// CHECK:       %[[KR:.+]] = stablehlo.reshape %[[KT]] : (tensor<1x2x16x64xf32>) -> tensor<2x16x64xf32>
// CHECK:       %[[KT2:.+]] = stablehlo.transpose %[[KR]], dims = [0, 2, 1] : (tensor<2x16x64xf32>) -> tensor<2x64x16xf32>
// CHECK:       stablehlo.composite "coreml.scaled_dot_product_attention" %{{.+}}, %[[KT2]], %{{.+}} {decomposition = @{{.+}}} : (tensor<2x16x16xf32>, tensor<2x64x16xf32>, tensor<2x64x16xf32>) -> tensor<2x16x16xf32>
// CHECK-NOT:   stablehlo.broadcast_in_dim
// CHECK:       return
func.func @sdpa_repeat_through_layout(%q4: tensor<1x4x8x16xf32>, %k0: tensor<1x2x64x16xf16>, %v0: tensor<1x2x64x16xf32>) -> tensor<4x8x16xf32> {
  %kb = stablehlo.broadcast_in_dim %k0, dims = [0, 1, 3, 4] : (tensor<1x2x64x16xf16>) -> tensor<1x2x2x64x16xf16>
  %kr = stablehlo.reshape %kb : (tensor<1x2x2x64x16xf16>) -> tensor<1x4x64x16xf16>
  %kc = stablehlo.convert %kr : (tensor<1x4x64x16xf16>) -> tensor<1x4x64x16xf32>
  %kt = stablehlo.transpose %kc, dims = [0, 1, 3, 2] : (tensor<1x4x64x16xf32>) -> tensor<1x4x16x64xf32>
  %k3 = stablehlo.reshape %kt : (tensor<1x4x16x64xf32>) -> tensor<4x16x64xf32>
  %k = stablehlo.transpose %k3, dims = [0, 2, 1] : (tensor<4x16x64xf32>) -> tensor<4x64x16xf32>
  %vb = stablehlo.broadcast_in_dim %v0, dims = [0, 1, 3, 4] : (tensor<1x2x64x16xf32>) -> tensor<1x2x2x64x16xf32>
  %vr = stablehlo.reshape %vb : (tensor<1x2x2x64x16xf32>) -> tensor<4x64x16xf32>
  %q = stablehlo.reshape %q4 : (tensor<1x4x8x16xf32>) -> tensor<4x8x16xf32>
  %0 = stablehlo.composite "coreml.scaled_dot_product_attention" %q, %k, %vr {decomposition = @coreml.scaled_dot_product_attention.impl} : (tensor<4x8x16xf32>, tensor<4x64x16xf32>, tensor<4x64x16xf32>) -> tensor<4x8x16xf32>
  return %0 : tensor<4x8x16xf32>
}
func.func private @coreml.scaled_dot_product_attention.impl(%q: tensor<4x8x16xf32>, %k: tensor<4x64x16xf32>, %v: tensor<4x64x16xf32>) -> tensor<4x8x16xf32> {
  return %q : tensor<4x8x16xf32>
}

// -----

// Attention below iOS18 (two canonical matmuls): q k^T with the repeated
// key transposed, then p v. Multi-query attention: one K/V head broadcast
// to the 4 query heads (a size-1 dim widened).

// CHECK-LABEL: func.func @matmul_mqa(
// CHECK-SAME:    %[[Q:.+]]: tensor<4x8x16xf32>, %[[K:.+]]: tensor<1x16x64xf32>, %[[P:.+]]: tensor<4x8x64xf32>, %[[V:.+]]: tensor<1x64x16xf32>
// CHECK-NOT:   stablehlo.broadcast_in_dim
// CHECK:       %[[Q2:.+]] = stablehlo.reshape %[[Q]] : (tensor<4x8x16xf32>) -> tensor<1x32x16xf32>
// CHECK:       %[[S:.+]] = stablehlo.dot_general %[[Q2]], %[[K]], batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [HIGHEST, HIGHEST] : (tensor<1x32x16xf32>, tensor<1x16x64xf32>) -> tensor<1x32x64xf32>
// CHECK:       stablehlo.reshape %[[S]] : (tensor<1x32x64xf32>) -> tensor<4x8x64xf32>
// CHECK:       %[[P2:.+]] = stablehlo.reshape %[[P]] : (tensor<4x8x64xf32>) -> tensor<1x32x64xf32>
// CHECK:       %[[O:.+]] = stablehlo.dot_general %[[P2]], %[[V]], batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<1x32x64xf32>, tensor<1x64x16xf32>) -> tensor<1x32x16xf32>
// CHECK:       stablehlo.reshape %[[O]] : (tensor<1x32x16xf32>) -> tensor<4x8x16xf32>
func.func @matmul_mqa(%q: tensor<4x8x16xf32>, %k0: tensor<1x16x64xf32>, %p: tensor<4x8x64xf32>, %v0: tensor<1x64x16xf32>) -> (tensor<4x8x64xf32>, tensor<4x8x16xf32>) {
  %k = stablehlo.broadcast_in_dim %k0, dims = [0, 1, 2] : (tensor<1x16x64xf32>) -> tensor<4x16x64xf32>
  %s = stablehlo.dot_general %q, %k, batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [HIGHEST, HIGHEST] : (tensor<4x8x16xf32>, tensor<4x16x64xf32>) -> tensor<4x8x64xf32>
  %v = stablehlo.broadcast_in_dim %v0, dims = [0, 1, 2] : (tensor<1x64x16xf32>) -> tensor<4x64x16xf32>
  %o = stablehlo.dot_general %p, %v, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<4x8x64xf32>, tensor<4x64x16xf32>) -> tensor<4x8x16xf32>
  return %s, %o : tensor<4x8x64xf32>, tensor<4x8x16xf32>
}

// -----

// Two batch dims [B, H]: the heads are the last one, the batch stays.

// CHECK-LABEL: func.func @matmul_two_batch_dims(
// CHECK:       stablehlo.reshape %{{.+}} : (tensor<2x4x3x16xf32>) -> tensor<2x2x6x16xf32>
// CHECK:       stablehlo.dot_general %{{.+}}, %arg1, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x2x6x16xf32>, tensor<2x2x16x5xf32>) -> tensor<2x2x6x5xf32>
// CHECK:       stablehlo.reshape %{{.+}} : (tensor<2x2x6x5xf32>) -> tensor<2x4x3x5xf32>
func.func @matmul_two_batch_dims(%x: tensor<2x4x3x16xf32>, %y0: tensor<2x2x16x5xf32>) -> tensor<2x4x3x5xf32> {
  %b = stablehlo.broadcast_in_dim %y0, dims = [0, 1, 3, 4] : (tensor<2x2x16x5xf32>) -> tensor<2x2x2x16x5xf32>
  %y = stablehlo.reshape %b : (tensor<2x2x2x16x5xf32>) -> tensor<2x4x16x5xf32>
  %0 = stablehlo.dot_general %x, %y, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x4x3x16xf32>, tensor<2x4x16x5xf32>) -> tensor<2x4x3x5xf32>
  return %0 : tensor<2x4x3x5xf32>
}

// -----

// Left alone: the repeat is on the first of two batch dims (not the
// heads next to the rows), a tile (jnp.tile: the group dim inserted before
// the heads, so head h reads K/V head h mod 2), and a repeated lhs.

// CHECK-LABEL: func.func @not_folded(
// CHECK:       stablehlo.broadcast_in_dim
// CHECK:       stablehlo.dot_general %arg0, %{{.+}}, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<4x2x3x16xf32>, tensor<4x2x16x5xf32>) -> tensor<4x2x3x5xf32>
// CHECK:       stablehlo.broadcast_in_dim
// CHECK:       stablehlo.dot_general %arg2, %{{.+}}, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<4x3x16xf32>, tensor<4x16x5xf32>) -> tensor<4x3x5xf32>
// CHECK:       stablehlo.broadcast_in_dim
// CHECK:       stablehlo.dot_general %{{.+}}, %arg3, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<4x3x16xf32>, tensor<4x16x5xf32>) -> tensor<4x3x5xf32>
// CHECK-NOT:   stablehlo.dot_general
func.func @not_folded(%x: tensor<4x2x3x16xf32>, %y0: tensor<2x2x16x5xf32>, %a: tensor<4x3x16xf32>, %b: tensor<4x16x5xf32>, %t0: tensor<2x16x5xf32>, %l0: tensor<2x3x16xf32>) -> (tensor<4x2x3x5xf32>, tensor<4x3x5xf32>, tensor<4x3x5xf32>) {
  %yb = stablehlo.broadcast_in_dim %y0, dims = [0, 2, 3, 4] : (tensor<2x2x16x5xf32>) -> tensor<2x2x2x16x5xf32>
  %y = stablehlo.reshape %yb : (tensor<2x2x2x16x5xf32>) -> tensor<4x2x16x5xf32>
  %0 = stablehlo.dot_general %x, %y, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<4x2x3x16xf32>, tensor<4x2x16x5xf32>) -> tensor<4x2x3x5xf32>
  %tb = stablehlo.broadcast_in_dim %t0, dims = [1, 2, 3] : (tensor<2x16x5xf32>) -> tensor<2x2x16x5xf32>
  %t = stablehlo.reshape %tb : (tensor<2x2x16x5xf32>) -> tensor<4x16x5xf32>
  %1 = stablehlo.dot_general %a, %t, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<4x3x16xf32>, tensor<4x16x5xf32>) -> tensor<4x3x5xf32>
  %lb = stablehlo.broadcast_in_dim %l0, dims = [0, 2, 3] : (tensor<2x3x16xf32>) -> tensor<2x2x3x16xf32>
  %l = stablehlo.reshape %lb : (tensor<2x2x3x16xf32>) -> tensor<4x3x16xf32>
  %2 = stablehlo.dot_general %l, %b, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<4x3x16xf32>, tensor<4x16x5xf32>) -> tensor<4x3x5xf32>
  return %0, %1, %2 : tensor<4x2x3x5xf32>, tensor<4x3x5xf32>, tensor<4x3x5xf32>
}
