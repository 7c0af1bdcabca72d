// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-verify-legal

// Ops on the dynamic allow-list whose instance is not handled with ? dims:
// each is named with the reason and the hint to specialize.

func.func @main(%arg0: tensor<?x4xi32>) -> tensor<?x4xi32> {
  // expected-error@+1 {{'stablehlo.power' has a dynamic dimension (tensor<?x4xi32>); on i32 tensors is not supported with dynamic dimensions. Specialize the input shapes}}
  %0 = stablehlo.power %arg0, %arg0 : tensor<?x4xi32>
  return %0 : tensor<?x4xi32>
}

// -----

func.func @main(%arg0: tensor<?x4xi32>) -> tensor<?x4xi32> {
  // expected-error@+1 {{'stablehlo.and' has a dynamic dimension (tensor<?x4xi32>); on i32 tensors (bitwise form) is not supported with dynamic dimensions}}
  %0 = stablehlo.and %arg0, %arg0 : tensor<?x4xi32>
  return %0 : tensor<?x4xi32>
}

// -----

func.func @main(%arg0: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  // expected-error@+1 {{'stablehlo.pad' has a dynamic dimension (tensor<?x4xf32>); padding the dynamic dimension 0 is not supported with dynamic dimensions}}
  %0 = stablehlo.pad %arg0, %c, low = [1, 0], high = [0, 0], interior = [0, 0] : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @main(%arg0: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c = stablehlo.constant dense<0xFF800000> : tensor<f32>
  // expected-error@+1 {{'stablehlo.reduce_window' on tensor<?x4xf32> slides its window over a dynamic (?) dimension; with flexible inputs, pooling and cumsum work only over static dims}}
  %0 = "stablehlo.reduce_window"(%arg0, %c) <{window_dimensions = array<i64: 2, 1>, padding = dense<[[1, 0], [0, 0]]> : tensor<2x2xi64>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @main(%arg0: tensor<?x16xf32>, %arg1: tensor<3x1xi32>) -> tensor<3x16xf32> {
  // expected-error@+1 {{'stablehlo.gather' has a dynamic dimension (tensor<?x16xf32>); with a dynamic operand (only the indices may have dynamic dims) is not supported with dynamic dimensions}}
  %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 16>}> {hlo_coreml.in_bounds} : (tensor<?x16xf32>, tensor<3x1xi32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// -----

func.func @main(%arg0: tensor<6x16xf32>, %arg1: tensor<2xi32>, %arg2: tensor<2xi32>) -> tensor<?x16xf32> {
  // expected-error@+1 {{'stablehlo.dynamic_gather' is supported only as a window of runtime size at one start vector}}
  %0 = "stablehlo.dynamic_gather"(%arg0, %arg1, %arg2) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>}> : (tensor<6x16xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}
