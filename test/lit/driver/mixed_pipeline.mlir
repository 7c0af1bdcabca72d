// Upstream passes (canonicalize, cse, a nested func.func pass of StableHLO's)
// and ours interleave in one --pass-pipeline, in the order given.
// RUN: hlo-coreml-opt %s --pass-pipeline='builtin.module(canonicalize,func.func(chlo-legalize-to-stablehlo),hlo-coreml-narrow-types,cse)' | filecheck %s
// Without the builtin.module(...) wrapper, and with -p:
// RUN: hlo-coreml-opt %s -p 'canonicalize,func.func(chlo-legalize-to-stablehlo),hlo-coreml-narrow-types,cse' | filecheck %s
// Pass flags run after the pipeline; then cse in a second run, through stdin:
// RUN: hlo-coreml-opt %s -p 'builtin.module(canonicalize,func.func(chlo-legalize-to-stablehlo))' --hlo-coreml-narrow-types | hlo-coreml-opt -p 'cse' | filecheck %s

// Each pass does its part: CHLO legalization alone keeps the 64-bit types,
// the constant where it was, and both adds.
// RUN: hlo-coreml-opt %s -p 'builtin.module(func.func(chlo-legalize-to-stablehlo))' | filecheck %s --check-prefix=CHLO-ONLY

// canonicalize moved the constant to the top; chlo.tan became stablehlo.tan;
// narrow-types made f64/i64 f32/i32; cse merged the two identical adds.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[A:.*]]: tensor<4xf32>, %[[N:.*]]: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>)
// CHECK-NEXT:    %[[C:.*]] = stablehlo.constant dense<2> : tensor<4xi32>
// CHECK-NEXT:    %[[T:.*]] = stablehlo.tan %[[A]] : tensor<4xf32>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[N]], %[[C]] : tensor<4xi32>
// CHECK-NEXT:    %[[P:.*]] = stablehlo.multiply %[[S]], %[[S]] : tensor<4xi32>
// CHECK-NEXT:    return %[[T]], %[[P]] : tensor<4xf32>, tensor<4xi32>

// CHLO-ONLY-LABEL: func.func @main(
// CHLO-ONLY-NEXT:    %[[T:.*]] = stablehlo.tan %{{.*}} : tensor<4xf64>
// CHLO-ONLY-NEXT:    %[[C:.*]] = stablehlo.constant dense<2> : tensor<4xi64>
// CHLO-ONLY-NEXT:    stablehlo.add %{{.*}}, %[[C]] : tensor<4xi64>
// CHLO-ONLY-NEXT:    stablehlo.add %{{.*}}, %[[C]] : tensor<4xi64>
func.func @main(%arg0: tensor<4xf64>, %arg1: tensor<4xi64>) -> (tensor<4xf64>, tensor<4xi64>) {
  %0 = chlo.tan %arg0 : tensor<4xf64> -> tensor<4xf64>
  %two = stablehlo.constant dense<2> : tensor<4xi64>
  %1 = stablehlo.add %arg1, %two : tensor<4xi64>
  %2 = stablehlo.add %arg1, %two : tensor<4xi64>
  %3 = stablehlo.multiply %1, %2 : tensor<4xi64>
  return %0, %3 : tensor<4xf64>, tensor<4xi64>
}
