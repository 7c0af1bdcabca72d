// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// broadcast_in_dim: reshape to the result rank, then tile when the result is
// used as it is (here: returned).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (3,fp32)(Tensor)) {
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (1, 3, fp32)(Tensor) = reshape(x=%[[A]], shape=[1, 3],
// CHECK-NEXT:    %[[T:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = tile(x=%[[R]], reps=[2, 1],
// CHECK-NEXT:  } -> (%[[T]])
func.func @main(%arg0: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.broadcast_in_dim %arg0, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// ... but not before an op that broadcasts by itself (add): no tile.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (3,fp32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor)) {
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (1, 3, fp32)(Tensor) = reshape(x=%[[A]], shape=[1, 3],
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = add(x=%[[R]], y=%[[B]],
// CHECK-NEXT:  } -> (%[[S]])
// CHECK-NOT:   tile(
func.func @main(%arg0: tensor<3xf32>, %arg1: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.broadcast_in_dim %arg0, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
  %1 = stablehlo.add %0, %arg1 : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// broadcast_in_dim with dims out of order transposes first.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (3, 2, fp32)(Tensor)) {
// CHECK:         %[[T:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = transpose(x=%[[A]], perm=[1, 0],
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (2, 1, 3, fp32)(Tensor) = reshape(x=%[[T]], shape=[2, 1, 3],
// CHECK-NEXT:    %[[O:[A-Za-z0-9_]+]]: (2, 4, 3, fp32)(Tensor) = tile(x=%[[R]], reps=[1, 4, 1],
func.func @main(%arg0: tensor<3x2xf32>) -> tensor<2x4x3xf32> {
  %0 = stablehlo.broadcast_in_dim %arg0, dims = [2, 0] : (tensor<3x2xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// pad of floats by a constant is MIL pad (low/high per dim, in order).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor)) {
// CHECK:         %[[P:[A-Za-z0-9_]+]]: (4, 6, fp32)(Tensor) = pad(x=%[[A]], pad=[1, 1, 2, 1], mode="constant", constant_val=0.5,
// CHECK-NEXT:  } -> (%[[P]])
func.func @main(%arg0: tensor<2x3xf32>) -> tensor<4x6xf32> {
  %c = stablehlo.constant dense<0.5> : tensor<f32>
  %0 = stablehlo.pad %arg0, %c, low = [1, 2], high = [1, 1], interior = [0, 0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// Negative edge padding is a slice.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4, 6, fp32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (3, 4, fp32)(Tensor) = slice_by_index(x=%[[A]], begin=[1, 0], end=[4, 4],
// CHECK-NEXT:  } -> (%[[S]])
func.func @main(%arg0: tensor<4x6xf32>) -> tensor<3x4xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.pad %arg0, %c, low = [-1, 0], high = [0, -2], interior = [0, 0] : (tensor<4x6xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// pad of integers: the padding blocks are tiles of the pad value,
// concatenated dim by dim.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 3, int32)(Tensor)) {
// CHECK:         %[[C0:[A-Za-z0-9_]+]]: (4, 3, int32){{.*}} = concat(values=(%{{[A-Za-z0-9_]+}}, %[[A]], %{{[A-Za-z0-9_]+}}), axis=0,
// CHECK:         %[[C1:[A-Za-z0-9_]+]]: (4, 6, int32){{.*}} = concat(values=(%{{[A-Za-z0-9_]+}}, %[[C0]], %{{[A-Za-z0-9_]+}}), axis=1,
// CHECK-NEXT:  } -> (%[[C1]])
func.func @main(%arg0: tensor<2x3xi32>) -> tensor<4x6xi32> {
  %c = stablehlo.constant dense<7> : tensor<i32>
  %0 = stablehlo.pad %arg0, %c, low = [1, 2], high = [1, 1], interior = [0, 0] : (tensor<2x3xi32>, tensor<i32>) -> tensor<4x6xi32>
  return %0 : tensor<4x6xi32>
}

// -----

// Interior padding of a rank-5 value: each dilated axis is viewed as
// [A, n, 1, B] (rank 4), concatenated with the pad value, reshaped back
// and sliced; no rank-6 value is built.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 2, 2, 2, 3, fp16)(Tensor)) {
// CHECK:         %[[V:[A-Za-z0-9_]+]]: (16, 3, 1, 1, fp16)(Tensor) = reshape(x=%[[A]], shape=[16, 3, 1, 1],
// CHECK-NEXT:    %[[J:[A-Za-z0-9_]+]]: (16, 3, 2, 1, fp16)(Tensor) = concat(values=(%[[V]], %{{[A-Za-z0-9_]+}}), axis=2,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (2, 2, 2, 2, 6, fp16)(Tensor) = reshape(x=%[[J]], shape=[2, 2, 2, 2, 6],
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (2, 2, 2, 2, 5, fp16)(Tensor) = slice_by_index(x=%[[R]], begin=[0, 0, 0, 0, 0], end=[2, 2, 2, 2, 5],
// CHECK-NEXT:    %[[P:[A-Za-z0-9_]+]]: (2, 2, 2, 2, 6, fp16)(Tensor) = pad(x=%[[S]], pad=[0, 0, 0, 0, 0, 0, 0, 0, 0, 1], mode="constant", constant_val=0.5,
// CHECK-NEXT:  } -> (%[[P]])
func.func @main(%arg0: tensor<2x2x2x2x3xf16>) -> tensor<2x2x2x2x6xf16> {
  %c = stablehlo.constant dense<0.5> : tensor<f16>
  %0 = stablehlo.pad %arg0, %c, low = [0, 0, 0, 0, 0], high = [0, 0, 0, 0, 1], interior = [0, 0, 0, 0, 1] : (tensor<2x2x2x2x3xf16>, tensor<f16>) -> tensor<2x2x2x2x6xf16>
  return %0 : tensor<2x2x2x2x6xf16>
}

// -----

// An axis cropped to nothing by negative padding and padded again: every
// element is padding, the pad value is tiled to the result.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 1, int32)(Tensor),
// CHECK-NEXT:    %[[V:[A-Za-z0-9_]+]]: (1,int32)(Tensor)) {
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (1, 1, int32)(Tensor) = reshape(x=
// CHECK-NEXT:    %[[T:[A-Za-z0-9_]+]]: (3, 1, int32)(Tensor) = tile(x=%[[R]], reps=[3, 1],
// CHECK-NEXT:  } -> (%[[T]])
func.func @main(%arg0: tensor<2x1xi32>, %v: tensor<i32>) -> tensor<3x1xi32> {
  %0 = stablehlo.pad %arg0, %v, low = [1, -1], high = [0, 1], interior = [0, 0] : (tensor<2x1xi32>, tensor<i32>) -> tensor<3x1xi32>
  return %0 : tensor<3x1xi32>
}

// -----

// iota: a constant along its dimension, tiled to the full shape.
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[T:[A-Za-z0-9_]+]]: (2, 4, int32){{.*}} = tile(x={{\[}}[0, 1, 2, 3]], reps=[2, 1],
// CHECK-NEXT:  } -> (%[[T]])
func.func @main() -> tensor<2x4xi32> {
  %0 = stablehlo.iota dim = 1 : tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// -----

// ... not tiled before an elementwise op.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 4, fp32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (2, 4, fp32)(Tensor) = add(x={{\[}}[0.0], [1.0]], y=%[[A]],
// CHECK-NEXT:  } -> (%[[S]])
func.func @main(%arg0: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = stablehlo.iota dim = 0 : tensor<2x4xf32>
  %1 = stablehlo.add %0, %arg0 : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// transpose, reshape, slice, concatenate.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor)) {
// CHECK:         %[[T:[A-Za-z0-9_]+]]: (3, 2, fp32)(Tensor) = transpose(x=%[[A]], perm=[1, 0],
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (6,fp32)(Tensor) = reshape(x=%[[A]], shape=[6],
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (1, 2, fp32)(Tensor) = slice_by_index(x=%[[A]], begin=[0, 1], end=[1, 3], stride=[1, 1],
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (4, 3, fp32){{.*}} = concat(values=(%[[A]], %[[A]]), axis=0,
// CHECK-NEXT:  } -> (%[[T]], %[[R]], %[[S]], %[[C]])
func.func @main(%arg0: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<6xf32>, tensor<1x2xf32>, tensor<4x3xf32>) {
  %0 = stablehlo.transpose %arg0, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = stablehlo.reshape %arg0 : (tensor<2x3xf32>) -> tensor<6xf32>
  %2 = stablehlo.slice %arg0 [0:1, 1:3] : (tensor<2x3xf32>) -> tensor<1x2xf32>
  %3 = stablehlo.concatenate %arg0, %arg0, dim = 0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0, %1, %2, %3 : tensor<3x2xf32>, tensor<6xf32>, tensor<1x2xf32>, tensor<4x3xf32>
}
