"""Scatter forms hlo-coreml-legalize-gather-scatter reduces to the ones it
maps onto MIL `scatter_nd` (patterns of that pass, kept in their own module):

- a scatter of several operands whose body combines operand i only with
  update i (each result an update, add, multiply, maximum or minimum of its
  own pair) becomes one single-operand scatter per operand;
- a scatter of i1 becomes one of i32 (`or` -> max, `and` -> min; the
  result compared != 0);
- a scatter whose update windows are not "size 1 along indexed dims, whole
  along the others" becomes a point scatter: every update element gets its
  own full operand index (start index + its window offset), so indices are
  [M, rank] and updates [M]. StableHLO (and XLA, which JAX follows for
  mode='drop' and 'promise_in_bounds') skips a whole update window when any
  part of it would fall out of bounds, i.e. when a start index lies outside
  [0, D - window size]; every element of such a window is sent to index
  [D_0, 0, ...], in an extra row appended to dim 0 of the operand and sliced
  off afterwards.
"""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.emit.ops_indexing import SCATTER_MODES


# i1 combiners as modes on 0/1 in i32 (add on i1 is xor: not a MIL mode).
_BOOL_MODES = {
    "stablehlo.or": "max",
    "stablehlo.maximum": "max",
    "stablehlo.and": "min",
    "stablehlo.minimum": "min",
    "stablehlo.multiply": "min",
}


def body_modes(op) -> list[str] | None:
    """Per operand of a (possibly variadic) scatter, the MIL mode of its
    combiner: 'update', or the mode of one add/multiply/maximum/minimum of
    its own (operand, update) block argument pair; None if any result mixes
    operands or uses another op. On i1 or/maximum count as max, and/minimum/
    multiply as min."""
    n = len(op.results)
    block = op.regions[0].blocks[0]
    args = list(block.arguments)
    ops = list(block.operations)
    if len(args) != 2 * n or not ops or ops[-1].operation.name != "stablehlo.return":
        return None
    modes = []
    for i, value in enumerate(ops[-1].operands):
        if value == args[n + i]:
            modes.append("update")
            continue
        owner = value.owner
        if isinstance(owner, ir.Block) or len(owner.operands) != 2 or set(owner.operands) != {args[i], args[n + i]}:
            return None
        name = owner.operation.name
        boolean = _is_bool(args[i])
        mode = _BOOL_MODES.get(name) if boolean else SCATTER_MODES.get(name)
        if mode is None:
            return None
        modes.append(mode)
    if len(ops) - 1 != sum(m != "update" for m in modes):
        return None  # ops in the body that feed no result, or shared
    return modes


def element_scatter_dims(rank: int, index_vector_dim: int):
    """Scatter dimension numbers writing single elements: every operand dim
    is indexed (index i addresses operand dim i), updates have no window."""
    return stablehlo.ScatterDimensionNumbers.get(
        update_window_dims=[],
        inserted_window_dims=list(range(rank)),
        input_batching_dims=[],
        scatter_indices_batching_dims=[],
        scattered_dims_to_operand_dims=list(range(rank)),
        index_vector_dim=index_vector_dim,
    )


def _is_bool(value) -> bool:
    element = ir.RankedTensorType(value.type).element_type
    return isinstance(element, ir.IntegerType) and element.width == 1


def scatter_body(scatter, mode: str, element) -> None:
    """Fill the empty body of `scatter` with the combiner of MIL mode `mode`."""
    scalar = ir.RankedTensorType.get([], element)
    block = scatter.regions[0].blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        a, b = block.arguments
        if mode == "update":
            stablehlo.ReturnOp([b])
            return
        name = {v: k for k, v in SCATTER_MODES.items()}[mode]
        cls = {
            "stablehlo.add": stablehlo.AddOp,
            "stablehlo.multiply": stablehlo.MulOp,
            "stablehlo.maximum": stablehlo.MaxOp,
            "stablehlo.minimum": stablehlo.MinOp,
        }[name]
        stablehlo.ReturnOp([cls(a, b).result])


def _new_scatter(op, operand, updates, mode: str, element):
    scatter = stablehlo.ScatterOp(
        [operand.type], [operand], op.operands[len(op.results)], [updates], op.attributes["scatter_dimension_numbers"]
    )
    scatter_body(scatter, mode, element)
    return scatter.results[0]


def split_variadic(op, rewriter) -> bool:
    """One scatter per operand (pattern; returns True for no match)."""
    n = len(op.results)
    if n < 2:
        return True
    modes = body_modes(op)
    if modes is None:
        return True
    with rewriter.ip, op.location:
        outs = []
        for i, mode in enumerate(modes):
            element = ir.RankedTensorType(op.operands[i].type).element_type
            outs.append(_new_scatter(op, op.operands[i], op.operands[n + 1 + i], mode, element))
    rewriter.replace_op(op, outs)
    return False


def bool_via_i32(op, rewriter) -> bool:
    """An i1 scatter computed in i32 (pattern; returns True for no match)."""
    if len(op.results) != 1 or not _is_bool(op.operands[0]):
        return True
    modes = body_modes(op)
    if modes is None:
        return True
    i32 = ir.IntegerType.get_signless(32)
    with rewriter.ip, op.location:
        x, u = op.operands[0], op.operands[2]
        xi = stablehlo.ConvertOp(_retyped(x, i32), x).result
        ui = stablehlo.ConvertOp(_retyped(u, i32), u).result
        out = _new_scatter(op, xi, ui, modes[0], i32)
        zero = stablehlo.ConstantOp(
            ir.DenseElementsAttr.get_splat(ir.RankedTensorType.get([], i32), ir.IntegerAttr.get(i32, 0))
        ).result
        zeros = stablehlo.BroadcastInDimOp(out.type, zero, []).result
        result = stablehlo.CompareOp(out, zeros, stablehlo.ComparisonDirectionAttr.get("NE")).result
    rewriter.replace_op(op, [result])
    return False


def _retyped(value, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(ir.RankedTensorType(value.type).shape), element)


def point_scatter(op, mode: str, d, build):
    """The general single-operand scatter as a point scatter (see the
    module docstring). `build` holds the tensor helpers of
    legalize_gather_scatter; returns the replacement value. Call under the
    rewriter's insertion point and the op's location."""
    operand, indices, updates = op.operands
    oshape, ushape = build.shape(operand), build.shape(updates)
    rank = len(oshape)
    element = build.element(operand)
    smap = list(d.scattered_dims_to_operand_dims) + list(d.input_batching_dims)
    inserted = set(d.inserted_window_dims) | set(d.input_batching_dims)
    window = [dim for dim in range(rank) if dim not in inserted]
    uwd = list(d.update_window_dims)
    wsize = {dim: 1 for dim in range(rank)}
    wsize.update({dim: ushape[u] for dim, u in zip(window, uwd)})

    idx, bshape = build.index_vectors(
        indices, d.index_vector_dim, list(zip(d.input_batching_dims, d.scatter_indices_batching_dims))
    )
    ie = build.element(idx)
    nb = len(bshape)
    wshape = [wsize[dim] for dim in window]
    full = bshape + wshape
    scatter_dims = [j for j in range(len(ushape)) if j not in uwd]
    u = build.transpose(updates, scatter_dims + uwd)

    # Full index per update element: [N..., W..., rank].
    comp_type = ir.RankedTensorType.get(full + [1], ie)
    parts = []
    for dim in range(rank):
        part = None
        if dim in smap:
            k = smap.index(dim)
            start = stablehlo.SliceOp(idx, [0] * nb + [k], bshape + [k + 1], [1] * (nb + 1)).result
            part = stablehlo.BroadcastInDimOp(comp_type, start, list(range(nb)) + [nb + len(wshape)]).result
        if dim in window and wsize[dim] > 1:
            offset = stablehlo.IotaOp(comp_type, nb + window.index(dim)).result
            part = offset if part is None else stablehlo.AddOp(part, offset).result
        if part is None:
            part = stablehlo.BroadcastInDimOp(comp_type, build.const(np.array(0), ie), []).result
        parts.append(part)
    points = stablehlo.ConcatenateOp(parts, nb + len(wshape), results=[ir.RankedTensorType.get(full + [rank], ie)]).result

    highs = [oshape[dim] - wsize[dim] for dim in smap]
    padded = bool(smap) and not build.in_bounds(idx, np.array(highs) + 1)
    x = operand
    if padded:
        # A window with any start outside [0, D - size] goes, whole, to row D_0.
        bad = None
        for k, high in enumerate(highs):
            start = stablehlo.SliceOp(idx, [0] * nb + [k], bshape + [k + 1], [1] * (nb + 1)).result
            lo = stablehlo.CompareOp(start, build.splat(0, start), stablehlo.ComparisonDirectionAttr.get("LT")).result
            hi = stablehlo.CompareOp(start, build.splat(high, start), stablehlo.ComparisonDirectionAttr.get("GT")).result
            either = stablehlo.OrOp(lo, hi).result
            bad = either if bad is None else stablehlo.OrOp(bad, either).result
        bool_type = ir.RankedTensorType.get(full + [rank], ir.IntegerType.get_signless(1))
        bad = stablehlo.BroadcastInDimOp(bool_type, bad, list(range(nb)) + [nb + len(wshape)]).result
        trash = build.const(np.array([oshape[0]] + [0] * (rank - 1)), ie)
        trash = stablehlo.BroadcastInDimOp(points.type, trash, [len(full)]).result
        points = stablehlo.SelectOp(bad, trash, points).result
        pshape = [oshape[0] + 1] + oshape[1:]
        x = stablehlo.PadOp(
            x, build.zero(element), [0] * rank, [1] + [0] * (rank - 1), [0] * rank,
            results=[ir.RankedTensorType.get(pshape, element)],
        ).result
    m = math.prod(full)
    points = build.reshape(points, [m, rank])
    u = build.reshape(u, [m])
    dims = element_scatter_dims(rank, index_vector_dim=1)
    scatter = stablehlo.ScatterOp([x.type], [x], points, [u], dims)
    build.body(scatter, mode, element)
    build.mark(scatter)
    out = scatter.results[0]
    if padded:
        out = stablehlo.SliceOp(out, [0] * rank, oshape, [1] * rank).result
    return out


__all__ = ["body_modes", "bool_via_i32", "point_scatter", "scatter_body", "split_variadic"]
