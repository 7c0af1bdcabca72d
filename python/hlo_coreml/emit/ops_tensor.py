"""Constants and data movement: constant, iota, reshape, transpose,
broadcast_in_dim, concatenate, slice, pad."""

from __future__ import annotations

import numpy as np

from .. import limits
from ..diagnostics import OpRefused
from ..element_types import NUMPY_DTYPES, kind_of, shape_of
from ..ir_utils import constant_value, defining_op_name, dense_array, i64_array, int_attr
from .ops_elementwise import BROADCASTING_OPS
from .registry import emits


def feeds_only_broadcasting_ops(value) -> bool:
    """True if every user of `value` broadcasts its operands NumPy-style, so
    a broadcast producing `value` need not be materialized."""
    uses = list(value.uses)
    return bool(uses) and all(use.owner.name in BROADCASTING_OPS for use in uses)


@emits(
    "stablehlo.constant",
    doc="`const` (a splat feeding only elementwise ops stays one element; a splat past the size limit is `tile`d at run time)",
)
def _constant(ctx, op):
    attr = op.attributes["value"]
    dtype = NUMPY_DTYPES[kind_of(op.results[0])]
    shape = shape_of(op.results[0])
    if attr.is_splat and len(shape) > 0:
        if feeds_only_broadcasting_ops(op.results[0]):
            one = np.asarray(attr).reshape(-1)[:1].astype(dtype)
            return ctx.const(one.reshape([1] * len(shape)))
        if limits.too_large(shape, np.dtype(dtype).itemsize):
            # Not materialized at compile time (hlo_coreml.limits).
            one = np.asarray(attr).reshape(-1)[:1].astype(dtype)
            return ctx.broadcast_to(ctx.const(one.reshape([1] * len(shape))), shape)
    return ctx.const(dense_array(attr).astype(dtype, copy=False))


# range_1d's bounds are int32: one past the last index must fit.
_RANGE_MAX = 2**31 - 1


@emits(
    "stablehlo.iota",
    doc="`const` of one axis (`range_1d` past the size limit), then `tile` (skipped before elementwise ops)",
)
def _iota(ctx, op):
    shape = shape_of(op.results[0])
    dim = int_attr(op, "iota_dimension")
    kind = kind_of(op.results[0])
    dtype = NUMPY_DTYPES[kind]
    axis = [1] * len(shape)
    axis[dim] = shape[dim]
    if not limits.too_large([shape[dim]], np.dtype(dtype).itemsize):
        var = ctx.const(np.arange(shape[dim]).astype(dtype).reshape(axis))
    elif shape[dim] <= _RANGE_MAX:
        # Computed at run time (hlo_coreml.limits): int32 indices, then the
        # element type (StableHLO's iota converts the index the same way).
        i32 = ctx.scalar
        var = ctx.mb.range_1d(start=i32(0, "i32"), end=i32(shape[dim], "i32"), step=i32(1, "i32"))
        if kind != "i32":
            var = ctx.cast(var, kind)
        var = ctx.reshape(var, axis)
    else:
        raise OpRefused(
            f"'stablehlo.iota' of {shape[dim]:,} elements along dimension {dim}: Core ML's range_1d counts in "
            f"int32 (at most {_RANGE_MAX:,}), and the value is past hlo-coreml's limit for values computed at "
            f"compile time ({limits.MAX_ELEMENTS:,} elements / {limits.MAX_BYTES // 2**20} MB)",
            op.location,
        )
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


def dilate_axis(ctx, x, shape, axis: int, amount: int, fill):
    """Insert `amount` copies of `fill` (a one-element var) between
    neighbouring elements of `x` (static `shape`) along `axis`; returns the
    new var, of size (n-1)*(amount+1)+1 along `axis`. `x` is viewed as
    [A, n, 1, B] (A, B: the sizes before and after the axis, so the rank
    never exceeds 4), concatenated with a [A, n, amount, B] block of `fill`
    on its third dim, reshaped to n*(amount+1) along the axis, and the
    trailing fill is sliced off."""
    if amount == 0 or shape[axis] <= 1:
        return x
    shape = [int(d) for d in shape]
    length = shape[axis]
    mb = ctx.mb
    before = int(np.prod(shape[:axis], dtype=np.int64))
    after = int(np.prod(shape[axis + 1 :], dtype=np.int64))
    viewed = ctx.reshape(x, [before, length, 1, after])
    block = [before, length, amount, after]
    known = getattr(fill, "val", None)
    if known is not None:
        filler = ctx.const(np.full(block, np.asarray(known).reshape(-1)[0], dtype=np.asarray(known).dtype))
    else:
        filler = ctx.broadcast_to(ctx.reshape(fill, [1] * len(block)), block)
    joined = mb.concat(values=[viewed, filler], axis=2)
    flat = shape[:axis] + [length * (amount + 1)] + shape[axis + 1 :]
    x = ctx.reshape(joined, flat)
    end = list(flat)
    end[axis] = (length - 1) * (amount + 1) + 1
    return mb.slice_by_index(x=x, begin=np.zeros(len(flat), np.int32), end=np.array(end, np.int32))


def _interior(ctx, x, fill, shape, interior):
    """Interior padding: `interior[axis]` copies of the rank-0 `fill`
    between neighbouring elements along each axis (`dilate_axis`)."""
    shape = list(shape)
    for axis, amount in enumerate(interior):
        if amount == 0 or shape[axis] <= 1:
            continue
        x = dilate_axis(ctx, x, shape, axis, amount, fill)
        shape[axis] = (shape[axis] - 1) * (amount + 1) + 1
    return x, shape


def scalar_constant(value) -> np.ndarray | None:
    """The rank-0 value of `value` if it is a constant, or an exact
    `convert` of one (JAX writes `pad(x, 0)` on floats as a convert of the
    integer 0), as an array of `value`'s own element dtype; else None."""
    const = constant_value(value)
    if const is None and defining_op_name(value) == "stablehlo.convert":
        source = value.owner.operands[0]
        const = constant_value(source)
        if const is not None:
            converted = const.astype(NUMPY_DTYPES[kind_of(value)])
            if not np.array_equal(converted.astype(const.dtype), const):
                return None
            const = converted
    if const is None or const.size != 1:
        return None
    return const.reshape(()).astype(NUMPY_DTYPES[kind_of(value)])


@emits(
    "stablehlo.pad",
    doc="interior padding: `reshape` + `concat` with the pad value + `reshape` + `slice_by_index` (rank <= 4 "
    "inside); negative edges: `slice_by_index`; edges: `pad` (floats, constant value) or `concat` with "
    "filled blocks; everything cropped away: the pad value tiled",
)
def _pad(ctx, op):
    """StableHLO pad in three steps, each on the previous one's result:
    interior padding dilates every axis (n -> (n-1)*(k+1)+1); negative
    edges crop the dilated value; positive edges pad it. When an axis is
    cropped to nothing, every result element is padding: the pad value is
    tiled to the result shape. No zero-size value and no rank above the
    operand's (or 4) is ever built."""
    mb = ctx.mb
    x = ctx[op.operands[0]]
    shape = list(shape_of(op.operands[0]))
    out_shape = list(shape_of(op.results[0]))
    fill = ctx[op.operands[1]]
    interior = i64_array(op, "interior_padding")
    if any(interior):
        x, shape = _interior(ctx, x, fill, shape, interior)
    low = i64_array(op, "edge_padding_low")
    high = i64_array(op, "edge_padding_high")
    # Negative padding removes elements: slice them off first.
    if any(p < 0 for p in low + high):
        begin = [max(0, -lo) for lo in low]
        end = [s - max(0, -hi) for s, hi in zip(shape, high)]
        if any(e <= b for b, e in zip(begin, end)):
            return ctx.broadcast_to(ctx.reshape(fill, [1] * len(out_shape)), out_shape)
        x = mb.slice_by_index(x=x, begin=np.array(begin, np.int32), end=np.array(end, np.int32))
        shape = [e - b for b, e in zip(begin, end)]
        low = [max(0, lo) for lo in low]
        high = [max(0, hi) for hi in high]
    if not any(low + high):
        return x
    pad_value = scalar_constant(op.operands[1])
    if kind_of(op.results[0]) in ("f16", "f32") and pad_value is not None:
        # MIL pad pads the trailing dims; give it every dim. Its
        # constant_val must have x's dtype (fp16 next to fp16 data).
        pads = np.array([p for lo, hi in zip(low, high) for p in (lo, hi)], dtype=np.int32)
        return mb.pad(x=x, pad=pads, mode="constant", constant_val=pad_value)
    fill = ctx.reshape(fill, [1] * len(shape))
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
