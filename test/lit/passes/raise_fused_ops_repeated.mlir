// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops | filecheck %s

// A region that occurs more than once (the same norm in every layer of a
// transformer, the same gate in every step of an unrolled scan) is
// evaluated once per pass run (raise_fused_ops.composite.Matches): the
// same ops, wiring and constant attributes give the same composite, and a
// different constant (gamma B) is matched on its own.

// CHECK-LABEL: func.func @repeated_rms_norms(
// CHECK-NEXT: %[[N0:.*]] = stablehlo.composite "coreml.rms_norm" %arg0 {composite_attributes = {axes = array<i64: 1>, epsilon = 9.99999997E-7 : f32, gamma = dense<1.500000e+00> : tensor<8xf32>}, decomposition = @coreml.rms_norm.impl
// CHECK-NEXT: %[[S0:.*]] = stablehlo.sine %[[N0]]
// CHECK-NEXT: %[[N1:.*]] = stablehlo.composite "coreml.rms_norm" %[[S0]] {composite_attributes = {axes = array<i64: 1>, epsilon = 9.99999997E-7 : f32, gamma = dense<1.500000e+00> : tensor<8xf32>}, decomposition = @coreml.rms_norm.impl
// CHECK-NEXT: %[[S1:.*]] = stablehlo.sine %[[N1]]
// CHECK-NEXT: %[[N2:.*]] = stablehlo.composite "coreml.rms_norm" %[[S1]] {composite_attributes = {axes = array<i64: 1>, epsilon = 9.99999997E-7 : f32, gamma = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]> : tensor<8xf32>}, decomposition = @coreml.rms_norm.impl
// CHECK-NEXT: %[[S2:.*]] = stablehlo.sine %[[N2]]
// CHECK-NEXT: %[[N3:.*]] = stablehlo.composite "coreml.rms_norm" %[[S2]] {composite_attributes = {axes = array<i64: 1>, epsilon = 9.99999997E-7 : f32, gamma = dense<1.500000e+00> : tensor<8xf32>}, decomposition = @coreml.rms_norm.impl
// CHECK-NEXT: %[[S3:.*]] = stablehlo.sine %[[N3]]
// CHECK-NEXT: return %[[S3]]
func.func @repeated_rms_norms(%arg0: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %ga = stablehlo.constant dense<1.500000e+00> : tensor<8xf32>
  %gb = stablehlo.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %eps = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
  %n = stablehlo.constant dense<8.000000e+00> : tensor<f32>
  %zero = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %n0_0 = stablehlo.multiply %arg0, %arg0 : tensor<2x8xf32>
  %n0_1 = stablehlo.reduce(%n0_0 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %n0_2 = stablehlo.broadcast_in_dim %n, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n0_3 = stablehlo.divide %n0_1, %n0_2 : tensor<2xf32>
  %n0_4 = stablehlo.broadcast_in_dim %eps, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n0_5 = stablehlo.add %n0_3, %n0_4 : tensor<2xf32>
  %n0_6 = stablehlo.rsqrt %n0_5 : tensor<2xf32>
  %n0_7 = stablehlo.broadcast_in_dim %n0_6, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %n0_8 = stablehlo.multiply %arg0, %n0_7 : tensor<2x8xf32>
  %n0_9 = stablehlo.broadcast_in_dim %ga, dims = [1] : (tensor<8xf32>) -> tensor<2x8xf32>
  %n0_10 = stablehlo.multiply %n0_8, %n0_9 : tensor<2x8xf32>
  %s0 = stablehlo.sine %n0_10 : tensor<2x8xf32>
  %n1_0 = stablehlo.multiply %s0, %s0 : tensor<2x8xf32>
  %n1_1 = stablehlo.reduce(%n1_0 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %n1_2 = stablehlo.broadcast_in_dim %n, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n1_3 = stablehlo.divide %n1_1, %n1_2 : tensor<2xf32>
  %n1_4 = stablehlo.broadcast_in_dim %eps, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n1_5 = stablehlo.add %n1_3, %n1_4 : tensor<2xf32>
  %n1_6 = stablehlo.rsqrt %n1_5 : tensor<2xf32>
  %n1_7 = stablehlo.broadcast_in_dim %n1_6, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %n1_8 = stablehlo.multiply %s0, %n1_7 : tensor<2x8xf32>
  %n1_9 = stablehlo.broadcast_in_dim %ga, dims = [1] : (tensor<8xf32>) -> tensor<2x8xf32>
  %n1_10 = stablehlo.multiply %n1_8, %n1_9 : tensor<2x8xf32>
  %s1 = stablehlo.sine %n1_10 : tensor<2x8xf32>
  %n2_0 = stablehlo.multiply %s1, %s1 : tensor<2x8xf32>
  %n2_1 = stablehlo.reduce(%n2_0 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %n2_2 = stablehlo.broadcast_in_dim %n, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n2_3 = stablehlo.divide %n2_1, %n2_2 : tensor<2xf32>
  %n2_4 = stablehlo.broadcast_in_dim %eps, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n2_5 = stablehlo.add %n2_3, %n2_4 : tensor<2xf32>
  %n2_6 = stablehlo.rsqrt %n2_5 : tensor<2xf32>
  %n2_7 = stablehlo.broadcast_in_dim %n2_6, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %n2_8 = stablehlo.multiply %s1, %n2_7 : tensor<2x8xf32>
  %n2_9 = stablehlo.broadcast_in_dim %gb, dims = [1] : (tensor<8xf32>) -> tensor<2x8xf32>
  %n2_10 = stablehlo.multiply %n2_8, %n2_9 : tensor<2x8xf32>
  %s2 = stablehlo.sine %n2_10 : tensor<2x8xf32>
  %n3_0 = stablehlo.multiply %s2, %s2 : tensor<2x8xf32>
  %n3_1 = stablehlo.reduce(%n3_0 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<2x8xf32>, tensor<f32>) -> tensor<2xf32>
  %n3_2 = stablehlo.broadcast_in_dim %n, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n3_3 = stablehlo.divide %n3_1, %n3_2 : tensor<2xf32>
  %n3_4 = stablehlo.broadcast_in_dim %eps, dims = [] : (tensor<f32>) -> tensor<2xf32>
  %n3_5 = stablehlo.add %n3_3, %n3_4 : tensor<2xf32>
  %n3_6 = stablehlo.rsqrt %n3_5 : tensor<2xf32>
  %n3_7 = stablehlo.broadcast_in_dim %n3_6, dims = [0] : (tensor<2xf32>) -> tensor<2x8xf32>
  %n3_8 = stablehlo.multiply %s2, %n3_7 : tensor<2x8xf32>
  %n3_9 = stablehlo.broadcast_in_dim %ga, dims = [1] : (tensor<8xf32>) -> tensor<2x8xf32>
  %n3_10 = stablehlo.multiply %n3_8, %n3_9 : tensor<2x8xf32>
  %s3 = stablehlo.sine %n3_10 : tensor<2x8xf32>
  return %s3 : tensor<2x8xf32>
}
