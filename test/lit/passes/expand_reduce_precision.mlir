// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-expand-reduce-precision | filecheck %s

// reduce_precision as exact compare / select / floor arithmetic.

// e5m10 (f16) on f32: |x| clamped into [2**-16, 2**16], normalized by
// 5 + 5 steps, 10 mantissa bits rounded (floor, ties to even on the
// integer's parity), the steps undone, then overflow to inf / flush to 0.
// CHECK-LABEL: func.func @f16_format(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK:         %[[A:.*]] = stablehlo.abs %[[X]]
// CHECK:         stablehlo.clamp %{{.*}}, %{{.*}}, %{{.*}} : tensor<4xf32>
// CHECK-COUNT-5: stablehlo.compare  GE
// CHECK-COUNT-5: stablehlo.compare  LT
// CHECK:         stablehlo.multiply %{{.*}}, %{{.*}} : tensor<4xf32>
// CHECK:         %[[W:.*]] = stablehlo.floor
// CHECK:         stablehlo.subtract %{{.*}}, %[[W]]
// CHECK:         stablehlo.compare  GE, %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
// CHECK:         stablehlo.compare  LT, %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
// NaN, +-inf and +-0 pass x through:
// CHECK:         %[[R:.*]] = stablehlo.select %{{.*}}, %[[X]], %{{.*}} : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    return %[[R]]
// CHECK-NOT:     stablehlo.reduce_precision
// CHECK-NOT:     round_nearest
func.func @f16_format(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.reduce_precision %x, format = e5m10 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// e8m7 (bf16): no range check (same exponent width); 7 + 8 normalization
// steps, plus the steps for f32 denormals (rounding step of 2**-126 / 2**7).
// CHECK-LABEL: func.func @bf16_format(
// CHECK-NOT:     stablehlo.clamp
// CHECK-COUNT-7: stablehlo.compare  GE
// CHECK-COUNT-8: stablehlo.compare  LT
// CHECK:         stablehlo.floor
// CHECK-NOT:     stablehlo.reduce_precision
func.func @bf16_format(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.reduce_precision %x, format = e8m7 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A format at least as wide as the operand's is the identity; f16 operands
// are computed in f32 and converted back.
// CHECK-LABEL: func.func @identity_and_f16(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>, %[[H:.*]]: tensor<4xf16>)
// CHECK:         %[[C:.*]] = stablehlo.convert %[[H]] : (tensor<4xf16>) -> tensor<4xf32>
// CHECK:         %[[B:.*]] = stablehlo.convert %{{.*}} : (tensor<4xf32>) -> tensor<4xf16>
// CHECK:         return %[[X]], %[[B]]
func.func @identity_and_f16(%x: tensor<4xf32>, %h: tensor<4xf16>) -> (tensor<4xf32>, tensor<4xf16>) {
  %0 = stablehlo.reduce_precision %x, format = e8m23 : tensor<4xf32>
  %1 = stablehlo.reduce_precision %h, format = e4m3 : tensor<4xf16>
  return %0, %1 : tensor<4xf32>, tensor<4xf16>
}
