// RUN: hlo-coreml-opt %s --split-input-file --emit=mil | filecheck %s

// jnp.sort: argsort of the key along the sorted dim, then the operand
// gathered along that axis. Only sorted keys are returned, which do not
// depend on the order MIL gives equal keys: no tie fix-up.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (3, 5, fp32)(Tensor)) {
// CHECK-NEXT:    block{{[0-9]+}}() {
// CHECK-NEXT:      %[[O:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = argsort(x=%[[X]], axis=1, ascending=True,
// CHECK-NEXT:      %[[R:[A-Za-z0-9_]+]]: (3, 5, fp32)(Tensor) = gather_along_axis(x=%[[X]], indices=%[[O]], axis=1,
// CHECK-NEXT:    } -> (%[[R]])
func.func @main(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %0 = "stablehlo.sort"(%x) <{dimension = 1 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %c = stablehlo.compare LT, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %c : tensor<i1>
  }) : (tensor<3x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// argsort (descending, along dim 0): the iota operand sorted along is the
// (stable) argsort result itself. MIL does not document the order of equal
// keys, so the runs of equal sorted keys are numbered (cumsum of changes,
// NaN equal to NaN) and a second argsort of run * n + index, which has no
// ties, puts each run in index order.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (3, 5, fp32)(Tensor)) {
// CHECK:         %[[O:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = argsort(x=%[[X]], axis=0, ascending=False,
// CHECK-NEXT:    %[[K:[A-Za-z0-9_]+]]: (3, 5, fp32)(Tensor) = gather_along_axis(x=%[[X]], indices=%[[O]], axis=0,
// CHECK-NEXT:    %[[HI:[A-Za-z0-9_]+]]: (2, 5, fp32)(Tensor) = slice_by_index(x=%[[K]], begin=[1, 0], end=[3, 5],
// CHECK-NEXT:    %[[LO:[A-Za-z0-9_]+]]: (2, 5, fp32)(Tensor) = slice_by_index(x=%[[K]], begin=[0, 0], end=[2, 5],
// CHECK-NEXT:    not_equal(x=%[[HI]], y=%[[LO]],
// CHECK:         %[[RUNS:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = cumsum(x=%{{[A-Za-z0-9_]+}}, axis=0,
// CHECK-NEXT:    %[[M:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = mul(x=%[[RUNS]], y=3,
// CHECK-NEXT:    %[[T:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = add(x=%[[M]], y=%[[O]],
// CHECK-NEXT:    %[[W:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = argsort(x=%[[T]], axis=0, ascending=True,
// CHECK-NEXT:    %[[S:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = gather_along_axis(x=%[[O]], indices=%[[W]], axis=0,
// CHECK-NEXT:  } -> (%[[S]])
func.func @main(%x: tensor<3x5xf32>) -> tensor<3x5xi32> {
  %i = stablehlo.iota dim = 0 : tensor<3x5xi32>
  %0:2 = "stablehlo.sort"(%x, %i) <{dimension = 0 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<i32>, %d: tensor<i32>):
    %r = stablehlo.compare GT, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %r : tensor<i1>
  }) : (tensor<3x5xf32>, tensor<3x5xi32>) -> (tensor<3x5xf32>, tensor<3x5xi32>)
  return %0#1 : tensor<3x5xi32>
}

// -----

// A comparator with the block arguments swapped (compare LT rhs, lhs) sorts
// descending; an i1 payload travels through gather_along_axis as int32, in
// the stable order (the keys themselves come from the first gather).
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (4,fp32)(Tensor),
// CHECK:         %[[O:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = argsort(x=%[[X]], axis=0, ascending=False,
// CHECK-NEXT:    %[[R:[A-Za-z0-9_]+]]: (4,fp32)(Tensor) = gather_along_axis(x=%[[X]], indices=%[[O]], axis=0,
// CHECK:         %[[W:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = argsort(x=%{{[A-Za-z0-9_]+}}, axis=0, ascending=True,
// CHECK-NEXT:    %[[ST:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = gather_along_axis(x=%[[O]], indices=%[[W]], axis=0,
// CHECK-NEXT:    %[[C:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = cast(x=%{{[A-Za-z0-9_]+}}, dtype="int32",
// CHECK-NEXT:    %[[G:[A-Za-z0-9_]+]]: (4,int32)(Tensor) = gather_along_axis(x=%[[C]], indices=%[[ST]], axis=0,
// CHECK-NEXT:    %{{[A-Za-z0-9_]+}}: (4,bool)(Tensor) = cast(x=%[[G]], dtype="bool",
// CHECK:         } -> (%[[R]], %{{[A-Za-z0-9_]+}})
func.func @main(%x: tensor<4xf32>, %y: tensor<4xi1>) -> (tensor<4xf32>, tensor<4xi1>) {
  %0:2 = "stablehlo.sort"(%x, %y) <{dimension = 0 : i64, is_stable = true}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<i1>, %d: tensor<i1>):
    %r = stablehlo.compare LT, %b, %a : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %r : tensor<i1>
  }) : (tensor<4xf32>, tensor<4xi1>) -> (tensor<4xf32>, tensor<4xi1>)
  return %0#0, %0#1 : tensor<4xf32>, tensor<4xi1>
}

// -----

// lax.top_k, kept as the chlo.top_k composite: MIL topk does not document
// which of several equal values comes first (or is kept at the k-th place),
// so the first k of a stable descending sort (as above), then the values
// gathered at those indices.
// CHECK-LABEL: main[CoreML7](
// CHECK-SAME:    %[[X:[A-Za-z0-9_]+]]: (3, 5, fp32)(Tensor)) {
// CHECK:         argsort(x=%[[X]], axis=1, ascending=False,
// CHECK:         %[[ST:[A-Za-z0-9_]+]]: (3, 5, int32)(Tensor) = gather_along_axis(
// CHECK-NEXT:    %[[I:[A-Za-z0-9_]+]]: (3, 2, int32)(Tensor) = slice_by_size(x=%[[ST]], begin=[0, 0], size=[-1, 2],
// CHECK-NEXT:    %[[V:[A-Za-z0-9_]+]]: (3, 2, fp32)(Tensor) = gather_along_axis(x=%[[X]], indices=%[[I]], axis=1,
// CHECK-NOT:     topk(
func.func @main(%x: tensor<3x5xf32>) -> (tensor<3x2xf32>, tensor<3x2xi32>) {
  %0:2 = stablehlo.composite "chlo.top_k" %x {composite_attributes = {k = 2 : i64}, decomposition = @top_k_impl} : (tensor<3x5xf32>) -> (tensor<3x2xf32>, tensor<3x2xi32>)
  return %0#0, %0#1 : tensor<3x2xf32>, tensor<3x2xi32>
}
func.func private @top_k_impl(%x: tensor<3x5xf32>) -> (tensor<3x2xf32>, tensor<3x2xi32>) {
  %0:2 = chlo.top_k(%x, k = 2) : tensor<3x5xf32> -> (tensor<3x2xf32>, tensor<3x2xi32>)
  return %0#0, %0#1 : tensor<3x2xf32>, tensor<3x2xi32>
}
