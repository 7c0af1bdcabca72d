// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-drop-empty-tensors

func.func @returns_empty(%x: tensor<3xf32>) -> tensor<0xf32> {
  %0 = stablehlo.slice %x [1:1] : (tensor<3xf32>) -> tensor<0xf32>
  // expected-error @+1 {{result #0 of the function has no elements (tensor<0xf32>); Core ML tensors cannot be empty}}
  return %0 : tensor<0xf32>
}

// -----

func.func @window_of_empty(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = stablehlo.slice %x [1:1] : (tensor<3xf32>) -> tensor<0xf32>
  %init = stablehlo.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{'stablehlo.reduce_window' has an operand with no elements}}
  %1 = "stablehlo.reduce_window"(%0, %init) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %s : tensor<f32>
  }) {window_dimensions = array<i64: 1>, padding = dense<[[3, 0]]> : tensor<1x2xi64>} : (tensor<0xf32>, tensor<f32>) -> tensor<3xf32>
  return %1 : tensor<3xf32>
}

// -----

func.func @main(%x: tensor<2x3xf32>,
                // expected-error @+1 {{argument #1 of @main has no elements (tensor<0x3xf32>); Core ML model inputs cannot be empty}}
                %e: tensor<0x3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.concatenate %x, %e, dim = 0 : (tensor<2x3xf32>, tensor<0x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
