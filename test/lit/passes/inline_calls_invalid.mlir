// RUN: hlo-coreml-opt %s --split-input-file --verify-diagnostics --hlo-coreml-inline-calls

// Direct recursion is refused (inlining it would never end).
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @f(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @f(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{cannot inline the recursive call of '@f'}}
  %0 = call @f(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Mutual recursion: every call on the cycle is reported.
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @even(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @even(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{cannot inline the recursive call of '@odd'}}
  %0 = call @odd(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @odd(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{cannot inline the recursive call of '@even'}}
  %0 = call @even(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A callee with several blocks.
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{cannot inline '@f': its body has several blocks}}
  %0 = call @f(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @f(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  cf.br ^bb1
^bb1:
  return %arg0 : tensor<4xf32>
}

// -----

// A callee that is only declared.
func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{cannot inline '@external': it is only declared}}
  %0 = call @external(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @external(%arg0: tensor<4xf32>) -> tensor<4xf32>
