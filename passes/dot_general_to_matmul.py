"""hlo-coreml-dot-general-to-matmul: every contraction becomes one canonical
batched matmul (or a `linear` composite)."""

from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import func, ir, rewrite, stablehlo
from hlo_coreml.emit.ops_linalg import (
    LINEAR_COMPOSITE,
    canonical_form,
    matmul_form,
    matmul_max_rank,
    matmul_op_count,
)
from hlo_coreml.ir_utils import constant_value, dense_array, i64_array

from .registry import ModulePass, register_pass

_MAX_RANK = 5


@register_pass
@dataclass(frozen=True)
class DotGeneralToMatmulPass(ModulePass):
    """Rewrites every `stablehlo.dot_general` (and the deprecated `dot`,
    `einsum` and `unary_einsum`) into the canonical batched-matmul form the
    emitter maps onto one MIL `matmul`:

        lhs [B..., M, K] x rhs [B..., K, N] -> [B..., M, N]

    batch dims leading and in the same order on both sides, exactly one
    contracting dim (the last of lhs, the one right after the batch dims on
    rhs), at most one free dim per side (M or N may be absent: a vector).
    With no batch dims lhs may keep several free dims, [M..., K] x [K, N],
    which MIL's matmul broadcasts (a dense layer on [batch, seq, features]).

    Each operand gets at most one transpose (batch, free, contracting dims
    into that order) and one reshape (several contracting dims into one K,
    several free dims into one M or N, a K of 1 for an outer product); the
    result gets at most one reshape and one transpose (when the operands are
    swapped, or a transpose that followed the dot_general is folded in).
    Among the layouts that satisfy this the pass takes the one with the
    fewest MIL ops (its own transposes/reshapes plus what the emitter adds
    for vectors), so batch dims are collapsed into one only when that is
    cheaper or needed to stay within rank 5: no value (nor any MIL value the
    emitter derives from it) has rank > 5 unless the original dot_general
    already had one. Result element types (`preferred_element_type`),
    precision config and algorithm are kept (operands are not swapped when
    an algorithm is set).

    With `fuse-linear` (default on), `x . W` where W is a constant 2-D weight
    contracted with the last dim of x (rank 1-3), with no batch dims, becomes
    the composite `hlo_coreml.linear` (MIL `linear`, the form the Neural
    Engine prefers); a following `add` of a constant bias that varies only
    along the last dim is folded into it. W stays the constant it was; the
    composite's decomposition (a private function) is the reference semantics.

    ```mlir
    %0 = stablehlo.dot_general %q, %k, batching_dims = [0, 2] x [0, 2],
           contracting_dims = [3] x [3]
           : (tensor<2x8x4x16xf32>, tensor<2x6x4x16xf32>) -> tensor<2x4x8x6xf32>
    ==>
    %0 = stablehlo.transpose %q, dims = [0, 2, 1, 3] : (...) -> tensor<2x4x8x16xf32>
    %1 = stablehlo.transpose %k, dims = [0, 2, 3, 1] : (...) -> tensor<2x4x16x6xf32>
    %2 = stablehlo.dot_general %0, %1, batching_dims = [0, 1] x [0, 1],
           contracting_dims = [3] x [2]
           : (tensor<2x4x8x16xf32>, tensor<2x4x16x6xf32>) -> tensor<2x4x8x6xf32>
    ```

    Afterwards every `dot_general` with static shapes is in canonical form
    and no `dot`, `einsum` or `unary_einsum` remains, except einsums with
    repeated labels in one operand (diagonals) or ellipses, which are left
    for verify-legal to report. No identity transpose or reshape is created,
    and the new ones compose with a transpose/reshape producing an operand
    or consuming the result (jaxlib 0.10.2's `canonicalize` folds neither
    identities nor such chains).
    """

    name: ClassVar[str] = "hlo-coreml-dot-general-to-matmul"
    summary: ClassVar[str] = "Rewrite dot_general/dot/einsum into one canonical batched matmul (or linear)"
    fuse_linear: bool = True

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        populate_dot_general_to_matmul_patterns(patterns, fuse_linear=self.fuse_linear)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


def populate_dot_general_to_matmul_patterns(patterns, *, fuse_linear: bool = True) -> None:
    """Add this pass's rewrite patterns to a `RewritePatternSet`."""
    patterns.add(stablehlo.DotOp, dot_to_dot_general)
    patterns.add(stablehlo.EinsumOp, einsum_to_dot_general)
    patterns.add(stablehlo.UnaryEinsumOp, unary_einsum_to_reduce_transpose)
    if fuse_linear:
        patterns.add(stablehlo.DotGeneralOp, dot_general_to_matmul_or_linear)
        patterns.add(stablehlo.AddOp, dot_general_add_to_linear)
    else:
        patterns.add(stablehlo.DotGeneralOp, dot_general_to_matmul)


# -- small helpers ----------------------------------------------------------------


def _shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _element(value) -> ir.Type:
    return ir.RankedTensorType(value.type).element_type


def _static(*values) -> bool:
    for v in values:
        t = v.type
        if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
            return False
    return True


def _tensor(shape, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(_real([int(d) for d in shape]), element)


def _producer(value, name: str):
    """The op named `name` that defines `value`, or None."""
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.operation.name != name:
        return None
    return owner


def _producer_perm(value):
    """(permutation, has one use) of the transpose defining `value`, or None."""
    inner = _producer(value, "stablehlo.transpose")
    if inner is None:
        return None
    return i64_array(inner, "permutation"), len(list(value.uses)) == 1


def _transpose(value, perm):
    """transpose(value, perm); a transpose of a transpose becomes one
    transpose, an identity none (canonicalize does neither in this jaxlib)."""
    perm = [int(p) for p in perm]
    inner = _producer(value, "stablehlo.transpose")
    if inner is not None:
        inner_perm = i64_array(inner, "permutation")
        value, perm = inner.operands[0], [inner_perm[p] for p in perm]
    if perm == list(range(len(perm))):
        return value
    shape = _shape(value)
    result = _tensor([shape[p] for p in perm], _element(value))
    return stablehlo.TransposeOp(value, perm, results=[result]).result


def _reshape(value, shape):
    """reshape(value, shape); a reshape of a reshape becomes one reshape,
    an identity none."""
    inner = _producer(value, "stablehlo.reshape")
    if inner is not None:
        value = inner.operands[0]
    if _same_layout(_shape(value), list(shape)) or _shape(value) == _real(shape):
        return value
    return stablehlo.ReshapeOp(_tensor(shape, _element(value)), value).result


def _dims(op):
    d = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    return (
        list(d.lhs_batching_dimensions),
        list(d.rhs_batching_dimensions),
        list(d.lhs_contracting_dimensions),
        list(d.rhs_contracting_dimensions),
    )


def _optional_attrs(op) -> dict:
    """precision_config / algorithm of a dot or dot_general, to carry over."""
    out = {}
    for name in ("precision_config", "algorithm"):
        if name in op.attributes:
            out[name] = op.attributes[name]
    return out


def _dot_general(result_type, lhs, rhs, lb, rb, lc, rc, attrs):
    dims = stablehlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=list(lb),
        rhs_batching_dimensions=list(rb),
        lhs_contracting_dimensions=list(lc),
        rhs_contracting_dimensions=list(rc),
    )
    return stablehlo.DotGeneralOp(result_type, lhs, rhs, dims, **attrs).result


# -- planning the canonical form -----------------------------------------------


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


_STAND_IN = 1 << 40


def _stand_ins(*shapes):
    """`shapes` with each `?` dim replaced by a size no real dim has. A
    dynamic dim that appears in several shapes gets one stand-in per
    appearance: the plans that are kept never reshape such a dim, so they
    only move it, and `_real` maps every stand-in back to `?`."""
    out, count = [], 0
    for shape in shapes:
        new = []
        for d in shape:
            if ir.ShapedType.is_dynamic_size(d):
                d = _STAND_IN + count
                count += 1
            new.append(d)
        out.append(new)
    return out


def _same_layout(have, want) -> bool:
    """Equal shapes, a stand-in (`?` dim) matching any other stand-in: a
    reshape between them would change nothing."""
    def dynamic(d):
        return d >= _STAND_IN or ir.ShapedType.is_dynamic_size(d)

    return len(have) == len(want) and all(h == w or (dynamic(h) and dynamic(w)) for h, w in zip(have, want))


def _real(shape):
    return [ir.ShapedType.get_dynamic_size() if d >= _STAND_IN else d for d in shape]


# -- patterns ---------------------------------------------------------------------


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


def dot_general_to_matmul_or_linear(op, rewriter):
    """As `dot_general_to_matmul`, except that `x . W` with a constant 2-D W
    becomes an `hlo_coreml.linear` composite; when its only user is an add of
    a constant bias, the `dot_general_add_to_linear` pattern takes it."""
    if _linear_operands(op) is None:
        return dot_general_to_matmul(op, rewriter)
    if _fusable_add(op) is not None:
        return True  # dot_general_add_to_linear rewrites the add
    with rewriter.ip, op.location:
        out = _linear_composite(op, None)
    rewriter.replace_op(op, [out])
    return False


def dot_general_add_to_linear(op, rewriter):
    """add(dot_general(x, W), bias) -> hlo_coreml.linear(x, W, b)."""
    for this, other in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
        owner = this.owner
        if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.dot_general":
            continue
        dot = owner
        if _linear_operands(dot) is None or _fusable_add(dot) is None:
            continue
        bias = _bias_vector(other, _shape(op.result)[-1])
        if bias is None:
            continue
        with rewriter.ip, op.location:
            b = _bias_constant(other, bias, _element(op.result))
            out = _linear_composite(dot, b)
        rewriter.replace_op(op, [out])
        rewriter.erase_op(dot)
        return False
    return True


def dot_to_dot_general(op, rewriter):
    """stablehlo.dot ([M?, K] x [K, N?]) is already canonical as a dot_general."""
    if not _static(op.lhs, op.rhs):
        return True
    lrank = len(_shape(op.lhs))
    with rewriter.ip, op.location:
        out = _dot_general(op.result.type, op.lhs, op.rhs, [], [], [lrank - 1], [0], _optional_attrs(op))
    rewriter.replace_op(op, [out])
    return False


_EINSUM = re.compile(r"^\s*([a-zA-Z]*)\s*(?:,\s*([a-zA-Z]*)\s*)?->\s*([a-zA-Z]*)\s*$")


def _parse_einsum(config: str, operands: int):
    """(input label strings, output labels) of an einsum config without
    ellipses or repeated labels within one operand; None otherwise."""
    m = _EINSUM.match(config)
    if not m or (m.group(2) is None) != (operands == 1):
        return None
    inputs = [m.group(1)] + ([m.group(2)] if operands == 2 else [])
    out = m.group(3)
    if any(len(set(s)) != len(s) for s in [*inputs, out]):
        return None
    if not set(out) <= set("".join(inputs)):
        return None
    return inputs, out


def einsum_to_dot_general(op, rewriter):
    """einsum "lhs,rhs->out" -> (reduce of labels only one side has and the
    output lacks) + dot_general + transpose into the output order."""
    config = ir.StringAttr(op.attributes["einsum_config"]).value
    parsed = _parse_einsum(config, 2)
    if parsed is None or not _static(op.lhs, op.rhs):
        return True
    (ls, rs), out = parsed
    result_element = _element(op.result)
    with rewriter.ip, op.location:
        lhs, ls = _sum_labels(op.lhs, ls, keep=set(rs) | set(out))
        rhs, rs = _sum_labels(op.rhs, rs, keep=set(ls) | set(out))
        batch = [c for c in out if c in ls and c in rs]
        contract = [c for c in ls if c in rs and c not in out]
        lfree = [c for c in ls if c not in rs]
        rfree = [c for c in rs if c not in ls]
        order = batch + lfree + rfree
        sizes = dict(zip(ls, _shape(lhs))) | dict(zip(rs, _shape(rhs)))
        value = _dot_general(
            _tensor([sizes[c] for c in order], result_element),
            lhs,
            rhs,
            [ls.index(c) for c in batch],
            [rs.index(c) for c in batch],
            [ls.index(c) for c in contract],
            [rs.index(c) for c in contract],
            {},
        )
        value = _transpose(value, [order.index(c) for c in out])
    rewriter.replace_op(op, [value])
    return False


def unary_einsum_to_reduce_transpose(op, rewriter):
    """unary_einsum "in->out" -> reduce (labels not in out) + transpose."""
    config = ir.StringAttr(op.attributes["einsum_config"]).value
    parsed = _parse_einsum(config, 1)
    if parsed is None or not _static(op.operand):
        return True
    (labels,), out = parsed
    with rewriter.ip, op.location:
        value, labels = _sum_labels(op.operand, labels, keep=set(out))
        value = _transpose(value, [labels.index(c) for c in out])
    rewriter.replace_op(op, [value])
    return False


def _sum_labels(value, labels: str, keep: set):
    """Sum `value` over the dims whose label is not in `keep` (a
    stablehlo.reduce with an add body); returns (value, remaining labels)."""
    drop = [i for i, c in enumerate(labels) if c not in keep]
    if not drop:
        return value, labels
    element = _element(value)
    shape = _shape(value)
    scalar = _tensor([], element)
    if isinstance(element, ir.IntegerType):
        zero = ir.IntegerAttr.get(element, 0)
    else:
        zero = ir.FloatAttr.get(element, 0.0)
    init = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(scalar, zero)).result
    kept = [i for i in range(len(labels)) if i not in drop]
    reduce = stablehlo.ReduceOp([_tensor([shape[i] for i in kept], element)], [value], [init], drop)
    block = reduce.regions[0].blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        total = stablehlo.AddOp(block.arguments[0], block.arguments[1]).result
        stablehlo.ReturnOp([total])
    return reduce.results[0], "".join(labels[i] for i in kept)


# -- linear fusion -------------------------------------------------------------------


def _linear_operands(dot):
    """(x, W, weight contracting dim) when `dot` is x . W with a constant 2-D
    W (or the transpose of one), no batch dims and x contracted on its last
    dim (rank 1-3); else None."""
    if not _static(dot.lhs, dot.rhs, dot.result):
        return None
    lb, rb, lc, rc = _dims(dot)
    x_rank = len(_shape(dot.lhs))
    if lb or rb or len(lc) != 1 or lc[0] != x_rank - 1 or not 1 <= x_rank <= 3:
        return None
    w, contracting = dot.rhs, rc[0]
    if len(_shape(w)) != 2:
        return None
    owner = w.owner
    if not isinstance(owner, ir.Block) and owner.operation.name == "stablehlo.transpose":
        # W.T of a constant W (jnp's `x @ W.T`): use W itself
        w, contracting = owner.operands[0], 1 - contracting
        owner = w.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.constant":
        return None
    result = ir.RankedTensorType(dot.result.type).element_type
    if not (isinstance(result, (ir.F16Type, ir.F32Type)) or (isinstance(result, ir.IntegerType) and result.width == 32)):
        return None
    return dot.lhs, w, contracting


def _fusable_add(dot):
    """The `stablehlo.add` that is the only user of `dot`'s result and adds
    a constant bias varying only along the last dim; else None."""
    uses = list(dot.result.uses)
    if len(uses) != 1:
        return None
    add = uses[0].owner
    if add.name != "stablehlo.add":
        return None
    operands = list(add.operands)
    other = operands[1] if operands[0] == dot.result else operands[0]
    if other == dot.result:
        return None
    n = _shape(dot.result)[-1]
    return add if _bias_vector(other, n) is not None else None


def _bias_vector(value, n: int):
    """If `value` (of the dot's result shape) is a constant, or a chain of
    broadcast_in_dim/reshape of one, that varies only along its last dim,
    that vector ([n], NumPy); else None."""
    return _along_axis(value, len(_shape(value)) - 1, n)


def _along_axis(value, axis: int, n: int, depth: int = 0):
    """The [n] vector `value` holds along `axis`, when it is constant along
    every other axis; None if it is not (or not known to be) a constant."""
    if depth > 8:
        return None
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    name = owner.operation.name
    shape = _shape(value)
    if name == "stablehlo.constant":
        attr = owner.attributes["value"]
        if not isinstance(attr, ir.DenseElementsAttr):
            return None
        if attr.is_splat:
            return np.broadcast_to(np.asarray(attr).reshape(-1)[:1], (n,))
        array = np.moveaxis(dense_array(attr), axis, -1)
        rows = array.reshape(-1, array.shape[-1])
        if not (rows == rows[:1]).all():
            return None
        return np.broadcast_to(rows[0], (n,))
    if name == "stablehlo.broadcast_in_dim":
        dims = i64_array(owner, "broadcast_dimensions")
        source = owner.operands[0]
        source_shape = _shape(source)
        if axis in dims:
            j = dims.index(axis)
            return _along_axis(source, j, n, depth + 1) if source_shape[j] in (1, n) else None
        return _uniform(source, n)  # broadcast along `axis`: one value
    if name == "stablehlo.reshape":
        # a reshape keeping the last dim keeps each element's last index
        source = owner.operands[0]
        source_shape = _shape(source)
        if axis != len(shape) - 1 or not source_shape or source_shape[-1] != shape[-1]:
            return None
        return _along_axis(source, len(source_shape) - 1, n, depth + 1)
    return None


def _uniform(value, n: int):
    """[n] copies of the one value a constant holds everywhere, else None."""
    array = constant_value(value)
    if array is None or array.size == 0:
        return None
    first = array.reshape(-1)[0]
    return np.broadcast_to(first, (n,)) if (array == first).all() else None


def _bias_constant(value, bias: np.ndarray, element: ir.Type):
    """A [n] constant for the bias: the source constant itself when the bias
    is a [n] constant broadcast along the last dim, else a new one."""
    source = value
    while not isinstance(source.owner, ir.Block) and source.owner.operation.name in (
        "stablehlo.broadcast_in_dim",
        "stablehlo.reshape",
    ):
        source = source.owner.operands[0]
    if (
        not isinstance(source.owner, ir.Block)
        and source.owner.operation.name == "stablehlo.constant"
        and _shape(source) == [bias.shape[0]]
        and _element(source) == element
    ):
        return source
    t = _tensor([bias.shape[0]], element)
    array = np.ascontiguousarray(bias, dtype=_numpy_dtype(element))
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get(array, type=t)).result


def _numpy_dtype(element: ir.Type):
    if isinstance(element, ir.F16Type):
        return np.float16
    if isinstance(element, ir.F32Type):
        return np.float32
    return np.int32


def _linear_composite(dot, bias):
    """Build `hlo_coreml.linear(x, W[, b])` for `dot` (and its decomposition)
    at the current insertion point; returns the result value."""
    x, w, contracting = _linear_operands(dot)
    inputs = [x, w] + ([bias] if bias is not None else [])
    result_type = dot.result.type
    decomposition = _linear_decomposition(dot, [v.type for v in inputs], result_type, contracting)
    attrs = ir.DictAttr.get(
        {"weight_contracting_dimension": ir.IntegerAttr.get(ir.IntegerType.get_signless(64), contracting)}
    )
    composite = stablehlo.CompositeOp(
        [result_type],
        inputs,
        LINEAR_COMPOSITE,
        decomposition,
        composite_attributes=attrs,
    )
    return composite.results[0]


def _type_mangle(t) -> str:
    """tensor<8x16xf32> -> 8x16xf32, for function names."""
    t = ir.RankedTensorType(t)
    return "x".join([*(str(d) for d in t.shape), str(t.element_type)])


def _linear_decomposition(anchor, input_types, result_type, contracting: int) -> str:
    """The name of a private function computing `x . W (+ b)` for these
    types, created next to the function holding `anchor` unless one with
    the same name (the name encodes the types) already exists."""
    module = anchor.operation.parent
    while module is not None and module.name != "builtin.module":
        module = module.parent
    function_type = ir.FunctionType.get(list(input_types), [result_type])
    parts = [_type_mangle(t) for t in [*input_types, result_type]]
    base = f"{LINEAR_COMPOSITE}_{'_'.join(parts)}_k{contracting}"
    table = ir.SymbolTable(module.operation)
    name, suffix = base, 0
    while name in table:
        existing = table[name]
        if ir.TypeAttr(existing.attributes["function_type"]).value == function_type:
            return name
        suffix += 1
        name = f"{base}_{suffix}"
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), ir.Location.unknown():
        fn = func.FuncOp(name, function_type, visibility="private")
        block = fn.add_entry_block()
        with ir.InsertionPoint(block):
            x, w = block.arguments[0], block.arguments[1]
            if contracting == 1:
                w = _transpose(w, [1, 0])
            x_rank = len(_shape(x))
            out = _dot_general(result_type, x, w, [], [], [x_rank - 1], [0], {})
            if len(input_types) == 3:
                rank = len(ir.RankedTensorType(result_type).shape)
                b = stablehlo.BroadcastInDimOp(result_type, block.arguments[2], [rank - 1]).result
                out = stablehlo.AddOp(out, b).result
            func.ReturnOp([out])
    return name


__all__ = [
    "DotGeneralToMatmulPass",
    "MatmulPlan",
    "plan_matmul",
    "populate_dot_general_to_matmul_patterns",
    "dot_general_to_matmul",
    "dot_general_to_matmul_or_linear",
    "dot_general_add_to_linear",
    "dot_to_dot_general",
    "einsum_to_dot_general",
    "unary_einsum_to_reduce_transpose",
]
