// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-unroll-while=max-unroll=8 | filecheck %s

// Counting up by one (lax.scan): xs read at the counter, ys written there.
// CHECK-LABEL: func.func @scan_up(
// CHECK-SAME:    %[[H:.*]]: tensor<2xf32>, %[[XS:.*]]: tensor<3x2xf32>)
// CHECK-NOT:     stablehlo.while
// CHECK-NOT:     dynamic_
// CHECK:         %[[X0:.*]] = stablehlo.slice %[[XS]] [0:1, 0:2]
// CHECK:         %[[R0:.*]] = stablehlo.reshape %[[X0]]
// CHECK:         %[[S0:.*]] = stablehlo.add %[[H]], %[[R0]]
// CHECK:         %[[T0:.*]] = stablehlo.tanh %[[S0]]
// CHECK:         %[[Y0:.*]] = stablehlo.reshape %[[T0]] : (tensor<2xf32>) -> tensor<1x2xf32>
// CHECK:         stablehlo.slice %[[XS]] [1:2, 0:2]
// CHECK:         %[[T1:.*]] = stablehlo.tanh
// CHECK:         %[[Y1:.*]] = stablehlo.reshape %[[T1]]
// CHECK:         stablehlo.slice %[[XS]] [2:3, 0:2]
// CHECK:         %[[T2:.*]] = stablehlo.tanh
// CHECK:         %[[Y2:.*]] = stablehlo.reshape %[[T2]]
// CHECK:         %[[YS:.*]] = stablehlo.concatenate %[[Y0]], %[[Y1]], %[[Y2]], dim = 0
// CHECK:         return %[[T2]], %[[YS]]
func.func @scan_up(%h: tensor<2xf32>, %xs: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c3 = stablehlo.constant dense<3> : tensor<i32>
  %zero = stablehlo.constant dense<0.0> : tensor<3x2xf32>
  %r:3 = stablehlo.while(%i = %c0, %c = %h, %ys = %zero) : tensor<i32>, tensor<2xf32>, tensor<3x2xf32>
    cond {
      %p = stablehlo.compare LT, %i, %c3, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %x = stablehlo.dynamic_slice %xs, %i, %c0, sizes = [1, 2] : (tensor<3x2xf32>, tensor<i32>, tensor<i32>) -> tensor<1x2xf32>
      %x1 = stablehlo.reshape %x : (tensor<1x2xf32>) -> tensor<2xf32>
      %s = stablehlo.add %c, %x1 : tensor<2xf32>
      %t = stablehlo.tanh %s : tensor<2xf32>
      %row = stablehlo.reshape %t : (tensor<2xf32>) -> tensor<1x2xf32>
      %ys1 = stablehlo.dynamic_update_slice %ys, %row, %i, %c0 : (tensor<3x2xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<3x2xf32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %t, %ys1 : tensor<i32>, tensor<2xf32>, tensor<3x2xf32>
    }
  return %r#1, %r#2 : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// Counting down by two with a GT condition: 7, 5, 3, 1 -> four trips.
// CHECK-LABEL: func.func @down_by_two(
// CHECK-NOT:     stablehlo.while
// CHECK-DAG:     %[[C7:.*]] = stablehlo.constant dense<7> : tensor<i32>
// CHECK-DAG:     %[[C5:.*]] = stablehlo.constant dense<5> : tensor<i32>
// CHECK-DAG:     %[[C3:.*]] = stablehlo.constant dense<3> : tensor<i32>
// CHECK-DAG:     %[[C1:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK:         stablehlo.convert %[[C7]]
// CHECK:         stablehlo.multiply
// CHECK:         stablehlo.convert %[[C5]]
// CHECK:         stablehlo.multiply
// CHECK:         stablehlo.convert %[[C3]]
// CHECK:         stablehlo.multiply
// CHECK:         stablehlo.convert %[[C1]]
// CHECK:         %[[R:.*]] = stablehlo.multiply
// CHECK-NEXT:    return %[[R]]
func.func @down_by_two(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c7 = stablehlo.constant dense<7> : tensor<i32>
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c2 = stablehlo.constant dense<2> : tensor<i32>
  %r:2 = stablehlo.while(%i = %c7, %a = %x) : tensor<i32>, tensor<4xf32>
    cond {
      %p = stablehlo.compare GT, %i, %c0, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %f = stablehlo.convert %i : (tensor<i32>) -> tensor<f32>
      %b = stablehlo.broadcast_in_dim %f, dims = [] : (tensor<f32>) -> tensor<4xf32>
      %a1 = stablehlo.multiply %a, %b : tensor<4xf32>
      %i1 = stablehlo.subtract %i, %c2 : tensor<i32>
      stablehlo.return %i1, %a1 : tensor<i32>, tensor<4xf32>
    }
  return %r#1 : tensor<4xf32>
}

// -----

// Counting up by two, limit compared with LE on the left: trips at 0, 2, 4.
// CHECK-LABEL: func.func @up_by_two(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.sine %[[X]]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.sine %[[A]]
// CHECK-NEXT:    %[[C:.*]] = stablehlo.sine %[[B]]
// CHECK-NEXT:    return %[[C]]
func.func @up_by_two(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c2 = stablehlo.constant dense<2> : tensor<i32>
  %c5 = stablehlo.constant dense<5> : tensor<i32>
  %r:2 = stablehlo.while(%i = %c0, %a = %x) : tensor<i32>, tensor<4xf32>
    cond {
      %p = stablehlo.compare GE, %c5, %i, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %a1 = stablehlo.sine %a : tensor<4xf32>
      %i1 = stablehlo.add %i, %c2 : tensor<i32>
      stablehlo.return %i1, %a1 : tensor<i32>, tensor<4xf32>
    }
  return %r#1 : tensor<4xf32>
}

// -----

// Trip count 0: the results are the initial values.
// CHECK-LABEL: func.func @zero_trips(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @zero_trips(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %r:2 = stablehlo.while(%i = %c0, %a = %x) : tensor<i32>, tensor<4xf32>
    cond {
      %p = stablehlo.compare LT, %i, %c0, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %a1 = stablehlo.sine %a : tensor<4xf32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %a1 : tensor<i32>, tensor<4xf32>
    }
  return %r#1 : tensor<4xf32>
}

// -----

// Trip count 1.
// CHECK-LABEL: func.func @one_trip(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.sine %[[X]]
// CHECK-NEXT:    return %[[A]]
func.func @one_trip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %r:2 = stablehlo.while(%i = %c0, %a = %x) : tensor<i32>, tensor<4xf32>
    cond {
      %p = stablehlo.compare LT, %i, %c1, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %a1 = stablehlo.sine %a : tensor<4xf32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %a1 : tensor<i32>, tensor<4xf32>
    }
  return %r#1 : tensor<4xf32>
}

// -----

// fori_loop: a second counter (the loop index, from 1) travels with the
// trip counter; the body uses it as a value.
// CHECK-LABEL: func.func @fori_index(
// CHECK-SAME:    %[[X:.*]]: tensor<i32>)
// CHECK-DAG:     %[[C1:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK-DAG:     %[[C4:.*]] = stablehlo.constant dense<4> : tensor<i32>
// CHECK-DAG:     %[[C9:.*]] = stablehlo.constant dense<9> : tensor<i32>
// CHECK:         %[[A:.*]] = stablehlo.add %[[X]], %[[C1]]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.add %[[A]], %[[C4]]
// CHECK-NEXT:    %[[C:.*]] = stablehlo.add %[[B]], %[[C9]]
// CHECK-NEXT:    return %[[C]]
func.func @fori_index(%x: tensor<i32>) -> tensor<i32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c3 = stablehlo.constant dense<3> : tensor<i32>
  %r:3 = stablehlo.while(%t = %c0, %i = %c1, %s = %x) : tensor<i32>, tensor<i32>, tensor<i32>
    cond {
      %p = stablehlo.compare LT, %t, %c3, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %sq = stablehlo.multiply %i, %i : tensor<i32>
      %s1 = stablehlo.add %s, %sq : tensor<i32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      %t1 = stablehlo.add %t, %c1 : tensor<i32>
      stablehlo.return %t1, %i1, %s1 : tensor<i32>, tensor<i32>, tensor<i32>
    }
  return %r#2 : tensor<i32>
}

// -----

// Nested loops: the inner trip count (the outer counter) is static only once
// the outer loop is unrolled. Trips: outer i = 0, 1, 2; inner 0 + 1 + 2.
// CHECK-LABEL: func.func @nested_triangular(
// CHECK-SAME:    %[[X:.*]]: tensor<f32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.cosine %[[X]]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.cosine %[[A]]
// CHECK-NEXT:    %[[C:.*]] = stablehlo.cosine %[[B]]
// CHECK-NEXT:    return %[[C]]
func.func @nested_triangular(%x: tensor<f32>) -> tensor<f32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c3 = stablehlo.constant dense<3> : tensor<i32>
  %r:2 = stablehlo.while(%i = %c0, %a = %x) : tensor<i32>, tensor<f32>
    cond {
      %p = stablehlo.compare LT, %i, %c3, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %q:2 = stablehlo.while(%j = %c0, %b = %a) : tensor<i32>, tensor<f32>
        cond {
          %p = stablehlo.compare LT, %j, %i, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
          stablehlo.return %p : tensor<i1>
        } do {
          %b1 = stablehlo.cosine %b : tensor<f32>
          %j1 = stablehlo.add %j, %c1 : tensor<i32>
          stablehlo.return %j1, %b1 : tensor<i32>, tensor<f32>
        }
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %q#1 : tensor<i32>, tensor<f32>
    }
  return %r#1 : tensor<f32>
}

// -----

// A trip count that depends on data is not static: the loop is kept.
// CHECK-LABEL: func.func @data_dependent(
// CHECK:         stablehlo.while
// CHECK:         stablehlo.multiply
func.func @data_dependent(%x: tensor<f32>) -> tensor<f32> {
  %ten = stablehlo.constant dense<10.0> : tensor<f32>
  %two = stablehlo.constant dense<2.0> : tensor<f32>
  %r = stablehlo.while(%a = %x) : tensor<f32>
    cond {
      %p = stablehlo.compare LT, %a, %ten, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %a1 = stablehlo.multiply %a, %two : tensor<f32>
      stablehlo.return %a1 : tensor<f32>
    }
  return %r : tensor<f32>
}

// -----

// More trips than max-unroll: kept.
// CHECK-LABEL: func.func @too_long(
// CHECK:         stablehlo.while
// CHECK:         stablehlo.sine
// CHECK-NOT:     stablehlo.sine
func.func @too_long(%x: tensor<f32>) -> tensor<f32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c9 = stablehlo.constant dense<9> : tensor<i32>
  %r:2 = stablehlo.while(%i = %c0, %a = %x) : tensor<i32>, tensor<f32>
    cond {
      %p = stablehlo.compare LT, %i, %c9, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %p : tensor<i1>
    } do {
      %a1 = stablehlo.sine %a : tensor<f32>
      %i1 = stablehlo.add %i, %c1 : tensor<i32>
      stablehlo.return %i1, %a1 : tensor<i32>, tensor<f32>
    }
  return %r#1 : tensor<f32>
}
