"""hlo-coreml-legalize-sort: sort comparators into the one form MIL argsort
implements, a single `compare LT/GT` of one operand's two block arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, rewrite, stablehlo

from .registry import ModulePass, register_pass

_ORDER = ("LT", "GT")


@register_pass
@dataclass(frozen=True)
class LegalizeSortPass(ModulePass):
    """Rewrites `stablehlo.sort` ops whose comparator is lexicographic over
    one or more keys, each key `compare LT` or `GT` of f(operand i's lhs
    argument) against f(its rhs argument), f a chain of elementwise ops:

        or(compare LT (f a_i, f b_i), and(compare EQ (f a_i, f b_i), <rest>))

    (what `lax.sort(..., num_keys=n)` and `jnp.lexsort` emit).

    - f is materialized on the whole operand (the chain of elementwise ops
      applied to the tensor, scalar constants broadcast) and sorted along as
      an extra operand, so the comparator compares block arguments directly.
      This is what keeps orders that f defines exact: ui32 keys held in i32
      (hlo-coreml-widen-small-ints flips their sign bit inside f), negated
      or otherwise transformed keys. JAX's float canonicalization
      (`select(x == 0, 0, x)`, `select(x != x, NaN, ...)` for a total order)
      is recognized and replaced by `select(x != x, +inf, x)`: argsort
      already treats -0.0 and 0.0 as equal, and NaN, which has no defined
      place in MIL argsort, sorts last (first, descending) like in JAX,
      only tied with +inf instead of after it.
    - Several keys become a chain of stable single-key sorts, least
      significant key first, each sorting every operand (and key) along.

    ```mlir
    %0:2 = "stablehlo.sort"(%x, %y) ({ lexicographic compare of x, then y }) {dimension = 1}
    ==>
    %s:2 = "stablehlo.sort"(%x, %y) ({ compare LT %arg2, %arg3 (y) }) {dimension = 1, is_stable = true}
    %0:2 = "stablehlo.sort"(%s#0, %s#1) ({ compare LT %arg0, %arg1 (x) }) {dimension = 1, is_stable = true}
    ```

    Afterwards every sort this pass recognizes compares two block arguments
    of one operand. Comparators of other shapes are left for verify-legal
    to report.
    """

    name: ClassVar[str] = "hlo-coreml-legalize-sort"
    summary: ClassVar[str] = "Sort comparators as single-key compares: materialized key functions, chains for several keys"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.SortOp, legalize_sort)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


# -- reading the comparator -------------------------------------------------------


def _direction(op) -> str | None:
    if op.operation.name != "stablehlo.compare":
        return None
    return stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value


def _args_used(value, block) -> set[int] | None:
    """Block arguments `value` depends on within `block`."""
    owner = value.owner
    if isinstance(owner, ir.Block):
        return {value.arg_number} if owner == block else None
    used: set[int] = set()
    for operand in owner.operands:
        inner = _args_used(operand, block)
        if inner is None:
            return None
        used |= inner
    return used


def _key(compare, block):
    """(operand index, ascending, f(lhs value)) for `compare LT/GT` of f(a)
    against f(b) with a, b the two arguments of one operand; None else."""
    direction = _direction(compare)
    if direction not in _ORDER:
        return None
    lhs, rhs = compare.operands
    a, b = _args_used(lhs, block), _args_used(rhs, block)
    if a is None or b is None or len(a) != 1 or len(b) != 1:
        return None
    (a,), (b,) = a, b
    if a // 2 != b // 2 or a == b:
        return None
    ascending = direction == "LT"
    if a % 2 == 1:  # compare(f(rhs arg), f(lhs arg)): the opposite order
        ascending, lhs = not ascending, rhs
    return a // 2, ascending, lhs


# Ops that are bijections on wrapping i32 (hlo-coreml-widen-small-ints
# flips ui32 sign bits with add): f(a) == f(b) iff a == b.
_BIJECTIVE = frozenset(("stablehlo.add", "stablehlo.subtract", "stablehlo.xor", "stablehlo.negate", "stablehlo.constant"))


def _is_eq_of(value, compare, block) -> bool:
    """`value` is `compare EQ` of the same two values `compare` orders, or
    of the raw block arguments when those values are a bijection of them
    (the ui32 keys of widen-small-ints compare EQ on the raw bits)."""
    owner = value.owner
    if isinstance(owner, ir.Block) or _direction(owner) != "EQ":
        return False
    if set(owner.operands) == set(compare.operands):
        return True
    raw = [v for v in owner.operands if isinstance(v.owner, ir.Block) and v.owner == block]
    if len(raw) != 2:
        return False
    used = [_args_used(v, block) for v in compare.operands]
    if {frozenset(u or ()) for u in used} != {frozenset({v.arg_number}) for v in raw}:
        return False
    return all(op.operation.name in _BIJECTIVE for v in compare.operands for op in _chain_ops(v, block))


def comparator_keys(op) -> list | None:
    """The comparator as a list of keys, most significant first (see the
    pass docstring); None if it has another shape."""
    block = op.regions[0].blocks[0]
    ret = list(block.operations)[-1]
    if len(ret.operands) != 1:
        return None
    keys = []
    value = ret.operands[0]
    while True:
        owner = value.owner
        if isinstance(owner, ir.Block):
            return None
        if owner.operation.name == "stablehlo.compare":
            key = _key(owner, block)
            return None if key is None else keys + [key]
        if owner.operation.name != "stablehlo.or":
            return None
        rest = None
        for first, second in (tuple(owner.operands), tuple(owner.operands)[::-1]):
            if isinstance(first.owner, ir.Block) or isinstance(second.owner, ir.Block):
                continue
            if first.owner.operation.name != "stablehlo.compare" or second.owner.operation.name != "stablehlo.and":
                continue
            key = _key(first.owner, block)
            if key is None:
                continue
            x, y = second.owner.operands
            if _is_eq_of(x, first.owner, block):
                rest = y
            elif _is_eq_of(y, first.owner, block):
                rest = x
            if rest is not None:
                keys.append(key)
                break
        if rest is None:
            return None
        value = rest


# -- key functions on whole tensors ---------------------------------------------


def _is_float_canonicalization(value, arg) -> bool:
    """select(x != x, NaN, select(x == 0, 0, x)) (JAX's total-order keys), in
    either nesting, or x itself."""
    if value == arg:
        return True
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.select":
        return False
    cond, on_true, on_false = owner.operands
    c = cond.owner
    if isinstance(c, ir.Block) or isinstance(on_true.owner, ir.Block):
        return False
    direction = _direction(c)
    constant = on_true.owner
    if constant.operation.name != "stablehlo.constant":
        return False
    fill = float(ir.DenseElementsAttr(constant.attributes["value"]).get_splat_value().value)
    if direction == "NE" and list(c.operands) == [arg, arg] and fill != fill:
        return _is_float_canonicalization(on_false, arg)
    zero = c.operands[1].owner if direction == "EQ" and c.operands[0] == arg else None
    if zero is None or isinstance(zero, ir.Block) or zero.operation.name != "stablehlo.constant":
        return False
    if float(ir.DenseElementsAttr(zero.attributes["value"]).get_splat_value().value) == 0.0 and fill == 0.0:
        return _is_float_canonicalization(on_false, arg)
    return False


def _materialize(value, arg, tensor, memo):
    """`value` (computed from block argument `arg` by scalar ops) computed
    from `tensor` by the same ops on tensors."""
    if value == arg:
        return tensor
    if value in memo:
        return memo[value]
    owner = value.owner
    shape = list(ir.RankedTensorType(tensor.type).shape)
    if owner.operation.name == "stablehlo.constant":
        scalar = stablehlo.ConstantOp(owner.attributes["value"]).result
        out = stablehlo.BroadcastInDimOp(
            ir.RankedTensorType.get(shape, ir.RankedTensorType(value.type).element_type), scalar, []
        ).result
    else:
        operands = [_materialize(v, arg, tensor, memo) for v in owner.operands]
        types = [ir.RankedTensorType.get(shape, ir.RankedTensorType(r.type).element_type) for r in owner.results]
        attributes = {a.name: a.attr for a in owner.attributes}
        new = ir.Operation.create(owner.operation.name, results=types, operands=operands, attributes=attributes)
        out = new.results[list(owner.results).index(value)]
    memo[value] = out
    return out


def _key_kind(op, key) -> str | None:
    """'arg' (the operand itself), 'total_order' (JAX's float
    canonicalization), 'function' (elementwise ops to materialize), or None
    (ops with regions: leave the sort alone)."""
    index, _, value = key
    block = op.regions[0].blocks[0]
    arg = block.arguments[2 * index]
    if value == arg:
        return "arg"
    element = ir.RankedTensorType(arg.type).element_type
    if isinstance(element, ir.FloatType) and _is_float_canonicalization(value, arg):
        return "total_order"
    if any(len(inner.regions) for inner in _chain_ops(value, block)):
        return None
    return "function"


def _key_tensor(op, key, kind: str, memo):
    """The tensor sorted by for `key`, or None when it is the operand."""
    index, _, value = key
    if kind == "arg":
        return None
    if kind == "total_order":
        return _nan_last(op.operands[index])
    arg = op.regions[0].blocks[0].arguments[2 * index]
    return _materialize(value, arg, op.operands[index], memo)


def _nan_last(x):
    """The key of a total-order float sort: NaN as +inf, so NaNs sort after
    every number (before them, descending) instead of nowhere defined in MIL
    argsort; only their order relative to +inf itself differs from JAX."""
    t = ir.RankedTensorType(x.type)
    inf = stablehlo.ConstantOp(
        ir.DenseElementsAttr.get_splat(t, ir.FloatAttr.get(t.element_type, float("inf")))
    ).result
    nan = stablehlo.CompareOp(x, x, stablehlo.ComparisonDirectionAttr.get("NE")).result
    return stablehlo.SelectOp(nan, inf, x).result


def _chain_ops(value, block):
    owner = value.owner
    if isinstance(owner, ir.Block):
        return []
    out = [owner]
    for v in owner.operands:
        out += _chain_ops(v, block)
    return out


def _single_key_sort(operands, slot: int, ascending: bool, dimension: int):
    types = [v.type for v in operands]
    sort = stablehlo.SortOp(types, operands, dimension=dimension, is_stable=True)
    scalars = [ir.RankedTensorType.get([], ir.RankedTensorType(t).element_type) for t in types for _ in (0, 1)]
    block = sort.comparator.blocks.append(*scalars)
    with ir.InsertionPoint(block):
        a, b = block.arguments[2 * slot], block.arguments[2 * slot + 1]
        direction = stablehlo.ComparisonDirectionAttr.get("LT" if ascending else "GT")
        stablehlo.ReturnOp([stablehlo.CompareOp(a, b, direction).result])
    return list(sort.results)


def is_single_key(op) -> bool:
    """The comparator already compares the two block arguments of one
    operand directly (the form the emitter maps onto argsort)."""
    keys = comparator_keys(op)
    if keys is None or len(keys) != 1:
        return False
    index, _, value = keys[0]
    block = op.regions[0].blocks[0]
    return value == block.arguments[2 * index] and len(list(block.operations)) == 2


def legalize_sort(op, rewriter):
    if is_single_key(op):
        return True
    keys = comparator_keys(op)
    if keys is None:
        return True
    kinds = [_key_kind(op, key) for key in keys]
    if None in kinds:
        return True
    dimension = ir.IntegerAttr(op.attributes["dimension"]).value
    with rewriter.ip, op.location:
        memo: dict = {}
        slots, extra = [], []
        operands = list(op.operands)
        for key, kind in zip(keys, kinds):
            index = key[0]
            tensor = _key_tensor(op, key, kind, memo)
            if tensor is None:
                slots.append(index)
            else:
                slots.append(len(operands) + len(extra))
                extra.append(tensor)
        values = operands + extra
        for slot, (_, ascending, _) in reversed(list(zip(slots, keys))):
            values = _single_key_sort(values, slot, ascending, dimension)
    rewriter.replace_op(op, values[: len(operands)])
    return False


__all__ = ["LegalizeSortPass", "comparator_keys", "is_single_key", "legalize_sort"]
