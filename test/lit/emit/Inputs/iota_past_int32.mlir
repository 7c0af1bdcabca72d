// Input of size_limit.mlir: an iota one element past int32.

func.func @main() -> tensor<i32> {
  %0 = stablehlo.iota dim = 0 : tensor<2147483648xi32>
  %1 = stablehlo.constant dense<0> : tensor<i32>
  %2 = stablehlo.reduce(%0 init: %1) applies stablehlo.add across dimensions = [0] : (tensor<2147483648xi32>, tensor<i32>) -> tensor<i32>
  return %2 : tensor<i32>
}
