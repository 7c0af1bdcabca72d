// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// i32 xor: both operands are split into 31 bits ([N, 31], floor_div by the
// powers of two, abs of mod 2: 0/1 whatever sign MIL mod gives a negative
// quotient) plus a sign bit (less than 0); the bits are xored as
// mod(a + b, 2), the sign bits with logical_xor, and recombined by mul with
// the powers, reduce_sum over the bit axis and -2**31 where the sign is set.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[FA:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = reshape(x=%[[A]], shape=[4, 1],
// CHECK-NEXT:    %[[FB:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = reshape(x=%[[B]], shape=[4, 1],
// CHECK-NEXT:    %[[DA:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = floor_div(x=%[[FA]], y=%{{[A-Za-z0-9_]+}},
// CHECK-NEXT:    %[[MA:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = mod(x=%[[DA]], y=2,
// CHECK-NEXT:    %[[BA:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = abs(x=%[[MA]],
// CHECK-NEXT:    %[[NA:[A-Za-z0-9_]+]]: (4, 1, bool)(Tensor) = less(x=%[[FA]], y=0,
// CHECK-NEXT:    %[[DB:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = floor_div(x=%[[FB]], y=%{{[A-Za-z0-9_]+}},
// CHECK-NEXT:    %[[MB:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = mod(x=%[[DB]], y=2,
// CHECK-NEXT:    %[[BB:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = abs(x=%[[MB]],
// CHECK-NEXT:    %[[NB:[A-Za-z0-9_]+]]: (4, 1, bool)(Tensor) = less(x=%[[FB]], y=0,
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = add(x=%[[BA]], y=%[[BB]],
// CHECK-NEXT:    %[[X:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = mod(x=%[[S]], y=2,
// CHECK-NEXT:    %[[N:[A-Za-z0-9_]+]]: (4, 1, bool)(Tensor) = logical_xor(x=%[[NA]], y=%[[NB]],
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = mul(x=%[[X]], y=%{{[A-Za-z0-9_]+}},
// CHECK-NEXT:    %[[LOW:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = reduce_sum(x=%[[W]], axes=[1], keep_dims=True,
// CHECK-NEXT:    %[[NEG:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = add(x=%[[LOW]], y=-2147483648,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = select(cond=%[[N]], a=%[[NEG]], b=%[[LOW]],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = reshape(x=%[[R]], shape=[4],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<4xi32>, %arg1: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.xor %arg0, %arg1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// and / or on i32: bits multiplied (and) or maximum (or); the sign bits
// with logical_and / logical_or.
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[AND:[A-Za-z0-9_]+]]: (3, 31, int32)(Tensor) = mul(x=%{{[A-Za-z0-9_]+}}, y=%{{[A-Za-z0-9_]+}},
// CHECK-NEXT:    logical_and(
// CHECK:         reduce_sum(x=%{{[A-Za-z0-9_]+}}, axes=[1], keep_dims=True,
// CHECK:         %[[OR:[A-Za-z0-9_]+]]: (3, 31, int32)(Tensor) = maximum(x=%{{[A-Za-z0-9_]+}}, y=%{{[A-Za-z0-9_]+}},
// CHECK-NEXT:    logical_or(
// CHECK:         reduce_sum(x=%{{[A-Za-z0-9_]+}}, axes=[1], keep_dims=True,
// CHECK-NOT:     logical_xor
// CHECK:       } -> (
func.func @main(%arg0: tensor<3xi32>, %arg1: tensor<3xi32>) -> tensor<3xi32> {
  %0 = stablehlo.and %arg0, %arg1 : tensor<3xi32>
  %1 = stablehlo.or %0, %arg1 : tensor<3xi32>
  return %1 : tensor<3xi32>
}

// -----

// and with a constant low mask 2**k - 1 is the floor-mod by 2**k, built as
// x - floor_div(x, 2**k) * 2**k: MIL `mod`'s sign for negative x is not
// documented, floor_div's rounding toward -inf is.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[Q:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = floor_div(x=%[[A]], y=256,
// CHECK-NEXT:      %[[P:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mul(x=%[[Q]], y=256,
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = sub(x=%[[A]], y=%[[P]],
// CHECK-NEXT:    } -> (%[[R]])
// CHECK-NOT:     mod(
func.func @main(%arg0: tensor<4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<255> : tensor<4xi32>
  %0 = stablehlo.and %c, %arg0 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// and/or/xor/not on i1 are MIL's logical ops (bools travel as int32 and are
// compared with 0 on the way in, cast back on the way out).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[PA:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = not_equal(x=%[[A]], y=0,
// CHECK-NEXT:    %[[PB:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = not_equal(x=%[[B]], y=0,
// CHECK-NEXT:    %[[AND:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(x=%[[PA]], y=%[[PB]],
// CHECK-NEXT:    %[[OR:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_or(x=%[[AND]], y=%[[PB]],
// CHECK-NEXT:    %[[XOR:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_xor(x=%[[OR]], y=%[[PA]],
// CHECK-NEXT:    %[[NOT:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_not(x=%[[XOR]],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = cast(x=%[[NOT]], dtype="int32",
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<4xi1>, %arg1: tensor<4xi1>) -> tensor<4xi1> {
  %0 = stablehlo.and %arg0, %arg1 : tensor<4xi1>
  %1 = stablehlo.or %0, %arg1 : tensor<4xi1>
  %2 = stablehlo.xor %1, %arg0 : tensor<4xi1>
  %3 = stablehlo.not %2 : tensor<4xi1>
  return %3 : tensor<4xi1>
}

// -----

// not on i32 is -1 - x (two's complement).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 3, int32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (2, 3, int32)(Tensor) = sub(x=-1, y=%[[A]],
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%arg0: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = stablehlo.not %arg0 : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// popcnt: the sum of the 31 low bits plus the sign bit; rank 2 in between
// whatever the input rank (6 elements, 31 bits).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 3, int32)(Tensor)) {
// CHECK:         %[[F:[A-Za-z0-9_]+]]: (6, 1, int32)(Tensor) = reshape(x=%[[A]], shape=[6, 1],
// CHECK-NEXT:    %[[D:[A-Za-z0-9_]+]]: (6, 31, int32)(Tensor) = floor_div(x=%[[F]],
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (6, 31, int32)(Tensor) = mod(x=%[[D]], y=2,
// CHECK-NEXT:    %[[BITS:[A-Za-z0-9_]+]]: (6, 31, int32)(Tensor) = abs(x=%[[M]],
// CHECK-NEXT:    %[[NEG:[A-Za-z0-9_]+]]: (6, 1, bool)(Tensor) = less(x=%[[F]], y=0,
// CHECK-NEXT:    %[[SUM:[A-Za-z0-9_]+]]: (6, 1, int32)(Tensor) = reduce_sum(x=%[[BITS]], axes=[1], keep_dims=True,
// CHECK-NEXT:    %[[SIGN:[A-Za-z0-9_]+]]: (6, 1, int32)(Tensor) = cast(x=%[[NEG]], dtype="int32",
// CHECK-NEXT:    %[[CNT:[A-Za-z0-9_]+]]: (6, 1, int32)(Tensor) = add(x=%[[SUM]], y=%[[SIGN]],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (2, 3, int32)(Tensor) = reshape(x=%[[CNT]], shape=[2, 3],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = stablehlo.popcnt %arg0 : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// count_leading_zeros: 32 - the highest set bit position (reduce_max of
// bits times 1..31), 0 for negative x.
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[M:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = mod(x=%{{[A-Za-z0-9_]+}}, y=2,
// CHECK-NEXT:    %[[BITS:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = abs(x=%[[M]],
// CHECK-NEXT:    %[[NEG:[A-Za-z0-9_]+]]: (4, 1, bool)(Tensor) = less(x=%{{[A-Za-z0-9_]+}}, y=0,
// CHECK-NEXT:    %[[POS:[A-Za-z0-9_]+]]: (4, 31, int32)(Tensor) = mul(x=%[[BITS]], y=%{{[A-Za-z0-9_]+}},
// CHECK-NEXT:    %[[HI:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = reduce_max(x=%[[POS]], axes=[1], keep_dims=True,
// CHECK-NEXT:    %[[CLZ:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = sub(x=32, y=%[[HI]],
// CHECK-NEXT:    %[[ZERO:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = mul(x=%[[CLZ]], y=0,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (4, 1, int32)(Tensor) = select(cond=%[[NEG]], a=%[[ZERO]], b=%[[CLZ]],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = reshape(x=%[[R]], shape=[4],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.count_leading_zeros %arg0 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// shift_left: amounts in [0, 32) index a table of 2**s (gather) and
// multiply; other amounts give 0.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[GE:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = greater_equal(x=%[[S]], y=0,
// CHECK-NEXT:    %[[LT:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = less(x=%[[S]], y=32,
// CHECK-NEXT:    %[[IN:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(x=%[[GE]], y=%[[LT]],
// CHECK-NEXT:    %[[S0:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mul(x=%[[S]], y=0,
// CHECK-NEXT:    %[[IDX:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[IN]], a=%[[S]], b=%[[S0]],
// CHECK-NEXT:    %[[ZEROS:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mul(x=%[[X]], y=0,
// CHECK-NEXT:    less(x=%[[X]], y=0,
// CHECK-NEXT:    %[[P:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = gather(x=%{{[A-Za-z0-9_]+}}, indices=%[[IDX]], axis=0,
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mul(x=%[[X]], y=%[[P]],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[IN]], a=%[[M]], b=%[[ZEROS]],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<4xi32>, %arg1: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.shift_left %arg0, %arg1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// shift_right_arithmetic: floor_div by the gathered 2**s for s < 31, else
// the sign fill (-1 for negative x, 0 otherwise).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[IN:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(
// CHECK:         %[[IDX:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[IN]], a=%[[S]],
// CHECK-NEXT:    %[[ZEROS:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mul(x=%[[X]], y=0,
// CHECK-NEXT:    %[[NEG:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = less(x=%[[X]], y=0,
// CHECK-NEXT:    %[[M1:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = sub(x=%[[ZEROS]], y=1,
// CHECK-NEXT:    %[[FILL:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[NEG]], a=%[[M1]], b=%[[ZEROS]],
// CHECK-NEXT:    %[[LT31:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = less(x=%[[S]], y=31,
// CHECK-NEXT:    %[[SMALL:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(x=%[[IN]], y=%[[LT31]],
// CHECK-NEXT:    %[[P:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = gather(x=%{{[A-Za-z0-9_]+}}, indices=%[[IDX]], axis=0,
// CHECK-NEXT:    %[[Q:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = floor_div(x=%[[X]], y=%[[P]],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[SMALL]], a=%[[Q]], b=%[[FILL]],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<4xi32>, %arg1: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.shift_right_arithmetic %arg0, %arg1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// shift_right_logical: a negative x is shifted as x + 2**31 (added as two
// halves of 2**30, no overflow), then 2**(31 - s) (a second table) is added
// back; s == 31 divides in two steps, s == 0 keeps x, out of range gives 0.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4,int32)(Tensor),
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (4,int32)(Tensor)) {
// CHECK:         %[[IN:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = logical_and(
// CHECK:         %[[IDX:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[IN]], a=%[[S]],
// CHECK-NEXT:    %[[ZEROS:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = mul(x=%[[X]], y=0,
// CHECK-NEXT:    %[[NEG:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = less(x=%[[X]], y=0,
// CHECK-NEXT:    %[[H:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = add(x=%[[ZEROS]], y=1073741824,
// CHECK-NEXT:    %[[HALF:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[NEG]], a=%[[H]], b=%[[ZEROS]],
// CHECK-NEXT:    %[[U1:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = add(x=%[[X]], y=%[[HALF]],
// CHECK-NEXT:    %[[U:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = add(x=%[[U1]], y=%[[HALF]],
// CHECK-NEXT:    gather(x=%{{[A-Za-z0-9_]+}}, indices=%[[IDX]], axis=0,
// CHECK:         %[[Q:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = floor_div(x=%[[U]], y=
// CHECK:         %[[E31:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = equal(x=%[[IDX]], y=31,
// CHECK-NEXT:    %[[Q2:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = floor_div(x=%[[Q]], y=2,
// CHECK-NEXT:    %[[SH:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[E31]], a=%[[Q2]], b=%[[Q]],
// CHECK-NEXT:    %[[HIGH:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = gather(x=%{{[A-Za-z0-9_]+}}, indices=%[[IDX]], axis=0,
// CHECK-NEXT:    %[[WH:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = add(x=%[[SH]], y=%[[HIGH]],
// CHECK-NEXT:    %[[R1:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[NEG]], a=%[[WH]], b=%[[SH]],
// CHECK-NEXT:    %[[E0:[A-Za-z0-9_]+]]: (4,bool)(Tensor) = equal(x=%[[IDX]], y=0,
// CHECK-NEXT:    %[[R2:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[E0]], a=%[[X]], b=%[[R1]],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = select(cond=%[[IN]], a=%[[R2]], b=%[[ZEROS]],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<4xi32>, %arg1: tensor<4xi32>) -> tensor<4xi32> {
  %0 = stablehlo.shift_right_logical %arg0, %arg1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}
