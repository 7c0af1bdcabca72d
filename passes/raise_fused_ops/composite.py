"""The region pattern of hlo-coreml-raise-fused-ops: the best matching
region rooted at an op becomes a `stablehlo.composite "coreml.<op>"` with a
private decomposition function holding the region."""

from __future__ import annotations

import numpy as np

from hlo_coreml import fast_paths
from hlo_coreml._mlir import func, ir, stablehlo
from hlo_coreml.emit.ops_fused import target_allows

from .common import _MAX_RANK, _dtype, _float_kind, _Match, _module_of, _name, _owner, _shape, _type
from .match import _match_region
from .region import _candidate_inputs, _region, _Region, region_key


class Matches:
    """What `_match_region` said about each region seen in one run of the
    pass, by `region_key`: regions with the same key are the same function
    (the same ops, attributes, types, constants and wiring; MLIR uniques
    attributes and types in the context, so equal keys mean equal
    content), and `_match_region` is deterministic (seeded probes), so a
    repeated region (the same layer norm in every layer of a transformer,
    the same gate in every step of an unrolled scan) is evaluated once.
    With the fast paths off (hlo_coreml.fast_paths) every region is
    evaluated."""

    def __init__(self):
        self._known: dict = {}

    def match(self, region: _Region, kind: str) -> _Match | None:
        if not fast_paths.enabled():
            return _evaluated_match(region, kind)
        key = (kind, region_key(region))
        if key not in self._known:
            self._known[key] = _evaluated_match(region, kind)
        return self._known[key]


def _evaluated_match(region: _Region, kind: str) -> _Match | None:
    try:
        return _match_region(region, kind)
    except (ValueError, TypeError, IndexError, ArithmeticError):
        return None  # a region the evaluator cannot follow: no match


def _find(root, target: str, matches: Matches):
    """(region, match) for the best region rooted at `root`, or None."""
    kind = _float_kind(root.result)
    if kind is None or len(_shape(root.result)) > _MAX_RANK:
        return None  # rank > 5 is hlo-coreml-cap-rank's business first
    # farthest first: the largest region that matches wins (softmax with
    # its max subtraction rather than without)
    # Every failed walk that escaped to a foreign value leaves a path from
    # root to it: an input must lie on all such paths, which prunes most
    # candidates of a deep graph (an unrolled scan) without walking them.
    on_every_escape: set | None = None
    escape: list = []
    shape = _shape(root.result)
    for x in reversed(_candidate_inputs(root)):
        if on_every_escape is not None and x not in on_every_escape:
            continue
        if _float_kind(x) != kind or _shape(x) != shape:
            continue
        escape.clear()
        region = _region(root, x, escape)
        if region is None:
            if escape:
                on_every_escape = set(escape) if on_every_escape is None else on_every_escape & set(escape)
            continue
        match = matches.match(region, kind)
        if match is not None and target_allows(target, match.name):
            return region, match
    return None


_ROOTS = {"stablehlo.multiply", "stablehlo.divide", "stablehlo.add", "stablehlo.subtract", "stablehlo.convert"}


def _extends(op, target: str, matches: Matches, depth: int = 0) -> bool:
    """True when the only user of `op` roots a larger matching region."""
    uses = list(op.result.uses)
    if depth >= 2 or len(uses) != 1:
        return False
    user = uses[0].owner
    if user.name not in _ROOTS:
        return False
    user = user.opview
    return _find(user, target, matches) is not None or _extends(user, target, matches, depth + 1)


def _in_decomposition(op) -> bool:
    """True inside a private function (a composite's decomposition, ours or
    JAX's): those keep the reference form."""
    parent = op.operation.parent
    while parent is not None and parent.name != "func.func":
        parent = parent.parent
    if parent is None or "sym_visibility" not in parent.attributes:
        return False
    return ir.StringAttr(parent.attributes["sym_visibility"]).value == "private"


def _raise_region(op, rewriter, target: str, matches: Matches):
    if _in_decomposition(op):
        return True
    found = _find(op, target, matches)
    if found is None or _extends(op, target, matches):
        return True
    region, match = found
    with rewriter.ip, op.location:
        out = _composite(op, match, region)
    rewriter.replace_op(op, [out])
    return False


def _attr(value):
    if isinstance(value, bool):
        return ir.BoolAttr.get(value)
    if isinstance(value, int):
        return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), value)
    if isinstance(value, float):
        return ir.FloatAttr.get(ir.F32Type.get(), value)
    if isinstance(value, str):
        return ir.StringAttr.get(value)
    if isinstance(value, list):
        return ir.DenseI64ArrayAttr.get([int(v) for v in value])
    raise TypeError(value)


def _composite(root, match: _Match, region: _Region):
    kind = _float_kind(root.result)
    attrs = {}
    for key, value in match.attrs.items():
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value, dtype=_dtype(kind))
            t = ir.RankedTensorType.get(list(array.shape), _type(root.result).element_type)
            attrs[key] = ir.DenseElementsAttr.get(array, type=t)
        else:
            attrs[key] = _attr(value)
    name = _decomposition(root, match.name, region)
    composite = stablehlo.CompositeOp(
        [root.result.type],
        [region.x, *region.shape_operands],
        match.name,
        name,
        composite_attributes=ir.DictAttr.get(attrs),
    )
    return composite.results[0]


def _new_function_name(module, base: str) -> str:
    table = ir.SymbolTable(module.operation)
    name, suffix = base, 0
    while name in table:
        suffix += 1
        name = f"{base}_{suffix}"
    return name


def _decomposition(root, composite_name: str, region: _Region) -> str:
    """A private function holding a copy of the region (the composite's
    reference semantics); returns its name."""
    module = _module_of(root)
    name = _new_function_name(module, f"{composite_name}.impl")
    function_type = ir.FunctionType.get([region.x.type, *(v.type for v in region.shape_operands)], [root.result.type])
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), ir.Location.unknown():
        fn = func.FuncOp(name, function_type, visibility="private")
        block = fn.add_entry_block()
        mapping = {region.x: block.arguments[0]}
        mapping.update(zip(region.shape_operands, list(block.arguments)[1:]))
        with ir.InsertionPoint(block):
            for op in region.ops:
                for operand in op.operands:
                    if operand not in mapping and _name(operand) == "stablehlo.constant":
                        mapping[operand] = _owner(operand).operation.clone().operation.results[0]
                clone = op.clone().operation
                for operand in list(op.operands):
                    if operand in mapping:
                        clone.replace_uses_of_with(operand, mapping[operand])
                mapping[op.results[0]] = clone.results[0]
            func.ReturnOp([mapping[root.result]])
    return name
