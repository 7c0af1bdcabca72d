"""Sorting: stablehlo.sort (jnp.sort, argsort, lax.sort with several
operands) and the chlo.top_k composite (lax.top_k)."""

from __future__ import annotations

import numpy as np

from .._mlir import ir
from ..element_types import kind_of, shape_of
from ..ir_utils import constant_value, int_attr
from .registry import emits, emits_composite

_DIRECTIONS = {"LT": True, "GT": False}  # direction -> ascending


def _block_args_used(value, block, depth=0) -> set[int] | None:
    """Indices of the block arguments `value` depends on (through ops of
    `block`); None if the chain is too deep or leaves the block."""
    if depth > 32:
        return None
    owner = value.owner
    if isinstance(owner, ir.Block):
        return {value.arg_number} if owner == block else None
    used: set[int] = set()
    for operand in owner.operands:
        inner = _block_args_used(operand, block, depth + 1)
        if inner is None:
            return None
        used |= inner
    return used


def sort_key(op) -> tuple[int, bool] | None:
    """(key operand, ascending) when the comparator is one `compare LT/GT` of
    a function of block arg 2i against the same function of arg 2i+1 (JAX's
    comparators canonicalize -0.0 and NaN first); None otherwise."""
    block = op.regions[0].blocks[0]
    ops = list(block.operations)
    ret = ops[-1]
    if ret.operation.name != "stablehlo.return" or len(ret.operands) != 1:
        return None
    owner = ret.operands[0].owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.compare":
        return None
    direction = str(owner.attributes["comparison_direction"]).split()[-1].rstrip(">")
    if direction not in _DIRECTIONS:
        return None
    lhs = _block_args_used(owner.operands[0], block)
    rhs = _block_args_used(owner.operands[1], block)
    if lhs is None or rhs is None or len(lhs) != 1 or len(rhs) != 1:
        return None
    (a,), (b,) = lhs, rhs
    ascending = _DIRECTIONS[direction]
    if a // 2 != b // 2 or a == b:
        return None
    if a % 2 == 1:  # compare(f(arg 2i+1), f(arg 2i)): the opposite order
        ascending = not ascending
    # Every op of the comparator must feed the compare (one key only).
    for inner in ops[:-1]:
        for result in inner.results:
            used = _block_args_used(result, block)
            if used is None or not used <= {a, b}:
                return None
    return a // 2, ascending


def _sort_check(op):
    if sort_key(op) is None:
        return (
            "with this comparator is not supported: only a single `compare LT` or `GT` of one operand's "
            "elements (as jnp.sort/argsort/lax.sort emit) maps onto MIL argsort"
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
    "indices themselves); ascending or descending; ties keep their order in the reference interpreter "
    "(stable like StableHLO); NaN order not guaranteed",
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
