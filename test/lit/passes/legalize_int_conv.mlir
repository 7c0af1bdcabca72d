// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-int-conv | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-int-conv | filecheck %s --check-prefix=SCALE

// i8 x i8 with K = 4 * 3 * 3 = 36 terms: 128 * 128 * 36 < 2**24, so one f32
// convolution of the converted operands is exact.
// CHECK-LABEL: func.func @i8_one_conv(
// CHECK-SAME:    %[[X:.*]]: tensor<1x4x6x6xi8>, %[[W:.*]]: tensor<3x4x3x3xi8>)
// CHECK-NEXT:    %[[XF:.*]] = stablehlo.convert %[[X]] : (tensor<1x4x6x6xi8>) -> tensor<1x4x6x6xf32>
// CHECK-NEXT:    %[[WF:.*]] = stablehlo.convert %[[W]] : (tensor<3x4x3x3xi8>) -> tensor<3x4x3x3xf32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.convolution(%[[XF]], %[[WF]]) {{.*}}batch_group_count = 1 : i64, feature_group_count = 1 : i64{{.*}} -> tensor<1x3x4x4xf32>
// CHECK-NEXT:    %[[I:.*]] = stablehlo.convert %[[C]] : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xi32>
// CHECK-NEXT:    return %[[I]]
func.func @i8_one_conv(%x: tensor<1x4x6x6xi8>, %w: tensor<3x4x3x3xi8>) -> tensor<1x3x4x4xi32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x6x6xi8>, tensor<3x4x3x3xi8>) -> tensor<1x3x4x4xi32>
  return %0 : tensor<1x3x4x4xi32>
}

// -----

// i8 result: computed exactly in i32, then converted (wrapping) to i8.
// Groups, padding and dilation are kept on the f32 convolution.
// CHECK-LABEL: func.func @i8_result(
// CHECK:         %[[C:.*]] = stablehlo.convolution({{.*}}) {{.*}}window = {pad = {{\[\[}}1, 1], [1, 1]], lhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x4x4x4xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x7x7xf32>
// CHECK-NEXT:    %[[I:.*]] = stablehlo.convert %[[C]] : (tensor<1x6x7x7xf32>) -> tensor<1x6x7x7xi32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.convert %[[I]] : (tensor<1x6x7x7xi32>) -> tensor<1x6x7x7xi8>
// CHECK-NEXT:    return %[[R]]
func.func @i8_result(%x: tensor<1x4x4x4xi8>, %w: tensor<6x2x3x3xi8>) -> tensor<1x6x7x7xi8> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {pad = [[1, 1], [1, 1]], lhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 2 : i64} : (tensor<1x4x4x4xi8>, tensor<6x2x3x3xi8>) -> tensor<1x6x7x7xi8>
  return %0 : tensor<1x6x7x7xi8>
}

// -----

// i32 x i32, K = 1 * 3 = 3: limbs of 11 bits (2047^2 * 3 < 2**24): x and w
// each split in three (and with 2047, exact divide by 2048); only the
// pairs with 11 (i + j) < 32 are needed: 6 convolutions, scaled by
// 1, 2**11, 2**22 and summed in i32 (wrapping as the i32 result does).
// CHECK-LABEL: func.func @i32_limbs(
// CHECK-SAME:    %[[X:.*]]: tensor<1x1x8xi32>, %[[W:.*]]: tensor<1x1x3xi32>)
// CHECK:         %[[M:.*]] = stablehlo.constant dense<2047> : tensor<1x1x8xi32>
// CHECK-NEXT:    %[[X0:.*]] = stablehlo.and %[[X]], %[[M]] : tensor<1x1x8xi32>
// CHECK-NEXT:    %[[XS:.*]] = stablehlo.subtract %[[X]], %[[X0]] : tensor<1x1x8xi32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.constant dense<2048> : tensor<1x1x8xi32>
// CHECK-NEXT:    stablehlo.divide %[[XS]], %[[B]] : tensor<1x1x8xi32>
// SCALE:         stablehlo.constant dense<2048> : tensor<1x1x6xi32>
// SCALE:         stablehlo.constant dense<4194304> : tensor<1x1x6xi32>
// CHECK-COUNT-6: stablehlo.convolution
// CHECK-NOT:     stablehlo.convolution
// CHECK:         return
func.func @i32_limbs(%x: tensor<1x1x8xi32>, %w: tensor<1x1x3xi32>) -> tensor<1x1x6xi32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0]x[o, i, 0]->[b, f, 0], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x1x8xi32>, tensor<1x1x3xi32>) -> tensor<1x1x6xi32>
  return %0 : tensor<1x1x6xi32>
}

// -----

// ui8 x ui8 into ui32 with batch groups: one conv (255 * 255 * 2 * 2 * 2);
// the i32 sum reinterpreted as ui32.
// CHECK-LABEL: func.func @ui8_batch_groups(
// CHECK:         stablehlo.convert %{{.*}} : (tensor<4x2x3x3xui8>) -> tensor<4x2x3x3xf32>
// CHECK:         stablehlo.convolution({{.*}}) {{.*}}batch_group_count = 2 : i64
// CHECK:         %[[I:.*]] = stablehlo.convert %{{.*}} : (tensor<2x4x2x2xf32>) -> tensor<2x4x2x2xi32>
// CHECK-NEXT:    %[[U:.*]] = stablehlo.bitcast_convert %[[I]] : (tensor<2x4x2x2xi32>) -> tensor<2x4x2x2xui32>
// CHECK-NEXT:    return %[[U]]
func.func @ui8_batch_groups(%x: tensor<4x2x3x3xui8>, %w: tensor<4x2x2x2xui8>) -> tensor<2x4x2x2xui32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {} {batch_group_count = 2 : i64, feature_group_count = 1 : i64} : (tensor<4x2x3x3xui8>, tensor<4x2x2x2xui8>) -> tensor<2x4x2x2xui32>
  return %0 : tensor<2x4x2x2xui32>
}

// -----

// A float convolution is left alone.
// CHECK-LABEL: func.func @float(
// CHECK-NEXT:    stablehlo.convolution
// CHECK-NEXT:    return
func.func @float(%x: tensor<1x1x8xf32>, %w: tensor<1x1x3xf32>) -> tensor<1x1x6xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0]x[o, i, 0]->[b, f, 0], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x1x8xf32>, tensor<1x1x3xf32>) -> tensor<1x1x6xf32>
  return %0 : tensor<1x1x6xf32>
}
