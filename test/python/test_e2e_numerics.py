"""End-to-end numerics: JAX function -> hlo_coreml.compile -> saved
.mlpackage -> reference MIL interpreter, compared with JAX on CPU.

Every case is compiled with compute_precision fp32 and compared with
rtol 1e-5 (helpers.FP32_RTOL) unless it says otherwise; a few cases at the
end run at the default fp16 precision with helpers.FP16_RTOL / FP16_ATOL.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import FP32_RTOL, check_against_jax, enable_x64, mil_op_types


def rng(seed=0):
    return np.random.default_rng(seed)


def f32(*shape, lo=-2.0, hi=2.0, seed=0):
    return rng(seed).uniform(lo, hi, size=shape).astype(np.float32)


def i32(*shape, lo=-20, hi=20, seed=0):
    return rng(seed).integers(lo, hi, size=shape).astype(np.int32)


def bools(*shape, seed=0):
    return rng(seed).integers(0, 2, size=shape).astype(bool)


# Values around zero that make log1p/expm1 lose all accuracy when computed
# as log(1 + x) / exp(x) - 1 in fp32.
TINY = np.array(
    [0.0, 1e-30, -1e-30, 1e-12, -1e-12, 1e-8, -1e-8, 3e-7, -3e-7, 1e-5, -1e-5, 1e-3, 0.25, -0.5, 1.5, 7.0],
    dtype=np.float32,
)
# Exact ties for round-half-to-even, plus ordinary values.
TIES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5, 0.49, -0.51, 2.4999, 7.0, -0.0, 100.5], np.float32)


# -- elementwise unary -------------------------------------------------------

UNARY = [
    ("exp", jnp.exp, f32(4, 5, lo=-4, hi=4)),
    ("log", jnp.log, f32(4, 5, lo=0.05, hi=20)),
    ("sqrt", jnp.sqrt, f32(4, 5, lo=0.0, hi=9)),
    ("rsqrt", lax.rsqrt, f32(4, 5, lo=0.05, hi=9)),
    ("tanh", jnp.tanh, f32(4, 5, lo=-5, hi=5)),
    ("logistic", lax.logistic, f32(4, 5, lo=-8, hi=8)),
    ("sigmoid", jax.nn.sigmoid, f32(4, 5, lo=-8, hi=8)),
    ("sin", jnp.sin, f32(4, 5, lo=-3, hi=3)),
    ("cos", jnp.cos, f32(4, 5, lo=-3, hi=3)),
    ("floor", jnp.floor, f32(4, 5, lo=-5, hi=5)),
    ("ceil", jnp.ceil, f32(4, 5, lo=-5, hi=5)),
    ("sign", jnp.sign, np.array([[-2.0, -0.0, 0.0, 3.0, 1e-30, -7.5]], np.float32)),
    ("abs", jnp.abs, f32(4, 5)),
    ("negate", lambda x: -x, f32(4, 5)),
    ("round_half_even", jnp.round, TIES),
    ("round_half_away", lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO), TIES),
    ("erf_scipy", jax.scipy.special.erf, f32(4, 5, lo=-3, hi=3)),
    ("erf_lax", lax.erf, f32(6, lo=-1, hi=1)),
    ("square", jnp.square, f32(4, 5)),
    ("reciprocal", jnp.reciprocal, f32(4, 5, lo=0.5, hi=3)),
]


@pytest.mark.parametrize("name,fn,x", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, fn, x):
    check_against_jax(fn, x)


# Hard cases for rounding, compared exactly: the float just below 0.5,
# odd integers beyond 2**23 (where x + 0.5 is not representable), ties.
HARD_ROUNDING = np.array(
    [0.49999997, -0.49999997, 1.4999999, 8388609.0, -8388609.0, 16777215.0, 2.5, -2.5, 0.5, -0.5, 3.5,
     np.inf, -np.inf, 1e30, -1e-30, 0.0],
    np.float32,
)
ROUNDINGS = [
    ("floor", jnp.floor),
    ("ceil", jnp.ceil),
    ("round_half_even", jnp.round),
    ("round_half_away", lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO)),
]


@pytest.mark.parametrize("name,fn", ROUNDINGS, ids=[r[0] for r in ROUNDINGS])
def test_rounding_exact(name, fn):
    check_against_jax(fn, HARD_ROUNDING, rtol=0, atol=0)


# log1p / expm1 must stay accurate for tiny arguments: compare with a
# relative tolerance only (atol 0), so log1p(1e-12) == 1e-12 to 1e-5.
@pytest.mark.parametrize("fn", [jnp.log1p, jnp.expm1], ids=["log1p_tiny", "expm1_tiny"])
def test_log1p_expm1_tiny(fn):
    check_against_jax(fn, TINY, rtol=FP32_RTOL, atol=0)


def test_unary_chain():
    def f(x):
        return jnp.exp(jnp.sin(x)) * jnp.tanh(x) + jnp.sqrt(jnp.abs(x)) - jnp.floor(x) / 3.0

    check_against_jax(f, f32(3, 4, 5))


COMPOSED_UNARY = [
    ("softplus", jax.nn.softplus, f32(3, 7, lo=-10, hi=10)),
    ("silu", jax.nn.silu, f32(3, 7, lo=-6, hi=6)),
    ("sinh", jnp.sinh, f32(3, 7, lo=-3, hi=3)),
    ("erfinv", jax.scipy.special.erfinv, f32(3, 7, lo=-0.9, hi=0.9)),
    ("integer_pow", lambda x: x**3 - x**2, f32(3, 7)),
    ("log_softmax", jax.nn.log_softmax, f32(3, 7, lo=-5, hi=5)),
]


@pytest.mark.parametrize("name,fn,x", COMPOSED_UNARY, ids=[u[0] for u in COMPOSED_UNARY])
def test_composed_unary(name, fn, x):
    # Functions JAX lowers to several StableHLO ops (polynomials, log/exp mixes).
    check_against_jax(fn, x, rtol=3e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # coremltools folds x / 0
def test_special_values():
    # Infinities and NaN come out as in JAX (assert_allclose matches NaN to NaN).
    def f(x):
        return jnp.log(x), jnp.sqrt(x), lax.rsqrt(x), jnp.log1p(x - 1.0), jnp.exp(x * 100.0), x / 0.0, jnp.expm1(x * 100.0)

    x = np.array([0.0, 1.0, -1.0, 4.0, np.inf, -np.inf], np.float32)
    check_against_jax(f, x)


# -- elementwise binary ------------------------------------------------------


def test_add_sub_mul_div():
    check_against_jax(lambda x, y: (x + y) * (x - y) / (y + 3.0), f32(4, 6), f32(4, 6, seed=1, lo=0, hi=2))


def test_power():
    check_against_jax(jnp.power, f32(5, 4, lo=0.5, hi=3), f32(5, 4, lo=-2, hi=2, seed=1))


def test_power_scalar_exponent():
    check_against_jax(lambda x: x**2.5 + x**-1.5, f32(7, lo=0.5, hi=2))


def test_maximum_minimum():
    check_against_jax(lambda x, y: (jnp.maximum(x, y), jnp.minimum(x, y)), f32(3, 5), f32(3, 5, seed=1))


def test_int32_divide_truncates():
    # StableHLO integer division rounds toward zero (C semantics).
    x = np.array([-7, 7, -7, 7, -1, 1, 0, -8, 8, 100, -100, 13], np.int32)
    y = np.array([2, 2, -2, -2, 3, -3, 5, 2, -4, 7, 7, -5], np.int32)
    check_against_jax(lax.div, x, y)


@pytest.mark.parametrize(
    "shape_y",
    [(), (6,), (4, 1), (1, 6), (3, 1, 6), (3, 4, 1)],
    ids=["scalar", "row", "column", "row2d", "rank3_middle", "rank3_last"],
)
def test_broadcasting(shape_y):
    x = f32(3, 4, 6) if len(shape_y) == 3 else f32(4, 6)
    y = f32(*shape_y, seed=1, lo=0.5, hi=2)
    check_against_jax(lambda x, y: x * y + y - x / y, x, y)


def test_compare_select():
    def f(x, y):
        return jnp.where(x > y, x, y * 2.0), jnp.where(x <= 0.5, 1.0, x)

    check_against_jax(f, f32(4, 5), f32(4, 5, seed=1))


@pytest.mark.parametrize("direction", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_compare_directions(direction):
    op = {"eq": jnp.equal, "ne": jnp.not_equal, "lt": jnp.less, "le": jnp.less_equal, "gt": jnp.greater, "ge": jnp.greater_equal}[direction]
    x = np.array([[1.0, 2.0, 3.0, -1.0], [0.0, -0.0, 5.0, 2.0]], np.float32)
    y = np.array([[1.0, 3.0, 2.0, -1.0], [-0.0, 0.0, 5.5, 2.0]], np.float32)
    check_against_jax(op, x, y)


def test_clip():
    check_against_jax(lambda x: jnp.clip(x, -0.5, 0.75), f32(4, 5))


def test_lax_clamp_arrays():
    lo = f32(4, 5, lo=-1, hi=0, seed=1)
    hi = f32(4, 5, lo=0, hi=1, seed=2)
    check_against_jax(lax.clamp, lo, f32(4, 5), hi)


def test_relu_leaky_relu_gelu():
    def f(x):
        return jax.nn.relu(x), jax.nn.leaky_relu(x, 0.1), jax.nn.gelu(x, approximate=False), jax.nn.gelu(x)

    check_against_jax(f, f32(3, 8, lo=-4, hi=4), rtol=2e-5)


def test_select_scalar_predicate():
    check_against_jax(lambda p, x, y: lax.select(p, x, y), np.bool_(False), f32(2, 3), f32(2, 3, seed=1))


def test_select_bool_branches():
    check_against_jax(lambda m, a, b: jnp.where(m, a, b), bools(3, 4), bools(3, 4, seed=1), bools(3, 4, seed=2))


def test_select_broadcast_branches():
    # Both branches lazily broadcast (a row and a scalar); only the predicate
    # has the full shape.
    check_against_jax(lambda x, r: jnp.where(x > 0, r, 0.5), f32(4, 3), f32(3, seed=1))


def test_clamp_scalar_bounds():
    check_against_jax(lambda x: lax.clamp(np.float32(-0.3), x, np.float32(0.6)), f32(3, 4))


def test_conversions():
    def f(x, i, b):
        return (
            x.astype(jnp.int32),  # truncation toward zero, also for negatives
            x.astype(bool),
            i.astype(bool),
            i.astype(jnp.float32) * 0.5,
            b.astype(jnp.float32),
            b.astype(jnp.int32) - 1,
        )

    x = np.array([-2.7, -0.5, 0.0, 0.4, 1.5, 3.9], np.float32)
    check_against_jax(f, x, np.array([-3, 0, 1, 2, 0, 7], np.int32), bools(6))


def test_broadcast_in_dim_transposed():
    check_against_jax(lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (2, 0)) * 2.0 + jnp.ones((2, 3, 4)), f32(4, 2))


F16_X = f32(3, 4).astype(np.float16)


@pytest.mark.parametrize("target", ["iOS15", "iOS16"])
def test_f16_inputs_and_outputs(target):
    # fp16 I/O exists from iOS16: the feature dtype stays fp16 end to end.
    # Before iOS16 coremltools turns fp16 features into fp32 ones (helpers
    # expects that).
    check_against_jax(lambda x: jnp.tanh(x) * 2.0 + x, F16_X, precision="fp16", target=target, rtol=2e-3, atol=2e-3)


def test_f16_interface_metadata_matches_model_before_ios16():
    import json

    model = hlo_coreml.compile(lambda x: x * 2.0, F16_X, minimum_deployment_target="iOS15")
    iface = json.loads(model.user_defined_metadata["hlo_coreml.interface"])
    spec = model.get_spec().description
    assert spec.input[0].type.multiArrayType.dataType == spec.input[0].type.multiArrayType.FLOAT32
    assert iface["inputs"][0]["io_dtype"] == "f32"
    assert iface["outputs"][0]["io_dtype"] == "f32"


# -- reductions --------------------------------------------------------------

REDUCTIONS = [
    ("sum_axis0", lambda x: jnp.sum(x, axis=0)),
    ("sum_axis_last_keepdims", lambda x: jnp.sum(x, axis=-1, keepdims=True)),
    ("max_axis1", lambda x: jnp.max(x, axis=1)),
    ("min_axes02", lambda x: jnp.min(x, axis=(0, 2))),
    ("prod_axis2", lambda x: jnp.prod(x, axis=2)),
    ("mean_axes12_keepdims", lambda x: jnp.mean(x, axis=(1, 2), keepdims=True)),
    ("sum_all_scalar", jnp.sum),
    ("max_all_scalar", jnp.max),
    ("var_axis1", lambda x: jnp.var(x, axis=1)),
]


@pytest.mark.parametrize("name,fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduce(name, fn):
    check_against_jax(fn, f32(3, 4, 5, lo=0.5, hi=1.5))


def test_reduce_any_all():
    def f(b):
        return jnp.any(b, axis=1), jnp.all(b, axis=0), jnp.any(b), jnp.all(b)

    b = np.array([[True, False, True], [True, True, True], [False, False, False], [True, False, False]])
    check_against_jax(f, b)


def test_reduce_of_comparison():
    check_against_jax(lambda x: (jnp.any(x > 1.5, axis=-1), jnp.sum(x > 0, axis=0)), f32(4, 6))


def test_reduce_non_identity_init():
    def f(x):
        return (
            lax.reduce(x, np.float32(1.5), lax.add, (0,)),
            lax.reduce(x, np.float32(0.25), lax.max, (1,)),
            lax.reduce(x, np.float32(-0.25), lax.min, (0, 1)),
        )

    check_against_jax(f, f32(3, 4))


def test_reduce_bool_non_identity_init():
    def f(b):
        return lax.reduce(b, np.bool_(True), lax.bitwise_or, (1,)), lax.reduce(b, np.bool_(False), lax.bitwise_and, (0,))

    check_against_jax(f, bools(3, 4))


# -- data movement -----------------------------------------------------------


def test_reshape_transpose():
    def f(x):
        y = jnp.transpose(x.reshape(2, 3, 4, 5), (0, 2, 3, 1))
        return y.reshape(8, 15).T + 1.0

    check_against_jax(f, f32(6, 20))


RANK6 = [
    ("chain", lambda x: (x.reshape(1, 2, 1, 3, 1, 64) * 2.0 + 1.0).sum(axis=(1, 5))),
    ("pool_2x2", lambda x: x.reshape(2, 4, 2, 4, 2, 3).mean(axis=(2, 4))),
    ("pixel_shuffle", lambda x: x.reshape(2, 4, 2, 4, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 4, 4, 12)),
]


@pytest.mark.parametrize("name,fn", RANK6, ids=["chain", "pool_2x2", "pixel_shuffle"])
def test_rank6_intermediates(name, fn):
    # check_against_jax asserts that the saved program has no rank > 5.
    check_against_jax(fn, f32(2, 8, 8, 3))


def test_transpose_rank5():
    check_against_jax(lambda x: jnp.transpose(x, (4, 2, 0, 3, 1)) * 2.0, f32(2, 3, 1, 4, 5))


@pytest.mark.parametrize(
    "index",
    [
        (slice(1, 5, 2), slice(None, None, 3)),
        (slice(None), slice(2, 7)),
        (slice(-3, None), slice(None, -1, 2)),
        (0, slice(1, 3)),
    ],
    ids=["strided", "columns", "negative_bounds", "squeeze_row"],
)
def test_slice(index):
    check_against_jax(lambda x: x[index] * 1.5, f32(6, 8))


def test_slice_int32():
    check_against_jax(lambda x: x[1:, ::2] + 1, i32(4, 7))


def test_pad_constant():
    def f(x):
        return jnp.pad(x, ((1, 2), (0, 3)), constant_values=-1.5), jnp.pad(x, 2)

    check_against_jax(f, f32(3, 4))


def test_pad_negative_lax():
    # Negative low/high padding removes elements (lax.pad), mixed with growth.
    def f(x):
        return lax.pad(x, np.float32(0.25), [(-1, 2, 0), (2, -2, 0)])

    check_against_jax(f, f32(4, 6))


def test_pad_int32():
    check_against_jax(lambda x: jnp.pad(x, ((2, 1), (1, 0)), constant_values=7), i32(3, 4))


def test_pad_negative_int_bool():
    edges = [(-1, 2, 0), (1, -2, 0)]
    check_against_jax(lambda i, b: (lax.pad(i, np.int32(-3), edges), lax.pad(b, np.bool_(True), edges)), i32(3, 4), bools(3, 4))


def test_pad_dynamic_value():
    check_against_jax(lambda x, v: lax.pad(x, v, [(1, 0, 0), (0, 2, 0)]), f32(2, 3), np.float32(4.5))


def test_data_movement_int_bool():
    def f(i, b):
        return (
            jnp.concatenate([i, i[:1] * 2], axis=0),
            jnp.concatenate([b, ~b], axis=1),
            b.T[::2],
            jnp.pad(b, 1),
            i.reshape(-1)[3:9:2],
        )

    check_against_jax(f, i32(3, 4), bools(3, 4))


def test_concatenate():
    def f(a, b, c):
        return jnp.concatenate([a, b, c], axis=1), jnp.concatenate([a, a], axis=0)

    check_against_jax(f, f32(2, 3), f32(2, 1, seed=1), f32(2, 4, seed=2))


def test_iota():
    def f(x):
        rows = jnp.arange(4, dtype=jnp.float32)[:, None]
        cols = jnp.arange(5, dtype=jnp.int32)[None, :]
        return x * rows + cols, jnp.broadcast_to(jnp.arange(3), (2, 3))

    check_against_jax(f, f32(4, 5))


def test_broadcast_in_dim_materialized():
    # The broadcast result is an output, so it must be materialized (tiled).
    check_against_jax(lambda x: (jnp.broadcast_to(x[:, None, :], (3, 4, 5)), x.sum()), f32(3, 5))


def test_expand_squeeze():
    check_against_jax(lambda x: jnp.squeeze(jnp.expand_dims(x, (0, 3)), 0)[..., 0] - x, f32(2, 3))


# -- linear algebra ----------------------------------------------------------


def test_matmul_weight_argument():
    check_against_jax(lambda x, w: x @ w, f32(5, 8), f32(8, 3, seed=1))


def test_matmul_weight_constant():
    w = f32(8, 3, seed=1)
    check_against_jax(lambda x: x @ w, f32(5, 8))


def test_einsum_batched():
    check_against_jax(lambda a, b: jnp.einsum("bij,bjk->bik", a, b), f32(2, 3, 4), f32(2, 4, 5, seed=1))


def test_einsum_attention_scores():
    q, k = f32(2, 3, 5, 8), f32(2, 3, 6, 8, seed=1)
    check_against_jax(lambda q, k: jnp.einsum("bhqd,bhkd->bhqk", q, k), q, k)


def test_vector_matrix():
    check_against_jax(lambda v, m: (v @ m, m.T @ v.T[:4]), f32(4), f32(4, 6, seed=1))


def test_matrix_vector():
    check_against_jax(lambda m, v: m @ v, f32(5, 4), f32(4, seed=1))


def test_matmul_int32():
    check_against_jax(lambda a, b: a @ b, i32(3, 4, lo=-5, hi=5), i32(4, 2, lo=-5, hi=5, seed=1))


def test_causal_masked_scores():
    def f(q, k):
        s = q @ k.T
        mask = jnp.tril(jnp.ones((5, 5), bool))
        return jax.nn.softmax(jnp.where(mask, s, -jnp.inf), axis=-1)

    check_against_jax(f, f32(5, 4), f32(5, 4, seed=1), rtol=2e-5)


def test_dot_vectors():
    check_against_jax(jnp.dot, f32(7), f32(7, seed=1))


# -- convolution -------------------------------------------------------------

CONVS = [
    # id, lhs shape, rhs shape, dimension numbers, kwargs
    ("nhwc_hwio_same", (2, 9, 9, 3), (3, 3, 3, 4), ("NHWC", "HWIO", "NHWC"), dict(window_strides=(1, 1), padding="SAME")),
    ("nchw_oihw_valid", (2, 3, 9, 8), (4, 3, 3, 2), ("NCHW", "OIHW", "NCHW"), dict(window_strides=(1, 1), padding="VALID")),
    ("nhwc_stride2_explicit_pad", (1, 10, 11, 3), (3, 3, 3, 5), ("NHWC", "HWIO", "NHWC"), dict(window_strides=(2, 2), padding=((1, 2), (0, 1)))),
    ("nchw_dilated", (1, 2, 12, 12), (3, 2, 3, 3), ("NCHW", "OIHW", "NCHW"), dict(window_strides=(1, 1), padding="SAME", rhs_dilation=(2, 2))),
    ("nhwc_depthwise", (2, 8, 8, 4), (3, 3, 1, 4), ("NHWC", "HWIO", "NHWC"), dict(window_strides=(1, 1), padding="SAME", feature_group_count=4)),
    ("nchw_groups2_stride2", (1, 4, 9, 9), (6, 2, 3, 3), ("NCHW", "OIHW", "NCHW"), dict(window_strides=(2, 2), padding="VALID", feature_group_count=2)),
    ("conv1d_nwc", (2, 16, 3), (5, 3, 4), ("NWC", "WIO", "NWC"), dict(window_strides=(2,), padding="SAME")),
]


@pytest.mark.parametrize("name,xs,ws,dn,kw", CONVS, ids=[c[0] for c in CONVS])
def test_conv_kernel_argument(name, xs, ws, dn, kw):
    if "rhs_dilation" in kw:
        pytest.skip("Core ML conv needs a constant kernel with dilation (see test_conv_kernel_constant)")

    def f(x, w):
        return lax.conv_general_dilated(x, w, dimension_numbers=dn, **kw)

    check_against_jax(f, f32(*xs), f32(*ws, seed=1, lo=-1, hi=1))


@pytest.mark.parametrize("name,xs,ws,dn,kw", CONVS, ids=[c[0] for c in CONVS])
def test_conv_kernel_constant(name, xs, ws, dn, kw):
    w = f32(*ws, seed=1, lo=-1, hi=1)

    def f(x):
        return lax.conv_general_dilated(x, w, dimension_numbers=dn, **kw)

    check_against_jax(f, f32(*xs))


# -- small models --------------------------------------------------------------


def _dense_params(sizes, seed=3):
    r = rng(seed)
    return [
        (r.normal(0, 1 / np.sqrt(a), (a, b)).astype(np.float32), r.normal(0, 0.1, (b,)).astype(np.float32))
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def test_mlp():
    params = _dense_params([16, 32, 32, 10])

    def mlp(x):
        for i, (w, b) in enumerate(params):
            x = x @ w + b
            if i < len(params) - 1:
                x = jax.nn.relu(x) if i == 0 else jnp.tanh(x)
        return jax.nn.log_softmax(x, axis=-1)

    check_against_jax(mlp, f32(4, 16))


def test_small_cnn():
    r = rng(5)
    k1 = r.normal(0, 0.3, (3, 3, 3, 8)).astype(np.float32)
    b1 = r.normal(0, 0.1, (8,)).astype(np.float32)
    k2 = r.normal(0, 0.2, (3, 3, 8, 8)).astype(np.float32)
    w = r.normal(0, 0.2, (8, 5)).astype(np.float32)
    dn = ("NHWC", "HWIO", "NHWC")

    def cnn(x):
        y = jax.nn.relu(lax.conv_general_dilated(x, k1, (1, 1), "SAME", dimension_numbers=dn) + b1)
        y = _pool(y)
        y = jax.nn.relu(lax.conv_general_dilated(y, k2, (2, 2), "SAME", dimension_numbers=dn))
        return jnp.mean(y, axis=(1, 2)) @ w

    def _pool(y):
        # 2x2 average pooling as reshape + mean; folding the batch into the
        # rows keeps the intermediate at rank 5 (Core ML's limit).
        n, h, w_, c = y.shape
        y = y.reshape(n * h // 2, 2, w_ // 2, 2, c)
        return y.mean(axis=(1, 3)).reshape(n, h // 2, w_ // 2, c)

    check_against_jax(cnn, f32(2, 8, 8, 3), rtol=2e-5)


def test_softmax_jnp():
    def softmax(x):
        z = x - jnp.max(x, axis=-1, keepdims=True)
        e = jnp.exp(z)
        return e / jnp.sum(e, axis=-1, keepdims=True)

    check_against_jax(softmax, f32(3, 4, 10, lo=-5, hi=5))


def test_softmax_jax_nn():
    check_against_jax(lambda x: jax.nn.softmax(x, axis=1), f32(2, 7, 3, lo=-5, hi=5))


def test_layer_norm_jnp():
    gamma = f32(12, seed=1, lo=0.5, hi=1.5)
    beta = f32(12, seed=2, lo=-0.5, hi=0.5)

    def layer_norm(x):
        mean = jnp.mean(x, axis=-1, keepdims=True)
        var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
        return (x - mean) * lax.rsqrt(var + 1e-5) * gamma + beta

    check_against_jax(layer_norm, f32(2, 5, 12, lo=-3, hi=3), rtol=2e-5, atol=2e-6)


def test_dense_over_sequence():
    w = f32(6, 4, seed=1)
    check_against_jax(lambda x: x @ w, f32(2, 5, 6))


def test_einsum_two_contracting_dims():
    check_against_jax(lambda a, b: jnp.einsum("ijk,jkl->il", a, b), f32(3, 4, 5), f32(4, 5, 2, seed=1))


def test_attention_block():
    r = rng(9)
    wq, wk, wv = (r.normal(0, 0.3, (16, 16)).astype(np.float32) for _ in range(3))

    def attention(x):
        b, t, d = x.shape
        q = (x @ wq).reshape(b, t, 2, 8).transpose(0, 2, 1, 3)
        k = (x @ wk).reshape(b, t, 2, 8).transpose(0, 2, 1, 3)
        v = (x @ wv).reshape(b, t, 2, 8).transpose(0, 2, 1, 3)
        s = jnp.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(8).astype(np.float32)
        p = jax.nn.softmax(s, axis=-1)
        return jnp.einsum("bhqk,bhkd->bhqd", p, v).transpose(0, 2, 1, 3).reshape(b, t, d)

    check_against_jax(attention, f32(2, 5, 16), rtol=2e-5, atol=2e-6)


# -- loops -------------------------------------------------------------------------


def test_fori_loop_static_bound():
    check_against_jax(lambda x: lax.fori_loop(0, 3, lambda i, c: c * 2.0 + i, x), f32(6))


def test_fori_loop_dynamic_bound():
    # The trip count is an input: the loop stays a MIL while_loop.
    check_against_jax(lambda x, n: lax.fori_loop(0, n, lambda i, c: jnp.tanh(c) * 1.5 + i, x), f32(6), np.int32(4))


# -- integers and booleans -------------------------------------------------------


def test_int32_arithmetic():
    def f(x, y):
        return x * y - 3 * x + jnp.maximum(x, y) - jnp.minimum(x, 2), -x, jnp.abs(y), jnp.sign(x)

    check_against_jax(f, i32(4, 5), i32(4, 5, seed=1))


def test_int32_comparisons_select():
    def f(x, y):
        return x < y, x == y, jnp.where(x >= y, x, -y), jnp.clip(x, -5, 5)

    x = i32(3, 6)
    y = x.copy()
    y[0] += 1
    y[2] -= 1
    check_against_jax(f, x, y)


def test_int32_reductions():
    def f(x):
        return jnp.sum(x, axis=1), jnp.max(x, axis=0), jnp.min(x), jnp.prod(x[:, :3], axis=1)

    check_against_jax(f, i32(4, 6, lo=-5, hi=6))


def test_int32_float_conversion():
    def f(x, i):
        return x.astype(jnp.int32) + i, (i * 2).astype(jnp.float32) / 3.0, (x > 0).astype(jnp.float32)

    check_against_jax(f, f32(3, 4, lo=-9, hi=9), i32(3, 4, seed=1))


def test_bool_logic():
    def f(a, b):
        return a & b, a | b, a ^ b, ~a, jnp.logical_and(a, ~b) | jnp.logical_xor(a, b)

    check_against_jax(f, bools(3, 5), bools(3, 5, seed=1))


def test_bool_reductions_and_compare():
    def f(a, b):
        return jnp.all(a | b, axis=0), jnp.any(a & b, axis=1), a == b, a != b, jnp.where(a, 1, 0) + b

    check_against_jax(f, bools(4, 3), bools(4, 3, seed=2))


def test_bool_input_to_select():
    check_against_jax(lambda m, x: jnp.where(m, x, -x), bools(2, 6), f32(2, 6))


# -- 64-bit types, narrowed to 32 bits ---------------------------------------------


def test_x64_float64_narrowed():
    with enable_x64():
        x = rng(0).uniform(-2, 2, (3, 4))  # float64
        y = rng(1).uniform(0.5, 2, (4,))
        check_against_jax(lambda x, y: jnp.tanh(x) * y + jnp.sum(x, axis=0) / y, x, y)


def test_x64_int64_narrowed():
    with enable_x64():
        x = rng(0).integers(-1000, 1000, (5, 3)).astype(np.int64)
        check_against_jax(lambda x: (x * 3 + 2**20, jnp.sum(x, axis=0), x > 0), x)


def test_x64_mixed_float_int():
    with enable_x64():
        x = rng(0).uniform(-2, 2, (6,))
        i = np.arange(6, dtype=np.int64)
        check_against_jax(lambda x, i: x * i + jnp.arange(6), x, i)


# -- rank 0, several outputs, pytrees ----------------------------------------------


def test_scalar_inputs_outputs():
    def f(s, x, n):
        return s * 2.0 + 1.0, x * s, jnp.sum(x) + s, n + 1

    check_against_jax(f, np.float32(1.5), f32(3), np.int32(4))


def test_scalar_only():
    check_against_jax(lambda a, b: jnp.exp(a) - b, np.float32(0.3), np.float32(-2.0))


def test_multiple_outputs_shared():
    def f(x):
        y = jnp.sin(x)
        return y, y, y * 2, x  # repeated output, and an input passed through

    check_against_jax(f, f32(2, 3))


def test_dict_outputs():
    def f(x, y):
        return {"sum": x + y, "prod": x * y, "nested": {"z": jnp.max(x), "w": [x - y, y]}}

    check_against_jax(f, f32(3, 2), f32(3, 2, seed=1))


def test_dict_inputs():
    def f(params, x):
        return x @ params["w"] + params["b"]

    params = {"w": f32(4, 3), "b": f32(3, seed=1)}
    # A dict argument is flattened into several inputs: check_against_jax
    # takes flat arrays, so wrap it.
    leaves, tree = jax.tree_util.tree_flatten(params)

    def flat(b, w, x):
        return f(jax.tree_util.tree_unflatten(tree, [b, w]), x)

    check_against_jax(flat, *leaves, f32(2, 4, seed=2))


def test_unused_argument_is_kept():
    check_against_jax(lambda x, y: x * 2.0, f32(3), f32(2, seed=1))


def test_constant_output():
    # Outputs that do not depend on the inputs at all.
    check_against_jax(lambda x: (x + 1.0, jnp.ones((2, 3)), jnp.arange(4)), f32(2))


# -- fp16 compute precision (the default) -----------------------------------------
# Tolerance: helpers.FP16_RTOL / FP16_ATOL (1e-2), i.e. about 20 fp16 ulps,
# for O(1) values through a few ops.


def test_fp16_elementwise():
    check_against_jax(lambda x, y: jnp.tanh(x) * y + jnp.exp(-x), f32(4, 8), f32(4, 8, seed=1), precision="fp16")


def test_fp16_mlp():
    params = _dense_params([8, 16, 4])

    def mlp(x):
        h = jax.nn.relu(x @ params[0][0] + params[0][1])
        return jax.nn.softmax(h @ params[1][0] + params[1][1])

    check_against_jax(mlp, f32(3, 8), precision="fp16")


def test_fp16_conv_reduce():
    w = f32(3, 3, 2, 4, seed=1, lo=-0.5, hi=0.5)

    def f(x):
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return jnp.mean(y, axis=(1, 2)), jnp.max(y)

    check_against_jax(f, f32(1, 6, 6, 2), precision="fp16", rtol=2e-2, atol=2e-2)


def test_fp16_layer_norm_softmax():
    def f(x):
        m = x.mean(-1, keepdims=True)
        v = jnp.square(x - m).mean(-1, keepdims=True)
        y = (x - m) * lax.rsqrt(v + 1e-5)
        return y, jax.nn.softmax(2.0 * x, axis=-1)

    check_against_jax(f, f32(2, 5, 8, lo=-1, hi=1), precision="fp16")


def test_fp16_int_path_exact():
    # int32 computations are untouched by fp16 precision: exact.
    check_against_jax(lambda x, i: (x * 2.0, i * 3 - 1), f32(4), i32(4), precision="fp16")


def test_fp16_is_really_fp16():
    model = check_against_jax(lambda x: jnp.exp(x) + 1.0, f32(4), precision="fp16")
    # The default precision keeps fp32 I/O but computes in fp16.
    ops = model._mil_program.functions["main"].operations
    assert any(op.op_type == "cast" for op in ops), [op.op_type for op in ops]


# -- deployment targets -----------------------------------------------------------


@pytest.mark.parametrize("target", ["iOS15", "iOS16", "iOS18"])
def test_deployment_targets(target):
    w = f32(4, 3)
    check_against_jax(lambda x: jax.nn.relu(x @ w) + jnp.log1p(jnp.abs(x[:, :3])), f32(2, 4), target=target)


def test_emitted_ops_are_plain():
    # A smoke check of the emitter's choices: erf is one op, not a polynomial.
    model = check_against_jax(lax.erf, f32(5))
    assert mil_op_types(model).count("erf") == 1
