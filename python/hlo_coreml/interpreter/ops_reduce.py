"""Reductions, arg-reductions, sorting (argsort, topk) and cumsum.

Semantics follow coremltools 9.0 ``ops/defs/iOS15/reduction.py``,
``iOS17/reduction.py`` and ``iOS15..17/tensor_operation.py``: ``axes=None``
reduces everything, ``keep_dims`` defaults to False, argsort/topk default to
descending. fp16 inputs are accumulated in fp32; int32 results are truncated
back to int32 by the core (e.g. reduce_mean).
"""

import numpy as np

from .core import acc, arg, ilist, register, scalar
from .readings import argsort_ties, underspecified


def _axes(op, env, rank):
    axes = arg(op, env, "axes")
    if axes is None:
        return tuple(range(rank))
    return tuple(int(a) + rank if int(a) < 0 else int(a) for a in ilist(axes))


def _keep(op, env):
    return bool(scalar(arg(op, env, "keep_dims"), False))


def _l2(x, axis, keepdims):
    return np.sqrt(np.sum(np.square(x), axis=axis, keepdims=keepdims))


def _log_sum_exp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


_REDUCTIONS = {
    "reduce_sum": np.sum,
    "reduce_mean": np.mean,
    "reduce_max": np.max,
    "reduce_min": np.min,
    "reduce_prod": np.prod,
    "reduce_l1_norm": lambda x, axis, keepdims: np.sum(np.abs(x), axis=axis, keepdims=keepdims),
    "reduce_l2_norm": _l2,
    "reduce_log_sum": lambda x, axis, keepdims: np.log(np.sum(x, axis=axis, keepdims=keepdims)),
    "reduce_log_sum_exp": _log_sum_exp,
    "reduce_sum_square": lambda x, axis, keepdims: np.sum(np.square(x), axis=axis, keepdims=keepdims),
}


def _make_reduction(name, fn):
    def handler(op, env):
        x = np.asarray(arg(op, env, "x"))
        xa = acc(x)
        if name == "reduce_mean" and np.issubdtype(x.dtype, np.integer):
            xa = x.astype(np.float64)
        return fn(xa, axis=_axes(op, env, x.ndim), keepdims=_keep(op, env))

    handler.__doc__ = f"{name} over ``axes`` (all if None), keep_dims default False."
    return handler


for _name, _fn in _REDUCTIONS.items():
    register(_name)(_make_reduction(_name, _fn))


def _last_index(fn, x, axis, keepdims):
    """fn's answer with the highest index winning ties."""
    n = x.shape[axis]
    return (n - 1) - fn(np.flip(x, axis=axis), axis=axis, keepdims=keepdims)


def _make_arg_reduction(fn):
    def handler(op, env):
        x = np.asarray(arg(op, env, "x"))
        axis = int(scalar(arg(op, env, "axis"), -1))
        keep = _keep(op, env)
        # "the identity of the return value is not guaranteed" for ties
        # (iOS15/reduction.py): the first index by default, the last in
        # strict mode's other reading.
        return underspecified(
            op,
            env,
            "ties",
            lambda choice: fn(x, axis=axis, keepdims=keep) if choice == "stable" else _last_index(fn, x, axis, keep),
        )

    handler.__doc__ = f"{fn.__name__} along ``axis`` (default -1); first index wins ties (open in Core ML)."
    return handler


register("reduce_argmax")(_make_arg_reduction(np.argmax))
register("reduce_argmin")(_make_arg_reduction(np.argmin))


@register("argsort")
def argsort(op, env):
    """Indices that sort x along ``axis`` (default -1); descending unless
    ``ascending``. The order of equal keys is open: stable by default."""
    x = np.asarray(arg(op, env, "x"))
    axis = int(scalar(arg(op, env, "axis"), -1))
    ascending = bool(scalar(arg(op, env, "ascending"), False))
    return underspecified(op, env, "ties", lambda choice: argsort_ties(x, axis, ascending, choice))


@register("topk")
def topk(op, env):
    """Top ``k`` (default 1) values and indices along ``axis``; largest first
    unless ``ascending``. Among equal values the lower index comes first by
    default (the order is open)."""
    x = np.asarray(arg(op, env, "x"))
    axis = int(scalar(arg(op, env, "axis"), -1))
    k = int(scalar(arg(op, env, "k"), 1))
    ascending = bool(scalar(arg(op, env, "ascending"), False))
    with_indices = bool(scalar(arg(op, env, "return_indices"), True))

    def compute(choice):
        idx = np.take(argsort_ties(x, axis, ascending, choice), np.arange(k), axis=axis)
        values = np.take_along_axis(x, idx, axis=axis)
        return (values, idx) if with_indices else values

    return underspecified(op, env, "ties", compute)


@register("cumsum")
def cumsum(op, env):
    """Cumulative sum along ``axis`` (default 0), optionally exclusive and/or reversed."""
    x = np.asarray(arg(op, env, "x"))
    axis = int(scalar(arg(op, env, "axis"), 0))
    exclusive = bool(scalar(arg(op, env, "exclusive"), False))
    reverse = bool(scalar(arg(op, env, "reverse"), False))
    data = acc(x)
    if reverse:
        data = np.flip(data, axis=axis)
    out = np.cumsum(data, axis=axis, dtype=data.dtype)
    if exclusive:
        n = out.shape[axis]
        zero = np.zeros_like(np.take(out, [0], axis=axis))
        out = np.concatenate([zero, np.take(out, np.arange(n - 1), axis=axis)], axis=axis)
    if reverse:
        out = np.flip(out, axis=axis)
    return out
