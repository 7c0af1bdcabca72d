"""hlo-coreml-raise-fused-ops: subgraphs JAX expands (softmax, layer norm,
GELU, attention, ...) become one `coreml.*` composite each.

The pass is a package by pattern: `region` (finding and evaluating the ops
between an input and a root), `elementwise` and `norms` (the families and
how a region is compared with them, dispatched by `match`), `composite`
(the region rewrite), `attention` (SDPA on top of raised softmaxes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import inlined_func_call, ir, rewrite, stablehlo
from hlo_coreml.emit.ops_fused import COMPOSITE_TARGETS, SDPA, target_allows

from ..registry import ModulePass, register_pass
from .attention import _raise_attention
from .composite import Matches, _raise_region


@register_pass
@dataclass(frozen=True)
class RaiseFusedOpsPass(ModulePass):
    """Recognizes subgraphs that compute one of Core ML's fused ops and
    replaces each with a `stablehlo.composite "coreml.<op>"`, keeping the
    subgraph as the composite's decomposition (a private function), so the
    IR stays valid StableHLO and `hlo-coreml-inline-composites` can inline
    it back:

    - `coreml.sigmoid`, `coreml.silu`, `coreml.gelu {approximate = "tanh" |
      "none"}`: elementwise functions of one tensor (`jax.nn.sigmoid`,
      `silu`/`swish`, `gelu(approximate=True/False)`, also through a
      gated product such as GLU / SwiGLU, whose other factor stays a `multiply`);
    - `coreml.softmax {axis}`, `coreml.log_softmax {axis}` (with the max
      subtraction or without);
    - `coreml.layer_norm {axes, epsilon[, gamma][, beta]}` (any set of
      axes; gamma/beta constants, absent when 1/0 or applied outside by a
      non-constant `multiply`/`add`), `coreml.rms_norm` (same attributes),
      `coreml.l2_norm {axes, epsilon}` (`x / sqrt(sum(x^2) + eps)`);
    - `coreml.scaled_dot_product_attention` (query, key, value[, mask]) for
      `softmax(q k^T * scale [+ mask | select(mask, ., fill)]) v` on
      canonical batched matmuls (also through the reshape that merges unit
      batch dims), at `target` iOS18 or later only. A scale of exactly
      1/sqrt(E) on the query (Flax, Equinox) is dropped, any other becomes
      `query_scale`. A select mask needs fill -inf, or a fill <= -1e4 and a
      constant mask keeping a key in every row (e.g. causal): with a
      runtime padding mask a row may lose every key, where SDPA gives NaN
      and the program uniform weights, so only the softmax is raised.

    `linear` (matmul with a constant weight plus bias) is the composite
    `hlo_coreml.linear` that hlo-coreml-dot-general-to-matmul already
    creates; this pass leaves it alone.

    Values of rank > 5 are not raised (hlo-coreml-cap-rank reshapes them
    later); nor are reductions over a reshaped input (GroupNorm).

    How a region is recognized: a candidate root op (multiply, divide, add,
    subtract, convert) and an input value `x` delimit a region of
    elementwise ops, reductions, broadcasts, reshapes and converts whose
    only non-constant input is `x` and none of whose intermediate values is
    used outside it (an extra use is a near-miss: nothing changes). The
    region is then evaluated (NumPy, float64, on random inputs of its real
    shapes) and compared with each fused op's definition, with the axes of
    its reductions, and epsilon, gamma and beta taken from the region's
    constants (gamma and beta are fitted, then checked on a fresh input).
    Matching is thus by dataflow and values, whatever op sequence JAX,
    Flax or Equinox used; a different axis, epsilon placement or constant
    is a different function and is left alone. When a larger region
    including the root's only user also matches, the larger one wins. A
    region identical to one already evaluated in the same run (the same
    ops, attributes, types, constants and wiring: the same norm in every
    layer, the same gate in every step of an unrolled scan) takes the
    earlier answer instead of being evaluated again.

    Attention is matched structurally on top of raised softmaxes: the
    pass runs a second greedy-driver round for it.

    Afterwards the recognized regions are single composites; everything
    else is unchanged (dead ops of a region are erased by the driver).
    `coreml.*` composites already in the module (JAX's `jax.lax.composite`)
    that the target or the emitter cannot take are replaced by their
    decomposition first. Options: `target` (deployment target name,
    default iOS17; compile() passes its own) and `enable` (false: only that
    clean-up, no raising; compile(raise_fused_ops=False)).
    """

    name: ClassVar[str] = "hlo-coreml-raise-fused-ops"
    summary: ClassVar[str] = "Raise softmax, norms, GELU/SiLU/sigmoid and attention to coreml.* composites"
    target: str = "iOS17"
    enable: bool = True

    def run(self, module, pass_) -> None:
        target = self.target
        _inline_unsupported(module, target)
        if not self.enable:
            return
        patterns = rewrite.RewritePatternSet()
        matches = Matches()
        for op_class in (stablehlo.MulOp, stablehlo.DivOp, stablehlo.AddOp, stablehlo.SubtractOp, stablehlo.ConvertOp):
            patterns.add(op_class, lambda op, rewriter: _raise_region(op, rewriter, target, matches))
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())
        if target_allows(target, SDPA):
            patterns = rewrite.RewritePatternSet()
            patterns.add(stablehlo.DotGeneralOp, _raise_attention)
            rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())
            erase_unused_decompositions(module)


def erase_unused_decompositions(module) -> None:
    """Drop our decomposition functions no composite refers to any more
    (a softmax's, once attention took the softmax in)."""
    used = set()

    def visit(op):
        if op.name == "stablehlo.composite":
            used.add(ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    for op in list(module.regions[0].blocks[0].operations):
        if op.operation.name != "func.func" or "sym_visibility" not in op.attributes:
            continue
        name = ir.StringAttr(op.attributes["sym_name"]).value
        if name.startswith("coreml.") and ".impl" in name and name not in used:
            op.operation.erase()


def _inline_unsupported(module, target: str) -> None:
    """`coreml.*` composites (from JAX's `jax.lax.composite`) that the
    target cannot take, or whose attributes the emitter does not accept,
    are replaced by their decomposition's body."""
    from hlo_coreml.emit.registry import COMPOSITES, composite_names

    composite_names()  # loads the emitter table
    found = []

    def visit(op):
        if op.name == "stablehlo.composite":
            name = ir.StringAttr(op.attributes["name"]).value
            if name in COMPOSITE_TARGETS:
                entry = COMPOSITES[name]
                if not target_allows(target, name) or (entry.check is not None and entry.check(op.opview) is not None):
                    found.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    if not found:
        return
    symbols = ir.SymbolTable(module.operation)
    for op in found:
        callee = symbols[ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value]
        with ir.InsertionPoint(op), op.location:
            results = inlined_func_call(callee.operation, list(op.operands))
        for old, new in zip(op.results, results):
            old.replace_all_uses_with(new)
        op.erase()


__all__ = ["RaiseFusedOpsPass", "COMPOSITE_TARGETS"]
