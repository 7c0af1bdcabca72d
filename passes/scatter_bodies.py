"""Scatter bodies beyond MIL's modes (patterns of hlo-coreml-legalize-gather-scatter,
kept in their own module).

MIL `scatter_nd` combines with update / add / mul / max / min only. Two
more families of single-operand scatter bodies are rewritten into those:

- `subtract(old, update)` (`x.at[i].subtract(u)`): an `add` scatter of the
  negated updates. IEEE subtraction is addition of the negation, and
  integer negation wraps like subtraction, so this is exact, and with
  duplicate indices the updates combine in sequence just as XLA's do.
- any other body that is an elementwise function f(old, update) of its two
  block arguments (`x.at[i].apply(f)`, `lax.scatter_apply`, custom
  combiners): `gather` the old values with the same dimension numbers ->
  f applied elementwise to (gathered, updates) -> a scatter with body
  `return update`. This is right only when no two updates reach the same
  element: with duplicates, XLA applies f once per update, in an order it
  does not specify. So it is done only when the indices are provably
  unique: the scatter's `unique_indices` attribute (the user's promise,
  `unique_indices=True` in JAX), or constant indices whose in-bounds
  windows do not overlap. Out-of-bounds windows are harmless: the gather
  clamps them somewhere, and the scatter skips them.

- a body f(old) that ignores the update (`x.at[i].apply(f)` with indices
  that may repeat): XLA applies f once per update that reaches an element,
  so the result is f applied `count` times, `count` being a scatter-add of
  ones over the same indices; up to MAX_REPEAT (16) update windows, f is
  applied that many times to the whole operand with a `select` per step.

Anything else is left for verify-legal, whose message says why.
"""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.ir_utils import constant_value

from .elementwise_regions import apply_region, region_problem
from .static_eval import static_value

# Updates whose body ignores the update value and may repeat: applied up to
# this many times (the number of update windows) to the whole operand.
MAX_REPEAT = 16
# Points checked for uniqueness at most (constant indices).
MAX_UNIQUE_CHECK = 1 << 20


def _body(op):
    block = op.regions[0].blocks[0]
    return block, list(block.arguments), list(block.operations)


def is_subtract_body(op) -> bool:
    """The body is `return subtract(old, update)`."""
    if len(op.results) != 1:
        return False
    _, args, ops = _body(op)
    if len(ops) != 2 or ops[0].operation.name != "stablehlo.subtract":
        return False
    return list(ops[0].operands) == args and ops[1].operands[0] == ops[0].results[0]


def general_body_problem(op) -> str | None:
    """None if the body of single-operand scatter `op` is an elementwise
    function of its two block arguments, else what is in the way."""
    if len(op.results) != 1:
        return "it has several operands"
    return region_problem(op.regions[0].blocks[0])


def negate_subtract(op, rewriter) -> bool:
    """`subtract` body -> `add` body on negated updates (pattern; True =
    no match)."""
    if not is_subtract_body(op):
        return True
    element = ir.RankedTensorType(op.operands[0].type).element_type
    if isinstance(element, ir.IntegerType) and element.width == 1:
        return True  # i1 subtract is xor; no MIL mode
    with rewriter.ip, op.location:
        negated = stablehlo.NegOp(op.operands[2]).result
        scatter = _scatter_like(op, op.operands[0], negated)
        block = scatter.regions[0].blocks.append(*[a.type for a in _body(op)[1]])
        with ir.InsertionPoint(block):
            a, b = block.arguments
            stablehlo.ReturnOp([stablehlo.AddOp(a, b).result])
    rewriter.replace_op(op, [scatter.results[0]])
    return False


def _scatter_like(op, operand, updates):
    attrs = op.attributes
    unique = attrs["unique_indices"] if "unique_indices" in attrs else None
    return stablehlo.ScatterOp(
        [operand.type],
        [operand],
        op.operands[1],
        [updates],
        attrs["scatter_dimension_numbers"],
        indices_are_sorted=attrs["indices_are_sorted"] if "indices_are_sorted" in attrs else None,
        unique_indices=unique,
    )


def _unique_attr(op) -> bool:
    return "unique_indices" in op.attributes and ir.BoolAttr(op.attributes["unique_indices"]).value


def indices_provably_unique(op) -> bool:
    """The scatter's `unique_indices` is set, or its indices are constants
    whose in-bounds update windows never reach one element twice."""
    if _unique_attr(op):
        return True
    indices = op.operands[1]
    array = constant_value(indices)
    if array is None:
        array = static_value(indices)
    if array is None:
        return False
    d = stablehlo.ScatterDimensionNumbers(op.attributes["scatter_dimension_numbers"])
    points = window_points(array, d, _shape(op.operands[0]), _shape(op.operands[2]))
    if points is None:
        return False
    return len(np.unique(points, axis=0)) == len(points)


def window_points(indices: np.ndarray, d, oshape, ushape) -> np.ndarray | None:
    """[M, rank]: the operand element every update element of an in-bounds
    window writes (windows partly out of bounds are skipped, as StableHLO
    does); None for batching dims or more than MAX_UNIQUE_CHECK points."""
    if list(d.input_batching_dims) or math.prod(ushape) > MAX_UNIQUE_CHECK:
        return None
    rank = len(oshape)
    ivd = d.index_vector_dim
    idx = np.asarray(indices, dtype=np.int64)
    idx = idx[..., None] if ivd == idx.ndim else np.moveaxis(idx, ivd, -1)
    starts = idx.reshape(-1, idx.shape[-1])
    smap = list(d.scattered_dims_to_operand_dims)
    window = [dim for dim in range(rank) if dim not in set(d.inserted_window_dims)]
    wsize = [1] * rank
    for dim, u in zip(window, d.update_window_dims):
        wsize[dim] = ushape[u]
    full = np.zeros((len(starts), rank), dtype=np.int64)
    full[:, smap] = starts
    highs = np.array([oshape[dim] - wsize[dim] for dim in smap])
    inside = ((starts >= 0) & (starts <= highs)).all(axis=1)
    full = full[inside]
    offsets = np.stack(np.meshgrid(*[np.arange(w) for w in wsize], indexing="ij"), axis=-1).reshape(-1, rank)
    return (full[:, None, :] + offsets[None, :, :]).reshape(-1, rank)


def _shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _static(*values) -> bool:
    return all(ir.RankedTensorType(v.type).has_static_shape for v in values)


def gather_apply_set(op, rewriter) -> bool:
    """General elementwise body with provably unique indices -> gather,
    the body on tensors, scatter-set (pattern; True = no match)."""
    if len(op.operands) != 3 or not _static(*op.operands):
        return True
    from hlo_coreml.emit.ops_indexing import scatter_mode

    if scatter_mode(op) is not None or is_subtract_body(op) or general_body_problem(op) is not None:
        return True
    if not indices_provably_unique(op):
        return True
    operand, indices, updates = op.operands
    d = stablehlo.ScatterDimensionNumbers(op.attributes["scatter_dimension_numbers"])
    oshape, ushape = _shape(operand), _shape(updates)
    collapsed = set(d.inserted_window_dims) | set(d.input_batching_dims)
    window = [dim for dim in range(len(oshape)) if dim not in collapsed]
    sizes = [1] * len(oshape)
    for dim, u in zip(window, d.update_window_dims):
        sizes[dim] = ushape[u]
    with rewriter.ip, op.location:
        dims = stablehlo.GatherDimensionNumbers.get(
            offset_dims=list(d.update_window_dims),
            collapsed_slice_dims=list(d.inserted_window_dims),
            operand_batching_dims=list(d.input_batching_dims),
            start_indices_batching_dims=list(d.scatter_indices_batching_dims),
            start_index_map=list(d.scattered_dims_to_operand_dims),
            index_vector_dim=d.index_vector_dim,
        )
        element = ir.RankedTensorType(operand.type).element_type
        old = stablehlo.GatherOp(
            operand, indices, dims, sizes, results=[ir.RankedTensorType.get(ushape, element)]
        ).result
        new = apply_body(op, [old, updates], ushape)
        scatter = _scatter_like(op, operand, new)
        block = scatter.regions[0].blocks.append(*[a.type for a in _body(op)[1]])
        with ir.InsertionPoint(block):
            stablehlo.ReturnOp([block.arguments[1]])
    rewriter.replace_op(op, [scatter.results[0]])
    return False


def _ignores_update(op) -> bool:
    block = op.regions[0].blocks[0]
    update = block.arguments[1]
    return all(update not in list(inner.operands) for inner in block.operations)


def window_count(op) -> int:
    """The number of update windows of single-operand scatter `op`."""
    ishape = _shape(op.operands[1])
    d = stablehlo.ScatterDimensionNumbers(op.attributes["scatter_dimension_numbers"])
    return math.prod(n for i, n in enumerate(ishape) if i != d.index_vector_dim)


def repeat_apply(op, rewriter) -> bool:
    """A body f(old) that ignores the update (`x.at[i].apply(f)`), indices
    that may repeat: XLA applies f once per update reaching an element, so
    the result is f applied count times, count = how many windows reach the
    element (a scatter-add of ones with the same indices; out-of-bounds
    windows count nowhere). Built as y_r = f(y_(r-1)) on the whole operand
    for r = 1 .. N (N = number of windows <= MAX_REPEAT) and result =
    select(count >= r, y_r, result) (pattern; True = no match)."""
    if len(op.operands) != 3 or not _static(*op.operands):
        return True
    from hlo_coreml.emit.ops_indexing import scatter_mode

    if scatter_mode(op) is not None or is_subtract_body(op) or general_body_problem(op) is not None:
        return True
    if not _ignores_update(op) or indices_provably_unique(op):
        return True
    n = window_count(op)
    if n > MAX_REPEAT:
        return True
    operand, indices, updates = op.operands
    oshape = _shape(operand)
    i32 = ir.IntegerType.get_signless(32)
    with rewriter.ip, op.location:
        def splat(value, shape):
            t = ir.RankedTensorType.get(shape, i32)
            return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, ir.IntegerAttr.get(i32, value))).result

        counter = stablehlo.ScatterOp(
            [ir.RankedTensorType.get(oshape, i32)], [splat(0, oshape)], indices, [splat(1, _shape(updates))],
            op.attributes["scatter_dimension_numbers"],
        )
        block = counter.regions[0].blocks.append(ir.RankedTensorType.get([], i32), ir.RankedTensorType.get([], i32))
        with ir.InsertionPoint(block):
            stablehlo.ReturnOp([stablehlo.AddOp(*block.arguments).result])
        count = counter.results[0]
        result = y = operand
        for r in range(1, n + 1):
            y = apply_body(op, [y, y], oshape)
            reached = stablehlo.CompareOp(count, splat(r, oshape), stablehlo.ComparisonDirectionAttr.get("GE")).result
            result = stablehlo.SelectOp(reached, y, result).result
    rewriter.replace_op(op, [result])
    return False


def apply_body(op, tensors, shape) -> ir.Value:
    """The body of `op` applied elementwise to `tensors` (one per block
    argument, all of `shape`); call under an insertion point."""
    return apply_region(op.regions[0].blocks[0], tensors, shape)[0]


__all__ = [
    "apply_body",
    "gather_apply_set",
    "general_body_problem",
    "indices_provably_unique",
    "is_subtract_body",
    "negate_subtract",
    "repeat_apply",
    "window_points",
]
