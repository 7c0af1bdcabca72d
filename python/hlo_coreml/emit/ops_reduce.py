"""stablehlo.reduce whose body is a single add / multiply / max / min / and / or."""

from __future__ import annotations

import numpy as np

from .._mlir import ir
from ..element_types import is_dynamic, kind_of, shape_of
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
        return _arg_reduce_check(op)
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


@emits(
    "stablehlo.reduce",
    check=_check,
    doc="`reduce_sum`/`reduce_prod`/`reduce_max`/`reduce_min` (i1 and/or via int32); the (value, iota) "
    "reduce of argmax/argmin: `reduce_max`/`reduce_min`, then `reduce_argmax` of n - i where x equals it (or "
    "is NaN, if any is): the first index wins ties whatever MIL's tie order, NaN counts as the "
    "largest/smallest like JAX",
)
def _reduce(ctx, op):
    mb = ctx.mb
    if len(op.results) != 1:
        return _arg_reduce(ctx, op)
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


# -- argmax / argmin: the variadic (value, index) reduce ---------------------------------
#
# JAX's argmax/argmin reduce (x, iota along the axis) with init (-inf | +inf, 0)
# and a body that keeps the larger (smaller) value, NaN first, and the lower
# index among equal values: exactly MIL reduce_argmax/argmin (first index of
# the maximum; np.argmax also stops at the first NaN).


def _arg_direction(op) -> str | None:
    """'max' or 'min' when the body selects between the two value block
    arguments (0 and 2) on a `compare GT` / `LT` of them, else None."""
    block = op.regions[0].blocks[0]
    args = list(block.arguments)
    if len(args) != 4:
        return None
    ops = list(block.operations)
    ret = ops[-1]
    if ret.operation.name != "stablehlo.return" or len(ret.operands) != 2:
        return None
    chosen = ret.operands[0].owner
    if isinstance(chosen, ir.Block) or chosen.operation.name != "stablehlo.select":
        return None
    if list(chosen.operands[1:]) != [args[0], args[2]]:
        return None
    index = ret.operands[1].owner
    if isinstance(index, ir.Block) or index.operation.name != "stablehlo.select":
        return None
    if list(index.operands[1:]) != [args[1], args[3]]:
        return None
    for inner in ops:
        if inner.operation.name != "stablehlo.compare" or list(inner.operands) not in (
            [args[0], args[2]],
            [args[2], args[0]],
        ):
            continue
        direction = str(inner.attributes["comparison_direction"]).split()[-1].rstrip(">")
        if list(inner.operands) == [args[2], args[0]]:
            direction = {"GT": "LT", "LT": "GT"}.get(direction, direction)
        return {"GT": "max", "LT": "min"}.get(direction)
    return None


def _is_iota(value, dim: int) -> bool:
    owner = value.owner
    if isinstance(owner, ir.Block):
        return False
    if owner.operation.name in ("stablehlo.iota", "stablehlo.dynamic_iota"):
        return ir.IntegerAttr(owner.attributes["iota_dimension"]).value == dim
    if owner.operation.name == "stablehlo.broadcast_in_dim":
        dims = i64_array(owner, "broadcast_dimensions")
        inner = owner.operands[0].owner
        return (
            dim in dims
            and not isinstance(inner, ir.Block)
            and inner.operation.name == "stablehlo.iota"
            and dims[ir.IntegerAttr(inner.attributes["iota_dimension"]).value] == dim
            and shape_of(owner.operands[0])[dims.index(dim)] == shape_of(value)[dim]
        )
    return False


def _arg_reduce_check(op):
    hint = "only the (value, iota index) reduce of argmax/argmin is supported"
    if len(op.results) != 2:
        return f"with {len(op.results)} operands is not supported ({hint})"
    axes = i64_array(op, "dimensions")
    if len(axes) != 1:
        return f"with several operands over {len(axes)} dims is not supported ({hint})"
    if _arg_direction(op) is None:
        return f"with several operands and this body is not supported ({hint})"
    if not _is_iota(op.operands[1], axes[0]):
        return f"with several operands needs an iota along the reduced dim as second operand ({hint})"
    init = constant_value(op.operands[3])
    if init is None or int(init.reshape(())) != 0:
        return f"with several operands needs an initial index of 0 ({hint})"
    if kind_of(op.operands[0]) not in ("f16", "f32", "i32") or kind_of(op.results[1]) != "i32":
        return "argmax/argmin is supported on f16, f32 and i32 values with i32 indices"
    body = "stablehlo.maximum" if _arg_direction(op) == "max" else "stablehlo.minimum"
    if not _is_identity(constant_value(op.operands[2]), body, kind_of(op.operands[0])):
        return "argmax/argmin needs the identity (-inf / +inf or the int32 limit) as initial value"
    return None


def _arg_reduce(ctx, op):
    mb = ctx.mb
    x = ctx[op.operands[0]]
    axis = i64_array(op, "dimensions")[0]
    size = shape_of(op.operands[0])[axis]
    if not is_dynamic(size) and size == 0:
        raise ValueError("argmax over an empty dim")
    direction = _arg_direction(op)
    arg = mb.reduce_argmax if direction == "max" else mb.reduce_argmin
    value = mb.reduce_max if direction == "max" else mb.reduce_min
    values = value(x=x, axes=np.array([axis], dtype=np.int32), keep_dims=False)
    if is_dynamic(size):
        # Tie order of reduce_argmax is undocumented ("the identity of the
        # return value is not guaranteed"); with a ? dim it is relied on.
        return [values, arg(x=x, axis=axis, keep_dims=False)]
    return [values, _first_index(ctx, x, axis, int(size), direction, kind_of(op.operands[0]) != "i32")]


def _first_index(ctx, x, axis: int, n: int, direction: str, floating: bool):
    """The first index of the max (min) along `axis`, the first NaN if any
    (JAX), without relying on which tied index MIL reduce_argmax returns
    (iOS15/reduction.py: "the identity of the return value is not
    guaranteed"): reduce_argmax of n - i at the wanted positions and 0
    elsewhere has a single largest element."""
    mb = ctx.mb
    rank = len(x.shape)
    best = (mb.reduce_max if direction == "max" else mb.reduce_min)(x=x, axes=np.array([axis], dtype=np.int32), keep_dims=True)
    target = mb.equal(x=x, y=best)
    if floating:
        # MIL does not document NaN in reduce_max/min: pick the NaNs
        # explicitly when there are any.
        nan = mb.not_equal(x=x, y=x)
        any_nan = mb.reduce_max(x=mb.cast(x=nan, dtype="int32"), axes=np.array([axis], dtype=np.int32), keep_dims=True)
        target = mb.select(cond=mb.greater(x=any_nan, y=np.int32(0)), a=nan, b=target)
    shape = [1] * rank
    shape[axis] = n
    countdown = ctx.const((n - np.arange(n, dtype=np.int32)).reshape(shape))
    key = mb.mul(x=mb.cast(x=target, dtype="int32"), y=countdown)  # n - i where wanted, else 0
    return mb.reduce_argmax(x=key, axis=axis, keep_dims=False)
