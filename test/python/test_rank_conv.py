"""Convolutions of rank > 5 (hlo-coreml-cap-rank, passes/cap_rank/conv.py):
4 and 5 spatial dims, any layout, strides, padding, input and kernel
dilation, feature and batch groups, window reversal; and vmap of 3-D
convolutions (rank-6 values around rank-5 convolutions) -> hlo_coreml.compile
-> the reference MIL interpreter (strict), compared with JAX on CPU or, for
window reversal (which JAX does not emit), `stablehlo.eval_module`.

Inputs and outputs of rank 6+ travel as rank-5 features; `hlo_coreml.run`
takes and returns the original shapes.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import jax_reference, max_rank_in_spec

RTOL, ATOL = 1e-4, 1e-4


def f32(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def check(fn, *args, rtol=RTOL, atol=ATOL):
    """Compile `fn` (fp32), run it with original-shaped inputs, compare
    with JAX; no value of rank > 5 in the saved program."""
    expected = jax_reference(fn, *args)
    model = hlo_coreml.compile(fn, *args, compute_precision="fp32")
    rank, where = max_rank_in_spec(model.get_spec())
    assert rank <= 5, (rank, where)
    names = [s.name for s in model.hlo_coreml_interface.inputs]
    outputs = hlo_coreml.run(model, dict(zip(names, args)), strict=True)
    got = [outputs[s.name] for s in model.hlo_coreml_interface.outputs]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.asarray(g).reshape(e.shape), e, rtol=rtol, atol=atol)
    return model


def conv_ops(model) -> int:
    return sum(op.op_type == "conv" for op in model._mil_program.functions["main"].operations)


# lax.ConvDimensionNumbers for 4 spatial dims: channels first / channels last.
NCHW4 = lax.ConvDimensionNumbers((0, 1, 2, 3, 4, 5), (0, 1, 2, 3, 4, 5), (0, 1, 2, 3, 4, 5))
NHWC4 = lax.ConvDimensionNumbers((0, 5, 1, 2, 3, 4), (5, 4, 0, 1, 2, 3), (0, 5, 1, 2, 3, 4))


def test_conv_4_spatial_dims_basic():
    x, w = f32(2, 3, 5, 4, 4, 3), f32(4, 3, 2, 3, 2, 2, seed=1)
    model = check(lambda x, w: lax.conv_general_dilated(x, w, (1, 1, 1, 1), "VALID"), x, w)
    assert conv_ops(model) == 2  # the peeled dim is one of kernel size 2


def test_conv_4_spatial_dims_unit_tap_is_one_conv():
    x, w = f32(2, 3, 5, 4, 4, 3), f32(4, 3, 2, 3, 1, 2, seed=1)
    model = check(lambda x, w: lax.conv_general_dilated(x, w, (1, 1, 1, 1), "SAME"), x, w)
    assert conv_ops(model) == 1


@pytest.mark.parametrize(
    "strides,padding,lhs_dilation,rhs_dilation",
    [
        ((2, 1, 1, 2), [(1, 0), (1, 1), (0, 0), (0, 1)], (1, 1, 1, 1), (1, 1, 1, 2)),
        ((1, 2, 1, 1), [(2, 1), (0, 0), (1, -1), (0, 0)], (2, 1, 1, 1), (1, 1, 1, 1)),
        ((3, 1, 1, 1), [(-1, 2), (1, 0), (0, 0), (1, 1)], (2, 2, 1, 1), (2, 1, 1, 1)),
    ],
    ids=["strided-padded", "lhs-dilated-cropped", "everything-on-the-peeled-dim"],
)
def test_conv_4_spatial_dims_window(strides, padding, lhs_dilation, rhs_dilation):
    x, w = f32(2, 3, 6, 5, 4, 4), f32(4, 3, 2, 3, 2, 2, seed=2)
    fn = lambda x, w: lax.conv_general_dilated(  # noqa: E731
        x, w, strides, padding, lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation
    )
    check(fn, x, w)


def test_conv_4_spatial_dims_channels_last_feature_groups():
    x, w = f32(2, 5, 4, 3, 4, 6), f32(2, 3, 2, 2, 2, 6, seed=3)
    fn = lambda x, w: lax.conv_general_dilated(  # noqa: E731
        x, w, (1, 1, 1, 1), "SAME", dimension_numbers=NHWC4, feature_group_count=3
    )
    check(fn, x, w)


def test_conv_4_spatial_dims_batch_groups():
    # batch_group_count: what jax.grad produces for the kernel of a grouped conv.
    x, w = f32(4, 2, 3, 3, 3, 4), f32(6, 2, 2, 2, 1, 2, seed=4)
    padding = [(0, 0), (0, 0), (1, 1), (0, 0)]
    fn = lambda x, w: lax.conv_general_dilated(x, w, (1, 1, 1, 1), padding, batch_group_count=2)  # noqa: E731
    check(fn, x, w)


def test_conv_4_spatial_dims_gradients():
    # The backward pass of a 4-D conv: lhs-dilated, window-flipped convs.
    x, w = f32(2, 2, 5, 4, 4, 3), f32(3, 2, 2, 3, 2, 2, seed=5)

    def loss(x, w):
        y = lax.conv_general_dilated(x, w, (2, 1, 1, 1), "SAME")
        return (y * y).sum()

    check(jax.grad(loss, argnums=(0, 1)), x, w, rtol=2e-4, atol=2e-3)


def test_conv_5_spatial_dims_rank_7():
    x, w = f32(1, 2, 3, 4, 3, 3, 4), f32(2, 2, 2, 2, 1, 2, 3, seed=6)
    check(lambda x, w: lax.conv_general_dilated(x, w, (1, 1, 1, 1, 1), "VALID"), x, w)


def test_vmap_of_3d_conv():
    # vmap over the input only (folded into the batch) and over input and
    # kernel (folded into feature groups): rank-6 values around rank-5 convs.
    x, w = f32(4, 2, 3, 5, 5, 5), f32(4, 6, 3, 3, 3, 3, seed=7)
    conv = lambda x, w: lax.conv(x, w, (1, 1, 1), "SAME")  # noqa: E731
    check(jax.vmap(conv), x, w)
    check(jax.vmap(conv, in_axes=(0, None)), x, w[0])


def test_vmap_of_4d_conv_rank_7():
    x, w = f32(2, 1, 2, 4, 3, 3, 3), f32(3, 2, 2, 1, 2, 2, seed=8)
    check(jax.vmap(lambda x: lax.conv_general_dilated(x, w, (1, 1, 1, 1), "SAME")), x)


REVERSED = """
func.func @main(%x: tensor<2x5x4x3x2x6xf32>, %w: tensor<2x2x2x2x2x3xf32>) -> tensor<2x9x3x2x1x3xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, 2, 3, f]x[0, 1, 2, 3, i, o]->[b, 0, 1, 2, 3, f], window = {stride = [1, 1, 1, 1], pad = [[0, 1], [0, 0], [0, 0], [0, 0]], lhs_dilate = [2, 1, 1, 1], rhs_dilate = [1, 1, 1, 1], reverse = [true, false, true, false]} {batch_group_count = 1 : i64, feature_group_count = 3 : i64} : (tensor<2x5x4x3x2x6xf32>, tensor<2x2x2x2x2x3xf32>) -> tensor<2x9x3x2x1x3xf32>
  return %0 : tensor<2x9x3x2x1x3xf32>
}
"""


def test_window_reversal_against_stablehlo_eval_module():
    from hlo_coreml._mlir import ir, make_context, stablehlo

    x, w = f32(2, 5, 4, 3, 2, 6, seed=9), f32(2, 2, 2, 2, 2, 3, seed=10)
    with make_context():
        module = ir.Module.parse(REVERSED)
        results = stablehlo.eval_module(module, [ir.DenseElementsAttr.get(a) for a in (x, w)])
        (expected,) = [np.array(a) for a in results]
    model = hlo_coreml.compile(REVERSED, compute_precision="fp32")
    names = [s.name for s in model.hlo_coreml_interface.inputs]
    [out] = [s.name for s in model.hlo_coreml_interface.outputs]
    got = hlo_coreml.run(model, dict(zip(names, (x, w))), strict=True)[out]
    np.testing.assert_allclose(np.asarray(got).reshape(expected.shape), expected, rtol=RTOL, atol=ATOL)
