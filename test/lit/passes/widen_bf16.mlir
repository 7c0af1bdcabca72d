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
// bf16 3.0e38 is 3.00405527e38 exactly (printed by MLIR as 3.004060e+38 in
// bf16; that short decimal read as f32 would be a different number).
// CHECK-LABEL: func.func @constants(
// CHECK:         stablehlo.constant dense<1.500000e+00> : tensor<4xf32>
// CHECK:         stablehlo.constant dense<[1.500000e+00, -2.000000e+00, 3.00405527E+38, 0x7F800000]> : tensor<4xf32>
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

// -----

// Non-splat bit patterns whose values have no short decimal form, read
// exactly (StableHLO's interpreter converts them; nothing is parsed from
// text): 1.5, -0.0, the largest finite +-3.38953139e38 (0x7F7F), the
// smallest subnormals +-2^-133 (0x0001, 0x8001), the largest subnormal
// (0x007F), the smallest normal (0x0080), +-inf, a NaN with a payload
// (0x7FC1) and 1 + 2^-7. Each printed f32 below is the bf16 bits << 16
// (the printer's decimal form round-trips exactly); the hex case checks
// the bits themselves.
// CHECK-LABEL: func.func @bit_patterns(
// CHECK:         stablehlo.constant dense<[1.500000e+00, -0.000000e+00, 3.38953139E+38, -3.38953139E+38, 9.183550e-41, -9.183550e-41, 1.1663108E-38, 1.17549435E-38, 0x7F800000, 0xFF800000, 0x7FC10000, 1.0078125]> : tensor<12xf32>
// CHECK:         stablehlo.constant dense<"0x{{(0000C03F0000008000007F7F00007FFF000001000000018000007F00000080000000807F000080FF0000C17F0000813F)+}}"> : tensor<17x12xf32>
// CHECK-NOT:   bf16
func.func @bit_patterns() -> (tensor<12xbf16>, tensor<17x12xbf16>) {
  %0 = stablehlo.constant dense<[0x3FC0, 0x8000, 0x7F7F, 0xFF7F, 0x0001, 0x8001, 0x007F, 0x0080, 0x7F80, 0xFF80, 0x7FC1, 0x3F81]> : tensor<12xbf16>
  %1 = stablehlo.constant dense<"0xC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813FC03F00807F7F7FFF010001807F008000807F80FFC17F813F"> : tensor<17x12xbf16>
  return %0, %1 : tensor<12xbf16>, tensor<17x12xbf16>
}
