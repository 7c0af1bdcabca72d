// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-dot-general-to-matmul | filecheck %s

// Dynamic (?) dims of a flexible input: the pass plans as for static shapes
// but only transposes a side with a ? dim (a static reshape cannot express
// it), so batch-like ? dims and a contraction over a ? dim work; a layout
// that needs a reshape of such a side is left for verify-legal to report.

// Attention scores bhqd,bhkd->bhqk with a flexible batch: k is transposed.
// CHECK-LABEL: func.func @attention_scores
// CHECK-SAME:    (%[[Q:.+]]: tensor<?x2x6x8xf32>, %[[K:.+]]: tensor<?x2x6x8xf32>)
// CHECK:         %[[KT:.+]] = stablehlo.transpose %[[K]], dims = [0, 1, 3, 2] : (tensor<?x2x6x8xf32>) -> tensor<?x2x8x6xf32>
// CHECK-NEXT:    stablehlo.dot_general %[[Q]], %[[KT]], batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<?x2x6x8xf32>, tensor<?x2x8x6xf32>) -> tensor<?x2x6x6xf32>
// CHECK-NOT:     stablehlo.reshape
func.func @attention_scores(%q: tensor<?x2x6x8xf32>, %k: tensor<?x2x6x8xf32>) -> tensor<?x2x6x6xf32> {
  %0 = stablehlo.dot_general %q, %k, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [3] : (tensor<?x2x6x8xf32>, tensor<?x2x6x8xf32>) -> tensor<?x2x6x6xf32>
  return %0 : tensor<?x2x6x6xf32>
}

// -----

// bqhd,bkhd->bhqk (heads in the middle): both sides transposed.
// CHECK-LABEL: func.func @heads_in_middle
// CHECK-SAME:    (%[[Q:.+]]: tensor<?x6x2x8xf32>, %[[K:.+]]: tensor<?x6x2x8xf32>)
// CHECK:         %[[QT:.+]] = stablehlo.transpose %[[Q]], dims = [0, 2, 1, 3] : (tensor<?x6x2x8xf32>) -> tensor<?x2x6x8xf32>
// CHECK-NEXT:    %[[KT:.+]] = stablehlo.transpose %[[K]], dims = [0, 2, 3, 1] : (tensor<?x6x2x8xf32>) -> tensor<?x2x8x6xf32>
// CHECK-NEXT:    stablehlo.dot_general %[[QT]], %[[KT]], batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<?x2x6x8xf32>, tensor<?x2x8x6xf32>) -> tensor<?x2x6x6xf32>
func.func @heads_in_middle(%q: tensor<?x6x2x8xf32>, %k: tensor<?x6x2x8xf32>) -> tensor<?x2x6x6xf32> {
  %0 = stablehlo.dot_general %q, %k, batching_dims = [0, 2] x [0, 2], contracting_dims = [3] x [3] : (tensor<?x6x2x8xf32>, tensor<?x6x2x8xf32>) -> tensor<?x2x6x6xf32>
  return %0 : tensor<?x2x6x6xf32>
}

// -----

// Probabilities times values with a symbolic sequence (the contracted dim
// is ?): already canonical, left alone.
// CHECK-LABEL: func.func @dynamic_contraction
// CHECK-NEXT:    stablehlo.dot_general %arg0, %arg1, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
// CHECK-NEXT:    return
func.func @dynamic_contraction(%p: tensor<?x2x?x?xf32>, %v: tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32> {
  %0 = stablehlo.dot_general %p, %v, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %0 : tensor<?x2x?x8xf32>
}

// -----

// Two contracting dims on the side with the ? dim would need a reshape of
// it ([?, 4, 8] -> [?, 32]): not rewritten.
// CHECK-LABEL: func.func @needs_reshape
// CHECK-NEXT:    stablehlo.dot_general %arg0, %arg1, contracting_dims = [1, 2] x [0, 1] : (tensor<?x4x8xf32>, tensor<4x8x5xf32>) -> tensor<?x5xf32>
// CHECK-NOT:     stablehlo.reshape
func.func @needs_reshape(%x: tensor<?x4x8xf32>, %w: tensor<4x8x5xf32>) -> tensor<?x5xf32> {
  %0 = stablehlo.dot_general %x, %w, contracting_dims = [1, 2] x [0, 1] : (tensor<?x4x8xf32>, tensor<4x8x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}
