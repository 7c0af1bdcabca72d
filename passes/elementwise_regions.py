"""Regions that compute elementwise on rank-0 values (a `stablehlo.map`
body, a scatter combiner), applied to whole tensors.

A region qualifies when every op in it is a constant, an elementwise
StableHLO op, or a rank-0 reshape / broadcast (a no-op), and its values
come from the block arguments, earlier ops of the block, or rank-0 values
defined outside (canonicalize hoists a body's constants into the
function). Applying it to tensors of one shape re-creates each op on that
shape: the same op, the same attributes, result element types kept;
rank-0 constants and outside values are broadcast.
"""

from __future__ import annotations

from hlo_coreml._mlir import ir, stablehlo

# Elementwise ops (on rank-0 values, so their tensor form is the same op on
# tensors of any one shape).
ELEMENTWISE = frozenset(
    "stablehlo." + n
    for n in (
        "abs add and atan2 cbrt ceil clamp compare convert cosine count_leading_zeros divide exponential "
        "exponential_minus_one floor is_finite log log_plus_one logistic maximum minimum multiply negate not "
        "or popcnt power remainder round_nearest_afz round_nearest_even rsqrt select shift_left "
        "shift_right_arithmetic shift_right_logical sign sine sqrt subtract tan tanh xor reduce_precision"
    ).split()
)
# Rank-0 to rank-0 ops that pass their operand through.
_IDENTITY = frozenset(("stablehlo.reshape", "stablehlo.broadcast_in_dim", "stablehlo.transpose"))


def _outer_scalar(value) -> bool:
    t = value.type
    return isinstance(t, ir.RankedTensorType) and t.rank == 0


def region_problem(block) -> str | None:
    """None if `block` computes elementwise (see the module docstring),
    else what is in the way."""
    ops = list(block.operations)
    known = set(block.arguments)
    for inner in ops[:-1]:
        name = inner.operation.name
        if len(inner.operation.regions):
            return f"its body holds '{name}', which has a region"
        if not (name == "stablehlo.constant" or name in _IDENTITY or name in ELEMENTWISE):
            return f"its body holds '{name}', which is not elementwise"
        if any(v not in known and not _outer_scalar(v) for v in inner.operands):
            return "its body uses a non-scalar value from outside the body"
        if any(not _outer_scalar(r) for r in inner.results):
            return f"its body computes a value of rank > 0 ('{name}')"
        known.update(inner.results)
    if any(v not in known and not _outer_scalar(v) for v in ops[-1].operands):
        return "its body returns a non-scalar value from outside the body"
    return None


def apply_region(block, tensors, shape) -> list[ir.Value]:
    """`block` (elementwise: `region_problem` is None) applied to `tensors`
    (one per block argument, all of `shape`); returns what its terminator
    returns, as tensors of `shape`. Call under an insertion point and
    location."""
    ops = list(block.operations)
    env = dict(zip(block.arguments, tensors))

    def tensor_type(value):
        return ir.RankedTensorType.get(shape, ir.RankedTensorType(value.type).element_type)

    def lookup(value):
        if value not in env:  # a rank-0 value from outside: broadcast once
            env[value] = stablehlo.BroadcastInDimOp(tensor_type(value), value, []).result
        return env[value]

    for inner in ops[:-1]:
        name = inner.operation.name
        if name == "stablehlo.constant":
            clone = inner.operation.clone(ip=ir.InsertionPoint.current)
            env[inner.results[0]] = stablehlo.BroadcastInDimOp(tensor_type(clone.results[0]), clone.results[0], []).result
            continue
        if name in _IDENTITY:
            env[inner.results[0]] = lookup(inner.operands[0])
            continue
        new = ir.Operation.create(
            name,
            results=[tensor_type(r) for r in inner.results],
            operands=[lookup(v) for v in inner.operands],
            attributes={key: inner.operation.attributes[key] for key in inner.operation.attributes},
        )
        for old, value in zip(inner.results, new.results):
            env[old] = value
    return [lookup(v) for v in ops[-1].operands]


__all__ = ["ELEMENTWISE", "apply_region", "region_problem"]
