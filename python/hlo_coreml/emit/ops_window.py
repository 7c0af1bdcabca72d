"""stablehlo.reduce_window: pooling (max, sum / average) and cumulative sums.

hlo-coreml-legalize-reduce-window moves the windowed dims of a pooling
window last and merges the others into [N, C], so the pooling emitters see
MIL's layout [N, C, D1..Ds] (s = 1..3). A cumulative window (the full length
of one dim, padded by length - 1 on one side: jnp.cumsum, lax.cumsum with
reverse) is recognised along any dim.
"""

from __future__ import annotations

import numpy as np

from .._mlir import ir
from ..element_types import is_dynamic, kind_of, shape_of
from ..ir_utils import constant_value, i64_array
from .ops_reduce import body_op_name
from .registry import emits

_POOL_BODIES = {"stablehlo.maximum": -np.inf, "stablehlo.add": 0.0}


def window_config(op):
    """(window, strides, base dilations, window dilations, padding pairs)."""
    rank = len(shape_of(op.operands[0]))
    window = i64_array(op, "window_dimensions")
    strides = i64_array(op, "window_strides", [1] * rank)
    base = i64_array(op, "base_dilations", [1] * rank)
    wdil = i64_array(op, "window_dilations", [1] * rank)
    if "padding" in op.attributes:
        flat = i64_array(op, "padding")
        padding = [(flat[2 * i], flat[2 * i + 1]) for i in range(rank)]
    else:
        padding = [(0, 0)] * rank
    return window, strides, base, wdil, padding


def cumulative_axis(op) -> tuple[int, bool] | None:
    """(axis, reverse) when the window spans one whole dim n with padding
    (n - 1, 0) (forward) or (0, n - 1) (reverse) and is 1 elsewhere."""
    shape = shape_of(op.operands[0])
    window, strides, base, wdil, padding = window_config(op)
    if any(s != 1 for s in strides + base + wdil):
        return None
    axes = [d for d, w in enumerate(window) if w != 1 or padding[d] != (0, 0)]
    if len(axes) != 1:
        return None
    d = axes[0]
    n = shape[d]
    if window[d] != n or n < 2:
        return None
    if padding[d] == (n - 1, 0):
        return d, False
    if padding[d] == (0, n - 1):
        return d, True
    return None


def pool_layout_ok(op) -> bool:
    """MIL's pooling layout: rank 3-5, dims 0 and 1 untouched by the window."""
    rank = len(shape_of(op.operands[0]))
    window, strides, _, _, padding = window_config(op)
    return 3 <= rank <= 5 and all(window[d] == 1 and strides[d] == 1 and padding[d] == (0, 0) for d in (0, 1))


def _scalar_constant(value, depth=0):
    """The constant a rank-0 value holds, looking through the no-op
    broadcasts/reshapes/converts JAX puts around it; None if unknown."""
    array = constant_value(value)
    if array is not None or depth > 4:
        return array
    owner = value.owner
    if hasattr(owner, "operation") and owner.operation.name in (
        "stablehlo.broadcast_in_dim",
        "stablehlo.reshape",
        "stablehlo.convert",
    ):
        inner = _scalar_constant(owner.operands[0], depth + 1)
        return None if inner is None else inner.reshape(()).astype(constant_dtype(value))
    return None


def constant_dtype(value):
    from ..element_types import NUMPY_DTYPES

    return NUMPY_DTYPES.get(kind_of(value), np.float32)


def _init_is(op, value: float) -> bool:
    init = _scalar_constant(op.operands[1])
    if init is None:
        return False
    v = init.reshape(())
    if np.isinf(value) and kind_of(op.operands[0]) == "i32":
        return False
    return bool(v == value)


def scalar_constant(value):
    """The constant a rank-0 init value holds (through no-op broadcasts,
    reshapes, converts), or None."""
    return _scalar_constant(value)


# x op x == x: windows may overlap, extra init values change nothing.
_IDEMPOTENT = ("stablehlo.maximum", "stablehlo.minimum", "stablehlo.and", "stablehlo.or")
# On i1, StableHLO's add is `or` and multiply is `and`.
_IDEMPOTENT_ON_I1 = ("stablehlo.add", "stablehlo.multiply")
_INT32 = np.iinfo(np.int32)


def is_idempotent(body: str, kind: str) -> bool:
    return body in _IDEMPOTENT or (kind == "i1" and body in _IDEMPOTENT_ON_I1)


def window_identity(body: str, kind: str):
    """The identity element of the body op `body` on `kind` (None if none)."""
    if kind == "i1":
        return body in ("stablehlo.multiply", "stablehlo.and", "stablehlo.minimum")
    integer = kind == "i32"
    return {
        "stablehlo.add": 0,
        "stablehlo.multiply": 1,
        "stablehlo.maximum": _INT32.min if integer else -np.inf,
        "stablehlo.minimum": _INT32.max if integer else np.inf,
        "stablehlo.and": -1 if integer else None,
        "stablehlo.or": 0 if integer else None,
        "stablehlo.xor": 0 if integer else None,
    }.get(body)


def init_is_identity_constant(op) -> bool:
    """The init value is a constant equal to the body op's identity."""
    body = body_op_name(op)
    value = _scalar_constant(op.operands[1])
    want = None if body is None else window_identity(body, kind_of(op.operands[0]))
    return value is not None and want is not None and bool(value.reshape(()) == want)


def init_padding_ambiguous(op) -> bool:
    """A window reads padding (edge or base dilation) with a non-idempotent
    body and an init that is not its identity. StableHLO's spec (and its
    reference interpreter) pads with the init value, so every padded element
    counts; XLA, hence JAX on CPU, skips padded elements. The results differ."""
    body = body_op_name(op)
    if body is None or is_idempotent(body, kind_of(op.operands[0])) or init_is_identity_constant(op):
        return False
    shape = shape_of(op.operands[0])
    _, _, base, _, padding = window_config(op)
    return any(lo > 0 or hi > 0 for lo, hi in padding) or any(b > 1 and n > 1 for b, n in zip(base, shape))


def touched_dims(op) -> list[int]:
    """The dims a window reads more than one element of, strides, pads or dilates."""
    window, strides, base, wdil, padding = window_config(op)
    return [
        d
        for d in range(len(window))
        if window[d] != 1 or strides[d] != 1 or padding[d] != (0, 0) or base[d] != 1 or wdil[d] != 1
    ]


def native_form(op) -> str | None:
    """'cumsum' or 'pool' when the reduce_window maps onto one MIL op
    (`cumsum`, `max_pool` / `avg_pool`), else None: a cumulative add with
    init 0 on f16/f32/i32; a max (init -inf) or sum (init 0) window on
    f16/f32 without dilation or negative padding, touching 1 to 3 dims.
    A `?` dim (flexible input) is fine where the window does not touch it."""
    if len(op.operands) != 2 or not _touched_static(op):
        return None
    body = body_op_name(op)
    kind = kind_of(op.operands[0])
    if cumulative_axis(op) is not None:
        if body == "stablehlo.add" and _init_is(op, 0) and kind in ("f16", "f32", "i32"):
            return "cumsum"
        return None
    _, _, base, wdil, padding = window_config(op)
    if body not in _POOL_BODIES or not _init_is(op, _POOL_BODIES[body]) or kind not in ("f16", "f32"):
        return None
    if any(b != 1 for b in base) or any(w != 1 for w in wdil) or any(lo < 0 or hi < 0 for lo, hi in padding):
        return None
    return "pool" if 1 <= len(touched_dims(op)) <= 3 else None


def _touched_static(op) -> bool:
    """Every dim the window touches is static in the operand and the result."""
    if ir_static(op.operands[0]):
        return True
    ins, outs = shape_of(op.operands[0]), shape_of(op.results[0])
    return not any(is_dynamic(ins[d]) or is_dynamic(outs[d]) for d in touched_dims(op))


def ir_static(value) -> bool:
    return ir.RankedTensorType(value.type).has_static_shape


_DECOMPOSE = "hlo-coreml-decompose-reduce-window"


def _check(op):
    if len(op.operands) != 2:
        return (
            f"with {len(op.operands) // 2} operands is not supported: only single-operand windows map onto "
            "MIL (pooling, cumsum) or are decomposed; compute each operand's window separately"
        )
    body = body_op_name(op)
    if body is None:
        return (
            "with a body that is not one binary op of its two arguments is supported only for cumulative "
            "windows (lax.cumlogsumexp) and windows without padding or base dilation, with an elementwise "
            "body; hlo-coreml handles add, multiply, maximum, minimum, and, or, xor bodies on any window"
        )
    if not _touched_static(op):
        return (
            f"on {ir.RankedTensorType(op.operands[0].type)} slides its window over a dynamic (?) dimension; "
            "with flexible inputs, pooling and cumsum work only over static dims (e.g. a flexible batch). "
            "Specialize the input shapes (specialize={name: shape}, --specialize NAME=SHAPE)"
        )
    form = native_form(op)
    if form == "cumsum":
        return None
    if form == "pool":
        if not pool_layout_ok(op):
            if not ir_static(op.operands[0]):
                return (
                    f"on {ir.RankedTensorType(op.operands[0].type)} cannot be put into MIL's pooling layout: "
                    "the dims outside the window must be exactly two when one of them is dynamic (merging "
                    "them needs a reshape of a ? dim). Specialize the input shapes (specialize={name: shape}, "
                    "--specialize NAME=SHAPE)"
                )
            return "needs its windowed dims last (run hlo-coreml-legalize-reduce-window first)"
        return None
    if init_padding_ambiguous(op):
        return (
            f"with body '{body}', an init value that is not its identity and padding (or base dilation) has no "
            f"single MIL op: {_DECOMPOSE} rewrites it (init-semantics=xla, the default, skips padded elements "
            "like XLA/JAX; init-semantics=spec pads with the init value like the StableHLO spec) "
            "(it did not run, or could not decompose this one)"
        )
    if cumulative_axis(op) is not None:
        what = f"as a cumulative reduction with body '{body}'"
    else:
        what = f"with body '{body}', this init value, element type or dilation"
    return (
        f"{what} has no single MIL op; {_DECOMPOSE} rewrites it into pad, slice and elementwise ops "
        "(it did not run, or could not decompose this one)"
    )


@emits(
    "stablehlo.reduce_window",
    check=_check,
    doc="cumulative add along one dim (jnp.cumsum, reverse too): `cumsum`; max windows: `max_pool` (padding "
    "as an explicit `pad` with -inf); sum windows: `avg_pool` (padding counted; an explicit `pad` where a "
    "window would hold padding only) times the window size, folded with a following division by it; "
    "up to 3 windowed dims, any layout "
    "(hlo-coreml-legalize-reduce-window transposes them last), explicit padding; f16/f32 pooling. Every other "
    "single-operand window with an add/multiply/maximum/minimum/and/or/xor body (cumprod, cummax, cummin, "
    "dilations, int and bool windows, > 3 dims) is decomposed into pad, slice and elementwise ops by "
    "hlo-coreml-decompose-reduce-window; so is a body of several elementwise ops (lax.cumlogsumexp) on a "
    "cumulative window or one without padding",
)
def _reduce_window(ctx, op):
    mb = ctx.mb
    x = ctx[op.operands[0]]
    cumulative = cumulative_axis(op)
    if cumulative is not None:
        axis, reverse = cumulative
        return mb.cumsum(x=x, axis=axis, exclusive=False, reverse=reverse)
    window, strides, _, _, padding = window_config(op)
    kernel = np.array(window[2:], dtype=np.int32)
    spatial_pads = padding[2:]
    is_max = body_op_name(op) == "stablehlo.maximum"
    if any(lo or hi for lo, hi in spatial_pads) and (is_max or _has_empty_window(op)):
        # The op docs leave open max_pool's padding value and the value of
        # a window holding no input element (iOS15/pool.py): pad explicitly
        # (-inf for max, 0 for sum, as the window's init) and pool without
        # padding, so every window holds only input elements.
        fill = -np.inf if is_max else 0.0
        flat = [p for pair in spatial_pads for p in pair]
        x = ctx.mb.pad(x=x, pad=np.array(flat, dtype=np.int32), mode="constant", constant_val=ctx.scalar(fill, op.operands[0]))
        spatial_pads = [(0, 0)] * len(spatial_pads)
    pads = np.array([p for pair in spatial_pads for p in pair], dtype=np.int32)
    common = dict(x=x, kernel_sizes=kernel, strides=np.array(strides[2:], dtype=np.int32), pad_type="custom", pad=pads)
    if is_max:
        return mb.max_pool(**common)
    # Padded zeros count in the denominator (exclude_padding_from_average
    # False, documented), so the mean times the window size is the sum.
    mean = mb.avg_pool(**common, exclude_padding_from_average=False)
    count = int(np.prod(kernel))
    if count == 1:
        return mean
    total = mb.mul(x=mean, y=ctx.scalar(count, op.operands[0]))
    _pool_means(ctx)[total.name] = (mean, count)
    return total


def _pool_means(ctx) -> dict:
    """Sum windows emitted as avg_pool * count: {name of the product: (mean
    var, count)}, so that a following division by the count (an average
    pool) is folded into the avg_pool (see fold_pool_mean)."""
    if not hasattr(ctx, "_pool_means"):
        ctx._pool_means = {}
    return ctx._pool_means


def fold_pool_mean(ctx, x, y, divide: bool):
    """The avg_pool var when `x` is a sum window emitted as avg_pool * count
    and `y` a splat constant dividing by that count (x / count, or x * c
    with c the float nearest 1 / count); else None."""
    entry = _pool_means(ctx).get(getattr(x, "name", None))
    val = getattr(y, "val", None)
    if entry is None or val is None:
        return None
    val = np.asarray(val)
    if val.size == 0 or not np.all(val == val.reshape(-1)[0]):
        return None
    mean, count = entry
    c = float(val.reshape(-1)[0])
    if divide and c == count:
        return mean
    if not divide and c == float(np.asarray(1.0 / count, dtype=val.dtype)):
        return mean
    return None


def _has_empty_window(op) -> bool:
    """Some window over a spatial dim holds padding only."""
    shape = shape_of(op.operands[0])
    window, strides, _, _, padding = window_config(op)
    for d in range(2, len(shape)):
        n, k, s, (lo, hi) = shape[d], window[d], strides[d], padding[d]
        out = (n + lo + hi - k) // s + 1
        for j in range(out):
            start = j * s
            if start + k <= lo or start >= lo + n:
                return True
    return False
