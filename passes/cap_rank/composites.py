"""Composites on rank > 5 values, for hlo-coreml-cap-rank.

A composite the emitter maps onto one MIL op (`chlo.asin` -> `asin`,
`chlo.top_k` -> `topk`, ...) keeps that op at high rank when it can work
on a flattened view: an elementwise composite on the value flattened to
1-D, `chlo.top_k` (which works along the last dim) on [rows, last dim].
The composite is rebuilt on the view between two reshapes, with a new
decomposition function of the view's types whose body reshapes back to
the original shape and inlines the original decomposition (so the
composite still means the same thing). Other composites are replaced by
their decomposition (plain ops cap-rank knows).

Decomposition functions are never emitted (the emitter maps the
composite), so cap-rank leaves their bodies alone; one that no composite
refers to any more is erased.
"""

from __future__ import annotations

import math

from hlo_coreml._mlir import func, inlined_func_call, ir

from ..ir_build import ranked, reshape, shape_of, tensor_type
from ..registry import walk_functions

# Composites that apply elementwise to their single operand.
ELEMENTWISE_COMPOSITES = frozenset(
    {
        "chlo.erf",
        "chlo.asin",
        "chlo.acos",
        "chlo.atan",
        "chlo.sinh",
        "chlo.cosh",
        "chlo.atanh",
        "coreml.silu",
        "coreml.sigmoid",
        "coreml.gelu",
    }
)


def composite_name(op) -> str:
    return ir.StringAttr(op.attributes["name"]).value


def decomposition_name(op) -> str:
    return ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value


def flat_views(op) -> tuple[list, list] | None:
    """(operand view shapes, result view shapes) of rank <= 2 on which the
    composite `op` computes the same values, or None."""
    name = composite_name(op)
    operands, results = list(op.operands), list(op.results)
    if name in ELEMENTWISE_COMPOSITES and len(operands) == 1 and len(results) == 1:
        shape = shape_of(operands[0])
        if shape_of(results[0]) != shape:
            return None
        return [[math.prod(shape)]], [[math.prod(shape)]]
    if name == "chlo.top_k" and len(operands) == 1 and len(results) == 2:
        shape = shape_of(operands[0])
        k = shape_of(results[0])[-1]
        rows = math.prod(shape[:-1])
        return [[rows, shape[-1]]], [[rows, k], [rows, k]]
    return None


def flatten_composite(op) -> bool:
    """Rebuild the composite `op` on its flat views (see the module doc).
    Returns False (nothing changed) when it has none."""
    views = flat_views(op)
    if views is None:
        return False
    in_views, out_views = views
    module = _module_of(op)
    original = decomposition_name(op)
    in_types = [ranked(v, tensor_type(x).element_type) for v, x in zip(in_views, op.operands)]
    out_types = [ranked(v, tensor_type(r).element_type) for v, r in zip(out_views, op.results)]
    name = _view_decomposition(module, original, op, in_types, out_types)
    with ir.InsertionPoint(op.operation), op.location:
        flat_in = [reshape(x, v) for x, v in zip(op.operands, in_views)]
        attributes = {
            key: op.attributes[key]
            for key in ("name", "composite_attributes", "version")
            if key in op.attributes
        }
        attributes["decomposition"] = ir.FlatSymbolRefAttr.get(name)
        new = ir.Operation.create("stablehlo.composite", results=out_types, operands=flat_in, attributes=attributes)
        outs = [reshape(new.results[k], shape_of(r)) for k, r in enumerate(op.results)]
    for old, value in zip(op.results, outs):
        old.replace_all_uses_with(value)
    op.operation.erase()
    return True


def _module_of(op):
    module = op.operation
    while module.name != "builtin.module":
        module = module.parent
    return module


def _view_decomposition(module, original: str, op, in_types, out_types) -> str:
    """A private function of the view types: reshape to the original
    shapes, the original decomposition inlined, reshape back."""
    table = ir.SymbolTable(module)
    target = table[original]
    base = f"{original}.view_" + "_".join("x".join(str(d) for d in ir.RankedTensorType(t).shape) for t in in_types)
    name, suffix = base, 0
    while name in table:
        suffix += 1
        name = f"{base}_{suffix}"
    function_type = ir.FunctionType.get(list(in_types), list(out_types))
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), op.location:
        fn = func.FuncOp(name, function_type, visibility="private")
        block = fn.add_entry_block()
        with ir.InsertionPoint(block):
            args = [reshape(a, shape_of(x)) for a, x in zip(block.arguments, op.operands)]
            results = inlined_func_call(target.operation, args)
            func.ReturnOp([reshape(r, ir.RankedTensorType(t).shape) for r, t in zip(results, out_types)])
    return name


def composite_targets(module) -> set[str]:
    """The names of the functions some composite uses as decomposition."""
    names: set[str] = set()

    def visit(op):
        if op.name == "stablehlo.composite":
            names.add(decomposition_name(op))
        return ir.WalkResult.ADVANCE

    for function in walk_functions(module):
        function.operation.walk(visit)
    return names


def erase_unused_decompositions(module, before: set[str]) -> None:
    """Erase the functions in `before` (composite decompositions when the
    pass started) that no composite refers to now, nor any other symbol
    use, transitively."""
    while True:
        used = composite_targets_outside_self(module)
        dead = [f for f in walk_functions(module) if _name(f) in before and _name(f) not in used]
        if not dead:
            return
        for f in dead:
            f.operation.erase()


def composite_targets_outside_self(module) -> set[str]:
    """Decomposition targets and call targets, each counted only when used
    from a function other than itself."""
    names: set[str] = set()
    for function in walk_functions(module):
        own = _name(function)

        def visit(op, own=own):
            if op.name == "stablehlo.composite":
                target = decomposition_name(op)
            elif op.name == "func.call":
                target = ir.FlatSymbolRefAttr(op.attributes["callee"]).value
            else:
                return ir.WalkResult.ADVANCE
            if target != own:
                names.add(target)
            return ir.WalkResult.ADVANCE

        function.operation.walk(visit)
    return names


def _name(function) -> str:
    return ir.StringAttr(function.attributes["sym_name"]).value


__all__ = [
    "ELEMENTWISE_COMPOSITES",
    "composite_targets",
    "erase_unused_decompositions",
    "flatten_composite",
]
