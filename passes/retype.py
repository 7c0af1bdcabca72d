"""The in-place type rewrite shared by the type-changing passes
(narrow-types, widen-bf16, widen-small-ints)."""

from __future__ import annotations

from typing import Callable

from hlo_coreml._mlir import ir


def retype_op(op, convert: Callable[[ir.Type], ir.Type], *, results: bool = True) -> None:
    """Apply `convert` to a func.func's signature, to the arguments of every
    block of `op`'s regions and (unless `results=False`) to `op`'s results.
    `convert` returns its argument unchanged for types it leaves alone."""
    if op.name == "func.func":
        ftype = ir.FunctionType(ir.TypeAttr(op.attributes["function_type"]).value)
        new = ir.FunctionType.get([convert(t) for t in ftype.inputs], [convert(t) for t in ftype.results])
        if new != ftype:
            op.attributes["function_type"] = ir.TypeAttr.get(new)
    for region in op.regions:
        for block in region.blocks:
            for arg in block.arguments:
                new_type = convert(arg.type)
                if new_type != arg.type:
                    arg.set_type(new_type)
    if results:
        for result in op.results:
            new_type = convert(result.type)
            if new_type != result.type:
                result.set_type(new_type)
