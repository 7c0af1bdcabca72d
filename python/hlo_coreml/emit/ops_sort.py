"""Sorting: stablehlo.sort (jnp.sort, argsort, lax.sort with several
operands) and the chlo.top_k composite (lax.top_k)."""

from __future__ import annotations

import numpy as np

from .._mlir import ir, stablehlo
from ..element_types import kind_of, shape_of
from ..ir_utils import constant_value, int_attr
from .registry import emits, emits_composite

_DIRECTIONS = {"LT": True, "GT": False}  # direction -> ascending


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
    "(ui32 order, negation) materialized, NaN keys sorted as +inf (hlo-coreml-legalize-sort); ties keep their "
    "order in the reference interpreter (stable like StableHLO)",
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
    order = mb.argsort(x=x, axis=dim, ascending=ascending)
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
    doc="`topk` along the last axis (largest first; ties: lower index first in the reference interpreter, like XLA)",
)
def _top_k(ctx, op):
    x = ctx[op.operands[0]]
    values, indices = ctx.mb.topk(x=x, k=_top_k_k(op), axis=-1, ascending=False)
    return [values, indices]
