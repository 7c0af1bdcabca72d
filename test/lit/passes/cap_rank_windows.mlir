// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s --check-prefix=RANK

// Nothing of rank 6 or more is left anywhere.
// RANK-NOT: tensor<{{[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x}}

// reduce_window: untouched dims collapse, a touched dim stands alone; a
// cumsum (window = whole dim 3, padded in front) becomes [before, dim, after].
// CHECK-LABEL: func.func @cumsum(
// CHECK:         %[[V:.*]] = stablehlo.reshape %{{.*}} : (tensor<1440xf32>) -> tensor<12x4x30xf32>
// CHECK-NEXT:    "stablehlo.reduce_window"(%[[V]], %{{.*}}) <{padding = dense<{{\[\[}}0, 0], [3, 0], [0, 0]]> : tensor<3x2xi64>, window_dimensions = array<i64: 1, 4, 1>}>
// CHECK:         (tensor<12x4x30xf32>, tensor<f32>) -> tensor<12x4x30xf32>
func.func @cumsum(%arg0: tensor<1440xf32>) -> tensor<1440xf32> {
  %0 = stablehlo.reshape %arg0 : (tensor<1440xf32>) -> tensor<2x2x3x4x5x6xf32>
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %1 = "stablehlo.reduce_window"(%0, %init) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {window_dimensions = array<i64: 1, 1, 1, 4, 1, 1>, padding = dense<[[0, 0], [0, 0], [0, 0], [3, 0], [0, 0], [0, 0]]> : tensor<6x2xi64>} : (tensor<2x2x3x4x5x6xf32>, tensor<f32>) -> tensor<2x2x3x4x5x6xf32>
  %2 = stablehlo.reshape %1 : (tensor<2x2x3x4x5x6xf32>) -> tensor<1440xf32>
  return %2 : tensor<1440xf32>
}

// -----

// Touched and untouched dims alternate (six dims apart): the fallback
// moves the untouched dims in front, merged, and runs the window on
// [untouched, touched...]; the pad after it is planned directly.
// CHECK-LABEL: func.func @alternating(
// CHECK:         %[[V:.*]] = stablehlo.reshape %{{.*}} -> tensor<48x2x3x5xf32>
// CHECK-NEXT:    "stablehlo.reduce_window"(%[[V]], %{{.*}}) <{padding = dense<{{\[\[}}0, 0], [0, 0], [1, 0], [0, 0]]> : tensor<4x2xi64>, window_dimensions = array<i64: 1, 2, 2, 2>, window_strides = array<i64: 1, 1, 2, 2>}>
// CHECK:         (tensor<48x2x3x5xf32>, tensor<f32>) -> tensor<48x1x2x2xf32>
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 3, 1, 4, 2] : (tensor<2x4x6x2x2xf32>) -> tensor<2x2x4x2x6xf32>
// CHECK:         stablehlo.pad %{{.*}}, low = [0, 12], high = [0, 0], interior = [0, 0] : (tensor<4x48xf32>, tensor<f32>) -> tensor<4x60xf32>
func.func @alternating(%arg0: tensor<1440xf32>) -> tensor<240xf32> {
  %0 = stablehlo.reshape %arg0 : (tensor<1440xf32>) -> tensor<2x2x3x4x5x6xf32>
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %1 = "stablehlo.reduce_window"(%0, %init) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {window_dimensions = array<i64: 2, 1, 2, 1, 2, 1>, window_strides = array<i64: 1, 1, 2, 1, 2, 1>, padding = dense<[[0, 0], [0, 0], [1, 0], [0, 0], [0, 0], [0, 0]]> : tensor<6x2xi64>} : (tensor<2x2x3x4x5x6xf32>, tensor<f32>) -> tensor<1x2x2x4x2x6xf32>
  %2 = stablehlo.pad %1, %init, low = [0, 0, 0, 1, 0, 0], high = [0, 0, 0, 0, 0, 0], interior = [0, 0, 0, 0, 0, 0] : (tensor<1x2x2x4x2x6xf32>, tensor<f32>) -> tensor<1x2x2x5x2x6xf32>
  %3 = stablehlo.reshape %2 : (tensor<1x2x2x5x2x6xf32>) -> tensor<240xf32>
  return %3 : tensor<240xf32>
}

// -----

// A slice of every dim (e.g. what a window over all six dims decomposes
// into): one slice per dim, on views [before, dim, after].
// CHECK-LABEL: func.func @slice_every_dim(
// CHECK:         stablehlo.slice %{{.*}} [1:2, 0:1440] : (tensor<2x1440xf32>) -> tensor<1x1440xf32>
// CHECK:         stablehlo.slice %{{.*}} [1:3, 0:360] : (tensor<4x360xf32>) -> tensor<2x360xf32>
// CHECK:         stablehlo.slice %{{.*}} [0:2, 1:3, 0:120] : (tensor<2x3x120xf32>) -> tensor<2x2x120xf32>
// CHECK:         stablehlo.slice %{{.*}} [0:4, 1:3, 0:30] : (tensor<4x4x30xf32>) -> tensor<4x2x30xf32>
// CHECK:         stablehlo.slice %{{.*}} [0:8, 1:4, 0:6] : (tensor<8x5x6xf32>) -> tensor<8x3x6xf32>
// CHECK:         stablehlo.slice %{{.*}} [0:24, 1:6] : (tensor<24x6xf32>) -> tensor<24x5xf32>
func.func @slice_every_dim(%arg0: tensor<2880xf32>) -> tensor<360xf32> {
  %0 = stablehlo.reshape %arg0 : (tensor<2880xf32>) -> tensor<2x4x3x4x5x6xf32>
  %1 = stablehlo.slice %0 [1:2, 1:3, 1:3, 1:3, 1:4, 1:6] : (tensor<2x4x3x4x5x6xf32>) -> tensor<1x2x2x2x3x5xf32>
  %2 = stablehlo.reshape %1 : (tensor<1x2x2x2x3x5xf32>) -> tensor<120xf32>
  %3 = stablehlo.concatenate %2, %2, %2, dim = 0 : (tensor<120xf32>, tensor<120xf32>, tensor<120xf32>) -> tensor<360xf32>
  return %3 : tensor<360xf32>
}

// -----

// A pad of every dim (edges, negative edges, interior): one pad per dim.
// CHECK-LABEL: func.func @pad_every_dim(
// CHECK:         stablehlo.pad %{{.*}}, low = [1, 0], high = [0, 0], interior = [0, 0] : (tensor<2x360xi32>, tensor<i32>) -> tensor<3x360xi32>
// CHECK:         stablehlo.pad %{{.*}}, low = [0, 0, 0], high = [0, 1, 0], interior = [0, 0, 0] : (tensor<3x3x120xi32>, tensor<i32>) -> tensor<3x4x120xi32>
// CHECK:         stablehlo.pad %{{.*}}, low = [0, 1, 0], high = [0, 0, 0], interior = [0, 1, 0] : (tensor<12x2x60xi32>, tensor<i32>) -> tensor<12x4x60xi32>
// CHECK:         stablehlo.pad %{{.*}}, low = [0, -1, 0], high = [0, 0, 0], interior = [0, 0, 0] : (tensor<48x5x12xi32>, tensor<i32>) -> tensor<48x4x12xi32>
// CHECK:         stablehlo.pad %{{.*}}, low = [0, 0, 0], high = [0, 1, 0], interior = [0, 0, 0] : (tensor<192x2x6xi32>, tensor<i32>) -> tensor<192x3x6xi32>
// CHECK:         stablehlo.pad %{{.*}}, low = [0, 0], high = [0, 1], interior = [0, 1] : (tensor<576x6xi32>, tensor<i32>) -> tensor<576x12xi32>
func.func @pad_every_dim(%arg0: tensor<720xi32>) -> tensor<7560xi32> {
  %0 = stablehlo.reshape %arg0 : (tensor<720xi32>) -> tensor<2x3x2x5x2x6xi32>
  %c = stablehlo.constant dense<7> : tensor<i32>
  %1 = stablehlo.pad %0, %c, low = [1, 0, 1, -1, 0, 0], high = [0, 1, 0, 0, 1, 1], interior = [0, 0, 1, 0, 0, 1] : (tensor<2x3x2x5x2x6xi32>, tensor<i32>) -> tensor<3x4x4x4x3x12xi32>
  %2 = stablehlo.reshape %1 : (tensor<3x4x4x4x3x12xi32>) -> tensor<6912xi32>
  %3 = stablehlo.slice %2 [0:648] : (tensor<6912xi32>) -> tensor<648xi32>
  %4 = stablehlo.concatenate %2, %3, dim = 0 : (tensor<6912xi32>, tensor<648xi32>) -> tensor<7560xi32>
  return %4 : tensor<7560xi32>
}

// -----

// Strides, padding, base and window dilation on one dim of an int min
// window: all five attributes follow the touched dim.
// CHECK-LABEL: func.func @min_dilated(
// CHECK:         "stablehlo.reduce_window"(%{{.*}}, %{{.*}}) <{base_dilations = array<i64: 1, 2, 1>, padding = dense<{{\[\[}}0, 0], [0, 1], [0, 0]]> : tensor<3x2xi64>, window_dilations = array<i64: 1, 3, 1>, window_dimensions = array<i64: 1, 2, 1>, window_strides = array<i64: 1, 2, 1>}>
// CHECK:         (tensor<12x4x30xi32>, tensor<i32>) -> tensor<12x3x30xi32>
func.func @min_dilated(%arg0: tensor<1440xi32>) -> tensor<360xi32> {
  %0 = stablehlo.reshape %arg0 : (tensor<1440xi32>) -> tensor<2x2x3x4x5x6xi32>
  %init = stablehlo.constant dense<2147483647> : tensor<i32>
  %1 = "stablehlo.reduce_window"(%0, %init) ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %s = stablehlo.minimum %a, %b : tensor<i32>
    stablehlo.return %s : tensor<i32>
  }) {window_dimensions = array<i64: 1, 1, 1, 2, 1, 1>, base_dilations = array<i64: 1, 1, 1, 2, 1, 1>, window_dilations = array<i64: 1, 1, 1, 3, 1, 1>, window_strides = array<i64: 1, 1, 1, 2, 1, 1>, padding = dense<[[0, 0], [0, 0], [0, 0], [0, 1], [0, 0], [0, 0]]> : tensor<6x2xi64>} : (tensor<2x2x3x4x5x6xi32>, tensor<i32>) -> tensor<2x2x3x3x5x6xi32>
  %2 = stablehlo.reshape %1 : (tensor<2x2x3x3x5x6xi32>) -> tensor<1x2x3x2x5x6x3xi32>
  %3 = stablehlo.slice %2 [0:1, 0:2, 0:3, 0:2, 0:5, 0:6, 1:2] : (tensor<1x2x3x2x5x6x3xi32>) -> tensor<1x2x3x2x5x6x1xi32>
  %4 = stablehlo.reshape %3 : (tensor<1x2x3x2x5x6x1xi32>) -> tensor<360xi32>
  return %4 : tensor<360xi32>
}
