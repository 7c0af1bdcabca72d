"""Shared tables and small helpers of hlo-coreml-raise-fused-ops: the ops a
raised region may contain, and typed accessors of values and ops."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hlo_coreml._mlir import ir


# Ops a raised region may contain besides constants: elementwise math,
# broadcasts/reshapes/converts JAX inserts, and reductions.
_UNARY = {
    "stablehlo.negate": np.negative,
    "stablehlo.exponential": np.exp,
    "stablehlo.exponential_minus_one": np.expm1,
    "stablehlo.log": np.log,
    "stablehlo.log_plus_one": np.log1p,
    "stablehlo.tanh": np.tanh,
    "stablehlo.logistic": lambda a: 1 / (1 + np.exp(-a)),
    "stablehlo.abs": np.abs,
    "stablehlo.sqrt": np.sqrt,
    "stablehlo.rsqrt": lambda a: 1 / np.sqrt(a),
    "stablehlo.sign": np.sign,
    "stablehlo.floor": np.floor,
    "stablehlo.ceil": np.ceil,
    "stablehlo.not": np.logical_not,
}
_BINARY = {
    "stablehlo.add": np.add,
    "stablehlo.subtract": np.subtract,
    "stablehlo.multiply": np.multiply,
    "stablehlo.divide": np.divide,
    "stablehlo.maximum": np.maximum,
    "stablehlo.minimum": np.minimum,
    "stablehlo.power": np.power,
    "stablehlo.and": np.logical_and,
    "stablehlo.or": np.logical_or,
}
_COMPARE = {"EQ": np.equal, "NE": np.not_equal, "LT": np.less, "LE": np.less_equal, "GT": np.greater, "GE": np.greater_equal}
_STRUCTURAL = {
    "stablehlo.broadcast_in_dim",
    "stablehlo.reshape",
    "stablehlo.convert",
    "stablehlo.reduce",
    "stablehlo.select",
    "stablehlo.compare",
    "stablehlo.clamp",
}
# Shape ops of a symbolic-shape export: operand #1 is the runtime result
# shape, computed outside the region (get_dimension_size of an input); it
# becomes an extra operand of the composite, passed on to the decomposition.
_SHAPED = {"stablehlo.dynamic_broadcast_in_dim": 1, "stablehlo.dynamic_reshape": 1}
_REGION_OPS = set(_UNARY) | set(_BINARY) | _STRUCTURAL | set(_SHAPED)
# A `?` dim takes this size when a region is evaluated on probes: the fused
# ops are defined for every size, and a region that only matches some sizes
# is not one of them (gamma/beta over a `?` axis are refused).
_PROBE_SIZE = 5
_REDUCERS = {"stablehlo.add": np.sum, "stablehlo.maximum": np.max, "stablehlo.minimum": np.min}
_COMBINE = {"stablehlo.add": np.add, "stablehlo.maximum": np.maximum, "stablehlo.minimum": np.minimum}
# A region (ops depending on the input) is at most this big: JAX's erf-GELU
# is ~70 ops; bigger regions are not one fused op.
_MAX_REGION = 96
_MAX_RANK = 5


def _owner(value):
    owner = value.owner
    return None if isinstance(owner, ir.Block) else owner


def _name(value) -> str | None:
    owner = _owner(value)
    return None if owner is None else owner.operation.name


def _type(value) -> ir.RankedTensorType:
    return ir.RankedTensorType(value.type)


def _shape(value) -> tuple[int, ...]:
    return tuple(_type(value).shape)


def _concrete(shape) -> tuple[int, ...]:
    """`shape` with each `?` dim as _PROBE_SIZE (for evaluating a region)."""
    return tuple(_PROBE_SIZE if ir.ShapedType.is_dynamic_size(d) else d for d in shape)


def _dynamic(value) -> bool:
    return not _type(value).has_static_shape


def _data_operands(op) -> list:
    """The operands of a region op that carry data (not a runtime shape)."""
    operands = list(op.operands)
    shape_index = _SHAPED.get(op.name)
    return operands if shape_index is None else [v for i, v in enumerate(operands) if i != shape_index]


def _float_kind(value) -> str | None:
    t = value.type
    if not isinstance(t, ir.RankedTensorType):
        return None
    e = t.element_type
    if isinstance(e, ir.F32Type):
        return "f32"
    if isinstance(e, ir.F16Type):
        return "f16"
    return None


def _dtype(kind: str):
    return np.float16 if kind == "f16" else np.float32


def _module_of(op):
    parent = op.operation.parent
    while parent is not None and parent.name != "builtin.module":
        parent = parent.parent
    return parent


def _const_array(value) -> np.ndarray | None:
    attr = _owner(value).attributes["value"]
    if not isinstance(attr, ir.DenseElementsAttr):
        return None
    shape = tuple(_type(value).shape)
    array = np.asarray(attr)
    if attr.is_splat:
        return np.full(shape, array.reshape(-1)[0])
    return array.reshape(shape)


def _close(a, b, kind: str) -> bool:
    if a is None or a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            return False
        tol = 2e-3 if kind == "f16" else 2e-5
        scale = max(1.0, float(np.max(np.abs(b))))
        return bool(np.all(np.abs(a - b) <= tol * (np.abs(b) + 1e-3 * scale)))


@dataclass
class _Match:
    name: str
    attrs: dict
