"""hlo-coreml-unroll-while: loops with a static trip count are unrolled;
static branches are resolved, small ones become selects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from .fold_dynamic_slices import apply_folds
from .ir_build import make_constant, tensor_type
from .static_eval import EVALUABLE, evaluate_op, static_value
from .registry import ModulePass, register_pass

# Unrolling an outer loop may make inner trip counts static; each round
# unrolls what is static and folds. Nesting deeper than this is not expected.
_MAX_ROUNDS = 32
# A loop whose unrolled form would hold more ops than this is kept.
_MAX_UNROLLED_OPS = 200_000
# How far the diagnostic counts a trip count beyond max-unroll.
_DIAGNOSTIC_COUNT_LIMIT = 100_000
# Ops that must not be executed speculatively (both branches of a select).
_EFFECTFUL = {
    "stablehlo.custom_call",
    "stablehlo.rng",
    "stablehlo.rng_bit_generator",
    "stablehlo.infeed",
    "stablehlo.outfeed",
    "stablehlo.send",
    "stablehlo.recv",
    "stablehlo.all_reduce",
    "stablehlo.all_gather",
    "stablehlo.all_to_all",
    "stablehlo.reduce_scatter",
    "stablehlo.collective_permute",
    "stablehlo.collective_broadcast",
    "stablehlo.while",
    "stablehlo.case",
    "stablehlo.if",
}


@register_pass
@dataclass(frozen=True)
class UnrollWhilePass(ModulePass):
    """Unrolls every `stablehlo.while` whose trip count is static and at
    most `max-unroll`, and resolves `stablehlo.case` / `stablehlo.if`.

    A trip count is static when the loop condition depends only on carried
    values that start as constants and that the body updates from constants
    and themselves: the counters JAX emits for `lax.scan`, `fori_loop` and
    `nnx.scan` (counting up or down, any constant step, any comparison).
    The pass evaluates that part of the loop with NumPy to count the trips,
    then clones the body once per trip with the counters replaced by their
    constant values. After each round it runs hlo-coreml-unroll-while-folds:
    `dynamic_slice` at a now-constant step becomes `slice`, and the stacked
    output buffer that the steps overwrite row by row becomes one
    `concatenate`, so no step-indexed carry survives. Inner loops are
    unrolled first; an outer loop's unrolling can make an inner trip count
    static, and the next round unrolls it.

    ```mlir
    %r:2 = stablehlo.while(%i = %c0, %h = %h0) : tensor<i32>, tensor<4xf32>
      cond {
        %p = stablehlo.compare LT, %i, %c2, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
        stablehlo.return %p : tensor<i1>
      } do {
        %x = stablehlo.dynamic_slice %xs, %i, sizes = [1] : (tensor<2xf32>, tensor<i32>) -> tensor<1xf32>
        ...
        %h1 = stablehlo.tanh %a : tensor<4xf32>
        %i1 = stablehlo.add %i, %c1 : tensor<i32>
        stablehlo.return %i1, %h1 : tensor<i32>, tensor<4xf32>
      }
    ==>
    %x0 = stablehlo.slice %xs [0:1] : (tensor<2xf32>) -> tensor<1xf32>
    ...
    %h1 = stablehlo.tanh %a0 : tensor<4xf32>
    %x1 = stablehlo.slice %xs [1:2] : (tensor<2xf32>) -> tensor<1xf32>
    ...
    %h2 = stablehlo.tanh %a1 : tensor<4xf32>
    ```

    `stablehlo.case` / `stablehlo.if` whose index or predicate is constant
    (often only after unrolling) are replaced by the chosen branch. Others
    whose branches together hold at most `max-select-ops` ops, none with
    side effects or regions, are replaced by all branches plus `select`s;
    the rest are kept for MIL `cond`.

    Afterwards every remaining `while` either has a trip count that is not
    static or one above `max-unroll` (or the unrolled loop would exceed
    200k ops); it is kept for MIL `while_loop`. A kept loop that Core ML
    cannot express (a carried value of a non-tensor type or a dynamic shape)
    is an error at the loop's location saying why it was not unrolled (a
    carried value of rank > 5 is left to hlo-coreml-cap-rank, which carries
    it with its leading dims merged).
    """

    name: ClassVar[str] = "hlo-coreml-unroll-while"
    summary: ClassVar[str] = "Unroll loops with static trip counts; fold the step-indexed slices; resolve static branches"
    max_unroll: int = 256
    max_select_ops: int = 16

    def run(self, module, pass_) -> None:
        for _ in range(_MAX_ROUNDS):
            apply_folds(module)
            changed = _resolve_static_branches(module)
            for loop in _collect(module, ("stablehlo.while",)):
                trip = trip_count(loop, self.max_unroll)
                if trip is not None and trip.count * _body_size(loop) <= _MAX_UNROLLED_OPS:
                    unroll(loop, trip)
                    changed = True
            if not changed:
                break
        apply_folds(module)
        for op in _collect(module, ("stablehlo.case", "stablehlo.if")):
            _branches_to_select(op, self.max_select_ops)
        failed = False
        for loop in _collect(module, ("stablehlo.while",)):
            problem = _unexpressible(loop)
            if problem:
                loop.location.emit_error(
                    f"this loop cannot be converted: {problem}, and it cannot be unrolled: "
                    f"{_why_kept(loop, self.max_unroll)}"
                )
                failed = True
        if failed:
            pass_.signal_pass_failure()


def _collect(module, names) -> list:
    """Ops named `names`, inner ops before the ops that contain them."""
    found = []

    def visit(op):
        if op.name in names:
            found.append(op)
        return ir.WalkResult.ADVANCE

    module.walk(visit, ir.WalkOrder.POST_ORDER)
    return found


def _body_size(loop) -> int:
    count = 0

    def visit(op):
        nonlocal count
        count += 1
        return ir.WalkResult.ADVANCE

    for op in loop.regions[1].blocks[0].operations:
        op.operation.walk(visit)
    return count


# -- trip counts ----------------------------------------------------------------------


@dataclass
class TripCount:
    count: int
    # Indices of the carried values the condition depends on (the counters),
    # and their values before each trip.
    counters: list[int]
    states: list[dict[int, np.ndarray]]


def _dependencies(value, block, memo) -> set[int] | None:
    """Indices of `block`'s arguments that `value` depends on, following
    only ops the evaluator covers; None if it depends on anything else."""
    if value in memo:
        return memo[value]
    owner = value.owner
    if isinstance(owner, ir.Block):
        result = {value.arg_number} if owner == block else None
        memo[value] = result
        return result
    if static_value(value) is not None:
        memo[value] = set()
        return memo[value]
    name = owner.operation.name
    if name not in EVALUABLE or len(owner.results) != 1:
        memo[value] = None
        return None
    deps: set[int] = set()
    memo[value] = None  # cycles cannot happen in SSA, but be safe
    for operand in owner.operands:
        d = _dependencies(operand, block, memo)
        if d is None:
            return None
        deps |= d
    memo[value] = deps
    return deps


def _counter_indices(loop) -> list[int] | None:
    """The carried values the loop condition depends on, closed under the
    body's updates; None if the condition is not a function of constants
    and such values."""
    cond = loop.regions[0].blocks[0]
    body = loop.regions[1].blocks[0]
    cond_result = _terminator(cond).operands[0]
    needed = _dependencies(cond_result, cond, {})
    if needed is None:
        return None
    body_returns = list(_terminator(body).operands)
    memo: dict = {}
    todo = list(needed)
    while todo:
        k = todo.pop()
        deps = _dependencies(body_returns[k], body, memo)
        if deps is None:
            return None
        for d in deps - needed:
            needed.add(d)
            todo.append(d)
    return sorted(needed)


def _terminator(block):
    ops = block.operations
    return ops[len(ops) - 1]


def _evaluate(value, block, state: dict[int, np.ndarray], memo: dict):
    """`value` (inside `block`) given the block's arguments in `state`."""
    if value in memo:
        return memo[value]
    owner = value.owner
    if isinstance(owner, ir.Block):
        result = state[value.arg_number] if owner == block else None
    else:
        result = static_value(value)
        if result is None:
            args = [_evaluate(o, block, state, memo) for o in owner.operands]
            out = None if any(a is None for a in args) else evaluate_op(owner, args)
            result = None if out is None else out[0]
    memo[value] = result
    return result


def trip_count(loop, limit: int) -> TripCount | None:
    """The static trip count of `loop` if it is at most `limit`, else None."""
    counters = _counter_indices(loop)
    if counters is None:
        return None
    state = {}
    for k in counters:
        v = static_value(loop.operands[k])
        if v is None:
            return None
        state[k] = v
    cond = loop.regions[0].blocks[0]
    body = loop.regions[1].blocks[0]
    cond_result = _terminator(cond).operands[0]
    body_returns = list(_terminator(body).operands)
    states = []
    while True:
        go = _evaluate(cond_result, cond, state, {})
        if go is None:
            return None
        if not bool(np.asarray(go).reshape(-1)[0]):
            return TripCount(len(states), counters, states)
        if len(states) >= limit:
            return None
        states.append(state)
        memo: dict = {}
        new_state = {}
        for k in counters:
            v = _evaluate(body_returns[k], body, state, memo)
            if v is None:
                return None
            new_state[k] = v
        state = new_state


def _why_kept(loop, max_unroll: int) -> str:
    counters = _counter_indices(loop)
    if counters is None or any(static_value(loop.operands[k]) is None for k in counters):
        return (
            "its trip count is not static (the condition depends on values computed "
            "in the loop or on inputs, not only on counters starting at constants)"
        )
    trip = trip_count(loop, _DIAGNOSTIC_COUNT_LIMIT)
    if trip is None:
        return f"it runs more than {_DIAGNOSTIC_COUNT_LIMIT} times (or forever)"
    if trip.count > max_unroll:
        return f"it runs {trip.count} times, more than max-unroll={max_unroll} (raise max_unroll to unroll it)"
    return f"unrolling its {trip.count} trips would create more than {_MAX_UNROLLED_OPS} ops"


# -- unrolling --------------------------------------------------------------------------


def _remap(op, mapping) -> None:
    """Replace operands of `op` (and of the ops nested in it) found in `mapping`."""

    def fix(o):
        operands = o.operands
        for i in range(len(operands)):
            new = mapping.get(operands[i])
            if new is not None:
                operands[i] = new

    fix(op)
    if len(op.regions):

        def visit(nested):
            fix(nested)
            return ir.WalkResult.ADVANCE

        for region in op.regions:
            for block in region.blocks:
                for inner in block.operations:
                    inner.operation.walk(visit)


def hoist_invariants(loop) -> None:
    """Move the body ops that depend on no carried value (and have no side
    effects or regions) in front of the loop, so unrolling does not copy
    them once per trip."""
    body = loop.regions[1].blocks[0]
    ops = list(body.operations)[:-1]
    variant = set(body.arguments)
    for op in ops:
        inner = op.operation
        moves = inner.name not in _EFFECTFUL and not len(inner.regions) and not any(v in variant for v in inner.operands)
        if moves:
            inner.move_before(loop.operation)
        else:
            variant.update(inner.results)


def unroll(loop, trip: TripCount) -> None:
    """Replace `loop` by `trip.count` copies of its body (after hoisting
    its invariant ops)."""
    if trip.count > 1:
        hoist_invariants(loop)
    body = loop.regions[1].blocks[0]
    body_ops = list(body.operations)
    terminator = body_ops.pop()
    args = list(body.arguments)
    current = list(loop.operands)
    counters = set(trip.counters)
    ip = ir.InsertionPoint(loop)
    for state in trip.states:
        mapping = {}
        with ip, loop.location:
            for i, arg in enumerate(args):
                if i in counters:
                    mapping[arg] = make_constant(state[i], tensor_type(arg.type))
                else:
                    mapping[arg] = current[i]
        for op in body_ops:
            new = op.operation.clone(ip)
            _remap(new, mapping)
            for old_result, new_result in zip(op.results, new.results):
                mapping[old_result] = new_result
        current = [mapping.get(v, v) for v in terminator.operands]
    for result, value in zip(loop.results, current):
        result.replace_all_uses_with(value)
    loop.operation.erase()


# -- case / if ------------------------------------------------------------------------------


def _branch_index(op) -> int | None:
    """The branch a case/if takes when its index/predicate is static."""
    value = static_value(op.operands[0])
    if value is None:
        return None
    n = len(op.regions)
    if op.name == "stablehlo.if":
        return 0 if bool(np.asarray(value).reshape(-1)[0]) else 1
    index = int(np.asarray(value).reshape(-1)[0])
    return index if 0 <= index < n else n - 1


def _inline_region(op, region) -> list:
    """Move the ops of `region` (a single block) before `op`; returns the
    values its terminator yields."""
    block = region.blocks[0]
    ops = list(block.operations)
    terminator = ops.pop()
    for inner in ops:
        inner.operation.move_before(op.operation)
    return list(terminator.operands)


def _replace(op, values) -> None:
    for result, value in zip(op.results, values):
        result.replace_all_uses_with(value)
    op.operation.erase()


def _resolve_static_branches(module) -> bool:
    changed = False
    for op in _collect(module, ("stablehlo.case", "stablehlo.if")):
        index = _branch_index(op)
        if index is None:
            continue
        _replace(op, _inline_region(op, op.regions[index]))
        changed = True
    return changed


def _branches_to_select(op, max_ops: int) -> bool:
    """Both (all) branches, then `select` on the predicate, for small
    branches without side effects or nested regions."""
    total = 0
    for region in op.regions:
        ops = list(region.blocks[0].operations)[:-1]
        for inner in ops:
            if inner.operation.name in _EFFECTFUL or len(inner.operation.regions):
                return False
        total += len(ops)
    if total > max_ops:
        return False
    if not all(isinstance(r.type, ir.RankedTensorType) for r in op.results):
        return False
    branch_values = [_inline_region(op, region) for region in op.regions]
    with ir.InsertionPoint(op.operation), op.location:
        selector = op.operands[0]
        i1 = ir.IntegerType.get_signless(1)
        if op.name == "stablehlo.if":
            preds = [selector]
        else:
            index_type = tensor_type(selector.type)
            preds = []
            for k in range(len(op.regions) - 1):
                k_value = make_constant(np.array(k), index_type)
                preds.append(
                    stablehlo.CompareOp(
                        selector,
                        k_value,
                        stablehlo.ComparisonDirectionAttr.get("EQ"),
                        results=[ir.RankedTensorType.get([], i1)],
                    ).result
                )
        results = list(branch_values[-1])
        for k in range(len(preds) - 1, -1, -1):
            results = [
                stablehlo.SelectOp(preds[k], a, b).result if a != b else a
                for a, b in zip(branch_values[k], results)
            ]
    _replace(op, results)
    return True


# -- kept loops --------------------------------------------------------------------------------


def _unexpressible(loop) -> str | None:
    """Why Core ML's while_loop cannot carry `loop`'s values, or None."""
    for i, t in enumerate(loop.operands):
        ty = t.type
        if not isinstance(ty, ir.RankedTensorType):
            return f"carried value #{i} has type {ty}, which Core ML has no counterpart for"
        if not ty.has_static_shape:
            return f"carried value #{i} has dynamic shape {ty}"
    return None
