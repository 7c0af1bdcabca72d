"""Bit-width-dependent integer ops under jax_enable_x64: narrow-types computes
i64/ui64 in 32 bits, so popcount, count_leading_zeros and logical right
shifts are rewritten to give the 64-bit answer (found by tools/fuzz.py,
seed 677: `lax.shift_right_logical(x_i64, 36)` returned 0, JAX 268435455).
Outputs are compared with JAX on CPU after the interface's narrowing to 32
bits (the low 32 bits of the 64-bit result)."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from helpers import check_against_jax, enable_x64

_X = [-10, -1, 0, 1, 2, 7, -7, 2**31 - 1, -(2**31), 123456789, -123456789, 65536]


def test_i64_popcount_and_clz():
    def f(x):
        return lax.population_count(x), lax.clz(x)

    with enable_x64():
        check_against_jax(f, np.array(_X, dtype=np.int64))


def test_ui64_popcount_and_clz():
    # ui64 is not an interface type of the test helpers: widen inside.
    def f(x):
        u = x.astype(jnp.uint64)
        return lax.population_count(u).astype(jnp.int32), lax.clz(u).astype(jnp.int32)

    with enable_x64():
        check_against_jax(f, np.array([0, 1, 2, 7, 2**31, 2**32 - 1, 65536], dtype=np.uint32))


def test_i64_shift_right_logical_every_amount():
    # Every shift amount class: < 32, 32..63, >= 64, negative (a huge unsigned amount).
    amounts = [0, 1, 5, 31, 32, 33, 36, 60, 63, 64, 65, 100, -1, -40]
    x = np.repeat(np.array(_X, dtype=np.int64), len(amounts))
    k = np.tile(np.array(amounts, dtype=np.int64), len(_X))

    def f(x, k):
        return lax.shift_right_logical(x, k), jnp.right_shift(x, k), lax.shift_left(x, k)

    with enable_x64():
        check_against_jax(f, x, k)


def test_fuzz_seed_677_reproducer():
    def f(a5):
        return lax.shift_right_logical(a5, jnp.full_like(a5, jnp.int64(36)))

    with enable_x64():
        check_against_jax(f, np.array([-10], dtype=np.int64))


def test_ui32_clamp_orders_unsigned():
    # tools/fuzz.py seed 1132: lax.clamp(0, x_u32, 7) of 4294967274 gave 0 (signed order), JAX 7.
    def f(x, lo, hi):
        return lax.clamp(jnp.uint32(0), x, jnp.uint32(7)), lax.clamp(lo, x, hi)

    x = np.array([0, 3, 7, 8, 2**31 - 1, 2**31, 4294967274, 2**32 - 1], dtype=np.uint32)
    lo = np.full(8, 5, dtype=np.uint32)
    hi = np.full(8, 2**31 + 5, dtype=np.uint32)
    check_against_jax(f, x, lo, hi)


def test_i64_max_min_argmax_cummax_limits_as_init():
    # Fuzz seeds 2260, 2419, 2650, 2863, 2994: JAX's init for max / min /
    # argmax / cummax on int64 is the 64-bit limit, which was refused as a
    # constant that does not fit in i32 (hlo-coreml-narrow-types); the
    # 32-bit limit gives the same results. The int32 limits themselves are
    # among the values (ties with the init).
    x = np.array([[-(2**31), 5, -3], [2**31 - 1, -(2**31), 0], [-(2**31), -(2**31), -(2**31)]], dtype=np.int64)

    def f(x):
        return (jnp.max(x, axis=1), jnp.min(x, axis=0), jnp.argmax(x, axis=1), jnp.argmin(x, axis=0),
                lax.cummax(x, axis=1), lax.cummin(x, axis=0))  # fmt: skip

    with enable_x64():
        check_against_jax(f, x)
