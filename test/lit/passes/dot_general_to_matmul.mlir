// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-dot-general-to-matmul | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-dot-general-to-matmul=fuse-linear=false | filecheck %s --check-prefix=NOLINEAR

// Canonical form: lhs [B..., M, K] x rhs [B..., K, N], batch dims leading,
// one contracting dim (last on lhs, right after the batch dims on rhs).

// Already canonical: untouched.
// CHECK-LABEL: func.func @canonical_matmul(
// CHECK-SAME:    %[[A:.*]]: tensor<4x5xf32>, %[[B:.*]]: tensor<5x3xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0] : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @canonical_matmul(%a: tensor<4x5xf32>, %b: tensor<5x3xf32>) -> tensor<4x3xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Attention scores, bhqd,bhkd->bhqk: rhs contracted on its last dim gets one
// transpose; the two leading batch dims stay apart.
// CHECK-LABEL: func.func @rhs_contracting_last(
// CHECK-SAME:    %[[Q:.*]]: tensor<2x3x8x16xf32>, %[[K:.*]]: tensor<2x3x6x16xf32>)
// CHECK-NEXT:    %[[KT:.*]] = stablehlo.transpose %[[K]], dims = [0, 1, 3, 2] : (tensor<2x3x6x16xf32>) -> tensor<2x3x16x6xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[Q]], %[[KT]], batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x3x8x16xf32>, tensor<2x3x16x6xf32>) -> tensor<2x3x8x6xf32>
// CHECK-NEXT:    return %[[R]]
func.func @rhs_contracting_last(%q: tensor<2x3x8x16xf32>, %k: tensor<2x3x6x16xf32>) -> tensor<2x3x8x6xf32> {
  %0 = stablehlo.dot_general %q, %k, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [3] : (tensor<2x3x8x16xf32>, tensor<2x3x6x16xf32>) -> tensor<2x3x8x6xf32>
  return %0 : tensor<2x3x8x6xf32>
}

// -----

// bqhd,bkhd->bhqk: batch dims 0 and 2 move to the front, one transpose per side.
// CHECK-LABEL: func.func @batch_not_leading(
// CHECK-SAME:    %[[Q:.*]]: tensor<2x8x4x16xf32>, %[[K:.*]]: tensor<2x6x4x16xf32>)
// CHECK-NEXT:    %[[QT:.*]] = stablehlo.transpose %[[Q]], dims = [0, 2, 1, 3] : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK-NEXT:    %[[KT:.*]] = stablehlo.transpose %[[K]], dims = [0, 2, 3, 1] : (tensor<2x6x4x16xf32>) -> tensor<2x4x16x6xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[QT]], %[[KT]], batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x4x8x16xf32>, tensor<2x4x16x6xf32>) -> tensor<2x4x8x6xf32>
// CHECK-NEXT:    return %[[R]]
func.func @batch_not_leading(%q: tensor<2x8x4x16xf32>, %k: tensor<2x6x4x16xf32>) -> tensor<2x4x8x6xf32> {
  %0 = stablehlo.dot_general %q, %k, batching_dims = [0, 2] x [0, 2], contracting_dims = [3] x [3] : (tensor<2x8x4x16xf32>, tensor<2x6x4x16xf32>) -> tensor<2x4x8x6xf32>
  return %0 : tensor<2x4x8x6xf32>
}

// -----

// ijk,jkl->il: two contracting dims, already adjacent: one reshape per side.
// CHECK-LABEL: func.func @two_contracting(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3x4xf32>, %[[B:.*]]: tensor<3x4x5xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[B]] : (tensor<3x4x5xf32>) -> tensor<12x5xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], contracting_dims = [1] x [0] : (tensor<2x12xf32>, tensor<12x5xf32>) -> tensor<2x5xf32>
// CHECK-NEXT:    return %[[R]]
func.func @two_contracting(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<2x5xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1, 2] x [0, 1] : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// abcd,cd->ab: both sides collapse their contracting dims; the rhs becomes
// a vector ([M, K] x [K] is one MIL matmul) and the result is reshaped back.
// CHECK-LABEL: func.func @matrix_contracted_to_matrix(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3x4x5xf32>, %[[B:.*]]: tensor<4x5xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<2x3x4x5xf32>) -> tensor<6x20xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[B]] : (tensor<4x5xf32>) -> tensor<20xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], contracting_dims = [1] x [0] : (tensor<6x20xf32>, tensor<20xf32>) -> tensor<6xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.reshape %[[R]] : (tensor<6xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    return %[[R2]]
func.func @matrix_contracted_to_matrix(%a: tensor<2x3x4x5xf32>, %b: tensor<4x5xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [2, 3] x [0, 1] : (tensor<2x3x4x5xf32>, tensor<4x5xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// bij,jk->bik with no batch dims: the lhs keeps both free dims (MIL matmul
// broadcasts the 2-D rhs over them): canonical as it is.
// CHECK-LABEL: func.func @lhs_free_dims_kept(
// CHECK-SAME:    %[[X:.*]]: tensor<2x7x16xf32>, %[[W:.*]]: tensor<16x32xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[X]], %[[W]], contracting_dims = [2] x [0] : (tensor<2x7x16xf32>, tensor<16x32xf32>) -> tensor<2x7x32xf32>
// CHECK-NEXT:    return %[[R]]
func.func @lhs_free_dims_kept(%x: tensor<2x7x16xf32>, %w: tensor<16x32xf32>) -> tensor<2x7x32xf32> {
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [2] x [0] : (tensor<2x7x16xf32>, tensor<16x32xf32>) -> tensor<2x7x32xf32>
  return %0 : tensor<2x7x32xf32>
}

// -----

// With batch dims, two lhs free dims collapse into one M; a reshape that
// follows merges with ours (canonicalize does not merge reshapes here).
// CHECK-LABEL: func.func @batch_and_two_free(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3x4x5xf32>, %[[B:.*]]: tensor<2x5x6xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<2x3x4x5xf32>) -> tensor<2x12x5xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B]], batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x12x5xf32>, tensor<2x5x6xf32>) -> tensor<2x12x6xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.reshape %[[R]] : (tensor<2x12x6xf32>) -> tensor<6x4x6xf32>
// CHECK-NEXT:    return %[[R2]]
func.func @batch_and_two_free(%a: tensor<2x3x4x5xf32>, %b: tensor<2x5x6xf32>) -> tensor<6x4x6xf32> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [3] x [1] : (tensor<2x3x4x5xf32>, tensor<2x5x6xf32>) -> tensor<2x3x4x6xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x3x4x6xf32>) -> tensor<6x4x6xf32>
  return %1 : tensor<6x4x6xf32>
}

// -----

// Outer product i,j->ij: no contracting dims, so K = 1.
// CHECK-LABEL: func.func @outer_product(
// CHECK-SAME:    %[[A:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<3xf32>) -> tensor<3x1xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[B]] : (tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], contracting_dims = [1] x [0] : (tensor<3x1xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @outer_product(%a: tensor<3xf32>, %b: tensor<4xf32>) -> tensor<3x4xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [] x [] : (tensor<3xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Batch dims only (ab,ab->ab): one collapsed batch dim, unit M, K and N.
// CHECK-LABEL: func.func @batch_only(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<2x3xf32>) -> tensor<6x1x1xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[B]] : (tensor<2x3xf32>) -> tensor<6x1x1xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<6x1x1xf32>, tensor<6x1x1xf32>) -> tensor<6x1x1xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.reshape %[[R]] : (tensor<6x1x1xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    return %[[R2]]
func.func @batch_only(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0, 1] x [0, 1], contracting_dims = [] x [] : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// i,i->: [K] x [K] -> scalar is canonical (M, N and B absent).
// CHECK-LABEL: func.func @vector_dot(
// CHECK-SAME:    %[[A:.*]]: tensor<5xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [0] x [0] : (tensor<5xf32>, tensor<5xf32>) -> tensor<f32>
// CHECK-NEXT:    return %[[R]]
func.func @vector_dot(%a: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<f32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [0] x [0] : (tensor<5xf32>, tensor<5xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// ab,ab->: contracting dims only; lhs becomes a vector, rhs a [K, 1] matrix.
// CHECK-LABEL: func.func @contracting_only(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<2x3xf32>) -> tensor<6xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[B]] : (tensor<2x3xf32>) -> tensor<6x1xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], contracting_dims = [0] x [0] : (tensor<6xf32>, tensor<6x1xf32>) -> tensor<1xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.reshape %[[R]] : (tensor<1xf32>) -> tensor<f32>
// CHECK-NEXT:    return %[[R2]]
func.func @contracting_only(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<f32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [0, 1] x [0, 1] : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// ji,j->i: swapping the operands makes it canonical without a transpose
// (the result order is the same, since one side has no free dims).
// CHECK-LABEL: func.func @transposed_matrix_vector(
// CHECK-SAME:    %[[A:.*]]: tensor<5x3xf32>, %[[V:.*]]: tensor<5xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[V]], %[[A]], contracting_dims = [0] x [0] : (tensor<5xf32>, tensor<5x3xf32>) -> tensor<3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @transposed_matrix_vector(%a: tensor<5x3xf32>, %v: tensor<5xf32>) -> tensor<3xf32> {
  %0 = stablehlo.dot_general %a, %v, contracting_dims = [0] x [0] : (tensor<5x3xf32>, tensor<5xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// bi,bi->b: batched vectors are canonical ([B, K] x [B, K]).
// CHECK-LABEL: func.func @batched_vectors(
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %{{.*}}, %{{.*}}, batching_dims = [0] x [0], contracting_dims = [1] x [1] : (tensor<4x5xf32>, tensor<4x5xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @batched_vectors(%a: tensor<4x5xf32>, %b: tensor<4x5xf32>) -> tensor<4xf32> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [1] x [1] : (tensor<4x5xf32>, tensor<4x5xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Four batch dims and vector operands: canonical in form, but the emitter
// would need rank 6 ([B1..B4, 1, K]); the batch dims collapse instead.
// CHECK-LABEL: func.func @four_batch_dims(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3x4x5x6xf32>, %[[B:.*]]: tensor<2x3x4x5x6xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<2x3x4x5x6xf32>) -> tensor<120x1x6xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[B]] : (tensor<2x3x4x5x6xf32>) -> tensor<120x6x1xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<120x1x6xf32>, tensor<120x6x1xf32>) -> tensor<120x1x1xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.reshape %[[R]] : (tensor<120x1x1xf32>) -> tensor<2x3x4x5xf32>
// CHECK-NEXT:    return %[[R2]]
// CHECK-NOT:     tensor<{{([0-9]+x){6}}}
func.func @four_batch_dims(%a: tensor<2x3x4x5x6xf32>, %b: tensor<2x3x4x5x6xf32>) -> tensor<2x3x4x5xf32> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0, 1, 2, 3] x [0, 1, 2, 3], contracting_dims = [4] x [4] : (tensor<2x3x4x5x6xf32>, tensor<2x3x4x5x6xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// Two batch dims plus two contracting dims, scattered over both operands:
// one transpose and one reshape per side; the result needs nothing.
// CHECK-LABEL: func.func @two_batch_two_contracting(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3x4x5x3xf32>, %[[B:.*]]: tensor<5x4x2x3x2xf32>)
// CHECK-NEXT:    %[[AT:.*]] = stablehlo.transpose %[[A]], dims = [0, 2, 4, 1, 3] : (tensor<2x3x4x5x3xf32>) -> tensor<2x4x3x3x5xf32>
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[AT]] : (tensor<2x4x3x3x5xf32>) -> tensor<2x4x3x15xf32>
// CHECK-NEXT:    %[[BT:.*]] = stablehlo.transpose %[[B]], dims = [4, 1, 3, 0, 2] : (tensor<5x4x2x3x2xf32>) -> tensor<2x4x3x5x2xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[BT]] : (tensor<2x4x3x5x2xf32>) -> tensor<2x4x15x2xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x4x3x15xf32>, tensor<2x4x15x2xf32>) -> tensor<2x4x3x2xf32>
// CHECK-NEXT:    return %[[R]]
func.func @two_batch_two_contracting(%a: tensor<2x3x4x5x3xf32>, %b: tensor<5x4x2x3x2xf32>) -> tensor<2x4x3x2xf32> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0, 2] x [4, 1], contracting_dims = [1, 3] x [3, 0] : (tensor<2x3x4x5x3xf32>, tensor<5x4x2x3x2xf32>) -> tensor<2x4x3x2xf32>
  return %0 : tensor<2x4x3x2xf32>
}

// -----

// preferred_element_type (f16 x f16 -> f32) and the precision config stay.
// CHECK-LABEL: func.func @preferred_type(
// CHECK-SAME:    %[[A:.*]]: tensor<3x8xf16>, %[[B:.*]]: tensor<4x8xf16>)
// CHECK-NEXT:    %[[BT:.*]] = stablehlo.transpose %[[B]], dims = [1, 0] : (tensor<4x8xf16>) -> tensor<8x4xf16>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A]], %[[BT]], contracting_dims = [1] x [0], precision = [DEFAULT, HIGHEST] : (tensor<3x8xf16>, tensor<8x4xf16>) -> tensor<3x4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @preferred_type(%a: tensor<3x8xf16>, %b: tensor<4x8xf16>) -> tensor<3x4xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [1], precision = [DEFAULT, HIGHEST] : (tensor<3x8xf16>, tensor<4x8xf16>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// i32 operands; swapping them needs no operand transpose, only one on the
// result (the precision config swaps along).
// CHECK-LABEL: func.func @int32_swapped(
// CHECK-SAME:    %[[A:.*]]: tensor<2x5x4xi32>, %[[B:.*]]: tensor<2x3x5xi32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[B]], %[[A]], batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [HIGH, DEFAULT] : (tensor<2x3x5xi32>, tensor<2x5x4xi32>) -> tensor<2x3x4xi32>
// CHECK-NEXT:    %[[RT:.*]] = stablehlo.transpose %[[R]], dims = [0, 2, 1] : (tensor<2x3x4xi32>) -> tensor<2x4x3xi32>
// CHECK-NEXT:    return %[[RT]]
func.func @int32_swapped(%a: tensor<2x5x4xi32>, %b: tensor<2x3x5xi32>) -> tensor<2x4x3xi32> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [1] x [2], precision = [DEFAULT, HIGH] : (tensor<2x5x4xi32>, tensor<2x3x5xi32>) -> tensor<2x4x3xi32>
  return %0 : tensor<2x4x3xi32>
}

// -----

// A transpose of the result (jnp.einsum's "ijk,kl->lji") folds into the
// one result transpose the swapped canonical form needs.
// CHECK-LABEL: func.func @result_transpose_folded(
// CHECK-SAME:    %[[W:.*]]: tensor<4x5xf32>, %[[A:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A]], %[[W]], contracting_dims = [2] x [0] : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
// CHECK-NEXT:    %[[RT:.*]] = stablehlo.transpose %[[R]], dims = [2, 1, 0] : (tensor<2x3x5xf32>) -> tensor<5x3x2xf32>
// CHECK-NEXT:    return %[[RT]]
func.func @result_transpose_folded(%w: tensor<4x5xf32>, %a: tensor<2x3x4xf32>) -> tensor<5x3x2xf32> {
  %0 = stablehlo.dot_general %w, %a, contracting_dims = [0] x [2] : (tensor<4x5xf32>, tensor<2x3x4xf32>) -> tensor<5x2x3xf32>
  %1 = stablehlo.transpose %0, dims = [0, 2, 1] : (tensor<5x2x3xf32>) -> tensor<5x3x2xf32>
  return %1 : tensor<5x3x2xf32>
}

// -----

// A transpose producing an operand composes with the one the canonical
// form needs: here they cancel, and the operands swap.
// CHECK-LABEL: func.func @operand_transpose_cancels(
// CHECK-SAME:    %[[A:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<5x3xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[B]], %[[A]], contracting_dims = [1] x [0] : (tensor<5x3xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
// CHECK-NEXT:    %[[RT:.*]] = stablehlo.transpose %[[R]], dims = [1, 0] : (tensor<5x4xf32>) -> tensor<4x5xf32>
// CHECK-NEXT:    return %[[RT]]
func.func @operand_transpose_cancels(%a: tensor<3x4xf32>, %b: tensor<5x3xf32>) -> tensor<4x5xf32> {
  %at = stablehlo.transpose %a, dims = [1, 0] : (tensor<3x4xf32>) -> tensor<4x3xf32>
  %0 = stablehlo.dot_general %at, %b, contracting_dims = [1] x [1] : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// An operand reshape merges with the reshape that produced the operand.
// CHECK-LABEL: func.func @operand_reshapes_merge(
// CHECK-SAME:    %[[A:.*]]: tensor<2x12xf32>, %[[B:.*]]: tensor<12x5xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0] : (tensor<2x12xf32>, tensor<12x5xf32>) -> tensor<2x5xf32>
// CHECK-NEXT:    return %[[R]]
func.func @operand_reshapes_merge(%a: tensor<2x12xf32>, %b: tensor<12x5xf32>) -> tensor<2x5xf32> {
  %a3 = stablehlo.reshape %a : (tensor<2x12xf32>) -> tensor<2x3x4xf32>
  %b3 = stablehlo.reshape %b : (tensor<12x5xf32>) -> tensor<3x4x5xf32>
  %0 = stablehlo.dot_general %a3, %b3, contracting_dims = [1, 2] x [0, 1] : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// stablehlo.dot is a canonical dot_general.
// CHECK-LABEL: func.func @dot(
// CHECK-SAME:    %[[A:.*]]: tensor<4x5xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A]], %[[B]], contracting_dims = [1] x [0], precision = [HIGHEST, HIGHEST] : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
func.func @dot(%a: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<4xf32> {
  %0 = stablehlo.dot %a, %b, precision = [HIGHEST, HIGHEST] : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// einsum becomes a dot_general (here: collapse "jk", transpose to "li").
// CHECK-LABEL: func.func @einsum(
// CHECK-SAME:    %[[A:.*]]: tensor<3x4x5xf32>, %[[B:.*]]: tensor<5x4x6xf32>)
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.reshape %[[A]] : (tensor<3x4x5xf32>) -> tensor<3x20xf32>
// CHECK-NEXT:    %[[BT:.*]] = stablehlo.transpose %[[B]], dims = [1, 0, 2] : (tensor<5x4x6xf32>) -> tensor<4x5x6xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.reshape %[[BT]] : (tensor<4x5x6xf32>) -> tensor<20x6xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[A2]], %[[B2]], contracting_dims = [1] x [0] : (tensor<3x20xf32>, tensor<20x6xf32>) -> tensor<3x6xf32>
// CHECK-NEXT:    %[[RT:.*]] = stablehlo.transpose %[[R]], dims = [1, 0] : (tensor<3x6xf32>) -> tensor<6x3xf32>
// CHECK-NEXT:    return %[[RT]]
func.func @einsum(%a: tensor<3x4x5xf32>, %b: tensor<5x4x6xf32>) -> tensor<6x3xf32> {
  %0 = "stablehlo.einsum"(%a, %b) {einsum_config = "ijk,kjl->li"} : (tensor<3x4x5xf32>, tensor<5x4x6xf32>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

// A label only one operand has and the output lacks is summed first.
// CHECK-LABEL: func.func @einsum_summed_label(
// CHECK-SAME:    %[[A:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<4x6xf32>)
// CHECK-NEXT:    %[[Z:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.reduce(%[[A]] init: %[[Z]]) applies stablehlo.add across dimensions = [0] : (tensor<3x4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[S]], %[[B]], contracting_dims = [0] x [0] : (tensor<4xf32>, tensor<4x6xf32>) -> tensor<6xf32>
// CHECK-NEXT:    return %[[R]]
func.func @einsum_summed_label(%a: tensor<3x4xf32>, %b: tensor<4x6xf32>) -> tensor<6xf32> {
  %0 = "stablehlo.einsum"(%a, %b) {einsum_config = "ij,jk->k"} : (tensor<3x4xf32>, tensor<4x6xf32>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// CHECK-LABEL: func.func @unary_einsum(
// CHECK-SAME:    %[[A:.*]]: tensor<3x4x5xi32>)
// CHECK-NEXT:    %[[Z:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.reduce(%[[A]] init: %[[Z]]) applies stablehlo.add across dimensions = [1] : (tensor<3x4x5xi32>, tensor<i32>) -> tensor<3x5xi32>
// CHECK-NEXT:    %[[T:.*]] = stablehlo.transpose %[[S]], dims = [1, 0] : (tensor<3x5xi32>) -> tensor<5x3xi32>
// CHECK-NEXT:    return %[[T]]
func.func @unary_einsum(%a: tensor<3x4x5xi32>) -> tensor<5x3xi32> {
  %0 = "stablehlo.unary_einsum"(%a) {einsum_config = "ijk->ki"} : (tensor<3x4x5xi32>) -> tensor<5x3xi32>
  return %0 : tensor<5x3xi32>
}

// -----

// Diagonals (a label twice in one operand) are left for verify-legal to report.
// CHECK-LABEL: func.func @einsum_diagonal_left_alone(
// CHECK-NEXT:    stablehlo.einsum %{{.*}}, %{{.*}}, config = "ii,i->i"
func.func @einsum_diagonal_left_alone(%a: tensor<3x3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  %0 = "stablehlo.einsum"(%a, %b) {einsum_config = "ii,i->i"} : (tensor<3x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Dynamic shapes: only the static side is reshaped if needed; here the
// rhs is transposed (more in dot_general_to_matmul_dynamic.mlir).
// CHECK-LABEL: func.func @dynamic_rhs_transposed(
// CHECK-NEXT:    %[[T:.+]] = stablehlo.transpose %arg1, dims = [1, 0] : (tensor<3x5xf32>) -> tensor<5x3xf32>
// CHECK-NEXT:    stablehlo.dot_general %arg0, %[[T]], contracting_dims = [1] x [0] : (tensor<?x5xf32>, tensor<5x3xf32>) -> tensor<?x3xf32>
func.func @dynamic_rhs_transposed(%a: tensor<?x5xf32>, %b: tensor<3x5xf32>) -> tensor<?x3xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [1] : (tensor<?x5xf32>, tensor<3x5xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Linear layers. x @ W + b with a constant W and a constant bias broadcast
// along the last dim: one hlo_coreml.linear composite; W is kept as it is.
// CHECK-LABEL: func.func @linear_bias(
// CHECK-SAME:    %[[X:.*]]: tensor<8x16xf32>)
// CHECK-NEXT:    %[[W:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<16x4xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.composite "hlo_coreml.linear" %[[X]], %[[W]], %[[B]] {composite_attributes = {weight_contracting_dimension = 0 : i64}, decomposition = @[[IMPL:.*]]} : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT:    return %[[R]]
// CHECK:       func.func private @[[IMPL]](%[[X2:.*]]: tensor<8x16xf32>, %[[W2:.*]]: tensor<16x4xf32>, %[[B2:.*]]: tensor<4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT:    %[[D:.*]] = stablehlo.dot_general %[[X2]], %[[W2]], contracting_dims = [1] x [0] : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT:    %[[BB:.*]] = stablehlo.broadcast_in_dim %[[B2]], dims = [1] : (tensor<4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[D]], %[[BB]] : tensor<8x4xf32>
// CHECK-NEXT:    return %[[S]]
// NOLINEAR-LABEL: func.func @linear_bias(
// NOLINEAR:         stablehlo.dot_general
// NOLINEAR:         stablehlo.add
// NOLINEAR-NOT:     hlo_coreml.linear
func.func @linear_bias(%x: tensor<8x16xf32>) -> tensor<8x4xf32> {
  %w = stablehlo.constant dense<0.5> : tensor<16x4xf32>
  %b = stablehlo.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0] : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %1 = stablehlo.broadcast_in_dim %b, dims = [1] : (tensor<4xf32>) -> tensor<1x4xf32>
  %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1] : (tensor<1x4xf32>) -> tensor<8x4xf32>
  %3 = stablehlo.add %0, %2 : tensor<8x4xf32>
  return %3 : tensor<8x4xf32>
}

// -----

// x @ W.T (W [out, in], PyTorch's layout) on rank-3 x, bias on the left of
// the add and reshaped: W itself goes into the composite, no transpose.
// CHECK-LABEL: func.func @linear_transposed_weight(
// CHECK-SAME:    %[[X:.*]]: tensor<2x7x16xf32>)
// CHECK-DAG:     %[[W:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<4x16xf32>
// CHECK-DAG:     %[[B:.*]] = stablehlo.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK:         %[[R:.*]] = stablehlo.composite "hlo_coreml.linear" %[[X]], %[[W]], %[[B]] {composite_attributes = {weight_contracting_dimension = 1 : i64}, decomposition = @[[IMPL:.*]]} : (tensor<2x7x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<2x7x4xf32>
// CHECK-NEXT:    return %[[R]]
// CHECK:       func.func private @[[IMPL]](%[[X2:.*]]: tensor<2x7x16xf32>, %[[W2:.*]]: tensor<4x16xf32>, %[[B2:.*]]: tensor<4xf32>) -> tensor<2x7x4xf32>
// CHECK-NEXT:    %[[WT:.*]] = stablehlo.transpose %[[W2]], dims = [1, 0] : (tensor<4x16xf32>) -> tensor<16x4xf32>
// CHECK-NEXT:    stablehlo.dot_general %[[X2]], %[[WT]], contracting_dims = [2] x [0] : (tensor<2x7x16xf32>, tensor<16x4xf32>) -> tensor<2x7x4xf32>
func.func @linear_transposed_weight(%x: tensor<2x7x16xf32>) -> tensor<2x7x4xf32> {
  %w = stablehlo.constant dense<0.5> : tensor<4x16xf32>
  %b = stablehlo.constant dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>
  %t = stablehlo.transpose %w, dims = [1, 0] : (tensor<4x16xf32>) -> tensor<16x4xf32>
  %0 = stablehlo.dot_general %x, %t, contracting_dims = [2] x [0] : (tensor<2x7x16xf32>, tensor<16x4xf32>) -> tensor<2x7x4xf32>
  %1 = stablehlo.reshape %b : (tensor<1x1x4xf32>) -> tensor<4xf32>
  %2 = stablehlo.broadcast_in_dim %1, dims = [2] : (tensor<4xf32>) -> tensor<2x7x4xf32>
  %3 = stablehlo.add %2, %0 : tensor<2x7x4xf32>
  return %3 : tensor<2x7x4xf32>
}

// -----

// Without a bias; two layers of the same shape share one decomposition.
// CHECK-LABEL: func.func @linear_no_bias(
// CHECK-SAME:    %[[X:.*]]: tensor<16xf32>)
// CHECK-NEXT:    %[[W:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<4x16xf32>
// CHECK-NEXT:    %[[W1:.*]] = stablehlo.constant dense<2.500000e-01> : tensor<4x16xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.composite "hlo_coreml.linear" %[[X]], %[[W]] {composite_attributes = {weight_contracting_dimension = 1 : i64}, decomposition = @[[IMPL:.*]]} : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[R1:.*]] = stablehlo.composite "hlo_coreml.linear" %[[X]], %[[W1]] {composite_attributes = {weight_contracting_dimension = 1 : i64}, decomposition = @[[IMPL]]} : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[R]], %[[R1]]
// CHECK:       func.func private @[[IMPL]](
// CHECK-NOT:   func.func private
func.func @linear_no_bias(%x: tensor<16xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %w = stablehlo.constant dense<0.5> : tensor<4x16xf32>
  %w1 = stablehlo.constant dense<0.25> : tensor<4x16xf32>
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [0] x [1] : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4xf32>
  %1 = stablehlo.dot_general %x, %w1, contracting_dims = [0] x [1] : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// A constant added to x @ W that varies along the rows is not a bias.
// CHECK-LABEL: func.func @bias_varies_along_rows(
// CHECK:         %[[R:.*]] = stablehlo.composite "hlo_coreml.linear" %{{.*}}, %{{.*}} {
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[R]], %{{.*}} : tensor<2x4xf32>
// CHECK-NEXT:    return %[[S]]
func.func @bias_varies_along_rows(%x: tensor<2x16xf32>) -> tensor<2x4xf32> {
  %w = stablehlo.constant dense<0.5> : tensor<16x4xf32>
  %b = stablehlo.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<2x4xf32>
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0] : (tensor<2x16xf32>, tensor<16x4xf32>) -> tensor<2x4xf32>
  %1 = stablehlo.add %0, %b : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// A dot_general whose result has another user keeps its add.
// CHECK-LABEL: func.func @linear_result_used_twice(
// CHECK:         %[[R:.*]] = stablehlo.composite "hlo_coreml.linear" %{{.*}}, %{{.*}} {
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[R]], %{{.*}} : tensor<2x4xf32>
// CHECK-NEXT:    return %[[S]], %[[R]]
func.func @linear_result_used_twice(%x: tensor<2x16xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %w = stablehlo.constant dense<0.5> : tensor<16x4xf32>
  %b = stablehlo.constant dense<1.0> : tensor<2x4xf32>
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [1] x [0] : (tensor<2x16xf32>, tensor<16x4xf32>) -> tensor<2x4xf32>
  %1 = stablehlo.add %0, %b : tensor<2x4xf32>
  return %1, %0 : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// A constant weight whose x is not contracted on its last dim: x is
// transposed first, then the (now canonical) x . W is a linear layer.
// CHECK-LABEL: func.func @constant_weight_x_transposed(
// CHECK-SAME:    %[[X:.*]]: tensor<16x8xf32>)
// CHECK-NEXT:    %[[W:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<16x4xf32>
// CHECK-NEXT:    %[[XT:.*]] = stablehlo.transpose %[[X]], dims = [1, 0] : (tensor<16x8xf32>) -> tensor<8x16xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.composite "hlo_coreml.linear" %[[XT]], %[[W]] {composite_attributes = {weight_contracting_dimension = 0 : i64}, decomposition = @{{.*}}} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT:    return %[[R]]
// NOLINEAR-LABEL: func.func @constant_weight_x_transposed(
// NOLINEAR:         %[[W:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<16x4xf32>
// NOLINEAR-NEXT:    %[[XT:.*]] = stablehlo.transpose %{{.*}}, dims = [1, 0] : (tensor<16x8xf32>) -> tensor<8x16xf32>
// NOLINEAR-NEXT:    %[[R:.*]] = stablehlo.dot_general %[[XT]], %[[W]], contracting_dims = [1] x [0] : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
// NOLINEAR-NEXT:    return %[[R]]
func.func @constant_weight_x_transposed(%x: tensor<16x8xf32>) -> tensor<8x4xf32> {
  %w = stablehlo.constant dense<0.5> : tensor<16x4xf32>
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [0] x [0] : (tensor<16x8xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
