"""stablehlo.reduce whose body is a single add / multiply / max / min / and / or."""

from __future__ import annotations

import numpy as np

from ..element_types import kind_of
from ..ir_utils import constant_value, i64_array
from .registry import emits

# body op -> (MIL reduction for numbers, identity element for floats)
_REDUCTIONS = {
    "stablehlo.add": ("reduce_sum", 0.0),
    "stablehlo.multiply": ("reduce_prod", 1.0),
    "stablehlo.maximum": ("reduce_max", -np.inf),
    "stablehlo.minimum": ("reduce_min", np.inf),
}
# On i1, and/or/min/max reduce through int32 min/max.
_BOOL_REDUCTIONS = {
    "stablehlo.and": "reduce_min",
    "stablehlo.minimum": "reduce_min",
    "stablehlo.multiply": "reduce_min",
    "stablehlo.or": "reduce_max",
    "stablehlo.maximum": "reduce_max",
    "stablehlo.add": "reduce_max",
}
_COMBINE = {
    "stablehlo.add": "add",
    "stablehlo.multiply": "mul",
    "stablehlo.maximum": "maximum",
    "stablehlo.minimum": "minimum",
}


def body_op_name(op) -> str | None:
    """The name of the single binary op that a reduce body applies to its
    two block arguments (in either order), or None for any other body."""
    block = op.regions[0].blocks[0]
    ops = list(block.operations)
    if len(ops) != 2 or ops[1].operation.name != "stablehlo.return":
        return None
    inner = ops[0]
    args = list(block.arguments)
    if len(args) != 2 or len(inner.operands) != 2:
        return None
    if set(inner.operands) != set(args) or ops[1].operands[0] != inner.results[0]:
        return None
    return inner.operation.name


def _check(op):
    if len(op.results) != 1:
        return "with several operands (e.g. argmax/argmin) is not supported yet"
    body = body_op_name(op)
    kind = kind_of(op.results[0])
    table = _BOOL_REDUCTIONS if kind == "i1" else _REDUCTIONS
    if body not in table:
        return f"with body '{body or 'a region of several ops'}' is not supported on {kind}"
    return None


def _is_identity(init: np.ndarray | None, body: str, kind: str) -> bool:
    if init is None:
        return False
    value = init.reshape(())
    if kind == "i1":
        return bool(value) == (_BOOL_REDUCTIONS[body] == "reduce_min")
    identity = _REDUCTIONS[body][1]
    if kind == "i32" and np.isinf(identity):
        info = np.iinfo(np.int32)
        identity = info.min if identity < 0 else info.max
    return bool(value == identity)


@emits("stablehlo.reduce", check=_check, doc="`reduce_sum`/`reduce_prod`/`reduce_max`/`reduce_min` (i1 and/or via int32)")
def _reduce(ctx, op):
    mb = ctx.mb
    x, init = ctx[op.operands[0]], ctx[op.operands[1]]
    axes = np.array(i64_array(op, "dimensions"), dtype=np.int32)
    body = body_op_name(op)
    kind = kind_of(op.results[0])
    if kind == "i1":
        as_int = ctx.cast(x, "i32")
        if len(axes):
            as_int = getattr(mb, _BOOL_REDUCTIONS[body])(x=as_int, axes=axes, keep_dims=False)
        out = ctx.cast(as_int, "i1")
        if not _is_identity(constant_value(op.operands[1]), body, kind):
            combine = mb.logical_and if _BOOL_REDUCTIONS[body] == "reduce_min" else mb.logical_or
            out = combine(x=out, y=init)
        return out
    out = x
    if len(axes):
        out = getattr(mb, _REDUCTIONS[body][0])(x=x, axes=axes, keep_dims=False)
    if not _is_identity(constant_value(op.operands[1]), body, kind):
        out = getattr(mb, _COMBINE[body])(x=out, y=init)
    return out
