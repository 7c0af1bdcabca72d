// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-sort | filecheck %s

// Two keys (lax.sort num_keys=2): x ascending, ties by y descending. A chain
// of stable single-key sorts, least significant key first.
// CHECK-LABEL: func.func @two_keys(
// CHECK-SAME:    %[[X:.*]]: tensor<3x4xf32>, %[[Y:.*]]: tensor<3x4xi32>)
// CHECK:         %[[S:.*]]:2 = "stablehlo.sort"(%[[X]], %[[Y]]) <{dimension = 1 : i64, is_stable = true}>
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<f32>, %{{.*}}: tensor<f32>, %[[A1:.*]]: tensor<i32>, %[[B1:.*]]: tensor<i32>):
// CHECK-NEXT:      %[[C:.*]] = stablehlo.compare GT, %[[A1]], %[[B1]]
// CHECK-NEXT:      stablehlo.return %[[C]]
// CHECK:         %[[T:.*]]:2 = "stablehlo.sort"(%[[S]]#0, %[[S]]#1) <{dimension = 1 : i64, is_stable = true}>
// CHECK-NEXT:    ^bb0(%[[A0:.*]]: tensor<f32>, %[[B0:.*]]: tensor<f32>, %{{.*}}: tensor<i32>, %{{.*}}: tensor<i32>):
// CHECK-NEXT:      %[[D:.*]] = stablehlo.compare LT, %[[A0]], %[[B0]]
// CHECK-NEXT:      stablehlo.return %[[D]]
// CHECK:         return %[[T]]#0, %[[T]]#1
func.func @two_keys(%x: tensor<3x4xf32>, %y: tensor<3x4xi32>) -> (tensor<3x4xf32>, tensor<3x4xi32>) {
  %0:2 = "stablehlo.sort"(%x, %y) <{dimension = 1 : i64, is_stable = true}> ({
  ^bb0(%a0: tensor<f32>, %b0: tensor<f32>, %a1: tensor<i32>, %b1: tensor<i32>):
    %lt1 = stablehlo.compare GT, %a1, %b1, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %lt0 = stablehlo.compare LT, %a0, %b0, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %eq0 = stablehlo.compare EQ, %a0, %b0, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %and = stablehlo.and %eq0, %lt1 : tensor<i1>
    %or = stablehlo.or %lt0, %and : tensor<i1>
    stablehlo.return %or : tensor<i1>
  }) : (tensor<3x4xf32>, tensor<3x4xi32>) -> (tensor<3x4xf32>, tensor<3x4xi32>)
  return %0#0, %0#1 : tensor<3x4xf32>, tensor<3x4xi32>
}

// -----

// JAX's float total-order canonicalization (-0.0 -> 0.0, NaN -> quiet NaN)
// becomes the key select(x != x, +inf, x), sorted along and compared
// directly: NaNs go last as in JAX (argsort already ties -0.0 and 0.0).
// CHECK-LABEL: func.func @jnp_sort(
// CHECK-SAME:    %[[X:.*]]: tensor<5xf32>)
// CHECK-NEXT:    %[[INF:.*]] = stablehlo.constant dense<0x7F800000> : tensor<5xf32>
// CHECK-NEXT:    %[[NAN:.*]] = stablehlo.compare NE, %[[X]], %[[X]]
// CHECK-NEXT:    %[[K:.*]] = stablehlo.select %[[NAN]], %[[INF]], %[[X]]
// CHECK-NEXT:    %[[S:.*]]:2 = "stablehlo.sort"(%[[X]], %[[K]]) <{dimension = 0 : i64, is_stable = true}>
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<f32>, %{{.*}}: tensor<f32>, %[[A:.*]]: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      %[[C:.*]] = stablehlo.compare LT, %[[A]], %[[B]]
// CHECK-NEXT:      stablehlo.return %[[C]]
// CHECK:         return %[[S]]#0
func.func @jnp_sort(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = "stablehlo.sort"(%x) <{dimension = 0 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %z = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %e = stablehlo.compare EQ, %a, %z, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %a0 = stablehlo.select %e, %z, %a : tensor<i1>, tensor<f32>
    %n = stablehlo.compare NE, %a, %a, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %nan = stablehlo.constant dense<0x7FC00000> : tensor<f32>
    %a1 = stablehlo.select %n, %nan, %a0 : tensor<i1>, tensor<f32>
    %e2 = stablehlo.compare EQ, %b, %z, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %b0 = stablehlo.select %e2, %z, %b : tensor<i1>, tensor<f32>
    %n2 = stablehlo.compare NE, %b, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %b1 = stablehlo.select %n2, %nan, %b0 : tensor<i1>, tensor<f32>
    %lt = stablehlo.compare LT, %a1, %b1, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %lt : tensor<i1>
  }) : (tensor<5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// ui32 keys after hlo-coreml-widen-small-ints: the comparator flips the
// sign bit (adds 2**31) of both sides. That key function is computed on
// the whole tensor and sorted along as an extra operand, then dropped.
// CHECK-LABEL: func.func @ui32_key(
// CHECK-SAME:    %[[X:.*]]: tensor<2x6xi32>)
// CHECK:         %[[C:.*]] = stablehlo.constant dense<-2147483648> : tensor<i32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[C]], dims = [] : (tensor<i32>) -> tensor<2x6xi32>
// CHECK-NEXT:    %[[K:.*]] = stablehlo.add %[[X]], %[[B]] : tensor<2x6xi32>
// CHECK-NEXT:    %[[S:.*]]:2 = "stablehlo.sort"(%[[X]], %[[K]]) <{dimension = 1 : i64, is_stable = true}>
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<i32>, %{{.*}}: tensor<i32>, %[[A:.*]]: tensor<i32>, %[[B2:.*]]: tensor<i32>):
// CHECK-NEXT:      %[[LT:.*]] = stablehlo.compare LT, %[[A]], %[[B2]]
// CHECK:         return %[[S]]#0
func.func @ui32_key(%x: tensor<2x6xi32>) -> tensor<2x6xi32> {
  %0 = "stablehlo.sort"(%x) <{dimension = 1 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %c = stablehlo.constant dense<-2147483648> : tensor<i32>
    %fa = stablehlo.add %a, %c : tensor<i32>
    %fb = stablehlo.add %b, %c : tensor<i32>
    %lt = stablehlo.compare LT, %fa, %fb, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    stablehlo.return %lt : tensor<i1>
  }) : (tensor<2x6xi32>) -> tensor<2x6xi32>
  return %0 : tensor<2x6xi32>
}

// -----

// Already a compare of one operand's block arguments (here swapped: arg 1
// before arg 0, i.e. descending): left as it is.
// CHECK-LABEL: func.func @single_key_untouched(
// CHECK:         "stablehlo.sort"
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      stablehlo.compare LT, %[[B]], %[[A]]
// CHECK-NOT:     "stablehlo.sort"
func.func @single_key_untouched(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = "stablehlo.sort"(%x) <{dimension = 0 : i64}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %lt = stablehlo.compare LT, %b, %a : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %lt : tensor<i1>
  }) : (tensor<5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}
