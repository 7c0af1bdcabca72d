"""Loop carries under hlo-coreml-cap-rank: a `stablehlo.while` that carries a
value of rank > max-rank carries it at rank max-rank instead (leading dims
merged, as at the model interface), reshaped to its true shape at the start
of the condition and the body and back at the body's `return`, and after
the loop. The rank-6 values are then ordinary values of their blocks, which
the rest of the pass caps."""

from __future__ import annotations

from hlo_coreml._mlir import ir

from ..ir_build import reshape, shape_of
from .signature import interface_shape


def _high(v, max_rank: int) -> bool:
    t = v.type
    return isinstance(t, ir.RankedTensorType) and t.rank > max_rank and t.has_static_shape


def cap_loop_carries(function, max_rank: int) -> bool:
    """Rewrite every while loop of `function` that carries a static value of
    rank > max_rank; True if any was rewritten."""
    loops = []

    def collect(op):
        if op.name == "stablehlo.while" and any(_high(v, max_rank) for v in op.operands):
            loops.append(op)
        return ir.WalkResult.ADVANCE

    function.operation.walk(collect)
    for loop in loops:
        _cap_loop(loop, max_rank)
    return bool(loops)


def _cap_loop(loop, max_rank: int) -> None:
    carried = [i for i, v in enumerate(loop.operands) if _high(v, max_rank)]
    shapes = {i: shape_of(loop.operands[i]) for i in carried}
    flat_types = {
        i: ir.RankedTensorType.get(
            interface_shape(shapes[i], max_rank), ir.RankedTensorType(loop.operands[i].type).element_type
        )
        for i in carried
    }
    with ir.InsertionPoint(loop), loop.location:
        for i in carried:
            loop.operands[i] = reshape(loop.operands[i], interface_shape(shapes[i], max_rank))
    for region in loop.regions:
        block = region.blocks[0]
        first = block.operations[0]
        for i in carried:
            arg = block.arguments[i]
            uses = [(u.owner, u.operand_number) for u in arg.uses]
            arg.set_type(flat_types[i])
            with ir.InsertionPoint(first), loop.location:
                full = reshape(arg, shapes[i])
            for owner, index in uses:
                owner.operands[index] = full
    body = loop.regions[1].blocks[0]
    terminator = [op for op in body.operations][-1]
    with ir.InsertionPoint(terminator), terminator.location:
        for i in carried:
            terminator.operands[i] = reshape(terminator.operands[i], interface_shape(shapes[i], max_rank))
    following = _next_op(loop)
    for i in carried:
        result = loop.results[i]
        uses = [(u.owner, u.operand_number) for u in result.uses]
        result.set_type(flat_types[i])
        if not uses:
            continue
        with (ir.InsertionPoint(following) if following is not None else ir.InsertionPoint(loop.operation.block)), loop.location:
            full = reshape(result, shapes[i])
        for owner, index in uses:
            owner.operands[index] = full


def _next_op(op):
    ops = list(op.operation.block.operations)
    for k, o in enumerate(ops):
        if o.operation == op.operation:
            return ops[k + 1] if k + 1 < len(ops) else None
    return None

