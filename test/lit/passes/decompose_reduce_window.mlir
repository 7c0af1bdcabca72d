// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-decompose-reduce-window | filecheck %s

// reduce_window without a MIL op becomes pad, slices and the body's op.

// lax.cummax (forward): a Hillis-Steele scan, ceil(log2 5) = 3 steps of
// y = max(y, y shifted by 2^k), init -inf shifted in; init is the identity,
// so it is not combined again.
// CHECK-LABEL: func.func @cummax_forward(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-NEXT:    %[[S1:.*]] = stablehlo.pad %[[X]], %[[INIT]], low = [1, 0], high = [-1, 0], interior = [0, 0]
// CHECK-NEXT:    %[[Y1:.*]] = stablehlo.maximum %[[X]], %[[S1]] : tensor<5x4xf32>
// CHECK-NEXT:    %[[S2:.*]] = stablehlo.pad %[[Y1]], %[[INIT]], low = [2, 0], high = [-2, 0], interior = [0, 0]
// CHECK-NEXT:    %[[Y2:.*]] = stablehlo.maximum %[[Y1]], %[[S2]] : tensor<5x4xf32>
// CHECK-NEXT:    %[[S3:.*]] = stablehlo.pad %[[Y2]], %[[INIT]], low = [4, 0], high = [-4, 0], interior = [0, 0]
// CHECK-NEXT:    %[[Y3:.*]] = stablehlo.maximum %[[Y2]], %[[S3]] : tensor<5x4xf32>
// CHECK-NEXT:    return %[[Y3]]
func.func @cummax_forward(%x: tensor<5x4xf32>) -> tensor<5x4xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[4, 0], [0, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 5, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<f32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// lax.cumprod(reverse=True) on i32 along dim 1: shifts come from the high
// side. The body's arguments in swapped order are the same (commutative) op.
// CHECK-LABEL: func.func @cumprod_reverse_i32(
// CHECK-SAME:    %[[X:.*]]: tensor<3x4xi32>)
// CHECK-NEXT:    %[[ONE:.*]] = stablehlo.constant dense<1> : tensor<i32>
// CHECK-NEXT:    %[[S1:.*]] = stablehlo.pad %[[X]], %[[ONE]], low = [0, -1], high = [0, 1], interior = [0, 0]
// CHECK-NEXT:    %[[Y1:.*]] = stablehlo.multiply %[[X]], %[[S1]] : tensor<3x4xi32>
// CHECK-NEXT:    %[[S2:.*]] = stablehlo.pad %[[Y1]], %[[ONE]], low = [0, -2], high = [0, 2], interior = [0, 0]
// CHECK-NEXT:    %[[Y2:.*]] = stablehlo.multiply %[[Y1]], %[[S2]] : tensor<3x4xi32>
// CHECK-NEXT:    return %[[Y2]]
func.func @cumprod_reverse_i32(%x: tensor<3x4xi32>) -> tensor<3x4xi32> {
  %init = stablehlo.constant dense<1> : tensor<i32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [0, 3]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 4>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %m = stablehlo.multiply %b, %a : tensor<i32>
    stablehlo.return %m : tensor<i32>
  }) : (tensor<3x4xi32>, tensor<i32>) -> tensor<3x4xi32>
  return %0 : tensor<3x4xi32>
}

// -----

// A cumulative max whose init (0.5) is not the identity: the scan shifts in
// init, and init is combined into every result once more.
// CHECK-LABEL: func.func @cummax_init_not_identity(
// CHECK-SAME:    %[[X:.*]]: tensor<3xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:    %[[S1:.*]] = stablehlo.pad %[[X]], %[[INIT]], low = [1], high = [-1]
// CHECK-NEXT:    %[[Y1:.*]] = stablehlo.maximum %[[X]], %[[S1]]
// CHECK-NEXT:    %[[S2:.*]] = stablehlo.pad %[[Y1]], %[[INIT]], low = [2], high = [-2]
// CHECK-NEXT:    %[[Y2:.*]] = stablehlo.maximum %[[Y1]], %[[S2]]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.broadcast_in_dim %[[INIT]], dims = [] : (tensor<f32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.maximum %[[Y2]], %[[B]] : tensor<3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @cummax_init_not_identity(%x: tensor<3xf32>) -> tensor<3xf32> {
  %init = stablehlo.constant dense<0.5> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[2, 0]]> : tensor<1x2xi64>, window_dimensions = array<i64: 3>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A dilated max window of 3 (dilation 2, stride 2): three strided slices of
// the input, combined (naive: 5 ops, doubling would take 6).
// CHECK-LABEL: func.func @max_dilated_strided(
// CHECK-SAME:    %[[X:.*]]: tensor<10xf32>)
// CHECK-NEXT:    %[[A:.*]] = stablehlo.slice %[[X]] [0:5:2] : (tensor<10xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.slice %[[X]] [2:7:2] : (tensor<10xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[AB:.*]] = stablehlo.maximum %[[A]], %[[B]] : tensor<3xf32>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.slice %[[X]] [4:9:2] : (tensor<10xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.maximum %[[AB]], %[[C]] : tensor<3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @max_dilated_strided(%x: tensor<10xf32>) -> tensor<3xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 3>, window_strides = array<i64: 2>, window_dilations = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<10xf32>, tensor<f32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Padding and base dilation: one pad with the init value (edges and
// interior base - 1), then the window (2, stride 1) per dim. A min window
// on i32 with init INT_MAX (the identity).
// CHECK-LABEL: func.func @min_base_dilated_padded_i32(
// CHECK-SAME:    %[[X:.*]]: tensor<3x4xi32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant dense<2147483647> : tensor<i32>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.pad %[[X]], %[[INIT]], low = [1, 0], high = [0, 0], interior = [1, 0] : (tensor<3x4xi32>, tensor<i32>) -> tensor<6x4xi32>
// CHECK-NEXT:    %[[A:.*]] = stablehlo.slice %[[P]] [0:5, 0:4] : (tensor<6x4xi32>) -> tensor<5x4xi32>
// CHECK-NEXT:    %[[B:.*]] = stablehlo.slice %[[P]] [1:6, 0:4] : (tensor<6x4xi32>) -> tensor<5x4xi32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.minimum %[[A]], %[[B]] : tensor<5x4xi32>
// CHECK-NEXT:    return %[[R]]
func.func @min_base_dilated_padded_i32(%x: tensor<3x4xi32>) -> tensor<5x4xi32> {
  %init = stablehlo.constant dense<2147483647> : tensor<i32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[1, 0], [0, 0]]> : tensor<2x2xi64>, base_dilations = array<i64: 2, 1>, window_dimensions = array<i64: 2, 1>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %m = stablehlo.minimum %a, %b : tensor<i32>
    stablehlo.return %m : tensor<i32>
  }) : (tensor<3x4xi32>, tensor<i32>) -> tensor<5x4xi32>
  return %0 : tensor<5x4xi32>
}

// -----

// A wide idempotent window (min of 6): T2 = min of neighbours, T4 = min of
// T2 and T2 shifted by 2, result = min of T4 and T4 shifted by 6 - 4 = 2.
// CHECK-LABEL: func.func @min_wide_doubling(
// CHECK-SAME:    %[[X:.*]]: tensor<16xf32>)
// CHECK-NEXT:    %[[A1:.*]] = stablehlo.slice %[[X]] [0:15] : (tensor<16xf32>) -> tensor<15xf32>
// CHECK-NEXT:    %[[B1:.*]] = stablehlo.slice %[[X]] [1:16] : (tensor<16xf32>) -> tensor<15xf32>
// CHECK-NEXT:    %[[T2:.*]] = stablehlo.minimum %[[A1]], %[[B1]] : tensor<15xf32>
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.slice %[[T2]] [0:13] : (tensor<15xf32>) -> tensor<13xf32>
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.slice %[[T2]] [2:15] : (tensor<15xf32>) -> tensor<13xf32>
// CHECK-NEXT:    %[[T4:.*]] = stablehlo.minimum %[[A2]], %[[B2]] : tensor<13xf32>
// CHECK-NEXT:    %[[L:.*]] = stablehlo.slice %[[T4]] [0:11] : (tensor<13xf32>) -> tensor<11xf32>
// CHECK-NEXT:    %[[H:.*]] = stablehlo.slice %[[T4]] [2:13] : (tensor<13xf32>) -> tensor<11xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.minimum %[[L]], %[[H]] : tensor<11xf32>
// CHECK-NEXT:    return %[[R]]
func.func @min_wide_doubling(%x: tensor<16xf32>) -> tensor<11xf32> {
  %init = stablehlo.constant dense<0x7F800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 6>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.minimum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<16xf32>, tensor<f32>) -> tensor<11xf32>
  return %0 : tensor<11xf32>
}

// -----

// A wide sum (add is not idempotent) of 6 with dilation 2: T2, T4 by
// doubling, then T4 and T2 from offset 4 (6 = 4 + 2) side by side.
// CHECK-LABEL: func.func @sum_wide_doubling(
// CHECK-SAME:    %[[X:.*]]: tensor<20xf32>)
// CHECK-NEXT:    %[[A1:.*]] = stablehlo.slice %[[X]] [0:18]
// CHECK-NEXT:    %[[B1:.*]] = stablehlo.slice %[[X]] [2:20]
// CHECK-NEXT:    %[[T2:.*]] = stablehlo.add %[[A1]], %[[B1]] : tensor<18xf32>
// CHECK-NEXT:    %[[A2:.*]] = stablehlo.slice %[[T2]] [0:14]
// CHECK-NEXT:    %[[B2:.*]] = stablehlo.slice %[[T2]] [4:18]
// CHECK-NEXT:    %[[T4:.*]] = stablehlo.add %[[A2]], %[[B2]] : tensor<14xf32>
// CHECK-NEXT:    %[[P4:.*]] = stablehlo.slice %[[T4]] [0:10] : (tensor<14xf32>) -> tensor<10xf32>
// CHECK-NEXT:    %[[P2:.*]] = stablehlo.slice %[[T2]] [8:18] : (tensor<18xf32>) -> tensor<10xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.add %[[P4]], %[[P2]] : tensor<10xf32>
// CHECK-NEXT:    return %[[R]]
func.func @sum_wide_doubling(%x: tensor<20xf32>) -> tensor<10xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 6>, window_dilations = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<20xf32>, tensor<f32>) -> tensor<10xf32>
  return %0 : tensor<10xf32>
}

// -----

// A sum window with init 1 and no padding: StableHLO and XLA agree (init
// joins each window once), so it is decomposed and init added at the end.
// CHECK-LABEL: func.func @sum_init_one_unpadded(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[INIT:.*]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[A:.*]] = stablehlo.slice %[[X]] [0:3]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.slice %[[X]] [1:4]
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[A]], %[[B]] : tensor<3xf32>
// CHECK-NEXT:    %[[I:.*]] = stablehlo.broadcast_in_dim %[[INIT]], dims = [] : (tensor<f32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[R:.*]] = stablehlo.add %[[S]], %[[I]] : tensor<3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @sum_init_one_unpadded(%x: tensor<4xf32>) -> tensor<3xf32> {
  %init = stablehlo.constant dense<1.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<4xf32>, tensor<f32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Booleans: an `or` window; an init behind a no-op broadcast (as JAX emits
// it) is replaced by a constant, so the emitter sees a constant pad value.
// CHECK-LABEL: func.func @or_window_i1(
// CHECK-SAME:    %[[X:.*]]: tensor<2x5xi1>)
// CHECK:         %[[FALSE:.*]] = stablehlo.constant dense<false> : tensor<i1>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.pad %[[X]], %[[FALSE]], low = [0, 1], high = [0, 1], interior = [0, 0] : (tensor<2x5xi1>, tensor<i1>) -> tensor<2x7xi1>
// CHECK-NEXT:    %[[A:.*]] = stablehlo.slice %[[P]] [0:2, 0:5]
// CHECK-NEXT:    %[[B:.*]] = stablehlo.slice %[[P]] [0:2, 1:6]
// CHECK-NEXT:    %[[AB:.*]] = stablehlo.or %[[A]], %[[B]] : tensor<2x5xi1>
// CHECK-NEXT:    %[[C:.*]] = stablehlo.slice %[[P]] [0:2, 2:7]
// CHECK-NEXT:    %[[R:.*]] = stablehlo.or %[[AB]], %[[C]] : tensor<2x5xi1>
// CHECK-NEXT:    return %[[R]]
func.func @or_window_i1(%x: tensor<2x5xi1>) -> tensor<2x5xi1> {
  %c = stablehlo.constant dense<false> : tensor<i1>
  %init = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<i1>) -> tensor<i1>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [1, 1]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 3>}> ({
  ^bb0(%a: tensor<i1>, %b: tensor<i1>):
    %m = stablehlo.or %a, %b : tensor<i1>
    stablehlo.return %m : tensor<i1>
  }) : (tensor<2x5xi1>, tensor<i1>) -> tensor<2x5xi1>
  return %0 : tensor<2x5xi1>
}

// -----

// Four windowed dims (MIL pooling takes at most 3): one dim at a time.
// CHECK-LABEL: func.func @max_four_dims(
// CHECK-NOT:     stablehlo.reduce_window
// CHECK-COUNT-4: stablehlo.maximum
// CHECK-NOT:     stablehlo.maximum
// CHECK:         return
func.func @max_four_dims(%x: tensor<2x3x4x5xf32>) -> tensor<1x2x3x4xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 2, 2, 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<2x3x4x5xf32>, tensor<f32>) -> tensor<1x2x3x4xf32>
  return %0 : tensor<1x2x3x4xf32>
}

// -----

// Windows with one MIL op are left alone: max pooling (max_pool) and a
// cumulative sum from 0 (cumsum).
// CHECK-LABEL: func.func @native_unchanged(
// CHECK:         "stablehlo.reduce_window"
// CHECK:         "stablehlo.reduce_window"
// CHECK-NOT:     stablehlo.slice
// CHECK-NOT:     stablehlo.pad
// CHECK:         return
func.func @native_unchanged(%x: tensor<1x8x8x3xf32>) -> (tensor<1x4x4x3xf32>, tensor<1x8x8x3xf32>) {
  %ninf = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %ninf) <{window_dimensions = array<i64: 1, 2, 2, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<1x8x8x3xf32>, tensor<f32>) -> tensor<1x4x4x3xf32>
  %1 = "stablehlo.reduce_window"(%x, %zero) <{padding = dense<[[0, 0], [7, 0], [0, 0], [0, 0]]> : tensor<4x2xi64>, window_dimensions = array<i64: 1, 8, 1, 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<1x8x8x3xf32>, tensor<f32>) -> tensor<1x8x8x3xf32>
  return %0, %1 : tensor<1x4x4x3xf32>, tensor<1x8x8x3xf32>
}

// -----

// A body of several elementwise ops (lax.cumlogsumexp's logaddexp): a scan
// of ceil(log2 5) = 3 steps, the body applied to whole tensors, positions
// with nothing to combine (iota < 2^k) masked by select instead of padded
// with an identity; the init value is combined once, on the left.
// CHECK-LABEL: func.func @cumlogsumexp(
// CHECK-SAME:    %[[X:.*]]: tensor<2x5xf32>)
// CHECK-DAG:     %[[INIT:.*]] = stablehlo.constant dense<0xFF800000> : tensor<f32>
// CHECK-DAG:     %[[I:.*]] = stablehlo.iota dim = 1 : tensor<2x5xi32>
// CHECK:         %[[S1:.*]] = stablehlo.pad %[[X]], %{{.*}}, low = [0, 1], high = [0, -1]
// CHECK:         stablehlo.maximum %[[S1]], %[[X]]
// CHECK:         %[[M1:.*]] = stablehlo.compare GE, %[[I]], %{{.*}}
// CHECK:         %[[Y1:.*]] = stablehlo.select %[[M1]], %{{.*}}, %[[X]]
// CHECK:         stablehlo.pad %[[Y1]], %{{.*}}, low = [0, 2], high = [0, -2]
// CHECK:         stablehlo.pad %{{.*}}, %{{.*}}, low = [0, 4], high = [0, -4]
// CHECK:         %[[Y3:.*]] = stablehlo.select
// CHECK:         %[[B:.*]] = stablehlo.broadcast_in_dim %[[INIT]], dims = [] : (tensor<f32>) -> tensor<2x5xf32>
// CHECK:         stablehlo.maximum %[[B]], %[[Y3]]
// CHECK-NOT:     stablehlo.reduce_window
func.func @cumlogsumexp(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [4, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 5>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    %d = stablehlo.subtract %a, %b : tensor<f32>
    %n = stablehlo.abs %d : tensor<f32>
    %e = stablehlo.negate %n : tensor<f32>
    %x1 = stablehlo.exponential %e : tensor<f32>
    %l = stablehlo.log_plus_one %x1 : tensor<f32>
    %s = stablehlo.add %m, %l : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<2x5xf32>, tensor<f32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
