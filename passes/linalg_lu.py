"""LU factorization with partial pivoting (LAPACK getrf) of small static
matrices, unrolled into n steps; used by hlo-coreml-decompose-linalg for
JAX's CPU call `lapack_?getrf_ffi` (what `lax.linalg.lu`, `jnp.linalg.solve`,
`inv`, `det`, `slogdet` and `jax.scipy.linalg.lu_factor` export to).

The unrolled form follows LAPACK's semantics (not its blocking): for column
j, the pivot row is the first row r >= j with the largest |A[r, j]| (|re| + |im| for
complex matrices: BLAS icamax, which cgetrf uses); rows j
and r are swapped across the whole matrix (the L columns already computed
included); unless the pivot is exactly zero the entries below it are divided
by it (a zero pivot leaves them, all zeros then, in place); the trailing
block gets the rank-1 update. Results: the packed LU factors, LAPACK's ipiv
(1-based, i32: row j was swapped with row ipiv[j] - 1) and info (the 1-based
index of the first exactly-zero pivot, else 0), as the custom call returns
them; JAX turns ipiv into 0-based pivots and a permutation afterwards.

Step j keeps only the rows not yet final, W [B.., n - j, n] (columns < j
hold L, the others the trailing matrix):

    c = |W[:, j]|, m = max(c); p = min(i where not c[i] < m)  (the first
        maximum; a NaN anywhere makes every row a candidate, so p = 0)
    row = sum(select(iota == p, W, 0))                 (row p, exactly)
    W' = select(iota[1:] == p, W[0], W[1:])            (the swap; row 0 leaves W)
    d = row[j]; l = W'[:, j] / (d == 0 ? 1 : d)
    W = concat(W'[:, :j], l, W'[:, j+1:] - l (x) row[j+1:])

and LU is the concatenation of the n rows. The row extraction and the swap
are selects, so no value is ever multiplied by 0 (inf and NaN stay where
they are).
"""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.element_types import shape_of

from .linalg_helpers import (
    batched_constant,
    broadcast,
    constant,
    element_of,
    first_failure_info,
    magnitude_1,
    outer,
    reduce,
    reshape,
    slice_,
    tensor_type,
)

# StableHLO ops per column step (about as many MIL ops), for the refusal text.
OPS_PER_STEP = 27


def _compare(lhs, rhs, direction: str):
    return stablehlo.CompareOp(lhs, rhs, stablehlo.ComparisonDirectionAttr.get(direction)).result


def _first_max_row(column, batch):
    """The index (i32 [B.., 1]) of the first row of `column` [B.., m, 1]
    holding its largest magnitude (|re| + |im| for complex, as LAPACK)."""
    nb = len(batch)
    m = shape_of(column)[-2]
    i32 = ir.IntegerType.get_signless(32)
    magnitude = magnitude_1(column)
    largest = reduce(magnitude, nb, -np.inf, stablehlo.MaxOp)  # [B.., 1]
    largest = stablehlo.BroadcastInDimOp(
        tensor_type([*batch, m, 1], element_of(magnitude)), largest, [*range(nb), nb + 1]
    ).result
    smaller = _compare(magnitude, largest, "LT")
    index = stablehlo.SelectOp(
        smaller, constant(np.full([*batch, m, 1], m), i32), batched_constant(np.arange(m).reshape(m, 1), batch, i32)
    ).result
    # init INT32_MAX: the emitter needs no `minimum` with it (one op less per step).
    return reduce(index, nb, np.iinfo(np.int32).max, stablehlo.MinOp)  # [B.., 1]


def lu(a):
    """(LU, ipiv, info) of `a` [B.., n, n] as LAPACK getrf returns them:
    LU [B.., n, n] (unit-lower L below the diagonal, U on and above), ipiv
    i32 [B.., n] (1-based), info i32 [B..]."""
    shape = list(shape_of(a))
    batch, n = shape[:-2], shape[-1]
    nb = len(batch)
    element = element_of(a)
    i32 = ir.IntegerType.get_signless(32)
    w = a
    rows, chosen, pivots = [], [], []
    for j in range(n):
        m = n - j
        if m == 1:
            row, rest = w, None
            chosen.append(constant(np.zeros([*batch, 1]), i32))
        else:
            p = _first_max_row(slice_(w, {-1: (j, j + 1)}), batch)
            chosen.append(p)
            is_p = _compare(
                stablehlo.BroadcastInDimOp(tensor_type([*batch, m, n], i32), p, [*range(nb), nb + 1]).result,
                batched_constant(np.broadcast_to(np.arange(m).reshape(m, 1), (m, n)), batch, i32),
                "EQ",
            )
            picked = stablehlo.SelectOp(is_p, w, constant(np.zeros([*batch, m, n]), element)).result
            row = reshape(reduce(picked, nb, 0.0, stablehlo.AddOp), [*batch, 1, n])
            top = broadcast(slice_(w, {-2: (0, 1)}), [*batch, m - 1, n])
            rest = stablehlo.SelectOp(slice_(is_p, {-2: (1, m)}), top, slice_(w, {-2: (1, m)})).result
        rows.append(row)
        pivot = slice_(row, {-1: (j, j + 1)})  # [B.., 1, 1]
        pivots.append(pivot)
        if rest is None:
            continue
        ones = constant(np.ones([*batch, 1, 1]), element)
        zero = _compare(pivot, constant(np.zeros([*batch, 1, 1]), element), "EQ")
        divisor = stablehlo.SelectOp(zero, ones, pivot).result
        column = slice_(rest, {-1: (j, j + 1)})  # [B.., m - 1, 1]
        l = stablehlo.DivOp(column, broadcast(divisor, shape_of(column))).result
        parts = [slice_(rest, {-1: (0, j)})] if j > 0 else []
        parts.append(l)
        if j + 1 < n:
            trailing = slice_(rest, {-1: (j + 1, n)})
            parts.append(stablehlo.SubtractOp(trailing, outer(l, slice_(row, {-1: (j + 1, n)}))).result)
        w = parts[0] if len(parts) == 1 else stablehlo.ConcatenateOp(parts, nb + 1).result
    factors = rows[0] if n == 1 else stablehlo.ConcatenateOp(rows, nb).result
    if n == 1:
        ipiv = constant(np.ones([*batch, 1]), i32)
    else:
        local = stablehlo.ConcatenateOp(chosen, nb).result  # [B.., n], relative to j
        ipiv = stablehlo.AddOp(local, batched_constant(np.arange(1, n + 1), batch, i32)).result
    info = first_failure_info(pivots, batch, element, ok_direction="NE")
    return factors, ipiv, info


__all__ = ["OPS_PER_STEP", "lu"]
