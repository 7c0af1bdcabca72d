"""hlo-coreml-inline-calls: every func.call is replaced by the callee's body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import inlined_func_call, ir

from .registry import ModulePass, register_pass

# A call chain deeper than this is almost certainly recursion.
_MAX_ROUNDS = 64


@register_pass
@dataclass(frozen=True)
class InlineCallsPass(ModulePass):
    """Inlines every `func.call` (JAX emits one per `jax.jit`-ed or
    `custom_jvp` helper such as `relu`, and hlo-coreml-inline-composites
    turns composites into calls), until none is left.

    ```mlir
    %1 = func.call @relu(%0) : (tensor<4xf32>) -> tensor<4xf32>
    ==>
    %c = stablehlo.constant dense<0.0> : tensor<4xf32>
    %1 = stablehlo.maximum %0, %c : tensor<4xf32>
    ```

    Afterwards no `func.call` remains; callees become dead and `symbol-dce`
    removes them. (jaxlib's upstream `inline` pass does nothing here: the
    func dialect's inliner extension is not registered in jaxlib.) Recursive
    calls are reported as errors.
    """

    name: ClassVar[str] = "hlo-coreml-inline-calls"
    summary: ClassVar[str] = "Inline every func.call (jaxlib's upstream inliner is inert)"

    def run(self, module, pass_) -> None:
        symbols = ir.SymbolTable(module)
        # Inlining a recursive call clones the callee into itself while the
        # clone walks it: it never ends. Refuse recursion up front.
        recursive = _recursive_calls(module)
        for call, callee in recursive:
            call.location.emit_error(f"cannot inline the recursive call of '@{callee}'")
        if recursive:
            pass_.signal_pass_failure()
            return
        for _ in range(_MAX_ROUNDS):
            calls = _collect_calls(module)
            if not calls:
                return
            for call in calls:
                callee = ir.FlatSymbolRefAttr(call.attributes["callee"]).value
                target = symbols[callee]
                blocks = len(target.regions[0].blocks)
                if blocks != 1:
                    why = "it is only declared" if blocks == 0 else "its body has several blocks"
                    call.location.emit_error(f"cannot inline '@{callee}': {why}")
                    pass_.signal_pass_failure()
                    return
                with ir.InsertionPoint(call), call.location:
                    results = inlined_func_call(target.operation, list(call.operands))
                for old, new in zip(call.results, results):
                    old.replace_all_uses_with(new)
                call.erase()
        leftover = _collect_calls(module)
        if leftover:
            leftover[0].location.emit_error(
                f"calls nested more than {_MAX_ROUNDS} deep (recursion?) cannot be inlined"
            )
            pass_.signal_pass_failure()


def _collect_calls(module) -> list[ir.Operation]:
    calls: list[ir.Operation] = []

    def visit(op):
        if op.name == "func.call":
            calls.append(op)
        return ir.WalkResult.ADVANCE

    module.walk(visit)
    return calls


def _recursive_calls(module) -> list[tuple[ir.Operation, str]]:
    """The calls (with their callee's name) through which a function can
    reach itself again, directly or through other functions."""
    body = module.regions[0].blocks[0]
    calls_in: dict[str, list[tuple[ir.Operation, str]]] = {}
    for f in body.operations:
        if f.operation.name != "func.func":
            continue
        name = ir.StringAttr(f.attributes["sym_name"]).value
        calls_in[name] = [
            (c, ir.FlatSymbolRefAttr(c.attributes["callee"]).value) for c in _collect_calls(f.operation)
        ]

    def reaches(start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            name = stack.pop()
            if name == goal:
                return True
            if name in seen:
                continue
            seen.add(name)
            stack.extend(callee for _, callee in calls_in.get(name, []))
        return False

    return [
        (call, callee)
        for caller, calls in calls_in.items()
        for call, callee in calls
        if reaches(callee, caller)
    ]
