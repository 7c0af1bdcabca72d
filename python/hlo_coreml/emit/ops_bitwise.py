"""Bitwise ops on i32, computed exactly with int32 arithmetic.

MIL has no bitwise ops. Bit i (i < 31) of a two's-complement int32 x is
`abs(mod(floor_div(x, 2**i), 2))`: floor division by a power of two is an
arithmetic shift (`floor_div` is documented to round toward -inf), and the
parity of q is |q % 2| whether MIL `mod` is floor-mod (0 or 1) or C fmod
(-1, 0 or 1) -- its doc says only "x % y"; bit 31 is `x < 0`. The value
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
    # The quotients are negative for negative x: abs makes the parity 0/1
    # under either sign convention of `mod` (see the module docstring).
    bits = mb.abs(x=mb.mod(x=mb.floor_div(x=flat, y=powers), y=_i32(2)))
    return bits, mb.less(x=flat, y=_i32(0))


def floor_mod_pow2(ctx, x, k: int):
    """x mod 2**k in [0, 2**k) for any int32 x (x & (2**k - 1)), without MIL
    `mod`, whose sign for negative x is not documented: x - floor_div(x,
    2**k) * 2**k. The product is the largest multiple of 2**k <= x, which
    is >= -2**31 (itself a multiple), so nothing overflows."""
    mb = ctx.mb
    p = _i32(1 << k)
    return mb.sub(x=x, y=mb.mul(x=mb.floor_div(x=x, y=p), y=p))


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
                return floor_mod_pow2(ctx, x, k)
    x, y = (_flat(ctx, ctx[v], shape) for v in op.operands)
    bx, nx = _bits(ctx, x)
    by, ny = _bits(ctx, y)
    if name == "stablehlo.and":
        bits, neg = mb.mul(x=bx, y=by), mb.logical_and(x=nx, y=ny)
    elif name == "stablehlo.or":
        bits, neg = mb.maximum(x=bx, y=by), mb.logical_or(x=nx, y=ny)
    else:
        # bx + by is 0, 1 or 2: `mod` of a non-negative x by 2 is the same
        # under either sign convention.
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


# -- bitcast_convert f32 <-> i32 --------------------------------------------------
#
# Built from IEEE-754 fields with operations that are exact in fp32: products
# by powers of two (looked up in constant tables, never computed), int32
# <-> fp32 casts of integers below 2**24, and comparisons. The exponent of
# |x| is the number of powers 2**-149 .. 2**127 it is >= to. NaN becomes the
# canonical quiet NaN (payloads are not kept). Exact under
# compute_precision='fp32' only.

_EXPONENTS = np.arange(-149, 128)  # 2**k, every power of two f32 has
_POWERS_F32 = np.ldexp(np.float32(1), _EXPONENTS).astype(np.float32)


def _bitcast_check(op):
    src, dst = kind_of(op.operands[0]), kind_of(op.results[0])
    if {src, dst} != {"f32", "i32"} and src != dst:
        return (
            f"from {src} to {dst} is not supported: only f32 <-> i32 (same width) can be computed "
            "exactly with Core ML arithmetic"
        )
    if shape_of(op.operands[0]) != shape_of(op.results[0]):
        return "changing the shape (different bit widths) is not supported"
    return None


@emits(
    "stablehlo.bitcast_convert",
    check=_bitcast_check,
    doc="f32 <-> i32 only, from the IEEE-754 fields with exact fp32 arithmetic (power-of-two tables, "
    "comparisons, casts of integers < 2**24); NaN payloads not kept; exact under fp32 compute precision",
)
def _bitcast_convert(ctx, op):
    src, dst = kind_of(op.operands[0]), kind_of(op.results[0])
    x = ctx[op.operands[0]]
    if src == dst:
        return x
    shape = shape_of(op.results[0])
    if src == "f32":
        return _f32_to_bits(ctx, x, shape)
    return _bits_to_f32(ctx, x, shape)


def _f32_to_bits(ctx, x, shape):
    mb = ctx.mb
    n = int(np.prod(shape)) if shape else 1
    x = ctx.reshape(x, [n, 1])
    f = np.float32
    mag = mb.abs(x=x)
    is_nan = mb.not_equal(x=x, y=x)
    mag = mb.select(cond=is_nan, a=mb.mul(x=mag, y=f(0)), b=mag)  # NaN: handled at the end
    # Sign, including -0.0 (1 / -0.0 = -inf).
    zero = mb.equal(x=x, y=f(0))
    recip = mb.real_div(x=f(1), y=mb.select(cond=zero, a=x, b=mb.add(x=mb.mul(x=x, y=f(0)), y=f(1))))
    negative = mb.logical_or(x=mb.less(x=x, y=f(0)), y=mb.logical_and(x=zero, y=mb.less(x=recip, y=f(0))))
    # count = number of powers 2**k (k = -149..127) with |x| >= 2**k.
    ge = mb.greater_equal(x=mag, y=ctx.const(_POWERS_F32.reshape(1, -1)))
    count = mb.reduce_sum(x=mb.cast(x=ge, dtype="int32"), axes=[1], keep_dims=True)
    # Normal |x| = 2**e * m: count = e + 150; denormal: count <= 23; zero: 0.
    normal = mb.greater_equal(x=count, y=np.int32(24))
    e = mb.sub(x=count, y=np.int32(150))  # unbiased exponent for normals
    e_clamped = mb.minimum(x=mb.maximum(x=e, y=np.int32(-126)), y=np.int32(127))
    # |x| * 2**-e in [1, 2), in two exact steps (2**-e alone may not be finite).
    inv_table = np.ldexp(np.float32(1), -np.arange(-126, 128)).astype(np.float32)  # 2**-e, e=-126..127
    inv = mb.gather(x=ctx.const(inv_table), indices=mb.sub(x=e_clamped, y=np.int32(-126)), axis=0)
    m = mb.mul(x=mag, y=inv)
    frac_normal = mb.mul(x=mb.sub(x=m, y=f(1)), y=f(2.0**23))
    frac_denormal = mb.mul(x=mb.mul(x=mag, y=f(2.0**75)), y=f(2.0**74))  # |x| / 2**-149
    frac = mb.cast(x=mb.select(cond=normal, a=frac_normal, b=frac_denormal), dtype="int32")
    exponent_field = mb.select(cond=normal, a=mb.add(x=e_clamped, y=np.int32(127)), b=mb.mul(x=count, y=np.int32(0)))
    bits = mb.add(x=mb.mul(x=exponent_field, y=np.int32(1 << 23)), y=frac)
    infinite = mb.equal(x=mag, y=f(np.inf))
    bits = mb.select(cond=infinite, a=mb.add(x=mb.mul(x=bits, y=np.int32(0)), y=np.int32(0x7F800000)), b=bits)
    bits = mb.select(cond=negative, a=mb.add(x=bits, y=_INT_MIN), b=bits)
    bits = mb.select(cond=is_nan, a=mb.add(x=mb.mul(x=bits, y=np.int32(0)), y=np.int32(0x7FC00000)), b=bits)
    return ctx.reshape(bits, list(shape))


def _bits_to_f32(ctx, x, shape):
    mb = ctx.mb
    f = np.float32
    negative = mb.less(x=x, y=np.int32(0))
    zeros = mb.mul(x=x, y=np.int32(0))
    half = mb.select(cond=negative, a=mb.add(x=zeros, y=np.int32(1 << 30)), b=zeros)
    u = mb.add(x=mb.add(x=x, y=half), y=half)  # the low 31 bits, as a non-negative int32
    exponent_field = mb.floor_div(x=u, y=np.int32(1 << 23))  # 0..255
    # u >= 0: `mod` is the same under either sign convention.
    frac = mb.cast(x=mb.mod(x=u, y=np.int32(1 << 23)), dtype="fp32")  # exact: < 2**23
    scale_table = np.ones(256, np.float32)  # E = 255 (inf / NaN) keeps 1
    scale_table[:255] = np.ldexp(np.float32(1), np.arange(0, 255) - 127)  # 2**(E-127)
    scale_table[0] = np.float32(2.0**-126)  # denormals: 0.frac * 2**-126
    scale = mb.gather(x=ctx.const(scale_table), indices=exponent_field, axis=0)
    is_denormal = mb.equal(x=exponent_field, y=np.int32(0))
    significand = mb.add(
        x=mb.mul(x=frac, y=f(2.0**-23)),
        y=mb.select(cond=is_denormal, a=mb.mul(x=frac, y=f(0)), b=mb.add(x=mb.mul(x=frac, y=f(0)), y=f(1))),
    )
    value = mb.mul(x=significand, y=scale)
    special = mb.equal(x=exponent_field, y=np.int32(255))
    inf_or_nan = mb.select(
        cond=mb.equal(x=frac, y=f(0)),
        a=mb.add(x=mb.mul(x=frac, y=f(0)), y=f(np.inf)),
        b=mb.add(x=mb.mul(x=frac, y=f(0)), y=f(np.nan)),
    )
    value = mb.select(cond=special, a=inf_or_nan, b=value)
    return mb.select(cond=negative, a=mb.mul(x=value, y=f(-1)), b=value)
