// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops | filecheck %s
// RUN: hlo-coreml-opt %s --split-input-file --hlo-coreml-raise-fused-ops=target=iOS18 | filecheck %s --check-prefix=IOS18

// Attention as Flax 0.12 (nn.MultiHeadDotProductAttention(num_heads=2,
// qkv_features=8), without and with nn.make_causal_mask) and Equinox 0.13
// (vmap of nn.MultiheadAttention(num_heads=2, query_size=8)) emit it, with
// the parameters as arguments. Below iOS18 (the default target, iOS17) only
// the softmax is raised; from iOS18 on the whole of
// softmax(q k^T / sqrt(E) [masked]) v becomes one
// coreml.scaled_dot_product_attention(query, key, value[, mask]): Flax's
// query scaling (q / sqrt(E)) is dropped since SDPA applies it, and the
// causal select(mask, s, -max_float) becomes the i1 mask operand.

// CHECK-LABEL: func.func @flax_attention(
// CHECK:      stablehlo.composite "coreml.softmax" %{{[0-9]+}} {composite_attributes = {axis = 3 : i64}, decomposition = @coreml.softmax.impl} : (tensor<2x2x3x3xf32>) -> tensor<2x2x3x3xf32>
// CHECK-NOT:  stablehlo.exponential
// CHECK:      return
// CHECK:      func.func private @coreml.softmax.impl(
// IOS18-LABEL: func.func @flax_attention(
// IOS18-NOT:  stablehlo.divide
// IOS18-NOT:  batching_dims
// IOS18:      stablehlo.composite "coreml.scaled_dot_product_attention" %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} {decomposition = @coreml.scaled_dot_product_attention.impl} : (tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>) -> tensor<2x2x3x4xf32>
// IOS18-NOT:  stablehlo.exponential
// IOS18-NOT:  stablehlo.divide
// IOS18-NOT:  batching_dims
// IOS18:      return
// IOS18:      func.func private @coreml.scaled_dot_product_attention.impl(
func.func @flax_attention(%arg0: tensor<2x3x8xf32>, %arg1: tensor<2x4xf32>, %arg2: tensor<8x2x4xf32>, %arg3: tensor<8xf32>, %arg4: tensor<2x4x8xf32>, %arg5: tensor<2x4xf32>, %arg6: tensor<8x2x4xf32>, %arg7: tensor<2x4xf32>, %arg8: tensor<8x2x4xf32>) -> (tensor<2x3x8xf32>) {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %cst_1 = stablehlo.constant dense<4.000000e+00> : tensor<f32>
  %0 = stablehlo.reshape %arg6 : (tensor<8x2x4xf32>) -> tensor<8x8xf32>
  %1 = stablehlo.dot_general %arg0, %0, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %2 = stablehlo.reshape %1 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %3 = stablehlo.reshape %arg5 : (tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
  %4 = stablehlo.broadcast_in_dim %3, dims = [0, 1, 2, 3] : (tensor<1x1x2x4xf32>) -> tensor<2x3x2x4xf32>
  %5 = stablehlo.add %2, %4 : tensor<2x3x2x4xf32>
  %6 = stablehlo.reshape %arg2 : (tensor<8x2x4xf32>) -> tensor<8x8xf32>
  %7 = stablehlo.dot_general %arg0, %6, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %8 = stablehlo.reshape %7 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %9 = stablehlo.reshape %arg1 : (tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
  %10 = stablehlo.broadcast_in_dim %9, dims = [0, 1, 2, 3] : (tensor<1x1x2x4xf32>) -> tensor<2x3x2x4xf32>
  %11 = stablehlo.add %8, %10 : tensor<2x3x2x4xf32>
  %12 = stablehlo.reshape %arg8 : (tensor<8x2x4xf32>) -> tensor<8x8xf32>
  %13 = stablehlo.dot_general %arg0, %12, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %14 = stablehlo.reshape %13 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %15 = stablehlo.reshape %arg7 : (tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
  %16 = stablehlo.broadcast_in_dim %15, dims = [0, 1, 2, 3] : (tensor<1x1x2x4xf32>) -> tensor<2x3x2x4xf32>
  %17 = stablehlo.add %14, %16 : tensor<2x3x2x4xf32>
  %18 = stablehlo.sqrt %cst_1 : tensor<f32>
  %19 = stablehlo.convert %18 : tensor<f32>
  %20 = stablehlo.broadcast_in_dim %19, dims = [] : (tensor<f32>) -> tensor<2x3x2x4xf32>
  %21 = stablehlo.divide %5, %20 : tensor<2x3x2x4xf32>
  %22 = stablehlo.transpose %21, dims = [0, 2, 1, 3] : (tensor<2x3x2x4xf32>) -> tensor<2x2x3x4xf32>
  %23 = stablehlo.transpose %11, dims = [0, 2, 3, 1] : (tensor<2x3x2x4xf32>) -> tensor<2x2x4x3xf32>
  %24 = stablehlo.dot_general %22, %23, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x2x3x4xf32>, tensor<2x2x4x3xf32>) -> tensor<2x2x3x3xf32>
  %25 = stablehlo.reduce(%24 init: %cst_0) applies stablehlo.maximum across dimensions = [3] : (tensor<2x2x3x3xf32>, tensor<f32>) -> tensor<2x2x3xf32>
  %26 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x2x3xf32>
  %27 = stablehlo.maximum %26, %25 : tensor<2x2x3xf32>
  %28 = stablehlo.broadcast_in_dim %27, dims = [0, 1, 2] : (tensor<2x2x3xf32>) -> tensor<2x2x3x1xf32>
  %29 = stablehlo.broadcast_in_dim %28, dims = [0, 1, 2, 3] : (tensor<2x2x3x1xf32>) -> tensor<2x2x3x3xf32>
  %30 = stablehlo.subtract %24, %29 : tensor<2x2x3x3xf32>
  %31 = stablehlo.exponential %30 : tensor<2x2x3x3xf32>
  %32 = stablehlo.reduce(%31 init: %cst) applies stablehlo.add across dimensions = [3] : (tensor<2x2x3x3xf32>, tensor<f32>) -> tensor<2x2x3xf32>
  %33 = stablehlo.broadcast_in_dim %32, dims = [0, 1, 2] : (tensor<2x2x3xf32>) -> tensor<2x2x3x1xf32>
  %34 = stablehlo.broadcast_in_dim %33, dims = [0, 1, 2, 3] : (tensor<2x2x3x1xf32>) -> tensor<2x2x3x3xf32>
  %35 = stablehlo.divide %31, %34 : tensor<2x2x3x3xf32>
  %36 = stablehlo.transpose %17, dims = [0, 2, 1, 3] : (tensor<2x3x2x4xf32>) -> tensor<2x2x3x4xf32>
  %37 = stablehlo.dot_general %35, %36, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x2x3x3xf32>, tensor<2x2x3x4xf32>) -> tensor<2x2x3x4xf32>
  %38 = stablehlo.transpose %37, dims = [0, 2, 1, 3] : (tensor<2x2x3x4xf32>) -> tensor<2x3x2x4xf32>
  %39 = stablehlo.reshape %38 : (tensor<2x3x2x4xf32>) -> tensor<2x3x8xf32>
  %40 = stablehlo.reshape %arg4 : (tensor<2x4x8xf32>) -> tensor<8x8xf32>
  %41 = stablehlo.dot_general %39, %40, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %42 = stablehlo.reshape %arg3 : (tensor<8xf32>) -> tensor<1x1x8xf32>
  %43 = stablehlo.broadcast_in_dim %42, dims = [0, 1, 2] : (tensor<1x1x8xf32>) -> tensor<2x3x8xf32>
  %44 = stablehlo.add %41, %43 : tensor<2x3x8xf32>
  return %44 : tensor<2x3x8xf32>
}

// -----

// CHECK-LABEL: func.func @flax_attention_causal(
// CHECK:      stablehlo.composite "coreml.softmax" %{{[0-9]+}} {composite_attributes = {axis = 3 : i64}, decomposition = @coreml.softmax.impl} : (tensor<2x2x3x3xf32>) -> tensor<2x2x3x3xf32>
// CHECK-NOT:  stablehlo.exponential
// CHECK:      return
// CHECK:      func.func private @coreml.softmax.impl(
// IOS18-LABEL: func.func @flax_attention_causal(
// IOS18-NOT:  stablehlo.divide
// IOS18-NOT:  batching_dims
// IOS18:      stablehlo.composite "coreml.scaled_dot_product_attention" %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} {decomposition = @coreml.scaled_dot_product_attention.impl} : (tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x3xi1>) -> tensor<2x2x3x4xf32>
// IOS18-NOT:  stablehlo.exponential
// IOS18-NOT:  stablehlo.divide
// IOS18-NOT:  batching_dims
// IOS18:      return
// IOS18:      func.func private @coreml.scaled_dot_product_attention.impl(
func.func @flax_attention_causal(%arg0: tensor<2x3x8xf32>, %arg1: tensor<2x4xf32>, %arg2: tensor<8x2x4xf32>, %arg3: tensor<8xf32>, %arg4: tensor<2x4x8xf32>, %arg5: tensor<2x4xf32>, %arg6: tensor<8x2x4xf32>, %arg7: tensor<2x4xf32>, %arg8: tensor<8x2x4xf32>) -> (tensor<2x3x8xf32>) {
  %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %cst_0 = stablehlo.constant dense<-3.40282347E+38> : tensor<f32>
  %cst_1 = stablehlo.constant dense<4.000000e+00> : tensor<f32>
  %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %c = stablehlo.constant dense<[[[true, false, false], [true, true, false], [true, true, true]], [[true, false, false], [true, true, false], [true, true, true]]]> : tensor<2x3x3xi1>
  %0 = stablehlo.broadcast_in_dim %c, dims = [0, 2, 3] : (tensor<2x3x3xi1>) -> tensor<2x1x3x3xi1>
  %1 = stablehlo.convert %0 : (tensor<2x1x3x3xi1>) -> tensor<2x1x3x3xf32>
  %2 = stablehlo.reshape %arg6 : (tensor<8x2x4xf32>) -> tensor<8x8xf32>
  %3 = stablehlo.dot_general %arg0, %2, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %4 = stablehlo.reshape %3 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %5 = stablehlo.reshape %arg5 : (tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
  %6 = stablehlo.broadcast_in_dim %5, dims = [0, 1, 2, 3] : (tensor<1x1x2x4xf32>) -> tensor<2x3x2x4xf32>
  %7 = stablehlo.add %4, %6 : tensor<2x3x2x4xf32>
  %8 = stablehlo.reshape %arg2 : (tensor<8x2x4xf32>) -> tensor<8x8xf32>
  %9 = stablehlo.dot_general %arg0, %8, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %10 = stablehlo.reshape %9 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %11 = stablehlo.reshape %arg1 : (tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
  %12 = stablehlo.broadcast_in_dim %11, dims = [0, 1, 2, 3] : (tensor<1x1x2x4xf32>) -> tensor<2x3x2x4xf32>
  %13 = stablehlo.add %10, %12 : tensor<2x3x2x4xf32>
  %14 = stablehlo.reshape %arg8 : (tensor<8x2x4xf32>) -> tensor<8x8xf32>
  %15 = stablehlo.dot_general %arg0, %14, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %16 = stablehlo.reshape %15 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %17 = stablehlo.reshape %arg7 : (tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
  %18 = stablehlo.broadcast_in_dim %17, dims = [0, 1, 2, 3] : (tensor<1x1x2x4xf32>) -> tensor<2x3x2x4xf32>
  %19 = stablehlo.add %16, %18 : tensor<2x3x2x4xf32>
  %20 = stablehlo.sqrt %cst_1 : tensor<f32>
  %21 = stablehlo.convert %20 : tensor<f32>
  %22 = stablehlo.broadcast_in_dim %21, dims = [] : (tensor<f32>) -> tensor<2x3x2x4xf32>
  %23 = stablehlo.divide %7, %22 : tensor<2x3x2x4xf32>
  %24 = stablehlo.transpose %23, dims = [0, 2, 1, 3] : (tensor<2x3x2x4xf32>) -> tensor<2x2x3x4xf32>
  %25 = stablehlo.transpose %13, dims = [0, 2, 3, 1] : (tensor<2x3x2x4xf32>) -> tensor<2x2x4x3xf32>
  %26 = stablehlo.dot_general %24, %25, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x2x3x4xf32>, tensor<2x2x4x3xf32>) -> tensor<2x2x3x3xf32>
  %27 = stablehlo.broadcast_in_dim %cst_2, dims = [] : (tensor<f32>) -> tensor<2x1x3x3xf32>
  %28 = stablehlo.compare NE, %1, %27, FLOAT : (tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>) -> tensor<2x1x3x3xi1>
  %29 = stablehlo.broadcast_in_dim %28, dims = [0, 1, 2, 3] : (tensor<2x1x3x3xi1>) -> tensor<2x2x3x3xi1>
  %30 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x2x3x3xf32>
  %31 = stablehlo.select %29, %26, %30 : tensor<2x2x3x3xi1>, tensor<2x2x3x3xf32>
  %32 = stablehlo.reduce(%31 init: %cst) applies stablehlo.maximum across dimensions = [3] : (tensor<2x2x3x3xf32>, tensor<f32>) -> tensor<2x2x3xf32>
  %33 = stablehlo.broadcast_in_dim %cst, dims = [] : (tensor<f32>) -> tensor<2x2x3xf32>
  %34 = stablehlo.maximum %33, %32 : tensor<2x2x3xf32>
  %35 = stablehlo.broadcast_in_dim %34, dims = [0, 1, 2] : (tensor<2x2x3xf32>) -> tensor<2x2x3x1xf32>
  %36 = stablehlo.broadcast_in_dim %35, dims = [0, 1, 2, 3] : (tensor<2x2x3x1xf32>) -> tensor<2x2x3x3xf32>
  %37 = stablehlo.subtract %31, %36 : tensor<2x2x3x3xf32>
  %38 = stablehlo.exponential %37 : tensor<2x2x3x3xf32>
  %39 = stablehlo.reduce(%38 init: %cst_2) applies stablehlo.add across dimensions = [3] : (tensor<2x2x3x3xf32>, tensor<f32>) -> tensor<2x2x3xf32>
  %40 = stablehlo.broadcast_in_dim %39, dims = [0, 1, 2] : (tensor<2x2x3xf32>) -> tensor<2x2x3x1xf32>
  %41 = stablehlo.broadcast_in_dim %40, dims = [0, 1, 2, 3] : (tensor<2x2x3x1xf32>) -> tensor<2x2x3x3xf32>
  %42 = stablehlo.divide %38, %41 : tensor<2x2x3x3xf32>
  %43 = stablehlo.transpose %19, dims = [0, 2, 1, 3] : (tensor<2x3x2x4xf32>) -> tensor<2x2x3x4xf32>
  %44 = stablehlo.dot_general %42, %43, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x2x3x3xf32>, tensor<2x2x3x4xf32>) -> tensor<2x2x3x4xf32>
  %45 = stablehlo.transpose %44, dims = [0, 2, 1, 3] : (tensor<2x2x3x4xf32>) -> tensor<2x3x2x4xf32>
  %46 = stablehlo.reshape %45 : (tensor<2x3x2x4xf32>) -> tensor<2x3x8xf32>
  %47 = stablehlo.reshape %arg4 : (tensor<2x4x8xf32>) -> tensor<8x8xf32>
  %48 = stablehlo.dot_general %46, %47, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %49 = stablehlo.reshape %arg3 : (tensor<8xf32>) -> tensor<1x1x8xf32>
  %50 = stablehlo.broadcast_in_dim %49, dims = [0, 1, 2] : (tensor<1x1x8xf32>) -> tensor<2x3x8xf32>
  %51 = stablehlo.add %48, %50 : tensor<2x3x8xf32>
  return %51 : tensor<2x3x8xf32>
}

// -----

// CHECK-LABEL: func.func @equinox_attention(
// CHECK:      stablehlo.composite "coreml.softmax" %{{[0-9]+}} {composite_attributes = {axis = 3 : i64}, decomposition = @coreml.softmax.impl} : (tensor<2x2x3x3xf32>) -> tensor<2x2x3x3xf32>
// CHECK-NOT:  stablehlo.exponential
// CHECK:      return
// CHECK:      func.func private @coreml.softmax.impl(
// IOS18-LABEL: func.func @equinox_attention(
// IOS18-NOT:  stablehlo.divide
// IOS18-NOT:  batching_dims
// IOS18:      stablehlo.composite "coreml.scaled_dot_product_attention" %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} {decomposition = @coreml.scaled_dot_product_attention.impl} : (tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>) -> tensor<2x2x3x4xf32>
// IOS18-NOT:  stablehlo.exponential
// IOS18-NOT:  stablehlo.divide
// IOS18-NOT:  batching_dims
// IOS18:      return
// IOS18:      func.func private @coreml.scaled_dot_product_attention.impl(
func.func @equinox_attention(%arg0: tensor<2x3x8xf32>, %arg1: tensor<8x8xf32>, %arg2: tensor<8x8xf32>, %arg3: tensor<8x8xf32>, %arg4: tensor<8x8xf32>) -> (tensor<2x3x8xf32>) {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %cst_1 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
  %0 = stablehlo.transpose %arg1, dims = [1, 0] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %1 = stablehlo.dot_general %arg0, %0, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %2 = stablehlo.reshape %1 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %3 = stablehlo.transpose %arg2, dims = [1, 0] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %4 = stablehlo.dot_general %arg0, %3, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %5 = stablehlo.reshape %4 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %6 = stablehlo.transpose %arg3, dims = [1, 0] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %7 = stablehlo.dot_general %arg0, %6, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  %8 = stablehlo.reshape %7 : (tensor<2x3x8xf32>) -> tensor<2x3x2x4xf32>
  %9 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x3x2x4xf32>
  %10 = stablehlo.divide %2, %9 : tensor<2x3x2x4xf32>
  %11 = stablehlo.transpose %10, dims = [0, 2, 1, 3] : (tensor<2x3x2x4xf32>) -> tensor<2x2x3x4xf32>
  %12 = stablehlo.transpose %5, dims = [0, 2, 3, 1] : (tensor<2x3x2x4xf32>) -> tensor<2x2x4x3xf32>
  %13 = stablehlo.dot_general %11, %12, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x2x3x4xf32>, tensor<2x2x4x3xf32>) -> tensor<2x2x3x3xf32>
  %14 = stablehlo.reduce(%13 init: %cst_0) applies stablehlo.maximum across dimensions = [3] : (tensor<2x2x3x3xf32>, tensor<f32>) -> tensor<2x2x3xf32>
  %15 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x2x3xf32>
  %16 = stablehlo.maximum %15, %14 : tensor<2x2x3xf32>
  %17 = stablehlo.broadcast_in_dim %16, dims = [0, 1, 2] : (tensor<2x2x3xf32>) -> tensor<2x2x3x1xf32>
  %18 = stablehlo.broadcast_in_dim %17, dims = [0, 1, 2, 3] : (tensor<2x2x3x1xf32>) -> tensor<2x2x3x3xf32>
  %19 = stablehlo.subtract %13, %18 : tensor<2x2x3x3xf32>
  %20 = stablehlo.exponential %19 : tensor<2x2x3x3xf32>
  %21 = stablehlo.reduce(%20 init: %cst) applies stablehlo.add across dimensions = [3] : (tensor<2x2x3x3xf32>, tensor<f32>) -> tensor<2x2x3xf32>
  %22 = stablehlo.broadcast_in_dim %21, dims = [0, 1, 2] : (tensor<2x2x3xf32>) -> tensor<2x2x3x1xf32>
  %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3] : (tensor<2x2x3x1xf32>) -> tensor<2x2x3x3xf32>
  %24 = stablehlo.divide %20, %23 : tensor<2x2x3x3xf32>
  %25 = stablehlo.transpose %8, dims = [0, 2, 1, 3] : (tensor<2x3x2x4xf32>) -> tensor<2x2x3x4xf32>
  %26 = stablehlo.dot_general %24, %25, batching_dims = [0, 1] x [0, 1], contracting_dims = [3] x [2] : (tensor<2x2x3x3xf32>, tensor<2x2x3x4xf32>) -> tensor<2x2x3x4xf32>
  %27 = stablehlo.transpose %26, dims = [0, 2, 1, 3] : (tensor<2x2x3x4xf32>) -> tensor<2x3x2x4xf32>
  %28 = stablehlo.reshape %27 : (tensor<2x3x2x4xf32>) -> tensor<2x3x8xf32>
  %29 = stablehlo.transpose %arg4, dims = [1, 0] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %30 = stablehlo.dot_general %28, %29, contracting_dims = [2] x [0] : (tensor<2x3x8xf32>, tensor<8x8xf32>) -> tensor<2x3x8xf32>
  return %30 : tensor<2x3x8xf32>
}


// -----

// GPT-2 in the zoo (jnp: q @ k.T * (1/sqrt(E)), jnp.where(causal, att, -1e4),
// softmax, @ v): dot-general-to-matmul merged the unit batch dim, so the
// scores come through a broadcast_in_dim and the probabilities through a
// reshape. A fill of -1e4 or less counts as masked out when the mask is a
// constant keeping a key in every row (SDPA's -inf and the finite fill only
// differ on rows with none); the [1, 2, 3, 3] mask is reshaped to the
// matmuls' [2, 3, 3].
// CHECK-LABEL: func.func @gpt2_attention(
// CHECK:       stablehlo.composite "coreml.softmax"
// IOS18-LABEL: func.func @gpt2_attention(
// IOS18:       %[[C:.*]] = stablehlo.constant dense<{{\[\[}}true, false, false], [true, true, false], [true, true, true]]> : tensor<3x3xi1>
// IOS18:       %[[M:.*]] = stablehlo.broadcast_in_dim %[[C]], dims = [2, 3] : (tensor<3x3xi1>) -> tensor<1x2x3x3xi1>
// IOS18:       %[[K:.*]] = stablehlo.transpose %arg1, dims = [0, 2, 1]
// IOS18:       %[[MR:.*]] = stablehlo.reshape %[[M]] : (tensor<1x2x3x3xi1>) -> tensor<2x3x3xi1>
// IOS18-NEXT:  %[[O:.*]] = stablehlo.composite "coreml.scaled_dot_product_attention" %arg0, %[[K]], %arg2, %[[MR]] {decomposition = @coreml.scaled_dot_product_attention.impl}
// IOS18-NEXT:  return %[[O]]
func.func @gpt2_attention(%q: tensor<2x3x4xf32>, %kt: tensor<2x4x3xf32>, %v: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %mask = stablehlo.constant dense<[[true, false, false], [true, true, false], [true, true, true]]> : tensor<3x3xi1>
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %scale = stablehlo.constant dense<5.000000e-01> : tensor<f32>
  %fill = stablehlo.constant dense<-1.000000e+04> : tensor<f32>
  %s = stablehlo.dot_general %q, %kt, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  %s4 = stablehlo.broadcast_in_dim %s, dims = [1, 2, 3] : (tensor<2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %c = stablehlo.broadcast_in_dim %scale, dims = [] : (tensor<f32>) -> tensor<1x2x3x3xf32>
  %ss = stablehlo.multiply %s4, %c : tensor<1x2x3x3xf32>
  %m = stablehlo.broadcast_in_dim %mask, dims = [2, 3] : (tensor<3x3xi1>) -> tensor<1x2x3x3xi1>
  %f = stablehlo.broadcast_in_dim %fill, dims = [] : (tensor<f32>) -> tensor<1x2x3x3xf32>
  %a = stablehlo.select %m, %ss, %f : tensor<1x2x3x3xi1>, tensor<1x2x3x3xf32>
  %0 = stablehlo.reduce(%a init: %cst_0) applies stablehlo.maximum across dimensions = [3] : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [0, 1, 2] : (tensor<1x2x3xf32>) -> tensor<1x2x3x3xf32>
  %2 = stablehlo.subtract %a, %1 : tensor<1x2x3x3xf32>
  %3 = stablehlo.exponential %2 : tensor<1x2x3x3xf32>
  %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [3] : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3xf32>
  %5 = stablehlo.broadcast_in_dim %4, dims = [0, 1, 2] : (tensor<1x2x3xf32>) -> tensor<1x2x3x3xf32>
  %p = stablehlo.divide %3, %5 : tensor<1x2x3x3xf32>
  %p3 = stablehlo.reshape %p : (tensor<1x2x3x3xf32>) -> tensor<2x3x3xf32>
  %o = stablehlo.dot_general %p3, %v, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x3xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %o : tensor<2x3x4xf32>
}

// -----

// A padding mask that is an argument, with a finite fill: a row could lose
// every key, where SDPA (NaN) and the program (uniform weights) differ, so
// only the softmax is raised.
// IOS18-LABEL: func.func @attention_runtime_mask_finite_fill(
// IOS18:       stablehlo.composite "coreml.softmax"
// IOS18-NOT:   coreml.scaled_dot_product_attention
// IOS18:       return
// CHECK-LABEL: func.func @attention_runtime_mask_finite_fill(
func.func @attention_runtime_mask_finite_fill(%q: tensor<2x3x4xf32>, %kt: tensor<2x4x3xf32>, %v: tensor<2x3x4xf32>, %m: tensor<2x3x3xi1>) -> tensor<2x3x4xf32> {
  %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
  %cst_0 = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %fill = stablehlo.constant dense<-3.40282347E+38> : tensor<2x3x3xf32>
  %s = stablehlo.dot_general %q, %kt, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  %a = stablehlo.select %m, %s, %fill : tensor<2x3x3xi1>, tensor<2x3x3xf32>
  %0 = stablehlo.reduce(%a init: %cst_0) applies stablehlo.maximum across dimensions = [2] : (tensor<2x3x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = stablehlo.broadcast_in_dim %0, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3x3xf32>
  %2 = stablehlo.subtract %a, %1 : tensor<2x3x3xf32>
  %3 = stablehlo.exponential %2 : tensor<2x3x3xf32>
  %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [2] : (tensor<2x3x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = stablehlo.broadcast_in_dim %4, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3x3xf32>
  %p = stablehlo.divide %3, %5 : tensor<2x3x3xf32>
  %o = stablehlo.dot_general %p, %v, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<2x3x3xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %o : tensor<2x3x4xf32>
}
