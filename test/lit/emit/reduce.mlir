// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// A reduce whose body is one add is reduce_sum over its dimensions; the
// init value 0 is the identity, so it is not combined in.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 3, 4, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (3,fp32)(Tensor) = reduce_sum(x=%[[A]], axes=[0, 2], keep_dims=False,
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%arg0: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %c = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.reduce(%arg0 init: %c) applies stablehlo.add across dimensions = [0, 2] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// max with init -inf (identity): reduce_max alone.
// CHECK-LABEL: main[CoreML7](
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (2,fp32)(Tensor) = reduce_max(x=%{{[A-Za-z0-9_]+}}, axes=[1], keep_dims=False,
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%arg0: tensor<2x3xf32>) -> tensor<2xf32> {
  %c = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %0 = stablehlo.reduce(%arg0 init: %c) applies stablehlo.maximum across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A body written with its operands swapped is the same reduction; an init
// value that is not the identity is combined in once.
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[P:[A-Za-z0-9_]+]]: (2,fp32)(Tensor) = reduce_prod(x=%{{[A-Za-z0-9_]+}}, axes=[1], keep_dims=False,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (2,fp32)(Tensor) = mul(x=%[[P]], y=2.0,
// CHECK-NEXT:  } -> (%[[R]])
func.func @main(%arg0: tensor<2x3xf32>) -> tensor<2xf32> {
  %c = stablehlo.constant dense<2.0> : tensor<f32>
  %0 = stablehlo.reduce(%arg0 init: %c) across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
   reducer(%a: tensor<f32>, %b: tensor<f32>)  {
    %p = stablehlo.multiply %b, %a : tensor<f32>
    stablehlo.return %p : tensor<f32>
  }
  return %0 : tensor<2xf32>
}

// -----

// i32 min with init INT32_MAX (identity).
// CHECK-LABEL: main[CoreML7](
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = reduce_min(x=%{{[A-Za-z0-9_]+}}, axes=[0], keep_dims=False,
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%arg0: tensor<5x4xi32>) -> tensor<4xi32> {
  %c = stablehlo.constant dense<2147483647> : tensor<i32>
  %0 = stablehlo.reduce(%arg0 init: %c) applies stablehlo.minimum across dimensions = [0] : (tensor<5x4xi32>, tensor<i32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// i1 `and` reduces as an int32 min (MIL has no boolean reductions); the bool
// input arrives as int32 and is turned into bool first.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[A:[A-Za-z0-9_]+]]: (2, 3, int32)(Tensor)) {
// CHECK:         %[[B:[A-Za-z0-9_]+]]: (2, 3, bool)(Tensor) = not_equal(x=%[[A]], y=0,
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (2, 3, int32)(Tensor) = cast(x=%[[B]], dtype="int32",
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (2,int32)(Tensor) = reduce_min(x=%[[I]], axes=[1], keep_dims=False,
// CHECK-NEXT:    %{{[A-Za-z0-9_]+}}: (2,bool)(Tensor) = cast(x=%[[M]], dtype="bool",
func.func @main(%arg0: tensor<2x3xi1>) -> tensor<2xi1> {
  %c = stablehlo.constant dense<true> : tensor<i1>
  %0 = stablehlo.reduce(%arg0 init: %c) applies stablehlo.and across dimensions = [1] : (tensor<2x3xi1>, tensor<i1>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}
