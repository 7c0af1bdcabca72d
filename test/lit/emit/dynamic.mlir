// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// A ? dim is a MIL symbol on the input; get_dimension_size reads it at run
// time (shape + gather); a dynamic_broadcast_in_dim that only adds a unit dim
// is an expand_dims; a dynamic_reshape with one ? dim reshapes to a constant
// shape with -1.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 8, fp32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (2,int32)^(Tensor) = shape(x=%[[X]],
// CHECK-NEXT:    %[[N:[A-Za-z0-9_]+]]: (int32)^(Scalar) = gather(x=%[[S]], indices=0, axis=0,
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (is{{[0-9]+}},fp32)(Tensor) = reduce_sum(x=%[[X]], axes=[1],
// CHECK:         %[[E:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 1, fp32)(Tensor) = expand_dims(x=%[[R]], axes=[1],
// CHECK:         = reshape(x=%[[E]], shape=[-1, 1, 1],
// CHECK-NOT:     tile(
func.func @main(%arg0: tensor<?x8xf32>) -> tensor<?x1x1xf32> {
  %c1 = stablehlo.constant dense<1> : tensor<1xi32>
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %n = stablehlo.get_dimension_size %arg0, dim = 0 : (tensor<?x8xf32>) -> tensor<i32>
  %n1 = stablehlo.reshape %n : (tensor<i32>) -> tensor<1xi32>
  %shape2 = stablehlo.concatenate %n1, %c1, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %shape3 = stablehlo.concatenate %n1, %c1, %c1, dim = 0 : (tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<3xi32>
  %sum = stablehlo.reduce(%arg0 init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<?x8xf32>, tensor<f32>) -> tensor<?xf32>
  %col = stablehlo.dynamic_broadcast_in_dim %sum, %shape2, dims = [0] : (tensor<?xf32>, tensor<2xi32>) -> tensor<?x1xf32>
  %out = stablehlo.dynamic_reshape %col, %shape3 : (tensor<?x1xf32>, tensor<3xi32>) -> tensor<?x1x1xf32>
  return %out : tensor<?x1x1xf32>
}

// -----

// A broadcast that expands a dim stays un-materialized before an
// elementwise op with a full-size operand (MIL broadcasts it) ...
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 8, fp32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (8,fp32)(Tensor)) {
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (1, 8, fp32)(Tensor) = reshape(x=%[[B]], shape=[1, 8],
// CHECK:         = add(x=%[[X]], y=%[[R]],
// CHECK-NOT:     tile(
func.func @main(%arg0: tensor<?x8xf32>, %arg1: tensor<8xf32>) -> tensor<?x8xf32> {
  %c8 = stablehlo.constant dense<8> : tensor<1xi32>
  %n = stablehlo.get_dimension_size %arg0, dim = 0 : (tensor<?x8xf32>) -> tensor<i32>
  %n1 = stablehlo.reshape %n : (tensor<i32>) -> tensor<1xi32>
  %shape = stablehlo.concatenate %n1, %c8, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %b = stablehlo.dynamic_broadcast_in_dim %arg1, %shape, dims = [1] : (tensor<8xf32>, tensor<2xi32>) -> tensor<?x8xf32>
  %out = stablehlo.add %arg0, %b : tensor<?x8xf32>
  return %out : tensor<?x8xf32>
}

// -----

// ... and is tiled by output shape // input shape (runtime reps) when it is
// returned as it is.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 8, fp32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (8,fp32)(Tensor)) {
// CHECK:         %[[SHAPE:[A-Za-z0-9_]+]]: (2,int32)^(Tensor) = concat(
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (1, 8, fp32)(Tensor) = reshape(x=%[[B]], shape=[1, 8],
// CHECK:         %[[RS:[A-Za-z0-9_]+]]: (2,int32)*(Tensor) = shape(x=%[[R]],
// CHECK-NEXT:    %[[REPS:[A-Za-z0-9_]+]]: (2,int32)(Tensor) = floor_div(x=%[[SHAPE]], y=%[[RS]],
// CHECK-NEXT:    = tile(x=%[[R]], reps=%[[REPS]],
func.func @main(%arg0: tensor<?x8xf32>, %arg1: tensor<8xf32>) -> tensor<?x8xf32> {
  %c8 = stablehlo.constant dense<8> : tensor<1xi32>
  %n = stablehlo.get_dimension_size %arg0, dim = 0 : (tensor<?x8xf32>) -> tensor<i32>
  %n1 = stablehlo.reshape %n : (tensor<i32>) -> tensor<1xi32>
  %shape = stablehlo.concatenate %n1, %c8, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %b = stablehlo.dynamic_broadcast_in_dim %arg1, %shape, dims = [1] : (tensor<8xf32>, tensor<2xi32>) -> tensor<?x8xf32>
  return %b : tensor<?x8xf32>
}

// -----

// dynamic_reshape with several ? dims reshapes to the runtime shape.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, is{{[0-9]+}}, fp32)(Tensor),
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (3,int32)(Tensor)) {
// CHECK:         = reshape(x=%[[X]], shape=%[[S]],
func.func @main(%arg0: tensor<?x?xf32>, %arg1: tensor<3xi32>) -> tensor<?x?x2xf32> {
  %0 = stablehlo.dynamic_reshape %arg0, %arg1 : (tensor<?x?xf32>, tensor<3xi32>) -> tensor<?x?x2xf32>
  return %0 : tensor<?x?x2xf32>
}

// -----

// dynamic_iota: range_1d up to the runtime size, then tiled.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[S:[A-Za-z0-9_]+]]: (2,int32)(Tensor)) {
// CHECK:         %[[N:[A-Za-z0-9_]+]]: (int32)(Scalar) = gather(x=%[[S]], indices=0, axis=0,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (is{{[0-9]+}},int32)(Tensor) = range_1d(end=%[[N]], start=0, step=1,
// CHECK-NEXT:    %[[E:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 1, int32)(Tensor) = expand_dims(x=%[[R]], axes=[1],
// CHECK:         = tile(x=%[[E]],
func.func @main(%arg0: tensor<2xi32>) -> tensor<?x3xi32> {
  %0 = stablehlo.dynamic_iota %arg0, dim = 0 : (tensor<2xi32>) -> tensor<?x3xi32>
  return %0 : tensor<?x3xi32>
}

// -----

// select over a ? dim (an attention mask): the fill is a lazily broadcast
// scalar; the full-size branch carries the runtime shape.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[P:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 4, int32)(Tensor),
// CHECK-NEXT:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 4, fp32)(Tensor)) {
// CHECK:         %[[C:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 4, bool)(Tensor) = not_equal(x=%[[P]], y=0,
// CHECK:         %[[F:[A-Za-z0-9_]+]]: (1, 1, fp32)*(Tensor) = reshape(x=-1000000000.0, shape=[1, 1],
// CHECK-NEXT:    (is{{[0-9]+}}, 4, fp32)(Tensor) = select(cond=%[[C]], a=%[[X]], b=%[[F]],
// CHECK-NOT:     tile(
func.func @main(%arg0: tensor<?x4xi1>, %arg1: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c = stablehlo.constant dense<-1.0e9> : tensor<f32>
  %n = stablehlo.get_dimension_size %arg1, dim = 0 : (tensor<?x4xf32>) -> tensor<i32>
  %n1 = stablehlo.reshape %n : (tensor<i32>) -> tensor<1xi32>
  %c4 = stablehlo.constant dense<4> : tensor<1xi32>
  %shape = stablehlo.concatenate %n1, %c4, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %fill = stablehlo.dynamic_broadcast_in_dim %c, %shape, dims = [] : (tensor<f32>, tensor<2xi32>) -> tensor<?x4xf32>
  %0 = stablehlo.select %arg0, %arg1, %fill : tensor<?x4xi1>, tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A slice of a ? dim has a static result; MIL infers a symbol for it, so a
// constant reshape restores the static shape.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 8, fp32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 3, fp32)(Tensor) = slice_by_index(x=%[[X]], begin=[0, 2], end=[2, 8], stride=[1, 2],
// CHECK-NEXT:    (2, 3, fp32)(Tensor) = reshape(x=%[[S]], shape=[2, 3],
func.func @main(%arg0: tensor<?x8xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.slice %arg0 [0:2, 2:8:2] : (tensor<?x8xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// pad of static dims next to a ? dim: one MIL pad.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 8, fp32)(Tensor)) {
// CHECK:         (is{{[0-9]+}}, 11, fp32)(Tensor) = pad(x=%[[X]], pad=[0, 0, 1, 2], mode="constant", constant_val=0.0,
func.func @main(%arg0: tensor<?x8xf32>) -> tensor<?x11xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.pad %arg0, %c, low = [0, 1], high = [0, 2], interior = [0, 0] : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x11xf32>
  return %0 : tensor<?x11xf32>
}

// -----

// Max pooling over a flexible batch (the window leaves the ? dim alone).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 3, 8, 8, fp32)(Tensor)) {
// CHECK:         (is{{[0-9]+}}, 3, 4, 4, fp32)(Tensor) = max_pool(x=%[[X]], kernel_sizes=[2, 2], strides=[2, 2],
func.func @main(%arg0: tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32> {
  %c = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = "stablehlo.reduce_window"(%arg0, %c) <{window_dimensions = array<i64: 1, 1, 2, 2>, window_strides = array<i64: 1, 1, 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = stablehlo.maximum %a, %b : tensor<f32>
    stablehlo.return %m : tensor<f32>
  }) : (tensor<?x3x8x8xf32>, tensor<f32>) -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// -----

// argmax whose index operand is a dynamic_iota (a symbolic export); the
// reduced dim is static, so the tie-independent form (see indexing.mlir).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 5, fp32)(Tensor),
// CHECK:         %[[M:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 1, fp32)(Tensor) = reduce_max(x=%[[X]], axes=[1], keep_dims=True,
// CHECK:         (is{{[0-9]+}},int32)(Tensor) = reduce_argmax(x=%{{[A-Za-z0-9_]+}}, axis=1, keep_dims=False,
func.func @main(%arg0: tensor<?x5xf32>, %arg1: tensor<2xi32>) -> tensor<?xi32> {
  %ninf = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %zero = stablehlo.constant dense<0> : tensor<i32>
  %iota = stablehlo.dynamic_iota %arg1, dim = 1 : (tensor<2xi32>) -> tensor<?x5xi32>
  %0:2 = stablehlo.reduce(%arg0 init: %ninf), (%iota init: %zero) across dimensions = [1] : (tensor<?x5xf32>, tensor<?x5xi32>, tensor<f32>, tensor<i32>) -> (tensor<?xf32>, tensor<?xi32>)
   reducer(%a: tensor<f32>, %c: tensor<f32>) (%b: tensor<i32>, %d: tensor<i32>) {
    %gt = stablehlo.compare GT, %a, %c, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %ne = stablehlo.compare NE, %a, %a, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %or = stablehlo.or %gt, %ne : tensor<i1>
    %eq = stablehlo.compare EQ, %a, %c, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %lt = stablehlo.compare LT, %b, %d, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
    %and = stablehlo.and %eq, %lt : tensor<i1>
    %or2 = stablehlo.or %or, %and : tensor<i1>
    %v = stablehlo.select %or, %a, %c : tensor<i1>, tensor<f32>
    %i = stablehlo.select %or2, %b, %d : tensor<i1>, tensor<i32>
    stablehlo.return %v, %i : tensor<f32>, tensor<i32>
  }
  return %0#1 : tensor<?xi32>
}

// -----

// Float power with ? dims. Two inputs whose dims are `?` in a bare .mlir
// get two MIL symbols (nothing says they are equal); MIL's broadcast gives
// the result a third symbol, which is not an error.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is[[A:[0-9]+]], 4, fp32)(Tensor),
// CHECK-NEXT:    %[[Y:[A-Za-z0-9_]+]]: (is[[B:[0-9]+]], 4, fp32)(Tensor)) {
// CHECK:         (is{{[0-9]+}}, 4, fp32)(Tensor) = pow(x=%[[X]], y=%[[Y]],
func.func @main(%arg0: tensor<?x4xf32>, %arg1: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = stablehlo.power %arg0, %arg1 : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// An embedding lookup with dynamic indices (clamped and marked in bounds by
// hlo-coreml-legalize-gather-scatter): gather along axis 0.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[T:[A-Za-z0-9_]+]]: (11, 16, fp32)(Tensor),
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, is{{[0-9]+}}, 1, int32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, is{{[0-9]+}}, int32)(Tensor) = squeeze(x=%[[I]], axes=[2],
// CHECK-NEXT:    (is{{[0-9]+}}, is{{[0-9]+}}, 16, fp32)(Tensor) = gather(x=%[[T]], indices=%[[S]], axis=0,
func.func @main(%arg0: tensor<11x16xf32>, %arg1: tensor<?x?x1xi32>) -> tensor<?x?x16xf32> {
  %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<offset_dims = [2], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 2>, slice_sizes = array<i64: 1, 16>}> {hlo_coreml.in_bounds} : (tensor<11x16xf32>, tensor<?x?x1xi32>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// dynamic_gather as one window of runtime size (pos[:n]): slice_by_size,
// the start clamped to [0, dim - size].
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (6, 16, fp32)(Tensor),
// CHECK:         %[[SIZE:[A-Za-z0-9_]+]]: (2,int32)^(Tensor) = concat(
// CHECK:         %[[LIM:[A-Za-z0-9_]+]]: (2,int32)(Tensor) = sub(x=[6, 16], y=%[[SIZE]],
// CHECK-NEXT:    %[[LO:[A-Za-z0-9_]+]]: (2,int32)(Tensor) = minimum(x=%{{[A-Za-z0-9_]+}}, y=%[[LIM]],
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (2,int32)(Tensor) = maximum(x=%[[LO]], y=0,
// CHECK-NEXT:    (is{{[0-9]+}}, 16, fp32)(Tensor) = slice_by_size(x=%[[X]], begin=%[[B]], size=%[[SIZE]],
func.func @main(%arg0: tensor<6x16xf32>, %arg1: tensor<i32>) -> tensor<?x16xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<1xi32>
  %c16 = stablehlo.constant dense<16> : tensor<1xi32>
  %n = stablehlo.reshape %arg1 : (tensor<i32>) -> tensor<1xi32>
  %sizes = stablehlo.concatenate %n, %c16, dim = 0 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
  %0 = "stablehlo.dynamic_gather"(%arg0, %c0, %sizes) <{dimension_numbers = #stablehlo.gather<offset_dims = [0, 1], start_index_map = [0]>, indices_are_sorted = true}> : (tensor<6x16xf32>, tensor<1xi32>, tensor<2xi32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}

// -----

// real_dynamic_slice: slice_by_index with runtime bounds.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (is{{[0-9]+}}, 8, fp32)(Tensor),
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (2,int32)(Tensor),
// CHECK-NEXT:    %[[E:[A-Za-z0-9_]+]]: (2,int32)(Tensor)) {
// CHECK:         (is{{[0-9]+}}, is{{[0-9]+}}, fp32)(Tensor) = slice_by_index(x=%[[X]], begin=%[[B]], end=%[[E]], stride=[1, 1],
func.func @main(%arg0: tensor<?x8xf32>, %arg1: tensor<2xi32>, %arg2: tensor<2xi32>) -> tensor<?x?xf32> {
  %c1 = stablehlo.constant dense<1> : tensor<2xi32>
  %0 = stablehlo.real_dynamic_slice %arg0, %arg1, %arg2, %c1 : (tensor<?x8xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
