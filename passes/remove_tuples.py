"""hlo-coreml-remove-tuples: ops with no meaning for Core ML disappear.

- `stablehlo.get_tuple_element` of a `stablehlo.tuple` is replaced by the
  tuple's operand; tuples left without users are erased;
- `stablehlo.optimization_barrier` (a scheduling hint) is replaced by its
  operands;
- `stablehlo.custom_call @shape_assertion` (jax.export's run-time checks of
  symbolic shapes; with static shapes they hold by construction) is erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir

from .registry import ModulePass, register_pass


@register_pass
@dataclass(frozen=True)
class RemoveTuplesPass(ModulePass):
    """Removes `tuple`/`get_tuple_element` pairs, `optimization_barrier` and
    `custom_call @shape_assertion`.

    ```mlir
    %t = stablehlo.tuple %a, %b : tuple<tensor<2xf32>, tensor<2xf32>>
    %0 = stablehlo.get_tuple_element %t[1] : (tuple<...>) -> tensor<2xf32>
    %1:2 = stablehlo.optimization_barrier %0, %a : tensor<2xf32>, tensor<2xf32>
    ==>  uses of %0 and %1#0 become %b, uses of %1#1 become %a
    ```

    Afterwards none of these ops remain, except a `get_tuple_element` of a
    tuple that is not built by `stablehlo.tuple` (a tuple-typed argument),
    which verify-legal then reports.
    """

    name: ClassVar[str] = "hlo-coreml-remove-tuples"
    summary: ClassVar[str] = "Remove tuple/get_tuple_element, optimization_barrier and shape_assertion custom calls"

    def run(self, module, pass_) -> None:
        ops = []

        def visit(op):
            if op.name in _HANDLED:
                ops.append(op)
            return ir.WalkResult.ADVANCE

        module.walk(visit)
        tuples = []
        # Post-order walk: a tuple comes before its get_tuple_element users.
        for op in ops:
            name = op.name
            if name == "stablehlo.get_tuple_element":
                source = op.operands[0].owner
                if isinstance(source, ir.Block) or source.name != "stablehlo.tuple":
                    continue
                index = ir.IntegerAttr(op.attributes["index"]).value
                op.results[0].replace_all_uses_with(source.operands[index])
                op.erase()
            elif name == "stablehlo.optimization_barrier":
                for result, operand in zip(op.results, op.operands):
                    result.replace_all_uses_with(operand)
                op.erase()
            elif name == "stablehlo.custom_call":
                target = ir.StringAttr(op.attributes["call_target_name"]).value
                if target == "shape_assertion" and len(op.results) == 0:
                    op.erase()
            elif name == "stablehlo.tuple":
                tuples.append(op)
        for op in tuples:
            if not list(op.results[0].uses):
                op.erase()


_HANDLED = frozenset(
    ("stablehlo.tuple", "stablehlo.get_tuple_element", "stablehlo.optimization_barrier", "stablehlo.custom_call")
)
