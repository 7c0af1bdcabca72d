"""Elementwise ops: unary and binary math, logic, compare, select, clamp, convert."""

from __future__ import annotations

import numpy as np

from ..element_types import kind_of, shape_of
from .._mlir import stablehlo
from .registry import emits, emits_composite

# Ops whose MIL counterparts broadcast their operands NumPy-style. An operand
# produced by broadcast_in_dim (or a splat constant) that only feeds such ops
# is emitted without materializing the broadcast; see ops_tensor.
BROADCASTING_OPS = frozenset(
    "stablehlo." + n
    for n in (
        "add subtract multiply divide maximum minimum power and or xor "
        "compare select clamp"
    ).split()
)


def _filled(ctx, value, shape, kind="i32"):
    """A constant of `shape` filled with `value` (a one-element const tiled:
    select infers its type from its branches, so they must be full-size)."""
    from ..element_types import NUMPY_DTYPES

    one = ctx.const(np.full([1] * len(shape), value, dtype=NUMPY_DTYPES[kind]))
    return ctx.broadcast_to(one, shape)


def _full_shape(ctx, var, op):
    """Tile `var` to the op's result shape if lazily broadcast operands left
    it smaller (only when every operand was a broadcast). A `?` dim takes
    its size from the operands at run time (see EmitContext.broadcast_to)."""
    return ctx.broadcast_to(var, shape_of(op.results[0]), like=ctx.operands(op))


def _float_only(op):
    if kind_of(op.results[0]) not in ("f16", "f32"):
        return f"on {kind_of(op.results[0])} tensors is not supported (Core ML computes it on floats only)"
    return None


def _not_bool(op):
    if kind_of(op.results[0]) == "i1":
        return "on i1 tensors is not supported"
    return None


_UNARY_FLOAT = {
    "stablehlo.exponential": "exp",
    "stablehlo.tanh": "tanh",
    "stablehlo.logistic": "sigmoid",
    "stablehlo.sine": "sin",
    "stablehlo.cosine": "cos",
    "stablehlo.floor": "floor",
    "stablehlo.ceil": "ceil",
    "stablehlo.sqrt": "sqrt",
    "stablehlo.tan": "tan",
}


def _emit_unary_float(ctx, op):
    return getattr(ctx.mb, _UNARY_FLOAT[op.operation.name])(x=ctx[op.operands[0]])


emits(*_UNARY_FLOAT, check=_float_only, doc="one MIL op of the same name (floats)")(_emit_unary_float)


@emits("stablehlo.log", check=_float_only, doc="`log` with epsilon 0")
def _log(ctx, op):
    x = ctx[op.operands[0]]
    return ctx.mb.log(x=x, epsilon=ctx.scalar(0, op.operands[0]))


@emits("stablehlo.rsqrt", check=_float_only, doc="`rsqrt` with epsilon 0")
def _rsqrt(ctx, op):
    x = ctx[op.operands[0]]
    return ctx.mb.rsqrt(x=x, epsilon=ctx.scalar(0, op.operands[0]))


@emits("stablehlo.abs", check=_not_bool, doc="`abs`")
def _abs(ctx, op):
    return ctx.mb.abs(x=ctx[op.operands[0]])


@emits("stablehlo.sign", check=_not_bool, doc="`sign`")
def _sign(ctx, op):
    return ctx.mb.sign(x=ctx[op.operands[0]])


@emits("stablehlo.negate", check=_not_bool, doc="`mul` by -1 (floats) or `sub` from 0 (i32)")
def _negate(ctx, op):
    x = ctx[op.operands[0]]
    if kind_of(op.operands[0]) == "i32":
        return ctx.mb.sub(x=ctx.scalar(0, op.operands[0]), y=x)
    return ctx.mb.mul(x=x, y=ctx.scalar(-1, op.operands[0]))


@emits("stablehlo.log_plus_one", check=_float_only, doc="`log` of 1+x, corrected for small x")
def _log1p(ctx, op):
    # log1p(x) = log(u) * x / (u - 1) with u = 1 + x, and x itself where u == 1:
    # the rounding error of 1 + x cancels (Goldberg, "What every computer
    # scientist should know about floating-point arithmetic", thm. 4).
    mb, x = ctx.mb, ctx[op.operands[0]]
    one = ctx.scalar(1, op.operands[0])
    u = mb.add(x=x, y=one)
    um1 = mb.sub(x=u, y=one)
    is_one = mb.equal(x=um1, y=ctx.scalar(0, op.operands[0]))
    safe = mb.select(cond=is_one, a=one, b=um1)
    log_u = mb.log(x=u, epsilon=ctx.scalar(0, op.operands[0]))
    scaled = mb.real_div(x=mb.mul(x=log_u, y=x), y=safe)
    # For large x the correction is not needed, and for x = inf it would be
    # inf / inf = nan: use log(u) there.
    large = mb.greater(x=x, y=ctx.scalar(1e4, op.operands[0]))
    return mb.select(cond=is_one, a=x, b=mb.select(cond=large, a=log_u, b=scaled))


@emits("stablehlo.exponential_minus_one", check=_float_only, doc="`exp` minus 1, corrected for small x")
def _expm1(ctx, op):
    # expm1(x) = (u - 1) * x / log(u) with u = exp(x); x where u == 1, and
    # u - 1 where log(u) is not finite or u - 1 == -1 (Kahan's trick).
    mb, x = ctx.mb, ctx[op.operands[0]]
    v = op.operands[0]
    one = ctx.scalar(1, v)
    u = mb.exp(x=x)
    um1 = mb.sub(x=u, y=one)
    log_u = mb.log(x=u, epsilon=ctx.scalar(0, v))
    is_one = mb.equal(x=u, y=one)
    tiny = mb.logical_or(x=is_one, y=mb.equal(x=log_u, y=ctx.scalar(0, v)))
    safe_log = mb.select(cond=tiny, a=one, b=log_u)
    scaled = mb.real_div(x=mb.mul(x=um1, y=x), y=safe_log)
    # exp overflowed (u = inf) or underflowed: u - 1 is already exact.
    huge = mb.logical_or(
        x=mb.greater(x=x, y=ctx.scalar(20, v)), y=mb.less(x=x, y=ctx.scalar(-20, v))
    )
    return mb.select(cond=tiny, a=x, b=mb.select(cond=huge, a=um1, b=scaled))


@emits(
    "stablehlo.round_nearest_even",
    check=_float_only,
    doc="`floor`, +1 where the fraction is > 0.5 or == 0.5 with an odd floor (MIL `round` ties are undocumented)",
)
def _round_even(ctx, op):
    # Not MIL `round`: its doc says only that 0.5 rounds to 0, and Apple
    # calls its tie handling backend-dependent. With f = floor(x), x - f is
    # exact, and so is the parity f - 2 * floor(f / 2) (products by powers
    # of two). Infinities: x - f is NaN, no comparison holds, f is kept.
    mb, x, v = ctx.mb, ctx[op.operands[0]], op.operands[0]
    f = mb.floor(x=x)
    frac = mb.sub(x=x, y=f)
    half = ctx.scalar(0.5, v)
    odd = mb.not_equal(x=mb.sub(x=f, y=mb.mul(x=mb.floor(x=mb.mul(x=f, y=half)), y=ctx.scalar(2, v))), y=ctx.scalar(0, v))
    up = mb.logical_or(
        x=mb.greater(x=frac, y=half), y=mb.logical_and(x=mb.equal(x=frac, y=half), y=odd)
    )
    rounded = mb.select(cond=up, a=mb.add(x=f, y=ctx.scalar(1, v)), b=f)
    # A zero result takes x's sign (round(-0.3) is -0.0): x * 0.
    return mb.select(cond=mb.equal(x=rounded, y=ctx.scalar(0, v)), a=mb.mul(x=x, y=ctx.scalar(0, v)), b=rounded)


@emits("stablehlo.round_nearest_afz", check=_float_only, doc="`floor(|x|)`, +1 where the fraction is >= 0.5, times `sign(x)`")
def _round_afz(ctx, op):
    # Not floor(|x| + 0.5): that addition rounds (0.49999997 + 0.5 == 1.0 in
    # f32, and 2**23 + 1.5 rounds to even). |x| - floor(|x|) is exact.
    mb, x, v = ctx.mb, ctx[op.operands[0]], op.operands[0]
    mag = mb.abs(x=x)
    whole = mb.floor(x=mag)
    up = mb.greater_equal(x=mb.sub(x=mag, y=whole), y=ctx.scalar(0.5, v))
    rounded = mb.select(cond=up, a=mb.add(x=whole, y=ctx.scalar(1, v)), b=whole)
    return mb.mul(x=rounded, y=mb.sign(x=x))


# -- binary ------------------------------------------------------------------

_BINARY = {
    "stablehlo.add": "add",
    "stablehlo.subtract": "sub",
    "stablehlo.multiply": "mul",
    "stablehlo.maximum": "maximum",
    "stablehlo.minimum": "minimum",
}


def _emit_binary(ctx, op):
    if kind_of(op.results[0]) == "i1":
        return _emit_bool_binary(ctx, op)
    x, y = ctx.operands(op)
    name = op.operation.name
    if name == "stablehlo.multiply":
        from .ops_window import fold_pool_mean

        mean = fold_pool_mean(ctx, x, y, divide=False)
        if mean is not None and tuple(mean.shape) == tuple(shape_of(op.results[0])):
            return mean
    if name == "stablehlo.subtract" and getattr(y, "val", None) is not None and x.val is None:
        # x - c as x + (-c) (exact): coremltools' common::fuse_conv_bias
        # negates the constant of a `sub` after a conv in place, corrupting
        # every other op sharing that const (and failing on read-only
        # buffers); for `add` it computes a fresh bias.
        return _full_shape(ctx, ctx.mb.add(x=x, y=ctx.const(-np.asarray(y.val))), op)
    out = getattr(ctx.mb, _BINARY[name])(x=x, y=y)
    return _full_shape(ctx, out, op)


def _emit_bool_binary(ctx, op):
    # On booleans StableHLO defines add and maximum as logical or, multiply
    # and minimum as logical and.
    x, y = ctx.operands(op)
    name = op.operation.name
    fn = ctx.mb.logical_or if name in ("stablehlo.add", "stablehlo.maximum") else ctx.mb.logical_and
    return _full_shape(ctx, fn(x=x, y=y), op)


def _binary_check(op):
    kind = kind_of(op.results[0])
    name = op.operation.name
    if kind == "i1" and name not in ("stablehlo.add", "stablehlo.maximum", "stablehlo.minimum", "stablehlo.multiply"):
        return "on i1 tensors is not supported"
    return None


emits(*_BINARY, check=_binary_check, doc="`add`/`sub` (`add` of the negated constant for x - c)/`mul`/`maximum`/`minimum`; on i1 `logical_or`/`logical_and`")(_emit_binary)


@emits(
    "stablehlo.power",
    check=_not_bool,
    doc="`pow` (floats); i32 by square-and-multiply over the exponent's bits with wraparound "
    "(negative exponents: 1, -1 or 0 as StableHLO defines)",
)
def _power(ctx, op):
    mb = ctx.mb
    x, y = ctx.operands(op)
    if kind_of(op.results[0]) != "i32":
        return _full_shape(ctx, mb.pow(x=x, y=y), op)
    shape = shape_of(op.results[0])
    x, y = ctx.broadcast_to(x, shape), ctx.broadcast_to(y, shape)
    v = op.results[0]
    zero, one, two = ctx.scalar(0, v), ctx.scalar(1, v), ctx.scalar(2, v)
    ones = _filled(ctx, 1, shape)
    result, base, e = None, x, mb.maximum(x=y, y=zero)
    for i in range(31):
        bit = mb.equal(x=mb.mod(x=e, y=two), y=one)  # e >= 0: `mod` has one reading
        factor = mb.select(cond=bit, a=base, b=ones)
        result = factor if result is None else mb.mul(x=result, y=factor)
        if i < 30:
            e = mb.floor_div(x=e, y=two)
            base = mb.mul(x=base, y=base)
    # Negative exponents: x**-n is 1 for x == 1, (-1)**n for x == -1, else 0
    # (integer division semantics; 0**-n is 0 here, as in XLA).
    # y % 2 is 1 or -1 for odd negative y depending on MIL `mod`'s
    # undocumented sign convention, 0 for even y under both: test != 0.
    odd = mb.not_equal(x=mb.mod(x=y, y=two), y=zero)
    neg_one_pow = mb.select(cond=odd, a=_filled(ctx, -1, shape), b=ones)
    negative = mb.select(
        cond=mb.equal(x=x, y=one),
        a=ones,
        b=mb.select(cond=mb.equal(x=x, y=ctx.scalar(-1, v)), a=neg_one_pow, b=_filled(ctx, 0, shape)),
    )
    return mb.select(cond=mb.less(x=y, y=zero), a=negative, b=result)


@emits("stablehlo.divide", check=_not_bool, doc="`real_div` (floats); truncating division from `floor_div` (i32)")
def _divide(ctx, op):
    mb = ctx.mb
    x, y = ctx.operands(op)
    if kind_of(op.results[0]) != "i32":
        from .ops_window import fold_pool_mean

        mean = fold_pool_mean(ctx, x, y, divide=True)
        if mean is not None and tuple(mean.shape) == tuple(shape_of(op.results[0])):
            return mean  # an average pool: avg_pool's own mean, not (mean * k) / k
        return _full_shape(ctx, mb.real_div(x=x, y=y), op)
    # StableHLO divides integers toward zero; MIL floor_div floors. They
    # differ by one when the remainder is non-zero and the signs differ.
    # `mod(x, y) != 0` (y does not divide x) holds under either sign
    # convention of MIL `mod`, which its doc leaves open.
    v = op.operands[0]
    q = mb.floor_div(x=x, y=y)
    r = mb.mod(x=x, y=y)
    zero = ctx.scalar(0, v)
    inexact = mb.not_equal(x=r, y=zero)
    signs_differ = mb.logical_xor(x=mb.less(x=x, y=zero), y=mb.less(x=y, y=zero))
    fix = mb.cast(x=mb.logical_and(x=inexact, y=signs_differ), dtype="int32")
    return _full_shape(ctx, mb.add(x=q, y=fix), op)


_LOGICAL = {"stablehlo.and": "logical_and", "stablehlo.or": "logical_or", "stablehlo.xor": "logical_xor"}


def _bool_or_i32(op):
    if kind_of(op.results[0]) not in ("i1", "i32"):
        return f"on {kind_of(op.results[0])} tensors is not supported (i1 and i32 only)"
    return None


@emits(
    *_LOGICAL,
    check=_bool_or_i32,
    doc="`logical_and`/`logical_or`/`logical_xor` (i1); i32: exact bit arithmetic (`floor_div` by powers "
    "of two, parity `abs(mod(q, 2))`, `reduce_sum`); x - `floor_div`(x, 2**k) * 2**k for a constant low mask",
)
def _logical(ctx, op):
    if kind_of(op.results[0]) == "i32":
        from .ops_bitwise import emit_bitwise

        return emit_bitwise(ctx, op)
    x, y = ctx.operands(op)
    return _full_shape(ctx, getattr(ctx.mb, _LOGICAL[op.operation.name])(x=x, y=y), op)


@emits("stablehlo.not", check=_bool_or_i32, doc="`logical_not` (i1); i32: -1 - x")
def _not(ctx, op):
    x = ctx[op.operands[0]]
    if kind_of(op.results[0]) == "i32":
        return ctx.mb.sub(x=ctx.scalar(-1, op.operands[0]), y=x)
    return ctx.mb.logical_not(x=x)


_COMPARE = {"EQ": "equal", "NE": "not_equal", "LT": "less", "LE": "less_equal", "GT": "greater", "GE": "greater_equal"}


def _direction(op) -> str:
    return stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value


@emits("stablehlo.compare", doc="`equal`/`not_equal`/`less`/... (i1 operands via `logical_xor` or int32)")
def _compare(ctx, op):
    mb = ctx.mb
    x, y = ctx.operands(op)
    direction = _direction(op)
    if kind_of(op.operands[0]) == "i1":
        if direction == "NE":
            return _full_shape(ctx, mb.logical_xor(x=x, y=y), op)
        if direction == "EQ":
            return _full_shape(ctx, mb.logical_not(x=mb.logical_xor(x=x, y=y)), op)
        x, y = ctx.cast(x, "i32"), ctx.cast(y, "i32")
    return _full_shape(ctx, getattr(mb, _COMPARE[direction])(x=x, y=y), op)


def _broadcast_shape(*shapes):
    """NumPy broadcast of MIL shapes; a symbol (flexible dim) wins over 1."""
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    out = []
    for dims in zip(*padded):
        sizes = [d for d in dims if not _is_one(d)]
        static = [d for d in sizes if isinstance(d, (int, np.integer))]
        out.append(max(static) if static else (sizes[0] if sizes else 1))
    return tuple(out)


def _is_one(d) -> bool:
    return isinstance(d, (int, np.integer)) and int(d) == 1


def _covers(have, want) -> bool:
    """`have` (a broadcast shape) is 1 only where `want` is."""
    return len(have) == len(want) and all(not _is_one(h) or _is_one(w) for h, w in zip(have, want))


@emits("stablehlo.select", doc="`select` (a branch is tiled when only the predicate has the full shape)")
def _select(ctx, op):
    pred, a, b = ctx.operands(op)
    # coremltools infers select's type from `a` and `b` only, ignoring the
    # shape of `cond`: when both branches were lazily broadcast but the
    # predicate is full-size, materialize one branch so the declared type
    # matches what select computes.
    if not _covers(_broadcast_shape(a.shape, b.shape), _broadcast_shape(pred.shape, a.shape, b.shape)):
        a = ctx.broadcast_to(a, shape_of(op.results[0]), like=[pred, a, b])
    return _full_shape(ctx, ctx.mb.select(cond=pred, a=a, b=b), op)


@emits("stablehlo.clamp", check=_not_bool, doc="`maximum` then `minimum` (scalar or full bounds)")
def _clamp(ctx, op):
    lo, x, hi = ctx.operands(op)
    out = ctx.mb.minimum(x=ctx.mb.maximum(x=x, y=lo), y=hi)
    return _full_shape(ctx, out, op)


@emits("stablehlo.convert", doc="`cast`; to i1 as `not_equal` 0")
def _convert(ctx, op):
    src, dst = kind_of(op.operands[0]), kind_of(op.results[0])
    x = ctx[op.operands[0]]
    if src == dst:
        return x
    if dst == "i1":
        return ctx.mb.not_equal(x=x, y=ctx.scalar(0, op.operands[0]))
    return ctx.cast(x, dst)


@emits_composite("chlo.erf", check=_float_only, doc="`erf`")
def _erf(ctx, op):
    return ctx.mb.erf(x=ctx[op.operands[0]])


# -- more math -------------------------------------------------------------------


@emits(
    "stablehlo.remainder",
    check=_not_bool,
    doc="C-style (sign of the dividend): floats `mod(|x|, |y|)` times `sign(x)`; "
    "i32 `mod` moved to the dividend's sign (right whichever sign MIL `mod` gives), x where y == 0",
)
def _remainder(ctx, op):
    mb = ctx.mb
    shape = shape_of(op.results[0])
    x, y = (ctx.broadcast_to(v, shape) for v in ctx.operands(op))
    v = op.results[0]
    zero = ctx.scalar(0, v)
    if kind_of(v) != "i32":
        # |x| mod |y|: both operands >= 0, where floor-mod and C fmod agree
        # (MIL documents `mod` only as "x % y").
        r = mb.mod(x=mb.abs(x=x), y=mb.abs(x=y))
        return mb.mul(x=r, y=mb.sign(x=x))
    # m = x % y is congruent to x modulo y with |m| < |y|, with the sign of y
    # (floor-mod) or of x (fmod): MIL leaves it open. Where m != 0 has the
    # wrong sign it has y's, and m - y (|m - y| < |y|, no overflow) has x's.
    # y == 0 gives x (XLA); y == -1 (remainder 0) divides by 1 instead, so
    # INT_MIN % -1 never reaches the device.
    unsafe = mb.logical_or(x=mb.equal(x=y, y=zero), y=mb.equal(x=y, y=ctx.scalar(-1, v)))
    safe_y = mb.select(cond=unsafe, a=_filled(ctx, 1, shape), b=y)
    m = mb.mod(x=x, y=safe_y)
    fix = mb.logical_and(
        x=mb.not_equal(x=m, y=zero),
        y=mb.logical_xor(x=mb.less(x=m, y=zero), y=mb.less(x=x, y=zero)),
    )
    r = mb.select(cond=fix, a=mb.sub(x=m, y=safe_y), b=m)
    return mb.select(cond=mb.equal(x=y, y=zero), a=x, b=r)


def _sign_bit(ctx, x, v):
    """x < 0, or x == -0.0 (1 / -0.0 == -inf); false for NaN."""
    mb = ctx.mb
    zero = mb.equal(x=x, y=ctx.scalar(0, v))
    recip = mb.real_div(x=ctx.scalar(1, v), y=mb.select(cond=zero, a=x, b=mb.add(x=mb.mul(x=x, y=ctx.scalar(0, v)), y=ctx.scalar(1, v))))
    return mb.logical_or(x=mb.less(x=x, y=ctx.scalar(0, v)), y=mb.logical_and(x=zero, y=mb.less(x=recip, y=ctx.scalar(0, v))))


@emits(
    "stablehlo.atan2",
    check=_float_only,
    doc="`atan` of min(|x|,|y|)/max(|x|,|y|) with octant corrections; signed zeros, infinities and NaN as IEEE/C99",
)
def _atan2(ctx, op):
    mb = ctx.mb
    shape = shape_of(op.results[0])
    y, x = (ctx.broadcast_to(a, shape) for a in ctx.operands(op))
    v = op.results[0]
    zero = ctx.scalar(0, v)
    ax, ay = mb.abs(x=x), mb.abs(x=y)
    big, small = mb.maximum(x=ax, y=ay), mb.minimum(x=ax, y=ay)
    both_zero = mb.equal(x=big, y=zero)
    ratio = mb.real_div(x=small, y=mb.select(cond=both_zero, a=mb.add(x=big, y=ctx.scalar(1, v)), b=big))
    # Both infinite: inf / inf would be NaN; the angle is pi/4 of the octant.
    both_inf = mb.equal(x=small, y=ctx.scalar(np.inf, v))
    ratio = mb.select(cond=both_inf, a=mb.add(x=mb.mul(x=ratio, y=zero), y=ctx.scalar(1, v)), b=ratio)
    a = mb.atan(x=ratio)
    a = mb.select(cond=mb.greater(x=ay, y=ax), a=mb.sub(x=ctx.scalar(np.pi / 2, v), y=a), b=a)
    # x = -0.0 counts as negative (atan2(+-0, -0) = +-pi), and the result
    # takes y's sign bit (atan2(-0, -1) = -pi).
    a = mb.select(cond=_sign_bit(ctx, x, v), a=mb.sub(x=ctx.scalar(np.pi, v), y=a), b=a)
    a = mb.select(cond=_sign_bit(ctx, y, v), a=mb.mul(x=a, y=ctx.scalar(-1, v)), b=a)
    # NaN in, NaN out (MIL maximum/minimum do not document NaN handling).
    nan = mb.logical_or(x=mb.not_equal(x=x, y=x), y=mb.not_equal(x=y, y=y))
    return mb.select(cond=nan, a=mb.add(x=x, y=y), b=a)


@emits("stablehlo.is_finite", doc="x - x == 0 (NaN for inf and NaN)")
def _is_finite(ctx, op):
    mb = ctx.mb
    x = ctx[op.operands[0]]
    return mb.equal(x=mb.sub(x=x, y=x), y=ctx.scalar(0, op.operands[0]))


@emits("stablehlo.cbrt", check=_float_only, doc="`sign(x)` times `pow(|x|, 1/3)`")
def _cbrt(ctx, op):
    mb = ctx.mb
    x = ctx[op.operands[0]]
    root = mb.pow(x=mb.abs(x=x), y=ctx.scalar(1.0 / 3.0, op.operands[0]))
    return mb.mul(x=root, y=mb.sign(x=x))


def _feature_shape(op, rank):
    feature = int(ir_int(op, "feature_index"))
    shape = [1] * rank
    shape[feature] = shape_of(op.operands[0])[feature]
    return shape


def ir_int(op, name):
    from ..ir_utils import int_attr

    return int_attr(op, name)


@emits(
    "stablehlo.batch_norm_inference",
    check=_float_only,
    doc="(x - mean) * scale * `rsqrt`(variance + epsilon) + offset, parameters broadcast along the feature dim",
)
def _batch_norm_inference(ctx, op):
    from .._mlir import ir

    mb = ctx.mb
    x, scale, offset, mean, variance = ctx.operands(op)
    rank = len(shape_of(op.operands[0]))
    shape = _feature_shape(op, rank)
    eps = ir.FloatAttr(op.attributes["epsilon"]).value
    v = op.results[0]
    inv = mb.rsqrt(x=mb.add(x=variance, y=ctx.scalar(eps, v)), epsilon=ctx.scalar(0, v))
    factor = ctx.reshape(mb.mul(x=scale, y=inv), shape)
    # x + (-mean), not sub: see _emit_binary (fuse_conv_bias mutates a sub's constant).
    centered = mb.add(x=x, y=ctx.reshape(mb.mul(x=mean, y=ctx.scalar(-1, v)), shape))
    return mb.add(x=mb.mul(x=centered, y=factor), y=ctx.reshape(offset, shape))


# CHLO ops with a MIL op of the same meaning (kept as composites by the
# prepare pipeline; see pipeline.KEPT_CHLO_OPS).
_CHLO_UNARY = {
    "chlo.asin": "asin",
    "chlo.acos": "acos",
    "chlo.atan": "atan",
    "chlo.sinh": "sinh",
    "chlo.cosh": "cosh",
    "chlo.atanh": "atanh",
}


def _emit_chlo_unary(ctx, op):
    name = _composite_name(op)
    return getattr(ctx.mb, _CHLO_UNARY[name])(x=ctx[op.operands[0]])


def _composite_name(op):
    from .._mlir import ir

    return ir.StringAttr(op.attributes["name"]).value


emits_composite(*_CHLO_UNARY, check=_float_only, doc="one MIL op of the same name (`asin`, `acos`, ...)")(_emit_chlo_unary)
