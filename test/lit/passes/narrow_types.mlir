// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-narrow-types | filecheck %s

// Function signature, arguments and results: i64 -> i32, f64 -> f32.
// CHECK-LABEL: func.func @signature(
// CHECK-SAME:    %[[A:.*]]: tensor<4xi32>, %[[B:.*]]: tensor<2x3xf32>) -> (tensor<4xi32>, tensor<2x3xf32>)
// CHECK-NEXT:    %[[X:.*]] = stablehlo.add %[[A]], %[[A]] : tensor<4xi32>
// CHECK-NEXT:    %[[Y:.*]] = stablehlo.multiply %[[B]], %[[B]] : tensor<2x3xf32>
// CHECK-NEXT:    return %[[X]], %[[Y]] : tensor<4xi32>, tensor<2x3xf32>
// CHECK-NOT:   i64
// CHECK-NOT:   f64
func.func @signature(%arg0: tensor<4xi64>, %arg1: tensor<2x3xf64>) -> (tensor<4xi64>, tensor<2x3xf64>) {
  %0 = stablehlo.add %arg0, %arg0 : tensor<4xi64>
  %1 = stablehlo.multiply %arg1, %arg1 : tensor<2x3xf64>
  return %0, %1 : tensor<4xi64>, tensor<2x3xf64>
}

// -----

// 32-bit and narrower types are left alone.
// CHECK-LABEL: func.func @already_narrow(
// CHECK-SAME:    %{{.*}}: tensor<4xi32>, %{{.*}}: tensor<4xf16>, %{{.*}}: tensor<4xi1>) -> tensor<4xf16>
// CHECK:         stablehlo.select %{{.*}} : tensor<4xi1>, tensor<4xf16>
func.func @already_narrow(%arg0: tensor<4xi32>, %arg1: tensor<4xf16>, %arg2: tensor<4xi1>) -> tensor<4xf16> {
  %0 = stablehlo.select %arg2, %arg1, %arg1 : tensor<4xi1>, tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// Splat constants keep their value.
// CHECK-LABEL: func.func @splat_constants(
// CHECK-DAG:     stablehlo.constant dense<7> : tensor<4xi32>
// CHECK-DAG:     stablehlo.constant dense<-2.500000e+00> : tensor<4xf32>
// CHECK-DAG:     stablehlo.constant dense<-2147483648> : tensor<i32>
// CHECK:         return %{{.*}} : tensor<4xi32>, tensor<4xf32>, tensor<i32>
func.func @splat_constants() -> (tensor<4xi64>, tensor<4xf64>, tensor<i64>) {
  %0 = stablehlo.constant dense<7> : tensor<4xi64>
  %1 = stablehlo.constant dense<-2.5> : tensor<4xf64>
  %2 = stablehlo.constant dense<-2147483648> : tensor<i64>
  return %0, %1, %2 : tensor<4xi64>, tensor<4xf64>, tensor<i64>
}

// -----

// Non-splat constants keep every element, including the i32 extremes and
// the non-finite floats.
// CHECK-LABEL: func.func @dense_constants(
// CHECK-DAG:     stablehlo.constant dense<[-2147483648, 2147483647, -1, 0]> : tensor<4xi32>
// CHECK-DAG:     stablehlo.constant dense<{{\[}}[1.000000e+00, 2.500000e+00], [-3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG:     stablehlo.constant dense<[0x7F800000, 0xFF800000, 0x7FC00000]> : tensor<3xf32>
// CHECK:         return {{.*}} : tensor<4xi32>, tensor<2x2xf32>, tensor<3xf32>
func.func @dense_constants() -> (tensor<4xi64>, tensor<2x2xf64>, tensor<3xf64>) {
  %0 = stablehlo.constant dense<[-2147483648, 2147483647, -1, 0]> : tensor<4xi64>
  %1 = stablehlo.constant dense<[[1.0, 2.5], [-3.0, 4.0]]> : tensor<2x2xf64>
  %2 = stablehlo.constant dense<[0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000]> : tensor<3xf64>
  return %0, %1, %2 : tensor<4xi64>, tensor<2x2xf64>, tensor<3xf64>
}

// -----

// ui64 becomes ui32 (not i32), and values up to 2^32 - 1 fit.
// CHECK-LABEL: func.func @unsigned(
// CHECK-SAME:    %[[A:.*]]: tensor<2xui32>) -> tensor<2xui32>
// CHECK:         %[[C:.*]] = stablehlo.constant dense<[4294967295, 1]> : tensor<2xui32>
// CHECK:         stablehlo.add %[[A]], %[[C]] : tensor<2xui32>
func.func @unsigned(%arg0: tensor<2xui64>) -> tensor<2xui64> {
  %c = stablehlo.constant dense<[4294967295, 1]> : tensor<2xui64>
  %0 = stablehlo.add %arg0, %c : tensor<2xui64>
  return %0 : tensor<2xui64>
}

// -----

// A reduce body's block arguments and the ops inside it are narrowed too.
// CHECK-LABEL: func.func @reduce_body(
// CHECK-SAME:    %[[A:.*]]: tensor<4x5xi32>) -> tensor<4xi32>
// CHECK:         %[[INIT:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK:         stablehlo.reduce(%[[A]] init: %[[INIT]]) across dimensions = [1] : (tensor<4x5xi32>, tensor<i32>) -> tensor<4xi32>
// CHECK-NEXT:    reducer(%[[L:.*]]: tensor<i32>, %[[R:.*]]: tensor<i32>)
// CHECK:           %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK:           %[[S:.*]] = stablehlo.add %[[L]], %[[R]] : tensor<i32>
// CHECK:           %[[T:.*]] = stablehlo.add %[[S]], %[[ONE]] : tensor<i32>
// CHECK:           stablehlo.return %[[T]] : tensor<i32>
func.func @reduce_body(%arg0: tensor<4x5xi64>) -> tensor<4xi64> {
  %c = stablehlo.constant dense<0> : tensor<i64>
  %0 = stablehlo.reduce(%arg0 init: %c) across dimensions = [1] : (tensor<4x5xi64>, tensor<i64>) -> tensor<4xi64>
   reducer(%a: tensor<i64>, %b: tensor<i64>)  {
    %one = stablehlo.constant dense<1> : tensor<i64>
    %s = stablehlo.add %a, %b : tensor<i64>
    %t = stablehlo.add %s, %one : tensor<i64>
    stablehlo.return %t : tensor<i64>
  }
  return %0 : tensor<4xi64>
}

// -----

// The one-op form of reduce (`applies`) keeps its printed form.
// CHECK-LABEL: func.func @reduce_applies(
// CHECK:         %[[INIT:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<f32>
// CHECK:         stablehlo.reduce(%{{.*}} init: %[[INIT]]) applies stablehlo.maximum across dimensions = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32>
func.func @reduce_applies(%arg0: tensor<3xf64>) -> tensor<f64> {
  %c = stablehlo.constant dense<0.0> : tensor<f64>
  %0 = stablehlo.reduce(%arg0 init: %c) applies stablehlo.maximum across dimensions = [0] : (tensor<3xf64>, tensor<f64>) -> tensor<f64>
  return %0 : tensor<f64>
}

// -----

// Nested regions (while cond and body): results, block arguments and the
// constants inside are all narrowed.
// CHECK-LABEL: func.func @while_regions(
// CHECK-SAME:    %[[X0:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK:         %[[C0:.*]] = stablehlo.constant dense<0> : tensor<i32>
// CHECK:         %[[W:.*]]:2 = stablehlo.while(%[[I:.*]] = %[[C0]], %[[X:.*]] = %[[X0]]) : tensor<i32>, tensor<4xf32>
// CHECK:         cond {
// CHECK:           %[[TEN:.*]] = stablehlo.constant dense<10> : tensor<i32>
// CHECK:           stablehlo.compare LT, %[[I]], %[[TEN]] : (tensor<i32>, tensor<i32>) -> tensor<i1>
// CHECK:         } do {
// CHECK:           %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK:           %[[NEXT:.*]] = stablehlo.add %[[I]], %[[ONE]] : tensor<i32>
// CHECK:           %[[DBL:.*]] = stablehlo.add %[[X]], %[[X]] : tensor<4xf32>
// CHECK:           stablehlo.return %[[NEXT]], %[[DBL]] : tensor<i32>, tensor<4xf32>
// CHECK:         return %[[W]]#1 : tensor<4xf32>
func.func @while_regions(%arg0: tensor<4xf64>) -> tensor<4xf64> {
  %c0 = stablehlo.constant dense<0> : tensor<i64>
  %0:2 = stablehlo.while(%iter = %c0, %x = %arg0) : tensor<i64>, tensor<4xf64>
  cond {
    %c10 = stablehlo.constant dense<10> : tensor<i64>
    %1 = stablehlo.compare LT, %iter, %c10 : (tensor<i64>, tensor<i64>) -> tensor<i1>
    stablehlo.return %1 : tensor<i1>
  } do {
    %c1 = stablehlo.constant dense<1> : tensor<i64>
    %2 = stablehlo.add %iter, %c1 : tensor<i64>
    %3 = stablehlo.add %x, %x : tensor<4xf64>
    stablehlo.return %2, %3 : tensor<i64>, tensor<4xf64>
  }
  return %0#1 : tensor<4xf64>
}

// -----

// A sort comparator's block arguments are narrowed.
// CHECK-LABEL: func.func @sort_comparator(
// CHECK:         "stablehlo.sort"(%{{.*}})
// CHECK-NEXT:    ^bb0(%[[L:.*]]: tensor<i32>, %[[R:.*]]: tensor<i32>):
// CHECK-NEXT:      stablehlo.compare GT, %[[L]], %[[R]], SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
// CHECK:         }) : (tensor<4xi32>) -> tensor<4xi32>
func.func @sort_comparator(%arg0: tensor<4xi64>) -> tensor<4xi64> {
  %0 = "stablehlo.sort"(%arg0) <{dimension = 0 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<i64>, %b: tensor<i64>):
    %1 = stablehlo.compare GT, %a, %b, SIGNED : (tensor<i64>, tensor<i64>) -> tensor<i1>
    stablehlo.return %1 : tensor<i1>
  }) : (tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// convert ops: the 64-bit side is narrowed, so f32 -> i64 becomes f32 -> i32
// and f64 -> f32 becomes a no-op convert f32 -> f32 (canonicalize folds it).
// CHECK-LABEL: func.func @convert(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT:    %[[I:.*]] = stablehlo.convert %[[A]] : (tensor<4xf32>) -> tensor<4xi32>
// CHECK-NEXT:    %[[F:.*]] = stablehlo.convert %[[B]] : tensor<4xf32>
// CHECK-NEXT:    %[[G:.*]] = stablehlo.convert %[[I]] : (tensor<4xi32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[I]], %[[F]], %[[G]]
func.func @convert(%arg0: tensor<4xf32>, %arg1: tensor<4xf64>) -> (tensor<4xi64>, tensor<4xf32>, tensor<4xf64>) {
  %0 = stablehlo.convert %arg0 : (tensor<4xf32>) -> tensor<4xi64>
  %1 = stablehlo.convert %arg1 : (tensor<4xf64>) -> tensor<4xf32>
  %2 = stablehlo.convert %0 : (tensor<4xi64>) -> tensor<4xf64>
  return %0, %1, %2 : tensor<4xi64>, tensor<4xf32>, tensor<4xf64>
}

// -----

// Calls and every function of the module: callee signatures and call
// result types change together, so the module still verifies.
// CHECK-LABEL: func.func @caller(
// CHECK-SAME:    %[[A:.*]]: tensor<2xi32>) -> tensor<2xi32>
// CHECK:         %[[R:.*]] = call @callee(%[[A]]) : (tensor<2xi32>) -> tensor<2xi32>
// CHECK:         return %[[R]] : tensor<2xi32>
// CHECK-LABEL: func.func private @callee(
// CHECK-SAME:    %{{.*}}: tensor<2xi32>) -> tensor<2xi32>
func.func @caller(%arg0: tensor<2xi64>) -> tensor<2xi64> {
  %0 = call @callee(%arg0) : (tensor<2xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
func.func private @callee(%arg0: tensor<2xi64>) -> tensor<2xi64> {
  return %arg0 : tensor<2xi64>
}

// -----

// iota and compare types follow their result / operand types.
// CHECK-LABEL: func.func @iota_compare(
// CHECK:         %[[IOTA:.*]] = stablehlo.iota dim = 0 : tensor<4xi32>
// CHECK:         stablehlo.compare LT, %[[IOTA]], %{{.*}} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
func.func @iota_compare(%arg0: tensor<4xi64>) -> tensor<4xi1> {
  %0 = stablehlo.iota dim = 0 : tensor<4xi64>
  %1 = stablehlo.compare LT, %0, %arg0 : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  return %1 : tensor<4xi1>
}

// -----

// Bit-width-dependent ops keep their 64-bit answer: a negative i64 has 32
// more ones and no leading zeros, a non-negative one (and any ui64) 32 more
// leading zeros; i64 shift_right_logical by k < 32 is the arithmetic shift,
// by 32 <= k < 64 the high word's ones shifted by k - 32, else 0.
// CHECK-LABEL: func.func @width_dependent(
// CHECK-SAME:    %[[X:.*]]: tensor<4xi32>, %[[K:.*]]: tensor<4xi32>, %[[U:.*]]: tensor<4xui32>)
// CHECK:         %[[POP:.*]] = stablehlo.popcnt %[[X]] : tensor<4xi32>
// CHECK:         %[[NEG:.*]] = stablehlo.compare LT, %[[X]]
// CHECK:         %[[HIGH:.*]] = stablehlo.select %[[NEG]]
// CHECK:         %[[POP64:.*]] = stablehlo.add %[[POP]], %[[HIGH]]
// CHECK:         %[[CLZ:.*]] = stablehlo.count_leading_zeros %[[X]]
// CHECK:         %[[CLZ32:.*]] = stablehlo.add %[[CLZ]]
// CHECK:         %[[CLZ64:.*]] = stablehlo.select %{{.*}}, %{{.*}}, %[[CLZ32]]
// CHECK:         %[[SRA:.*]] = stablehlo.shift_right_arithmetic %[[X]], %[[K]]
// CHECK:         %[[SIGN:.*]] = stablehlo.shift_right_arithmetic %[[X]], %{{.*}}
// CHECK:         %[[K32:.*]] = stablehlo.subtract %[[K]]
// CHECK:         %[[SRL:.*]] = stablehlo.shift_right_logical %[[SIGN]], %[[K32]]
// CHECK:         %[[HI:.*]] = stablehlo.select %{{.*}}, %[[SRL]], %{{.*}}
// CHECK:         %[[SHIFT:.*]] = stablehlo.select %{{.*}}, %[[SRA]], %[[HI]]
// CHECK:         %[[UCLZ:.*]] = stablehlo.count_leading_zeros %[[U]] : tensor<4xui32>
// CHECK:         %[[UCLZ64:.*]] = stablehlo.add %[[UCLZ]]
// CHECK:         %[[UPOP:.*]] = stablehlo.popcnt %[[U]] : tensor<4xui32>
// CHECK:         return %[[POP64]], %[[CLZ64]], %[[SHIFT]], %[[UCLZ64]], %[[UPOP]]
// CHECK-NOT:     i64
func.func @width_dependent(%x: tensor<4xi64>, %k: tensor<4xi64>, %u: tensor<4xui64>) -> (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xui64>, tensor<4xui64>) {
  %0 = stablehlo.popcnt %x : tensor<4xi64>
  %1 = stablehlo.count_leading_zeros %x : tensor<4xi64>
  %2 = stablehlo.shift_right_logical %x, %k : tensor<4xi64>
  %3 = stablehlo.count_leading_zeros %u : tensor<4xui64>
  %4 = stablehlo.popcnt %u : tensor<4xui64>
  return %0, %1, %2, %3, %4 : tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xui64>, tensor<4xui64>
}

// -----

// The 64-bit minimum as the init of a max reduction (jnp.max, argmax on
// int64) becomes the 32-bit minimum: every narrowed value lies within 32
// bits, so the results are the same. Likewise the maximum for min.
// CHECK-LABEL: func.func @max_min_init_limits(
// CHECK-DAG:     %[[LO:.*]] = stablehlo.constant dense<-2147483648> : tensor<i32>
// CHECK-DAG:     %[[HI:.*]] = stablehlo.constant dense<2147483647> : tensor<i32>
// CHECK:         stablehlo.reduce(%{{.*}} init: %[[LO]]) applies stablehlo.maximum
// CHECK:         stablehlo.reduce(%{{.*}} init: %[[HI]]) applies stablehlo.minimum
func.func @max_min_init_limits(%x: tensor<4x3xi64>) -> (tensor<4xi64>, tensor<3xi64>) {
  %lo = stablehlo.constant dense<-9223372036854775808> : tensor<i64>
  %hi = stablehlo.constant dense<9223372036854775807> : tensor<i64>
  %0 = stablehlo.reduce(%x init: %lo) applies stablehlo.maximum across dimensions = [1] : (tensor<4x3xi64>, tensor<i64>) -> tensor<4xi64>
  %1 = stablehlo.reduce(%x init: %hi) applies stablehlo.minimum across dimensions = [0] : (tensor<4x3xi64>, tensor<i64>) -> tensor<3xi64>
  return %0, %1 : tensor<4xi64>, tensor<3xi64>
}

// -----

// cummax: every window holds an element of the input (padding window - 1).
// CHECK-LABEL: func.func @cummax_init(
// CHECK:         %[[LO:.*]] = stablehlo.constant dense<-2147483648> : tensor<i32>
// CHECK:         "stablehlo.reduce_window"(%{{.*}}, %[[LO]])
func.func @cummax_init(%x: tensor<5xi64>) -> tensor<5xi64> {
  %lo = stablehlo.constant dense<-9223372036854775808> : tensor<i64>
  %0 = "stablehlo.reduce_window"(%x, %lo) ({
  ^bb0(%a: tensor<i64>, %b: tensor<i64>):
    %m = stablehlo.maximum %a, %b : tensor<i64>
    stablehlo.return %m : tensor<i64>
  }) {window_dimensions = array<i64: 5>, padding = dense<[[4, 0]]> : tensor<1x2xi64>} : (tensor<5xi64>, tensor<i64>) -> tensor<5xi64>
  return %0 : tensor<5xi64>
}
