"""stablehlo.reduce_precision (hlo-coreml-expand-reduce-precision), bit for
bit against JAX's `lax.reduce_precision` on CPU: the bf16 (e8m7) and f16
(e5m10) formats JAX uses and other widths; ties (to even), the carry into
the next binade and to infinity, overflow, f32 denormals (kept at e8) and
the narrow format's denormals (flushed to +-0, like XLA), NaN, +-inf, +-0;
f32, f16 and bf16 inputs."""

from __future__ import annotations

import os

import ml_dtypes
import numpy as np
import pytest
from jax import lax

from helpers import compile_and_save, jax_reference, mil_op_types, run_saved


def _values() -> np.ndarray:
    special = [
        0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -2.5, 0.5, 1.5,
        # bf16 ties: 1 + 2**-8 (to even: 1), 1 + 3 * 2**-8 (to even: 1 + 2**-6), just above a tie
        1 + 2**-8, 1 + 3 * 2**-8, -(1 + 3 * 2**-8), 1 + 2**-8 + 2**-20,
        # f16 ties and the carry into the next binade
        1 + 2**-11, 1 + 3 * 2**-11, 2 - 2**-12, 2 - 2**-20,
        # f16 range: largest, rounding up to 65536 (overflow), min normal, denormals
        65504.0, 65519.0, 65520.0, -65520.0, 7e4, 2.0**-14, 6.1e-5, 6e-5, 3 * 2.0**-16, 1e-6, 1e-8,
        # f32 extremes: the largest finite (rounds to inf at e8m7), denormals
        3.4028235e38, -3.39e38, 1.1754944e-38, 3e-38, 1e-40, 1e-45, -1e-44,
    ]
    rng = np.random.default_rng(0)
    random = rng.normal(size=120) * np.exp2(rng.integers(-40, 40, size=120))
    return np.concatenate([np.array(special, np.float32), random.astype(np.float32)])


X = _values()
FORMATS = [(8, 7), (5, 10), (5, 2), (4, 3), (8, 0), (5, 0), (2, 1), (8, 22), (6, 23), (1, 3), (3, 0)]


def _bits_equal(got: np.ndarray, want: np.ndarray, x: np.ndarray) -> None:
    got, want = np.asarray(got).reshape(want.shape), np.asarray(want)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    width = {2: np.int16, 4: np.int32}[want.dtype.itemsize]
    bad = np.nonzero(got[~nan].view(width) != want[~nan].astype(got.dtype).view(width))[0]
    assert bad.size == 0, f"differ at {np.asarray(x)[~nan][bad][:5]}: got {got[~nan][bad][:5]}, want {want[~nan][bad][:5]}"


def _check(fn, x, tmp_path):
    (want,) = jax_reference(fn, x)
    model, path = compile_and_save(fn, x, path=os.path.join(tmp_path, "m.mlpackage"), precision="fp32")
    (got,) = run_saved(model, path, x)
    if want.dtype == ml_dtypes.bfloat16:
        want = want.astype(np.float32)
    _bits_equal(got, want, x)
    return model


@pytest.mark.parametrize("exponent_bits,mantissa_bits", FORMATS, ids=[f"e{e}m{m}" for e, m in FORMATS])
def test_f32_bit_exact(exponent_bits, mantissa_bits, tmp_path):
    model = _check(lambda x: lax.reduce_precision(x, exponent_bits, mantissa_bits), X, tmp_path)
    assert "round" not in mil_op_types(model)  # ties are decided by floor + comparisons


def test_f16_input(tmp_path):
    x = X[np.abs(np.nan_to_num(X)) < 6e4].astype(np.float16)
    _check(lambda x: (lax.reduce_precision(x, 5, 4), lax.reduce_precision(x, 3, 7))[0], x, tmp_path)
    _check(lambda x: lax.reduce_precision(x, 8, 3), x, tmp_path)  # f16 denormals keep their step


def test_bf16_input(tmp_path):
    x = X.astype(ml_dtypes.bfloat16)
    _check(lambda x: lax.reduce_precision(x, 5, 4), x, tmp_path)


def test_identity_format_is_removed(tmp_path):
    # (Without f32 denormals: XLA on CPU flushes them in the multiply.)
    x = X[~(np.abs(X) < 2.0**-126)]
    model = _check(lambda x: lax.reduce_precision(x, 8, 23) * 2, x, tmp_path)
    assert [t for t in mil_op_types(model) if t != "const"] == ["mul"]
