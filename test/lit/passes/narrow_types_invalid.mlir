// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-narrow-types
// RUN: not hlo-coreml-opt %s --split-input-file --hlo-coreml-narrow-types 2>&1 | filecheck %s --check-prefix=ERR

// Each error names the value and the type it does not fit, at the constant's
// own location (absolute line numbers across split chunks).
// ERR: narrow_types_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.constant' value 4294967296 does not fit in i32
func.func @i64_above_int32(%arg0: tensor<2xi64>) -> tensor<2xi64> {
  // expected-error@+1 {{'stablehlo.constant' value 4294967296 does not fit in i32}}
  %c = stablehlo.constant dense<[1, 4294967296]> : tensor<2xi64>
  %0 = stablehlo.add %arg0, %c : tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// ERR: narrow_types_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.constant' value -2147483649 does not fit in i32
func.func @i64_below_int32() -> tensor<i64> {
  // expected-error@+1 {{'stablehlo.constant' value -2147483649 does not fit in i32}}
  %c = stablehlo.constant dense<-2147483649> : tensor<i64>
  return %c : tensor<i64>
}

// -----

// ERR: narrow_types_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.constant' value 4294967296 does not fit in ui32
func.func @ui64_above_uint32() -> tensor<3xui64> {
  // expected-error@+1 {{'stablehlo.constant' value 4294967296 does not fit in ui32}}
  %c = stablehlo.constant dense<4294967296> : tensor<3xui64>
  return %c : tensor<3xui64>
}

// -----

// ERR: narrow_types_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.constant' value 1e+300 does not fit in f32
func.func @f64_beyond_f32() -> tensor<2xf64> {
  // expected-error@+1 {{'stablehlo.constant' value 1e+300 does not fit in f32}}
  %c = stablehlo.constant dense<[1.0, 1.0e300]> : tensor<2xf64>
  return %c : tensor<2xf64>
}

// -----

// ERR: narrow_types_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.constant' value -3.5e+38 does not fit in f32
func.func @f64_below_f32() -> tensor<f64> {
  // expected-error@+1 {{'stablehlo.constant' value -3.5e+38 does not fit in f32}}
  %c = stablehlo.constant dense<-3.5e38> : tensor<f64>
  return %c : tensor<f64>
}

// -----

// ERR: narrow_types_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.bitcast_convert' on a 64-bit type cannot be narrowed
func.func @bitcast_f64_to_i64(%arg0: tensor<2xf64>) -> tensor<2xi64> {
  // expected-error@+1 {{'stablehlo.bitcast_convert' on a 64-bit type cannot be narrowed to 32 bits}}
  %0 = stablehlo.bitcast_convert %arg0 : (tensor<2xf64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// A bitcast whose only 64-bit side is the result is refused as well.
// ERR: narrow_types_invalid.mlir:[[# @LINE + 3]]:8: error: 'stablehlo.bitcast_convert' on a 64-bit type
func.func @bitcast_to_i64(%arg0: tensor<2x2xf32>) -> tensor<2xi64> {
  // expected-error@+1 {{'stablehlo.bitcast_convert' on a 64-bit type}}
  %0 = stablehlo.bitcast_convert %arg0 : (tensor<2x2xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Every bad constant in a function is reported, not only the first.
func.func @two_errors() -> (tensor<i64>, tensor<f64>) {
  // expected-error@+1 {{value 9223372036854775807 does not fit in i32}}
  %0 = stablehlo.constant dense<9223372036854775807> : tensor<i64>
  // expected-error@+1 {{does not fit in f32}}
  %1 = stablehlo.constant dense<1.0e39> : tensor<f64>
  return %0, %1 : tensor<i64>, tensor<f64>
}

// -----

// A 64-bit limit stays an error where a result could be the init alone: a
// window entirely in padding, or a use other than a max/min init.
func.func @max_window_in_padding(%x: tensor<5xi64>) -> tensor<6xi64> {
  // expected-error@+1 {{'stablehlo.constant' value -9223372036854775808 does not fit in i32}}
  %lo = stablehlo.constant dense<-9223372036854775808> : tensor<i64>
  %0 = "stablehlo.reduce_window"(%x, %lo) ({
  ^bb0(%a: tensor<i64>, %b: tensor<i64>):
    %m = stablehlo.maximum %a, %b : tensor<i64>
    stablehlo.return %m : tensor<i64>
  }) {window_dimensions = array<i64: 2>, padding = dense<[[2, 0]]> : tensor<1x2xi64>} : (tensor<5xi64>, tensor<i64>) -> tensor<6xi64>
  return %0 : tensor<6xi64>
}

// -----

func.func @min_init_of_max(%x: tensor<4xi64>) -> tensor<i64> {
  // expected-error@+1 {{a 64-bit limit; jnp.take's fill for out-of-range indices is one}}
  %hi = stablehlo.constant dense<9223372036854775807> : tensor<i64>
  %0 = stablehlo.reduce(%x init: %hi) applies stablehlo.maximum across dimensions = [0] : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  return %0 : tensor<i64>
}
