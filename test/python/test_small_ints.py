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


def test_uint32_division_refused():
    x = np.array([3000000000, 7], np.uint32)
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(lambda x: x // np.uint32(3), x)
    assert "on ui32 is not supported" in str(info.value)


def test_int8_reduce_sum_wraps():
    x = np.full((4, 40), 100, np.int8)
    check_against_jax(lambda x: jnp.sum(x, axis=1, dtype=jnp.int8), x)
