// RUN: hlo-coreml-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(stablehlo-complex-math-expander),hlo-coreml-prepare,hlo-coreml-raise-complex-expansions)' | filecheck %s

// StableHLO's expansions of complex<f64> log_plus_one, log, sqrt and
// exponential (what a serialized jax.export artifact carries) are raised
// back to the op; each is recognized only when it is exactly that
// expansion.

// The expander's output (here made by the expander itself) goes back to
// one log_plus_one; none of its f64 constants are left.
// CHECK-LABEL: func.func @expanded_here(
// CHECK-SAME:    %[[Z:.*]]: tensor<3xcomplex<f64>>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.log_plus_one %[[Z]] : tensor<3xcomplex<f64>>
// CHECK-NEXT:    return %[[R]]
func.func @expanded_here(%z: tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>> {
  %0 = stablehlo.log_plus_one %z : tensor<3xcomplex<f64>>
  return %0 : tensor<3xcomplex<f64>>
}

// -----

// log, sqrt and exponential likewise; each is told apart from the others.
// CHECK-LABEL: func.func @log_sqrt_exp(
// CHECK-SAME:    %[[Z:.*]]: tensor<2x3xcomplex<f64>>)
// CHECK-NEXT:    %[[L:.*]] = stablehlo.log %[[Z]] : tensor<2x3xcomplex<f64>>
// CHECK-NEXT:    %[[S:.*]] = stablehlo.sqrt %[[L]] : tensor<2x3xcomplex<f64>>
// CHECK-NEXT:    %[[E:.*]] = stablehlo.exponential %[[S]] : tensor<2x3xcomplex<f64>>
// CHECK-NEXT:    return %[[E]]
func.func @log_sqrt_exp(%z: tensor<2x3xcomplex<f64>>) -> tensor<2x3xcomplex<f64>> {
  %0 = stablehlo.log %z : tensor<2x3xcomplex<f64>>
  %1 = stablehlo.sqrt %0 : tensor<2x3xcomplex<f64>>
  %2 = stablehlo.exponential %1 : tensor<2x3xcomplex<f64>>
  return %2 : tensor<2x3xcomplex<f64>>
}

// -----

// The expansion as an artifact carries it (after hlo-coreml-prepare).
// CHECK-LABEL: func.func @serialized_expansion(
// CHECK-SAME:    %[[Z:.*]]: tensor<3xcomplex<f64>>)
// CHECK-NEXT:    %[[R:.*]] = stablehlo.log_plus_one %[[Z]] : tensor<3xcomplex<f64>>
// CHECK-NEXT:    return %[[R]]
func.func @serialized_expansion(%arg0: tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>> {
  %c = stablehlo.constant dense<true> : tensor<3xi1>
  %cst = stablehlo.constant dense<6.500000e+01> : tensor<3xf64>
  %cst_0 = stablehlo.constant dense<4.097000e+03> : tensor<3xf64>
  %cst_1 = stablehlo.constant dense<0x41A0000002000000> : tensor<3xf64>
  %cst_2 = stablehlo.constant dense<2.000000e-01> : tensor<3xf64>
  %cst_3 = stablehlo.constant dense<1.000000e+00> : tensor<3xf64>
  %cst_4 = stablehlo.constant dense<5.000000e-01> : tensor<3xf64>
  %cst_5 = stablehlo.constant dense<1.000000e-02> : tensor<3xf64>
  %cst_6 = stablehlo.constant dense<1.7976931348623157E+308> : tensor<3xf64>
  %0 = stablehlo.real %arg0 : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %1 = stablehlo.abs %0 : tensor<3xf64>
  %2 = stablehlo.imag %arg0 : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %3 = stablehlo.abs %2 : tensor<3xf64>
  %4 = stablehlo.maximum %1, %3 : tensor<3xf64>
  %5 = stablehlo.sqrt %cst_6 : tensor<3xf64>
  %6 = stablehlo.multiply %5, %cst_5 : tensor<3xf64>
  %7 = stablehlo.compare GT, %4, %6 : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xi1>
  %8 = stablehlo.log %4 : tensor<3xf64>
  %9 = stablehlo.minimum %1, %3 : tensor<3xf64>
  %10 = stablehlo.compare EQ, %9, %4 : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xi1>
  %11 = stablehlo.divide %9, %4 : tensor<3xf64>
  %12 = stablehlo.multiply %11, %11 : tensor<3xf64>
  %13 = stablehlo.select %10, %cst_3, %12 : tensor<3xi1>, tensor<3xf64>
  %14 = stablehlo.log_plus_one %13 : tensor<3xf64>
  %15 = stablehlo.multiply %cst_4, %14 : tensor<3xf64>
  %16 = stablehlo.add %8, %15 : tensor<3xf64>
  %17 = stablehlo.add %0, %cst_3 : tensor<3xf64>
  %18 = stablehlo.abs %17 : tensor<3xf64>
  %19 = stablehlo.add %18, %3 : tensor<3xf64>
  %20 = stablehlo.compare LT, %19, %cst_2 : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xi1>
  %21 = stablehlo.multiply %17, %17 : tensor<3xf64>
  %22 = stablehlo.multiply %2, %2 : tensor<3xf64>
  %23 = stablehlo.add %21, %22 : tensor<3xf64>
  %24 = stablehlo.log %23 : tensor<3xf64>
  %25 = stablehlo.multiply %cst_4, %24 : tensor<3xf64>
  %26 = stablehlo.add %0, %0 : tensor<3xf64>
  %27 = stablehlo.add %26, %22 : tensor<3xf64>
  %28 = stablehlo.multiply %0, %0 : tensor<3xf64>
  %29 = stablehlo.add %27, %28 : tensor<3xf64>
  %30 = stablehlo.negate %22 : tensor<3xf64>
  %31 = stablehlo.select %c, %cst_0, %cst : tensor<3xi1>, tensor<3xf64>
  %32 = stablehlo.select %c, %cst_1, %31 : tensor<3xi1>, tensor<3xf64>
  %33 = stablehlo.multiply %32, %2 : tensor<3xf64>
  %34 = stablehlo.subtract %2, %33 : tensor<3xf64>
  %35 = stablehlo.add %33, %34 : tensor<3xf64>
  %36 = stablehlo.multiply %35, %35 : tensor<3xf64>
  %37 = stablehlo.add %30, %36 : tensor<3xf64>
  %38 = stablehlo.subtract %2, %35 : tensor<3xf64>
  %39 = stablehlo.multiply %35, %38 : tensor<3xf64>
  %40 = stablehlo.add %37, %39 : tensor<3xf64>
  %41 = stablehlo.add %40, %39 : tensor<3xf64>
  %42 = stablehlo.multiply %38, %38 : tensor<3xf64>
  %43 = stablehlo.add %41, %42 : tensor<3xf64>
  %44 = stablehlo.add %29, %43 : tensor<3xf64>
  %45 = stablehlo.negate %28 : tensor<3xf64>
  %46 = stablehlo.multiply %32, %0 : tensor<3xf64>
  %47 = stablehlo.subtract %0, %46 : tensor<3xf64>
  %48 = stablehlo.add %46, %47 : tensor<3xf64>
  %49 = stablehlo.multiply %48, %48 : tensor<3xf64>
  %50 = stablehlo.add %45, %49 : tensor<3xf64>
  %51 = stablehlo.subtract %0, %48 : tensor<3xf64>
  %52 = stablehlo.multiply %48, %51 : tensor<3xf64>
  %53 = stablehlo.add %50, %52 : tensor<3xf64>
  %54 = stablehlo.add %53, %52 : tensor<3xf64>
  %55 = stablehlo.multiply %51, %51 : tensor<3xf64>
  %56 = stablehlo.add %54, %55 : tensor<3xf64>
  %57 = stablehlo.add %44, %56 : tensor<3xf64>
  %58 = stablehlo.subtract %27, %26 : tensor<3xf64>
  %59 = stablehlo.subtract %27, %58 : tensor<3xf64>
  %60 = stablehlo.subtract %26, %59 : tensor<3xf64>
  %61 = stablehlo.subtract %22, %58 : tensor<3xf64>
  %62 = stablehlo.add %60, %61 : tensor<3xf64>
  %63 = stablehlo.subtract %29, %27 : tensor<3xf64>
  %64 = stablehlo.subtract %29, %63 : tensor<3xf64>
  %65 = stablehlo.subtract %27, %64 : tensor<3xf64>
  %66 = stablehlo.subtract %28, %63 : tensor<3xf64>
  %67 = stablehlo.add %65, %66 : tensor<3xf64>
  %68 = stablehlo.add %62, %67 : tensor<3xf64>
  %69 = stablehlo.subtract %44, %29 : tensor<3xf64>
  %70 = stablehlo.subtract %44, %69 : tensor<3xf64>
  %71 = stablehlo.subtract %29, %70 : tensor<3xf64>
  %72 = stablehlo.subtract %43, %69 : tensor<3xf64>
  %73 = stablehlo.add %71, %72 : tensor<3xf64>
  %74 = stablehlo.add %68, %73 : tensor<3xf64>
  %75 = stablehlo.subtract %57, %44 : tensor<3xf64>
  %76 = stablehlo.subtract %57, %75 : tensor<3xf64>
  %77 = stablehlo.subtract %44, %76 : tensor<3xf64>
  %78 = stablehlo.subtract %56, %75 : tensor<3xf64>
  %79 = stablehlo.add %77, %78 : tensor<3xf64>
  %80 = stablehlo.add %74, %79 : tensor<3xf64>
  %81 = stablehlo.add %57, %80 : tensor<3xf64>
  %82 = stablehlo.log_plus_one %81 : tensor<3xf64>
  %83 = stablehlo.multiply %cst_4, %82 : tensor<3xf64>
  %84 = stablehlo.select %20, %25, %83 : tensor<3xi1>, tensor<3xf64>
  %85 = stablehlo.select %7, %16, %84 : tensor<3xi1>, tensor<3xf64>
  %86 = stablehlo.atan2 %2, %17 : tensor<3xf64>
  %87 = stablehlo.complex %85, %86 : tensor<3xcomplex<f64>>
  return %87 : tensor<3xcomplex<f64>>
}

// -----

// One constant differs (0.02 for 0.01): not the expansion, left alone.
// CHECK-LABEL: func.func @one_constant_differs(
// CHECK:         stablehlo.constant dense<2.000000e-02>
// CHECK:         stablehlo.atan2
// CHECK:         %[[R:.*]] = stablehlo.complex
// CHECK-NEXT:    return %[[R]]
func.func @one_constant_differs(%arg0: tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>> {
  %c = stablehlo.constant dense<true> : tensor<3xi1>
  %cst = stablehlo.constant dense<6.500000e+01> : tensor<3xf64>
  %cst_0 = stablehlo.constant dense<4.097000e+03> : tensor<3xf64>
  %cst_1 = stablehlo.constant dense<0x41A0000002000000> : tensor<3xf64>
  %cst_2 = stablehlo.constant dense<2.000000e-01> : tensor<3xf64>
  %cst_3 = stablehlo.constant dense<1.000000e+00> : tensor<3xf64>
  %cst_4 = stablehlo.constant dense<5.000000e-01> : tensor<3xf64>
  %cst_5 = stablehlo.constant dense<2.000000e-02> : tensor<3xf64>
  %cst_6 = stablehlo.constant dense<1.7976931348623157E+308> : tensor<3xf64>
  %0 = stablehlo.real %arg0 : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %1 = stablehlo.abs %0 : tensor<3xf64>
  %2 = stablehlo.imag %arg0 : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %3 = stablehlo.abs %2 : tensor<3xf64>
  %4 = stablehlo.maximum %1, %3 : tensor<3xf64>
  %5 = stablehlo.sqrt %cst_6 : tensor<3xf64>
  %6 = stablehlo.multiply %5, %cst_5 : tensor<3xf64>
  %7 = stablehlo.compare GT, %4, %6 : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xi1>
  %8 = stablehlo.log %4 : tensor<3xf64>
  %9 = stablehlo.minimum %1, %3 : tensor<3xf64>
  %10 = stablehlo.compare EQ, %9, %4 : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xi1>
  %11 = stablehlo.divide %9, %4 : tensor<3xf64>
  %12 = stablehlo.multiply %11, %11 : tensor<3xf64>
  %13 = stablehlo.select %10, %cst_3, %12 : tensor<3xi1>, tensor<3xf64>
  %14 = stablehlo.log_plus_one %13 : tensor<3xf64>
  %15 = stablehlo.multiply %cst_4, %14 : tensor<3xf64>
  %16 = stablehlo.add %8, %15 : tensor<3xf64>
  %17 = stablehlo.add %0, %cst_3 : tensor<3xf64>
  %18 = stablehlo.abs %17 : tensor<3xf64>
  %19 = stablehlo.add %18, %3 : tensor<3xf64>
  %20 = stablehlo.compare LT, %19, %cst_2 : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xi1>
  %21 = stablehlo.multiply %17, %17 : tensor<3xf64>
  %22 = stablehlo.multiply %2, %2 : tensor<3xf64>
  %23 = stablehlo.add %21, %22 : tensor<3xf64>
  %24 = stablehlo.log %23 : tensor<3xf64>
  %25 = stablehlo.multiply %cst_4, %24 : tensor<3xf64>
  %26 = stablehlo.add %0, %0 : tensor<3xf64>
  %27 = stablehlo.add %26, %22 : tensor<3xf64>
  %28 = stablehlo.multiply %0, %0 : tensor<3xf64>
  %29 = stablehlo.add %27, %28 : tensor<3xf64>
  %30 = stablehlo.negate %22 : tensor<3xf64>
  %31 = stablehlo.select %c, %cst_0, %cst : tensor<3xi1>, tensor<3xf64>
  %32 = stablehlo.select %c, %cst_1, %31 : tensor<3xi1>, tensor<3xf64>
  %33 = stablehlo.multiply %32, %2 : tensor<3xf64>
  %34 = stablehlo.subtract %2, %33 : tensor<3xf64>
  %35 = stablehlo.add %33, %34 : tensor<3xf64>
  %36 = stablehlo.multiply %35, %35 : tensor<3xf64>
  %37 = stablehlo.add %30, %36 : tensor<3xf64>
  %38 = stablehlo.subtract %2, %35 : tensor<3xf64>
  %39 = stablehlo.multiply %35, %38 : tensor<3xf64>
  %40 = stablehlo.add %37, %39 : tensor<3xf64>
  %41 = stablehlo.add %40, %39 : tensor<3xf64>
  %42 = stablehlo.multiply %38, %38 : tensor<3xf64>
  %43 = stablehlo.add %41, %42 : tensor<3xf64>
  %44 = stablehlo.add %29, %43 : tensor<3xf64>
  %45 = stablehlo.negate %28 : tensor<3xf64>
  %46 = stablehlo.multiply %32, %0 : tensor<3xf64>
  %47 = stablehlo.subtract %0, %46 : tensor<3xf64>
  %48 = stablehlo.add %46, %47 : tensor<3xf64>
  %49 = stablehlo.multiply %48, %48 : tensor<3xf64>
  %50 = stablehlo.add %45, %49 : tensor<3xf64>
  %51 = stablehlo.subtract %0, %48 : tensor<3xf64>
  %52 = stablehlo.multiply %48, %51 : tensor<3xf64>
  %53 = stablehlo.add %50, %52 : tensor<3xf64>
  %54 = stablehlo.add %53, %52 : tensor<3xf64>
  %55 = stablehlo.multiply %51, %51 : tensor<3xf64>
  %56 = stablehlo.add %54, %55 : tensor<3xf64>
  %57 = stablehlo.add %44, %56 : tensor<3xf64>
  %58 = stablehlo.subtract %27, %26 : tensor<3xf64>
  %59 = stablehlo.subtract %27, %58 : tensor<3xf64>
  %60 = stablehlo.subtract %26, %59 : tensor<3xf64>
  %61 = stablehlo.subtract %22, %58 : tensor<3xf64>
  %62 = stablehlo.add %60, %61 : tensor<3xf64>
  %63 = stablehlo.subtract %29, %27 : tensor<3xf64>
  %64 = stablehlo.subtract %29, %63 : tensor<3xf64>
  %65 = stablehlo.subtract %27, %64 : tensor<3xf64>
  %66 = stablehlo.subtract %28, %63 : tensor<3xf64>
  %67 = stablehlo.add %65, %66 : tensor<3xf64>
  %68 = stablehlo.add %62, %67 : tensor<3xf64>
  %69 = stablehlo.subtract %44, %29 : tensor<3xf64>
  %70 = stablehlo.subtract %44, %69 : tensor<3xf64>
  %71 = stablehlo.subtract %29, %70 : tensor<3xf64>
  %72 = stablehlo.subtract %43, %69 : tensor<3xf64>
  %73 = stablehlo.add %71, %72 : tensor<3xf64>
  %74 = stablehlo.add %68, %73 : tensor<3xf64>
  %75 = stablehlo.subtract %57, %44 : tensor<3xf64>
  %76 = stablehlo.subtract %57, %75 : tensor<3xf64>
  %77 = stablehlo.subtract %44, %76 : tensor<3xf64>
  %78 = stablehlo.subtract %56, %75 : tensor<3xf64>
  %79 = stablehlo.add %77, %78 : tensor<3xf64>
  %80 = stablehlo.add %74, %79 : tensor<3xf64>
  %81 = stablehlo.add %57, %80 : tensor<3xf64>
  %82 = stablehlo.log_plus_one %81 : tensor<3xf64>
  %83 = stablehlo.multiply %cst_4, %82 : tensor<3xf64>
  %84 = stablehlo.select %20, %25, %83 : tensor<3xi1>, tensor<3xf64>
  %85 = stablehlo.select %7, %16, %84 : tensor<3xi1>, tensor<3xf64>
  %86 = stablehlo.atan2 %2, %17 : tensor<3xf64>
  %87 = stablehlo.complex %85, %86 : tensor<3xcomplex<f64>>
  return %87 : tensor<3xcomplex<f64>>
}

// -----

// A computation that merely ends like it (complex(f(z), atan2(imag z,
// real z + 1))) is left alone.
// CHECK-LABEL: func.func @lookalike(
// CHECK-NOT:     log_plus_one
// CHECK:         stablehlo.atan2
// CHECK:         stablehlo.complex
func.func @lookalike(%z: tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>> {
  %one = stablehlo.constant dense<1.0> : tensor<3xf64>
  %re = stablehlo.real %z : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %im = stablehlo.imag %z : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %xp1 = stablehlo.add %re, %one : tensor<3xf64>
  %abs = stablehlo.abs %xp1 : tensor<3xf64>
  %log = stablehlo.log %abs : tensor<3xf64>
  %arg = stablehlo.atan2 %im, %xp1 : tensor<3xf64>
  %r = stablehlo.complex %log, %arg : tensor<3xcomplex<f64>>
  return %r : tensor<3xcomplex<f64>>
}

// -----

// complex<f32>: its expansion has f32 constants, which need no raising
// (hlo-coreml-split-complex splits it like any real computation).
// CHECK-LABEL: func.func @complex64_left_expanded(
// CHECK-NOT:     stablehlo.log_plus_one %{{.*}} : tensor<3xcomplex<f32>>
// CHECK:         stablehlo.atan2
func.func @complex64_left_expanded(%z: tensor<3xcomplex<f32>>) -> tensor<3xcomplex<f32>> {
  %0 = stablehlo.log_plus_one %z : tensor<3xcomplex<f32>>
  return %0 : tensor<3xcomplex<f32>>
}

// -----

// A complex constant inside a candidate (the bindings cannot read complex
// attributes): no match, no crash.
// CHECK-LABEL: func.func @complex_constant_inside(
// CHECK:         stablehlo.constant dense<(1.000000e+00,2.000000e+00)>
// CHECK:         stablehlo.complex
func.func @complex_constant_inside(%z: tensor<3xcomplex<f64>>) -> tensor<3xcomplex<f64>> {
  %c = stablehlo.constant dense<(1.0, 2.0)> : tensor<3xcomplex<f64>>
  %w = stablehlo.add %z, %c : tensor<3xcomplex<f64>>
  %re = stablehlo.real %z : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %re2 = stablehlo.real %w : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %im = stablehlo.imag %z : (tensor<3xcomplex<f64>>) -> tensor<3xf64>
  %s = stablehlo.add %re2, %re : tensor<3xf64>
  %r = stablehlo.complex %s, %im : tensor<3xcomplex<f64>>
  return %r : tensor<3xcomplex<f64>>
}
