// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// Indexing, sort, argmax and window ops in their legal forms.

// Canonical gather with one index component: MIL gather along axis 0.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (2, 1, int32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (2,int32)(Tensor) = reshape(x=%[[I]], shape=[2],
// CHECK-NEXT:      %[[G:[A-Za-z0-9_]+]]: (2, 4, fp32)(Tensor) = gather(x=%[[X]], indices=%[[R]], axis=0,
// CHECK-NEXT:    } -> (%[[G]])
func.func @main(%x: tensor<5x4xf32>, %i: tensor<2x1xi32>) -> tensor<2x4xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 4>}> {hlo_coreml.in_bounds} : (tensor<5x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Two index components: gather_nd.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (5, 4, 3, fp32)(Tensor),
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (6, 2, int32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[G:[A-Za-z0-9_]+]]: (6, 3, fp32)(Tensor) = gather_nd(x=%[[X]], indices=%[[I]],
// CHECK-NEXT:    } -> (%[[G]])
func.func @main(%x: tensor<5x4x3xf32>, %i: tensor<6x2xi32>) -> tensor<6x3xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0, 1], start_index_map = [0, 1], index_vector_dim = 1>, slice_sizes = array<i64: 1, 1, 3>}> {hlo_coreml.in_bounds} : (tensor<5x4x3xf32>, tensor<6x2xi32>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

// Canonical scatter: scatter_nd, the mode always explicit.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (2, 1, int32)(Tensor),
// CHECK-NEXT:    %[[U:[A-Za-z0-9_]+]]: (2, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[S:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor) = scatter_nd(data=%[[X]], indices=%[[I]], updates=%[[U]], mode="max",
// CHECK-NEXT:    } -> (%[[S]])
func.func @main(%x: tensor<5x4xf32>, %i: tensor<2x1xi32>, %u: tensor<2x4xf32>) -> tensor<5x4xf32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {hlo_coreml.in_bounds} : (tensor<5x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Sort with GT (descending) of (x, iota): the sorted values are x gathered
// by the first argsort; the iota's result is the stable order (a second
// argsort of run * n + index, see sort.mlir).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor)) {
// CHECK:         %[[O:[A-Za-z0-9_]+]]: (5, 4, int32)(Tensor) = argsort(x=%[[X]], axis=1, ascending=False,
// CHECK-NEXT:    %[[VAL:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor) = gather_along_axis(x=%[[X]], indices=%[[O]], axis=1,
// CHECK:         %[[W:[A-Za-z0-9_]+]]: (5, 4, int32)(Tensor) = argsort(x=%{{[A-Za-z0-9_]+}}, axis=1, ascending=True,
// CHECK-NEXT:    %[[IDX:[A-Za-z0-9_]+]]: (5, 4, int32)(Tensor) = gather_along_axis(x=%[[O]], indices=%[[W]], axis=1,
// CHECK-NEXT:  } -> (%[[VAL]], %[[IDX]])
func.func @main(%x: tensor<5x4xf32>) -> (tensor<5x4xf32>, tensor<5x4xi32>) {
  %iota = stablehlo.iota dim = 1 : tensor<5x4xi32>
  %0:2 = "stablehlo.sort"(%x, %iota) <{dimension = 1 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<i32>, %d: tensor<i32>):
    %lt = stablehlo.compare GT, %a, %b, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %lt : tensor<i1>
  }) : (tensor<5x4xf32>, tensor<5x4xi32>) -> (tensor<5x4xf32>, tensor<5x4xi32>)
  return %0#0, %0#1 : tensor<5x4xf32>, tensor<5x4xi32>
}

// -----

// argmax's (value, iota) reduce: reduce_max (kept as a dim, squeezed for the
// value), then reduce_argmax of n - i where x equals the max (or is NaN, when
// there is one) and 0 elsewhere: a single largest element, so the first index
// wins ties whatever index MIL's reduce_argmax picks among equal elements
// (undocumented).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor)) {
// CHECK:         %[[M:[A-Za-z0-9_]+]]: (5, 1, fp32)(Tensor) = reduce_max(x=%[[X]], axes=[1], keep_dims=True,
// CHECK-NEXT:    %[[EQ:[A-Za-z0-9_]+]]: (5, 4, bool)(Tensor) = equal(x=%[[X]], y=%[[M]],
// CHECK-NEXT:    %[[NAN:[A-Za-z0-9_]+]]: (5, 4, bool)(Tensor) = not_equal(x=%[[X]], y=%[[X]],
// CHECK:         %[[T:[A-Za-z0-9_]+]]: (5, 4, bool)(Tensor) = select(cond=%{{[A-Za-z0-9_]+}}, a=%[[NAN]], b=%[[EQ]],
// CHECK-NEXT:    %[[TI:[A-Za-z0-9_]+]]: (5, 4, int32)(Tensor) = cast(x=%[[T]], dtype="int32",
// CHECK-NEXT:    %[[K:[A-Za-z0-9_]+]]: (5, 4, int32)(Tensor) = mul(x=%[[TI]], y=[[4, 3, 2, 1]],
// CHECK-NEXT:    %[[IDX:[A-Za-z0-9_]+]]: (5,int32)(Tensor) = reduce_argmax(x=%[[K]], axis=1, keep_dims=False,
// CHECK:       } -> (%[[IDX]])
func.func @main(%x: tensor<5x4xf32>) -> tensor<5xi32> {
  %iota = stablehlo.iota dim = 1 : tensor<5x4xi32>
  %init = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %0:2 = stablehlo.reduce(%x init: %init), (%iota init: %c0) across dimensions = [1] : (tensor<5x4xf32>, tensor<5x4xi32>, tensor<f32>, tensor<i32>) -> (tensor<5xf32>, tensor<5xi32>)
   reducer(%a: tensor<f32>, %b: tensor<f32>) (%i: tensor<i32>, %j: tensor<i32>)  {
    %gt = stablehlo.compare GT, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %nan = stablehlo.compare NE, %a, %a, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %p = stablehlo.or %gt, %nan : tensor<i1>
    %eq = stablehlo.compare EQ, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %lt = stablehlo.compare LT, %i, %j, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %t = stablehlo.and %eq, %lt : tensor<i1>
    %q = stablehlo.or %p, %t : tensor<i1>
    %v = stablehlo.select %p, %a, %b : tensor<i1>, tensor<f32>
    %k = stablehlo.select %q, %i, %j : tensor<i1>, tensor<i32>
    stablehlo.return %v, %k : tensor<f32>, tensor<i32>
  }
  return %0#1 : tensor<5xi32>
}

// -----

// Cumulative window padded on the high side: a reverse cumsum.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[C:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor) = cumsum(x=%[[X]], axis=1, exclusive=False, reverse=True,
// CHECK-NEXT:    } -> (%[[C]])
func.func @main(%x: tensor<5x4xf32>) -> tensor<5x4xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [0, 3]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 4>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<5x4xf32>, tensor<f32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Sum pooling: avg_pool counting the padding, times the window size; the
// padding pairs map onto MIL's [before, after] per spatial dim.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (1, 3, 8, 8, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[A:[A-Za-z0-9_]+]]: (1, 3, 4, 4, fp32)(Tensor) = avg_pool(exclude_padding_from_average=False, x=%[[X]], kernel_sizes=[2, 2], strides=[2, 2], pad_type="custom", pad=[1, 0, 0, 1],
// CHECK-NEXT:      %[[S:[A-Za-z0-9_]+]]: (1, 3, 4, 4, fp32)(Tensor) = mul(x=%[[A]], y=4.0,
// CHECK-NEXT:    } -> (%[[S]])
func.func @main(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%x, %init) <{padding = dense<[[0, 0], [0, 0], [1, 0], [0, 1]]> : tensor<4x2xi64>, window_dimensions = array<i64: 1, 1, 2, 2>, window_strides = array<i64: 1, 1, 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) : (tensor<1x3x8x8xf32>, tensor<f32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (5, 4, fp32)(Tensor) = reverse(x=%[[X]], axes=[0, 1],
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%x: tensor<5x4xf32>) -> tensor<5x4xf32> {
  %0 = stablehlo.reverse %x, dims = [0, 1] : tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}
