"""Cholesky, triangular solves and LU (hlo-coreml-decompose-linalg), end to
end against JAX on CPU through the reference interpreter.

JAX on CPU exports these as LAPACK custom calls (`lapack_spotrf_ffi`,
`lapack_strsm_ffi`); exported for TPU they are `stablehlo.cholesky` /
`stablehlo.triangular_solve`. Both forms are tested (the TPU export is only
lowered here, never run), as are the StableHLO ops written by hand with
`lower = false`, a non-positive-definite input (NaN as in JAX), `cho_solve`
and a small Gaussian-process posterior mean; LU (`lapack_sgetrf_ffi`:
`lax.linalg.lu`, `lu_factor` / `lu_solve`, `jnp.linalg.solve`, `inv`, `det`,
`slogdet`) including pivoting, zero and singular matrices; the MIL op
counts; and the refusal that remains (n above the limit). Complex matrices:
test_complex_linalg.py.

Matrices are well conditioned (A = B B^T + n I, triangular factors of
those), so fp32 results agree with LAPACK's to ~1e-5 relative; the
tolerances below allow for n-step substitution error.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from collections import Counter

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from hlo_coreml import cli
from hlo_coreml.passes.decompose_linalg import MAX_SIZE
from helpers import check_against_jax, jax_reference, mil_op_types, run_saved

RTOL, ATOL = 2e-4, 2e-5


def spd(*batch, n, seed=0):
    """Well-conditioned symmetric positive-definite matrices B B^T + n I."""
    b = np.random.default_rng(seed).normal(size=(*batch, n, n)).astype(np.float32)
    return (b @ np.swapaxes(b, -1, -2) + n * np.eye(n, dtype=np.float32)).astype(np.float32)


def triangular(*batch, n, lower=True, seed=0):
    """A Cholesky factor of spd(): well conditioned, positive diagonal."""
    factor = np.linalg.cholesky(spd(*batch, n=n, seed=seed).astype(np.float64)).astype(np.float32)
    return factor if lower else np.swapaxes(factor, -1, -2).copy()


def normal(*shape, seed=1):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def ops(model) -> list[str]:
    return [t for t in mil_op_types(model) if t != "const"]


# -- cholesky ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 4, 16, MAX_SIZE])
def test_cholesky_lower(n):
    check_against_jax(jnp.linalg.cholesky, spd(n=n), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("batch", [(3,), (2, 3)])
def test_cholesky_batch(batch):
    check_against_jax(jnp.linalg.cholesky, spd(*batch, n=4), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("n", [1, 4, 16])
def test_cholesky_upper_scipy(n):
    check_against_jax(lambda a: jsl.cholesky(a, lower=False), spd(2, n=n), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("lower", [True, False])
def test_cho_factor(lower):
    # cho_factor's result keeps whatever the other triangle holds (zeros in JAX).
    check_against_jax(lambda a: jsl.cho_factor(a, lower=lower)[0], spd(n=5), rtol=RTOL, atol=ATOL)


def test_cholesky_reads_one_triangle():
    # lax.linalg.cholesky without symmetrization reads only the lower triangle.
    a = spd(2, n=6)
    a[..., 0, 5] = np.nan  # junk in the strict upper triangle
    a[..., 1, 3] = 1e30
    fn = lambda x: lax.linalg.cholesky(x, symmetrize_input=False)
    check_against_jax(fn, a, rtol=RTOL, atol=ATOL)


def test_cholesky_not_positive_definite_is_nan():
    # LAPACK stops at the first non-positive pivot (info > 0) and JAX turns
    # the whole factor into NaN (then tril); the leading columns, which the
    # unrolled steps compute fine, must be NaN too.
    a = spd(3, n=4)
    a[1] = np.diag([4.0, 1.0, -1.0, 2.0]).astype(np.float32)  # third pivot fails
    a[2] = -a[2]  # the first pivot fails
    (expected,) = jax_reference(jnp.linalg.cholesky, a)
    lower = np.tri(4, dtype=bool)
    assert np.isnan(expected[1][lower]).all() and np.isnan(expected[2][lower]).all()
    assert not np.isnan(expected[0]).any()
    check_against_jax(jnp.linalg.cholesky, a, rtol=RTOL, atol=ATOL)


# -- triangular solves -------------------------------------------------------------------------

_COMBOS = list(itertools.product([True, False], [True, False], ["N", "T", "C"], [False, True]))


@pytest.mark.parametrize("left_side,lower,trans,unit", _COMBOS)
def test_triangular_solve_combinations(left_side, lower, trans, unit):
    n, m = 5, 3
    a = triangular(2, n=n, lower=lower)
    # Junk where A is not read: the other triangle, and the diagonal when unit.
    junk = ~np.tri(n, dtype=bool) if lower else np.tri(n, k=-1, dtype=bool)
    if unit:
        junk |= np.eye(n, dtype=bool)
    a = np.where(junk, np.float32(7.0), a)
    b = normal(2, n, m) if left_side else normal(2, m, n)

    def fn(a, b):
        return lax.linalg.triangular_solve(
            a, b, left_side=left_side, lower=lower, transpose_a=trans != "N", conjugate_a=trans == "C", unit_diagonal=unit
        )

    check_against_jax(fn, a, b, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("n", [1, 16, MAX_SIZE])
def test_solve_triangular_sizes(n):
    a = triangular(n=n)
    b = normal(n, 4)
    check_against_jax(lambda a, b: jsl.solve_triangular(a, b, lower=True), a, b, rtol=RTOL, atol=ATOL)


def test_solve_triangular_vector_rhs():
    a = triangular(n=6, lower=False)
    check_against_jax(lambda a, b: jsl.solve_triangular(a, b, trans=1), a, normal(6), rtol=RTOL, atol=ATOL)


def test_solve_triangular_batch_dims_and_rhs():
    a = triangular(2, 3, n=6, lower=False)
    b = normal(2, 3, 6, 5)
    fn = lambda a, b: jsl.solve_triangular(a, b, trans="T", unit_diagonal=True)
    check_against_jax(fn, a, b, rtol=RTOL, atol=ATOL)


def test_cho_solve():
    a = spd(n=8)
    b = normal(8, 2)
    check_against_jax(lambda a, b: jsl.cho_solve(jsl.cho_factor(a), b), a, b, rtol=RTOL, atol=ATOL)


def test_gaussian_process_posterior_mean():
    """mean(x*) = k(x*, X) (K + s^2 I)^-1 y, via Cholesky and cho_solve."""
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-3, 3, size=12)).astype(np.float32)
    y = np.sin(x).astype(np.float32)
    x_star = np.linspace(-3, 3, 7).astype(np.float32)

    def kernel(p, q):
        return jnp.exp(-0.5 * (p[:, None] - q[None, :]) ** 2)

    def posterior_mean(x, y, x_star):
        k = kernel(x, x) + 0.1 * jnp.eye(x.shape[0])
        factor = jnp.linalg.cholesky(k)
        alpha = jsl.cho_solve((factor, True), y)
        return kernel(x_star, x) @ alpha

    check_against_jax(posterior_mean, x, y, x_star, rtol=1e-3, atol=1e-4)


# -- LU (JAX's lapack_sgetrf_ffi) -------------------------------------------------------------


def general(*batch, n, seed=0):
    """Well-conditioned matrices without structure (singular values in [1, 3],
    random singular vectors), so partial pivoting picks rows all over the
    place and no two candidates tie."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.normal(size=(*batch, n, n)))
    v, _ = np.linalg.qr(rng.normal(size=(*batch, n, n)))
    s = rng.uniform(1.0, 3.0, size=(*batch, 1, n))
    return ((u * s) @ np.swapaxes(v, -1, -2)).astype(np.float32)


# The first column's largest entry is in the last row, the next pivot is a
# zero leading entry; no pivot ties.
NEEDS_PIVOTING = np.array([[0.0, 2.0, 1.0, -1.0], [1.0, 0.0, 3.0, 2.0], [2.0, 1.0, 0.0, 1.0], [-4.0, 1.0, 2.0, 0.0]], np.float32)
# Rank 3: a pivot is exactly zero, det = 0. (4x4: JAX computes det of 2x2
# and 3x3 matrices in closed form, without LU.)
SINGULAR = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], [1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 3.0]], np.float32)

LU_SIZES = [1, 3, 8, MAX_SIZE]


@pytest.mark.parametrize("n", LU_SIZES)
def test_lu_outputs(n):
    # (lu, pivots, permutation); the integer results must match exactly.
    check_against_jax(lax.linalg.lu, general(n=n), rtol=RTOL, atol=ATOL)


def test_lu_batch():
    check_against_jax(lax.linalg.lu, general(2, 3, n=5), rtol=RTOL, atol=ATOL)


def test_lu_needs_pivoting():
    (_, pivots, perm) = jax_reference(lax.linalg.lu, NEEDS_PIVOTING)
    assert list(pivots) != list(range(4)) and list(perm) != list(range(4))
    check_against_jax(lax.linalg.lu, NEEDS_PIVOTING, rtol=RTOL, atol=ATOL)
    check_against_jax(jnp.linalg.solve, NEEDS_PIVOTING, normal(4, 2), rtol=RTOL, atol=ATOL)


def test_lu_singular():
    # A zero pivot: LAPACK leaves the column below it (zeros) alone, so LU is
    # finite; det is 0 and slogdet (0, -inf) as in JAX.
    lu_, pivots, perm = jax_reference(lax.linalg.lu, SINGULAR)
    assert (np.diag(lu_) == 0).any() and np.isfinite(lu_).all()
    check_against_jax(lax.linalg.lu, SINGULAR, rtol=RTOL, atol=ATOL)
    check_against_jax(jnp.linalg.det, SINGULAR, rtol=RTOL, atol=ATOL)
    (sign, logabsdet) = jax_reference(jnp.linalg.slogdet, SINGULAR)
    assert sign == 0 and logabsdet == -np.inf
    check_against_jax(jnp.linalg.slogdet, SINGULAR, rtol=RTOL, atol=ATOL)


def test_lu_zero_matrix_and_zero_column():
    # Every candidate ties at 0: LAPACK takes the first (no swap).
    z = np.zeros((2, 3, 3), np.float32)
    z[1, :, 1] = [0.0, 5.0, -7.0]
    check_against_jax(lax.linalg.lu, z, rtol=RTOL, atol=ATOL)


def test_solve_singular_is_not_finite():
    # Solving with a singular matrix divides by the zero pivot: inf/NaN as in
    # JAX (which of the two may differ with the order of the operations).
    b = normal(4)
    (expected,) = jax_reference(jnp.linalg.solve, SINGULAR, b)
    path_model = hlo_coreml.compile(jnp.linalg.solve, SINGULAR, b, compute_precision="fp32")
    (got,) = hlo_coreml.run(path_model, {"a": SINGULAR, "b": b}).values()
    assert not np.isfinite(expected).all()
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))


@pytest.mark.parametrize("n", LU_SIZES)
def test_lu_factor_and_solve(n):
    a, b = general(n=n), normal(n, 3)
    check_against_jax(jsl.lu_factor, a, rtol=RTOL, atol=ATOL)
    check_against_jax(lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b), a, b, rtol=RTOL, atol=ATOL)


def test_lu_solve_transposed():
    a, b = general(n=6), normal(6, 2)
    check_against_jax(lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b, trans=1), a, b, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("n", LU_SIZES)
def test_solve_vector_rhs(n):
    check_against_jax(jnp.linalg.solve, general(n=n), normal(n), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("n", LU_SIZES)
def test_solve_matrix_rhs(n):
    check_against_jax(jnp.linalg.solve, general(n=n), normal(n, 4), rtol=RTOL, atol=ATOL)


def test_solve_batch_dims():
    check_against_jax(jnp.linalg.solve, general(2, 3, n=5), normal(2, 3, 5, 2), rtol=RTOL, atol=ATOL)
    # A batch of vectors (JAX >= 0.5 wants them as [..., n, 1]) and one vector for the whole batch.
    batched_vectors = lambda a, b: jnp.linalg.solve(a, b[..., None])[..., 0]
    check_against_jax(batched_vectors, general(4, n=3), normal(4, 3), rtol=RTOL, atol=ATOL)
    check_against_jax(jnp.linalg.solve, general(4, n=3), normal(3), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("n", LU_SIZES)
def test_inv(n):
    check_against_jax(jnp.linalg.inv, general(n=n), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("n", LU_SIZES)
def test_det_and_slogdet(n):
    # Singular values in [1, 3]: det and log|det| are O(1)..O(3^n). (JAX's
    # det of a 3x3 matrix is closed-form, no LU; slogdet always uses LU.)
    a = general(2, n=n)
    check_against_jax(jnp.linalg.det, a, rtol=1e-3, atol=ATOL)
    check_against_jax(jnp.linalg.slogdet, a, rtol=RTOL, atol=1e-4)


def test_lu_x64_dgetrf():
    """With jax_enable_x64 JAX calls lapack_dgetrf_ffi; narrow-types makes it f32 first."""
    from helpers import enable_x64

    with enable_x64():
        a, b = general(n=6).astype(np.float64), normal(6, 2).astype(np.float64)
        check_against_jax(jnp.linalg.solve, a, b, rtol=RTOL, atol=ATOL)
        check_against_jax(jnp.linalg.det, a, rtol=RTOL, atol=ATOL)


def test_solve_fp16_compute_precision():
    check_against_jax(jnp.linalg.solve, general(n=8), normal(8, 2), precision="fp16", rtol=5e-2, atol=5e-2)


# -- stablehlo.cholesky / triangular_solve themselves --------------------------------------------


def _compile_and_run(model_source, *args, tmp_path):
    path = os.fspath(tmp_path / "model.mlpackage")
    model = hlo_coreml.compile(model_source, compute_precision="fp32", output_path=path)
    return model, run_saved(model, path, *args)


def test_tpu_export_uses_stablehlo_ops(tmp_path):
    """Exported for TPU, JAX emits stablehlo.cholesky / triangular_solve."""
    a, b = spd(2, n=6), normal(2, 6, 3)

    def fn(a, b):
        return jsl.cho_solve(jsl.cho_factor(a, lower=True), b), jnp.linalg.cholesky(a)

    exported = jax.export.export(jax.jit(fn), platforms=["tpu"])(a, b)
    text = exported.mlir_module()
    assert "stablehlo.cholesky" in text and "stablehlo.triangular_solve" in text
    _, got = _compile_and_run(exported, a, b, tmp_path=tmp_path)
    for g, e in zip(got, jax_reference(fn, a, b)):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("lower", [True, False])
def test_stablehlo_cholesky_other_triangle_is_zero(lower, tmp_path):
    text = f"""func.func @main(%a: tensor<2x5x5xf32>) -> tensor<2x5x5xf32> {{
      %0 = "stablehlo.cholesky"(%a) {{lower = {str(lower).lower()}}} : (tensor<2x5x5xf32>) -> tensor<2x5x5xf32>
      return %0 : tensor<2x5x5xf32>
    }}"""
    a = spd(2, n=5)
    junk = ~np.tri(5, dtype=bool) if lower else np.tri(5, k=-1, dtype=bool)
    a_junk = np.where(junk, np.float32(1e3), a)  # only the `lower` triangle is read
    _, (got,) = _compile_and_run(text, a_junk, tmp_path=tmp_path)
    expected = np.linalg.cholesky(a.astype(np.float64))
    if not lower:
        expected = np.swapaxes(expected, -1, -2)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


# -- op counts ----------------------------------------------------------------------------------


def _stablehlo_op(name, n):
    if name == "cholesky":
        return f"""func.func @main(%a: tensor<{n}x{n}xf32>) -> tensor<{n}x{n}xf32> {{
          %0 = "stablehlo.cholesky"(%a) {{lower = true}} : (tensor<{n}x{n}xf32>) -> tensor<{n}x{n}xf32>
          return %0 : tensor<{n}x{n}xf32>
        }}"""
    return f"""func.func @main(%a: tensor<{n}x{n}xf32>, %b: tensor<{n}x4xf32>) -> tensor<{n}x4xf32> {{
      %0 = "stablehlo.triangular_solve"(%a, %b) {{left_side = true, lower = true, unit_diagonal = false,
             transpose_a = #stablehlo<transpose NO_TRANSPOSE>}} : (tensor<{n}x{n}xf32>, tensor<{n}x4xf32>) -> tensor<{n}x4xf32>
      return %0 : tensor<{n}x4xf32>
    }}"""


def test_op_counts_n16():
    """Cholesky: per column 2 slices, rsqrt, mul and (but the last) reshape,
    matmul, sub; then concat + select. Solve: per row (but the last) 2
    slices, matmul, sub; then the diagonal scaling."""
    n = 16
    chol = Counter(ops(hlo_coreml.compile(_stablehlo_op("cholesky", n), compute_precision="fp32")))
    assert chol["rsqrt"] == n and chol["matmul"] == n - 1 and chol["sub"] == n - 1
    assert sum(chol.values()) <= 8 * n + 2, chol
    solve = Counter(ops(hlo_coreml.compile(_stablehlo_op("solve", n), compute_precision="fp32")))
    assert solve["matmul"] == n - 1 and solve["sub"] == n - 1
    assert sum(solve.values()) <= 4 * n + 6, solve


def test_solve_op_counts():
    """jnp.linalg.solve: getrf ~30 ops per column, two unit/non-unit triangular
    solves ~4 per row, and JAX's ipiv -> permutation loop (unrolled) a few
    per row."""
    counts = {}
    for n in (8, MAX_SIZE):
        model = hlo_coreml.compile(jnp.linalg.solve, general(n=n), normal(n), compute_precision="fp32")
        counts[n] = Counter(ops(model))
        total = sum(counts[n].values())
        assert counts[n]["matmul"] <= 3 * n, counts[n]
        assert total <= 60 * n, (n, total, counts[n])
    print({n: sum(c.values()) for n, c in counts.items()}, counts)


# -- what stays refused -------------------------------------------------------------------------


def _compile_cli(tmp_path, text):
    source = tmp_path / "f.mlir"
    source.write_text(text)
    out = tmp_path / "out.mlpackage"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = cli.main(["compile", str(source), "-o", str(out)])
    assert not out.exists()
    return rc, err.getvalue()


def test_above_the_limit_refused(tmp_path):
    n = MAX_SIZE + 1
    rc, err = _compile_cli(tmp_path, _stablehlo_op("cholesky", n))
    assert rc == 1
    assert f"'stablehlo.cholesky' of a {n}x{n} matrix is not supported by Core ML" in err
    assert f"n <= {MAX_SIZE}" in err and "outside the model" in err and "f.mlir:" in err


def test_above_the_limit_refused_from_jax():
    n = MAX_SIZE + 1
    with pytest.raises(hlo_coreml.LegalizationError, match=r"lapack_spotrf_ffi.*of a 33x33 matrix"):
        hlo_coreml.compile(jnp.linalg.cholesky, spd(n=n))


@pytest.mark.parametrize("fn", [jnp.linalg.solve, jnp.linalg.det], ids=["solve", "det"])
def test_lu_above_the_limit_refused(fn):
    n = MAX_SIZE + 1
    args = (general(n=n), normal(n)) if fn is jnp.linalg.solve else (general(n=n),)
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(fn, *args)
    message = str(info.value)
    assert f"'stablehlo.custom_call' @lapack_sgetrf_ffi (JAX's LAPACK LU factorization) of a {n}x{n} matrix" in message
    assert f"n <= {MAX_SIZE}" in message and "outside the model" in message and "max-size=33" in message


def test_x64_lapack_d_calls():
    """With jax_enable_x64 JAX calls lapack_dpotrf_ffi / lapack_dtrsm_ffi;
    narrow-types makes them f32 first."""
    from helpers import enable_x64

    with enable_x64():
        a = spd(n=6).astype(np.float64)
        b = normal(6, 2).astype(np.float64)
        check_against_jax(lambda a, b: jsl.cho_solve(jsl.cho_factor(a), b), a, b, rtol=RTOL, atol=ATOL)


def test_fp16_compute_precision():
    # compute_precision fp16 (the default): every step rounds to fp16.
    a = spd(2, n=8)
    check_against_jax(jnp.linalg.cholesky, a, precision="fp16", rtol=2e-2, atol=2e-2)
