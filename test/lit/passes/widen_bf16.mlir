// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-widen-bf16 | filecheck %s

// Signature, block arguments and op results: bf16 -> f32.
// CHECK-LABEL: func.func @signature(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[X:.*]] = stablehlo.multiply %[[A]], %[[A]] : tensor<4xf32>
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
// CHECK-NOT:   bf16
func.func @signature(%arg0: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = stablehlo.multiply %arg0, %arg0 : tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// Constants keep their values exactly: splat, short lists (including bf16's
// large range and non-finite values) and hex-printed large constants.
// CHECK-LABEL: func.func @constants(
// CHECK:         stablehlo.constant dense<1.500000e+00> : tensor<4xf32>
// CHECK:         stablehlo.constant dense<[1.500000e+00, -2.000000e+00, 3.004060e+38, 0x7F800000]> : tensor<4xf32>
// CHECK:         stablehlo.constant dense<"0x{{(0000803F00000040)+}}"> : tensor<200xf32>
// CHECK-NOT:   bf16
func.func @constants() -> (tensor<4xbf16>, tensor<4xbf16>, tensor<200xbf16>) {
  %0 = stablehlo.constant dense<1.5> : tensor<4xbf16>
  %1 = stablehlo.constant dense<[1.5, -2.0, 3.0e38, 0x7F80]> : tensor<4xbf16>
  %2 = stablehlo.constant dense<"0x803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040803F0040"> : tensor<200xbf16>
  return %0, %1, %2 : tensor<4xbf16>, tensor<4xbf16>, tensor<200xbf16>
}

// -----

// Converts to and from bf16 become f32 converts; regions (reduce bodies) too.
// CHECK-LABEL: func.func @converts_and_regions(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>) -> tensor<f32>
// CHECK:         stablehlo.convert %[[A]] : tensor<4xf32>
// CHECK:         stablehlo.reduce({{.*}}) applies stablehlo.add across dimensions = [0] : (tensor<4xf32>, tensor<f32>) -> tensor<f32>
// CHECK-NOT:   bf16
func.func @converts_and_regions(%arg0: tensor<4xf32>) -> tensor<bf16> {
  %0 = stablehlo.convert %arg0 : (tensor<4xf32>) -> tensor<4xbf16>
  %z = stablehlo.constant dense<0.0> : tensor<bf16>
  %1 = stablehlo.reduce(%0 init: %z) across dimensions = [0] : (tensor<4xbf16>, tensor<bf16>) -> tensor<bf16>
    reducer(%a: tensor<bf16>, %b: tensor<bf16>) {
      %s = stablehlo.add %a, %b : tensor<bf16>
      stablehlo.return %s : tensor<bf16>
    }
  return %1 : tensor<bf16>
}
