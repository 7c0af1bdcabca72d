"""Constants and data movement: constant, iota, reshape, transpose,
broadcast_in_dim, concatenate, slice, pad."""

from __future__ import annotations

import numpy as np

from ..element_types import NUMPY_DTYPES, kind_of, shape_of
from ..ir_utils import constant_value, dense_array, i64_array, int_attr
from .ops_elementwise import BROADCASTING_OPS
from .registry import emits


def feeds_only_broadcasting_ops(value) -> bool:
    """True if every user of `value` broadcasts its operands NumPy-style, so
    a broadcast producing `value` need not be materialized."""
    uses = list(value.uses)
    return bool(uses) and all(use.owner.name in BROADCASTING_OPS for use in uses)


@emits("stablehlo.constant", doc="`const` (a splat feeding only elementwise ops stays one element)")
def _constant(ctx, op):
    attr = op.attributes["value"]
    dtype = NUMPY_DTYPES[kind_of(op.results[0])]
    shape = shape_of(op.results[0])
    if attr.is_splat and len(shape) > 0 and feeds_only_broadcasting_ops(op.results[0]):
        one = np.asarray(attr).reshape(-1)[:1].astype(dtype)
        return ctx.const(one.reshape([1] * len(shape)))
    return ctx.const(dense_array(attr).astype(dtype, copy=False))


@emits("stablehlo.iota", doc="`const` of one axis, then `tile` (skipped before elementwise ops)")
def _iota(ctx, op):
    shape = shape_of(op.results[0])
    dim = int_attr(op, "iota_dimension")
    dtype = NUMPY_DTYPES[kind_of(op.results[0])]
    axis = [1] * len(shape)
    axis[dim] = shape[dim]
    var = ctx.const(np.arange(shape[dim]).astype(dtype).reshape(axis))
    if feeds_only_broadcasting_ops(op.results[0]):
        return var
    return ctx.broadcast_to(var, shape)


@emits("stablehlo.reshape", doc="`reshape`")
def _reshape(ctx, op):
    return ctx.reshape(ctx[op.operands[0]], shape_of(op.results[0]))


@emits("stablehlo.transpose", doc="`transpose`")
def _transpose(ctx, op):
    perm = i64_array(op, "permutation")
    if perm == sorted(perm):
        return ctx[op.operands[0]]
    return ctx.mb.transpose(x=ctx[op.operands[0]], perm=np.array(perm, dtype=np.int32))


@emits("stablehlo.broadcast_in_dim", doc="`reshape` (+ `transpose`), then `tile` unless only elementwise ops use it")
def _broadcast_in_dim(ctx, op):
    x = ctx[op.operands[0]]
    dims = i64_array(op, "broadcast_dimensions")
    out_shape = shape_of(op.results[0])
    in_shape = shape_of(op.operands[0])
    order = sorted(range(len(dims)), key=lambda i: dims[i])
    if order != list(range(len(dims))):
        x = ctx.mb.transpose(x=x, perm=np.array(order, dtype=np.int32))
        in_shape = tuple(in_shape[i] for i in order)
        dims = [dims[i] for i in order]
    expanded = [1] * len(out_shape)
    for size, d in zip(in_shape, dims):
        expanded[d] = size
    x = ctx.reshape(x, expanded)
    if feeds_only_broadcasting_ops(op.results[0]):
        return x
    return ctx.broadcast_to(x, out_shape)


@emits("stablehlo.concatenate", doc="`concat`")
def _concatenate(ctx, op):
    values = ctx.operands(op)
    if len(values) == 1:
        return values[0]
    return ctx.mb.concat(values=values, axis=int_attr(op, "dimension"))


@emits("stablehlo.slice", doc="`slice_by_index`")
def _slice(ctx, op):
    x = ctx[op.operands[0]]
    begin = i64_array(op, "start_indices")
    end = i64_array(op, "limit_indices")
    stride = i64_array(op, "strides")
    if all(b == 0 for b in begin) and tuple(end) == shape_of(op.operands[0]) and all(s == 1 for s in stride):
        return x
    out = ctx.mb.slice_by_index(
        x=x,
        begin=np.array(begin, dtype=np.int32),
        end=np.array(end, dtype=np.int32),
        stride=np.array(stride, dtype=np.int32),
    )
    # The result of a slice is static even when the operand has `?` dims
    # (its limits are numbers), but MIL infers a symbol for a sliced
    # symbolic dim: a constant reshape gives the static shape back.
    return ctx.reshape(out, shape_of(op.results[0]))


def _interior(ctx, x, fill, shape, interior):
    """Insert `interior[axis]` copies of the (rank-N, all-ones-shaped) `fill`
    between neighbouring elements along each axis: `expand_dims` after the
    axis, `concat` with a filled block, `reshape`, drop the trailing fill."""
    mb = ctx.mb
    shape = list(shape)
    for axis, amount in enumerate(interior):
        if amount == 0 or shape[axis] <= 1:
            continue
        length = shape[axis]
        expanded = mb.expand_dims(x=x, axes=[axis + 1])
        block = shape[: axis + 1] + [amount] + shape[axis + 1 :]
        filler = ctx.broadcast_to(ctx.reshape(fill, [1] * len(block)), block)
        joined = mb.concat(values=[expanded, filler], axis=axis + 1)
        flat = shape[:axis] + [length * (amount + 1)] + shape[axis + 1 :]
        x = ctx.reshape(joined, flat)
        end = list(flat)
        end[axis] = (length - 1) * (amount + 1) + 1
        x = mb.slice_by_index(x=x, begin=np.zeros(len(flat), np.int32), end=np.array(end, np.int32))
        shape = end
    return x, shape


@emits(
    "stablehlo.pad",
    doc="interior padding: `expand_dims` + `concat` with the pad value + `reshape` + `slice_by_index`; "
    "negative edges: `slice_by_index`; edges: `pad` (floats, constant value) or `concat` with filled blocks",
)
def _pad(ctx, op):
    mb = ctx.mb
    x = ctx[op.operands[0]]
    shape = list(shape_of(op.operands[0]))
    interior = i64_array(op, "interior_padding")
    if any(interior):
        x, shape = _interior(ctx, x, ctx[op.operands[1]], shape, interior)
    low = i64_array(op, "edge_padding_low")
    high = i64_array(op, "edge_padding_high")
    # Negative padding removes elements: slice them off first.
    if any(p < 0 for p in low + high):
        begin = [max(0, -lo) for lo in low]
        end = [s - max(0, -hi) for s, hi in zip(shape, high)]
        x = mb.slice_by_index(x=x, begin=np.array(begin, np.int32), end=np.array(end, np.int32))
        shape = [e - b for b, e in zip(begin, end)]
        low = [max(0, lo) for lo in low]
        high = [max(0, hi) for hi in high]
    if not any(low + high):
        return x
    pad_value = constant_value(op.operands[1])
    if kind_of(op.results[0]) in ("f16", "f32") and pad_value is not None:
        # MIL pad pads the trailing dims; give it every dim.
        pads = np.array([p for lo, hi in zip(low, high) for p in (lo, hi)], dtype=np.int32)
        # constant_val in x's dtype (a Python float would be fp32 next to fp16 data).
        fill = ctx.scalar(float(pad_value.reshape(())), op.results[0])
        return mb.pad(x=x, pad=pads, mode="constant", constant_val=fill)
    fill = ctx.reshape(ctx[op.operands[1]], [1] * len(shape))
    for axis, (lo, hi) in enumerate(zip(low, high)):
        parts = []
        for amount in (lo, hi):
            block = list(shape)
            block[axis] = amount
            parts.append(ctx.broadcast_to(fill, block) if amount else None)
        pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
        if len(pieces) > 1:
            x = mb.concat(values=pieces, axis=axis)
            shape[axis] += lo + hi
    return x
