"""hlo-coreml-inline-composites: composites without a MIL op become calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import func, ir, rewrite, stablehlo
from hlo_coreml.emit.registry import composite_names

from .registry import ModulePass, register_pass
from .split_complex import COMPLEX_COMPOSITES


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

    A composite on complex tensors is inlined too (MIL's ops are real, and
    hlo-coreml-split-complex splits the decomposition), except the ones
    split-complex evaluates itself (`COMPLEX_COMPOSITES`: chlo.sinh,
    chlo.cosh).

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
    name = ir.StringAttr(op.attributes["name"]).value
    if name in composite_names() and (not _has_complex(op) or name in COMPLEX_COMPOSITES):
        return True  # no match: the emitter maps it to one MIL op
    callee = ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value
    with rewriter.ip, op.location:
        call = func.CallOp([r.type for r in op.results], callee, list(op.operands))
    rewriter.replace_op(op, call.operation)
    return False


def _has_complex(op) -> bool:
    return any(
        isinstance(ir.ShapedType(v.type).element_type, ir.ComplexType)
        for v in list(op.operands) + list(op.results)
        if isinstance(v.type, ir.ShapedType)
    )
