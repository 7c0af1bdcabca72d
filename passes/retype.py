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


def rewrite_every_op(module, pass_, rewrite: Callable[[object], bool]) -> None:
    """Call `rewrite(op)` on every op of `module` (pre-order); if any call
    returns False (it emitted a diagnostic), the pass fails after the walk,
    so every problem is reported."""
    failed = False

    def visit(op):
        nonlocal failed
        if not rewrite(op):
            failed = True
        return ir.WalkResult.ADVANCE

    module.walk(visit)
    if failed:
        pass_.signal_pass_failure()
