// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s
// RUN: not hlo-coreml-opt %S/Inputs/iota_past_int32.mlir --emit=mil 2>&1 | filecheck %s --check-prefix=REFUSED

// Values past hlo_coreml.limits (64 Mi elements / 256 MB) are never built at
// compile time (docs/errors.md, "Resource limits"): these run in well under a
// second and a few hundred MB, where materializing them took gigabytes.

// An iota past the limit: range_1d at run time (int32, then the element
// type), no constant; the reduction's input has no compile-time value.
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[R:[A-Za-z0-9_]+]]: (100000000,int32)(Tensor) = range_1d(end=100000000, start=0, step=1,
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (100000000,fp32)(Tensor) = cast(x=%[[R]], dtype="fp32",
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (fp32)(Scalar) = reduce_sum(x=%[[C]], axes=[0], keep_dims=False,
func.func @main() -> tensor<f32> {
  %0 = stablehlo.iota dim = 0 : tensor<100000000xf32>
  %1 = stablehlo.constant dense<0.0> : tensor<f32>
  %2 = stablehlo.reduce(%0 init: %1) applies stablehlo.add across dimensions = [0] : (tensor<100000000xf32>, tensor<f32>) -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// A splat past the limit that is used as it is: one element, tiled at run
// time (not a 400 MB constant).
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[T:[A-Za-z0-9_]+]]: (10000, 10000, fp32)(Tensor) = tile(x={{\[}}[1.5]], reps=[10000, 10000],
// CHECK:         reduce_sum(x=%[[T]],
func.func @main() -> tensor<10000xf32> {
  %0 = stablehlo.constant dense<1.5> : tensor<10000x10000xf32>
  %1 = stablehlo.constant dense<0.0> : tensor<f32>
  %2 = stablehlo.reduce(%0 init: %1) applies stablehlo.add across dimensions = [1] : (tensor<10000x10000xf32>, tensor<f32>) -> tensor<10000xf32>
  return %2 : tensor<10000xf32>
}

// -----

// Below the limit nothing changes: a constant.
// CHECK-LABEL: main[CoreML7](
// CHECK-NOT:     range_1d
// CHECK:         } -> (
func.func @main() -> tensor<1000xi32> {
  %0 = stablehlo.iota dim = 0 : tensor<1000xi32>
  return %0 : tensor<1000xi32>
}

// An iota longer than range_1d's int32 bounds is refused at its location.
// REFUSED: iota_past_int32.mlir:4:8: error: 'stablehlo.iota' of 2,147,483,648 elements along dimension 0: Core ML's range_1d counts in int32
