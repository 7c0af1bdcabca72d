"""Bitwise ops on i32, computed exactly with int32 arithmetic.

MIL has no bitwise ops. Bit i (i < 31) of a two's-complement int32 x is
`mod(floor_div(x, 2**i), 2)` (floor division by a power of two is an
arithmetic shift, floor-mod of 2 is 0 or 1); bit 31 is `x < 0`. The value
is flattened to [N, 1] and divided by a [1, 31] row of powers, so the bits
of every element are one [N, 31] tensor (rank 2, whatever the input rank),
and recombined with `mul` by the powers and `reduce_sum` (< 2**31, no
overflow), minus 2**31 where bit 31 is set.

Shifts multiply or floor-divide by 2**s looked up with `gather` in a
constant table; amounts outside [0, 32) give 0 (left, logical) or the sign
fill (arithmetic), as StableHLO defines. Multiplying by 2**31 relies on
int32 multiplication wrapping (x * -2**31 is -2**31 for odd x, else 0).
"""

from __future__ import annotations

import numpy as np

from ..element_types import kind_of, shape_of
from .registry import emits

_POW = np.array([1 << i for i in range(31)], dtype=np.int32)  # 2**0 .. 2**30
_INT_MIN = np.int32(-(2**31))


def _i32(value):
    return np.int32(value)


def _flat(ctx, var, shape):
    var = ctx.broadcast_to(var, shape)
    n = int(np.prod(shape)) if shape else 1
    return ctx.reshape(var, [n, 1])


def _bits(ctx, flat):
    """(bits [N, 31] of 0/1, negative [N, 1] bool) of flat [N, 1] int32."""
    mb = ctx.mb
    powers = ctx.const(_POW.reshape(1, 31))
    bits = mb.mod(x=mb.floor_div(x=flat, y=powers), y=_i32(2))
    return bits, mb.less(x=flat, y=_i32(0))


def _combine(ctx, bits, negative, shape):
    """The int32 with `bits` [N, 31] as bits 0..30 and `negative` as bit 31."""
    mb = ctx.mb
    low = mb.reduce_sum(x=mb.mul(x=bits, y=ctx.const(_POW.reshape(1, 31))), axes=[1], keep_dims=True)
    value = mb.select(cond=negative, a=mb.add(x=low, y=_INT_MIN), b=low)
    return ctx.reshape(value, list(shape))


def _low_mask(value) -> int | None:
    """k if the constant `value` is a splat 2**k - 1 (0 < k < 31)."""
    if value is None or value.size == 0:
        return None
    first = int(value.reshape(-1)[0])
    if not (value == first).all() or first <= 0:
        return None
    k = (first + 1).bit_length() - 1
    return k if (1 << k) - 1 == first and k < 31 else None


def emit_bitwise(ctx, op):
    """and/or/xor of two i32 tensors."""
    from ..ir_utils import constant_value

    mb = ctx.mb
    name = op.operation.name
    shape = shape_of(op.results[0])
    if name == "stablehlo.and":
        for mask_side, other in ((1, 0), (0, 1)):
            k = _low_mask(constant_value(op.operands[mask_side]))
            if k is not None:
                # x & (2**k - 1) == floor-mod(x, 2**k), also for negative x.
                x = ctx.broadcast_to(ctx[op.operands[other]], shape)
                return mb.mod(x=x, y=_i32(1 << k))
    x, y = (_flat(ctx, ctx[v], shape) for v in op.operands)
    bx, nx = _bits(ctx, x)
    by, ny = _bits(ctx, y)
    if name == "stablehlo.and":
        bits, neg = mb.mul(x=bx, y=by), mb.logical_and(x=nx, y=ny)
    elif name == "stablehlo.or":
        bits, neg = mb.maximum(x=bx, y=by), mb.logical_or(x=nx, y=ny)
    else:
        bits, neg = mb.mod(x=mb.add(x=bx, y=by), y=_i32(2)), mb.logical_xor(x=nx, y=ny)
    return _combine(ctx, bits, neg, shape)


def _i32_only(op):
    if kind_of(op.results[0]) != "i32":
        return f"on {kind_of(op.results[0])} tensors is not supported (i32 only)"
    return None


@emits("stablehlo.popcnt", check=_i32_only, doc="bit decomposition (`floor_div`, `mod`), `reduce_sum`")
def _popcnt(ctx, op):
    mb = ctx.mb
    shape = shape_of(op.results[0])
    bits, neg = _bits(ctx, _flat(ctx, ctx[op.operands[0]], shape))
    count = mb.add(x=mb.reduce_sum(x=bits, axes=[1], keep_dims=True), y=mb.cast(x=neg, dtype="int32"))
    return ctx.reshape(count, list(shape))


@emits("stablehlo.count_leading_zeros", check=_i32_only, doc="bit decomposition, `reduce_max` of set bit positions")
def _clz(ctx, op):
    mb = ctx.mb
    shape = shape_of(op.results[0])
    bits, neg = _bits(ctx, _flat(ctx, ctx[op.operands[0]], shape))
    positions = ctx.const(np.arange(1, 32, dtype=np.int32).reshape(1, 31))
    highest = mb.reduce_max(x=mb.mul(x=bits, y=positions), axes=[1], keep_dims=True)  # 0 for x == 0
    clz = mb.sub(x=_i32(32), y=highest)
    clz = mb.select(cond=neg, a=mb.mul(x=clz, y=_i32(0)), b=clz)
    return ctx.reshape(clz, list(shape))


def _lookup(ctx, table, index):
    return ctx.mb.gather(x=ctx.const(np.asarray(table, dtype=np.int32)), indices=index, axis=0)


@emits(
    "stablehlo.shift_left",
    "stablehlo.shift_right_arithmetic",
    "stablehlo.shift_right_logical",
    check=_i32_only,
    doc="`mul`/`floor_div` by 2**s from a `gather`ed table; amounts outside [0, 32) give 0 or the sign fill",
)
def _shift(ctx, op):
    mb = ctx.mb
    shape = shape_of(op.results[0])
    x, s = (ctx.broadcast_to(ctx[v], shape) for v in op.operands)
    name = op.operation.name
    in_range = mb.logical_and(x=mb.greater_equal(x=s, y=_i32(0)), y=mb.less(x=s, y=_i32(32)))
    index = mb.select(cond=in_range, a=s, b=mb.mul(x=s, y=_i32(0)))  # 0..31
    zeros = mb.mul(x=x, y=_i32(0))
    negative = mb.less(x=x, y=_i32(0))
    if name == "stablehlo.shift_left":
        power = _lookup(ctx, list(_POW) + [_INT_MIN], index)
        return mb.select(cond=in_range, a=mb.mul(x=x, y=power), b=zeros)
    if name == "stablehlo.shift_right_arithmetic":
        sign_fill = mb.select(cond=negative, a=mb.sub(x=zeros, y=_i32(1)), b=zeros)
        small = mb.logical_and(x=in_range, y=mb.less(x=s, y=_i32(31)))
        power = _lookup(ctx, list(_POW) + [1], index)
        return mb.select(cond=small, a=mb.floor_div(x=x, y=power), b=sign_fill)
    # Logical: for negative x, shift x + 2**31 (added as 2 * 2**30: no
    # overflow) and add back 2**31 >> s = 2**(31 - s).
    half = mb.select(cond=negative, a=mb.add(x=zeros, y=_i32(1 << 30)), b=zeros)
    unsigned_low = mb.add(x=mb.add(x=x, y=half), y=half)
    power = _lookup(ctx, list(_POW) + [_INT_MIN], index)  # index 31 unused below
    safe_power = mb.select(cond=mb.equal(x=index, y=_i32(31)), a=mb.add(x=zeros, y=_i32(1 << 30)), b=power)
    shifted = mb.floor_div(x=unsigned_low, y=safe_power)
    shifted = mb.select(cond=mb.equal(x=index, y=_i32(31)), a=mb.floor_div(x=shifted, y=_i32(2)), b=shifted)
    high = _lookup(ctx, [0] + [1 << (31 - k) for k in range(1, 32)], index)  # 2**(31-s), s >= 1
    with_high = mb.select(cond=negative, a=mb.add(x=shifted, y=high), b=shifted)
    result = mb.select(cond=mb.equal(x=index, y=_i32(0)), a=x, b=with_high)
    return mb.select(cond=in_range, a=result, b=zeros)
