"""Ops JAX does not emit but StableHLO producers do, end to end against
StableHLO's reference interpreter (`stablehlo.eval_module`): `stablehlo.map`
with an elementwise body (hlo-coreml-inline-map), and `dynamic_pad`,
`dynamic_gather`, `dynamic_conv` whose size / padding operands are
constants (stablehlo-canonicalize-dynamism in hlo-coreml-prepare); the
refusals left (a map body that is not elementwise, runtime padding)."""

from __future__ import annotations

import numpy as np
import pytest

import hlo_coreml
from helpers import mil_op_types, run_saved


def reference(text: str, args) -> list[np.ndarray]:
    from hlo_coreml._mlir import ir, make_context, stablehlo

    with make_context():
        module = ir.Module.parse(text)
        main = module.body.operations[0]
        inputs = [ir.RankedTensorType(t) for t in main.type.inputs]
        attrs = [ir.DenseElementsAttr.get(np.ascontiguousarray(a), type=t) for a, t in zip(args, inputs)]
        outs = stablehlo.eval_module(module, attrs)
        types = [ir.RankedTensorType(t) for t in main.type.results]
        return [np.asarray(ir.DenseElementsAttr(o)).reshape(tuple(t.shape)) for o, t in zip(outs, types)]


def check(text: str, *args, tmp_path):
    expected = reference(text, args)
    path = str(tmp_path / "m.mlpackage")
    model = hlo_coreml.compile(text, compute_precision="fp32", output_path=path)
    got = run_saved(model, path, *args)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.reshape(e.shape), e, rtol=1e-6, atol=1e-6)
    return model


def f32(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


MAP = """func.func @main(%x: tensor<2x3x4xf32>, %y: tensor<2x3x4xf32>, %k: tensor<2x3x4xi32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xi32>) {
  %0 = "stablehlo.map"(%x, %y) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %c = stablehlo.constant dense<0.25> : tensor<f32>
    %m = stablehlo.multiply %a, %b : tensor<f32>
    %gt = stablehlo.compare GT, %m, %c : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %s = stablehlo.sine %a : tensor<f32>
    %r = stablehlo.select %gt, %m, %s : tensor<i1>, tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) {dimensions = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %1 = "stablehlo.map"(%k) ({
  ^bb0(%a: tensor<i32>):
    %three = stablehlo.constant dense<3> : tensor<i32>
    %m = stablehlo.multiply %a, %three : tensor<i32>
    %r = stablehlo.xor %m, %a : tensor<i32>
    stablehlo.return %r : tensor<i32>
  }) {dimensions = array<i64: 0, 1, 2>} : (tensor<2x3x4xi32>) -> tensor<2x3x4xi32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<2x3x4xi32>
}"""


def test_map_elementwise(tmp_path):
    k = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 7
    model = check(MAP, f32(2, 3, 4), f32(2, 3, 4, seed=1), k, tmp_path=tmp_path)
    assert {"sin", "select", "mul"} <= set(mil_op_types(model))


MAP_NOT_ELEMENTWISE = """func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.map"(%x) ({
  ^bb0(%a: tensor<f32>):
    %z = stablehlo.constant dense<0.0> : tensor<f32>
    %r = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [] : (tensor<f32>, tensor<f32>) -> tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) {dimensions = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}"""


def test_map_not_elementwise_refused():
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(MAP_NOT_ELEMENTWISE)
    message = str(info.value)
    assert "'stablehlo.map' is not supported by Core ML: it applies a body hlo-coreml-inline-map cannot inline" in message
    assert "(here: its body holds 'stablehlo.reduce', which has a region)" in message


DYNAMIC_PAD = """func.func @main(%x: tensor<3x4xf32>, %p: tensor<f32>) -> tensor<6x9xf32> {
  %lo = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %hi = stablehlo.constant dense<[2, 0]> : tensor<2xi32>
  %in = stablehlo.constant dense<[0, 1]> : tensor<2xi32>
  %0 = stablehlo.dynamic_pad %x, %p, %lo, %hi, %in : (tensor<3x4xf32>, tensor<f32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<6x9xf32>
  return %0 : tensor<6x9xf32>
}"""

DYNAMIC_GATHER = """func.func @main(%x: tensor<5x3xf32>, %i: tensor<4x1xi32>) -> tensor<4x2xf32> {
  %s = stablehlo.constant dense<[1, 2]> : tensor<2xi32>
  %0 = "stablehlo.dynamic_gather"(%x, %i, %s) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>}> : (tensor<5x3xf32>, tensor<4x1xi32>, tensor<2xi32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}"""

DYNAMIC_CONV = """func.func @main(%x: tensor<1x5x6x2xf32>, %w: tensor<3x3x2x4xf32>) -> tensor<1x5x7x4xf32> {
  %p = stablehlo.constant dense<[[1, 1], [2, 1]]> : tensor<2x2xi32>
  %0 = "stablehlo.dynamic_conv"(%x, %w, %p) <{dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, feature_group_count = 1 : i64, batch_group_count = 1 : i64}> : (tensor<1x5x6x2xf32>, tensor<3x3x2x4xf32>, tensor<2x2xi32>) -> tensor<1x5x7x4xf32>
  return %0 : tensor<1x5x7x4xf32>
}"""


def test_dynamic_pad_constant(tmp_path):
    check(DYNAMIC_PAD, f32(3, 4), np.float32(1.5), tmp_path=tmp_path)


def test_dynamic_gather_constant_sizes(tmp_path):
    # Rows 7 (and the window of 2 columns) are clamped into bounds, as gather does.
    check(DYNAMIC_GATHER, f32(5, 3), np.array([[0], [4], [2], [7]], np.int32), tmp_path=tmp_path)


def test_dynamic_conv_constant_padding(tmp_path):
    model = check(DYNAMIC_CONV, f32(1, 5, 6, 2), f32(3, 3, 2, 4, seed=1), tmp_path=tmp_path)
    assert "conv" in mil_op_types(model)


def test_dynamic_pad_runtime_padding_refused():
    text = """func.func @main(%x: tensor<4xf32>, %p: tensor<f32>, %lo: tensor<1xi32>) -> tensor<7xf32> {
      %hi = stablehlo.constant dense<2> : tensor<1xi32>
      %in = stablehlo.constant dense<0> : tensor<1xi32>
      %0 = stablehlo.dynamic_pad %x, %p, %lo, %hi, %in : (tensor<4xf32>, tensor<f32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<7xf32>
      return %0 : tensor<7xf32>
    }"""
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(text)
    assert "'stablehlo.dynamic_pad' is not supported by Core ML: it takes its padding amounts from values only known at run time" in str(info.value)
