// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-widen-small-ints | filecheck %s

// i8 add: computed in i32, wrapped back into [-128, 127].
// CHECK-LABEL: func.func @add_i8(
// CHECK-SAME:    %[[A:.*]]: tensor<4xi32>, %[[B:.*]]: tensor<4xi32>) -> tensor<4xi32>
// CHECK:         %[[S:.*]] = stablehlo.add %[[A]], %[[B]] : tensor<4xi32>
// CHECK:         %[[HALF:.*]] = stablehlo.constant dense<128> : tensor<4xi32>
// CHECK-NEXT:    %[[UP:.*]] = stablehlo.add %[[S]], %[[HALF]] : tensor<4xi32>
// CHECK-NEXT:    %[[MASK:.*]] = stablehlo.constant dense<255> : tensor<4xi32>
// CHECK-NEXT:    %[[LOW:.*]] = stablehlo.and %[[UP]], %[[MASK]] : tensor<4xi32>
// CHECK-NEXT:    %[[W:.*]] = stablehlo.subtract %[[LOW]], %[[HALF]] : tensor<4xi32>
// CHECK-NEXT:    return %[[W]] : tensor<4xi32>
func.func @add_i8(%a: tensor<4xi8>, %b: tensor<4xi8>) -> tensor<4xi8> {
  %0 = stablehlo.add %a, %b : tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// ui16 multiply: masked to 16 bits; the constant is widened.
// CHECK-LABEL: func.func @mul_ui16(
// CHECK-SAME:    %[[A:.*]]: tensor<4xi32>) -> tensor<4xi32>
// CHECK:         %[[C:.*]] = stablehlo.constant dense<65535> : tensor<4xi32>
// CHECK-NEXT:    %[[M:.*]] = stablehlo.multiply %[[A]], %[[C]] : tensor<4xi32>
// CHECK-NEXT:    %[[MASK:.*]] = stablehlo.constant dense<65535> : tensor<4xi32>
// CHECK-NEXT:    %[[W:.*]] = stablehlo.and %[[M]], %[[MASK]] : tensor<4xi32>
// CHECK-NEXT:    return %[[W]]
func.func @mul_ui16(%a: tensor<4xui16>) -> tensor<4xui16> {
  %c = stablehlo.constant dense<65535> : tensor<4xui16>
  %0 = stablehlo.multiply %a, %c : tensor<4xui16>
  return %0 : tensor<4xui16>
}

// -----

// ui32 ordering: both sides get the sign bit flipped (+ 2**31), so signed
// order is unsigned order; the constant keeps its bit pattern.
// CHECK-LABEL: func.func @compare_ui32(
// CHECK-SAME:    %[[A:.*]]: tensor<3xi32>) -> tensor<3xi1>
// CHECK:         %[[C:.*]] = stablehlo.constant dense<[1, -1, -2147483648]> : tensor<3xi32>
// CHECK:         %[[FA:.*]] = stablehlo.add %[[A]], %{{.*}} : tensor<3xi32>
// CHECK:         %[[FC:.*]] = stablehlo.add %[[C]], %{{.*}} : tensor<3xi32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.compare LT, %[[FA]], %[[FC]], SIGNED
// CHECK-NEXT:    return %[[R]]
func.func @compare_ui32(%a: tensor<3xui32>) -> tensor<3xi1> {
  %c = stablehlo.constant dense<[1, 4294967295, 2147483648]> : tensor<3xui32>
  %0 = stablehlo.compare LT, %a, %c, UNSIGNED : (tensor<3xui32>, tensor<3xui32>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// ui32 -> f32: 2**32 added where the top bit is set.
// CHECK-LABEL: func.func @ui32_to_f32(
// CHECK-SAME:    %[[A:.*]]: tensor<2xi32>) -> tensor<2xf32>
// CHECK:         %[[F:.*]] = stablehlo.convert %[[A]] : (tensor<2xi32>) -> tensor<2xf32>
// CHECK:         %[[NEG:.*]] = stablehlo.compare LT, %[[A]], %{{.*}}
// CHECK:         %[[BIG:.*]] = stablehlo.add %[[F]], %{{.*}} : tensor<2xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.select %[[NEG]], %[[BIG]], %[[F]]
// CHECK-NEXT:    return %[[R]]
func.func @ui32_to_f32(%a: tensor<2xui32>) -> tensor<2xf32> {
  %0 = stablehlo.convert %a : (tensor<2xui32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Logical right shift of i8: the operand is taken as 8 bits, the result
// sign-extended back; widening converts need no wrap.
// CHECK-LABEL: func.func @srl_i8(
// CHECK-SAME:    %[[A:.*]]: tensor<2xi32>, %[[S:.*]]: tensor<2xi32>) -> tensor<2xi32>
// CHECK:         %[[U:.*]] = stablehlo.and %[[A]], %{{.*}} : tensor<2xi32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.shift_right_logical %[[U]], %[[S]] : tensor<2xi32>
// CHECK:         stablehlo.subtract
// CHECK-NEXT:    %[[W:.*]] = stablehlo.convert %{{.*}} : tensor<2xi32>
// CHECK-NEXT:    return %[[W]]
func.func @srl_i8(%a: tensor<2xi8>, %s: tensor<2xi8>) -> tensor<2xi16> {
  %0 = stablehlo.shift_right_logical %a, %s : tensor<2xi8>
  %1 = stablehlo.convert %0 : (tensor<2xi8>) -> tensor<2xi16>
  return %1 : tensor<2xi16>
}

// -----

// A reduce body stays one op; the reduce's result is wrapped.
// CHECK-LABEL: func.func @sum_i8(
// CHECK-SAME:    %[[A:.*]]: tensor<4x8xi32>) -> tensor<4xi32>
// CHECK:         %[[R:.*]] = stablehlo.reduce(%[[A]] init: %{{.*}}) applies stablehlo.add across dimensions = [1] : (tensor<4x8xi32>, tensor<i32>) -> tensor<4xi32>
// CHECK-NEXT:    %[[HALF:.*]] = stablehlo.constant dense<128> : tensor<4xi32>
// CHECK-NEXT:    stablehlo.add %[[R]], %[[HALF]]
func.func @sum_i8(%a: tensor<4x8xi8>) -> tensor<4xi8> {
  %z = stablehlo.constant dense<0> : tensor<i8>
  %0 = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [1] : (tensor<4x8xi8>, tensor<i8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// A ui32 max reduction: inputs and init value get their sign bit flipped
// (signed order = unsigned order), the body stays one maximum, the result
// is flipped back.
// CHECK-LABEL: func.func @reduce_max_ui32(
// CHECK-SAME:    %[[X:.*]]: tensor<2x6xi32>) -> tensor<2xi32>
// CHECK:         %[[FX:.*]] = stablehlo.add %[[X]], %{{.*}} : tensor<2x6xi32>
// CHECK:         %[[FI:.*]] = stablehlo.add %{{.*}}, %{{.*}} : tensor<i32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.reduce(%[[FX]] init: %[[FI]]) applies stablehlo.maximum across dimensions = [1]
// CHECK-NEXT:    %[[C:.*]] = stablehlo.constant dense<-2147483648> : tensor<2xi32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.add %[[R]], %[[C]] : tensor<2xi32>
// CHECK-NEXT:    return %[[B]]
func.func @reduce_max_ui32(%x: tensor<2x6xui32>) -> tensor<2xui32> {
  %c = stablehlo.constant dense<0> : tensor<ui32>
  %0 = stablehlo.reduce(%x init: %c) applies stablehlo.maximum across dimensions = [1] : (tensor<2x6xui32>, tensor<ui32>) -> tensor<2xui32>
  return %0 : tensor<2xui32>
}

// -----

// f32 -> ui32 saturates like XLA on CPU (NaN and negatives to 0, >= 2**32 to
// 2**32 - 1); values >= 2**31 are converted as their i32 bit pattern
// (2**32 subtracted first, exact in f32).
// CHECK-LABEL: func.func @convert_f32_ui32(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>) -> tensor<4xi32>
// CHECK:         %[[NAN:.*]] = stablehlo.compare NE, %[[X]], %[[X]]
// CHECK:         %[[CL:.*]] = stablehlo.clamp %{{.*}}, %[[X]], %{{.*}} : tensor<4xf32>
// CHECK:         %[[Y:.*]] = stablehlo.select %[[NAN]], %{{.*}}, %[[CL]]
// CHECK:         %[[HI:.*]] = stablehlo.compare GE, %[[Y]], %{{.*}}
// CHECK:         %[[SUB:.*]] = stablehlo.subtract %[[Y]], %{{.*}}
// CHECK-NEXT:    %[[Z:.*]] = stablehlo.select %[[HI]], %[[SUB]], %[[Y]]
// CHECK-NEXT:    %[[I:.*]] = stablehlo.convert %[[Z]] : (tensor<4xf32>) -> tensor<4xi32>
// CHECK:         %[[OVER:.*]] = stablehlo.compare GE, %[[X]], %{{.*}}
// CHECK-NEXT:    %[[M1:.*]] = stablehlo.constant dense<-1> : tensor<4xi32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.select %[[OVER]], %[[M1]], %[[I]]
// CHECK-NEXT:    return %[[R]]
func.func @convert_f32_ui32(%x: tensor<4xf32>) -> tensor<4xui32> {
  %0 = stablehlo.convert %x : (tensor<4xf32>) -> tensor<4xui32>
  return %0 : tensor<4xui32>
}

// -----

// JAX's ui32 argmax (a (value, index) reduce whose body only compares and
// selects): the ui32 input and init are flipped into signed order outside,
// the body is left alone (compares become SIGNED), the ui32 result is
// flipped back; the index result is untouched.
// CHECK-LABEL: func.func @argmax_ui32(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xi32>, %[[I:.*]]: tensor<2x3xi32>)
// CHECK:         %[[FX:.*]] = stablehlo.add %[[X]], %{{.*}} : tensor<2x3xi32>
// CHECK:         %[[FI:.*]] = stablehlo.add %{{.*}}, %{{.*}} : tensor<i32>
// CHECK-NEXT:    %[[R:.*]]:2 = stablehlo.reduce(%[[FX]] init: %[[FI]]), (%[[I]] init: %{{.*}})
// CHECK-NOT:       stablehlo.add
// CHECK:           stablehlo.compare GT, %{{.*}}, %{{.*}}, SIGNED
// CHECK:         %[[B:.*]] = stablehlo.add %[[R]]#0, %{{.*}} : tensor<2xi32>
// CHECK-NEXT:    return %[[B]], %[[R]]#1
func.func @argmax_ui32(%x: tensor<2x3xui32>, %i: tensor<2x3xi32>) -> (tensor<2xui32>, tensor<2xi32>) {
  %c = stablehlo.constant dense<0> : tensor<ui32>
  %c_0 = stablehlo.constant dense<0> : tensor<i32>
  %1:2 = stablehlo.reduce(%x init: %c), (%i init: %c_0) across dimensions = [1] : (tensor<2x3xui32>, tensor<2x3xi32>, tensor<ui32>, tensor<i32>) -> (tensor<2xui32>, tensor<2xi32>)
   reducer(%a: tensor<ui32>, %b: tensor<ui32>) (%ia: tensor<i32>, %ib: tensor<i32>)  {
    %2 = stablehlo.compare GT, %a, %b, UNSIGNED : (tensor<ui32>, tensor<ui32>) -> tensor<i1>
    %5 = stablehlo.compare EQ, %a, %b, UNSIGNED : (tensor<ui32>, tensor<ui32>) -> tensor<i1>
    %6 = stablehlo.compare LT, %ia, %ib, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %7 = stablehlo.and %5, %6 : tensor<i1>
    %8 = stablehlo.or %2, %7 : tensor<i1>
    %9 = stablehlo.select %2, %a, %b : tensor<i1>, tensor<ui32>
    %10 = stablehlo.select %8, %ia, %ib : tensor<i1>, tensor<i32>
    stablehlo.return %9, %10 : tensor<ui32>, tensor<i32>
  }
  return %1#0, %1#1 : tensor<2xui32>, tensor<2xi32>
}

// -----

// lax.top_k on ui32 (the chlo.top_k composite): the input is flipped into
// signed order, the values flipped back; indices untouched.
// CHECK-LABEL: func.func @top_k_ui32(
// CHECK-SAME:    %[[X:.*]]: tensor<3x5xi32>)
// CHECK:         %[[F:.*]] = stablehlo.add %[[X]], %{{.*}} : tensor<3x5xi32>
// CHECK-NEXT:    %[[T:.*]]:2 = stablehlo.composite "chlo.top_k" %[[F]]
// CHECK:         %[[V:.*]] = stablehlo.add %[[T]]#0, %{{.*}} : tensor<3x2xi32>
// CHECK-NEXT:    return %[[V]], %[[T]]#1
func.func @top_k_ui32(%x: tensor<3x5xui32>) -> (tensor<3x2xui32>, tensor<3x2xi32>) {
  %0:2 = stablehlo.composite "chlo.top_k" %x {composite_attributes = {k = 2 : i64}, decomposition = @top_k_impl} : (tensor<3x5xui32>) -> (tensor<3x2xui32>, tensor<3x2xi32>)
  return %0#0, %0#1 : tensor<3x2xui32>, tensor<3x2xi32>
}
func.func private @top_k_impl(%x: tensor<3x5xui32>) -> (tensor<3x2xui32>, tensor<3x2xi32>) {
  %0:2 = chlo.top_k(%x, k = 2) : tensor<3x5xui32> -> (tensor<3x2xui32>, tensor<3x2xi32>)
  return %0#0, %0#1 : tensor<3x2xui32>, tensor<3x2xi32>
}

// -----

// JAX's argmax on i8 starts from (-128, 0): the init becomes the int32
// minimum (no i8 value is below either; index 0 wins ties either way).
// CHECK-LABEL: func.func @argmax_i8(
// CHECK-SAME:    %[[X:.*]]: tensor<4x6xi32>)
// CHECK:         %[[LIMIT:.*]] = stablehlo.constant dense<-2147483648> : tensor<i32>
// CHECK:         stablehlo.reduce(%[[X]] init: %[[LIMIT]]), (%{{.*}} init: %{{.*}})
func.func @argmax_i8(%x: tensor<4x6xi8>) -> tensor<4xi32> {
  %iota = stablehlo.iota dim = 1 : tensor<4x6xi32>
  %init = stablehlo.constant dense<-128> : tensor<i8>
  %zero = stablehlo.constant dense<0> : tensor<i32>
  %0:2 = stablehlo.reduce(%x init: %init), (%iota init: %zero) across dimensions = [1] : (tensor<4x6xi8>, tensor<4x6xi32>, tensor<i8>, tensor<i32>) -> (tensor<4xi8>, tensor<4xi32>)
   reducer(%a: tensor<i8>, %c: tensor<i8>) (%b: tensor<i32>, %d: tensor<i32>)  {
    %gt = stablehlo.compare  GT, %a, %c,  SIGNED : (tensor<i8>, tensor<i8>) -> tensor<i1>
    %ne = stablehlo.compare  NE, %a, %a,  SIGNED : (tensor<i8>, tensor<i8>) -> tensor<i1>
    %or = stablehlo.or %gt, %ne : tensor<i1>
    %eq = stablehlo.compare  EQ, %a, %c,  SIGNED : (tensor<i8>, tensor<i8>) -> tensor<i1>
    %lt = stablehlo.compare  LT, %b, %d,  SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %and = stablehlo.and %eq, %lt : tensor<i1>
    %pick = stablehlo.or %or, %and : tensor<i1>
    %v = stablehlo.select %or, %a, %c : tensor<i1>, tensor<i8>
    %i = stablehlo.select %pick, %b, %d : tensor<i1>, tensor<i32>
    stablehlo.return %v, %i : tensor<i8>, tensor<i32>
  }
  return %0#1 : tensor<4xi32>
}

// -----

// A max with init 0 on ui8 (its minimum) gets the int32 minimum; a max
// with init 5 keeps it.
// CHECK-LABEL: func.func @max_u8(
// CHECK-DAG:     %[[LIMIT:.*]] = stablehlo.constant dense<-2147483648> : tensor<i32>
// CHECK-DAG:     %[[FIVE:.*]] = stablehlo.constant dense<5> : tensor<i32>
// CHECK:         stablehlo.reduce(%{{.*}} init: %[[LIMIT]])
// CHECK:         stablehlo.reduce(%{{.*}} init: %[[FIVE]])
func.func @max_u8(%x: tensor<4xui8>) -> (tensor<ui8>, tensor<ui8>) {
  %init = stablehlo.constant dense<0> : tensor<ui8>
  %five = stablehlo.constant dense<5> : tensor<ui8>
  %0 = stablehlo.reduce(%x init: %init) applies stablehlo.maximum across dimensions = [0] : (tensor<4xui8>, tensor<ui8>) -> tensor<ui8>
  %1 = stablehlo.reduce(%x init: %five) applies stablehlo.maximum across dimensions = [0] : (tensor<4xui8>, tensor<ui8>) -> tensor<ui8>
  return %0, %1 : tensor<ui8>, tensor<ui8>
}

// -----

// ui32 clamp orders like maximum/minimum: all three operands get their sign
// bit flipped (signed order = unsigned order) and the result flips back.
// CHECK-LABEL: func.func @clamp_ui32(
// CHECK-SAME:    %[[LO:[^:]*]]: tensor<4xi32>, %[[X:[^:]*]]: tensor<4xi32>, %[[HI:[^:]*]]: tensor<4xi32>)
// CHECK:         %[[FLO:.*]] = stablehlo.add %[[LO]], %{{.*}} : tensor<4xi32>
// CHECK:         %[[FX:.*]] = stablehlo.add %[[X]], %{{.*}} : tensor<4xi32>
// CHECK:         %[[FHI:.*]] = stablehlo.add %[[HI]], %{{.*}} : tensor<4xi32>
// CHECK:         %[[C:.*]] = stablehlo.clamp %[[FLO]], %[[FX]], %[[FHI]] : tensor<4xi32>
// CHECK:         %[[R:.*]] = stablehlo.add %[[C]], %{{.*}} : tensor<4xi32>
// CHECK:         return %[[R]]
func.func @clamp_ui32(%lo: tensor<4xui32>, %x: tensor<4xui32>, %hi: tensor<4xui32>) -> tensor<4xui32> {
  %0 = stablehlo.clamp %lo, %x, %hi : tensor<4xui32>
  return %0 : tensor<4xui32>
}

// -----

// ui32 divide (passes/ui32_division.py): a = 2 * hi + lo without leaving
// int32, hi / b by signed division of non-negative values, one more long
// division step; b >= 2**31 (negative) gives 0 or 1, b == 1 gives a,
// b == 0 gives all ones. No ui32 divide is left.
// CHECK-LABEL: func.func @div_ui32(
// CHECK-SAME:    %[[A:.*]]: tensor<3xi32>, %[[B:.*]]: tensor<3xi32>) -> tensor<3xi32>
// CHECK-DAG:     %[[ZERO:.*]] = stablehlo.constant dense<0> : tensor<3xi32>
// CHECK-DAG:     %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<3xi32>
// CHECK-DAG:     %[[TWO:.*]] = stablehlo.constant dense<2> : tensor<3xi32>
// CHECK-DAG:     %[[Q:.*]] = stablehlo.constant dense<1073741824> : tensor<3xi32>
// CHECK:         %[[ANEG:.*]] = stablehlo.compare LT, %[[A]], %[[ZERO]]
// CHECK:         %[[HALF:.*]] = stablehlo.select %[[ANEG]], %[[Q]], %[[ZERO]]
// CHECK:         %[[L0:.*]] = stablehlo.add %[[A]], %[[HALF]]
// CHECK:         %[[LOW:.*]] = stablehlo.add %[[L0]], %[[HALF]]
// CHECK:         %[[H:.*]] = stablehlo.divide %[[LOW]], %[[TWO]]
// CHECK:         %[[SMALL:.*]] = stablehlo.compare GT, %[[B]], %[[ONE]]
// CHECK:         %[[BS:.*]] = stablehlo.select %[[SMALL]], %[[B]], %[[TWO]]
// CHECK:         %[[Q1:.*]] = stablehlo.divide %{{.*}}, %[[BS]]
// CHECK:         %[[BNEG:.*]] = stablehlo.compare LT, %[[B]], %[[ZERO]]
// CHECK:         %[[BZERO:.*]] = stablehlo.compare EQ, %[[B]], %[[ZERO]]
// CHECK:         %[[BONE:.*]] = stablehlo.compare EQ, %[[B]], %[[ONE]]
// CHECK:         %[[R1:.*]] = stablehlo.select %[[BNEG]], %{{.*}}, %{{.*}}
// CHECK:         %[[R2:.*]] = stablehlo.select %[[BONE]], %[[A]], %[[R1]]
// CHECK:         %[[ALL:.*]] = stablehlo.constant dense<-1> : tensor<3xi32>
// CHECK:         %[[R:.*]] = stablehlo.select %[[BZERO]], %[[ALL]], %[[R2]]
// CHECK:         return %[[R]]
// CHECK-NOT:     stablehlo.divide
func.func @div_ui32(%a: tensor<3xui32>, %b: tensor<3xui32>) -> tensor<3xui32> {
  %0 = stablehlo.divide %a, %b : tensor<3xui32>
  return %0 : tensor<3xui32>
}

// -----

// ui32 remainder: the same split; b >= 2**31 gives a - b or a, b == 1
// gives 0, b == 0 gives a.
// CHECK-LABEL: func.func @rem_ui32(
// CHECK-SAME:    %[[A:.*]]: tensor<3xi32>, %[[B:.*]]: tensor<3xi32>) -> tensor<3xi32>
// CHECK:         %[[BNEG:.*]] = stablehlo.compare LT, %[[B]], %{{.*}}
// CHECK:         %[[BZERO:.*]] = stablehlo.compare EQ, %[[B]], %{{.*}}
// CHECK:         %[[BONE:.*]] = stablehlo.compare EQ, %[[B]], %{{.*}}
// CHECK:         %[[LARGE:.*]] = stablehlo.subtract %[[A]], %{{.*}}
// CHECK:         %[[R1:.*]] = stablehlo.select %[[BNEG]], %[[LARGE]], %{{.*}}
// CHECK:         %[[R2:.*]] = stablehlo.select %[[BONE]], %{{.*}}, %[[R1]]
// CHECK:         %[[R:.*]] = stablehlo.select %[[BZERO]], %[[A]], %[[R2]]
// CHECK:         return %[[R]]
func.func @rem_ui32(%a: tensor<3xui32>, %b: tensor<3xui32>) -> tensor<3xui32> {
  %0 = stablehlo.remainder %a, %b : tensor<3xui32>
  return %0 : tensor<3xui32>
}

// -----

// i4 / ui4 constants (NumPy has no such type; StableHLO's interpreter
// converts them): sign- and zero-extended to i32, splat or dense.
// CHECK-LABEL: func.func @int4_constants(
// CHECK-DAG:     stablehlo.constant dense<[1, -2, 7, -8]> : tensor<4xi32>
// CHECK-DAG:     stablehlo.constant dense<[1, 2, 9, 15]> : tensor<4xi32>
// CHECK-DAG:     stablehlo.constant dense<-3> : tensor<4xi32>
// CHECK-NOT:     i4
func.func @int4_constants(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<[1, -2, 7, -8]> : tensor<4xi4>
  %u = stablehlo.constant dense<[1, 2, 9, 15]> : tensor<4xui4>
  %s = stablehlo.constant dense<-3> : tensor<4xi4>
  %0 = stablehlo.convert %c : (tensor<4xi4>) -> tensor<4xi32>
  %1 = stablehlo.convert %u : (tensor<4xui4>) -> tensor<4xi32>
  %2 = stablehlo.convert %s : (tensor<4xi4>) -> tensor<4xi32>
  %3 = stablehlo.add %x, %0 : tensor<4xi32>
  %4 = stablehlo.add %3, %1 : tensor<4xi32>
  %5 = stablehlo.add %4, %2 : tensor<4xi32>
  return %5 : tensor<4xi32>
}
