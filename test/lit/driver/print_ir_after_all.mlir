// RUN: hlo-coreml-opt %s --mlir-print-ir-after-all -p 'builtin.module(canonicalize,func.func(chlo-legalize-to-stablehlo))' --hlo-coreml-narrow-types 2>&1 >/dev/null | filecheck %s
// RUN: hlo-coreml-opt %s --mlir-print-ir-after-all --hlo-coreml-narrow-types 2>/dev/null | filecheck %s --check-prefix=STDOUT

// One dump per pass, on stderr, in pipeline order, each showing the IR as
// that pass left it (upstream passes by their class and argument, ours by
// class and hlo-coreml-* argument).
// CHECK:      // -----// IR Dump After CanonicalizerPass: canonicalize{{.*}} //----- //
// CHECK-NEXT: module {
// CHECK-NEXT:   func.func @main(%{{.*}}: tensor<4xf64>) -> tensor<4xf64> {
// CHECK-NEXT:     chlo.tan
// CHECK:      // -----// IR Dump After ChloLegalizeToStablehloPass: chlo-legalize-to-stablehlo //----- //
// CHECK-NEXT: func.func @main(%{{.*}}: tensor<4xf64>) -> tensor<4xf64> {
// CHECK-NEXT:   stablehlo.tan %{{.*}} : tensor<4xf64>
// CHECK:      // -----// IR Dump After NarrowTypesPass: hlo-coreml-narrow-types //----- //
// CHECK-NEXT: module {
// CHECK-NEXT:   func.func @main(%{{.*}}: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:     stablehlo.tan %{{.*}} : tensor<4xf32>
// CHECK-NOT:  IR Dump After

// The result itself still goes to stdout, without dumps.
// STDOUT-NOT: IR Dump
// STDOUT:     func.func @main(%{{.*}}: tensor<4xf32>) -> tensor<4xf32> {
// STDOUT-NOT: IR Dump
func.func @main(%arg0: tensor<4xf64>) -> tensor<4xf64> {
  %0 = chlo.tan %arg0 : tensor<4xf64> -> tensor<4xf64>
  return %0 : tensor<4xf64>
}
