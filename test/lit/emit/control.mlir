// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// stablehlo.while -> while_loop: the carried values are loop_vars, the
// cond region becomes the cond block (returning the predicate), the body
// region the body block; a value from outside the loop (the bound) is used
// directly inside.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[N:[A-Za-z0-9_]+]]: (1,int32)(Tensor),
// CHECK-NEXT:    %[[X:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK:         %[[BOUND:[A-Za-z0-9_]+]]: (int32)(Tensor) = reshape(x=%[[N]], shape=[],
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (int32)(Tensor), %[[V:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = while_loop(loop_vars=(%{{[A-Za-z0-9_]+}}, %[[X]]),
// CHECK-NEXT:      {{[A-Za-z0-9_]+}}_cond_block(%[[CI:[A-Za-z0-9_]+]]: (int32)(Tensor), %{{[A-Za-z0-9_]+}}: (4,fp32)(Tensor)) {
// CHECK-NEXT:        %[[P:[A-Za-z0-9_]+]]: (bool)(Tensor) = less(x=%[[CI]], y=%[[BOUND]],
// CHECK-NEXT:      } -> (%[[P]])
// CHECK-NEXT:      {{[A-Za-z0-9_]+}}_body_block(%[[BI:[A-Za-z0-9_]+]]: (int32)(Tensor), %[[BV:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK-NEXT:        %[[NI:[A-Za-z0-9_]+]]: (int32)(Tensor) = add(x=%[[BI]], y=1,
// CHECK-NEXT:        %[[NV:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = mul(x=%[[BV]], y=%[[BV]],
// CHECK-NEXT:      } -> (%[[NI]], %[[NV]])
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = identity(x=%[[V]],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<i32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
  %c1 = stablehlo.constant dense<1> : tensor<i32>
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %0:2 = stablehlo.while(%iterArg = %c0, %iterArg_0 = %arg1) : tensor<i32>, tensor<4xf32>
    cond {
      %1 = stablehlo.compare LT, %iterArg, %arg0 : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %1 : tensor<i1>
    } do {
      %1 = stablehlo.add %iterArg, %c1 : tensor<i32>
      %2 = stablehlo.multiply %iterArg_0, %iterArg_0 : tensor<4xf32>
      stablehlo.return %1, %2 : tensor<i32>, tensor<4xf32>
    }
  return %0#1 : tensor<4xf32>
}

// -----

// stablehlo.if -> cond on the predicate (a bool input travels as int32 and
// is compared with 0); the regions become the true and false blocks.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[P:[A-Za-z0-9_]+]]: (1,int32)(Tensor),
// CHECK-NEXT:    %[[X:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (int32)(Tensor) = reshape(x=%[[P]], shape=[],
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (bool)(Tensor) = not_equal(x=%[[S]], y=0,
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = cond(pred=%[[B]],
// CHECK-NEXT:      {{[A-Za-z0-9_]+}}_true() {
// CHECK-NEXT:        %[[E:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = exp(x=%[[X]],
// CHECK-NEXT:      } -> (%[[E]])
// CHECK-NEXT:      {{[A-Za-z0-9_]+}}_false() {
// CHECK-NEXT:        %[[T:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = tanh(x=%[[X]],
// CHECK-NEXT:      } -> (%[[T]])
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<i1>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.if"(%arg0) ({
    %1 = stablehlo.exponential %arg1 : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.tanh %arg1 : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }) : (tensor<i1>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// stablehlo.case with three branches -> nested conds on equal(index, 0),
// then equal(index, 1); the last branch also takes out-of-range indices.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[I:[A-Za-z0-9_]+]]: (1,int32)(Tensor),
// CHECK-NEXT:    %[[X:[A-Za-z0-9_]+]]: (4,fp32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (int32)(Tensor) = reshape(x=%[[I]], shape=[],
// CHECK-NEXT:    %[[P0:[A-Za-z0-9_]+]]: (bool)(Tensor) = equal(x=%[[S]], y=0,
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = cond(pred=%[[P0]],
// CHECK-NEXT:      {{[A-Za-z0-9_]+}}_true() {
// CHECK-NEXT:        %[[E:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = exp(x=%[[X]],
// CHECK-NEXT:      } -> (%[[E]])
// CHECK-NEXT:      {{[A-Za-z0-9_]+}}_false() {
// CHECK-NEXT:        %[[P1:[A-Za-z0-9_]+]]: (bool)(Tensor) = equal(x=%[[S]], y=1,
// CHECK-NEXT:        %[[C2:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = cond(pred=%[[P1]],
// CHECK-NEXT:          {{[A-Za-z0-9_]+}}_true() {
// CHECK-NEXT:            %[[T:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = tanh(x=%[[X]],
// CHECK-NEXT:          } -> (%[[T]])
// CHECK-NEXT:          {{[A-Za-z0-9_]+}}_false() {
// CHECK-NEXT:            %[[NEG:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = mul(x=%[[X]], y=-1.0,
// CHECK-NEXT:          } -> (%[[NEG]])
// CHECK-NEXT:      } -> (%[[C2]])
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<i32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.case"(%arg0) ({
    %1 = stablehlo.exponential %arg1 : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.tanh %arg1 : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }, {
    %1 = stablehlo.negate %arg1 : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }) : (tensor<i32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// dynamic_slice with a runtime start: the start is clamped into
// [0, 8 - 2] (maximum, minimum), joined with the constant start into a
// begin vector, and slice_by_size takes the slice sizes.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (8, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (1,int32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (int32)(Tensor) = reshape(x=%[[I]], shape=[],
// CHECK-NEXT:    %[[LO:[A-Za-z0-9_]+]]: (int32)(Tensor) = maximum(x=%[[S]], y=0,
// CHECK-NEXT:    %[[HI:[A-Za-z0-9_]+]]: (int32)(Tensor) = minimum(x=%[[LO]], y=6,
// CHECK-NEXT:    %[[V:[A-Za-z0-9_]+]]: (1,int32)(Tensor) = reshape(x=%[[HI]], shape=[1],
// CHECK-NEXT:    %[[B:[A-Za-z0-9_]+]]: (2,int32){{\^?}}(Tensor) = concat(values=(%[[V]], %{{[A-Za-z0-9_]+}}), axis=0,
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (2, 4, fp32)(Tensor) = slice_by_size(x=%[[X]], begin=%[[B]], size=[2, 4],
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<8x4xf32>, %arg1: tensor<i32>) -> tensor<2x4xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %0 = stablehlo.dynamic_slice %arg0, %arg1, %c0, sizes = [2, 4] : (tensor<8x4xf32>, tensor<i32>, tensor<i32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// dynamic_update_slice along the first dim: the clamped start plus
// [0, 1] are the rows a scatter (mode "update", axis 0) writes.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (8, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[U:[A-Za-z0-9_]+]]: (2, 4, fp32)(Tensor),
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (1,int32)(Tensor)) {
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (int32)(Tensor) = reshape(x=%[[I]], shape=[],
// CHECK-NEXT:    %[[LO:[A-Za-z0-9_]+]]: (int32)(Tensor) = maximum(x=%[[S]], y=0,
// CHECK-NEXT:    %[[HI:[A-Za-z0-9_]+]]: (int32)(Tensor) = minimum(x=%[[LO]], y=6,
// CHECK-NEXT:    %[[ROWS:[A-Za-z0-9_]+]]: (2,int32)(Tensor) = add(x=%[[HI]], y=[0, 1],
// CHECK-NEXT:    %[[OUT:[A-Za-z0-9_]+]]: (8, 4, fp32)(Tensor) = scatter(data=%[[X]], indices=%[[ROWS]], updates=%[[U]], axis=0, mode="update",
// CHECK-NEXT:  } -> (%[[OUT]])
func.func @main(%arg0: tensor<8x4xf32>, %arg1: tensor<2x4xf32>, %arg2: tensor<i32>) -> tensor<8x4xf32> {
  %c0 = stablehlo.constant dense<0> : tensor<i32>
  %0 = stablehlo.dynamic_update_slice %arg0, %arg1, %arg2, %c0 : (tensor<8x4xf32>, tensor<2x4xf32>, tensor<i32>, tensor<i32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// A rank-0 carry produced by a full reduction (a MIL scalar) enters the
// loop as a rank-0 tensor, the type the body's arithmetic on it yields:
// while_loop requires the loop variable to keep its type.
// CHECK-LABEL: main[CoreML7](
// CHECK:         %[[S:[A-Za-z0-9_]+]]: (fp32)(Scalar) = reduce_sum(
// CHECK-NEXT:    %[[T:[A-Za-z0-9_]+]]: (fp32)(Tensor) = reshape(x=%[[S]], shape=[],
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (fp32)(Tensor) = while_loop(loop_vars=(%[[T]]),
// CHECK:           %[[A:[A-Za-z0-9_]+]]: (fp32)(Tensor) = add(
// CHECK-NEXT:    } -> (%[[A]])
func.func @main(%x: tensor<3xf32>) -> tensor<f32> {
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %lim = stablehlo.constant dense<100.0> : tensor<f32>
  %k = stablehlo.constant dense<1.5> : tensor<f32>
  %s = stablehlo.reduce(%x init: %zero) applies stablehlo.add across dimensions = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32>
  %r = stablehlo.while(%v = %s) : tensor<f32>
  cond {
    %c = stablehlo.compare LT, %v, %lim, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %c : tensor<i1>
  } do {
    %m = stablehlo.multiply %v, %k : tensor<f32>
    %t = stablehlo.reduce(%x init: %zero) applies stablehlo.add across dimensions = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32>
    %n = stablehlo.add %m, %t : tensor<f32>
    stablehlo.return %n : tensor<f32>
  }
  return %r : tensor<f32>
}
