"""The model interface under hlo-coreml-cap-rank: an argument or result of
@main with rank > max-rank travels at rank max-rank, its leading dims merged
into one, and is reshaped to its true shape just inside the function (the
high-rank value then is an ordinary one for the rest of the pass)."""

from __future__ import annotations

import math

from hlo_coreml._mlir import func, ir

from ..ir_build import reshape, shape_of
from ..signature_rewrite import function_signature, set_signature, signature_attributes

# The shape an argument / result of @main had before its leading dims were
# merged (a DenseI64ArrayAttr in its arg_attrs / res_attrs); emit/program.py
# records it in the model's interface metadata, and hlo_coreml.run and
# `hlo-coreml run` accept and return arrays of that shape.
ORIGINAL_SHAPE_ATTR = "hlo_coreml.original_shape"


def interface_shape(shape, max_rank: int) -> list[int]:
    """`shape` with its leading dims merged so that max_rank dims remain."""
    lead = len(shape) - max_rank + 1
    return [math.prod(shape[:lead])] + list(shape[lead:])


def _is_high(t, max_rank: int) -> bool:
    return isinstance(t, ir.RankedTensorType) and t.rank > max_rank


def cap_signature(function, max_rank: int) -> bool:
    """Reshape @main's high-rank arguments and results at the boundary
    (other functions with such a signature are reported); False if
    something was reported."""
    name = ir.StringAttr(function.attributes["sym_name"]).value
    inputs, results = function_signature(function)
    if not any(_is_high(t, max_rank) for t in inputs + results):
        return True
    ok = True
    for kind, types in (("argument", inputs), ("result", results)):
        for i, t in enumerate(types):
            if not _is_high(t, max_rank):
                continue
            if name != "main":
                problem = "hlo-coreml-cap-rank reshapes only @main's interface (inline the call)"
            elif any(ir.ShapedType.is_dynamic_size(d) for d in t.shape[: t.rank - max_rank + 1]):
                problem = (
                    f"its leading {t.rank - max_rank + 1} dims, which hlo-coreml-cap-rank would merge to reach "
                    f"rank {max_rank}, are not all static (specialize them)"
                )
            else:
                continue
            function.location.emit_error(
                f"{kind} #{i} of @{name} has rank {t.rank} ({t}); Core ML model inputs and "
                f"outputs have rank <= {max_rank}, and {problem}"
            )
            ok = False
    if not ok:
        return False
    entry = function.regions[0].blocks[0]
    arg_attrs, res_attrs = signature_attributes(function)
    new_inputs = list(inputs)
    first = entry.operations[0] if len(entry.operations) else None
    for i, t in enumerate(inputs):
        if not _is_high(t, max_rank):
            continue
        t = ir.RankedTensorType(t)
        arg = entry.arguments[i]
        uses = [(u.owner, u.operand_number) for u in arg.uses]
        flat = ir.RankedTensorType.get(interface_shape(list(t.shape), max_rank), t.element_type)
        arg.set_type(flat)
        with ir.InsertionPoint(first) if first is not None else ir.InsertionPoint(entry), arg.location:
            full = reshape(arg, list(t.shape))
        for owner, index in uses:
            owner.operands[index] = full
        new_inputs[i] = flat
        arg_attrs[i][ORIGINAL_SHAPE_ATTR] = ir.DenseI64ArrayAttr.get(list(t.shape))
    new_results = list(results)
    for ret in [op for op in entry.operations if op.operation.name == "func.return"]:
        operands = list(ret.operands)
        with ir.InsertionPoint(ret), ret.location:
            for i, v in enumerate(operands):
                if _is_high(v.type, max_rank):
                    operands[i] = reshape(v, interface_shape(shape_of(v), max_rank))
            func.ReturnOp(operands)
        ret.operation.erase()
    for i, t in enumerate(results):
        if _is_high(t, max_rank):
            t = ir.RankedTensorType(t)
            new_results[i] = ir.RankedTensorType.get(interface_shape(list(t.shape), max_rank), t.element_type)
            res_attrs[i][ORIGINAL_SHAPE_ATTR] = ir.DenseI64ArrayAttr.get(list(t.shape))
    set_signature(function, new_inputs, new_results, arg_attrs, res_attrs)
    return True

