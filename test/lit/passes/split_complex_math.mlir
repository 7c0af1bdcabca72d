// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex='atan2=keep' | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex='atan2=keep' | filecheck %s --check-prefix=NO-COMPLEX

// Complex transcendental functions become real formulas on the parts.
// NO-COMPLEX-NOT: complex<

// tan(a + ib) = (sin a cos a sech^2 b + i tanh b) / (cos^2 a sech^2 b + tanh^2 b),
// sech b from exp(-|b|) (no overflow for large |b|).
// CHECK-LABEL: func.func @tan(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32>
// CHECK:         %[[AB:.*]] = stablehlo.abs %[[B]]
// CHECK:         %[[NEG:.*]] = stablehlo.negate %[[AB]]
// CHECK:         stablehlo.exponential %[[NEG]]
// CHECK:         %[[TH:.*]] = stablehlo.tanh %[[B]]
// CHECK:         stablehlo.cosine %[[A]]
// CHECK:         %[[SIN:.*]] = stablehlo.sine %[[A]]
// CHECK:         %[[RE:.*]] = stablehlo.divide
// CHECK:         %[[IM:.*]] = stablehlo.divide %[[TH]],
// CHECK:         return %[[RE]], %[[IM]]
func.func @tan(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.tan %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// expm1: real part expm1(a) cos b - 2 sin^2(b/2), imaginary part e^a sin b.
// CHECK-LABEL: func.func @expm1(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32>
// CHECK:         stablehlo.sine
// CHECK:         %[[EM1:.*]] = stablehlo.exponential_minus_one %[[A]]
// CHECK:         %[[COSB:.*]] = stablehlo.cosine %[[B]]
// CHECK:         stablehlo.multiply %[[EM1]], %[[COSB]]
// CHECK:         %[[RE:.*]] = stablehlo.subtract
// CHECK:         %[[EA:.*]] = stablehlo.exponential %[[A]]
// CHECK:         %[[SB:.*]] = stablehlo.sine %[[B]]
// CHECK:         %[[IM:.*]] = stablehlo.multiply %[[EA]], %[[SB]]
// CHECK:         return %[[RE]], %[[IM]]
func.func @expm1(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.exponential_minus_one %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// log1p: log1p(a (2 + a) + b^2) / 2 below |z| = 1 (max norm), log|1 + z|
// beyond; imaginary part atan2(b, 1 + a).
// CHECK-LABEL: func.func @log1p(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32>
// CHECK:         %[[AP1:.*]] = stablehlo.add %[[A]],
// CHECK:         %[[SMALL0:.*]] = stablehlo.log_plus_one
// CHECK:         %[[NEAR:.*]] = stablehlo.compare  LT,
// CHECK:         %[[LARGE:.*]] = stablehlo.log
// CHECK:         %[[RE:.*]] = stablehlo.select %[[NEAR]], %{{.*}}, %[[LARGE]]
// CHECK:         %[[IM:.*]] = stablehlo.atan2 %[[B]], %[[AP1]]
// CHECK:         return %[[RE]], %[[IM]]
func.func @log1p(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.log_plus_one %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// tanh z = -i tan(iz); logistic z = (1 + tanh(z / 2)) / 2; rsqrt = 1 / sqrt.
// CHECK-LABEL: func.func @tanh_logistic_rsqrt(
// CHECK:         stablehlo.tanh
// CHECK:         stablehlo.tanh
// CHECK:         stablehlo.sqrt
// CHECK:         return
func.func @tanh_logistic_rsqrt(%z: tensor<4xcomplex<f32>>) -> (tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>) {
  %0 = stablehlo.tanh %z : tensor<4xcomplex<f32>>
  %1 = stablehlo.logistic %z : tensor<4xcomplex<f32>>
  %2 = stablehlo.rsqrt %z : tensor<4xcomplex<f32>>
  return %0, %1, %2 : tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>
}

// -----

// sin / cos: sin a cosh b + i cos a sinh b; sinh from expm1 below |b| = 1.
// CHECK-LABEL: func.func @sin_cos(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32>
// CHECK:         stablehlo.exponential_minus_one %[[B]]
// CHECK:         %[[SIN:.*]] = stablehlo.sine %[[A]]
// CHECK:         %[[COS:.*]] = stablehlo.cosine %[[A]]
// CHECK:         return
func.func @sin_cos(%z: tensor<4xcomplex<f32>>) -> (tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>) {
  %0 = stablehlo.sine %z : tensor<4xcomplex<f32>>
  %1 = stablehlo.cosine %z : tensor<4xcomplex<f32>>
  return %0, %1 : tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>
}

// -----

// A complex iota counts in the real part; its imaginary part is a zero
// constant.
// CHECK-LABEL: func.func @iota(
// CHECK-DAG:     %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<3x4xf32>
// CHECK-DAG:     %[[RE:.*]] = stablehlo.iota dim = 1 : tensor<3x4xf32>
// CHECK:         return %[[RE]], %[[ZERO]]
func.func @iota() -> tensor<3x4xcomplex<f32>> {
  %0 = stablehlo.iota dim = 1 : tensor<3x4xcomplex<f32>>
  return %0 : tensor<3x4xcomplex<f32>>
}

// -----

// real / imag of a real tensor: the tensor itself / zeros.
// CHECK-LABEL: func.func @real_of_real(
// CHECK-SAME:    %[[X:[^:]*]]: tensor<4xf32>
// CHECK-DAG:     %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG:     %[[SQ:.*]] = stablehlo.multiply %[[X]], %[[X]]
// CHECK:         return %[[SQ]], %[[ZERO]]
func.func @real_of_real(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %re = stablehlo.real %x : (tensor<4xf32>) -> tensor<4xf32>
  %im = stablehlo.imag %x : (tensor<4xf32>) -> tensor<4xf32>
  %0 = stablehlo.multiply %re, %re : tensor<4xf32>
  return %0, %im : tensor<4xf32>, tensor<4xf32>
}

// -----

// chlo.sinh kept as a composite is evaluated here (cos b sinh a + i sin b
// cosh a), and its now unused decomposition is erased.
// CHECK-LABEL: func.func @sinh(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32>
// CHECK-NOT:     stablehlo.composite
// CHECK:         stablehlo.exponential_minus_one %[[A]]
// CHECK:         return
// CHECK-NOT:     func.func private @sinh.impl
func.func @sinh(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.composite "chlo.sinh" %z {decomposition = @sinh.impl} : (tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}
func.func private @sinh.impl(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.exponential %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}
