"""Elementwise ops: unary math, binary math/comparison/logic, activations, cast, select.

Semantics follow coremltools 9.0 ``ops/defs/iOS15/elementwise_unary.py``,
``elementwise_binary.py``, ``activation.py`` and their iOS17 redefinitions.
Results are cast to the output var's dtype by the core, so fp16 programs
round every op to fp16 and int32 arithmetic wraps.
"""

import math

import numpy as np

from .core import InterpreterError, acc, arg, register, scalar
from .readings import mod as _mod, round_ties, underspecified

try:  # scipy is optional; math.erf is the fallback
    from scipy.special import erf as _erf
except Exception:  # pragma: no cover
    _erf = np.vectorize(math.erf, otypes=[np.float64])


def _x(op, env):
    return np.asarray(arg(op, env, "x"))


def _erf_like(x):
    """erf computed in float64, returned in x's float dtype."""
    return np.asarray(_erf(np.asarray(x, dtype=np.float64))).astype(x.dtype)


# ----------------------------------------------------------------------------
# unary math
# ----------------------------------------------------------------------------

_UNARY = {
    "abs": np.abs,
    "acos": np.arccos,
    "asin": np.arcsin,
    "atan": np.arctan,
    "atanh": np.arctanh,
    "ceil": np.ceil,
    "cos": np.cos,
    "cosh": np.cosh,
    "exp": np.exp,
    "exp2": np.exp2,
    "floor": np.floor,
    "sign": np.sign,
    "sin": np.sin,
    "sinh": np.sinh,
    "sqrt": np.sqrt,
    "square": np.square,
    "tan": np.tan,
    "tanh": np.tanh,
    "logical_not": np.logical_not,
}


def _make_unary(fn):
    def handler(op, env):
        return fn(_x(op, env))

    handler.__doc__ = f"Elementwise {fn.__name__}."
    return handler


for _name, _fn in _UNARY.items():
    register(_name)(_make_unary(_fn))


@register("erf")
def erf(op, env):
    """Elementwise error function."""
    return _erf_like(_x(op, env))


def _with_eps(op, env, default):
    x = acc(_x(op, env))
    eps = arg(op, env, "epsilon", None)
    eps = np.asarray(default if eps is None else eps).astype(x.dtype)
    return x + eps


@register("inverse")
def inverse(op, env):
    """1 / (x + epsilon); epsilon defaults to 1e-4."""
    return np.reciprocal(_with_eps(op, env, 1e-4))


@register("log")
def log(op, env):
    """log(x + epsilon); epsilon defaults to 1e-45 (0 in fp16)."""
    x = _x(op, env)
    default = np.float16(0) if x.dtype == np.float16 else 1e-45
    return np.log(_with_eps(op, env, default))


@register("rsqrt")
def rsqrt(op, env):
    """1 / sqrt(x + epsilon); epsilon defaults to 1e-12."""
    return 1 / np.sqrt(_with_eps(op, env, 1e-12))


@register("threshold")
def threshold(op, env):
    """max(x, alpha)."""
    x = _x(op, env)
    return np.maximum(x, np.asarray(arg(op, env, "alpha")).astype(x.dtype))


@register("clip")
def clip(op, env):
    """min(max(x, alpha), beta)."""
    x = _x(op, env)
    a = np.asarray(arg(op, env, "alpha")).astype(x.dtype)
    b = np.asarray(arg(op, env, "beta")).astype(x.dtype)
    return np.minimum(np.maximum(x, a), b)


@register("cast")
def cast(op, env):
    """Convert x to ``dtype``; float->int truncates toward zero, ->bool is x != 0."""
    from coremltools.converters.mil.mil.types.type_mapping import string_to_nptype

    x = _x(op, env)
    target = np.dtype(string_to_nptype(arg(op, env, "dtype")))
    if target == np.bool_:
        return x != 0
    return x.astype(target)


# ----------------------------------------------------------------------------
# binary
# ----------------------------------------------------------------------------


def _pow(x, y):
    if np.issubdtype(np.result_type(x, y), np.integer) and np.any(np.asarray(y) < 0):
        return np.trunc(np.power(x.astype(np.float64), y.astype(np.float64)))
    return np.power(x, y)


_BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "real_div": np.true_divide,  # int32 / int32 is truncated back to int32 by the core
    "floor_div": np.floor_divide,  # rounds toward -inf
    "pow": _pow,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "equal": np.equal,
    "not_equal": np.not_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "logical_and": np.logical_and,
    "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
}


def _make_binary(fn):
    def handler(op, env):
        x = np.asarray(arg(op, env, "x"))
        y = np.asarray(arg(op, env, "y"))
        return fn(x, y)

    handler.__doc__ = f"Broadcasting elementwise {getattr(fn, '__name__', fn)}."
    return handler


for _name, _fn in _BINARY.items():
    register(_name)(_make_binary(_fn))


@register("mod")
def mod(op, env):
    """x % y; the sign for negative operands is open (floor-mod by default,
    as value_inference's operator.mod; C fmod in strict mode's other reading)."""
    x = np.asarray(arg(op, env, "x"))
    y = np.asarray(arg(op, env, "y"))
    return underspecified(op, env, "mod", lambda choice: _mod(x, y, choice))


@register("round")
def round_(op, env):
    """Round to the nearest integer; ties to even by default (value_inference's
    np.round), away from zero in strict mode's other reading."""
    x = _x(op, env)
    return underspecified(op, env, "round", lambda choice: round_ties(x, choice))


@register("select")
def select(op, env):
    """Broadcasting where(cond, a, b)."""
    return np.where(arg(op, env, "cond"), arg(op, env, "a"), arg(op, env, "b"))


# ----------------------------------------------------------------------------
# activations (iOS15/activation.py, iOS17/activation.py)
# ----------------------------------------------------------------------------


def _alpha(op, env, name="alpha"):
    return acc(np.asarray(arg(op, env, name)))


def _channel_param(p, rank):
    """Reshape a per-channel [C] parameter to broadcast along axis 1."""
    p = np.asarray(p)
    if p.ndim == 0:
        return p
    return p.reshape((1, -1) + (1,) * (rank - 2))


@register("relu")
def relu(op, env):
    """max(x, 0)."""
    x = _x(op, env)
    return np.maximum(x, np.zeros((), x.dtype))


@register("relu6")
def relu6(op, env):
    """min(max(x, 0), 6)."""
    x = _x(op, env)
    return np.minimum(np.maximum(x, np.zeros((), x.dtype)), np.asarray(6, x.dtype))


@register("sigmoid")
def sigmoid(op, env):
    """1 / (1 + exp(-x))."""
    x = acc(_x(op, env))
    return 1 / (1 + np.exp(-x))


@register("sigmoid_hard")
def sigmoid_hard(op, env):
    """min(max(alpha * x + beta, 0), 1)."""
    x = acc(_x(op, env))
    return np.minimum(np.maximum(_alpha(op, env) * x + _alpha(op, env, "beta"), 0), 1)


@register("softplus")
def softplus(op, env):
    """log(1 + exp(x)), computed stably."""
    x = acc(_x(op, env))
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


@register("softplus_parametric")
def softplus_parametric(op, env):
    """alpha_c * log(1 + exp(beta_c * x)), per channel (axis 1)."""
    x = acc(_x(op, env))
    a = _channel_param(_alpha(op, env), x.ndim)
    b = _channel_param(_alpha(op, env, "beta"), x.ndim)
    return a * np.log1p(np.exp(x * b))


@register("softsign")
def softsign(op, env):
    """x / (1 + |x|)."""
    x = acc(_x(op, env))
    return x / (1 + np.abs(x))


@register("silu")
def silu(op, env):
    """x * sigmoid(x)."""
    x = acc(_x(op, env))
    return x / (1 + np.exp(-x))


@register("gelu")
def gelu(op, env):
    """GELU; mode EXACT (default), TANH_APPROXIMATION or SIGMOID_APPROXIMATION."""
    x = acc(_x(op, env))
    mode = arg(op, env, "mode", "EXACT")
    if mode == "TANH_APPROXIMATION":
        a = np.sqrt(2 / np.pi).astype(x.dtype) * (x + 0.044715 * x**3)
        return 0.5 * x * (1 + np.tanh(a))
    if mode == "SIGMOID_APPROXIMATION":
        return x / (1 + np.exp(-1.702 * x))
    if mode != "EXACT":
        raise InterpreterError(f"gelu {op.name!r}: unknown mode {mode!r}")
    return 0.5 * x * (1 + _erf_like(x / np.sqrt(2).astype(x.dtype)))


@register("elu")
def elu(op, env):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    x = acc(_x(op, env))
    return np.where(x > 0, x, _alpha(op, env) * np.expm1(np.minimum(x, 0)))


@register("leaky_relu")
def leaky_relu(op, env):
    """x if x >= 0 else alpha * x."""
    x = acc(_x(op, env))
    return np.where(x < 0, _alpha(op, env) * x, x)


@register("prelu")
def prelu(op, env):
    """x if x > 0 else alpha_c * x, per channel (axis 1)."""
    x = acc(_x(op, env))
    a = _channel_param(_alpha(op, env), x.ndim)
    return np.maximum(x, 0) + np.minimum(x, 0) * a


@register("clamped_relu")
def clamped_relu(op, env):
    """min(beta, x) if x >= 0 else min(beta, alpha * x) (op docstring)."""
    x = acc(_x(op, env))
    a, b = _alpha(op, env), _alpha(op, env, "beta")
    return np.minimum(np.where(x >= 0, x, a * x), b)


@register("linear_activation")
def linear_activation(op, env):
    """alpha * x + beta."""
    x = acc(_x(op, env))
    return _alpha(op, env) * x + _alpha(op, env, "beta")


@register("scaled_tanh")
def scaled_tanh(op, env):
    """alpha * tanh(beta * x)."""
    x = acc(_x(op, env))
    return _alpha(op, env) * np.tanh(x * _alpha(op, env, "beta"))


@register("thresholded_relu")
def thresholded_relu(op, env):
    """x if x >= alpha else 0."""
    x = _x(op, env)
    return np.where(x < np.asarray(arg(op, env, "alpha")).astype(x.dtype), np.zeros((), x.dtype), x)


@register("softmax")
def softmax(op, env):
    """exp(x - max) / sum(exp(x - max)) along ``axis`` (default -1)."""
    x = acc(_x(op, env))
    axis = int(scalar(arg(op, env, "axis"), -1))
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
