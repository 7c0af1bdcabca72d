"""Sorting: stablehlo.sort (jnp.sort, argsort, lax.sort with several
operands) and the chlo.top_k composite (lax.top_k)."""

from __future__ import annotations

import numpy as np

from .._mlir import ir, stablehlo
from ..element_types import kind_of, shape_of
from ..ir_utils import constant_value, int_attr
from .registry import emits, emits_composite

_DIRECTIONS = {"LT": True, "GT": False}  # direction -> ascending

# Largest sorted dim for which equal keys are put in index order explicitly
# (stable_argsort): the tie-break key g * n + i must fit in int32.
STABLE_MAX = 46340


def stable_argsort(ctx, x, dim: int, n: int, ascending: bool, floating: bool):
    """Indices sorting `x` along `dim` (static size n), equal keys in index
    order, whatever order MIL `argsort` gives equal keys (its doc does not
    say; the reference interpreter checks both in strict mode).

    The first `argsort`'s sorted keys do not depend on the tie order; g, the
    number of key changes before each sorted position (`cumsum`), numbers
    the runs of equal keys, and a second `argsort` of the distinct int32
    keys g * n + index (no ties) orders each run by index. NaN keys count
    as equal to each other."""
    mb = ctx.mb
    order = mb.argsort(x=x, axis=dim, ascending=ascending)
    if n <= 1 or n > STABLE_MAX:
        return order
    keys = mb.gather_along_axis(x=x, indices=order, axis=dim)
    rank = len(keys.shape)
    begin_hi, begin_lo = [0] * rank, [0] * rank
    begin_hi[dim] = 1
    end_hi = list(keys.shape)
    end_lo = list(keys.shape)
    end_lo[dim] = n - 1
    hi = mb.slice_by_index(x=keys, begin=begin_hi, end=end_hi)
    lo = mb.slice_by_index(x=keys, begin=begin_lo, end=end_lo)
    changed = mb.not_equal(x=hi, y=lo)
    if floating:  # NaN keys form one run
        both_nan = mb.logical_and(x=mb.not_equal(x=hi, y=hi), y=mb.not_equal(x=lo, y=lo))
        changed = mb.logical_and(x=changed, y=mb.logical_not(x=both_nan))
    first_shape = list(keys.shape)
    first_shape[dim] = 1
    steps = mb.concat(values=[ctx.const(np.zeros(first_shape, np.int32)), mb.cast(x=changed, dtype="int32")], axis=dim)
    runs = mb.cumsum(x=steps, axis=dim)
    tie_key = mb.add(x=mb.mul(x=runs, y=np.int32(n)), y=order)
    within = mb.argsort(x=tie_key, axis=dim, ascending=True)
    return mb.gather_along_axis(x=order, indices=within, axis=dim)


def sort_key(op) -> tuple[int, bool] | None:
    """(key operand, ascending) when the comparator is one `compare LT/GT`
    of the two block arguments of one operand (hlo-coreml-legalize-sort
    brings lexicographic and key-function comparators into this form);
    None otherwise."""
    block = op.regions[0].blocks[0]
    ops = list(block.operations)
    if len(ops) != 2 or ops[0].operation.name != "stablehlo.compare" or ops[1].operands[0] != ops[0].results[0]:
        return None
    compare = ops[0]
    direction = stablehlo.ComparisonDirectionAttr(compare.attributes["comparison_direction"]).value
    if direction not in _DIRECTIONS:
        return None
    lhs, rhs = compare.operands
    if not all(isinstance(v.owner, ir.Block) and v.owner == block for v in (lhs, rhs)):
        return None
    a, b = lhs.arg_number, rhs.arg_number
    if a // 2 != b // 2 or a == b:
        return None
    ascending = _DIRECTIONS[direction]
    if a % 2 == 1:  # compare(arg 2i+1, arg 2i): the opposite order
        ascending = not ascending
    return a // 2, ascending


def _sort_check(op):
    if sort_key(op) is None:
        return (
            "with this comparator is not supported: MIL argsort needs a lexicographic comparator (keys compared "
            "with `compare LT`/`GT`, ties broken by `compare EQ`, as jnp.sort/argsort/lexsort and lax.sort emit); "
            "run hlo-coreml-legalize-sort first"
        )
    for value in op.operands:
        if kind_of(value) is None:
            return "on this element type is not supported"
    return None


def _is_iota_along(value, dim: int) -> bool:
    owner = value.owner
    if isinstance(owner, ir.Block):
        return False
    if owner.operation.name == "stablehlo.iota":
        return int_attr(owner, "iota_dimension") == dim and kind_of(value) == "i32"
    array = constant_value(value)
    if array is None or kind_of(value) != "i32" or array.ndim == 0:
        return False
    shape = [1] * array.ndim
    shape[dim] = array.shape[dim]
    return bool((array == np.arange(array.shape[dim]).reshape(shape)).all())


@emits(
    "stablehlo.sort",
    check=_sort_check,
    doc="`argsort` of the key operand, then `gather_along_axis` for each operand (an iota operand is the "
    "indices themselves); ascending or descending; several keys as a chain of stable sorts and key functions "
    "(ui32 order, negation) materialized, NaN keys sorted as +inf (hlo-coreml-legalize-sort); stable whatever "
    "order MIL `argsort` gives equal keys: a second `argsort` of (run of equal keys, index) puts ties in index "
    "order (dims up to 46340)",
)
def _sort(ctx, op):
    mb = ctx.mb
    key, ascending = sort_key(op)
    dim = int_attr(op, "dimension")
    rank = len(shape_of(op.operands[0]))
    dim = dim + rank if dim < 0 else dim
    if shape_of(op.operands[0])[dim] <= 1:
        return ctx.operands(op)
    x = ctx[op.operands[key]]
    if kind_of(op.operands[key]) == "i1":
        x = ctx.cast(x, "i32")
    order = stable_argsort(
        ctx, x, dim, shape_of(op.operands[0])[dim], ascending, kind_of(op.operands[key]) in ("f16", "f32")
    )
    results = []
    for value in op.operands:
        if _is_iota_along(value, dim):
            results.append(order)
            continue
        v = ctx[value]
        boolean = kind_of(value) == "i1"
        if boolean:
            v = ctx.cast(v, "i32")
        v = ctx.broadcast_to(v, shape_of(value))
        out = mb.gather_along_axis(x=v, indices=order, axis=dim)
        results.append(ctx.cast(out, "i1") if boolean else out)
    return results


# -- chlo.top_k, kept as a composite --------------------------------------------------


def _top_k_k(op) -> int:
    attrs = ir.DictAttr(op.attributes["composite_attributes"])
    return ir.IntegerAttr(attrs["k"]).value


def _top_k_check(op):
    if kind_of(op.operands[0]) not in ("f16", "f32", "i32"):
        return "'chlo.top_k' is supported on f16, f32 and i32 only"
    return None


@emits_composite(
    "chlo.top_k",
    check=_top_k_check,
    doc="the first k of a stable descending sort (equal values: lower index first, like XLA, whatever order "
    "MIL gives ties) for last dims up to 4096; `topk` beyond (tie order then undocumented)",
)
def _top_k(ctx, op):
    mb = ctx.mb
    x = ctx[op.operands[0]]
    k = _top_k_k(op)
    shape = shape_of(op.operands[0])
    n = shape[-1]
    if isinstance(n, (int, np.integer)) and n <= TOP_K_STABLE_MAX:
        # MIL topk does not document which of several equal values it
        # returns first (or at all, at the k-th place): sort stably instead.
        rank = len(shape)
        order = stable_argsort(ctx, x, rank - 1, int(n), False, kind_of(op.operands[0]) in ("f16", "f32"))
        begin = [0] * rank
        size = [-1] * (rank - 1) + [k]
        indices = mb.slice_by_size(x=order, begin=begin, size=size)
        values = mb.gather_along_axis(x=x, indices=indices, axis=rank - 1)
        return [values, indices]
    values, indices = mb.topk(x=x, k=k, axis=-1, ascending=False)
    return [values, indices]


TOP_K_STABLE_MAX = 4096
