"""A small NumPy evaluator of StableHLO ops on constants: the integer and
boolean index arithmetic that loop trip counts, dynamic slice offsets and
scatter indices are made of (`evaluate_op`, `static_value`, `static_int`).

Float arithmetic is evaluated too (the unroller needs float loop
conditions), but the folding patterns only ever fold integer results.
"""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from .ir_build import attr_array, numpy_dtype

# Folding creates constants; keep them small (index arithmetic, predicates).
MAX_FOLD_ELEMENTS = 64
# static_value follows at most this many producers (iota -> slice -> reshape).
_MAX_DEPTH = 24


def _direction(op) -> str:
    return stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value


def attr_ints(op, name) -> list[int]:
    """An integer-list attribute of `op` (a dense i64 array or dense elements)."""
    attr = op.attributes[name]
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return list(attr)
    return [int(x) for x in np.asarray(attr).reshape(-1)]


def _int_div(x, y):
    q = np.abs(x) // np.abs(y)
    return np.where((x < 0) != (y < 0), -q, q).astype(x.dtype)


def _binary(name, x, y, dtype):
    boolean = dtype == np.bool_
    if name == "stablehlo.add":
        return np.logical_or(x, y) if boolean else x + y
    if name == "stablehlo.subtract":
        return None if boolean else x - y
    if name == "stablehlo.multiply":
        return np.logical_and(x, y) if boolean else x * y
    if name in ("stablehlo.divide", "stablehlo.remainder"):
        if boolean:
            return None
        if np.issubdtype(dtype, np.integer):
            if (y == 0).any():
                return None  # StableHLO defines it, but rarely on purpose: leave it
            q = _int_div(x, y)
            return q if name == "stablehlo.divide" else (x - q * y).astype(dtype)
        return x / y if name == "stablehlo.divide" else np.fmod(x, y)
    if name == "stablehlo.maximum":
        return np.maximum(x, y)
    if name == "stablehlo.minimum":
        return np.minimum(x, y)
    if name == "stablehlo.and":
        return np.logical_and(x, y) if boolean else np.bitwise_and(x, y)
    if name == "stablehlo.or":
        return np.logical_or(x, y) if boolean else np.bitwise_or(x, y)
    if name == "stablehlo.xor":
        return np.logical_xor(x, y) if boolean else np.bitwise_xor(x, y)
    return None


_BINARY_OPS = {
    "stablehlo.add",
    "stablehlo.subtract",
    "stablehlo.multiply",
    "stablehlo.divide",
    "stablehlo.remainder",
    "stablehlo.maximum",
    "stablehlo.minimum",
    "stablehlo.and",
    "stablehlo.or",
    "stablehlo.xor",
}
_COMPARE = {
    "EQ": np.equal,
    "NE": np.not_equal,
    "LT": np.less,
    "LE": np.less_equal,
    "GT": np.greater,
    "GE": np.greater_equal,
}
# Ops the fold pattern turns into constants (when integer or boolean).
FOLDABLE = sorted(
    _BINARY_OPS
    | {
        "stablehlo.negate",
        "stablehlo.abs",
        "stablehlo.not",
        "stablehlo.compare",
        "stablehlo.select",
        "stablehlo.clamp",
        "stablehlo.convert",
        "stablehlo.slice",
        "stablehlo.reshape",
        "stablehlo.concatenate",
    }
)
# Ops static_value looks through without folding them (they stay in the IR
# unless a folded op consumed them).
EVALUABLE = set(FOLDABLE) | {
    "stablehlo.constant",
    "stablehlo.iota",
    "stablehlo.broadcast_in_dim",
    "stablehlo.transpose",
}


def evaluate_op(op, args: list[np.ndarray]) -> list[np.ndarray] | None:
    """The results of `op` applied to NumPy `args` (StableHLO semantics), or
    None for ops and types this evaluator does not cover."""
    name = op.operation.name
    if len(op.results) != 1:
        return None
    result_type = op.results[0].type
    if not isinstance(result_type, ir.RankedTensorType) or not result_type.has_static_shape:
        return None
    out_shape = list(result_type.shape)
    dtype = numpy_dtype(result_type.element_type)
    if dtype is None:
        return None
    with np.errstate(all="ignore"):
        out = _evaluate(op, name, args, out_shape, dtype)
    if out is None:
        return None
    out = np.asarray(out)
    if out.dtype != dtype:
        out = out.astype(dtype)
    if list(out.shape) != out_shape:
        if out.size != math.prod(out_shape):
            return None
        out = out.reshape(out_shape)
    return [out]


def _evaluate(op, name, args, out_shape, dtype):
    if name == "stablehlo.constant":
        return attr_array(op.attributes["value"], out_shape)
    if name == "stablehlo.iota":
        dim = ir.IntegerAttr(op.attributes["iota_dimension"]).value
        axis = [1] * len(out_shape)
        axis[dim] = out_shape[dim]
        return np.broadcast_to(np.arange(out_shape[dim]).astype(dtype).reshape(axis), out_shape)
    if name in _BINARY_OPS:
        return _binary(name, args[0], args[1], dtype)
    if name == "stablehlo.negate":
        return None if dtype == np.bool_ else -args[0]
    if name == "stablehlo.abs":
        return np.abs(args[0])
    if name == "stablehlo.not":
        return np.logical_not(args[0]) if dtype == np.bool_ else np.invert(args[0])
    if name == "stablehlo.compare":
        x, y = args
        if "compare_type" in op.attributes and x.dtype.kind == "i":
            if stablehlo.ComparisonTypeAttr(op.attributes["compare_type"]).value == "UNSIGNED":
                x, y = x.view(x.dtype.str.replace("i", "u")), y.view(y.dtype.str.replace("i", "u"))
        return _COMPARE[_direction(op)](x, y)
    if name == "stablehlo.select":
        return np.where(args[0], args[1], args[2])
    if name == "stablehlo.clamp":
        return np.minimum(np.maximum(args[1], args[0]), args[2])
    if name == "stablehlo.convert":
        src = args[0]
        if np.issubdtype(src.dtype, np.floating) and not np.issubdtype(dtype, np.floating):
            if dtype == np.bool_:
                return src != 0
            info = np.iinfo(dtype)
            if not np.isfinite(src).all() or (src < info.min).any() or (src > info.max).any():
                return None
            return np.trunc(src).astype(dtype)
        if dtype == np.bool_:
            return src != 0
        return src.astype(dtype)
    if name == "stablehlo.reshape":
        return args[0].reshape(out_shape)
    if name == "stablehlo.broadcast_in_dim":
        dims = attr_ints(op, "broadcast_dimensions")
        x = args[0]
        order = np.argsort(dims)
        x = np.transpose(x, order) if x.ndim else x
        expanded = [1] * len(out_shape)
        for i, d in enumerate(sorted(dims)):
            expanded[d] = x.shape[i]
        return np.broadcast_to(x.reshape(expanded), out_shape)
    if name == "stablehlo.transpose":
        return np.transpose(args[0], attr_ints(op, "permutation"))
    if name == "stablehlo.slice":
        start, limit, strides = attr_ints(op, "start_indices"), attr_ints(op, "limit_indices"), attr_ints(op, "strides")
        return args[0][tuple(slice(b, e, s) for b, e, s in zip(start, limit, strides))]
    if name == "stablehlo.concatenate":
        return np.concatenate(args, axis=ir.IntegerAttr(op.attributes["dimension"]).value)
    return None


def static_value(value: ir.Value, env: dict | None = None, _depth: int = 0, _memo=None) -> np.ndarray | None:
    """The value of `value` if it follows from constants (and the block
    arguments bound in `env`) through ops the evaluator covers, with at most
    MAX_FOLD_ELEMENTS elements along the way; else None."""
    if env is not None and value in env:
        return env[value]
    if _memo is None:
        _memo = {}  # one per top-level query: shared operands are evaluated once
    if value in _memo:
        return _memo[value]
    owner = value.owner
    if isinstance(owner, ir.Block) or _depth > _MAX_DEPTH:
        return None
    name = owner.operation.name
    if name not in EVALUABLE or len(owner.results) != 1:
        return None
    t = value.type
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        return None
    if math.prod(t.shape) > MAX_FOLD_ELEMENTS and not (
        name == "stablehlo.constant" and isinstance(owner.attributes["value"], ir.DenseElementsAttr) and owner.attributes["value"].is_splat
    ):
        return None
    args = []
    for operand in owner.operands:
        a = static_value(operand, env, _depth + 1, _memo)
        if a is None:
            return None
        args.append(a)
    out = evaluate_op(owner, args)
    result = None if out is None else out[0]
    if _memo is not None:
        _memo[value] = result
    return result


def static_int(value: ir.Value) -> int | None:
    a = static_value(value)
    if a is None or a.size != 1 or not np.issubdtype(a.dtype, np.integer):
        return None
    return int(a.reshape(()))
