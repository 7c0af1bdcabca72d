// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex='atan2=expand' | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex='atan2=expand' | filecheck %s --check-prefix=NO-COMPLEX
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-split-complex='atan2=keep' | filecheck %s --check-prefix=KEEP

// Nothing complex is left anywhere, in any case below.
// NO-COMPLEX-NOT: complex<

// Signature: a complex argument becomes (real, imag) in its place, a complex
// result likewise; every argument and result is tagged with its index in
// the original signature (interface_of names them x_real, x_imag, ...), and
// the attributes it had (jax.result_info) are kept on both halves.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:    %[[ZR:[^:]*]]: tensor<4xf32> {hlo_coreml.complex_part = "real", hlo_coreml.source_index = 0 : i64},
// CHECK-SAME:    %[[ZI:[^:]*]]: tensor<4xf32> {hlo_coreml.complex_part = "imag", hlo_coreml.source_index = 0 : i64},
// CHECK-SAME:    %[[X:[^:]*]]: tensor<4xf32> {hlo_coreml.source_index = 1 : i64})
// CHECK-SAME:    -> (tensor<4xf32> {hlo_coreml.complex_part = "real", hlo_coreml.source_index = 0 : i64, jax.result_info = "result[0]"},
// CHECK-SAME:        tensor<4xf32> {hlo_coreml.complex_part = "imag", hlo_coreml.source_index = 0 : i64, jax.result_info = "result[0]"},
// CHECK-SAME:        tensor<4xf32> {hlo_coreml.source_index = 1 : i64, jax.result_info = "result[1]"})
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.add %[[ZR]], %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[PROD:.*]] = stablehlo.multiply %[[X]], %[[X]] : tensor<4xf32>
// CHECK-NEXT:    return %[[RE]], %[[ZI]], %[[PROD]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
func.func @main(%z: tensor<4xcomplex<f32>>, %x: tensor<4xf32>)
    -> (tensor<4xcomplex<f32>> {jax.result_info = "result[0]"}, tensor<4xf32> {jax.result_info = "result[1]"}) {
  %xc = stablehlo.convert %x : (tensor<4xf32>) -> tensor<4xcomplex<f32>>
  %0 = stablehlo.add %z, %xc : tensor<4xcomplex<f32>>
  %1 = stablehlo.multiply %x, %x : tensor<4xf32>
  return %0, %1 : tensor<4xcomplex<f32>>, tensor<4xf32>
}

// -----

// Complex math with only real arguments and results: the signature and its
// attributes are untouched (no hlo_coreml.* tags).
// CHECK-LABEL: func.func @real_interface(
// CHECK-SAME:    %{{[^:]*}}: tensor<4xf32> {jax.arg_info = "x"}) -> (tensor<4xf32> {jax.result_info = "result"}) {
// CHECK-NOT:     hlo_coreml
// CHECK:         return
func.func @real_interface(%x: tensor<4xf32> {jax.arg_info = "x"}) -> (tensor<4xf32> {jax.result_info = "result"}) {
  %z = stablehlo.complex %x, %x : tensor<4xcomplex<f32>>
  %0 = stablehlo.multiply %z, %z : tensor<4xcomplex<f32>>
  %1 = stablehlo.imag %0 : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Constants are split at compile time: dense, splat, complex<f64>. An
// all-zero imaginary part is not materialized: here real(c) * x needs no
// imaginary constant at all, and imag(c) is a zero splat.
// CHECK-LABEL: func.func @constants(
// CHECK-SAME:    %[[X:[^:]*]]: tensor<3xf32>
// CHECK-DAG:     %[[DR:.*]] = stablehlo.constant dense<[1.000000e+00, 3.000000e+00, 5.500000e+00]> : tensor<3xf32>
// CHECK-DAG:     %[[DI:.*]] = stablehlo.constant dense<[2.000000e+00, -4.000000e+00, 0.000000e+00]> : tensor<3xf32>
// CHECK-DAG:     %[[SR:.*]] = stablehlo.constant dense<-2.500000e-01> : tensor<3xf32>
// CHECK-DAG:     %[[SI:.*]] = stablehlo.constant dense<7.500000e-01> : tensor<3xf32>
// CHECK-DAG:     %[[F64R:.*]] = stablehlo.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf64>
// CHECK-DAG:     %[[F64I:.*]] = stablehlo.constant dense<[-1.000000e+00, 5.000000e-01]> : tensor<2xf64>
// CHECK-DAG:     %[[RR:.*]] = stablehlo.constant dense<[4.000000e+00, 0.000000e+00, -1.000000e+00]> : tensor<3xf32>
// CHECK-DAG:     %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-DAG:     %[[SUM_RE:.*]] = stablehlo.add %[[DR]], %[[SR]] : tensor<3xf32>
// CHECK-DAG:     %[[SUM_IM:.*]] = stablehlo.add %[[DI]], %[[SI]] : tensor<3xf32>
// CHECK-DAG:     %[[SCALED:.*]] = stablehlo.multiply %[[RR]], %[[X]] : tensor<3xf32>
// CHECK:         return %[[SUM_RE]], %[[SUM_IM]], %[[F64R]], %[[F64I]], %[[SCALED]], %[[ZERO]]
func.func @constants(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<2xf64>, tensor<2xf64>, tensor<3xf32>, tensor<3xf32>) {
  %dense = stablehlo.constant dense<[(1.0, 2.0), (3.0, -4.0), (5.5, 0.0)]> : tensor<3xcomplex<f32>>
  %splat = stablehlo.constant dense<(-0.25, 0.75)> : tensor<3xcomplex<f32>>
  %wide = stablehlo.constant dense<[(1.0, -1.0), (2.0, 0.5)]> : tensor<2xcomplex<f64>>
  %realvalued = stablehlo.constant dense<[(4.0, 0.0), (0.0, 0.0), (-1.0, 0.0)]> : tensor<3xcomplex<f32>>
  %sum = stablehlo.add %dense, %splat : tensor<3xcomplex<f32>>
  %0 = stablehlo.real %sum : (tensor<3xcomplex<f32>>) -> tensor<3xf32>
  %1 = stablehlo.imag %sum : (tensor<3xcomplex<f32>>) -> tensor<3xf32>
  %2 = stablehlo.real %wide : (tensor<2xcomplex<f64>>) -> tensor<2xf64>
  %3 = stablehlo.imag %wide : (tensor<2xcomplex<f64>>) -> tensor<2xf64>
  %xc = stablehlo.convert %x : (tensor<3xf32>) -> tensor<3xcomplex<f32>>
  %scaled = stablehlo.multiply %realvalued, %xc : tensor<3xcomplex<f32>>
  %4 = stablehlo.real %scaled : (tensor<3xcomplex<f32>>) -> tensor<3xf32>
  %5 = stablehlo.imag %scaled : (tensor<3xcomplex<f32>>) -> tensor<3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<3xf32>, tensor<3xf32>, tensor<2xf64>, tensor<2xf64>, tensor<3xf32>, tensor<3xf32>
}

// -----

// complex / real / imag only route values.
// CHECK-LABEL: func.func @complex_real_imag(
// CHECK-SAME:    %[[X:[^:]*]]: tensor<4xf32>, %[[Y:[^:]*]]: tensor<4xf32>)
// CHECK-NEXT:    return %[[X]], %[[Y]] : tensor<4xf32>, tensor<4xf32>
func.func @complex_real_imag(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %z = stablehlo.complex %x, %y : tensor<4xcomplex<f32>>
  %re = stablehlo.real %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  %im = stablehlo.imag %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  return %re, %im : tensor<4xf32>, tensor<4xf32>
}

// -----

// add / subtract / negate act on each part.
// CHECK-LABEL: func.func @add_subtract_negate(
// CHECK-SAME:    %[[AR:[^:]*]]: tensor<4xf32> {{.*}}, %[[AI:[^:]*]]: tensor<4xf32> {{.*}}, %[[BR:[^:]*]]: tensor<4xf32> {{.*}}, %[[BI:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK-NEXT:    %[[SR:.*]] = stablehlo.add %[[AR]], %[[BR]]
// CHECK-NEXT:    %[[SI:.*]] = stablehlo.add %[[AI]], %[[BI]]
// CHECK-NEXT:    %[[DR:.*]] = stablehlo.subtract %[[SR]], %[[BR]]
// CHECK-NEXT:    %[[DI:.*]] = stablehlo.subtract %[[SI]], %[[BI]]
// CHECK-NEXT:    %[[NR:.*]] = stablehlo.negate %[[DR]]
// CHECK-NEXT:    %[[NI:.*]] = stablehlo.negate %[[DI]]
// CHECK-NEXT:    return %[[NR]], %[[NI]]
func.func @add_subtract_negate(%a: tensor<4xcomplex<f32>>, %b: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.add %a, %b : tensor<4xcomplex<f32>>
  %1 = stablehlo.subtract %0, %b : tensor<4xcomplex<f32>>
  %2 = stablehlo.negate %1 : tensor<4xcomplex<f32>>
  return %2 : tensor<4xcomplex<f32>>
}

// -----

// (a + ib)(c + id) = (ac - bd) + i(ad + bc)
// CHECK-LABEL: func.func @multiply(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}}, %[[C:[^:]*]]: tensor<4xf32> {{.*}}, %[[D:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK-NEXT:    %[[AC:.*]] = stablehlo.multiply %[[A]], %[[C]]
// CHECK-NEXT:    %[[BD:.*]] = stablehlo.multiply %[[B]], %[[D]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.subtract %[[AC]], %[[BD]]
// CHECK-NEXT:    %[[AD:.*]] = stablehlo.multiply %[[A]], %[[D]]
// CHECK-NEXT:    %[[BC:.*]] = stablehlo.multiply %[[B]], %[[C]]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.add %[[AD]], %[[BC]]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @multiply(%a: tensor<4xcomplex<f32>>, %b: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.multiply %a, %b : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// Division scaled by s = max(|c|, |d|): c' = c/s, d' = d/s,
// re = (a c' + b d') / (c' c + d' d), im = (b c' - a d') / (c' c + d' d).
// CHECK-LABEL: func.func @divide(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}}, %[[C:[^:]*]]: tensor<4xf32> {{.*}}, %[[D:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK-NEXT:    %[[ABSC:.*]] = stablehlo.abs %[[C]]
// CHECK-NEXT:    %[[ABSD:.*]] = stablehlo.abs %[[D]]
// CHECK-NEXT:    %[[S:.*]] = stablehlo.maximum %[[ABSC]], %[[ABSD]]
// CHECK-NEXT:    %[[CS:.*]] = stablehlo.divide %[[C]], %[[S]]
// CHECK-NEXT:    %[[DS:.*]] = stablehlo.divide %[[D]], %[[S]]
// CHECK-NEXT:    %[[T1:.*]] = stablehlo.multiply %[[CS]], %[[C]]
// CHECK-NEXT:    %[[T2:.*]] = stablehlo.multiply %[[DS]], %[[D]]
// CHECK-NEXT:    %[[DEN:.*]] = stablehlo.add %[[T1]], %[[T2]]
// CHECK-NEXT:    %[[T3:.*]] = stablehlo.multiply %[[A]], %[[CS]]
// CHECK-NEXT:    %[[T4:.*]] = stablehlo.multiply %[[B]], %[[DS]]
// CHECK-NEXT:    %[[NRE:.*]] = stablehlo.add %[[T3]], %[[T4]]
// CHECK-NEXT:    %[[T5:.*]] = stablehlo.multiply %[[B]], %[[CS]]
// CHECK-NEXT:    %[[T6:.*]] = stablehlo.multiply %[[A]], %[[DS]]
// CHECK-NEXT:    %[[NIM:.*]] = stablehlo.subtract %[[T5]], %[[T6]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.divide %[[NRE]], %[[DEN]]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.divide %[[NIM]], %[[DEN]]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @divide(%a: tensor<4xcomplex<f32>>, %b: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.divide %a, %b : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// |a + ib| = hi * sqrt(1 + (lo / hi)^2) (no square overflows in fp16).
// CHECK-LABEL: func.func @abs(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {hlo_coreml.complex_part = "imag", hlo_coreml.source_index = 0 : i64})
// CHECK-SAME:    -> (tensor<4xf32> {hlo_coreml.source_index = 0 : i64})
// CHECK-NEXT:    %[[AA:.*]] = stablehlo.abs %[[A]]
// CHECK-NEXT:    %[[AB:.*]] = stablehlo.abs %[[B]]
// CHECK-NEXT:    %[[HI:.*]] = stablehlo.maximum %[[AA]], %[[AB]]
// CHECK-NEXT:    %[[LO:.*]] = stablehlo.minimum %[[AA]], %[[AB]]
// CHECK-NEXT:    %[[ONE:.*]] = stablehlo.constant dense<1.000000e+00>
// CHECK-NEXT:    %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00>
// CHECK-NEXT:    %[[ISZERO:.*]] = stablehlo.compare EQ, %[[HI]], %[[ZERO]]
// CHECK-NEXT:    %[[SAFE:.*]] = stablehlo.select %[[ISZERO]], %[[ONE]], %[[HI]]
// CHECK-NEXT:    %[[R:.*]] = stablehlo.divide %[[LO]], %[[SAFE]]
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.multiply %[[R]], %[[R]]
// CHECK-NEXT:    %[[S:.*]] = stablehlo.add %[[ONE]], %[[R2]]
// CHECK-NEXT:    %[[SQ:.*]] = stablehlo.sqrt %[[S]]
// CHECK-NEXT:    %[[ABS:.*]] = stablehlo.multiply %[[HI]], %[[SQ]]
// CHECK-NEXT:    return %[[ABS]] : tensor<4xf32>
func.func @abs(%z: tensor<4xcomplex<f32>>) -> tensor<4xf32> {
  %0 = stablehlo.abs %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// exp(a + ib) = e^a (cos b + i sin b)
// CHECK-LABEL: func.func @exponential(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK-NEXT:    %[[EA:.*]] = stablehlo.exponential %[[A]]
// CHECK-NEXT:    %[[COS:.*]] = stablehlo.cosine %[[B]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.multiply %[[EA]], %[[COS]]
// CHECK-NEXT:    %[[SIN:.*]] = stablehlo.sine %[[B]]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.multiply %[[EA]], %[[SIN]]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @exponential(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.exponential %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// log z = log|z| + i atan2(b, a); atan2 is expanded (atan2=expand) into a
// polynomial, or kept as stablehlo.atan2 (atan2=keep).
// CHECK-LABEL: func.func @log(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK:         %[[SQ:.*]] = stablehlo.sqrt
// CHECK-NEXT:    %[[MAG:.*]] = stablehlo.multiply %{{.*}}, %[[SQ]] : tensor<4xf32>
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.log %[[MAG]]
// CHECK-NEXT:    stablehlo.abs %[[A]]
// CHECK-NEXT:    stablehlo.abs %[[B]]
// CHECK-NOT:     stablehlo.atan2
// CHECK:         return %[[RE]], %{{.*}} : tensor<4xf32>, tensor<4xf32>
// KEEP-LABEL:  func.func @log(
// KEEP-SAME:     %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}})
// KEEP:          %[[RE:.*]] = stablehlo.log
// KEEP-NEXT:     %[[IM:.*]] = stablehlo.atan2 %[[B]], %[[A]] : tensor<4xf32>
// KEEP-NEXT:     return %[[RE]], %[[IM]]
func.func @log(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.log %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// angle(z) = atan2(imag z, real z) on the parts of a complex value is part
// of the complex lowering: expanded with atan2=expand, kept otherwise. An
// atan2 of other real values is never touched.
// CHECK-LABEL: func.func @angle(
// CHECK-SAME:    %[[X:[^:]*]]: tensor<4xf32>, %[[Y:[^:]*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[OTHER:.*]] = stablehlo.atan2 %[[X]], %[[Y]] : tensor<4xf32>
// CHECK-NEXT:    %[[AX:.*]] = stablehlo.abs %[[X]]
// CHECK-NEXT:    %[[AY:.*]] = stablehlo.abs %[[Y]]
// CHECK-NEXT:    stablehlo.maximum %[[AX]], %[[AY]]
// CHECK-NEXT:    stablehlo.minimum %[[AX]], %[[AY]]
// Cephes atanf coefficients, Horner form.
// CHECK-DAG:     stablehlo.constant dense<0.0805374458>
// CHECK-DAG:     stablehlo.constant dense<-0.138776854>
// CHECK-DAG:     stablehlo.constant dense<0.199777111>
// CHECK-DAG:     stablehlo.constant dense<-0.333329499>
// CHECK-DAG:     stablehlo.constant dense<0.785398185>
// CHECK-DAG:     stablehlo.constant dense<1.57079637>
// CHECK-DAG:     stablehlo.constant dense<3.14159274>
// CHECK-NOT:     stablehlo.atan2
// CHECK:         return %[[OTHER]], %{{.*}} : tensor<4xf32>, tensor<4xf32>
// KEEP-LABEL:  func.func @angle(
// KEEP-SAME:     %[[X:[^:]*]]: tensor<4xf32>, %[[Y:[^:]*]]: tensor<4xf32>)
// KEEP-NEXT:     %[[OTHER:.*]] = stablehlo.atan2 %[[X]], %[[Y]]
// KEEP-NEXT:     %[[ANGLE:.*]] = stablehlo.atan2 %[[Y]], %[[X]]
// KEEP-NEXT:     return %[[OTHER]], %[[ANGLE]]
func.func @angle(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %other = stablehlo.atan2 %x, %y : tensor<4xf32>
  %z = stablehlo.complex %x, %y : tensor<4xcomplex<f32>>
  %re = stablehlo.real %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  %im = stablehlo.imag %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  %0 = stablehlo.atan2 %im, %re : tensor<4xf32>
  return %other, %0 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Principal square root: t = sqrt((|z| + |a|) / 2), then selects on the
// signs of a and b; 0 at 0.
// CHECK-LABEL: func.func @sqrt(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK:         %[[HALF:.*]] = stablehlo.constant dense<5.000000e-01>
// CHECK-NEXT:    %[[T2:.*]] = stablehlo.multiply %{{.*}}, %[[HALF]]
// CHECK-NEXT:    %[[T:.*]] = stablehlo.sqrt %[[T2]]
// CHECK:         %[[NONNEG:.*]] = stablehlo.compare GE, %[[A]], %{{.*}}
// CHECK:         %[[RE:.*]] = stablehlo.select %[[NONNEG]], %[[T]], %{{.*}}
// CHECK:         %[[IM:.*]] = stablehlo.select %[[NONNEG]], %{{.*}}, %{{.*}}
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @sqrt(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.sqrt %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// sign z = z / |z|, 0 at 0.
// CHECK-LABEL: func.func @sign(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK:         %[[SQ:.*]] = stablehlo.sqrt
// CHECK-NEXT:    %[[MAG:.*]] = stablehlo.multiply %{{.*}}, %[[SQ]]
// CHECK-NEXT:    %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00>
// CHECK-NEXT:    %[[ISZERO:.*]] = stablehlo.compare EQ, %[[MAG]], %[[ZERO]]
// CHECK-NEXT:    %[[ONE:.*]] = stablehlo.constant dense<1.000000e+00>
// CHECK-NEXT:    %[[SAFE:.*]] = stablehlo.select %[[ISZERO]], %[[ONE]], %[[MAG]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.divide %[[A]], %[[SAFE]]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.divide %[[B]], %[[SAFE]]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @sign(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.sign %z : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// z ** p with a real exponent (here a complex constant with a zero
// imaginary part, as JAX writes z ** 2.5): |z|^p (cos p theta + i sin p theta).
// CHECK-LABEL: func.func @power_real_exponent(
// CHECK:         %[[P:.*]] = stablehlo.constant dense<2.500000e+00> : tensor<f32>
// CHECK-NEXT:    %[[PB:.*]] = stablehlo.broadcast_in_dim %[[P]], dims = [] : (tensor<f32>) -> tensor<4xf32>
// CHECK:         %[[M:.*]] = stablehlo.power %{{.*}}, %[[PB]] : tensor<4xf32>
// CHECK-NEXT:    %[[PHASE:.*]] = stablehlo.multiply %[[PB]], %{{.*}}
// CHECK-NEXT:    %[[COS:.*]] = stablehlo.cosine %[[PHASE]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.multiply %[[M]], %[[COS]]
// CHECK-NEXT:    %[[SIN:.*]] = stablehlo.sine %[[PHASE]]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.multiply %[[M]], %[[SIN]]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @power_real_exponent(%z: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %c = stablehlo.constant dense<(2.5, 0.0)> : tensor<complex<f32>>
  %p = stablehlo.broadcast_in_dim %c, dims = [] : (tensor<complex<f32>>) -> tensor<4xcomplex<f32>>
  %0 = stablehlo.power %z, %p : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// A complex exponent: exp(w log z).
// CHECK-LABEL: func.func @power_complex_exponent(
// CHECK:         stablehlo.log
// CHECK:         stablehlo.exponential
// CHECK:         stablehlo.cosine
// CHECK:         stablehlo.sine
// CHECK:         return
func.func @power_complex_exponent(%z: tensor<4xcomplex<f32>>, %w: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  %0 = stablehlo.power %z, %w : tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// compare EQ: both parts equal; NE: either differs. select picks each part.
// CHECK-LABEL: func.func @compare_select(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<4xf32> {{.*}}, %[[B:[^:]*]]: tensor<4xf32> {{.*}}, %[[C:[^:]*]]: tensor<4xf32> {{.*}}, %[[D:[^:]*]]: tensor<4xf32> {{.*}})
// CHECK-NEXT:    %[[EQR:.*]] = stablehlo.compare EQ, %[[A]], %[[C]]
// CHECK-NEXT:    %[[EQI:.*]] = stablehlo.compare EQ, %[[B]], %[[D]]
// CHECK-NEXT:    %[[EQ:.*]] = stablehlo.and %[[EQR]], %[[EQI]] : tensor<4xi1>
// CHECK-NEXT:    %[[NER:.*]] = stablehlo.compare NE, %[[A]], %[[C]]
// CHECK-NEXT:    %[[NEI:.*]] = stablehlo.compare NE, %[[B]], %[[D]]
// CHECK-NEXT:    %[[NE:.*]] = stablehlo.or %[[NER]], %[[NEI]] : tensor<4xi1>
// CHECK-NEXT:    %[[SR:.*]] = stablehlo.select %[[EQ]], %[[A]], %[[C]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    %[[SI:.*]] = stablehlo.select %[[EQ]], %[[B]], %[[D]] : tensor<4xi1>, tensor<4xf32>
// CHECK-NEXT:    return %[[EQ]], %[[NE]], %[[SR]], %[[SI]]
func.func @compare_select(%p: tensor<4xcomplex<f32>>, %q: tensor<4xcomplex<f32>>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xcomplex<f32>>) {
  %0 = stablehlo.compare EQ, %p, %q : (tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>) -> tensor<4xi1>
  %1 = stablehlo.compare NE, %p, %q : (tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>) -> tensor<4xi1>
  %2 = stablehlo.select %0, %p, %q : tensor<4xi1>, tensor<4xcomplex<f32>>
  return %0, %1, %2 : tensor<4xi1>, tensor<4xi1>, tensor<4xcomplex<f32>>
}

// -----

// convert: integer -> complex (imaginary part zero), complex -> real (the
// real part), complex<f64> -> complex<f32> (each part).
// CHECK-LABEL: func.func @convert(
// CHECK-SAME:    %[[I:[^:]*]]: tensor<4xi32> {{.*}}, %[[ZR:[^:]*]]: tensor<4xf32> {{.*}}, %[[ZI:[^:]*]]: tensor<4xf32> {{.*}}, %[[WR:[^:]*]]: tensor<4xf64> {{.*}}, %[[WI:[^:]*]]: tensor<4xf64> {{.*}})
// CHECK-NEXT:    %[[IF:.*]] = stablehlo.convert %[[I]] : (tensor<4xi32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[WRF:.*]] = stablehlo.convert %[[WR]] : (tensor<4xf64>) -> tensor<4xf32>
// CHECK-NEXT:    %[[WIF:.*]] = stablehlo.convert %[[WI]] : (tensor<4xf64>) -> tensor<4xf32>
// CHECK-NEXT:    %[[ZERO:.*]] = stablehlo.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    return %[[IF]], %[[ZERO]], %[[ZR]], %[[WRF]], %[[WIF]]
func.func @convert(%x: tensor<4xi32>, %z: tensor<4xcomplex<f32>>, %w: tensor<4xcomplex<f64>>) -> (tensor<4xcomplex<f32>>, tensor<4xf32>, tensor<4xcomplex<f32>>) {
  %0 = stablehlo.convert %x : (tensor<4xi32>) -> tensor<4xcomplex<f32>>
  %1 = stablehlo.convert %z : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
  %2 = stablehlo.convert %w : (tensor<4xcomplex<f64>>) -> tensor<4xcomplex<f32>>
  return %0, %1, %2 : tensor<4xcomplex<f32>>, tensor<4xf32>, tensor<4xcomplex<f32>>
}

// -----

// dot_general: four real products with the same dimension numbers.
// CHECK-LABEL: func.func @dot_general(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<5x2x3xf32> {{.*}}, %[[B:[^:]*]]: tensor<5x2x3xf32> {{.*}}, %[[C:[^:]*]]: tensor<5x3x4xf32> {{.*}}, %[[D:[^:]*]]: tensor<5x3x4xf32> {{.*}})
// CHECK-NEXT:    %[[AC:.*]] = stablehlo.dot_general %[[A]], %[[C]], batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [DEFAULT, DEFAULT] : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
// CHECK-NEXT:    %[[BD:.*]] = stablehlo.dot_general %[[B]], %[[D]], batching_dims = [0] x [0], contracting_dims = [2] x [1]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.subtract %[[AC]], %[[BD]]
// CHECK-NEXT:    %[[AD:.*]] = stablehlo.dot_general %[[A]], %[[D]], batching_dims = [0] x [0], contracting_dims = [2] x [1]
// CHECK-NEXT:    %[[BC:.*]] = stablehlo.dot_general %[[B]], %[[C]], batching_dims = [0] x [0], contracting_dims = [2] x [1]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.add %[[AD]], %[[BC]]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @dot_general(%a: tensor<5x2x3xcomplex<f32>>, %b: tensor<5x3x4xcomplex<f32>>) -> tensor<5x2x4xcomplex<f32>> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [DEFAULT, DEFAULT] : (tensor<5x2x3xcomplex<f32>>, tensor<5x3x4xcomplex<f32>>) -> tensor<5x2x4xcomplex<f32>>
  return %0 : tensor<5x2x4xcomplex<f32>>
}

// -----

// A real operand (after convert) halves the work: two products.
// CHECK-LABEL: func.func @dot_general_real_lhs(
// CHECK-SAME:    %[[X:[^:]*]]: tensor<2x3xf32> {{.*}}, %[[C:[^:]*]]: tensor<3x4xf32> {{.*}}, %[[D:[^:]*]]: tensor<3x4xf32> {{.*}})
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.dot_general %[[X]], %[[C]], contracting_dims = [1] x [0]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.dot_general %[[X]], %[[D]], contracting_dims = [1] x [0]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @dot_general_real_lhs(%x: tensor<2x3xf32>, %w: tensor<3x4xcomplex<f32>>) -> tensor<2x4xcomplex<f32>> {
  %xc = stablehlo.convert %x : (tensor<2x3xf32>) -> tensor<2x3xcomplex<f32>>
  %0 = stablehlo.dot_general %xc, %w, contracting_dims = [1] x [0] : (tensor<2x3xcomplex<f32>>, tensor<3x4xcomplex<f32>>) -> tensor<2x4xcomplex<f32>>
  return %0 : tensor<2x4xcomplex<f32>>
}

// -----

// convolution: the same four products, every attribute kept.
// CHECK-LABEL: func.func @convolution(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<1x8x2xf32> {{.*}}, %[[B:[^:]*]]: tensor<1x8x2xf32> {{.*}}, %[[C:[^:]*]]: tensor<3x2x4xf32> {{.*}}, %[[D:[^:]*]]: tensor<3x2x4xf32> {{.*}})
// CHECK-NEXT:    %[[AC:.*]] = stablehlo.convolution(%[[A]], %[[C]]) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [1], pad = {{\[}}[1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x2xf32>, tensor<3x2x4xf32>) -> tensor<1x8x4xf32>
// CHECK-NEXT:    %[[BD:.*]] = stablehlo.convolution(%[[B]], %[[D]])
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.subtract %[[AC]], %[[BD]]
// CHECK-NEXT:    %[[AD:.*]] = stablehlo.convolution(%[[A]], %[[D]])
// CHECK-NEXT:    %[[BC:.*]] = stablehlo.convolution(%[[B]], %[[C]])
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.add %[[AD]], %[[BC]]
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @convolution(%x: tensor<1x8x2xcomplex<f32>>, %k: tensor<3x2x4xcomplex<f32>>) -> tensor<1x8x4xcomplex<f32>> {
  %0 = stablehlo.convolution(%x, %k) dim_numbers = [b, 0, f]x[0, i, o]->[b, 0, f], window = {stride = [1], pad = [[1, 1]]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x2xcomplex<f32>>, tensor<3x2x4xcomplex<f32>>) -> tensor<1x8x4xcomplex<f32>>
  return %0 : tensor<1x8x4xcomplex<f32>>
}

// -----

// reduce with add: one real sum per part (init split too).
// CHECK-LABEL: func.func @reduce_sum(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<2x3xf32> {{.*}}, %[[B:[^:]*]]: tensor<2x3xf32> {{.*}})
// CHECK-DAG:     %[[IR:.*]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// CHECK-DAG:     %[[II:.*]] = stablehlo.constant dense<-2.000000e+00> : tensor<f32>
// CHECK:         %[[RE:.*]] = stablehlo.reduce(%[[A]] init: %[[IR]]) applies stablehlo.add across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.reduce(%[[B]] init: %[[II]]) applies stablehlo.add across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT:    return %[[RE]], %[[IM]]
func.func @reduce_sum(%z: tensor<2x3xcomplex<f32>>) -> tensor<2xcomplex<f32>> {
  %init = stablehlo.constant dense<(1.0, -2.0)> : tensor<complex<f32>>
  %0 = stablehlo.reduce(%z init: %init) applies stablehlo.add across dimensions = [1] : (tensor<2x3xcomplex<f32>>, tensor<complex<f32>>) -> tensor<2xcomplex<f32>>
  return %0 : tensor<2xcomplex<f32>>
}

// -----

// reduce with multiply: a real product when the values are real (JAX's
// norm="ortho" scale is such a product of complex constants) ...
// CHECK-LABEL: func.func @reduce_product_real(
// CHECK-DAG:     %[[X:.*]] = stablehlo.constant dense<6.000000e+00> : tensor<1xf32>
// CHECK-DAG:     %[[ONE:.*]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[P:.*]] = stablehlo.reduce(%[[X]] init: %[[ONE]]) applies stablehlo.multiply across dimensions = [0] : (tensor<1xf32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:    return %[[P]] : tensor<f32>
func.func @reduce_product_real() -> tensor<f32> {
  %x = stablehlo.constant dense<(6.0, 0.0)> : tensor<1xcomplex<f32>>
  %one = stablehlo.constant dense<(1.0, 0.0)> : tensor<complex<f32>>
  %0 = stablehlo.reduce(%x init: %one) applies stablehlo.multiply across dimensions = [0] : (tensor<1xcomplex<f32>>, tensor<complex<f32>>) -> tensor<complex<f32>>
  %1 = stablehlo.real %0 : (tensor<complex<f32>>) -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// ... and in polar form otherwise: prod |z| and sum arg z.
// CHECK-LABEL: func.func @reduce_product(
// CHECK:         %[[M:.*]] = stablehlo.reduce(%{{.*}} init: %{{.*}}) applies stablehlo.multiply across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK:         %[[A:.*]] = stablehlo.reduce(%{{.*}} init: %{{.*}}) applies stablehlo.add across dimensions = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[COS:.*]] = stablehlo.cosine %[[A]]
// CHECK-NEXT:    %[[RE:.*]] = stablehlo.multiply %[[M]], %[[COS]]
// CHECK-NEXT:    %[[SIN:.*]] = stablehlo.sine %[[A]]
// CHECK-NEXT:    %[[IM:.*]] = stablehlo.multiply %[[M]], %[[SIN]]
// CHECK:         return
func.func @reduce_product(%z: tensor<2x3xcomplex<f32>>) -> tensor<2xcomplex<f32>> {
  %init = stablehlo.constant dense<(1.0, 0.0)> : tensor<complex<f32>>
  %0 = stablehlo.reduce(%z init: %init) applies stablehlo.multiply across dimensions = [1] : (tensor<2x3xcomplex<f32>>, tensor<complex<f32>>) -> tensor<2xcomplex<f32>>
  return %0 : tensor<2xcomplex<f32>>
}

// -----

// Data movement: the same op on each part, attributes kept.
// CHECK-LABEL: func.func @data_movement(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<2x3xf32> {{.*}}, %[[B:[^:]*]]: tensor<2x3xf32> {{.*}}, %[[I:[^:]*]]: tensor<i32> {{.*}})
// CHECK-NEXT:    %[[R0:.*]] = stablehlo.reshape %[[A]] : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT:    %[[I0:.*]] = stablehlo.reshape %[[B]] : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT:    %[[R1:.*]] = stablehlo.transpose %[[R0]], dims = [1, 0] : (tensor<3x2xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[I1:.*]] = stablehlo.transpose %[[I0]], dims = [1, 0] : (tensor<3x2xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[R2:.*]] = stablehlo.broadcast_in_dim %[[R1]], dims = [1, 2] : (tensor<2x3xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT:    %[[I2:.*]] = stablehlo.broadcast_in_dim %[[I1]], dims = [1, 2] : (tensor<2x3xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT:    %[[R3:.*]] = stablehlo.slice %[[R2]] [0:2, 0:2, 1:3] : (tensor<4x2x3xf32>) -> tensor<2x2x2xf32>
// CHECK-NEXT:    %[[I3:.*]] = stablehlo.slice %[[I2]] [0:2, 0:2, 1:3] : (tensor<4x2x3xf32>) -> tensor<2x2x2xf32>
// CHECK-NEXT:    %[[R4:.*]] = stablehlo.dynamic_slice %[[R3]], %[[I]], %[[I]], %[[I]], sizes = [1, 2, 2] : (tensor<2x2x2xf32>, tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<1x2x2xf32>
// CHECK-NEXT:    %[[I4:.*]] = stablehlo.dynamic_slice %[[I3]], %[[I]], %[[I]], %[[I]], sizes = [1, 2, 2]
// CHECK-NEXT:    %[[R5:.*]] = stablehlo.dynamic_update_slice %[[R3]], %[[R4]], %[[I]], %[[I]], %[[I]] : (tensor<2x2x2xf32>, tensor<1x2x2xf32>, tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<2x2x2xf32>
// CHECK-NEXT:    %[[I5:.*]] = stablehlo.dynamic_update_slice %[[I3]], %[[I4]], %[[I]], %[[I]], %[[I]]
// CHECK-NEXT:    %[[R6:.*]] = stablehlo.concatenate %[[R5]], %[[R3]], dim = 0 : (tensor<2x2x2xf32>, tensor<2x2x2xf32>) -> tensor<4x2x2xf32>
// CHECK-NEXT:    %[[I6:.*]] = stablehlo.concatenate %[[I5]], %[[I3]], dim = 0
// CHECK-NEXT:    %[[R7:.*]] = stablehlo.reverse %[[R6]], dims = [0, 2] : tensor<4x2x2xf32>
// CHECK-NEXT:    %[[I7:.*]] = stablehlo.reverse %[[I6]], dims = [0, 2] : tensor<4x2x2xf32>
// CHECK-NEXT:    return %[[R7]], %[[I7]]
func.func @data_movement(%z: tensor<2x3xcomplex<f32>>, %i: tensor<i32>) -> tensor<4x2x2xcomplex<f32>> {
  %0 = stablehlo.reshape %z : (tensor<2x3xcomplex<f32>>) -> tensor<3x2xcomplex<f32>>
  %1 = stablehlo.transpose %0, dims = [1, 0] : (tensor<3x2xcomplex<f32>>) -> tensor<2x3xcomplex<f32>>
  %2 = stablehlo.broadcast_in_dim %1, dims = [1, 2] : (tensor<2x3xcomplex<f32>>) -> tensor<4x2x3xcomplex<f32>>
  %3 = stablehlo.slice %2 [0:2, 0:2, 1:3] : (tensor<4x2x3xcomplex<f32>>) -> tensor<2x2x2xcomplex<f32>>
  %4 = stablehlo.dynamic_slice %3, %i, %i, %i, sizes = [1, 2, 2] : (tensor<2x2x2xcomplex<f32>>, tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<1x2x2xcomplex<f32>>
  %5 = stablehlo.dynamic_update_slice %3, %4, %i, %i, %i : (tensor<2x2x2xcomplex<f32>>, tensor<1x2x2xcomplex<f32>>, tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<2x2x2xcomplex<f32>>
  %6 = stablehlo.concatenate %5, %3, dim = 0 : (tensor<2x2x2xcomplex<f32>>, tensor<2x2x2xcomplex<f32>>) -> tensor<4x2x2xcomplex<f32>>
  %7 = stablehlo.reverse %6, dims = [0, 2] : tensor<4x2x2xcomplex<f32>>
  return %7 : tensor<4x2x2xcomplex<f32>>
}

// -----

// pad splits its padding value too; gather keeps its indices.
// CHECK-LABEL: func.func @pad_gather(
// CHECK-SAME:    %[[A:[^:]*]]: tensor<3xf32> {{.*}}, %[[B:[^:]*]]: tensor<3xf32> {{.*}}, %[[IDX:[^:]*]]: tensor<2x1xi32> {{.*}})
// CHECK-DAG:     %[[PR:.*]] = stablehlo.constant dense<1.000000e+00> : tensor<f32>
// CHECK-DAG:     %[[PI:.*]] = stablehlo.constant dense<-1.000000e+00> : tensor<f32>
// CHECK:         %[[R0:.*]] = stablehlo.pad %[[A]], %[[PR]], low = [1], high = [2], interior = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<6xf32>
// CHECK-NEXT:    %[[I0:.*]] = stablehlo.pad %[[B]], %[[PI]], low = [1], high = [2], interior = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<6xf32>
// CHECK-NEXT:    %[[R1:.*]] = "stablehlo.gather"(%[[R0]], %[[IDX]])
// CHECK-SAME:      (tensor<6xf32>, tensor<2x1xi32>) -> tensor<2xf32>
// CHECK-NEXT:    %[[I1:.*]] = "stablehlo.gather"(%[[I0]], %[[IDX]])
// CHECK-SAME:      (tensor<6xf32>, tensor<2x1xi32>) -> tensor<2xf32>
// CHECK-NEXT:    return %[[R1]], %[[I1]]
func.func @pad_gather(%z: tensor<3xcomplex<f32>>, %idx: tensor<2x1xi32>) -> tensor<2xcomplex<f32>> {
  %pv = stablehlo.constant dense<(1.0, -1.0)> : tensor<complex<f32>>
  %0 = stablehlo.pad %z, %pv, low = [1], high = [2], interior = [0] : (tensor<3xcomplex<f32>>, tensor<complex<f32>>) -> tensor<6xcomplex<f32>>
  %1 = "stablehlo.gather"(%0, %idx) {
    dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>,
    slice_sizes = array<i64: 1>, indices_are_sorted = false
  } : (tensor<6xcomplex<f32>>, tensor<2x1xi32>) -> tensor<2xcomplex<f32>>
  return %1 : tensor<2xcomplex<f32>>
}

// -----

// Complex values inside the region of a real op (a loop body) are split
// in place.
// CHECK-LABEL: func.func @inside_loop(
// CHECK:         stablehlo.while
// CHECK:         do {
// CHECK:           %[[P:.*]] = stablehlo.multiply
// CHECK-NEXT:      %[[Q:.*]] = stablehlo.multiply
// CHECK-NEXT:      %[[RE:.*]] = stablehlo.subtract %[[P]], %[[Q]]
// CHECK:           stablehlo.return %[[RE]]
func.func @inside_loop(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.while(%it = %x) : tensor<4xf32>
  cond {
    %c = stablehlo.constant dense<true> : tensor<i1>
    stablehlo.return %c : tensor<i1>
  } do {
    %z = stablehlo.complex %it, %y : tensor<4xcomplex<f32>>
    %sq = stablehlo.multiply %z, %z : tensor<4xcomplex<f32>>
    %re = stablehlo.real %sq : (tensor<4xcomplex<f32>>) -> tensor<4xf32>
    stablehlo.return %re : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

// x.at[i].set(u) on complex tensors: one real scatter per part, with the
// same indices and a real `return update` body.
// CHECK-LABEL: func.func @scatter_set(
// CHECK-SAME:    %[[XR:[^:]*]]: tensor<5xf32> {{.*}}, %[[XI:[^:]*]]: tensor<5xf32> {{.*}}, %[[I:[^:]*]]: tensor<2x1xi32> {{.*}}, %[[UR:[^:]*]]: tensor<2xf32> {{.*}}, %[[UI:[^:]*]]: tensor<2xf32> {{.*}})
// CHECK-NEXT:    %[[R:.*]] = "stablehlo.scatter"(%[[XR]], %[[I]], %[[UR]])
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<f32>, %[[B:.*]]: tensor<f32>):
// CHECK-NEXT:      stablehlo.return %[[B]] : tensor<f32>
// CHECK:         %[[M:.*]] = "stablehlo.scatter"(%[[XI]], %[[I]], %[[UI]])
// CHECK:         return %[[R]], %[[M]]
func.func @scatter_set(%x: tensor<5xcomplex<f32>>, %i: tensor<2x1xi32>, %u: tensor<2xcomplex<f32>>) -> tensor<5xcomplex<f32>> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<complex<f32>>, %b: tensor<complex<f32>>):
    stablehlo.return %b : tensor<complex<f32>>
  }) : (tensor<5xcomplex<f32>>, tensor<2x1xi32>, tensor<2xcomplex<f32>>) -> tensor<5xcomplex<f32>>
  return %0 : tensor<5xcomplex<f32>>
}

// -----

// x.at[i].add(u) with real updates: only the real part is scattered; the
// imaginary part is the operand's.
// CHECK-LABEL: func.func @scatter_add_real_updates(
// CHECK-SAME:    %[[XR:[^:]*]]: tensor<5xf32> {{.*}}, %[[XI:[^:]*]]: tensor<5xf32> {{.*}}, %[[I:[^:]*]]: tensor<2x1xi32> {{.*}}, %[[U:[^:]*]]: tensor<2xf32> {{.*}})
// CHECK-NEXT:    %[[R:.*]] = "stablehlo.scatter"(%[[XR]], %[[I]], %[[U]])
// CHECK:           stablehlo.add %{{.*}}, %{{.*}} : tensor<f32>
// CHECK-NOT:     stablehlo.scatter
// CHECK:         return %[[R]], %[[XI]]
func.func @scatter_add_real_updates(%x: tensor<5xcomplex<f32>>, %i: tensor<2x1xi32>, %u: tensor<2xf32>) -> tensor<5xcomplex<f32>> {
  %uc = stablehlo.convert %u : (tensor<2xf32>) -> tensor<2xcomplex<f32>>
  %0 = "stablehlo.scatter"(%x, %i, %uc) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<complex<f32>>, %b: tensor<complex<f32>>):
    %s = stablehlo.add %a, %b : tensor<complex<f32>>
    stablehlo.return %s : tensor<complex<f32>>
  }) : (tensor<5xcomplex<f32>>, tensor<2x1xi32>, tensor<2xcomplex<f32>>) -> tensor<5xcomplex<f32>>
  return %0 : tensor<5xcomplex<f32>>
}
