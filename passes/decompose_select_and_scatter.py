"""hlo-coreml-decompose-select-and-scatter: `stablehlo.select_and_scatter`
(the gradient of max pooling) as a window selection + a point scatter."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, rewrite, stablehlo
from hlo_coreml.emit.ops_indexing import SCATTER_MODES
from hlo_coreml.ir_utils import i64_array

from .elementwise_regions import apply_region, region_problem
from .registry import ModulePass, register_pass
from .scatter_points import element_scatter_dims, scatter_body


@register_pass
@dataclass(frozen=True)
class DecomposeSelectAndScatterPass(ModulePass):
    """Rewrites `stablehlo.select_and_scatter(operand, source, init)` into
    ops MIL has: for every window (one per `source` element) the selected
    position is found by folding the `select` region over the window's
    elements in row-major order, exactly as StableHLO and XLA define it:
    the first element is selected, then each next element replaces the
    selection unless `select(selected, next)` holds. With JAX's `GE` that
    is the first maximum (XLA's tie rule); any elementwise comparator
    works, NaN included. One step per window position k (w steps for a
    window of w elements): a strided `slice` of the operand (the k-th
    element of every window), the comparator on whole tensors, `select`s
    of the value and of the chosen offset per windowed dim.

    The result is `init` broadcast to the operand's shape, into which every
    source value is scattered at its window's selected position with the
    `scatter` region (add for JAX's max-pooling gradient): a point
    `stablehlo.scatter` whose indices are window origin + offset, left for
    hlo-coreml-legalize-gather-scatter (overlapping windows give duplicate
    indices, which add / multiply / max / min combine).

    Padding (JAX pads the operand itself and passes none): padded
    positions are never selected (XLA); a window of padding only scatters
    nothing (its index is made out of bounds, which scatter skips).

    Supported: static shapes, a `select` region of elementwise ops (e.g.
    one `compare`), a `scatter` region that is one add / multiply / maximum
    / minimum of its arguments. Others are left for verify-legal. Afterwards
    no other select_and_scatter remains.
    """

    name: ClassVar[str] = "hlo-coreml-decompose-select-and-scatter"
    summary: ClassVar[str] = "select_and_scatter (max-pooling gradient) as window argmax (XLA's first-max rule) + scatter"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.SelectAndScatterOp, decompose_select_and_scatter)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


def _scatter_mode(op) -> str | None:
    block = op.regions[1].blocks[0]
    args, ops = list(block.arguments), list(block.operations)
    if len(ops) != 2 or len(ops[0].operands) != 2 or set(ops[0].operands) != set(args):
        return None
    if ops[1].operands[0] != ops[0].results[0]:
        return None
    return SCATTER_MODES.get(ops[0].operation.name)


def problem(op) -> str | None:
    """None if the pass rewrites `op`, else why not."""
    if not all(ir.RankedTensorType(v.type).has_static_shape for v in op.operands):
        return "its shapes are dynamic"
    select = region_problem(op.regions[0].blocks[0])
    if select is not None:
        return f"its select region is not elementwise ({select.replace('its body', 'it')})"
    if _scatter_mode(op) is None:
        return "its scatter region is not one add / multiply / maximum / minimum of its arguments"
    return None


def _config(op, rank):
    window = i64_array(op, "window_dimensions", [1] * rank)
    strides = i64_array(op, "window_strides", [1] * rank)
    if "padding" in op.attributes:
        flat = np.asarray(op.attributes["padding"]).reshape(-1).tolist()
        padding = [(int(flat[2 * d]), int(flat[2 * d + 1])) for d in range(rank)]
    else:
        padding = [(0, 0)] * rank
    return window, strides, padding


def decompose_select_and_scatter(op, rewriter) -> bool:
    if problem(op) is not None:
        return True
    operand, source, init = op.operands
    oshape = list(ir.RankedTensorType(operand.type).shape)
    sshape = list(ir.RankedTensorType(source.type).shape)
    element = ir.RankedTensorType(operand.type).element_type
    rank = len(oshape)
    window, strides, padding = _config(op, rank)
    i32 = ir.IntegerType.get_signless(32)
    i1 = ir.IntegerType.get_signless(1)
    padded = any(lo or hi for lo, hi in padding)
    windowed = [d for d in range(rank) if window[d] > 1]
    select_block = op.regions[0].blocks[0]

    def i32_const(array):
        array = np.array(array, dtype=np.int32)  # (ascontiguousarray would make rank 0 rank 1)
        t = ir.RankedTensorType.get(list(array.shape), i32)
        if array.ndim == 0:
            return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, ir.IntegerAttr.get(i32, int(array)))).result
        return stablehlo.ConstantOp(ir.DenseElementsAttr.get(array, type=t)).result

    def full(value, element_type):
        return stablehlo.BroadcastInDimOp(ir.RankedTensorType.get(sshape, element_type), value, []).result

    with rewriter.ip, op.location:
        x = operand
        if padded:
            zero = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(
                ir.RankedTensorType.get([], element),
                ir.FloatAttr.get(element, 0.0) if not isinstance(element, ir.IntegerType) else ir.IntegerAttr.get(element, 0),
            )).result
            pshape = [n + lo + hi for n, (lo, hi) in zip(oshape, padding)]
            x = stablehlo.PadOp(
                x, zero, [lo for lo, _ in padding], [hi for _, hi in padding], [0] * rank,
                results=[ir.RankedTensorType.get(pshape, element)],
            ).result
        selected = offsets = has = None
        for k, offset in enumerate(itertools.product(*[range(w) for w in window])):
            cur = stablehlo.SliceOp(
                x, list(offset), [o + (n - 1) * s + 1 for o, n, s in zip(offset, sshape, strides)], list(strides)
            ).result
            valid = _valid_mask(offset, sshape, strides, padding, oshape, i32_const, i1) if padded else None
            if k == 0:
                selected, has = cur, valid
                offsets = {d: full(i32_const(offset[d]), i32) for d in windowed}
                continue
            (keep,) = apply_region(select_block, [selected, cur], sshape)
            take = stablehlo.NotOp(keep).result
            if valid is not None:
                fresh = stablehlo.OrOp(take, stablehlo.NotOp(has).result).result
                take = stablehlo.AndOp(valid, fresh).result
                has = stablehlo.OrOp(has, valid).result
            selected = stablehlo.SelectOp(take, cur, selected).result
            for d in windowed:
                offsets[d] = stablehlo.SelectOp(take, full(i32_const(offset[d]), i32), offsets[d]).result
        # Operand index of each selection: origin + offset - low padding.
        comp = ir.RankedTensorType.get(sshape + [1], i32)
        parts = []
        for d in range(rank):
            origin = stablehlo.IotaOp(ir.RankedTensorType.get(sshape, i32), d).result
            index = origin if strides[d] == 1 else stablehlo.MulOp(origin, full(i32_const(strides[d]), i32)).result
            if d in offsets:
                index = stablehlo.AddOp(index, offsets[d]).result
            if padding[d][0]:
                index = stablehlo.SubtractOp(index, full(i32_const(padding[d][0]), i32)).result
            if has is not None:
                index = stablehlo.SelectOp(has, index, full(i32_const(-1), i32)).result
            parts.append(stablehlo.ReshapeOp(comp, index).result)
        indices = stablehlo.ConcatenateOp(parts, rank, results=[ir.RankedTensorType.get(sshape + [rank], i32)]).result
        base = stablehlo.BroadcastInDimOp(operand.type, init, []).result
        dims = element_scatter_dims(rank, index_vector_dim=rank)
        scatter = stablehlo.ScatterOp([operand.type], [base], indices, [source], dims)
        scatter_body(scatter, _scatter_mode(op), element)
    rewriter.replace_op(op, [scatter.results[0]])
    return False


def _valid_mask(offset, sshape, strides, padding, oshape, i32_const, i1):
    """i1 [source shape]: the window element at `offset` is a real operand
    element (not padding). A constant with size 1 on unpadded dims,
    broadcast."""
    dims = [d for d in range(len(sshape)) if padding[d] != (0, 0)]
    shape = [sshape[d] if d in dims else 1 for d in range(len(sshape))]
    mask = np.ones(shape, dtype=bool)
    for d in dims:
        pos = np.arange(sshape[d]) * strides[d] + offset[d] - padding[d][0]
        ok = (pos >= 0) & (pos < oshape[d])
        view = [1] * len(sshape)
        view[d] = sshape[d]
        mask = mask & ok.reshape(view)
    ints = i32_const(mask.astype(np.int32))
    zero = stablehlo.BroadcastInDimOp(ints.type, i32_const(0), []).result
    small = stablehlo.CompareOp(ints, zero, stablehlo.ComparisonDirectionAttr.get("NE")).result
    return stablehlo.BroadcastInDimOp(
        ir.RankedTensorType.get(sshape, i1), small, list(range(len(sshape)))
    ).result


__all__ = ["DecomposeSelectAndScatterPass", "decompose_select_and_scatter", "problem"]
