"""The `coreml.*` composites hlo-coreml-raise-fused-ops creates (or JAX
emits with `jax.lax.composite` under the same names): one fused MIL op each.

| composite | attributes | MIL |
| --- | --- | --- |
| coreml.softmax | axis | softmax |
| coreml.log_softmax | axis | sub(x, reduce_log_sum_exp) |
| coreml.layer_norm | axes, epsilon, gamma?, beta? | layer_norm |
| coreml.rms_norm | axes, epsilon, gamma?, beta? | reduce_sum_square, rsqrt(epsilon), mul (+ add) |
| coreml.l2_norm | axes, epsilon | reduce_sum_square, rsqrt(epsilon), mul |
| coreml.gelu | approximate = "none" / "tanh" | gelu (EXACT / TANH_APPROXIMATION) |
| coreml.silu | | silu |
| coreml.sigmoid | | sigmoid |
| coreml.scaled_dot_product_attention | query_scale? | scaled_dot_product_attention (iOS18+) |

Operands: the input tensor (attention: query [B.., L, E], key [B.., S, E],
value [B.., S, Ev], optional mask [B.., L, S], i1 = participates, or float
added to the scores). Constants (epsilon, gamma, beta) are built in the
input's dtype, so fp16 programs see no fp32 constant.
"""

from __future__ import annotations

import re

import numpy as np

from .._mlir import ir
from ..element_types import NUMPY_DTYPES, kind_of, shape_of
from .registry import emits_composite

SOFTMAX = "coreml.softmax"
LOG_SOFTMAX = "coreml.log_softmax"
LAYER_NORM = "coreml.layer_norm"
RMS_NORM = "coreml.rms_norm"
L2_NORM = "coreml.l2_norm"
GELU = "coreml.gelu"
SILU = "coreml.silu"
SIGMOID = "coreml.sigmoid"
SDPA = "coreml.scaled_dot_product_attention"

# Specification version (ct.target value) each composite needs; iOS15 (6)
# is the oldest ML-program target anyway.
COMPOSITE_TARGETS = {
    SOFTMAX: 6,
    LOG_SOFTMAX: 6,
    LAYER_NORM: 6,
    RMS_NORM: 6,
    L2_NORM: 6,
    GELU: 6,
    SILU: 6,
    SIGMOID: 6,
    SDPA: 9,
}

# ct.target values by OS name: version -> specification version.
_OS_OFFSET = {"ios": 9, "tvos": 9, "macos": 6, "watchos": 2}


def target_version(target) -> int:
    """The specification version of a deployment target: a name ('iOS18',
    'macOS15', ...), a `ct.target` member, or an int."""
    if isinstance(target, int):
        return target
    if not isinstance(target, str):
        return int(target.value)
    m = re.fullmatch(r"([A-Za-z]+?)(\d+)", target.strip())
    if m and m.group(1).lower() in _OS_OFFSET:
        return int(m.group(2)) - _OS_OFFSET[m.group(1).lower()]
    from ..coreml import resolve_target

    return int(resolve_target(target).value)


def needed_target(composite: str) -> str:
    """The oldest iOS target name that has `composite`'s MIL op."""
    from ..coreml import coremltools

    version = COMPOSITE_TARGETS.get(composite, 0)
    ct = coremltools()
    return next(name for name, t in ct.target.__members__.items() if name.startswith("iOS") and t.value >= version)


def target_allows(target, composite: str) -> bool:
    """Whether `composite` may be emitted for the deployment `target`."""
    return target_version(target) >= COMPOSITE_TARGETS.get(composite, 0)


def _attrs(op) -> dict:
    if "composite_attributes" not in op.attributes:
        return {}
    d = ir.DictAttr(op.attributes["composite_attributes"])
    return {d[i].name: d[i].attr for i in range(len(d))}


def _int(attr) -> int:
    return ir.IntegerAttr(attr).value


def _float(attr) -> float:
    return ir.FloatAttr(attr).value


def _ints(attr) -> list[int]:
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return list(attr)
    return [int(v) for v in np.asarray(attr).reshape(-1)]


def _array(attr, shape) -> np.ndarray:
    attr = ir.DenseElementsAttr(attr)
    if attr.is_splat:
        return np.full(shape, float(np.asarray(attr).reshape(-1)[0]))
    return np.asarray(attr).reshape(shape)


def _one_float_operand(op, *required):
    # Operands after the first are runtime shapes (1-D integer vectors) that
    # hlo-coreml-raise-fused-ops passes on to the decomposition of a region
    # with dynamic shape ops; the MIL op does not need them.
    if len(op.operands) < 1 or len(op.results) != 1 or any(not _shape_vector(v) for v in list(op.operands)[1:]):
        return "takes one operand (plus runtime shape vectors) and has one result"
    if kind_of(op.results[0]) not in ("f16", "f32") or kind_of(op.operands[0]) != kind_of(op.results[0]):
        return "is supported on f16/f32 tensors only"
    if shape_of(op.operands[0]) != shape_of(op.results[0]):
        return "must keep its operand's shape"
    attrs = _attrs(op)
    missing = [a for a in required if a not in attrs]
    if missing:
        return f"needs the composite attribute(s) {', '.join(missing)}"
    return None


def _shape_vector(value) -> bool:
    return kind_of(value) == "i32" and len(shape_of(value)) == 1


def _axis_check(op):
    problem = _one_float_operand(op, "axis")
    if problem:
        return problem
    rank = len(shape_of(op.operands[0]))
    if not -rank <= _int(_attrs(op)["axis"]) < rank:
        return "has an axis out of range"
    return None


def _norm_check(op):
    problem = _one_float_operand(op, "axes", "epsilon")
    if problem:
        return problem
    attrs = _attrs(op)
    shape = shape_of(op.operands[0])
    axes = _ints(attrs["axes"])
    if not axes or any(not 0 <= a < len(shape) for a in axes):
        return "has axes out of range"
    norm_shape = [shape[a] for a in sorted(axes)]
    for key in ("gamma", "beta"):
        if key in attrs and list(ir.ShapedType(attrs[key].type).shape) != norm_shape:
            return f"has a {key} whose shape is not that of the normalized axes {norm_shape}"
    return None


def _gelu_check(op):
    problem = _one_float_operand(op)
    if problem:
        return problem
    approximate = _attrs(op).get("approximate")
    if approximate is not None and ir.StringAttr(approximate).value not in ("none", "tanh"):
        return "has approximate other than 'none' or 'tanh'"
    return None


def _sdpa_check(op):
    operands = list(op.operands)
    if len(operands) not in (3, 4):
        return "takes query, key, value and an optional mask"
    q, k, v = operands[:3]
    kind = kind_of(q)
    if kind not in ("f16", "f32") or kind_of(k) != kind or kind_of(v) != kind or kind_of(op.results[0]) != kind:
        return "needs query, key, value and result of one float type"
    qs, ks, vs = shape_of(q), shape_of(k), shape_of(v)
    if len(qs) < 3 or len(ks) != len(qs) or len(vs) != len(qs):
        return "needs query, key and value of the same rank (>= 3)"
    if ks[-1] != qs[-1] or vs[-2] != ks[-2] or ks[:-2] != qs[:-2] or vs[:-2] != qs[:-2]:
        return "needs query [B.., L, E], key [B.., S, E], value [B.., S, Ev]"
    if len(operands) == 4:
        m = operands[3]
        if kind_of(m) not in ("i1", kind):
            return "needs a bool mask or one of the query's float type"
        if shape_of(m) != qs[:-1] + (ks[-2],):
            return "needs a mask of shape [B.., L, S]"
    return None


def _const(ctx, array, kind):
    return ctx.const(np.ascontiguousarray(array, dtype=NUMPY_DTYPES[kind]))


@emits_composite(SOFTMAX, check=_axis_check, doc="`softmax`")
def _softmax(ctx, op):
    return ctx.mb.softmax(x=ctx[op.operands[0]], axis=_int(_attrs(op)["axis"]))


@emits_composite(LOG_SOFTMAX, check=_axis_check, doc="`sub(x, reduce_log_sum_exp(x))`")
def _log_softmax(ctx, op):
    x = ctx[op.operands[0]]
    lse = ctx.mb.reduce_log_sum_exp(x=x, axes=[_int(_attrs(op)["axis"])], keep_dims=True)
    return ctx.mb.sub(x=x, y=lse)


def _norm_params(op):
    attrs = _attrs(op)
    shape = shape_of(op.operands[0])
    axes = sorted(_ints(attrs["axes"]))
    norm_shape = [shape[a] for a in axes]
    eps = _float(attrs["epsilon"])
    gamma = _array(attrs["gamma"], norm_shape) if "gamma" in attrs else None
    beta = _array(attrs["beta"], norm_shape) if "beta" in attrs else None
    return shape, axes, eps, gamma, beta


def _expand(array, shape, axes):
    """gamma/beta over `axes` as a tensor broadcastable to `shape`."""
    full = [shape[i] if i in axes else 1 for i in range(len(shape))]
    return np.reshape(array, full)


@emits_composite(LAYER_NORM, check=_norm_check, doc="`layer_norm` (gamma/beta consts in the input's dtype)")
def _layer_norm(ctx, op):
    kind = kind_of(op.results[0])
    shape, axes, eps, gamma, beta = _norm_params(op)
    kwargs = {}
    if gamma is not None or beta is not None:
        # MIL takes both or neither in practice; fill the missing one.
        norm_shape = [shape[a] for a in axes]
        kwargs["gamma"] = _const(ctx, gamma if gamma is not None else np.ones(norm_shape), kind)
        kwargs["beta"] = _const(ctx, beta if beta is not None else np.zeros(norm_shape), kind)
    return ctx.mb.layer_norm(
        x=ctx[op.operands[0]], axes=axes, epsilon=NUMPY_DTYPES[kind](eps), **kwargs
    )


def _scaled_by_rsqrt(ctx, op, scale: float, eps: float, gamma, beta):
    """x * rsqrt(sum(x^2 over axes) + eps) * scale * gamma (+ beta)."""
    kind = kind_of(op.results[0])
    shape, axes = shape_of(op.operands[0]), sorted(_ints(_attrs(op)["axes"]))
    mb, x = ctx.mb, ctx[op.operands[0]]
    ss = mb.reduce_sum_square(x=x, axes=axes, keep_dims=True)
    r = mb.rsqrt(x=ss, epsilon=NUMPY_DTYPES[kind](eps))
    y = mb.mul(x=x, y=r)
    factor = np.float64(scale) * (gamma if gamma is not None else np.ones([shape[a] for a in axes]))
    if not np.all(factor == 1):
        y = mb.mul(x=y, y=_const(ctx, _expand(factor, shape, axes), kind))
    if beta is not None:
        y = mb.add(x=y, y=_const(ctx, _expand(beta, shape, axes), kind))
    return y


@emits_composite(RMS_NORM, check=_norm_check, doc="`reduce_sum_square`, `rsqrt` (epsilon * n), `mul` by sqrt(n) * gamma")
def _rms_norm(ctx, op):
    shape, axes, eps, gamma, beta = _norm_params(op)
    n = int(np.prod([shape[a] for a in axes]))
    # x / sqrt(mean(x^2) + eps) = x * rsqrt(sum(x^2) + n eps) * sqrt(n)
    return _scaled_by_rsqrt(ctx, op, float(np.sqrt(n)), eps * n, gamma, beta)


@emits_composite(L2_NORM, check=_norm_check, doc="`reduce_sum_square`, `rsqrt` (epsilon), `mul`")
def _l2_norm(ctx, op):
    _, _, eps, _, _ = _norm_params(op)
    return _scaled_by_rsqrt(ctx, op, 1.0, eps, None, None)


@emits_composite(GELU, check=_gelu_check, doc="`gelu` (EXACT or TANH_APPROXIMATION)")
def _gelu(ctx, op):
    approximate = _attrs(op).get("approximate")
    tanh = approximate is not None and ir.StringAttr(approximate).value == "tanh"
    return ctx.mb.gelu(x=ctx[op.operands[0]], mode="TANH_APPROXIMATION" if tanh else "EXACT")


@emits_composite(SILU, check=_one_float_operand, doc="`silu`")
def _silu(ctx, op):
    return ctx.mb.silu(x=ctx[op.operands[0]])


@emits_composite(SIGMOID, check=_one_float_operand, doc="`sigmoid`")
def _sigmoid(ctx, op):
    return ctx.mb.sigmoid(x=ctx[op.operands[0]])


@emits_composite(SDPA, check=_sdpa_check, doc="`scaled_dot_product_attention` (iOS18+; older targets keep the decomposition)")
def _sdpa(ctx, op):
    kind = kind_of(op.results[0])
    q, k, v = (ctx[o] for o in list(op.operands)[:3])
    attrs = _attrs(op)
    if "query_scale" in attrs:
        q = ctx.mb.mul(x=q, y=ctx.scalar(_float(attrs["query_scale"]), kind))
    kwargs = {}
    if len(op.operands) == 4:
        kwargs["attn_mask"] = ctx[op.operands[3]]
    return ctx.mb.scaled_dot_product_attention(query=q, key=k, value=v, **kwargs)
