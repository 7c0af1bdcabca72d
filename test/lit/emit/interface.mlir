// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --emit=mil --target=iOS16 | filecheck %s --check-prefix=IOS16
// RUN: not hlo-coreml-opt %s --emit=mil --target=iOS99 2>&1 | filecheck %s --check-prefix=BADTARGET

// Model inputs and outputs: names come from JAX's argument locations,
// jax.arg_info and jax.result_info; scalars travel as shape (1,) and bools
// as int32, converted at the boundary.
// CHECK-LABEL: main[CoreML7](%x: (1,fp32)(Tensor),
// CHECK-NEXT:    %mask: (2,int32)(Tensor)) {
// CHECK:         %[[XS:[A-Za-z0-9_]+]]: (fp32)(Tensor) = reshape(x=%x, shape=[],
// CHECK:         %[[MB:[A-Za-z0-9_]+]]: (2,bool)(Tensor) = not_equal(x=%mask, y=0,
// CHECK:         %[[SQ:[A-Za-z0-9_]+]]: (fp32)(Tensor) = mul(x=%[[XS]], y=%[[XS]],
// CHECK:         %[[NOT:[A-Za-z0-9_]+]]: (2,bool)(Tensor) = logical_not(x=%[[MB]],
// CHECK:         %loss: (1,fp32)(Tensor) = reshape(x=%[[SQ]], shape=[1],
// CHECK:         %result_1: (2,int32)(Tensor) = cast(x=%[[NOT]], dtype="int32",
// CHECK-NEXT:  } -> (%loss, %result_1)

// The deployment target picks the opset (iOS16 is CoreML6).
// IOS16-LABEL: main[CoreML6](%x: (1,fp32)(Tensor),

// BADTARGET: error: unknown deployment target 'iOS99'; use one of: {{.*}}iOS17
// BADTARGET-NOT: Traceback
func.func @main(%arg0: tensor<f32> loc("x"), %arg1: tensor<2xi1> {jax.arg_info = "mask"}) -> (tensor<f32> {jax.result_info = "['loss']"}, tensor<2xi1> {jax.result_info = "result[1]"}) {
  %0 = stablehlo.multiply %arg0, %arg0 : tensor<f32>
  %1 = stablehlo.not %arg1 : tensor<2xi1>
  return %0, %1 : tensor<f32>, tensor<2xi1>
}

// -----

// Without names: input_<i> / output_<i>. An input returned as it is gets an
// identity (a Core ML output cannot be an input).
// CHECK-LABEL: main[CoreML7](%input_0: (4,fp32)(Tensor)) {
// CHECK:         %output_0: (4,fp32)(Tensor) = identity(x=%input_0,
// CHECK-NEXT:  } -> (%output_0)
// IOS16-LABEL: main[CoreML6](%input_0: (4,fp32)(Tensor)) {
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}
