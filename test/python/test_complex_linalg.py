"""Complex linear algebra end to end (hlo-coreml-decompose-linalg on complex
matrices, then hlo-coreml-split-complex): `jnp.linalg.cholesky`,
`lax.linalg.triangular_solve` (both sides, both triangles, transposed,
conjugated, adjoint, unit diagonal), `lax.linalg.lu`, `jnp.linalg.solve`,
`inv`, `det`, `cho_solve` on complex64, and complex128 under x64 ->
hlo_coreml.compile (fp32) -> the reference MIL interpreter, compared with
JAX on CPU (which calls LAPACK's cpotrf / ctrsm / cgetrf, zpotrf / ... under
x64).

Inputs are well conditioned: Hermitian positive definite A = B B^H + n I
for Cholesky, its Cholesky factors for triangular solves, and matrices with
singular values in [1, 3] for LU. Tolerances are relative to the largest
magnitude of each result (test_complex.assert_close).
"""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import enable_x64, jax_reference
from hlo_coreml.passes.decompose_linalg import MAX_SIZE
from test_complex import check, feeds_for, no_complex_left, outputs_of

RTOL, SCALE_TOL = 2e-4, 2e-5


def cnormal(*shape, seed=1):
    r = np.random.default_rng(seed)
    return (r.standard_normal(shape) + 1j * r.standard_normal(shape)).astype(np.complex64)


def hpd(*batch, n, seed=0):
    """Well-conditioned Hermitian positive-definite matrices B B^H + n I."""
    b = cnormal(*batch, n, n, seed=seed).astype(np.complex128)
    return (b @ np.conj(np.swapaxes(b, -1, -2)) + n * np.eye(n)).astype(np.complex64)


def ctriangular(*batch, n, lower=True, seed=0):
    """A Cholesky factor of hpd(): well conditioned, real positive diagonal."""
    factor = np.linalg.cholesky(hpd(*batch, n=n, seed=seed).astype(np.complex128))
    factor = factor if lower else np.conj(np.swapaxes(factor, -1, -2))
    return factor.astype(np.complex64)


def cgeneral(*batch, n, seed=0):
    """Complex matrices with singular values in [1, 3] and random unitary
    singular vectors: no structure, so partial pivoting moves rows around."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.normal(size=(*batch, n, n)) + 1j * rng.normal(size=(*batch, n, n)))
    v, _ = np.linalg.qr(rng.normal(size=(*batch, n, n)) + 1j * rng.normal(size=(*batch, n, n)))
    s = rng.uniform(1.0, 3.0, size=(*batch, 1, n))
    return ((u * s) @ np.conj(np.swapaxes(v, -1, -2))).astype(np.complex64)


def ccheck(fn, *args, rtol=RTOL, scale_tol=SCALE_TOL):
    model = check(fn, *args, rtol=rtol, scale_tol=scale_tol)
    no_complex_left(model)
    return model


# -- cholesky ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 16])
def test_cholesky(n):
    ccheck(jnp.linalg.cholesky, hpd(n=n))


@pytest.mark.parametrize("batch", [(3,), (2, 3)])
def test_cholesky_batch(batch):
    ccheck(jnp.linalg.cholesky, hpd(*batch, n=4, seed=2))


@pytest.mark.parametrize("lower", [True, False])
def test_cholesky_upper_and_cho_factor(lower):
    ccheck(lambda a: jsl.cholesky(a, lower=lower), hpd(2, n=5, seed=3))
    ccheck(lambda a: jsl.cho_factor(a, lower=lower)[0], hpd(n=4, seed=4))


def test_cholesky_reads_one_triangle_and_real_diagonal():
    # Without symmetrization LAPACK reads only the lower triangle, and only
    # the real part of the diagonal: junk elsewhere must not matter.
    a = hpd(2, n=5, seed=5)
    a[..., 0, 4] = np.nan
    a[..., 1, 3] = 1e30 + 1e30j
    a[..., np.arange(5), np.arange(5)] += 0.25j
    ccheck(lambda x: lax.linalg.cholesky(x, symmetrize_input=False), a)


def test_cholesky_not_positive_definite_is_nan():
    a = hpd(3, n=4, seed=6)
    a[1] = np.diag([4.0, 1.0, -1.0, 2.0]).astype(np.complex64)  # the third pivot fails
    a[2] = -a[2]  # the first pivot fails
    (expected,) = jax_reference(jnp.linalg.cholesky, a)
    lower = np.tri(4, dtype=bool)
    assert np.isnan(expected[1][lower]).all() and np.isnan(expected[2][lower]).all()
    assert not np.isnan(expected[0]).any()
    model = hlo_coreml.compile(jnp.linalg.cholesky, a, compute_precision="fp32")
    (got,) = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [a])))
    got = got.reshape(expected.shape)
    # NaN exactly where JAX has NaN (both parts), the rest close.
    np.testing.assert_array_equal(np.isnan(got.real), np.isnan(expected.real))
    np.testing.assert_array_equal(np.isnan(got.imag), np.isnan(expected.imag))
    np.testing.assert_allclose(got[0], expected[0], rtol=RTOL, atol=SCALE_TOL * 10)


def test_cho_solve():
    a, b = hpd(n=6, seed=7), cnormal(6, 2, seed=8)
    ccheck(lambda a, b: jsl.cho_solve(jsl.cho_factor(a), b), a, b)


# -- triangular solves -------------------------------------------------------------------------

# (transpose_a, conjugate_a): N, T, adjoint, and conjugate alone (which JAX
# emits as chlo.conj before an untransposed solve).
_OPS = {"N": (False, False), "T": (True, False), "C": (True, True), "conj": (False, True)}
_COMBOS = list(itertools.product([True, False], [True, False], list(_OPS), [False, True]))


@pytest.mark.parametrize("left_side,lower,op,unit", _COMBOS)
def test_triangular_solve_combinations(left_side, lower, op, unit):
    n, m = 4, 3
    a = ctriangular(2, n=n, lower=lower, seed=9)
    # Junk where A is not read: the other triangle, and the diagonal when unit.
    junk = ~np.tri(n, dtype=bool) if lower else np.tri(n, k=-1, dtype=bool)
    if unit:
        junk |= np.eye(n, dtype=bool)
    a = np.where(junk, np.complex64(7 - 5j), a)
    b = cnormal(2, n, m, seed=10) if left_side else cnormal(2, m, n, seed=10)
    transpose_a, conjugate_a = _OPS[op]

    def fn(a, b):
        return lax.linalg.triangular_solve(
            a, b, left_side=left_side, lower=lower, transpose_a=transpose_a, conjugate_a=conjugate_a,
            unit_diagonal=unit,
        )

    ccheck(fn, a, b)


@pytest.mark.parametrize("n", [1, 8, 24])
def test_solve_triangular_sizes(n):
    ccheck(lambda a, b: jsl.solve_triangular(a, b, lower=True), ctriangular(n=n, seed=11), cnormal(n, 2, seed=12))


def test_solve_triangular_batch_dims_and_vector_rhs():
    a = ctriangular(2, 3, n=5, lower=False, seed=13)
    fn = lambda a, b: jsl.solve_triangular(a, b, trans="C")  # noqa: E731
    ccheck(fn, a, cnormal(2, 3, 5, 4, seed=14))
    ccheck(lambda a, b: jsl.solve_triangular(a[0, 0], b, trans=1), a, cnormal(5, seed=15))


# -- LU: lax.linalg.lu, solve, inv, det ----------------------------------------------------------

# Column 0's largest |z| is row 0 (|3| > |2 + 2i| = 2.83), its largest
# |re| + |im| is row 1 (4 > 3): LAPACK's cgetrf (BLAS icamax) picks row 1.
CABS1_PIVOT = np.array([[3, 1j, 2], [2 + 2j, 1, -1j], [1j, 2 - 1j, 1]], np.complex64)


def test_lu_pivots_by_abs_re_plus_abs_im():
    lu, pivots, perm = jax_reference(lax.linalg.lu, CABS1_PIVOT)
    assert pivots[0] == 1  # the row LAPACK picks, not the one of largest modulus
    ccheck(lax.linalg.lu, CABS1_PIVOT)


@pytest.mark.parametrize("n", [1, 3, 8])
def test_lu_outputs(n):
    ccheck(lax.linalg.lu, cgeneral(n=n, seed=n))


def test_lu_batch_and_singular():
    a = cgeneral(3, n=4, seed=16)
    a[1, 2] = 2 * a[1, 0]  # rank 3: a zero pivot, info > 0, det = 0
    a[2] = 0
    ccheck(lax.linalg.lu, a)
    ccheck(jnp.linalg.det, a)


@pytest.mark.parametrize("n", [1, 4, 12, MAX_SIZE])
def test_solve(n):
    ccheck(jnp.linalg.solve, cgeneral(n=n, seed=17), cnormal(n, 2, seed=18))


def test_solve_batch_dims_and_vector_rhs():
    ccheck(jnp.linalg.solve, cgeneral(2, 3, n=5, seed=19), cnormal(2, 3, 5, 3, seed=20))
    ccheck(jnp.linalg.solve, cgeneral(n=6, seed=21), cnormal(6, seed=22))


def test_solve_real_matrix_complex_rhs():
    # A real matrix, complex right-hand side: JAX promotes A to complex.
    a = np.real(cgeneral(n=5, seed=23)).astype(np.float32) + 3 * np.eye(5, dtype=np.float32)
    ccheck(jnp.linalg.solve, a, cnormal(5, 2, seed=24))


@pytest.mark.parametrize("n", [3, 6])
def test_inv_and_det(n):
    a = cgeneral(n=n, seed=25)
    ccheck(jnp.linalg.inv, a)
    ccheck(jnp.linalg.det, a)


# -- complex128 under x64 (narrow-types: zpotrf / ztrsm / zgetrf on complex<f32>) ----------------


def test_complex128_under_x64():
    with enable_x64():
        a = hpd(n=5, seed=26).astype(np.complex128)
        b = cnormal(5, 2, seed=27).astype(np.complex128)
        g = cgeneral(n=5, seed=28).astype(np.complex128)
        ccheck(jnp.linalg.cholesky, a)
        ccheck(lambda a, b: jsl.cho_solve(jsl.cho_factor(a), b), a, b)
        ccheck(jnp.linalg.solve, g, b)
        ccheck(lambda a, b: jsl.solve_triangular(a, b, lower=False, trans="C"), np.triu(g) + 3 * np.eye(5), b)


def test_fp16_compute_precision():
    # compute_precision fp16 (the default): every step rounds to fp16.
    cases = (
        (jnp.linalg.cholesky, (hpd(2, n=6, seed=29),)),
        (jnp.linalg.solve, (cgeneral(n=6, seed=30), cnormal(6, 2, seed=31))),
    )
    for fn, args in cases:
        (expected,) = jax_reference(fn, *args)
        model = hlo_coreml.compile(fn, *args)
        (got,) = outputs_of(model, hlo_coreml.run(model, feeds_for(model, list(args))))
        assert np.abs(got.reshape(expected.shape) - expected).max() < 1e-2 * np.abs(expected).max()
