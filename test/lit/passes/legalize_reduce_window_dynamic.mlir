// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-reduce-window | filecheck %s
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-reduce-window --hlo-coreml-verify-legal 2>&1 | filecheck %s --check-prefix=ERR

// Pooling over a flexible (?) batch: the window leaves the ? dim alone and
// two dims stay outside it, so transposes alone give MIL's [N, C, H, W].

// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[X:.+]]: tensor<?x8x8x3xf32>)
// CHECK:         %[[T:.+]] = stablehlo.transpose %[[X]], dims = [0, 3, 1, 2] : (tensor<?x8x8x3xf32>) -> tensor<?x3x8x8xf32>
// CHECK-NEXT:    %[[P:.+]] = "stablehlo.reduce_window"(%[[T]], %{{.+}}) <{{.*}}window_dimensions = array<i64: 1, 1, 2, 2>, window_strides = array<i64: 1, 1, 2, 2>}>
// CHECK:         (tensor<?x3x8x8xf32>, tensor<f32>) -> tensor<?x3x4x4xf32>
// CHECK-NEXT:    stablehlo.transpose %[[P]], dims = [0, 2, 3, 1] : (tensor<?x3x4x4xf32>) -> tensor<?x4x4x3xf32>
// CHECK-NOT:     stablehlo.reshape
func.func @main(%arg0: tensor<?x8x8x3xf32>) -> tensor<?x4x4x3xf32> {
  %c = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%arg0, %c) <{window_dimensions = array<i64: 1, 2, 2, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<?x8x8x3xf32>, tensor<f32>) -> tensor<?x4x4x3xf32>
  return %0 : tensor<?x4x4x3xf32>
}

// -----

// Three dims outside the window, one of them ?: merging them into [N, C]
// would need a reshape of a ? dim, so the window is left as it is and
// verify-legal says why.
// CHECK-LABEL: func.func @main
// CHECK-NOT:     stablehlo.transpose
// CHECK:         "stablehlo.reduce_window"(%arg0,
// ERR: legalize_reduce_window_dynamic.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.reduce_window' on tensor<?x8x3x2xf32> cannot be put into MIL's pooling layout: the dims outside the window must be exactly two when one of them is dynamic
func.func @main(%arg0: tensor<?x8x3x2xf32>) -> tensor<?x4x3x2xf32> {
  %c = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%arg0, %c) <{window_dimensions = array<i64: 1, 2, 1, 1>, window_strides = array<i64: 1, 2, 1, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<?x8x3x2xf32>, tensor<f32>) -> tensor<?x4x3x2xf32>
  return %0 : tensor<?x4x3x2xf32>
}
