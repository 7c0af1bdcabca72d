"""Integer convolution (hlo-coreml-legalize-int-conv) against JAX on CPU:
exact results for si8/si16/si32/ui8 (and si64 under x64), with padding,
strides, input and kernel dilation, feature and batch groups; operands
small enough for one float32 convolution and large ones split into limbs
(i32 over its full range wraps modulo 2**32 as XLA's does); kept in fp32 at
fp16 compute precision. Integers are compared exactly."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import check_against_jax, enable_x64, jax_reference, mil_op_types
from hlo_coreml.diagnostics import CompileError


def ints(dtype, *shape, seed=0, lo=None, hi=None):
    info = np.iinfo(dtype)
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return np.random.default_rng(seed).integers(lo, hi, size=shape, endpoint=True).astype(dtype)


def conv(x, w, **kw):
    return lax.conv_general_dilated(x, w, **kw)


FORMS = [
    ("1d_stride_pad", (2, 3, 17), (4, 3, 4), dict(window_strides=(2,), padding=((2, 1),))),
    ("2d_same", (1, 3, 7, 8), (5, 3, 3, 3), dict(window_strides=(1, 1), padding="SAME")),
    ("2d_negative_pad_rhs_dilation", (1, 2, 9, 9), (3, 2, 3, 3), dict(window_strides=(1, 1), padding=((-1, 2), (1, 0)), rhs_dilation=(2, 1))),
    ("2d_lhs_dilation", (1, 2, 5, 6), (3, 2, 3, 3), dict(window_strides=(1, 1), padding=((2, 2), (1, 2)), lhs_dilation=(2, 2))),
    ("2d_lhs_dilation_strided", (1, 2, 5, 6), (3, 2, 3, 3), dict(window_strides=(2, 1), padding=((1, 1), (1, 1)), lhs_dilation=(2, 2))),
    ("grouped", (2, 4, 6, 6), (6, 2, 3, 3), dict(window_strides=(1, 1), padding="SAME", feature_group_count=2)),
    ("depthwise", (1, 4, 8, 8), (4, 1, 3, 3), dict(window_strides=(2, 2), padding="SAME", feature_group_count=4)),
    ("batch_groups", (4, 3, 6, 6), (4, 3, 3, 3), dict(window_strides=(1, 1), padding="VALID", batch_group_count=2)),
    ("3d", (1, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict(window_strides=(1, 2, 1), padding="SAME")),
]


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.uint8])
@pytest.mark.parametrize("name,xs,ws,kw", FORMS, ids=[f[0] for f in FORMS])
def test_int_conv_forms(name, xs, ws, kw, dtype):
    # Full-range operands: for i16 and i32 the products leave 2**24 and
    # are split into limbs; the result (the operands' type) wraps.
    x, w = ints(dtype, *xs, seed=1), ints(dtype, *ws, seed=2)
    check_against_jax(lambda x, w: conv(x, w, **kw), x, w)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16])
def test_preferred_i32_accumulation(dtype):
    # lax's preferred_element_type: i8 x i8 -> i32 holds the exact sums
    # (quantized inference); K = 3 * 9 -> one f32 conv for 8 bits.
    x, w = ints(dtype, 2, 3, 8, 8, seed=3), ints(dtype, 4, 3, 3, 3, seed=4)
    fn = lambda x, w: conv(x, w, window_strides=(1, 1), padding="SAME", preferred_element_type=jnp.int32)  # noqa: E731
    model = check_against_jax(fn, x, w)
    convs = mil_op_types(model).count("conv")
    assert convs == 1 if dtype != np.int16 else convs > 1  # 2**15 * 2**15 * 27 > 2**24: limbs


def test_int8_many_terms_splits_into_limbs():
    # K = 160 * 9 = 1440 > 1032: 127 * 128 * K exceeds 2**24, so one f32
    # conv is not exact; limbs make it exact.
    x, w = ints(np.int8, 1, 160, 5, 5, seed=5), ints(np.int8, 2, 160, 3, 3, seed=6)
    fn = lambda x, w: conv(x, w, window_strides=(1, 1), padding="VALID", preferred_element_type=jnp.int32)  # noqa: E731
    [expected] = jax_reference(fn, x, w)
    assert np.abs(expected).max() > 2**17  # sums really are large
    model = check_against_jax(fn, x, w)
    assert mil_op_types(model).count("conv") > 1


def test_int32_constant_kernel_and_layout():
    x = ints(np.int32, 1, 6, 6, 3, seed=7)
    w = ints(np.int32, 3, 3, 3, 2, seed=8)
    fn = lambda x: conv(x, jnp.asarray(w), window_strides=(1, 1), padding="SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))  # noqa: E731
    check_against_jax(fn, x)


def test_int64_under_x64():
    with enable_x64():
        x = ints(np.int64, 1, 2, 6, 6, seed=9, lo=-1000, hi=1000)
        w = ints(np.int64, 3, 2, 3, 3, seed=10, lo=-1000, hi=1000)
        check_against_jax(lambda x, w: conv(x, w, window_strides=(1, 1), padding="SAME"), x, w)


def test_exact_at_fp16_compute_precision():
    # Partial sums up to ~2**23 need fp32 (fp16 holds integers to 2048):
    # the f32 convs stay fp32 at fp16 precision.
    x, w = ints(np.int16, 1, 3, 6, 6, seed=11), ints(np.int16, 2, 3, 3, 3, seed=12)
    fn = lambda x, w: conv(x, w, window_strides=(1, 1), padding="SAME", preferred_element_type=jnp.int32)  # noqa: E731
    check_against_jax(fn, x, w, precision="fp16")
    x8, w8 = ints(np.int8, 1, 8, 6, 6, seed=13), ints(np.int8, 2, 8, 3, 3, seed=14)
    check_against_jax(fn, x8, w8, precision="fp16")


def test_bool_convolution_refused():
    x = np.ones((1, 2, 4, 4), bool)
    w = np.ones((1, 2, 3, 3), bool)
    with pytest.raises(CompileError) as e:
        hlo_coreml.compile(lambda x, w: conv(x, w, window_strides=(1, 1), padding="VALID"), x, w)
    message = str(e.value)
    assert "'stablehlo.convolution' on boolean (i1) tensors is not supported" in message
    assert "test_int_conv.py" in message
