// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-cap-rank | filecheck %s --check-prefix=RANK

// Convolutions with 4 or more spatial dims (rank > 5): one spatial dim is
// peeled into the batch dim, leaving one rank-5 convolution per kernel tap
// of that dim, summed (passes/cap_rank/conv.py).

// Nothing of rank 6 or more is left anywhere.
// RANK-NOT: tensor<{{[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x[0-9]+x}}

// The peeled dim is the one with the smallest kernel: a kernel of size 1
// there leaves a single rank-5 convolution (no slice, no add). The input is
// transposed once to [N, X_d, C, X..] so that X_d joins the batch.
// CHECK-LABEL: func.func @conv4d_unit_tap(
// CHECK:         %[[XT:.*]] = stablehlo.transpose
// CHECK:         %[[X5:.*]] = stablehlo.reshape %[[XT]] : (tensor<2x4x60x3xf32>) -> tensor<8x3x5x4x3xf32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.convolution(%[[X5]], %{{.*}}) dim_numbers = [b, f, 0, 1, 2]x[o, i, 0, 1, 2]->[b, f, 0, 1, 2]{{.*}} : (tensor<8x3x5x4x3xf32>, tensor<4x3x2x3x2xf32>) -> tensor<8x4x4x2x2xf32>
// CHECK-NOT:     stablehlo.convolution
// CHECK-NOT:     stablehlo.add
func.func @conv4d_unit_tap(%x5: tensor<6x5x4x4x3xf32>, %w5: tensor<12x2x3x1x2xf32>) -> tensor<8x4x2x4x2xf32> {
  %x = stablehlo.reshape %x5 : (tensor<6x5x4x4x3xf32>) -> tensor<2x3x5x4x4x3xf32>
  %w = stablehlo.reshape %w5 : (tensor<12x2x3x1x2xf32>) -> tensor<4x3x2x3x1x2xf32>
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1, 2, 3]x[o, i, 0, 1, 2, 3]->[b, f, 0, 1, 2, 3], window = {stride = [1, 1, 1, 1], pad = [[0, 0], [0, 0], [0, 0], [0, 0]], rhs_dilate = [1, 1, 1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x3x5x4x4x3xf32>, tensor<4x3x2x3x1x2xf32>) -> tensor<2x4x4x2x4x2xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x4x4x2x4x2xf32>) -> tensor<8x4x2x4x2xf32>
  return %1 : tensor<8x4x2x4x2xf32>
}

// -----

// A peeled dim with padding and a stride: one zero pad along it, then per
// kernel tap k a strided slice starting at k (its extent the output's),
// one rank-5 convolution each, summed.
// CHECK-LABEL: func.func @conv4d_peel_padded_strided(
// CHECK:         %[[P:.*]] = stablehlo.pad %{{.*}}, low = [0, 1, 0, 0], high = [0, 0, 0, 0], interior = [0, 0, 0, 0]
// CHECK:         stablehlo.slice %[[P]] [0:2, 0:5:2, 0:3, 0:48]
// CHECK:         %[[C0:.*]] = stablehlo.convolution{{.*}}window = {stride = [1, 1, 1], pad = {{\[\[}}0, 0], [0, 0], [0, 0]]{{.*}} -> tensor<6x4x3x3x2xf32>
// CHECK:         stablehlo.slice %[[P]] [0:2, 1:6:2, 0:3, 0:48]
// CHECK:         %[[C1:.*]] = stablehlo.convolution
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[C0]], %[[C1]] : tensor<6x4x3x3x2xf32>
// CHECK-NEXT:    stablehlo.reshape %[[S]] : (tensor<6x4x3x3x2xf32>) -> tensor<2x3x4x18xf32>
// CHECK-NEXT:    stablehlo.transpose
func.func @conv4d_peel_padded_strided(%x5: tensor<6x5x4x4x3xf32>, %w5: tensor<12x2x2x2x2xf32>) -> tensor<8x3x3x3x2xf32> {
  %x = stablehlo.reshape %x5 : (tensor<6x5x4x4x3xf32>) -> tensor<2x3x5x4x4x3xf32>
  %w = stablehlo.reshape %w5 : (tensor<12x2x2x2x2xf32>) -> tensor<4x3x2x2x2x2xf32>
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1, 2, 3]x[o, i, 0, 1, 2, 3]->[b, f, 0, 1, 2, 3], window = {stride = [2, 1, 1, 1], pad = [[1, 0], [0, 0], [0, 0], [0, 0]], lhs_dilate = [1, 1, 1, 1], rhs_dilate = [1, 1, 1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x3x5x4x4x3xf32>, tensor<4x3x2x2x2x2xf32>) -> tensor<2x4x3x3x3x2xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x4x3x3x3x2xf32>) -> tensor<8x3x3x3x2xf32>
  return %1 : tensor<8x3x3x3x2xf32>
}

// -----

// Channels last, lhs dilation (interior padding), window reversal and
// feature groups on the peeled dim: the taps are taken in reverse order
// (kernel slice 8:16 is tap 1, used with input offset 0), the other dims'
// attributes and the groups are kept.
// CHECK-LABEL: func.func @channels_last_dilated_reversed(
// CHECK:         %[[P:.*]] = stablehlo.pad %{{.*}}, low = [0, 0, 0, 0], high = [0, 1, 0, 0], interior = [0, 1, 0, 0]
// CHECK:         stablehlo.slice %[[P]] [0:2, 0:9, 0:6, 0:24]
// CHECK:         stablehlo.slice %{{.*}} [0:3, 0:2, 8:16]
// CHECK:         stablehlo.convolution{{.*}}reverse = [false, false, false]} {batch_group_count = 1 : i64, feature_group_count = 3 : i64}{{.*}} -> tensor<18x3x3x2x1xf32>
// CHECK:         stablehlo.slice %[[P]] [0:2, 1:10, 0:6, 0:24]
// CHECK:         stablehlo.slice %{{.*}} [0:3, 0:2, 0:8]
// CHECK:         stablehlo.convolution
// CHECK:         stablehlo.add
// CHECK:         stablehlo.transpose %{{.*}}, dims = [0, 1, 3, 4, 2] : (tensor<2x9x3x3x2xf32>) -> tensor<2x9x3x2x3xf32>
func.func @channels_last_dilated_reversed(%x5: tensor<2x5x4x3x12xf32>, %w5: tensor<6x2x2x2x2xf32>) -> tensor<2x9x3x2x3xf32> {
  %x = stablehlo.reshape %x5 : (tensor<2x5x4x3x12xf32>) -> tensor<2x5x4x3x2x6xf32>
  %w = stablehlo.reshape %w5 : (tensor<6x2x2x2x2xf32>) -> tensor<2x2x2x2x2x3xf32>
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, 2, 3, f]x[0, 1, 2, 3, i, o]->[b, 0, 1, 2, 3, f], window = {stride = [1, 1, 1, 1], pad = [[0, 1], [0, 0], [0, 0], [0, 0]], lhs_dilate = [2, 1, 1, 1], rhs_dilate = [1, 1, 1, 1], reverse = [true, false, false, false]} {batch_group_count = 1 : i64, feature_group_count = 3 : i64} : (tensor<2x5x4x3x2x6xf32>, tensor<2x2x2x2x2x3xf32>) -> tensor<2x9x3x2x1x3xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x9x3x2x1x3xf32>) -> tensor<2x9x3x2x3xf32>
  return %1 : tensor<2x9x3x2x3xf32>
}

// -----

// Rank 7 (5 spatial dims): peeled twice, 2 x 2 rank-5 convolutions.
// CHECK-LABEL: func.func @rank7_peeled_twice(
// CHECK-COUNT-4: stablehlo.convolution{{.*}} : (tensor<4x2x3x3x3xf32>, tensor<1x2x2x2x2xf32>) -> tensor<4x1x2x2x2xf32>
// CHECK-NOT:     stablehlo.convolution
func.func @rank7_peeled_twice(%x5: tensor<6x3x3x3x3xf32>, %w5: tensor<4x2x2x2x2xf32>) -> tensor<2x2x2x2x2xf32> {
  %x = stablehlo.reshape %x5 : (tensor<6x3x3x3x3xf32>) -> tensor<1x2x3x3x3x3x3xf32>
  %w = stablehlo.reshape %w5 : (tensor<4x2x2x2x2xf32>) -> tensor<1x2x2x2x2x2x2xf32>
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1, 2, 3, 4]x[o, i, 0, 1, 2, 3, 4]->[b, f, 0, 1, 2, 3, 4], window = {stride = [1, 1, 1, 1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x2x3x3x3x3x3xf32>, tensor<1x2x2x2x2x2x2xf32>) -> tensor<1x1x2x2x2x2x2xf32>
  %1 = stablehlo.reshape %0 : (tensor<1x1x2x2x2x2x2xf32>) -> tensor<2x2x2x2x2xf32>
  return %1 : tensor<2x2x2x2x2xf32>
}

// -----

// batch_group_count: the batch [N, Y_d] is N major, so each batch group
// holds whole runs of Y_d and the result batch reshapes to [N', Y_d].
// CHECK-LABEL: func.func @batch_groups(
// CHECK:         %[[C:.*]] = stablehlo.convolution{{.*}}batch_group_count = 2 : i64{{.*}} : (tensor<20x2x3x3x2xf32>, tensor<4x2x2x2x2xf32>) -> tensor<10x4x2x2x1xf32>
// CHECK-NEXT:    stablehlo.reshape %[[C]] : (tensor<10x4x2x2x1xf32>) -> tensor<2x5x4x2x2xf32>
func.func @batch_groups(%x5: tensor<4x2x3x3x6xf32>, %w5: tensor<4x2x2x2x2xf32>) -> tensor<2x4x2x2x10xf32> {
  %x = stablehlo.reshape %x5 : (tensor<4x2x3x3x6xf32>) -> tensor<4x2x3x3x3x2xf32>
  %w = stablehlo.reshape %w5 : (tensor<4x2x2x2x2xf32>) -> tensor<4x2x2x2x1x2xf32>
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1, 2, 3]x[o, i, 0, 1, 2, 3]->[b, f, 0, 1, 2, 3], window = {pad = [[0, 0], [0, 0], [1, 1], [0, 0]]} {batch_group_count = 2 : i64, feature_group_count = 1 : i64} : (tensor<4x2x3x3x3x2xf32>, tensor<4x2x2x2x1x2xf32>) -> tensor<2x4x2x2x5x1xf32>
  %1 = stablehlo.reshape %0 : (tensor<2x4x2x2x5x1xf32>) -> tensor<2x4x2x2x5xf32>
  %2 = stablehlo.concatenate %1, %1, dim = 4 : (tensor<2x4x2x2x5xf32>, tensor<2x4x2x2x5xf32>) -> tensor<2x4x2x2x10xf32>
  return %2 : tensor<2x4x2x2x10xf32>
}
