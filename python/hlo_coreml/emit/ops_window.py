"""stablehlo.reduce_window: pooling (max, sum / average) and cumulative sums.

hlo-coreml-legalize-reduce-window moves the windowed dims of a pooling
window last and merges the others into [N, C], so the pooling emitters see
MIL's layout [N, C, D1..Ds] (s = 1..3). A cumulative window (the full length
of one dim, padded by length - 1 on one side: jnp.cumsum, lax.cumsum with
reverse) is recognised along any dim.
"""

from __future__ import annotations

import numpy as np

from ..element_types import kind_of, shape_of
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


def _check(op):
    if len(op.operands) != 2:
        return "with several operands is not supported"
    body = body_op_name(op)
    cumulative = cumulative_axis(op)
    kind = kind_of(op.operands[0])
    if cumulative is not None:
        if body == "stablehlo.add" and _init_is(op, 0) and kind in ("f16", "f32", "i32"):
            return None
        return (
            f"as a cumulative reduction with body '{body or 'a region of several ops'}' is not supported "
            "(only cumsum maps onto MIL: cumprod/cummax/cummin have no MIL op)"
        )
    _, _, base, wdil, padding = window_config(op)
    if body not in _POOL_BODIES or not _init_is(op, _POOL_BODIES[body]):
        return "is supported as max pooling (init -inf) or sum pooling (init 0) only"
    if kind not in ("f16", "f32"):
        return "as pooling is supported on f16/f32 only (MIL max_pool/avg_pool)"
    if any(b != 1 for b in base) or any(w != 1 for w in wdil):
        return "with base or window dilation is not supported"
    if any(lo < 0 or hi < 0 for lo, hi in padding):
        return "with negative padding is not supported"
    if not pool_layout_ok(op):
        return "needs at most 3 windowed dims (hlo-coreml-legalize-reduce-window moves them last)"
    return None


@emits(
    "stablehlo.reduce_window",
    check=_check,
    doc="cumulative add along one dim (jnp.cumsum, reverse too): `cumsum`; max windows: `max_pool`; sum "
    "windows: `avg_pool` (padding counted) times the window size; up to 3 windowed dims, any layout "
    "(hlo-coreml-legalize-reduce-window transposes them last), explicit padding; f16/f32 pooling",
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
    pads = np.array([p for pair in padding[2:] for p in pair], dtype=np.int32)
    common = dict(x=x, kernel_sizes=kernel, strides=np.array(strides[2:], dtype=np.int32), pad_type="custom", pad=pads)
    if body_op_name(op) == "stablehlo.maximum":
        return mb.max_pool(**common)
    mean = mb.avg_pool(**common, exclude_padding_from_average=False)
    count = int(np.prod(kernel))
    if count == 1:
        return mean
    return mb.mul(x=mean, y=ctx.scalar(count, op.operands[0]))
