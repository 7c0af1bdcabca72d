"""The pattern that turns any dot_general into the canonical batched matmul
[B..., M, K] x [B..., K, N] following its MatmulPlan."""

from __future__ import annotations

import functools

from hlo_coreml._mlir import ir
from hlo_coreml.emit.ops_linalg import matmul_form, matmul_max_rank, matmul_op_count
from hlo_coreml.ir_utils import i64_array

from .common import (
    _MAX_RANK,
    _dims,
    _dot_general,
    _element,
    _optional_attrs,
    _producer_perm,
    _reshape,
    _shape,
    _stand_ins,
    _static,
    _tensor,
    _transpose,
)
from .plan import plan_matmul


def dot_general_to_matmul(op, rewriter):
    """Any dot_general -> the canonical one, with operand transposes/reshapes
    and a result reshape/transpose as needed. A transpose that is the only
    user of the dot_general is folded in when that saves MIL ops."""
    lb, rb, lc, rc = _dims(op)
    lhs_shape, rhs_shape, result_shape = _shape(op.lhs), _shape(op.rhs), _shape(op.result)
    frozen = tuple(side for side, v in (("lhs", op.lhs), ("rhs", op.rhs), ("result", op.result)) if not _static(v))
    if frozen:
        # `?` dims (flexible inputs) become unique stand-in sizes for the
        # planner, which then only transposes the sides that have them; a
        # contraction over a `?` dim is fine when it needs no reshape
        # (both sides have the same runtime size: the program verified).
        lhs_shape, rhs_shape, result_shape = _stand_ins(lhs_shape, rhs_shape, result_shape)
    rank_limit = max(_MAX_RANK, len(lhs_shape), len(rhs_shape), len(result_shape))
    plan_for = functools.partial(
        plan_matmul, lhs_shape, rhs_shape, lb, rb, lc, rc,
        lhs_from=_producer_perm(op.lhs), rhs_from=_producer_perm(op.rhs),
        allow_swap="algorithm" not in op.attributes,  # its precisions are per side
        frozen=frozen,
    )
    form = matmul_form(op)
    if form is not None and matmul_max_rank(form) <= rank_limit:
        current_ops = matmul_op_count(form)
    else:
        current_ops = None  # not canonical (or the emitter would exceed rank 5)
    plan = None if current_ops is not None else plan_for()
    replaced = op
    consumer = _transpose_user(op)
    if consumer is not None:
        # Fold the transpose that follows into the plan. A dot_general being
        # rewritten anyway always takes the fold (so no transpose of a
        # transpose is left: canonicalize does not merge them); a canonical
        # one only if that saves an op (so rewriting ends).
        folded = plan_for(i64_array(consumer, "permutation"))
        if folded is not None and folded.max_rank <= rank_limit:
            if plan is None:
                take = folded.mil_ops < current_ops + 1
            else:
                take = folded.mil_ops <= plan.mil_ops + int(plan.result_perm == tuple(sorted(plan.result_perm)))
            if take:
                plan, replaced = folded, consumer
    if plan is None:
        return True
    # Our result reshape and a reshape that follows become one (canonicalize
    # does not merge them in this jaxlib).
    erase = [op] if replaced is not op else []
    final_shape = _shape(replaced.results[0])
    reshape_user = None if frozen else _single_user(replaced, "stablehlo.reshape")
    if plan.result_perm == tuple(range(len(plan.result_perm))) and reshape_user is not None:
        erase.insert(0, replaced)
        replaced = reshape_user
        final_shape = _shape(reshape_user.results[0])
    result_element = _element(op.result)
    with rewriter.ip, op.location:
        a, b = (op.rhs, op.lhs) if plan.swap else (op.lhs, op.rhs)
        a = _reshape(_transpose(a, plan.a_perm), plan.a_shape)
        b = _reshape(_transpose(b, plan.b_perm), plan.b_shape)
        nb = plan.num_batch
        out = _dot_general(
            _tensor(plan.result_shape, result_element),
            a,
            b,
            range(nb),
            range(nb),
            [len(plan.a_shape) - 1],
            [nb],
            _swapped(_optional_attrs(op)) if plan.swap else _optional_attrs(op),
        )
        out = _transpose(_reshape(out, plan.full_shape), plan.result_perm)
        out = _reshape(out, final_shape)
    rewriter.replace_op(replaced, [out])
    for dead in erase:
        rewriter.erase_op(dead)
    return False


def _single_user(op, name: str):
    """The op named `name` that is the only user of `op`'s result, if any."""
    uses = list(op.results[0].uses)
    if len(uses) != 1 or uses[0].owner.name != name:
        return None
    return uses[0].owner


def _transpose_user(op):
    return _single_user(op, "stablehlo.transpose")


def _swapped(attrs: dict) -> dict:
    """precision_config is per operand: swap it with the operands (plans do
    not swap operands of a dot_general with an algorithm)."""
    out = dict(attrs)
    if "precision_config" in out:
        config = ir.ArrayAttr(out["precision_config"])
        if len(config) == 2:
            out["precision_config"] = ir.ArrayAttr.get([config[1], config[0]])
    return out
