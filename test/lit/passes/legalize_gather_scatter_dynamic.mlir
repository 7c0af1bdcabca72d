// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-gather-scatter | filecheck %s

// An embedding lookup table[ids] whose indices have ? dims (a flexible
// batch / sequence): the canonical gather keeps its form; its indices are
// clamped with scalar bounds (no shape needed) and it is marked in bounds.
// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[T:.+]]: tensor<11x16xf32>, %[[I:.+]]: tensor<?x?x1xi32>)
// CHECK-DAG:     %[[LO:.+]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK-DAG:     %[[HI:.+]] = stablehlo.constant dense<10> : tensor<i32>
// CHECK:         %[[C:.+]] = stablehlo.clamp %[[LO]], %[[I]], %[[HI]] : (tensor<i32>, tensor<?x?x1xi32>, tensor<i32>) -> tensor<?x?x1xi32>
// CHECK-NEXT:    "stablehlo.gather"(%[[T]], %[[C]]) {{.*}}hlo_coreml.in_bounds{{.*}} : (tensor<11x16xf32>, tensor<?x?x1xi32>) -> tensor<?x?x16xf32>
func.func @main(%arg0: tensor<11x16xf32>, %arg1: tensor<?x?x1xi32>) -> tensor<?x?x16xf32> {
  %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<offset_dims = [2], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 2>, slice_sizes = array<i64: 1, 16>}> : (tensor<11x16xf32>, tensor<?x?x1xi32>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// A gather that is not x[indices] (a window along the indexed dim) with ?
// indices is left alone for verify-legal to report.
// CHECK-LABEL: func.func @main
// CHECK-NOT:     stablehlo.clamp
// CHECK:         "stablehlo.gather"(%arg0, %arg1)
// CHECK-NOT:     hlo_coreml.in_bounds
func.func @main(%arg0: tensor<11x16xf32>, %arg1: tensor<?x1xi32>) -> tensor<?x2x16xf32> {
  %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<offset_dims = [1, 2], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 2, 16>}> : (tensor<11x16xf32>, tensor<?x1xi32>) -> tensor<?x2x16xf32>
  return %0 : tensor<?x2x16xf32>
}
