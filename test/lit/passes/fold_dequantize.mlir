// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-fold-dequantize | filecheck %s

// int8 per output channel: q.astype(f32) * scale[None, :]. The scale varies
// along dim 1 only: a 1x3 scale grid (blocks of 2 rows).
// CHECK-LABEL: func.func @int8_per_channel(
// CHECK-NEXT:    %[[W:.*]] = stablehlo.composite "hlo_coreml.dequantize" {composite_attributes = {data = dense<{{\[\[}}1, -2, 3], [-128, 127, 0]]> : tensor<2x3xi8>, scale = dense<{{\[\[}}5.000000e-01, 2.500000e-01, 1.250000e-01]]> : tensor<1x3xf32>, storage = "int8"}, decomposition = @hlo_coreml.dequantize.impl_1} : () -> tensor<2x3xf32>
// CHECK-NEXT:    %[[D:.*]] = stablehlo.dot_general %{{.*}}, %[[W]]
// CHECK-NEXT:    return %[[D]]
// CHECK-NOT:   stablehlo.convert %{{.*}} : (tensor<2x3xi8>)
// CHECK-LABEL: func.func private @hlo_coreml.dequantize.impl_1() -> tensor<2x3xf32>
// CHECK:         stablehlo.convert %{{.*}} : (tensor<2x3xi8>) -> tensor<2x3xf32>
// CHECK:         stablehlo.broadcast_in_dim %{{.*}}, dims = [0, 2] : (tensor<1x3xf32>) -> tensor<1x2x3x1xf32>
// CHECK:         stablehlo.multiply
func.func @int8_per_channel(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %q = stablehlo.constant dense<[[1, -2, 3], [-128, 127, 0]]> : tensor<2x3xi8>
  %s = stablehlo.constant dense<[0.5, 0.25, 0.125]> : tensor<3xf32>
  %0 = stablehlo.convert %q : (tensor<2x3xi8>) -> tensor<2x3xf32>
  %1 = stablehlo.broadcast_in_dim %s, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
  %2 = stablehlo.multiply %0, %1 : tensor<2x3xf32>
  %3 = stablehlo.dot_general %x, %2, contracting_dims = [1] x [0] : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %3 : tensor<4x3xf32>
}

// -----

// int4 blocks of 2 along the input dim, written as JAX does it: q of shape
// (blocks, 2, out) times scale (blocks, 1, out), reshaped to (in, out); the
// scale on the left. The reshape is absorbed: data 4x2, scale 2x2.
// CHECK-LABEL: func.func @int4_blocks(
// CHECK-NEXT:    %[[W:.*]] = stablehlo.composite "hlo_coreml.dequantize" {composite_attributes = {data = dense<{{\[\[}}1, -8], [7, 0], [-1, 2], [3, -4]]> : tensor<4x2xi8>, scale = dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>, storage = "int4"}
// CHECK-SAME:    : () -> tensor<4x2xf32>
// CHECK-NEXT:    return %[[W]]
func.func @int4_blocks() -> tensor<4x2xf32> {
  %q = stablehlo.constant dense<[[[1, -8], [7, 0]], [[-1, 2], [3, -4]]]> : tensor<2x2x2xi4>
  %s = stablehlo.constant dense<[[[1.0, 2.0]], [[3.0, 4.0]]]> : tensor<2x1x2xf32>
  %0 = stablehlo.convert %q : (tensor<2x2x2xi4>) -> tensor<2x2x2xf32>
  %1 = stablehlo.broadcast_in_dim %s, dims = [0, 1, 2] : (tensor<2x1x2xf32>) -> tensor<2x2x2xf32>
  %2 = stablehlo.multiply %1, %0 : tensor<2x2x2xf32>
  %3 = stablehlo.reshape %2 : (tensor<2x2x2xf32>) -> tensor<4x2xf32>
  return %3 : tensor<4x2xf32>
}

// -----

// uint4 with a zero point: (q - zp) * scale, per tensor (scalar scale and
// zero point reach the multiply through broadcasts): a 1x1 grid.
// CHECK-LABEL: func.func @uint4_zero_point(
// CHECK-NEXT:    %[[W:.*]] = stablehlo.composite "hlo_coreml.dequantize" {composite_attributes = {data = dense<{{\[\[}}0, 15], [8, 9]]> : tensor<2x2xui8>, offset = dense<8.000000e+00> : tensor<1x1xf32>, scale = dense<1.250000e-01> : tensor<1x1xf32>, storage = "uint4"}
// CHECK-NEXT:    return %[[W]]
// CHECK-LABEL: func.func private @hlo_coreml.dequantize.impl_1()
// CHECK:         stablehlo.subtract
// CHECK:         stablehlo.multiply
func.func @uint4_zero_point() -> tensor<2x2xf32> {
  %q = stablehlo.constant dense<[[0, 15], [8, 9]]> : tensor<2x2xui4>
  %zp = stablehlo.constant dense<8.0> : tensor<f32>
  %s = stablehlo.constant dense<0.125> : tensor<f32>
  %0 = stablehlo.convert %q : (tensor<2x2xui4>) -> tensor<2x2xf32>
  %1 = stablehlo.broadcast_in_dim %zp, dims = [] : (tensor<f32>) -> tensor<2x2xf32>
  %2 = stablehlo.subtract %0, %1 : tensor<2x2xf32>
  %3 = stablehlo.broadcast_in_dim %s, dims = [] : (tensor<f32>) -> tensor<2x2xf32>
  %4 = stablehlo.multiply %2, %3 : tensor<2x2xf32>
  return %4 : tensor<2x2xf32>
}

// -----

// A quantized constant used elsewhere too keeps its other users; only the
// product becomes the composite.
// CHECK-LABEL: func.func @shared_constant(
// CHECK:         %[[Q:.*]] = stablehlo.constant dense<[1, -2]> : tensor<2xi8>
// CHECK:         stablehlo.composite "hlo_coreml.dequantize"
// CHECK:         return %{{.*}}, %[[Q]]
func.func @shared_constant() -> (tensor<2xf32>, tensor<2xi8>) {
  %q = stablehlo.constant dense<[1, -2]> : tensor<2xi8>
  %s = stablehlo.constant dense<0.5> : tensor<2xf32>
  %0 = stablehlo.convert %q : (tensor<2xi8>) -> tensor<2xf32>
  %1 = stablehlo.multiply %0, %s : tensor<2xf32>
  return %1, %q : tensor<2xf32>, tensor<2xi8>
}

// -----

// Left alone: a runtime scale, an i32 integer constant (no Core ML storage
// type), a float "q", and a scale per element (the fp32 scales alone are as
// large as the float weight).
// CHECK-LABEL: func.func @negatives(
// CHECK-NOT:     hlo_coreml.dequantize
// CHECK:         return
func.func @negatives(%scale: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3x2xf32>) {
  %q8 = stablehlo.constant dense<[1, -2]> : tensor<2xi8>
  %c8 = stablehlo.convert %q8 : (tensor<2xi8>) -> tensor<2xf32>
  %0 = stablehlo.multiply %c8, %scale : tensor<2xf32>
  %q32 = stablehlo.constant dense<[1, -2]> : tensor<2xi32>
  %c32 = stablehlo.convert %q32 : (tensor<2xi32>) -> tensor<2xf32>
  %s = stablehlo.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %1 = stablehlo.multiply %c32, %s : tensor<2xf32>
  %f = stablehlo.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %2 = stablehlo.multiply %f, %s : tensor<2xf32>
  %q = stablehlo.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>
  %cq = stablehlo.convert %q : (tensor<3x2xi8>) -> tensor<3x2xf32>
  %g = stablehlo.constant dense<[[1.0, 2.0], [2.0, 1.0], [1.0, 1.0]]> : tensor<3x2xf32>
  %3 = stablehlo.multiply %cq, %g : tensor<3x2xf32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3x2xf32>
}
