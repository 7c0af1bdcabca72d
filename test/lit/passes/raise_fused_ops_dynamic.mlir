// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops | filecheck %s

// Dynamic (?) dims (a flexible input of a symbolic jax.export): the regions
// broadcast with dynamic_broadcast_in_dim, whose runtime shapes come from
// outside (get_dimension_size of the input). They become extra operands of
// the composite and arguments of its decomposition; matching evaluates the
// region with each ? dim at a fixed probe size.

// softmax over the static axis, flexible batch.
// CHECK-LABEL: func.func public @main
// CHECK-SAME:    (%[[X:.+]]: tensor<?x4xf32>)
// CHECK:         %[[N:.+]] = stablehlo.reshape %{{.+}} : (tensor<i32>) -> tensor<1xi32>
// CHECK:         %[[S2:.+]] = stablehlo.concatenate %[[N]], %{{.+}}, dim = 0
// CHECK:         %[[S4:.+]] = stablehlo.concatenate %[[N]], %{{.+}}, dim = 0
// CHECK:         stablehlo.composite "coreml.softmax" %[[X]], %[[S4]], %[[S2]], %[[N]] {composite_attributes = {axis = 1 : i64}, decomposition = @coreml.softmax.impl} : (tensor<?x4xf32>, tensor<2xi32>, tensor<2xi32>, tensor<1xi32>) -> tensor<?x4xf32>
// CHECK-NOT:     stablehlo.exponential
// CHECK:       func.func private @coreml.softmax.impl(%[[A:.+]]: tensor<?x4xf32>, %[[A1:.+]]: tensor<2xi32>, %[[A2:.+]]: tensor<2xi32>, %[[A3:.+]]: tensor<1xi32>) -> tensor<?x4xf32>
// CHECK:         stablehlo.dynamic_broadcast_in_dim %{{.+}}, %[[A3]], dims = []
// CHECK:         stablehlo.exponential
// CHECK:         stablehlo.dynamic_broadcast_in_dim %{{.+}}, %[[A1]], dims = [0, 1]
module {
  func.func public @main(%arg0: tensor<?x4xf32>) -> (tensor<?x4xf32> {jax.result_info = "result"}) {
    %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %c = stablehlo.constant dense<1> : tensor<1xi32>
    %c_0 = stablehlo.constant dense<4> : tensor<1xi32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %c_2 = stablehlo.constant dense<1> : tensor<i32>
    %0 = stablehlo.get_dimension_size %arg0, dim = 0 : (tensor<?x4xf32>) -> tensor<i32>
    %1 = stablehlo.compare GE, %0, %c_2, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %2 = stablehlo.reduce(%arg0 init: %cst) applies stablehlo.maximum across dimensions = [1] : (tensor<?x4xf32>, tensor<f32>) -> tensor<?xf32>
    %3 = stablehlo.reshape %0 : (tensor<i32>) -> tensor<1xi32>
    %4 = stablehlo.dynamic_broadcast_in_dim %cst, %3, dims = [] : (tensor<f32>, tensor<1xi32>) -> tensor<?xf32>
    %5 = stablehlo.maximum %4, %2 : tensor<?xf32>
    %6 = stablehlo.concatenate %3, %c, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %7 = stablehlo.dynamic_broadcast_in_dim %5, %6, dims = [0] : (tensor<?xf32>, tensor<2xi32>) -> tensor<?x1xf32>
    %8 = stablehlo.concatenate %3, %c_0, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %9 = stablehlo.dynamic_broadcast_in_dim %7, %8, dims = [0, 1] : (tensor<?x1xf32>, tensor<2xi32>) -> tensor<?x4xf32>
    %10 = stablehlo.subtract %arg0, %9 : tensor<?x4xf32>
    %11 = stablehlo.exponential %10 : tensor<?x4xf32>
    %12 = stablehlo.reduce(%11 init: %cst_1) applies stablehlo.add across dimensions = [1] : (tensor<?x4xf32>, tensor<f32>) -> tensor<?xf32>
    %13 = stablehlo.dynamic_broadcast_in_dim %12, %6, dims = [0] : (tensor<?xf32>, tensor<2xi32>) -> tensor<?x1xf32>
    %14 = stablehlo.dynamic_broadcast_in_dim %13, %8, dims = [0, 1] : (tensor<?x1xf32>, tensor<2xi32>) -> tensor<?x4xf32>
    %15 = stablehlo.divide %11, %14 : tensor<?x4xf32>
    return %15 : tensor<?x4xf32>
  }
}

// -----

// Layer norm (no gamma/beta) over the static axis, flexible batch.
// CHECK-LABEL: func.func public @main
// CHECK:         stablehlo.composite "coreml.layer_norm" %arg0, %{{.+}}, %{{.+}} {composite_attributes = {axes = array<i64: 1>, epsilon = 9.99999974E-6 : f32}, decomposition = @coreml.layer_norm.impl} : (tensor<?x4xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x4xf32>
// CHECK-NOT:     stablehlo.sqrt
// CHECK:       func.func private @coreml.layer_norm.impl(
module {
  func.func public @main(%arg0: tensor<?x4xf32>) -> (tensor<?x4xf32> {jax.result_info = "result"}) {
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %c = stablehlo.constant dense<1> : tensor<1xi32>
    %cst_0 = stablehlo.constant dense<4.000000e+00> : tensor<f32>
    %c_1 = stablehlo.constant dense<4> : tensor<1xi32>
    %cst_2 = stablehlo.constant dense<9.99999974E-6> : tensor<f32>
    %c_3 = stablehlo.constant dense<1> : tensor<i32>
    %0 = stablehlo.get_dimension_size %arg0, dim = 0 : (tensor<?x4xf32>) -> tensor<i32>
    %1 = stablehlo.compare GE, %0, %c_3, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %2 = stablehlo.reduce(%arg0 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<?x4xf32>, tensor<f32>) -> tensor<?xf32>
    %3 = stablehlo.reshape %0 : (tensor<i32>) -> tensor<1xi32>
    %4 = stablehlo.concatenate %3, %c, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %5 = stablehlo.dynamic_broadcast_in_dim %2, %4, dims = [0] : (tensor<?xf32>, tensor<2xi32>) -> tensor<?x1xf32>
    %6 = stablehlo.dynamic_broadcast_in_dim %cst_0, %4, dims = [] : (tensor<f32>, tensor<2xi32>) -> tensor<?x1xf32>
    %7 = stablehlo.divide %5, %6 : tensor<?x1xf32>
    %8 = stablehlo.concatenate %3, %c_1, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %9 = stablehlo.dynamic_broadcast_in_dim %7, %8, dims = [0, 1] : (tensor<?x1xf32>, tensor<2xi32>) -> tensor<?x4xf32>
    %10 = stablehlo.subtract %arg0, %9 : tensor<?x4xf32>
    %11 = stablehlo.multiply %10, %10 : tensor<?x4xf32>
    %12 = stablehlo.reduce(%11 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<?x4xf32>, tensor<f32>) -> tensor<?xf32>
    %13 = stablehlo.dynamic_broadcast_in_dim %12, %4, dims = [0] : (tensor<?xf32>, tensor<2xi32>) -> tensor<?x1xf32>
    %14 = stablehlo.divide %13, %6 : tensor<?x1xf32>
    %15 = stablehlo.dynamic_broadcast_in_dim %cst_2, %4, dims = [] : (tensor<f32>, tensor<2xi32>) -> tensor<?x1xf32>
    %16 = stablehlo.add %14, %15 : tensor<?x1xf32>
    %17 = stablehlo.sqrt %16 : tensor<?x1xf32>
    %18 = stablehlo.dynamic_broadcast_in_dim %17, %8, dims = [0, 1] : (tensor<?x1xf32>, tensor<2xi32>) -> tensor<?x4xf32>
    %19 = stablehlo.divide %10, %18 : tensor<?x4xf32>
    return %19 : tensor<?x4xf32>
  }
}

// -----

// softmax over the ? axis (a symbolic sequence length).
// CHECK-LABEL: func.func public @main
// CHECK:         stablehlo.composite "coreml.softmax" %arg0, {{.+}} {composite_attributes = {axis = 1 : i64}
module {
  func.func public @main(%arg0: tensor<4x?xf32>) -> (tensor<4x?xf32> {jax.result_info = "result"}) {
    %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %c = stablehlo.constant dense<4> : tensor<1xi32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %c_1 = stablehlo.constant dense<1> : tensor<i32>
    %0 = stablehlo.get_dimension_size %arg0, dim = 1 : (tensor<4x?xf32>) -> tensor<i32>
    %1 = stablehlo.compare GE, %0, %c_1, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %2 = stablehlo.reduce(%arg0 init: %cst) applies stablehlo.maximum across dimensions = [1] : (tensor<4x?xf32>, tensor<f32>) -> tensor<4xf32>
    %3 = stablehlo.broadcast_in_dim %cst, dims = [] : (tensor<f32>) -> tensor<4xf32>
    %4 = stablehlo.maximum %3, %2 : tensor<4xf32>
    %5 = stablehlo.broadcast_in_dim %4, dims = [0] : (tensor<4xf32>) -> tensor<4x1xf32>
    %6 = stablehlo.reshape %0 : (tensor<i32>) -> tensor<1xi32>
    %7 = stablehlo.concatenate %c, %6, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %8 = stablehlo.dynamic_broadcast_in_dim %5, %7, dims = [0, 1] : (tensor<4x1xf32>, tensor<2xi32>) -> tensor<4x?xf32>
    %9 = stablehlo.subtract %arg0, %8 : tensor<4x?xf32>
    %10 = stablehlo.exponential %9 : tensor<4x?xf32>
    %11 = stablehlo.reduce(%10 init: %cst_0) applies stablehlo.add across dimensions = [1] : (tensor<4x?xf32>, tensor<f32>) -> tensor<4xf32>
    %12 = stablehlo.broadcast_in_dim %11, dims = [0] : (tensor<4xf32>) -> tensor<4x1xf32>
    %13 = stablehlo.dynamic_broadcast_in_dim %12, %7, dims = [0, 1] : (tensor<4x1xf32>, tensor<2xi32>) -> tensor<4x?xf32>
    %14 = stablehlo.divide %10, %13 : tensor<4x?xf32>
    return %14 : tensor<4x?xf32>
  }
}

// -----

// Layer norm over the ? axis divides by the runtime size (a converted
// get_dimension_size, not a constant): not a region, nothing is raised.
// CHECK-LABEL: func.func public @main
// CHECK-NOT:     stablehlo.composite
// CHECK:         stablehlo.sqrt
module {
  func.func public @main(%arg0: tensor<4x?xf32>) -> (tensor<4x?xf32> {jax.result_info = "result"}) {
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %c = stablehlo.constant dense<4> : tensor<1xi32>
    %cst_0 = stablehlo.constant dense<9.99999974E-6> : tensor<f32>
    %cst_1 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %c_2 = stablehlo.constant dense<1> : tensor<i32>
    %0 = stablehlo.get_dimension_size %arg0, dim = 1 : (tensor<4x?xf32>) -> tensor<i32>
    %1 = stablehlo.compare GE, %0, %c_2, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %2 = stablehlo.convert %0 : (tensor<i32>) -> tensor<f32>
    %3 = stablehlo.reduce(%arg0 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<4x?xf32>, tensor<f32>) -> tensor<4xf32>
    %4 = stablehlo.broadcast_in_dim %3, dims = [0] : (tensor<4xf32>) -> tensor<4x1xf32>
    %5 = stablehlo.broadcast_in_dim %2, dims = [] : (tensor<f32>) -> tensor<4x1xf32>
    %6 = stablehlo.divide %4, %5 : tensor<4x1xf32>
    %7 = stablehlo.reshape %0 : (tensor<i32>) -> tensor<1xi32>
    %8 = stablehlo.concatenate %c, %7, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %9 = stablehlo.dynamic_broadcast_in_dim %6, %8, dims = [0, 1] : (tensor<4x1xf32>, tensor<2xi32>) -> tensor<4x?xf32>
    %10 = stablehlo.subtract %arg0, %9 : tensor<4x?xf32>
    %11 = stablehlo.multiply %10, %10 : tensor<4x?xf32>
    %12 = stablehlo.reduce(%11 init: %cst) applies stablehlo.add across dimensions = [1] : (tensor<4x?xf32>, tensor<f32>) -> tensor<4xf32>
    %13 = stablehlo.broadcast_in_dim %12, dims = [0] : (tensor<4xf32>) -> tensor<4x1xf32>
    %14 = stablehlo.divide %13, %5 : tensor<4x1xf32>
    %15 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<4x1xf32>
    %16 = stablehlo.add %14, %15 : tensor<4x1xf32>
    %17 = stablehlo.sqrt %16 : tensor<4x1xf32>
    %18 = stablehlo.dynamic_broadcast_in_dim %17, %8, dims = [0, 1] : (tensor<4x1xf32>, tensor<2xi32>) -> tensor<4x?xf32>
    %19 = stablehlo.divide %10, %18 : tensor<4x?xf32>
    %20 = stablehlo.dynamic_broadcast_in_dim %cst_1, %8, dims = [] : (tensor<f32>, tensor<2xi32>) -> tensor<4x?xf32>
    %21 = stablehlo.multiply %19, %20 : tensor<4x?xf32>
    return %21 : tensor<4x?xf32>
  }
}
