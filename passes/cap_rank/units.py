"""Preparation of high-rank ops for hlo-coreml-cap-rank: unit dims squeezed
out of transposes, broadcasts and reductions, strides out of unit dims of
slices; a reverse becomes rank-3 reverses of collapsed views; composites
inlined."""

from __future__ import annotations

import math

from hlo_coreml._mlir import inlined_func_call, ir, stablehlo

from ..ir_build import ranked, reshape, shape_of, tensor_type
from .common import _i64s, _nonunit, _replace


def _normalize_units(op, max_rank: int) -> None:
    """Squeeze unit dims out of high-rank transposes, broadcasts and
    reductions (reshapes around them), so their rules need not reason about
    dims that can go anywhere; rewrite a high-rank reverse as reverses of
    rank-3 views, one per run of adjacent reversed dims (reshapes take any
    view)."""
    name = op.operation.name
    if name == "stablehlo.transpose":
        x = op.operands[0]
        shape = shape_of(x)
        if 1 not in shape:
            return
        perm = _i64s(op, "permutation")
        keep = _nonunit(shape)
        index = {d: i for i, d in enumerate(keep)}
        new_perm = [index[p] for p in perm if shape[p] != 1]
        with ir.InsertionPoint(op.operation), op.location:
            y = reshape(x, [shape[d] for d in keep])
            if new_perm != sorted(new_perm):
                y = stablehlo.TransposeOp(y, new_perm).result
            y = reshape(y, shape_of(op.results[0]))
        _replace(op, [y])
    elif name == "stablehlo.broadcast_in_dim":
        x = op.operands[0]
        in_shape, out_shape = shape_of(x), shape_of(op.results[0])
        if 1 not in in_shape and 1 not in out_shape:
            return
        dims = _i64s(op, "broadcast_dimensions")
        out_keep = _nonunit(out_shape)
        out_index = {d: i for i, d in enumerate(out_keep)}
        new_dims = [out_index[dims[i]] for i in _nonunit(in_shape)]
        with ir.InsertionPoint(op.operation), op.location:
            y = reshape(x, [in_shape[i] for i in _nonunit(in_shape)])
            if new_dims != list(range(len(out_keep))):
                y = stablehlo.BroadcastInDimOp(
                    ranked([out_shape[d] for d in out_keep], tensor_type(x).element_type), y, new_dims
                ).result
            y = reshape(y, out_shape)
        _replace(op, [y])
    elif name == "stablehlo.slice":
        # A stride on a dim of size 1 selects the one element either way;
        # stride 1 lets the dim collapse with its neighbours.
        shape = shape_of(op.operands[0])
        strides = _i64s(op, "strides")
        unit_strides = [1 if shape[d] == 1 else s for d, s in enumerate(strides)]
        if unit_strides != strides:
            op.attributes["strides"] = ir.DenseI64ArrayAttr.get(unit_strides)
    elif name == "stablehlo.reverse":
        # Reversing a run of adjacent dims reverses them as one collapsed
        # dim (index i * J + j becomes (I-1-i) * J + (J-1-j)); runs are
        # reversed one at a time on [before, run, after] views (rank 3).
        x = op.operands[0]
        shape = shape_of(x)
        flipped = sorted(d for d in _i64s(op, "dimensions") if shape[d] != 1)
        runs: list[list[int]] = []
        for d in flipped:
            if runs and runs[-1][-1] + 1 == d:
                runs[-1].append(d)
            else:
                runs.append([d])
        with ir.InsertionPoint(op.operation), op.location:
            y = x
            for run in runs:
                view = [math.prod(shape[: run[0]]), math.prod(shape[d] for d in run), math.prod(shape[run[-1] + 1 :])]
                y = stablehlo.ReverseOp(reshape(y, view), [1]).result
            y = reshape(y, shape)
        _replace(op, [y])
    elif name == "stablehlo.reduce":
        n = len(op.results)
        inputs = list(op.operands)[:n]
        shape = shape_of(inputs[0])
        dims = _i64s(op, "dimensions")
        if 1 not in shape or all(shape[d] == 1 for d in dims):
            return
        keep = _nonunit(shape)
        index = {d: i for i, d in enumerate(keep)}
        new_dims = [index[d] for d in dims if shape[d] != 1]
        kept = [shape[d] for d in keep if d not in dims]
        with ir.InsertionPoint(op.operation), op.location:
            squeezed = [reshape(x, [shape[d] for d in keep]) for x in inputs]
            new = op.operation.clone()
            for j, x in enumerate(squeezed):
                new.operands[j] = x
            for k in range(n):
                new.results[k].set_type(ranked(kept, tensor_type(op.results[k]).element_type))
            new.attributes["dimensions"] = ir.DenseI64ArrayAttr.get(new_dims)
            outs = [reshape(new.results[k], shape_of(op.results[k])) for k in range(n)]
        _replace(op, outs)


def _inline_composite(op) -> None:
    module = op.operation
    while module.name != "builtin.module":
        module = module.parent
    callee = ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value
    target = ir.SymbolTable(module)[callee]
    with ir.InsertionPoint(op.operation), op.location:
        results = inlined_func_call(target.operation, list(op.operands))
    _replace(op, results)
