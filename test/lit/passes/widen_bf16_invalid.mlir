// RUN: hlo-coreml-opt %s --hlo-coreml-widen-bf16 --verify-diagnostics --split-input-file

func.func @bitcast(%arg0: tensor<4xbf16>) -> tensor<4xi16> {
  // expected-error @+1 {{'stablehlo.bitcast_convert' on bf16 cannot be kept}}
  %0 = stablehlo.bitcast_convert %arg0 : (tensor<4xbf16>) -> tensor<4xi16>
  return %0 : tensor<4xi16>
}
