"""Rank-free fallbacks of hlo-coreml-cap-rank: transposes, broadcasts and
reductions through rank-4 transposes of collapsed views; an iota as a
broadcast of a 1-D iota."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hlo_coreml._mlir import ir, stablehlo

from ..ir_build import ranked, reshape, shape_of, tensor_type
from .common import _collapsed, _groups, _i64s

if TYPE_CHECKING:
    from .rewriter import _Rewriter


def permute(x, sizes, order, out_shape, max_rank: int = 5):
    """`x` (any collapsed view of a tensor whose dims have `sizes`), with its
    dims put in `order` (output dim i = input dim order[i]), reshaped to
    `out_shape`. Uses one transpose when the moving blocks fit in
    `max_rank` dims, else moves one block at a time with rank <= 4
    transposes of collapsed views."""
    keep = [d for d in order if sizes[d] != 1]
    # Blocks: runs of input dims that stay adjacent and in order.
    blocks: list[list[int]] = []
    for d in keep:
        if blocks and blocks[-1][-1] + 1 == d:
            blocks[-1].append(d)
        else:
            blocks.append([d])
    nonunit_in = [d for d in range(len(sizes)) if sizes[d] != 1]
    # Blocks in input order: an input dim belongs to the block starting at it.
    by_first = sorted(range(len(blocks)), key=lambda b: blocks[b][0])
    size = [math.prod(sizes[d] for d in block) for block in blocks]
    del nonunit_in
    current = list(by_first)  # block ids in the current (input) order
    target = list(range(len(blocks)))  # block ids in output order
    if current == target:
        return reshape(x, out_shape)
    if len(blocks) <= max_rank:
        y = reshape(x, [size[b] for b in current])
        y = stablehlo.TransposeOp(y, [current.index(b) for b in target]).result
        return reshape(y, out_shape)
    y = x
    for t, want in enumerate(target):
        at = current.index(want)
        if at == t:
            continue
        parts = [
            math.prod(size[b] for b in current[:t]),
            math.prod(size[b] for b in current[t:at]),
            size[want],
            math.prod(size[b] for b in current[at + 1 :]),
        ]
        perm = [0, 2, 1, 3]
        drop = [p for p in range(4) if parts[p] == 1]
        view = [parts[p] for p in range(4) if p not in drop]
        kept_perm = [p for p in perm if p not in drop]
        rank_of = {p: n for n, p in enumerate(q for q in range(4) if q not in drop)}
        y = reshape(y, view)
        y = stablehlo.TransposeOp(y, [rank_of[p] for p in kept_perm]).result
        current = current[:t] + [want] + current[t:at] + current[at + 1 :]
    return reshape(y, out_shape)


def _fallback_transpose(rw: _Rewriter, op) -> list:
    x = op.operands[0]
    perm = _i64s(op, "permutation")
    r = op.results[0]
    target = _collapsed(shape_of(r), rw.value_cuts(r))
    return [permute(rw.in_form(x), shape_of(x), perm, target, rw.max_rank)]


def _fallback_broadcast(rw: _Rewriter, op) -> list:
    x = rw.in_form(op.operands[0])
    return [_broadcast_into(rw, x, shape_of(op.operands[0]), _i64s(op, "broadcast_dimensions"), op.results[0])]


def _fallback_iota(rw: _Rewriter, op) -> list:
    """An iota whose dim d shares a block with other dims: the collapsed
    form with d's block split into [before d, d, after d] is an iota along
    d's part, reshaped; if that needs more than max-rank dims, a 1-D iota
    broadcast along the other dims."""
    r = op.results[0]
    t = tensor_type(r)
    shape = list(t.shape)
    dim = ir.IntegerAttr(op.attributes["iota_dimension"]).value
    cuts = rw.value_cuts(r)
    target = _collapsed(shape, cuts)
    view, at = [], 0
    for group in _groups(shape, cuts):
        if dim not in group:
            size = math.prod(shape[d] for d in group)
            if size != 1:
                view.append(size)
            continue
        before = math.prod(shape[d] for d in group if d < dim)
        after = math.prod(shape[d] for d in group if d > dim)
        if before != 1:
            view.append(before)
        at = len(view)
        view.append(shape[dim])
        if after != 1:
            view.append(after)
    if len(view) <= rw.max_rank:
        return [reshape(stablehlo.IotaOp(ranked(view, t.element_type), at).result, target)]
    line = stablehlo.IotaOp(ranked([shape[dim]], t.element_type), 0).result
    return [_broadcast_into(rw, line, [shape[dim]], [dim], r)]


def _broadcast_into(rw: _Rewriter, x, in_shape, dims, result):
    """`x` (operand dims `in_shape`, in order) broadcast to `result`'s
    shape with operand dim i at output dim dims[i], in `result`'s
    collapsed form: x -> [N (all new dims), IN (all operand dims)] ->
    permute into place."""
    out_shape = shape_of(result)
    element = tensor_type(result).element_type
    new_dims = [d for d in range(len(out_shape)) if d not in dims]
    n = math.prod(out_shape[d] for d in new_dims)
    total = math.prod(in_shape)
    flat = reshape(x, [total])
    two_d = stablehlo.BroadcastInDimOp(ranked([n, total], element), flat, [1]).result
    # Logical dims of two_d: new dims (output order), then operand dims in
    # operand order, which sit at output dims sorted(dims) (units squeezed
    # before, so dims are in order or a permutation of it).
    operand_out = [dims[i] for i in range(len(in_shape))]
    logical = new_dims + operand_out  # output dim of each logical dim
    sizes = [out_shape[d] for d in logical]
    position = {d: p for p, d in enumerate(logical)}
    order = [position[d] for d in range(len(out_shape))]
    target = _collapsed(out_shape, rw.value_cuts(result))
    return permute(two_d, sizes, order, target, rw.max_rank)


def _fallback_reduce(rw: _Rewriter, op) -> list:
    # Each input -> [kept, reduced] (a 2-D view after a permutation) -> reduce dim 1.
    n = len(op.results)
    shape = shape_of(op.operands[0])
    dims = _i64s(op, "dimensions")
    kept = [d for d in range(len(shape)) if d not in dims]
    order = kept + list(dims)
    k_size, r_size = math.prod(shape[d] for d in kept), math.prod(shape[d] for d in dims)
    inputs = [permute(rw.in_form(op.operands[j]), shape, order, [k_size, r_size], rw.max_rank) for j in range(n)]
    new = op.operation.clone()
    for j in range(n):
        new.operands[j] = inputs[j]
        new.results[j].set_type(ranked([k_size], tensor_type(op.results[j]).element_type))
    new.attributes["dimensions"] = ir.DenseI64ArrayAttr.get([1])
    return list(new.results)


_FALLBACKS = {
    "stablehlo.transpose": _fallback_transpose,
    "stablehlo.broadcast_in_dim": _fallback_broadcast,
    "stablehlo.reduce": _fallback_reduce,
    "stablehlo.iota": _fallback_iota,
}
