// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-unroll-while-folds | filecheck %s

// hlo-coreml-unroll-while-folds: the folds hlo-coreml-unroll-while runs after each round.

// dynamic_slice at constant indices becomes slice; the start index is
// clamped into range as StableHLO specifies (5 -> 2 for 2 rows of 4).
// CHECK-LABEL: func.func @dynamic_slice_constant(
// CHECK-SAME:    %[[X:.*]]: tensor<4x3xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.slice %[[X]] [2:4, 0:3]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.slice %[[X]] [0:1, 1:3]
// CHECK-NEXT:    return %[[A]], %[[B]]
func.func @dynamic_slice_constant(%x: tensor<4x3xf32>) -> (tensor<2x3xf32>, tensor<1x2xf32>) {
  %c5 = stablehlo.constant dense<5> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %0 = stablehlo.dynamic_slice %x, %c5, %c0, sizes = [2, 3] : (tensor<4x3xf32>, tensor<i32>, tensor<i32>) -> tensor<2x3xf32>
  %i = stablehlo.subtract %c5, %c1 : tensor<i32>
  %j = stablehlo.subtract %i, %c5 : tensor<i32>
  %1 = stablehlo.dynamic_slice %x, %j, %c1, sizes = [1, 2] : (tensor<4x3xf32>, tensor<i32>, tensor<i32>) -> tensor<1x2xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<1x2xf32>
}

// -----

// A buffer overwritten row by row (in any order) becomes one concatenate
// of the rows; the zero buffer is gone.
// CHECK-LABEL: func.func @buffer_to_concat(
// CHECK-SAME:    %[[A:.*]]: tensor<1x3xf32>, %[[B:.*]]: tensor<1x3xf32>, %[[C:.*]]: tensor<1x3xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.concatenate %[[A]], %[[B]], %[[C]], dim = 0
// CHECK-NEXT:    return %[[R]]
func.func @buffer_to_concat(%a: tensor<1x3xf32>, %b: tensor<1x3xf32>, %c: tensor<1x3xf32>) -> tensor<3x3xf32> {
  %z = stablehlo.constant dense<0.0> : tensor<3x3xf32>
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c2 = stablehlo.constant dense<2> : tensor<i32>
  %0 = stablehlo.dynamic_update_slice %z, %c, %c2, %c0 : (tensor<3x3xf32>, tensor<1x3xf32>, tensor<i32>, tensor<i32>) -> tensor<3x3xf32>
  %1 = stablehlo.dynamic_update_slice %0, %a, %c0, %c0 : (tensor<3x3xf32>, tensor<1x3xf32>, tensor<i32>, tensor<i32>) -> tensor<3x3xf32>
  %2 = stablehlo.dynamic_update_slice %1, %b, %c1, %c0 : (tensor<3x3xf32>, tensor<1x3xf32>, tensor<i32>, tensor<i32>) -> tensor<3x3xf32>
  return %2 : tensor<3x3xf32>
}

// -----

// Rows not written come from the old buffer; a row written twice keeps the
// later write.
// CHECK-LABEL: func.func @partial_overwrite(
// CHECK-SAME:    %[[BUF:.*]]: tensor<4x2xf32>, %[[A:.*]]: tensor<1x2xf32>, %[[B:.*]]: tensor<1x2xf32>)
// CHECK-DAG:     %[[HEAD:.*]] = stablehlo.slice %[[BUF]] [0:1, 0:2]
// CHECK-DAG:     %[[TAIL:.*]] = stablehlo.slice %[[BUF]] [2:4, 0:2]
// CHECK:         %[[R:.*]] = stablehlo.concatenate %[[HEAD]], %[[B]], %[[TAIL]], dim = 0
// CHECK-NEXT:    return %[[R]]
func.func @partial_overwrite(%buf: tensor<4x2xf32>, %a: tensor<1x2xf32>, %b: tensor<1x2xf32>) -> tensor<4x2xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %0 = stablehlo.dynamic_update_slice %buf, %a, %c1, %c0 : (tensor<4x2xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<4x2xf32>
  %1 = stablehlo.dynamic_update_slice %0, %b, %c1, %c0 : (tensor<4x2xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// An update that is partial along two dims: nested concatenations.
// CHECK-LABEL: func.func @update_two_dims(
// CHECK-SAME:    %[[BUF:.*]]: tensor<3x4xf32>, %[[U:.*]]: tensor<1x2xf32>)
// CHECK-DAG:     %[[LEFT:.*]] = stablehlo.slice %[[BUF]] [1:2, 0:2]
// CHECK-DAG:     %[[ROW:.*]] = stablehlo.concatenate %[[LEFT]], %[[U]], dim = 1
// CHECK-DAG:     %[[TOP:.*]] = stablehlo.slice %[[BUF]] [0:1, 0:4]
// CHECK-DAG:     %[[BOTTOM:.*]] = stablehlo.slice %[[BUF]] [2:3, 0:4]
// CHECK:         %[[R:.*]] = stablehlo.concatenate %[[TOP]], %[[ROW]], %[[BOTTOM]], dim = 0
// CHECK-NEXT:    return %[[R]]
func.func @update_two_dims(%buf: tensor<3x4xf32>, %u: tensor<1x2xf32>) -> tensor<3x4xf32> {
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c2 = stablehlo.constant dense<2> : tensor<i32>
  %0 = stablehlo.dynamic_update_slice %buf, %u, %c1, %c2 : (tensor<3x4xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// An intermediate buffer that is also read elsewhere: both uses see the
// right rows.
// CHECK-LABEL: func.func @intermediate_read(
// CHECK-SAME:    %[[BUF:.*]]: tensor<2x2xf32>, %[[A:.*]]: tensor<1x2xf32>, %[[B:.*]]: tensor<1x2xf32>)
// CHECK-DAG:     %[[OLD:.*]] = stablehlo.slice %[[BUF]] [1:2, 0:2]
// CHECK-DAG:     %[[FIRST:.*]] = stablehlo.concatenate %[[A]], %[[OLD]], dim = 0
// CHECK-DAG:     %[[BOTH:.*]] = stablehlo.concatenate %[[A]], %[[B]], dim = 0
// CHECK:         return %[[FIRST]], %[[BOTH]]
func.func @intermediate_read(%buf: tensor<2x2xf32>, %a: tensor<1x2xf32>, %b: tensor<1x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %0 = stablehlo.dynamic_update_slice %buf, %a, %c0, %c0 : (tensor<2x2xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<2x2xf32>
  %1 = stablehlo.dynamic_update_slice %0, %b, %c1, %c0 : (tensor<2x2xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<2x2xf32>
  return %0, %1 : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// A non-constant index stays dynamic.
// CHECK-LABEL: func.func @dynamic_index_kept(
// CHECK:         stablehlo.dynamic_update_slice
// CHECK:         stablehlo.dynamic_slice
func.func @dynamic_index_kept(%buf: tensor<4x2xf32>, %a: tensor<1x2xf32>, %i: tensor<i32>) -> (tensor<4x2xf32>, tensor<1x2xf32>) {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %0 = stablehlo.dynamic_update_slice %buf, %a, %i, %c0 : (tensor<4x2xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<4x2xf32>
  %1 = stablehlo.dynamic_slice %buf, %i, %c0, sizes = [1, 2] : (tensor<4x2xf32>, tensor<i32>, tensor<i32>) -> tensor<1x2xf32>
  return %0, %1 : tensor<4x2xf32>, tensor<1x2xf32>
}

// -----

// Integer and boolean arithmetic on constants folds; float arithmetic does not.
// CHECK-LABEL: func.func @fold_integers(
// CHECK-DAG:     %[[F:.*]] = stablehlo.constant dense<1.500000e+00> : tensor<f32>
// CHECK-DAG:     %[[S:.*]] = stablehlo.constant dense<-4> : tensor<i32>
// CHECK-DAG:     %[[P:.*]] = stablehlo.constant dense<true> : tensor<i1>
// CHECK-DAG:     %[[E:.*]] = stablehlo.constant dense<3> : tensor<i32>
// CHECK:         %[[G:.*]] = stablehlo.add %[[F]], %[[F]] : tensor<f32>
// CHECK-NEXT:    return %[[S]], %[[P]], %[[E]], %[[G]]
func.func @fold_integers() -> (tensor<i32>, tensor<i1>, tensor<i32>, tensor<f32>) {
  %c7 = stablehlo.constant dense<7> : tensor<i32>
  %c2 = stablehlo.constant dense<2> : tensor<i32>
  %cm7 = stablehlo.constant dense<-7> : tensor<i32>
  %f = stablehlo.constant dense<1.5> : tensor<f32>
  %q = stablehlo.divide %cm7, %c2 : tensor<i32>
  %r = stablehlo.remainder %cm7, %c2 : tensor<i32>
  %s = stablehlo.add %q, %r : tensor<i32>
  %p = stablehlo.compare LT, %s, %c7, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
  %iota = stablehlo.iota dim = 0 : tensor<5xi32>
  %sl = stablehlo.slice %iota [3:4] : (tensor<5xi32>) -> tensor<1xi32>
  %e = stablehlo.reshape %sl : (tensor<1xi32>) -> tensor<i32>
  %g = stablehlo.add %f, %f : tensor<f32>
  return %s, %p, %e, %g : tensor<i32>, tensor<i1>, tensor<i32>, tensor<f32>
}

// -----

// A slice inside one operand of a concatenate reads that operand.
// CHECK-LABEL: func.func @slice_of_concat(
// CHECK-SAME:    %{{.*}}: tensor<2x3xf32>, %[[B:.*]]: tensor<4x3xf32>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.slice %[[B]] [1:3, 1:3]
// CHECK-NEXT:    return %[[R]]
func.func @slice_of_concat(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x2xf32> {
  %0 = stablehlo.concatenate %a, %b, dim = 0 : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
  %1 = stablehlo.slice %0 [3:5, 1:3] : (tensor<6x3xf32>) -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}

// -----

// Stacked weights read one layer at a time become one constant per layer.
// CHECK-LABEL: func.func @sliced_weights(
// CHECK-SAME:    %[[X:.*]]: tensor<2xf32>)
// CHECK-DAG:     %[[W0:.*]] = stablehlo.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG:     %[[W1:.*]] = stablehlo.constant dense<[3.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-NOT:     tensor<2x2xf32>
// CHECK:         stablehlo.multiply %[[X]], %[[W0]]
// CHECK:         stablehlo.multiply %[[X]], %[[W1]]
func.func @sliced_weights(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %w = stablehlo.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = stablehlo.slice %w [0:1, 0:2] : (tensor<2x2xf32>) -> tensor<1x2xf32>
  %1 = stablehlo.reshape %0 : (tensor<1x2xf32>) -> tensor<2xf32>
  %2 = stablehlo.slice %w [1:2, 0:2] : (tensor<2x2xf32>) -> tensor<1x2xf32>
  %3 = stablehlo.reshape %2 : (tensor<1x2xf32>) -> tensor<2xf32>
  %4 = stablehlo.multiply %x, %1 : tensor<2xf32>
  %5 = stablehlo.multiply %x, %3 : tensor<2xf32>
  return %4, %5 : tensor<2xf32>, tensor<2xf32>
}
