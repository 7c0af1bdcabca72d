"""Shared pieces of hlo-coreml-cap-rank: the op sets, the error type, small
helpers on ranks and attributes."""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml._mlir import ir


# Ops that apply elementwise to operands of the result's shape (scalar
# operands, e.g. a select predicate or clamp bounds, broadcast).
ELEMENTWISE = frozenset(
    "stablehlo." + n
    for n in (
        "abs add and atan2 cbrt ceil clamp compare convert cosine count_leading_zeros "
        "divide exponential exponential_minus_one floor imag is_finite log log_plus_one "
        "logistic maximum minimum multiply negate not or popcnt power real reduce_precision "
        "remainder round_nearest_afz round_nearest_even rsqrt select shift_left "
        "shift_right_arithmetic shift_right_logical sign sine sqrt subtract tan tanh xor"
    ).split()
)
# Ops with a rank-free fallback rewrite (used when the direct collapsed form
# would still need more than max-rank dims).
_FALLBACK = frozenset(
    {
        "stablehlo.transpose",
        "stablehlo.broadcast_in_dim",
        "stablehlo.reduce",
        "stablehlo.iota",
        "stablehlo.slice",
        "stablehlo.pad",
        "stablehlo.reduce_window",
        "stablehlo.gather",
        "stablehlo.scatter",
    }
)
_TERMINATORS = frozenset({"func.return", "stablehlo.return"})


class RankProblem(Exception):
    """A value of rank > max-rank that this pass cannot rewrite."""

    def __init__(self, op, message: str):
        super().__init__(message)
        self.op = op
        self.message = message


def _rank(value) -> int:
    t = value.type
    return t.rank if isinstance(t, ir.RankedTensorType) else 0


def _high(op, max_rank: int) -> bool:
    return any(_rank(v) > max_rank for v in list(op.operands) + list(op.results))


def _describe(value) -> str:
    return f"rank {_rank(value)} ({value.type})"


def _nonunit(shape) -> list[int]:
    return [d for d, s in enumerate(shape) if s != 1]


def _replace(op, values) -> None:
    for old, new in zip(op.results, values):
        old.replace_all_uses_with(new)
    op.operation.erase()


def _i64s(op, name) -> list[int]:
    attr = op.attributes[name]
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return list(attr)
    return [int(x) for x in np.asarray(attr).reshape(-1)]


def _groups(shape, cuts) -> list[list[int]]:
    """Dims of `shape` grouped at `cuts` (boundaries)."""
    if not shape:
        return []
    groups, current = [], [0]
    for d in range(1, len(shape)):
        if d in cuts:
            groups.append(current)
            current = []
        current.append(d)
    groups.append(current)
    return groups


def _collapsed(shape, cuts) -> list[int]:
    return [math.prod(shape[d] for d in g) for g in _groups(shape, cuts)]
