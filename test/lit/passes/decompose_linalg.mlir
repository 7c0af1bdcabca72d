// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-linalg | filecheck %s

// cholesky and triangular_solve of small static matrices become n unrolled
// steps of slices, outer-product dot_generals and elementwise ops.

// Right-looking Cholesky: per column j, l_j = S[:, j] * rsqrt(S[j, j]) and
// (but the last) S -= l_j l_j^T; the columns are concatenated and the other
// triangle is set to 0 (as XLA does) by one select with a constant mask.
// CHECK-LABEL: func.func @cholesky_lower_2x2(
// CHECK-SAME:    %[[A:.*]]: tensor<2x2xf32>)
// CHECK-DAG:     %[[TRIL:.*]] = stablehlo.constant dense<{{\[\[}}true, false], [true, true]]> : tensor<2x2xi1>
// CHECK-DAG:     %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK:         %[[C0:.*]] = stablehlo.slice %[[A]] [0:2, 0:1]
// CHECK-NEXT:    %[[P0:.*]] = stablehlo.slice %[[C0]] [0:1, 0:1]
// CHECK-NEXT:    %[[R0:.*]] = stablehlo.rsqrt %[[P0]] : tensor<1x1xf32>
// CHECK-NEXT:    %[[B0:.*]] = stablehlo.broadcast_in_dim %[[R0]], dims = [0, 1] : (tensor<1x1xf32>) -> tensor<2x1xf32>
// CHECK-NEXT:    %[[L0:.*]] = stablehlo.multiply %[[C0]], %[[B0]] : tensor<2x1xf32>
// CHECK-NEXT:    %[[L0T:.*]] = stablehlo.reshape %[[L0]] : (tensor<2x1xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    %[[OUTER:.*]] = stablehlo.dot_general %[[L0]], %[[L0T]], contracting_dims = [1] x [0] : (tensor<2x1xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
// CHECK-NEXT:    %[[S1:.*]] = stablehlo.subtract %[[A]], %[[OUTER]] : tensor<2x2xf32>
// CHECK-NEXT:    %[[C1:.*]] = stablehlo.slice %[[S1]] [0:2, 1:2]
// CHECK-NEXT:    %[[P1:.*]] = stablehlo.slice %[[C1]] [1:2, 0:1]
// CHECK-NEXT:    %[[R1:.*]] = stablehlo.rsqrt %[[P1]]
// CHECK-NEXT:    %[[B1:.*]] = stablehlo.broadcast_in_dim %[[R1]]
// CHECK-NEXT:    %[[L1:.*]] = stablehlo.multiply %[[C1]], %[[B1]] : tensor<2x1xf32>
// CHECK-NEXT:    %[[L:.*]] = stablehlo.concatenate %[[L0]], %[[L1]], dim = 1 : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>
// CHECK-NEXT:    %[[OUT:.*]] = stablehlo.select %[[TRIL]], %[[L]], %[[ZERO]]
// CHECK-NEXT:    return %[[OUT]]
// CHECK-NOT:     stablehlo.cholesky
func.func @cholesky_lower_2x2(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// lower = false reads the upper triangle: rows instead of columns, stacked
// along dim -2; batch dims are batch dims of the outer product.
// CHECK-LABEL: func.func @cholesky_upper_batch(
// CHECK-SAME:    %[[A:.*]]: tensor<3x2x2xf32>)
// CHECK-DAG:     %[[TRIU:.*]] = stablehlo.constant dense<{{\[\[}}true, true], [false, true]]> : tensor<2x2xi1>
// CHECK:         %[[R0:.*]] = stablehlo.slice %[[A]] [0:3, 0:1, 0:2] : (tensor<3x2x2xf32>) -> tensor<3x1x2xf32>
// CHECK:         %[[U0:.*]] = stablehlo.multiply %[[R0]], %{{.*}} : tensor<3x1x2xf32>
// CHECK-NEXT:    %[[U0T:.*]] = stablehlo.reshape %[[U0]] : (tensor<3x1x2xf32>) -> tensor<3x2x1xf32>
// CHECK-NEXT:    %[[OUTER:.*]] = stablehlo.dot_general %[[U0T]], %[[U0]], batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<3x2x1xf32>, tensor<3x1x2xf32>) -> tensor<3x2x2xf32>
// CHECK-NEXT:    %[[S1:.*]] = stablehlo.subtract %[[A]], %[[OUTER]]
// CHECK-NEXT:    stablehlo.slice %[[S1]] [0:3, 1:2, 0:2]
// CHECK:         %[[U:.*]] = stablehlo.concatenate %[[U0]], %{{.*}}, dim = 1 : (tensor<3x1x2xf32>, tensor<3x1x2xf32>) -> tensor<3x2x2xf32>
// CHECK-NEXT:    %[[MASK:.*]] = stablehlo.broadcast_in_dim %[[TRIU]], dims = [1, 2] : (tensor<2x2xi1>) -> tensor<3x2x2xi1>
// CHECK-NEXT:    stablehlo.select %[[MASK]], %[[U]], %{{.*}} : tensor<3x2x2xi1>, tensor<3x2x2xf32>
func.func @cholesky_upper_batch(%a: tensor<3x2x2xf32>) -> tensor<3x2x2xf32> {
  %0 = "stablehlo.cholesky"(%a) {lower = false} : (tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  return %0 : tensor<3x2x2xf32>
}

// -----

// n = 1: sqrt(a) as a * rsqrt(a) (NaN for a negative pivot).
// CHECK-LABEL: func.func @cholesky_1x1(
// CHECK-SAME:    %[[A:.*]]: tensor<1x1xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.rsqrt %[[A]]
// CHECK-NEXT:    %[[L:.*]] = stablehlo.multiply %[[A]], %[[R]]
// CHECK-NEXT:    return %[[L]]
func.func @cholesky_1x1(%a: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<1x1xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// Forward substitution: A's strict lower triangle and B are divided by A's
// diagonal (rows), then per row i (but the last) R -= T[:, i] (x) R[i, :].
// CHECK-LABEL: func.func @solve_left_lower(
// CHECK-SAME:    %[[A:.*]]: tensor<3x3xf32>, %[[B:.*]]: tensor<3x2xf32>)
// CHECK-DAG:     %[[EYE:.*]] = stablehlo.constant dense<{{\[\[}}true, false, false], [false, true, false], [false, false, true]]> : tensor<3x3xi1>
// CHECK-DAG:     %[[STRICT:.*]] = stablehlo.constant dense<{{\[\[}}false, false, false], [true, false, false], [true, true, false]]> : tensor<3x3xi1>
// CHECK:         %[[T:.*]] = stablehlo.select %[[STRICT]], %[[A]], %{{.*}}
// CHECK-NEXT:    %[[DM:.*]] = stablehlo.select %[[EYE]], %[[A]], %{{.*}}
// CHECK-NEXT:    %[[D:.*]] = stablehlo.reduce(%[[DM]] init: %{{.*}}) applies stablehlo.add across dimensions = [1] : (tensor<3x3xf32>, tensor<f32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[DT:.*]] = stablehlo.broadcast_in_dim %[[D]], dims = [0] : (tensor<3xf32>) -> tensor<3x3xf32>
// CHECK-NEXT:    %[[TS:.*]] = stablehlo.divide %[[T]], %[[DT]]
// CHECK-NEXT:    %[[DB:.*]] = stablehlo.broadcast_in_dim %[[D]], dims = [0] : (tensor<3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT:    %[[R0:.*]] = stablehlo.divide %[[B]], %[[DB]]
// CHECK-NEXT:    %[[X0:.*]] = stablehlo.slice %[[R0]] [0:1, 0:2]
// CHECK-NEXT:    %[[T0:.*]] = stablehlo.slice %[[TS]] [0:3, 0:1]
// CHECK-NEXT:    %[[U0:.*]] = stablehlo.dot_general %[[T0]], %[[X0]], contracting_dims = [1] x [0] : (tensor<3x1xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
// CHECK-NEXT:    %[[R1:.*]] = stablehlo.subtract %[[R0]], %[[U0]]
// CHECK-NEXT:    %[[X1:.*]] = stablehlo.slice %[[R1]] [1:2, 0:2]
// CHECK-NEXT:    %[[T1:.*]] = stablehlo.slice %[[TS]] [0:3, 1:2]
// CHECK-NEXT:    %[[U1:.*]] = stablehlo.dot_general %[[T1]], %[[X1]]
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.subtract %[[R1]], %[[U1]]
// CHECK-NEXT:    return %[[R2]]
func.func @solve_left_lower(%a: tensor<3x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose NO_TRANSPOSE>} : (tensor<3x3xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// X A^T = B with A upper (so A^T is lower), unit diagonal, batch dims: one
// transpose of A, no diagonal scaling, columns of X from the last one back.
// CHECK-LABEL: func.func @solve_right_upper_transpose_unit(
// CHECK-SAME:    %[[A:.*]]: tensor<4x3x3xf32>, %[[B:.*]]: tensor<4x2x3xf32>)
// CHECK:         %[[AT:.*]] = stablehlo.transpose %[[A]], dims = [0, 2, 1]
// CHECK-NEXT:    %[[M:.*]] = stablehlo.broadcast_in_dim
// CHECK-NEXT:    %[[T:.*]] = stablehlo.select %[[M]], %[[AT]], %{{.*}}
// CHECK-NEXT:    %[[X2:.*]] = stablehlo.slice %[[B]] [0:4, 0:2, 2:3] : (tensor<4x2x3xf32>) -> tensor<4x2x1xf32>
// CHECK-NEXT:    %[[T2:.*]] = stablehlo.slice %[[T]] [0:4, 2:3, 0:3] : (tensor<4x3x3xf32>) -> tensor<4x1x3xf32>
// CHECK-NEXT:    %[[U2:.*]] = stablehlo.dot_general %[[X2]], %[[T2]], batching_dims = [0] x [0], contracting_dims = [2] x [1]
// CHECK-NEXT:    %[[R1:.*]] = stablehlo.subtract %[[B]], %[[U2]]
// CHECK-NEXT:    stablehlo.slice %[[R1]] [0:4, 0:2, 1:2]
// CHECK-NOT:     stablehlo.divide
// CHECK-NOT:     stablehlo.triangular_solve
func.func @solve_right_upper_transpose_unit(%a: tensor<4x3x3xf32>, %b: tensor<4x2x3xf32>) -> tensor<4x2x3xf32> {
  %0 = "stablehlo.triangular_solve"(%a, %b) {left_side = false, lower = false, unit_diagonal = true, transpose_a = #stablehlo<transpose TRANSPOSE>} : (tensor<4x3x3xf32>, tensor<4x2x3xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// ADJOINT is TRANSPOSE for real matrices.
// CHECK-LABEL: func.func @solve_adjoint(
// CHECK:         stablehlo.transpose
// CHECK-NOT:     stablehlo.triangular_solve
func.func @solve_adjoint(%a: tensor<2x2xf32>, %b: tensor<2x1xf32>) -> tensor<2x1xf32> {
  %0 = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose ADJOINT>} : (tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// JAX's LAPACK potrf (CPU export): the factor keeps A in its other triangle
// (as LAPACK), and info is the first pivot that is not > 0 (1-based), else 0.
// CHECK-LABEL: func.func @lapack_potrf(
// CHECK-SAME:    %[[A:.*]]: tensor<2x2xf32>)
// CHECK:         %[[P0:.*]] = stablehlo.slice %{{.*}} [0:1, 0:1]
// CHECK:         %[[P1:.*]] = stablehlo.slice %{{.*}} [1:2, 0:1]
// CHECK:         %[[L:.*]] = stablehlo.concatenate
// CHECK-NEXT:    %[[F:.*]] = stablehlo.select %{{.*}}, %[[L]], %[[A]]
// CHECK-NEXT:    %[[PS:.*]] = stablehlo.concatenate %[[P0]], %[[P1]], dim = 1 : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.reshape %[[PS]] : (tensor<1x2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[OK:.*]] = stablehlo.compare GT, %[[P]]
// CHECK-NEXT:    %[[AT:.*]] = stablehlo.select %[[OK]]
// CHECK-NEXT:    %[[FIRST:.*]] = stablehlo.reduce(%[[AT]] init: %{{.*}}) applies stablehlo.minimum across dimensions = [0]
// CHECK-NEXT:    %[[NONE:.*]] = stablehlo.compare EQ, %[[FIRST]]
// CHECK-NEXT:    %[[INFO:.*]] = stablehlo.select %[[NONE]], %{{.*}}, %[[FIRST]] : tensor<i1>, tensor<i32>
// CHECK-NEXT:    return %[[F]], %[[INFO]]
// CHECK-NOT:     custom_call
func.func @lapack_potrf(%a: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<i32>) {
  %0:2 = stablehlo.custom_call @lapack_spotrf_ffi(%a) {mhlo.backend_config = {uplo = 76 : ui8}, operand_layouts = [dense<[0, 1]> : tensor<2xindex>], output_operand_aliases = [#stablehlo.output_operand_alias<output_tuple_indices = [0], operand_index = 0, operand_tuple_indices = []>], result_layouts = [dense<[0, 1]> : tensor<2xindex>, dense<> : tensor<0xindex>]} : (tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<i32>)
  return %0#0, %0#1 : tensor<2x2xf32>, tensor<i32>
}

// -----

// JAX's LAPACK trsm: side L, uplo L, trans_x T, diag U (ASCII codes).
// CHECK-LABEL: func.func @lapack_trsm(
// CHECK-SAME:    %[[A:.*]]: tensor<3x3xf32>, %[[B:.*]]: tensor<3x2xf32>)
// CHECK-DAG:     %[[STRICT:.*]] = stablehlo.constant dense<{{\[\[}}false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>
// CHECK:         %[[AT:.*]] = stablehlo.transpose %[[A]], dims = [1, 0]
// CHECK-NEXT:    %[[T:.*]] = stablehlo.select %[[STRICT]], %[[AT]]
// CHECK-NEXT:    %[[X2:.*]] = stablehlo.slice %[[B]] [2:3, 0:2]
// CHECK-NEXT:    %[[T2:.*]] = stablehlo.slice %[[T]] [0:3, 2:3]
// CHECK-NEXT:    stablehlo.dot_general %[[T2]], %[[X2]]
// CHECK-NOT:     custom_call
func.func @lapack_trsm(%a: tensor<3x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = stablehlo.custom_call @lapack_strsm_ffi(%a, %b) {mhlo.backend_config = {diag = 85 : ui8, side = 76 : ui8, trans_x = 84 : ui8, uplo = 76 : ui8}, operand_layouts = [dense<[0, 1]> : tensor<2xindex>, dense<[0, 1]> : tensor<2xindex>], output_operand_aliases = [#stablehlo.output_operand_alias<output_tuple_indices = [], operand_index = 1, operand_tuple_indices = []>], result_layouts = [dense<[0, 1]> : tensor<2xindex>]} : (tensor<3x3xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Other custom calls are left for verify-legal to refuse.
// CHECK-LABEL: func.func @other_custom_call_untouched(
// CHECK-NEXT:    stablehlo.custom_call @lapack_sgetrf_ffi
func.func @other_custom_call_untouched(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0 = stablehlo.custom_call @lapack_sgetrf_ffi(%a) : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// JAX's LU on CPU (lapack_sgetrf_ffi -> (lu, ipiv, info)), 2x2. Column 0:
// the first row with the largest |a| (rows not smaller than the max, then
// the smallest index); that row extracted exactly with select + reduce add,
// and the swap a select of row 0 into its place; the entry below the pivot
// divided by it (by 1 for a zero pivot); the trailing block updated by an
// outer product. ipiv is 1-based; info the first zero pivot (NE 0 fails).
// CHECK-LABEL: func.func @lapack_getrf_2x2(
// CHECK-SAME:    %[[A:.*]]: tensor<2x2xf32>)
// CHECK-DAG:     %[[NEGINF:.*]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-DAG:     %[[INTMAX:.*]] = stablehlo.constant dense<2147483647> : tensor<i32>
// CHECK-DAG:     %[[ROWIDX:.*]] = stablehlo.constant dense<{{\[\[}}0], [1]]> : tensor<2x1xi32>
// CHECK-DAG:     %[[ROWIOTA:.*]] = stablehlo.constant dense<{{\[\[}}0, 0], [1, 1]]> : tensor<2x2xi32>
// CHECK-DAG:     %[[ONEBASED:.*]] = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
// CHECK:         %[[C0:.*]] = stablehlo.slice %[[A]] [0:2, 0:1]
// CHECK-NEXT:    %[[MAG:.*]] = stablehlo.abs %[[C0]]
// CHECK-NEXT:    %[[MAX:.*]] = stablehlo.reduce(%[[MAG]] init: %[[NEGINF]]) applies stablehlo.maximum across dimensions = [0]
// CHECK-NEXT:    %[[MAXB:.*]] = stablehlo.broadcast_in_dim %[[MAX]], dims = [1] : (tensor<1xf32>) -> tensor<2x1xf32>
// CHECK-NEXT:    %[[LT:.*]] = stablehlo.compare LT, %[[MAG]], %[[MAXB]]
// CHECK-NEXT:    %[[CAND:.*]] = stablehlo.select %[[LT]], %{{.*}}, %[[ROWIDX]]
// CHECK-NEXT:    %[[P:.*]] = stablehlo.reduce(%[[CAND]] init: %[[INTMAX]]) applies stablehlo.minimum across dimensions = [0] : (tensor<2x1xi32>, tensor<i32>) -> tensor<1xi32>
// CHECK-NEXT:    %[[PB:.*]] = stablehlo.broadcast_in_dim %[[P]], dims = [1] : (tensor<1xi32>) -> tensor<2x2xi32>
// CHECK-NEXT:    %[[ISP:.*]] = stablehlo.compare EQ, %[[PB]], %[[ROWIOTA]]
// CHECK-NEXT:    %[[PICKED:.*]] = stablehlo.select %[[ISP]], %[[A]], %{{.*}}
// CHECK-NEXT:    %[[SUM:.*]] = stablehlo.reduce(%[[PICKED]] init: %{{.*}}) applies stablehlo.add across dimensions = [0]
// CHECK-NEXT:    %[[ROW0:.*]] = stablehlo.reshape %[[SUM]] : (tensor<2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    %[[TOP:.*]] = stablehlo.slice %[[A]] [0:1, 0:2]
// CHECK-NEXT:    %[[ISPREST:.*]] = stablehlo.slice %[[ISP]] [1:2, 0:2]
// CHECK-NEXT:    %[[REST:.*]] = stablehlo.slice %[[A]] [1:2, 0:2]
// CHECK-NEXT:    %[[SWAPPED:.*]] = stablehlo.select %[[ISPREST]], %[[TOP]], %[[REST]]
// CHECK-NEXT:    %[[PIV:.*]] = stablehlo.slice %[[ROW0]] [0:1, 0:1]
// CHECK-NEXT:    %[[ZERO:.*]] = stablehlo.compare EQ, %[[PIV]], %{{.*}}
// CHECK-NEXT:    %[[DIVISOR:.*]] = stablehlo.select %[[ZERO]], %{{.*}}, %[[PIV]]
// CHECK-NEXT:    %[[BELOW:.*]] = stablehlo.slice %[[SWAPPED]] [0:1, 0:1]
// CHECK-NEXT:    %[[L:.*]] = stablehlo.divide %[[BELOW]], %[[DIVISOR]]
// CHECK-NEXT:    %[[TRAIL:.*]] = stablehlo.slice %[[SWAPPED]] [0:1, 1:2]
// CHECK-NEXT:    %[[U:.*]] = stablehlo.slice %[[ROW0]] [0:1, 1:2]
// CHECK-NEXT:    %[[OUTER:.*]] = stablehlo.dot_general %[[L]], %[[U]], contracting_dims = [1] x [0]
// CHECK-NEXT:    %[[UPD:.*]] = stablehlo.subtract %[[TRAIL]], %[[OUTER]]
// CHECK-NEXT:    %[[ROW1:.*]] = stablehlo.concatenate %[[L]], %[[UPD]], dim = 1
// CHECK:         %[[LU:.*]] = stablehlo.concatenate %[[ROW0]], %[[ROW1]], dim = 0 : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
// CHECK-NEXT:    %[[LOCAL:.*]] = stablehlo.concatenate %[[P]], %{{.*}}, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
// CHECK-NEXT:    %[[IPIV:.*]] = stablehlo.add %[[LOCAL]], %[[ONEBASED]]
// CHECK:         stablehlo.compare NE
// CHECK:         %[[INFO:.*]] = stablehlo.select %{{.*}} : tensor<i1>, tensor<i32>
// CHECK-NEXT:    return %[[LU]], %[[IPIV]], %[[INFO]] : tensor<2x2xf32>, tensor<2xi32>, tensor<i32>
// CHECK-NOT:     lapack_sgetrf_ffi
func.func @lapack_getrf_2x2(%a: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2xi32>, tensor<i32>) {
  %0:3 = stablehlo.custom_call @lapack_sgetrf_ffi(%a) {mhlo.backend_config = {}, mhlo.frontend_attributes = {num_batch_dims = "0"}} : (tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2xi32>, tensor<i32>)
  return %0#0, %0#1, %0#2 : tensor<2x2xf32>, tensor<2xi32>, tensor<i32>
}

// -----

// Batch dims (num_batch_dims = 1): every step is vectorized over them; the
// n - 1 pivot searches and outer products, no swap at the last row.
// CHECK-LABEL: func.func @lapack_getrf_batch(
// CHECK-COUNT-2: stablehlo.abs {{.*}} : tensor<2x{{[0-9]}}x1xf32>
// CHECK-NOT:     stablehlo.abs
// CHECK:         stablehlo.dot_general {{.*}} batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x1x1xf32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
// CHECK:         %[[LU:.*]] = stablehlo.concatenate {{.*}} dim = 1 : (tensor<2x1x3xf32>, tensor<2x1x3xf32>, tensor<2x1x3xf32>) -> tensor<2x3x3xf32>
// CHECK:         return %[[LU]], %{{.*}}, %{{.*}} : tensor<2x3x3xf32>, tensor<2x3xi32>, tensor<2xi32>
func.func @lapack_getrf_batch(%a: tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3xi32>, tensor<2xi32>) {
  %0:3 = stablehlo.custom_call @lapack_sgetrf_ffi(%a) {mhlo.backend_config = {}, mhlo.frontend_attributes = {num_batch_dims = "1"}} : (tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3xi32>, tensor<2xi32>)
  return %0#0, %0#1, %0#2 : tensor<2x3x3xf32>, tensor<2x3xi32>, tensor<2xi32>
}

// -----

// n = 1: no search; ipiv = [1]; info = 1 exactly when a == 0.
// CHECK-LABEL: func.func @lapack_getrf_1x1(
// CHECK-SAME:    %[[A:.*]]: tensor<1x1xf32>)
// CHECK-NOT:     stablehlo.abs
// CHECK-DAG:     %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<1xi32>
// CHECK:         stablehlo.compare NE
// CHECK:         return %[[A]], %[[ONE]], %{{.*}} : tensor<1x1xf32>, tensor<1xi32>, tensor<i32>
func.func @lapack_getrf_1x1(%a: tensor<1x1xf32>) -> (tensor<1x1xf32>, tensor<1xi32>, tensor<i32>) {
  %0:3 = stablehlo.custom_call @lapack_sgetrf_ffi(%a) {mhlo.backend_config = {}} : (tensor<1x1xf32>) -> (tensor<1x1xf32>, tensor<1xi32>, tensor<i32>)
  return %0#0, %0#1, %0#2 : tensor<1x1xf32>, tensor<1xi32>, tensor<i32>
}

// -----

// Complex (Hermitian) Cholesky, A = L L^H: the pivot is the real part of
// S[j, j] (LAPACK ignores the imaginary parts of the diagonal), its rsqrt is
// converted to complex (imaginary part zero), the update is l_j conj(l_j)^T
// (conj as complex(real, -imag)), and one select makes the factor's
// diagonal real before the triangle mask.
// CHECK-LABEL: func.func @cholesky_complex_2x2(
// CHECK-SAME:    %[[A:.*]]: tensor<2x2xcomplex<f32>>)
// CHECK-DAG:     %[[EYE:.*]] = stablehlo.constant dense<{{\[\[}}true, false], [false, true]]> : tensor<2x2xi1>
// CHECK:         %[[C0:.*]] = stablehlo.slice %[[A]] [0:2, 0:1]
// CHECK-NEXT:    %[[P0:.*]] = stablehlo.slice %[[C0]] [0:1, 0:1]
// CHECK-NEXT:    %[[RE0:.*]] = stablehlo.real %[[P0]] : (tensor<1x1xcomplex<f32>>) -> tensor<1x1xf32>
// CHECK-NEXT:    %[[R0:.*]] = stablehlo.rsqrt %[[RE0]] : tensor<1x1xf32>
// CHECK-NEXT:    %[[R0C:.*]] = stablehlo.convert %[[R0]] : (tensor<1x1xf32>) -> tensor<1x1xcomplex<f32>>
// CHECK-NEXT:    %[[B0:.*]] = stablehlo.broadcast_in_dim %[[R0C]]
// CHECK-NEXT:    %[[L0:.*]] = stablehlo.multiply %[[C0]], %[[B0]] : tensor<2x1xcomplex<f32>>
// CHECK-NEXT:    %[[L0T:.*]] = stablehlo.reshape %[[L0]] : (tensor<2x1xcomplex<f32>>) -> tensor<1x2xcomplex<f32>>
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.imag %[[L0T]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.real %[[L0T]]
// CHECK-NEXT:    %[[NEG:.*]] = stablehlo.negate %[[IM]]
// CHECK-NEXT:    %[[CONJ:.*]] = stablehlo.complex %[[RE]], %[[NEG]]
// CHECK-NEXT:    %[[OUTER:.*]] = stablehlo.dot_general %[[L0]], %[[CONJ]], contracting_dims = [1] x [0] : (tensor<2x1xcomplex<f32>>, tensor<1x2xcomplex<f32>>) -> tensor<2x2xcomplex<f32>>
// CHECK-NEXT:    stablehlo.subtract %[[A]], %[[OUTER]]
// CHECK:         %[[L:.*]] = stablehlo.concatenate %[[L0]], %{{.*}}, dim = 1
// CHECK-NEXT:    %[[LRE:.*]] = stablehlo.real %[[L]]
// CHECK-NEXT:    %[[LREC:.*]] = stablehlo.convert %[[LRE]] : (tensor<2x2xf32>) -> tensor<2x2xcomplex<f32>>
// CHECK-NEXT:    %[[REALDIAG:.*]] = stablehlo.select %[[EYE]], %[[LREC]], %[[L]]
// CHECK:         %[[OUT:.*]] = stablehlo.select %{{.*}}, %[[REALDIAG]], %{{.*}} : tensor<2x2xi1>, tensor<2x2xcomplex<f32>>
// CHECK-NEXT:    return %[[OUT]]
// CHECK-NOT:     stablehlo.cholesky
func.func @cholesky_complex_2x2(%a: tensor<2x2xcomplex<f32>>) -> tensor<2x2xcomplex<f32>> {
  %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<2x2xcomplex<f32>>) -> tensor<2x2xcomplex<f32>>
  return %0 : tensor<2x2xcomplex<f32>>
}

// -----

// Complex ADJOINT: op(A) = conj(A^T); the diagonal it divides by is op(A)'s
// (conjugated), summed out of an eye-masked select in complex.
// CHECK-LABEL: func.func @solve_adjoint_complex(
// CHECK-SAME:    %[[A:.*]]: tensor<2x2xcomplex<f32>>, %[[B:.*]]: tensor<2x1xcomplex<f32>>)
// CHECK:         %[[AT:.*]] = stablehlo.transpose %[[A]], dims = [1, 0]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.imag %[[AT]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.real %[[AT]]
// CHECK-NEXT:    %[[NEG:.*]] = stablehlo.negate %[[IM]]
// CHECK-NEXT:    %[[T:.*]] = stablehlo.complex %[[RE]], %[[NEG]]
// CHECK:         %[[STRICT:.*]] = stablehlo.select %{{.*}}, %[[T]], %{{.*}}
// CHECK:         %[[DM:.*]] = stablehlo.select %{{.*}}, %[[T]], %{{.*}}
// CHECK:         %[[D:.*]] = stablehlo.reduce(%[[DM]] init: %{{.*}}) applies stablehlo.add across dimensions = [1] : (tensor<2x2xcomplex<f32>>, tensor<complex<f32>>) -> tensor<2xcomplex<f32>>
// CHECK:         stablehlo.divide %[[STRICT]], %{{.*}} : tensor<2x2xcomplex<f32>>
// CHECK:         %[[R:.*]] = stablehlo.divide %[[B]], %{{.*}} : tensor<2x1xcomplex<f32>>
// CHECK:         stablehlo.subtract %[[R]], %{{.*}} : tensor<2x1xcomplex<f32>>
// CHECK-NOT:     stablehlo.triangular_solve
func.func @solve_adjoint_complex(%a: tensor<2x2xcomplex<f32>>, %b: tensor<2x1xcomplex<f32>>) -> tensor<2x1xcomplex<f32>> {
  %0 = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose ADJOINT>} : (tensor<2x2xcomplex<f32>>, tensor<2x1xcomplex<f32>>) -> tensor<2x1xcomplex<f32>>
  return %0 : tensor<2x1xcomplex<f32>>
}

// -----

// JAX's complex LAPACK trsm with trans_x = C (67) is the adjoint as well.
// CHECK-LABEL: func.func @lapack_ctrsm_adjoint(
// CHECK:         stablehlo.transpose
// CHECK-NEXT:    stablehlo.imag
// CHECK-NOT:     custom_call
func.func @lapack_ctrsm_adjoint(%a: tensor<3x3xcomplex<f32>>, %b: tensor<3x1xcomplex<f32>>) -> tensor<3x1xcomplex<f32>> {
  %0 = stablehlo.custom_call @lapack_ctrsm_ffi(%a, %b) {mhlo.backend_config = {diag = 78 : ui8, side = 76 : ui8, trans_x = 67 : ui8, uplo = 76 : ui8}} : (tensor<3x3xcomplex<f32>>, tensor<3x1xcomplex<f32>>) -> tensor<3x1xcomplex<f32>>
  return %0 : tensor<3x1xcomplex<f32>>
}

// -----

// JAX's complex LAPACK potrf: the pivots (and so info) are real.
// CHECK-LABEL: func.func @lapack_cpotrf(
// CHECK:         stablehlo.compare GT, {{.*}} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
// CHECK:         return {{.*}} : tensor<2x2xcomplex<f32>>, tensor<i32>
// CHECK-NOT:     custom_call
func.func @lapack_cpotrf(%a: tensor<2x2xcomplex<f32>>) -> (tensor<2x2xcomplex<f32>>, tensor<i32>) {
  %0:2 = stablehlo.custom_call @lapack_cpotrf_ffi(%a) {mhlo.backend_config = {uplo = 76 : ui8}} : (tensor<2x2xcomplex<f32>>) -> (tensor<2x2xcomplex<f32>>, tensor<i32>)
  return %0#0, %0#1 : tensor<2x2xcomplex<f32>>, tensor<i32>
}

// -----

// Complex LU (lapack_cgetrf_ffi): the pivot search measures |re| + |im|
// (BLAS icamax, as LAPACK's cgetrf); the row is extracted with a complex
// select + sum; a zero pivot is one whose both parts are 0 (compare EQ on
// complex); info compares the complex pivots NE 0.
// CHECK-LABEL: func.func @lapack_cgetrf_2x2(
// CHECK-SAME:    %[[A:.*]]: tensor<2x2xcomplex<f32>>)
// CHECK:         %[[C0:.*]] = stablehlo.slice %[[A]] [0:2, 0:1]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.real %[[C0]]
// CHECK-NEXT:    %[[ARE:.*]] = stablehlo.abs %[[RE]] : tensor<2x1xf32>
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.imag %[[C0]]
// CHECK-NEXT:    %[[AIM:.*]] = stablehlo.abs %[[IM]] : tensor<2x1xf32>
// CHECK-NEXT:    %[[MAG:.*]] = stablehlo.add %[[ARE]], %[[AIM]] : tensor<2x1xf32>
// CHECK-NEXT:    stablehlo.reduce(%[[MAG]] init: %{{.*}}) applies stablehlo.maximum
// CHECK:         stablehlo.reduce(%{{.*}} init: %{{.*}}) applies stablehlo.add across dimensions = [0] : (tensor<2x2xcomplex<f32>>, tensor<complex<f32>>) -> tensor<2xcomplex<f32>>
// CHECK:         stablehlo.compare EQ, {{.*}} : (tensor<1x1xcomplex<f32>>, tensor<1x1xcomplex<f32>>) -> tensor<1x1xi1>
// CHECK:         stablehlo.divide {{.*}} : tensor<1x1xcomplex<f32>>
// CHECK:         stablehlo.compare NE, {{.*}} : (tensor<2xcomplex<f32>>, tensor<2xcomplex<f32>>) -> tensor<2xi1>
// CHECK:         return {{.*}} : tensor<2x2xcomplex<f32>>, tensor<2xi32>, tensor<i32>
// CHECK-NOT:     custom_call
func.func @lapack_cgetrf_2x2(%a: tensor<2x2xcomplex<f32>>) -> (tensor<2x2xcomplex<f32>>, tensor<2xi32>, tensor<i32>) {
  %0:3 = stablehlo.custom_call @lapack_cgetrf_ffi(%a) {mhlo.backend_config = {}} : (tensor<2x2xcomplex<f32>>) -> (tensor<2x2xcomplex<f32>>, tensor<2xi32>, tensor<i32>)
  return %0#0, %0#1, %0#2 : tensor<2x2xcomplex<f32>>, tensor<2xi32>, tensor<i32>
}
