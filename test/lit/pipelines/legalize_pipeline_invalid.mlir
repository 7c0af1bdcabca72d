// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-legalize-pipeline 2>&1 | filecheck %s

// Errors point at the user's Python source line, through JAX's name and
// call-site locations, not at this file.

// The op that has no Core ML lowering, at its name location's file position.
// CHECK: model.py:12:4: error: 'stablehlo.cholesky' of a 33x33 matrix is not supported by Core ML
#loc1 = loc("model.py":12:4)
#loc2 = loc("jit(f)/jit(main)/cholesky"(#loc1))
module @jit_f {
  func.func public @main(%arg0: tensor<33x33xf32>) -> tensor<33x33xf32> {
    %0 = "stablehlo.cholesky"(%arg0) {lower = true} : (tensor<33x33xf32>) -> tensor<33x33xf32> loc(#loc2)
    return %0 : tensor<33x33xf32>
  }
}

// -----

// A constant out of int32 range inside an inlined helper: the callee's own
// line (the innermost position of the call-site location) is reported.
// CHECK: helpers.py:20:8: error: 'stablehlo.constant' value 8589934592 does not fit in i32
#loc1 = loc("model.py":30:4)
#loc3 = loc("helpers.py":20:8)
module @jit_g {
  func.func public @main(%arg0: tensor<4xi64>) -> tensor<4xi64> {
    %0 = call @helper(%arg0) : (tensor<4xi64>) -> tensor<4xi64> loc(#loc1)
    return %0 : tensor<4xi64>
  }
  func.func private @helper(%arg0: tensor<4xi64>) -> tensor<4xi64> {
    %c = stablehlo.constant dense<8589934592> : tensor<4xi64> loc(#loc3)
    %0 = stablehlo.add %arg0, %c : tensor<4xi64>
    return %0 : tensor<4xi64>
  }
}

// -----

// Without source locations, the position in this file.
// CHECK: legalize_pipeline_invalid.mlir:[[# @LINE + 2]]:8: error: 'stablehlo.custom_call' with target '{{.*}}' is not supported by Core ML
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.custom_call @my_kernel(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
