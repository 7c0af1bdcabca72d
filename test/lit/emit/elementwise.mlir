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

// -----

// Integer remainder (sign of the dividend): m = mod(x, y') with y' = 1 where
// y is 0 or -1; MIL does not document m's sign, so m - y' is taken where m is
// non-zero and its sign differs from x's (right under floor-mod and C fmod
// alike); x where y == 0.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[Y:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[SY:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%{{[A-Za-z0-9_]+}}, a=%{{[A-Za-z0-9_]+}}, b=%[[Y]],
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mod(x=%[[X]], y=%[[SY]],
// CHECK-NEXT:    %[[NZ:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = not_equal(x=%[[M]], y=0,
// CHECK-NEXT:    %[[MN:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = less(x=%[[M]], y=0,
// CHECK-NEXT:    %[[XN:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = less(x=%[[X]], y=0,
// CHECK-NEXT:    %[[D:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_xor(x=%[[MN]], y=%[[XN]],
// CHECK-NEXT:    %[[FIX:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(x=%[[NZ]], y=%[[D]],
// CHECK-NEXT:    %[[MY:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = sub(x=%[[M]], y=%[[SY]],
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[FIX]], a=%[[MY]], b=%[[M]],
// CHECK:         select(cond=%{{[A-Za-z0-9_]+}}, a=%[[X]], b=%[[R]],
func.func @main(%arg0: tensor<4xi32>, %arg1: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.remainder %arg0, %arg1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// round_nearest_even without MIL round (its tie handling is undocumented):
// f = floor(x); +1 where x - f > 0.5, or == 0.5 with f odd (f - 2 floor(f/2)
// != 0); a zero result takes x's sign (x * 0).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK:         %[[F:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = floor(x=%[[X]],
// CHECK-NEXT:    %[[FR:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = sub(x=%[[X]], y=%[[F]],
// CHECK-NEXT:    %[[H:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = mul(x=%[[F]], y=0.5,
// CHECK-NEXT:    %[[FH:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = floor(x=%[[H]],
// CHECK-NEXT:    %[[E:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = mul(x=%[[FH]], y=2.0,
// CHECK-NEXT:    %[[P:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = sub(x=%[[F]], y=%[[E]],
// CHECK-NEXT:    %[[ODD:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = not_equal(x=%[[P]], y=0.0,
// CHECK-NEXT:    %[[GT:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = greater(x=%[[FR]], y=0.5,
// CHECK-NEXT:    %[[TIE:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = equal(x=%[[FR]], y=0.5,
// CHECK-NEXT:    %[[TO:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(x=%[[TIE]], y=%[[ODD]],
// CHECK-NEXT:    %[[UP:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_or(x=%[[GT]], y=%[[TO]],
// CHECK-NEXT:    %[[F1:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = add(x=%[[F]], y=1.0,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = select(cond=%[[UP]], a=%[[F1]], b=%[[F]],
// CHECK-NEXT:    %[[Z:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = equal(x=%[[R]], y=0.0,
// CHECK-NEXT:    %[[SZ:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = mul(x=%[[X]], y=0.0,
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = select(cond=%[[Z]], a=%[[SZ]], b=%[[R]],
// CHECK-NEXT:  } -> (%[[OUT]])
// CHECK-NOT:     round(
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.round_nearest_even %arg0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Integer power with a negative exponent: (-1)**y needs y's parity, tested as
// mod(y, 2) != 0 (true for odd y whether MIL mod gives 1 or -1).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[Y:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[PY:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mod(x=%[[Y]], y=2,
// CHECK-NEXT:    not_equal(x=%[[PY]], y=0,
func.func @main(%arg0: tensor<4xi32>, %arg1: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.power %arg0, %arg1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}
