"""i8, i16, ui8, ui16 and ui32 computed in int32 (hlo-coreml-widen-small-ints),
bit-identical to JAX: wraparound, unsigned comparison, division, shifts,
conversions. Interface values travel as int32 (uint32 as its bit pattern)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import check_against_jax


def ints(dtype, n=24, seed=0):
    info = np.iinfo(dtype)
    r = np.random.default_rng(seed)
    edges = np.array([info.min, info.max, 0, 1, info.max // 2 + 1, info.min + 1 if info.min else 2], dtype)
    return np.concatenate([edges, r.integers(info.min, info.max, size=n - edges.size, endpoint=True).astype(dtype)])


SMALL = [np.int8, np.int16, np.uint8, np.uint16]


@pytest.mark.parametrize("dtype", SMALL, ids=lambda d: np.dtype(d).name)
def test_wraparound_arithmetic(dtype):
    x, y = ints(dtype), ints(dtype, seed=1)
    check_against_jax(lambda x, y: (x + y, x - y, x * y, -x, x * 3 + 7), x, y)


@pytest.mark.parametrize("dtype", SMALL, ids=lambda d: np.dtype(d).name)
def test_compare_min_max_divide(dtype):
    x, y = ints(dtype), ints(dtype, seed=1)
    y = np.where(y == 0, 1, y).astype(dtype)
    if np.issubdtype(dtype, np.signedinteger):
        y = np.where((x == np.iinfo(dtype).min) & (y == -1), 1, y).astype(dtype)
    check_against_jax(lambda x, y: (x < y, x >= y, jnp.maximum(x, y), jnp.minimum(x, y), lax.div(x, y), lax.rem(x, y)), x, y)


@pytest.mark.parametrize("dtype", SMALL, ids=lambda d: np.dtype(d).name)
def test_bitwise_and_shifts(dtype):
    x = ints(dtype)
    bits = np.iinfo(dtype).bits
    s = (np.arange(x.size) % (bits + 3)).astype(dtype)
    check_against_jax(
        lambda x, s: (
            x & 0x35, x | s, x ^ s, ~x,
            lax.shift_left(x, s), lax.shift_right_logical(x, s), lax.shift_right_arithmetic(x, s),
            lax.population_count(x), lax.clz(x),
        ),
        x, s,
    )


@pytest.mark.parametrize("dtype", SMALL, ids=lambda d: np.dtype(d).name)
def test_conversions(dtype):
    x = ints(dtype)
    f = np.linspace(-300.0, 300.0, 24, dtype=np.float32)
    check_against_jax(
        lambda x, i: (x.astype(jnp.float32), x.astype(jnp.int32), i.astype(dtype), x.astype(jnp.int8), x.astype(jnp.uint16)),
        x, np.arange(-12, 12, dtype=np.int32) * 1000,
    )


def test_uint32_bit_patterns():
    x = np.array([0, 1, 2**31 - 1, 2**31, 2**32 - 1, 12345, 3000000000, 7], np.uint32)
    y = np.array([2**32 - 1, 5, 2**31, 1, 2**32 - 1, 54321, 7, 3000000000], np.uint32)
    check_against_jax(
        lambda x, y: (x + y, x * y, x - y, x < y, x >= y, jnp.maximum(x, y), jnp.minimum(x, y), x.astype(jnp.float32), x ^ y, x >> 3, lax.shift_right_arithmetic(x, np.uint32(4))),
        x, y,
    )


def test_uint32_division():
    # Was refused ("Core ML divides signed int32 only"); now exact
    # (passes/ui32_division.py; edge values in test_small_int_ops.py).
    x = np.array([3000000000, 7, 2**32 - 1, 2**31], np.uint32)
    check_against_jax(lambda x: (x // np.uint32(3), x % np.uint32(3)), x)


def test_int8_reduce_sum_wraps():
    x = np.full((4, 40), 100, np.int8)
    check_against_jax(lambda x: jnp.sum(x, axis=1, dtype=jnp.int8), x)


# -- unsigned order in sort, reductions, scatter; float -> uint32 --------------------


U32 = ints(np.uint32, n=24, seed=3).reshape(4, 6)  # many values >= 2**31


@pytest.mark.parametrize("dtype", [np.uint32, np.uint16, np.int8], ids=lambda d: np.dtype(d).name)
def test_sort_argsort_unsigned_order(dtype):
    x = ints(dtype, n=24, seed=3).reshape(4, 6)
    check_against_jax(
        lambda x: (jnp.sort(x, axis=1), jnp.argsort(x, axis=0), jnp.sort(x, axis=1, descending=True), lax.top_k(x.astype(jnp.int32), 2)[0]),
        x,
    )


def test_lexsort_uint32_keys():
    y = (U32 % np.uint32(3)).astype(np.uint32)
    check_against_jax(lambda x, y: (jnp.lexsort((x, y), axis=1), lax.sort((y, x), dimension=0, num_keys=2)), U32, y)


def test_uint32_reduce_max_min():
    check_against_jax(
        lambda x: (jnp.max(x, axis=1), jnp.min(x, axis=0), jnp.max(x), jnp.argmax(x.astype(jnp.int32), axis=1)), U32
    )


def test_uint32_scatter_max_min():
    i = np.array([0, 2, 2, 7], np.int32)
    check_against_jax(lambda x, i, u: (x.at[i].max(u), x.at[i].min(u)), U32, i, U32[::-1])


def test_float_to_uint32_saturates():
    # >= 2**31 (held as negative int32 bit patterns), >= 2**32 and +inf
    # saturate to 2**32 - 1; negative values, -inf and NaN give 0 (XLA on CPU).
    x = np.array([-1.5, 0.5, 123.7, 3e9, 2.0**31, 4294967040.0, 5e9, np.inf, -np.inf, np.nan], np.float32)
    check_against_jax(lambda x: (x.astype(jnp.uint32), (x * 0.5).astype(jnp.uint32)), x)


def test_argmax_argmin_uint32():
    # JAX's (value, index) reduce on ui32 values >= 2**31: the values are
    # flipped into signed order outside, the body left alone.
    x = ints(np.uint32, n=24, seed=5).reshape(4, 6)
    check_against_jax(lambda x: (jnp.argmax(x, axis=1), jnp.argmin(x, axis=0), jnp.argmax(x)), x)


@pytest.mark.parametrize("dtype", [np.uint32, np.uint8, np.int8], ids=lambda d: np.dtype(d).name)
def test_top_k_small_and_unsigned(dtype):
    x = ints(dtype, n=24, seed=3).reshape(4, 6)
    check_against_jax(lambda x: lax.top_k(x, 2), x)


@pytest.mark.parametrize("dtype", SMALL, ids=lambda d: np.dtype(d).name)
def test_argmax_argmin_max_pool_small_ints(dtype):
    # JAX starts these reductions from the type's min / max (e.g. -128 for
    # int8), not the int32 limit; rows holding only that value (and ties
    # with it) pin the first-index rule.
    info = np.iinfo(dtype)
    x = ints(dtype, n=24, seed=7).reshape(4, 6)
    x[0, :] = info.min
    x[1, :] = info.max
    x[2, 3:] = info.max
    check_against_jax(
        lambda x: (
            jnp.argmax(x, axis=1),
            jnp.argmin(x, axis=1),
            jnp.argmax(x, axis=0),
            jnp.argmin(x),
            jnp.max(x, axis=1),
            jnp.min(x, axis=0),
            lax.reduce_window(x, dtype(info.min), lax.max, (2, 2), (1, 1), "SAME"),
        ),
        x,
    )


def test_int4_constants_not_consumed_by_fold_dequantize():
    # Was a TypeError traceback from hlo-coreml-widen-small-ints (NumPy has
    # no int4) for i4 / ui4 constants that reach it: used as floats without
    # a dequantize pattern, gathered, in a matmul, in i4 arithmetic that
    # wraps (7 + 3 is -6 in i4). They are widened to i32 now.
    c4 = (np.arange(12) % 16 - 8).astype(jnp.int4).reshape(3, 4)
    u4 = (np.arange(12) % 16).astype(jnp.uint4).reshape(3, 4)

    def f(x, i):
        c, u = jnp.asarray(c4), jnp.asarray(u4)
        return (x * c.astype(jnp.float32), c[i].astype(jnp.int32), x @ u.T.astype(jnp.float32),
                (c[i] + jnp.int4(3)).astype(jnp.int32), u[i].astype(jnp.int32))  # fmt: skip

    check_against_jax(f, np.linspace(-1, 1, 12).astype(np.float32).reshape(3, 4), np.array([0, 2], np.int32))
