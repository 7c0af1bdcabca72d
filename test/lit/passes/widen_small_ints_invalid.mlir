// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-widen-small-ints

// ui32 division is rebuilt on static shapes only (its constants need one).
func.func @div_ui32_dynamic(%a: tensor<?xui32>, %b: tensor<?xui32>) -> tensor<?xui32> {
  // expected-error@+1 {{'stablehlo.divide' on ui32 with a dynamic shape is not supported}}
  %0 = stablehlo.divide %a, %b : tensor<?xui32>
  return %0 : tensor<?xui32>
}

// -----

// Reinterpreting the bits of a narrow type has no Core ML counterpart.
func.func @bitcast_i8(%a: tensor<4xi8>) -> tensor<4xui8> {
  // expected-error@+1 {{'stablehlo.bitcast_convert' on an 8-, 16-bit or unsigned integer type is not supported}}
  %0 = stablehlo.bitcast_convert %a : (tensor<4xi8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}
