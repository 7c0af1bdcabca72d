// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// Elementwise ops map one to one onto MIL ops, in program order.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor),
// CHECK-NEXT:    %[[Y:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = add(x=%[[X]], y=%[[Y]],
// CHECK-NEXT:    %[[E:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = exp(x=%[[S]],
// CHECK-NEXT:    %[[T:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = tanh(x=%[[E]],
// CHECK-NEXT:    %[[D:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = real_div(x=%[[T]], y=%[[Y]],
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (2, 3, fp32)(Tensor) = mul(x=%[[D]], y=%[[X]],
// CHECK-NEXT:  } -> (%[[M]])
func.func @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.add %arg0, %arg1 : tensor<2x3xf32>
  %1 = stablehlo.exponential %0 : tensor<2x3xf32>
  %2 = stablehlo.tanh %1 : tensor<2x3xf32>
  %3 = stablehlo.divide %2, %arg1 : tensor<2x3xf32>
  %4 = stablehlo.multiply %3, %arg0 : tensor<2x3xf32>
  return %4 : tensor<2x3xf32>
}

// -----

// log and rsqrt get MIL's epsilon explicitly set to 0 (StableHLO has none).
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[L:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = log(x=%{{[A-Za-z0-9_]+}}, epsilon=0.0,
// CHECK-NEXT:    rsqrt(x=%[[L]], epsilon=0.0,
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.log %arg0 : tensor<4xf32>
  %1 = stablehlo.rsqrt %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// compare + select.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4,fp32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK:         %[[P:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = greater_equal(x=%[[A]], y=%[[B]],
// CHECK-NEXT:    %[[Q:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = not_equal(x=%[[A]], y=%[[B]],
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(x=%[[P]], y=%[[Q]],
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = select(cond=%[[R]], a=%[[A]], b=%[[B]],
// CHECK-NEXT:  } -> (%[[S]])
func.func @main(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.compare GE, %arg0, %arg1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = stablehlo.compare NE, %arg0, %arg1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %2 = stablehlo.and %0, %1 : tensor<4xi1>
  %3 = stablehlo.select %2, %arg0, %arg1 : tensor<4xi1>, tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// convert: a cast, except to i1, which is `!= 0`. A bool result leaves the
// model as int32 (Core ML has no bool outputs).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK:         %[[I:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = cast(x=%[[A]], dtype="int32",
// CHECK-NEXT:    %[[H:[A-Za-z0-9_]+]]: (4,fp16)(Tensor) = cast(x=%[[A]], dtype="fp16",
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = not_equal(x=%[[A]], y=0.0,
// CHECK-NEXT:    %[[BI:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = cast(x=%[[B]], dtype="int32",
// CHECK-NEXT:  } -> (%[[I]], %[[H]], %[[BI]])
func.func @main(%arg0: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xf16>, tensor<4xi1>) {
  %0 = stablehlo.convert %arg0 : (tensor<4xf32>) -> tensor<4xi32>
  %1 = stablehlo.convert %arg0 : (tensor<4xf32>) -> tensor<4xf16>
  %2 = stablehlo.convert %arg0 : (tensor<4xf32>) -> tensor<4xi1>
  return %0, %1, %2 : tensor<4xi32>, tensor<4xf16>, tensor<4xi1>
}

// -----

// Integer division truncates in StableHLO but floors in MIL: floor_div, then
// +1 where the remainder is non-zero and the signs differ.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[Q:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = floor_div(x=%[[A]], y=%[[B]],
// CHECK:         mod(x=%[[A]], y=%[[B]],
// CHECK:         logical_xor(
// CHECK:         %[[FIX:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = cast(
// CHECK:         add(x=%[[Q]], y=%[[FIX]],
func.func @main(%arg0: tensor<4xi32>, %arg1: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.divide %arg0, %arg1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// The chlo.erf composite is MIL's erf; clamp is maximum then minimum.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK:         %[[E:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = erf(x=%[[A]],
// CHECK-NEXT:    %[[LO:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = maximum(x=%[[E]], y=-0.5,
// CHECK-NEXT:    minimum(x=%[[LO]], y=0.5,
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %lo = stablehlo.constant dense<-0.5> : tensor<f32>
  %hi = stablehlo.constant dense<0.5> : tensor<f32>
  %0 = stablehlo.composite "chlo.erf" %arg0 {decomposition = @erf_impl} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.clamp %lo, %0, %hi : (tensor<f32>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func private @erf_impl(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = chlo.erf %arg0 : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
