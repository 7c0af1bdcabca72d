"""hlo-coreml-verify-legal: the gate between legalization and the emitter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir
from hlo_coreml.element_types import MAX_RANK, element_kind, has_dynamic_dims
from hlo_coreml.emit.ops_dynamic import dynamic_problem
from hlo_coreml.emit.refused import REFUSED, refusal
from hlo_coreml.emit.registry import emitter_table

from .registry import ModulePass, register_pass, walk_functions

# Ops that only appear as terminators of regions the emitter handles as a
# whole (the reduce body, the function body).
_TERMINATORS = {"func.return", "stablehlo.return"}


@register_pass
@dataclass(frozen=True)
class VerifyLegalPass(ModulePass):
    """Checks the legal-IR contract the emitter relies on, and reports every
    violation (not just the first) at the offending op's location:

    - the module holds one function, `main` (private functions that only a
      `stablehlo.composite` refers to, as its decomposition, are allowed);
    - every op in `main` has an emitter entry, and that entry accepts it
      (e.g. `dot_general` only in batched-matmul form);
    - every value is a ranked tensor of rank <= 5 with an element type of
      f16, f32, i32 or i1 (so no complex and no 64-bit types);
    - a value has a dynamic (`?`) dimension only as an argument of `main`
      or at an op on the dynamic-shape allow-list
      (`emit.ops_dynamic.DYNAMIC_SHAPE_OPS`, whose emitters compute such
      sizes at run time); any other op with a `?` dim is reported with a
      hint to specialize the shapes.

    It changes nothing. After it succeeds, an emitter failure is a bug in
    hlo-coreml, never the user's problem.
    """

    name: ClassVar[str] = "hlo-coreml-verify-legal"
    summary: ClassVar[str] = "Check the legal-IR contract; report every violation"

    def run(self, module, pass_) -> None:
        errors = _Checker(emitter_table())
        functions = walk_functions(module)
        mains = [f for f in functions if _symbol_name(f) == "main"]
        if not mains:
            module.location.emit_error(
                "no function named 'main': Core ML models have one entry point, "
                "@main (jax.export names it so)"
            )
            pass_.signal_pass_failure()
            return
        if not mains[0].regions[0].blocks:
            mains[0].location.emit_error("@main is only declared; it needs a body")
            pass_.signal_pass_failure()
            return
        composite_bodies = _composite_decompositions(mains[0])
        for f in functions:
            name = _symbol_name(f)
            if name != "main" and name not in composite_bodies:
                errors.report(
                    f,
                    f"function '@{name}' remains after inlining; Core ML models have "
                    "one function (is it called indirectly, or public?)",
                )
        errors.check_function(mains[0])
        if errors.count:
            pass_.signal_pass_failure()


def _symbol_name(f) -> str:
    return ir.StringAttr(f.attributes["sym_name"]).value


def _composite_decompositions(main) -> set[str]:
    names: set[str] = set()

    def visit(op):
        if op.name == "stablehlo.composite":
            names.add(ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value)
        return ir.WalkResult.ADVANCE

    main.operation.walk(visit)
    return names


class _Checker:
    def __init__(self, table):
        self.table = table
        self.count = 0

    def report(self, op, message: str) -> None:
        op.location.emit_error(message)
        self.count += 1

    def check_function(self, main) -> None:
        block = main.regions[0].blocks[0]
        for arg in block.arguments:
            problem = _type_problem(arg.type)
            if problem:
                self.report(main, f"argument #{arg.arg_number} of @main {problem}")
        for op in block.operations:
            self.check_op(op)

    def check_op(self, op) -> None:
        name = op.operation.name
        if name not in self.table and (name in REFUSED or name == "stablehlo.custom_call"):
            # Refused whatever its types (tokens, quantized types): say why.
            self.report(op, _unsupported_message(op, name))
            return
        for i, result in enumerate(op.results):
            problem = _type_problem(result.type)
            if problem:
                self.report(op, f"'{name}' result #{i} {problem}")
                return
        if name in _TERMINATORS:
            return
        entry = self.table.get(name)
        if entry is None:
            self.report(op, _unsupported_message(op, name))
            return
        for i, operand in enumerate(op.operands):
            problem = _type_problem(operand.type)
            if problem:
                self.report(op, f"'{name}' operand #{i} {problem}")
                return
        if entry.check is not None:
            problem = entry.check(op)
            if problem:
                self.report(op, f"'{name}' {problem}")
                return
        dynamic = next((v.type for v in list(op.operands) + list(op.results) if has_dynamic_dims(v)), None)
        if dynamic is not None:
            problem = dynamic_problem(op)
            if problem:
                self.report(
                    op,
                    f"'{name}' has a dynamic dimension ({dynamic}); {problem}. Specialize the input "
                    "shapes (specialize={name: shape}, --specialize NAME=SHAPE) or export with static shapes",
                )


def _unsupported_message(op, name: str) -> str:
    """Why `op` (which has no emitter entry) cannot be converted."""
    if name == "stablehlo.custom_call":
        target = ir.StringAttr(op.attributes["call_target_name"]).value
        return (
            f"'{name}' with target '{target}' is not supported by Core ML: a custom call runs "
            "code only the exporting runtime has (only jax.export's 'shape_assertion' is "
            "understood, and removed). Express the computation with ordinary JAX ops"
        )
    reason = refusal(name)
    if reason is not None and name in ("stablehlo.map", "stablehlo.select_and_scatter"):
        from .decompose_select_and_scatter import problem as select_and_scatter_problem
        from .inline_map import map_problem

        problem = (map_problem if name == "stablehlo.map" else select_and_scatter_problem)(op)
        if problem:
            reason += f" (here: {problem})"
    if reason is not None:
        return f"'{name}' {reason}"
    return f"'{name}' is not supported by Core ML (hlo-coreml has no lowering for it)"


def _type_problem(t: ir.Type) -> str | None:
    """Why a value of type `t` cannot reach the emitter, or None."""
    if not isinstance(t, ir.RankedTensorType):
        return f"has type {t}; Core ML needs ranked tensors"
    if t.rank > MAX_RANK:
        return f"has rank {t.rank} ({t}); Core ML supports tensors of rank <= {MAX_RANK}"
    element = t.element_type
    if element_kind(element) is None:
        if isinstance(element, ir.ComplexType):
            why = "Core ML has no complex types"
        elif isinstance(element, ir.IntegerType) and element.width == 64 or isinstance(element, ir.F64Type):
            why = "Core ML has no 64-bit types (run hlo-coreml-narrow-types)"
        else:
            why = "Core ML computes in f16, f32, i32 and bool only"
        return f"has element type {element} ({t}); {why}"
    return None
