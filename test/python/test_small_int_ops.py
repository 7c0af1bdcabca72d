"""Every elementwise integer op on i8, u8, i16, u16 and u32, on all pairs of
boundary values plus random values, bit-identical to JAX on CPU, with the
interpreter in strict mode (no dependence on the sign MIL `mod` gives).

Regression for issue #14: under C-style `mod`, `-x` on ui8 16 gave -16 (JAX
240) and `x | y` on si8 gave -2147483521 (JAX -1)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from helpers import check_against_jax

DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.uint32]


def boundary(dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    edges = {info.min, info.min + 1, info.max, info.max - 1, 0, 1, 2, 3, 7, info.max // 2, info.max // 2 + 1}
    if info.min < 0:
        edges |= {-1, -2, -3, -7, info.min // 2}
    return np.array(sorted(edges), dtype=dtype)


def pairs(dtype, seed=0, n_random=24):
    """x, y: every pair of boundary values, then random pairs."""
    b = boundary(dtype)
    x, y = np.meshgrid(b, b, indexing="ij")
    info = np.iinfo(dtype)
    r = np.random.default_rng(seed)
    rx = r.integers(info.min, info.max, size=n_random, endpoint=True).astype(dtype)
    ry = r.integers(info.min, info.max, size=n_random, endpoint=True).astype(dtype)
    return np.concatenate([x.reshape(-1), rx]), np.concatenate([y.reshape(-1), ry])


def name(d):
    return np.dtype(d).name


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_arithmetic(dtype):
    x, y = pairs(dtype)
    check_against_jax(
        lambda x, y: (x + y, x - y, x * y, -x, y - x, jnp.abs(x) if np.iinfo(dtype).min < 0 else x, jnp.sign(x)),
        x,
        y,
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_bitwise(dtype):
    x, y = pairs(dtype, seed=1)
    check_against_jax(
        lambda x, y: (x & y, x | y, x ^ y, ~x, x & 7, x & 0x7F, lax.population_count(x), lax.clz(x)), x, y
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_shifts(dtype):
    x, _ = pairs(dtype, seed=2)
    bits = np.iinfo(dtype).bits
    # amounts 0 .. bits + 2 (at and past the width: 0 or the sign fill)
    s = (np.arange(x.size) % (bits + 3)).astype(dtype)
    check_against_jax(
        lambda x, s: (lax.shift_left(x, s), lax.shift_right_logical(x, s), lax.shift_right_arithmetic(x, s)), x, s
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_compare_and_order(dtype):
    x, y = pairs(dtype, seed=3)
    check_against_jax(
        lambda x, y: (x < y, x <= y, x > y, x >= y, x == y, x != y, jnp.maximum(x, y), jnp.minimum(x, y),
                      jnp.clip(x, jnp.minimum(x, y), jnp.maximum(x, y))),
        x,
        y,
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_division_and_remainder(dtype):
    x, y = pairs(dtype, seed=4)
    keep = (y != 0) | (dtype == np.uint32)  # unsigned division by zero: all ones / the dividend
    if np.iinfo(dtype).min < 0:
        keep &= ~((x == np.iinfo(dtype).min) & (y == -1))  # overflow: implementation-defined in StableHLO
    x, y = x[keep], y[keep]
    check_against_jax(lambda x, y: (lax.div(x, y), lax.rem(x, y), x // y, x % y, jnp.fmod(x, y)), x, y)


UI32_EDGES = np.array(
    [0, 1, 2, 3, 5, 7, 255, 65535, 65536, 2**30 - 1, 2**30, 2**30 + 1, 2**31 - 3, 2**31 - 1, 2**31, 2**31 + 1,
     3 * 2**30, 2**32 - 3, 2**32 - 2, 2**32 - 1],
    dtype=np.uint32,
)  # fmt: skip


def test_ui32_division_edge_values():
    # passes/ui32_division.py: every pair of edge values (values >= 2**31,
    # division by 0, by 1, by divisors >= 2**31), then random pairs with
    # the top bit set and random divisors of every size, against JAX.
    x, y = np.meshgrid(UI32_EDGES, UI32_EDGES, indexing="ij")
    r = np.random.default_rng(8)
    rx = r.integers(0, 2**32, size=300, dtype=np.uint64).astype(np.uint32)
    ry = (r.integers(0, 2**32, size=300, dtype=np.uint64) >> r.integers(0, 32, size=300, dtype=np.uint64)).astype(np.uint32)
    x = np.concatenate([x.reshape(-1), rx])
    y = np.concatenate([y.reshape(-1), ry])
    check_against_jax(lambda x, y: (lax.div(x, y), lax.rem(x, y), x // y, x % y), x, y)


def test_ui32_division_by_a_constant():
    check_against_jax(lambda x: (x // jnp.uint32(10), x % jnp.uint32(3), x // jnp.uint32(2**31 + 5)), UI32_EDGES)


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_conversions_to_and_from_int32(dtype):
    x, _ = pairs(dtype, seed=5)
    wide = np.random.default_rng(6).integers(-(2**31), 2**31 - 1, size=x.size).astype(np.int32)
    check_against_jax(
        lambda x, w: (x.astype(jnp.int32), w.astype(dtype), (x.astype(jnp.int32) * 977).astype(dtype),
                      x.astype(jnp.float32)),
        x,
        wide,
    )


def test_issue_14_examples():
    check_against_jax(lambda x: -x, np.array([16], np.uint8))
    check_against_jax(lambda x, y: (x | y, x ^ y), np.array([-1, -128], np.int8), np.array([127, 5], np.int8))


def test_int32_remainder_and_parity_of_negative_values():
    x, y = pairs(np.int32, seed=7)
    keep = (y != 0) & ~((x == np.iinfo(np.int32).min) & (y == -1))
    x, y = x[keep], y[keep]
    check_against_jax(lambda x, y: (lax.rem(x, y), x % y, x & 7, x & y, x | y, x ^ y), x, y)
