"""hlo-coreml-inline-composites: composites without a MIL op become calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import func, ir, rewrite, stablehlo
from hlo_coreml.emit.registry import composite_names

from .registry import ModulePass, register_pass


@register_pass
@dataclass(frozen=True)
class InlineCompositesPass(ModulePass):
    """Replaces each `stablehlo.composite` whose name has no emitter entry by
    a `func.call` of its decomposition; the `inline` pass that follows in the
    pipeline then inlines the call.

    ```mlir
    %0 = stablehlo.composite "my.op" %a {decomposition = @my.op.impl} : ...
    ==>
    %0 = func.call @my.op.impl(%a) : ...
    ```

    Afterwards every remaining composite is one the emitter maps to a single
    MIL op (e.g. `chlo.erf` -> `erf`), and its decomposition is kept only as
    the reference semantics.
    """

    name: ClassVar[str] = "hlo-coreml-inline-composites"
    summary: ClassVar[str] = "Turn composites that have no MIL op into calls of their decomposition"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.CompositeOp, _composite_to_call)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


def _composite_to_call(op, rewriter):
    if ir.StringAttr(op.attributes["name"]).value in composite_names():
        return True  # no match: the emitter maps it to one MIL op
    callee = ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value
    with rewriter.ip, op.location:
        call = func.CallOp([r.type for r in op.results], callee, list(op.operands))
    rewriter.replace_op(op, call.operation)
    return False
