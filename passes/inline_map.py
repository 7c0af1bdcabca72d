"""hlo-coreml-inline-map: `stablehlo.map` with an elementwise body becomes
the body's ops on whole tensors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, rewrite, stablehlo

from .elementwise_regions import apply_region, region_problem
from .registry import ModulePass, register_pass


@register_pass
@dataclass(frozen=True)
class InlineMapPass(ModulePass):
    """Replaces each `stablehlo.map` (which applies its body to every index
    of its operands; the spec requires `dimensions` to be all dims in order,
    so it is elementwise) by the body's ops applied to the operand tensors:

    ```mlir
    %0 = "stablehlo.map"(%x, %y) ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = stablehlo.multiply %a, %b : tensor<f32>
      stablehlo.return %s : tensor<f32>
    }) {dimensions = array<i64: 0>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    ==>
    %0 = stablehlo.multiply %x, %y : tensor<4xf32>
    ```

    Body constants (and rank-0 values from outside the body) are
    broadcast to the operand shape. Only bodies made of elementwise ops,
    constants and rank-0 no-op reshapes/broadcasts are inlined (see
    `elementwise_regions`); other maps, and maps over dynamic shapes, are
    left for verify-legal to report. Afterwards no such map remains.
    """

    name: ClassVar[str] = "hlo-coreml-inline-map"
    summary: ClassVar[str] = "stablehlo.map with an elementwise body -> the body's ops on whole tensors"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.MapOp, inline_map)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


def map_problem(op) -> str | None:
    """None if the pass inlines this map, else why not."""
    t = ir.RankedTensorType(op.results[0].type)
    if not t.has_static_shape:
        return "its shape is dynamic"
    return region_problem(op.regions[0].blocks[0])


def inline_map(op, rewriter) -> bool:
    if map_problem(op) is not None:
        return True
    shape = list(ir.RankedTensorType(op.results[0].type).shape)
    with rewriter.ip, op.location:
        (out,) = apply_region(op.regions[0].blocks[0], list(op.operands), shape)
    rewriter.replace_op(op, [out])
    return False


__all__ = ["InlineMapPass", "inline_map", "map_problem"]
