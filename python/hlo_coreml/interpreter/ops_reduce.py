"""Reductions, arg-reductions, sorting (argsort, topk) and cumsum.

Semantics follow coremltools 9.0 ``ops/defs/iOS15/reduction.py``,
``iOS17/reduction.py`` and ``iOS15..17/tensor_operation.py``: ``axes=None``
reduces everything, ``keep_dims`` defaults to False, argsort/topk default to
descending. fp16 inputs are accumulated in fp32; int32 results are truncated
back to int32 by the core (e.g. reduce_mean).
"""

import numpy as np

from .core import acc, arg, ilist, register, scalar


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


def _make_arg_reduction(fn):
    def handler(op, env):
        x = np.asarray(arg(op, env, "x"))
        axis = int(scalar(arg(op, env, "axis"), -1))
        return fn(x, axis=axis, keepdims=_keep(op, env))

    handler.__doc__ = f"{fn.__name__} along ``axis`` (default -1); first index wins ties."
    return handler


register("reduce_argmax")(_make_arg_reduction(np.argmax))
register("reduce_argmin")(_make_arg_reduction(np.argmin))


def _sort_indices(x, axis, ascending):
    """Stable argsort; descending keeps the lower index first among ties."""
    if ascending:
        return np.argsort(x, axis=axis, kind="stable")
    key = -x.astype(np.int64) if np.issubdtype(x.dtype, np.integer) else -x
    return np.argsort(key, axis=axis, kind="stable")


@register("argsort")
def argsort(op, env):
    """Indices that sort x along ``axis`` (default -1); descending unless ``ascending``."""
    x = np.asarray(arg(op, env, "x"))
    axis = int(scalar(arg(op, env, "axis"), -1))
    return _sort_indices(x, axis, bool(scalar(arg(op, env, "ascending"), False)))


@register("topk")
def topk(op, env):
    """Top ``k`` (default 1) values and indices along ``axis``; largest first unless ``ascending``."""
    x = np.asarray(arg(op, env, "x"))
    axis = int(scalar(arg(op, env, "axis"), -1))
    k = int(scalar(arg(op, env, "k"), 1))
    idx = _sort_indices(x, axis, bool(scalar(arg(op, env, "ascending"), False)))
    idx = np.take(idx, np.arange(k), axis=axis)
    values = np.take_along_axis(x, idx, axis=axis)
    if not bool(scalar(arg(op, env, "return_indices"), True)):
        return values
    return values, idx


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
