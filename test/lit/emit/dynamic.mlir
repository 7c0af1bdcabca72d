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
