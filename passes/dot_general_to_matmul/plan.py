"""Planning the canonical form of one dot_general: the cheapest layout
(transposes, reshapes, operand swap) as a MatmulPlan, from shapes and
dimension numbers only (no IR)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from hlo_coreml.emit.ops_linalg import canonical_form, matmul_max_rank, matmul_op_count

from .common import _MAX_RANK, _same_layout


@dataclass(frozen=True)
class MatmulPlan:
    """How one dot_general becomes canonical.

    The canonical dot_general multiplies `a` (= lhs, or rhs when `swap`)
    transposed by `a_perm` and reshaped to `a_shape`, by `b` likewise; its
    result (`result_shape`) is reshaped to `full_shape` (batch dims, a's free
    dims, b's free dims, uncollapsed) and transposed by `result_perm` into
    the order asked for. `mil_ops` counts our transposes/reshapes (less
    operand transposes ours replace) plus the MIL ops the emitter builds for
    the matmul; `max_rank` is the highest rank of any value either creates."""

    swap: bool
    a_perm: tuple[int, ...]
    a_shape: tuple[int, ...]
    b_perm: tuple[int, ...]
    b_shape: tuple[int, ...]
    num_batch: int
    result_shape: tuple[int, ...]
    full_shape: tuple[int, ...]
    result_perm: tuple[int, ...]
    mil_ops: int
    max_rank: int


def plan_matmul(
    lhs_shape, rhs_shape, lb, rb, lc, rc, order=None, lhs_from=None, rhs_from=None, allow_swap=True, frozen=()
) -> MatmulPlan | None:
    """The cheapest canonical layout of a dot_general with these operand
    shapes and dimension numbers (lists of ints; no IR involved).

    `order` is a permutation of the dot_general's result dims: the plan
    produces `transpose(dot_general(...), order)` (default: the result
    itself), so a transpose that follows the dot_general can be folded in.
    `lhs_from` / `rhs_from` describe transposes producing the operands, if
    any, as (permutation, has one use): our transpose composes with such a
    transpose, which then goes away if nothing else uses it. With
    `allow_swap`, lhs and rhs may trade places.

    `frozen` names the sides ('lhs', 'rhs', 'result') that must not be
    reshaped, only transposed: those with a dynamic (`?`) dim, which a
    static reshape cannot express. None if no layout satisfies that.
    """
    lhs_shape, rhs_shape = list(lhs_shape), list(rhs_shape)
    nb = len(lb)
    lf = [d for d in range(len(lhs_shape)) if d not in lb and d not in lc]
    rf = [d for d in range(len(rhs_shape)) if d not in rb and d not in rc]
    # Each result dim is a batch pair, an lhs free dim or an rhs free dim.
    labels = [("b", i) for i in range(nb)] + [("l", d) for d in lf] + [("r", d) for d in rf]
    order = list(range(len(labels))) if order is None else list(order)
    target = [labels[i] for i in order]
    k = math.prod(lhs_shape[d] for d in lc)

    # Each group (batch dims, lhs free dims, rhs free dims) is taken either
    # in its operands' order or in the order the target has it; the result
    # transpose puts everything in place.
    def group_orders(kind, natural):
        wanted = [i for t, i in target if t == kind]
        return [natural] if wanted == natural else [natural, wanted]

    best, best_key = None, None
    for swap, batch, lhs_free, rhs_free in itertools.product(
        (False, True) if allow_swap else (False,),
        group_orders("b", list(range(nb))),
        group_orders("l", lf),
        group_orders("r", rf),
    ):
        a_from, b_from = (rhs_from, lhs_from) if swap else (lhs_from, rhs_from)
        if swap:
            a_shape, b_shape, a_free, b_free = rhs_shape, lhs_shape, rhs_free, lhs_free
            ab, bb, ac, bc = [rb[i] for i in batch], [lb[i] for i in batch], rc, lc
            full_labels = [("b", i) for i in batch] + [("r", d) for d in rhs_free] + [("l", d) for d in lhs_free]
        else:
            a_shape, b_shape, a_free, b_free = lhs_shape, rhs_shape, lhs_free, rhs_free
            ab, bb, ac, bc = [lb[i] for i in batch], [rb[i] for i in batch], lc, rc
            full_labels = [("b", i) for i in batch] + [("l", d) for d in lhs_free] + [("r", d) for d in rhs_free]
        result_perm = tuple(full_labels.index(t) for t in target)
        batch_sizes = [a_shape[d] for d in ab]
        ms = [a_shape[d] for d in a_free]
        ns = [b_shape[d] for d in b_free]
        full_shape = tuple(batch_sizes + ms + ns)
        # Contracting pairs may come in any order, as long as both sides
        # agree: try the given one and those that leave one side in place.
        pairs = list(zip(ac, bc))
        contract_orders = [pairs, sorted(pairs), sorted(pairs, key=lambda p: p[1])]
        # Batch dims kept apart or collapsed into one; a's free dims (with no
        # batch dims MIL broadcasts over several) kept apart or collapsed; a
        # missing M or N absent (a vector) or a unit dim.
        batch_choices = [batch_sizes] + ([[math.prod(batch_sizes)]] if len(batch_sizes) > 1 else [])
        for pairs_order, bs, m, n in itertools.product(
            contract_orders, batch_choices, _m_choices(ms, bool(batch_sizes)), [[math.prod(ns)]] if ns else [[], [1]]
        ):
            a_perm = tuple(ab + a_free + [p[0] for p in pairs_order])
            b_perm = tuple(bb + [p[1] for p in pairs_order] + b_free)
            a_c, b_c, res_c = tuple(bs + m + [k]), tuple(bs + [k] + n), tuple(bs + m + n)
            if frozen:
                a_side, b_side = ("rhs", "lhs") if swap else ("lhs", "rhs")
                if (
                    (a_side in frozen and not _same_layout([a_shape[p] for p in a_perm], a_c))
                    or (b_side in frozen and not _same_layout([b_shape[p] for p in b_perm], b_c))
                    or ("result" in frozen and not _same_layout(res_c, full_shape))
                ):
                    continue
            form = canonical_form(len(a_c), len(b_c), range(len(bs)), range(len(bs)), [len(a_c) - 1], [len(bs)])
            if form is None:
                continue
            ops = matmul_op_count(form)
            ops += _layout_ops(a_shape, a_perm, a_c, a_from) + _layout_ops(b_shape, b_perm, b_c, b_from)
            ops += int(res_c != full_shape) + int(result_perm != tuple(sorted(result_perm)))
            max_rank = max(len(a_c), len(b_c), len(res_c), matmul_max_rank(form))
            key = (max(0, max_rank - _MAX_RANK), ops, max_rank, swap)
            if best_key is None or key < best_key:
                best_key = key
                best = MatmulPlan(swap, a_perm, a_c, b_perm, b_c, len(bs), res_c, full_shape, result_perm, ops, max_rank)
    return best


def _m_choices(ms, batched: bool):
    if not ms:
        return [[], [1]]
    if batched or len(ms) == 1:
        return [[math.prod(ms)]]
    return [ms, [math.prod(ms)]]


def _layout_ops(shape, perm, canonical, produced_by=None) -> int:
    """The change in op count from taking an operand of `shape` to
    `canonical`: our transpose and reshape, minus the transpose producing
    the operand (`produced_by`, see plan_matmul) when ours replaces it."""
    reshapes = int([shape[p] for p in perm] != list(canonical))
    if list(perm) == sorted(perm):
        return reshapes
    if produced_by is None:
        return 1 + reshapes
    inner, single_use = produced_by
    composed = [inner[p] for p in perm]
    return int(composed != sorted(composed)) - int(single_use) + reshapes
