"""Elementwise ops added for op coverage, against JAX on CPU: remainder,
power (int), atan2, tan, is_finite, cbrt, rounding, CHLO trig, bitwise ops,
shifts, popcnt, clz on i32, select/clamp, pad with interior padding,
batch_norm_inference, tuples/optimization_barrier, rank-0 values."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from helpers import check_against_jax


def f32(*shape, lo=-3.0, hi=3.0, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape).astype(np.float32)


def i32(*shape, lo=-1000, hi=1000, seed=0):
    return np.random.default_rng(seed).integers(lo, hi, size=shape).astype(np.int32)


INT_EDGES = np.array(
    [0, 1, -1, 2, -2, 7, -7, 255, -256, 2**30, -(2**30), 2**31 - 1, -(2**31), 12345678, -12345678, 0x55555555],
    np.int32,
)


# -- float math ------------------------------------------------------------------

FLOAT_UNARY = [
    ("tan", jnp.tan, f32(4, 5, lo=-1.4, hi=1.4)),
    ("is_finite", jnp.isfinite, np.array([0.0, -1.0, np.inf, -np.inf, np.nan, 3e38], np.float32)),
    ("cbrt", jnp.cbrt, np.concatenate([f32(10, lo=-30, hi=30), np.array([0, 8, -27, 1e-6], np.float32)])),
    ("asin", jnp.arcsin, f32(12, lo=-0.99, hi=0.99)),
    ("acos", jnp.arccos, f32(12, lo=-0.99, hi=0.99)),
    ("atan", jnp.arctan, f32(12, lo=-10, hi=10)),
    ("sinh", jnp.sinh, f32(12, lo=-4, hi=4)),
    ("cosh", jnp.cosh, f32(12, lo=-4, hi=4)),
    ("atanh", jnp.arctanh, f32(12, lo=-0.95, hi=0.95)),
    ("round_even", lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49, 3.7], np.float32)),
    ("round_afz", lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO), np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49, 3.7], np.float32)),
]


@pytest.mark.parametrize("name,fn,x", FLOAT_UNARY, ids=[u[0] for u in FLOAT_UNARY])
def test_float_unary(name, fn, x):
    check_against_jax(fn, x, rtol=2e-5, atol=1e-6)


def test_chlo_trig_maps_to_one_mil_op():
    from helpers import mil_op_types

    model = check_against_jax(lambda x: jnp.arcsin(x) + jnp.sinh(x), f32(6, lo=-0.9, hi=0.9), rtol=2e-5)
    ops = mil_op_types(model)
    assert "asin" in ops and "sinh" in ops


def test_remainder_float():
    x = np.array([7.5, -7.5, 7.5, -7.5, 0.0, -0.0, 5.0, 1e6, 3.0], np.float32)
    y = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 3.0, np.inf, 0.7, 3.0], np.float32)
    check_against_jax(lax.rem, x, y)
    check_against_jax(lax.rem, f32(30, lo=-50, hi=50), f32(30, lo=0.5, hi=4, seed=1) * np.where(np.arange(30) % 2, 1, -1).astype(np.float32))


def test_remainder_int():
    x = np.array([7, -7, 7, -7, 0, 6, -6, 2**31 - 1, -(2**31), 5], np.int32)
    y = np.array([2, 2, -2, -2, 3, 3, -3, 10, 7, 0], np.int32)
    check_against_jax(lax.rem, x, y)


def run_text(text, *args):
    """Compile StableHLO text, run it in the interpreter; the outputs."""
    import os
    import tempfile

    import hlo_coreml

    model = hlo_coreml.compile(text, compute_precision="fp32")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.mlpackage")
        model.save(path)
        spec = model.get_spec()
        names = [i.name for i in spec.description.input]
        feeds = dict(zip(names, [np.asarray(a).reshape(np.shape(a) or (1,)) for a in args]))
        out = hlo_coreml.run(path, feeds, strict=True)
        return [np.asarray(out[o.name]) for o in spec.description.output]


def _int_pow(x, y):
    if y < 0:
        return 1 if x == 1 else ((-1) ** (-y) if x == -1 else 0)
    r = pow(int(x), int(y), 2**32)
    return np.int32(np.uint32(r).view(np.int32) if r < 2**32 else 0)


def test_power_float_and_int():
    check_against_jax(jnp.power, f32(8, lo=0.1, hi=3), f32(8, lo=-2, hi=2, seed=1))
    check_against_jax(lambda x: x**3, i32(10, lo=-50, hi=50))
    x = np.array([2, -3, 5, 1, -1, -1, 0, 7, 3, 2, 0, 2], np.int32)
    y = np.array([10, 3, 0, -4, -3, -2, 5, 11, 20, 31, 0, -1], np.int32)
    text = """
    func.func @main(%x: tensor<12xi32>, %y: tensor<12xi32>) -> tensor<12xi32> {
      %0 = stablehlo.power %x, %y : tensor<12xi32>
      return %0 : tensor<12xi32>
    }"""
    [got] = run_text(text, x, y)
    expected = np.array([_int_pow(a, b) for a, b in zip(x, y)], np.int32)
    np.testing.assert_array_equal(got, expected)


def test_atan2():
    y = np.array([1, 1, -1, -1, 0, 0, 2, -3, 1e-8, 5], np.float32)
    x = np.array([1, -1, 1, -1, 1, -1, 0, 0, 1, 1e-6], np.float32)
    check_against_jax(jnp.arctan2, y, x, rtol=2e-5, atol=1e-6)
    check_against_jax(jnp.arctan2, f32(5, 6), f32(5, 6, seed=1), rtol=2e-5, atol=1e-6)


def test_atan2_signed_zeros_infinities_nan():
    # Issue #14: y = [-0, 0, inf], x = [-1, -0, inf] gave [pi, 0, nan]; JAX
    # (and np.arctan2, C99 Annex F) give [-pi, pi, pi/4]. Every pair of
    # special values, with the sign of zero results checked too.
    special = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -3.0, np.inf, -np.inf, np.nan], np.float32)
    y, x = (a.reshape(-1) for a in np.meshgrid(special, special, indexing="ij"))
    check_against_jax(jnp.arctan2, np.array([-0.0, 0.0, np.inf], np.float32), np.array([-1.0, -0.0, np.inf], np.float32))
    check_against_jax(jnp.arctan2, y, x, rtol=2e-5, atol=0)
    [got] = run_text(
        """
    func.func @main(%y: tensor<81xf32>, %x: tensor<81xf32>) -> tensor<81xf32> {
      %0 = stablehlo.atan2 %y, %x : tensor<81xf32>
      return %0 : tensor<81xf32>
    }""",
        y,
        x,
    )
    expected = np.arctan2(y, x)
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=0)
    zero = expected == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(expected[zero]))


def test_round_nearest_even_ties_and_signed_zero():
    # MIL `round`'s tie handling is undocumented: the lowering must be right
    # whichever way it goes (strict mode runs both).
    x = np.array(
        [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, -0.3, 2.0**23 + 1, 2.0**23 - 0.5, 1e30, np.inf, -np.inf, np.nan,
         3.5000002, -4.5, 0.0, -0.0],
        np.float32,
    )
    check_against_jax(lambda x: jnp.round(x), x)
    check_against_jax(lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), f32(64, lo=-8, hi=8) * 2)
    [got] = run_text(
        """
    func.func @main(%x: tensor<18xf32>) -> tensor<18xf32> {
      %0 = stablehlo.round_nearest_even %x : tensor<18xf32>
      return %0 : tensor<18xf32>
    }""",
        x,
    )
    expected = np.round(x)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


# -- integer bit ops -------------------------------------------------------------


@pytest.mark.parametrize("fn", [jnp.bitwise_and, jnp.bitwise_or, jnp.bitwise_xor], ids=["and", "or", "xor"])
def test_bitwise_binary(fn):
    x = np.concatenate([INT_EDGES, i32(16, lo=-(2**31), hi=2**31 - 1)])
    y = np.concatenate([INT_EDGES[::-1], i32(16, lo=-(2**31), hi=2**31 - 1, seed=1)])
    check_against_jax(fn, x.reshape(2, 16), y.reshape(2, 16))


def test_bitwise_not_and_masks():
    x = np.concatenate([INT_EDGES, i32(8, lo=-(2**31), hi=2**31 - 1)])
    check_against_jax(lambda x: (~x, x & 0xFF, 0x7FFF & x, x & 6, x | 1, x ^ -1), x)


def test_bitwise_broadcast_scalar_operand():
    check_against_jax(lambda x, y: x & y, i32(2, 3, lo=-100, hi=100), np.int32(0x5A))


@pytest.mark.parametrize(
    "fn",
    [lax.shift_left, lax.shift_right_arithmetic, lax.shift_right_logical],
    ids=["shl", "sra", "srl"],
)
def test_shifts(fn):
    x = np.repeat(INT_EDGES, 3)
    s = np.array(([0, 1, 5, 30, 31, 32, 33, -1, 100, 16, 2, 3] * 4)[: x.size], np.int32)
    check_against_jax(fn, x, s)


def test_popcnt_and_clz():
    x = np.concatenate([INT_EDGES, i32(16, lo=-(2**31), hi=2**31 - 1)]).reshape(4, 8)
    check_against_jax(lambda x: (lax.population_count(x), lax.clz(x)), x)


# -- select, clamp, pad, batch norm, tuples, scalars -------------------------------


def test_select_and_scalar_clamp():
    x, y = f32(3, 4), f32(3, 4, seed=1)
    check_against_jax(lambda x, y: (jnp.where(x > y, x, y), lax.clamp(-0.5, x, 0.75), jnp.clip(x, -1.0, y)), x, y)
    check_against_jax(lambda i: lax.clamp(np.int32(-3), i, np.int32(4)), i32(10, lo=-9, hi=9))


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_pad_interior(dtype):
    x = (np.arange(12).reshape(3, 4) - 5).astype(dtype)
    cfg = [(1, 2, 1), (-1, 0, 2)]
    check_against_jax(lambda x: lax.pad(x, dtype(7), cfg), x)
    check_against_jax(lambda x, v: lax.pad(x, v, [(0, 0, 3), (2, -3, 1)]), x, dtype(-2))


def test_batch_norm_inference_op():
    text = """
    func.func @main(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %o: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<2x3x4xf32> {
      %0 = "stablehlo.batch_norm_inference"(%x, %s, %o, %m, %v) {epsilon = 1.0e-3 : f32, feature_index = 2 : i64}
          : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
      return %0 : tensor<2x3x4xf32>
    }"""
    x, s, o, m = f32(2, 3, 4), f32(4, seed=1), f32(4, seed=2), f32(4, seed=3)
    v = f32(4, lo=0.2, hi=2.0, seed=4)
    [got] = run_text(text, x, s, o, m, v)
    expected = (x - m) / np.sqrt(v + 1e-3) * s + o
    np.testing.assert_allclose(got.reshape(x.shape), expected, rtol=1e-5, atol=1e-6)


def test_optimization_barrier_and_scalars():
    def f(x, s):
        a, b = lax.optimization_barrier((x * 2.0, s))
        return a + b, jnp.sum(x) * s

    check_against_jax(f, f32(3), np.float32(1.5))


def test_rank0_int_and_bool():
    check_against_jax(lambda i, b: (i * 3 % 5, jnp.logical_not(b), (i & 6) >> 1), np.int32(-13), np.bool_(True))


# -- bitcast_convert -----------------------------------------------------------------

SPECIAL_F32 = np.array(
    [0.0, -0.0, 1.0, -1.0, 0.5, 3.14159, -2.5e-3, 1e-38, 1e-40, -1e-45, 3.4e38, -3.4e38, np.inf, -np.inf,
     1.1754944e-38, 1.1754942e-38, 2.0**-149, 16777216.0, 0.1, -123456.78],
    np.float32,
)


def test_bitcast_f32_to_i32():
    x = np.concatenate([SPECIAL_F32, np.random.default_rng(0).standard_normal(12).astype(np.float32) * 1e3])
    check_against_jax(lambda x: lax.bitcast_convert_type(x, jnp.int32), x)


def test_bitcast_i32_to_f32():
    bits = np.concatenate([SPECIAL_F32.view(np.int32), np.random.default_rng(1).integers(-(2**31), 2**31 - 1, 12, dtype=np.int64).astype(np.int32)])
    bits = bits[~np.isnan(bits.view(np.float32))]  # NaN payloads are not kept
    check_against_jax(lambda b: lax.bitcast_convert_type(b, jnp.float32), bits, rtol=0, atol=0)


def test_bitcast_nan_is_canonical():
    got = run_text(
        """func.func @main(%x: tensor<2xf32>) -> (tensor<2xi32>, tensor<2xf32>) {
          %0 = stablehlo.bitcast_convert %x : (tensor<2xf32>) -> tensor<2xi32>
          %c = stablehlo.constant dense<[2143289344, -4194304]> : tensor<2xi32>
          %1 = stablehlo.bitcast_convert %c : (tensor<2xi32>) -> tensor<2xf32>
          return %0, %1 : tensor<2xi32>, tensor<2xf32>
        }""",
        np.array([np.nan, 1.0], np.float32),
    )
    assert got[0][0] == 0x7FC00000 and got[0][1] == 0x3F800000
    assert np.isnan(got[1]).all()


def test_random_bits_to_uniform_float():
    # jax.random's float path: uint32 bits >> 9 | 0x3F800000, bitcast, minus 1.
    def f(bits):
        mantissa = lax.shift_right_logical(bits, np.uint32(9)) | np.uint32(0x3F800000)
        return lax.bitcast_convert_type(mantissa, jnp.float32) - 1.0

    bits = np.random.default_rng(2).integers(0, 2**32, 16, dtype=np.uint64).astype(np.uint32)
    check_against_jax(f, bits, rtol=0, atol=0)
