"""Windows, slices and pads of rank > 5 for hlo-coreml-cap-rank.

`reduce_window` (cumsum, pooling, and every other window the passes before
cap-rank leave as one op): a dim the window touches (window or stride > 1,
padding, base or window dilation) stands alone; runs of untouched dims
collapse (on all operands and results alike). Collapsing two untouched
dims changes nothing: every window takes one element of each, and the
element order of a collapsed dim is the order of its parts.

When that still needs more than max-rank dims (touched and untouched dims
alternate), the fallback moves the untouched dims in front (rank <= 4
transposes of collapsed views, `fallback.permute`), merges them into one,
and runs the window on [untouched, touched...]; that needs 1 + (number of
touched dims) <= max-rank. A window touching more dims is refused.

`slice` / `pad` fallbacks (used when the direct collapsed form would need
more than max-rank dims, e.g. the slices of a window decomposed by
hlo-coreml-decompose-reduce-window, which together cut every dim): one
slice / pad per dim it changes, each on a rank-3 view [before, dim,
after]. Slices of different dims commute, and so do pads (a pad of one dim
only inserts whole hyperplanes along it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.emit.ops_window import touched_dims, window_config

from ..ir_build import ranked, reshape, shape_of, tensor_type
from .common import RankProblem, _collapsed, _describe, _i64s
from .fallback import permute

if TYPE_CHECKING:
    from .rewriter import _Rewriter


def _count(op) -> int:
    """Number of inputs (= results) of a reduce_window."""
    return len(op.results)


def reduce_window_rule(op, s):
    """Untouched dims collapse with untouched neighbours (ties across every
    input and result); a touched dim stands alone."""
    n = _count(op)
    touched = set(touched_dims(op))
    rank = len(shape_of(op.operands[0]))
    slots = [s.operand(j) for j in range(n)] + [s.result(k) for k in range(n)]
    return [[(slot, b) for slot in slots] for b in range(1, rank) if b - 1 not in touched and b not in touched]


def check_reduce_window(op, max_rank: int) -> None:
    """RankProblem unless the fallback form fits in max_rank dims."""
    shape = shape_of(op.operands[0])
    touched = touched_dims(op)
    untouched = len(shape) > len(touched)
    if len(touched) + untouched > max_rank:
        raise RankProblem(
            op,
            f"'stablehlo.reduce_window' on a value of {_describe(op.operands[0])} touches {len(touched)} dims "
            f"(window, stride, padding or dilation); hlo-coreml-cap-rank can keep at most {max_rank - 1} "
            f"touched dims apart (plus one for all the others)",
        )


def _window_attributes(op, new, groups, touched) -> None:
    """Set `new`'s window attributes for the operand groups `groups` (each
    either one touched dim or only untouched dims)."""
    window, strides, base, wdil, padding = window_config(op)

    def pick(values, fill):
        return [values[g[0]] if g[0] in touched else fill for g in groups]

    new.attributes["window_dimensions"] = ir.DenseI64ArrayAttr.get(pick(window, 1))
    if "window_strides" in op.attributes:
        new.attributes["window_strides"] = ir.DenseI64ArrayAttr.get(pick(strides, 1))
    if "base_dilations" in op.attributes:
        new.attributes["base_dilations"] = ir.DenseI64ArrayAttr.get(pick(base, 1))
    if "window_dilations" in op.attributes:
        new.attributes["window_dilations"] = ir.DenseI64ArrayAttr.get(pick(wdil, 1))
    if "padding" in op.attributes:
        pairs = np.array([list(p) for p in pick(padding, (0, 0))], dtype=np.int64).reshape(len(groups), 2)
        new.attributes["padding"] = ir.DenseElementsAttr.get(
            pairs, type=ranked([len(groups), 2], ir.IntegerType.get_signless(64))
        )


def fix_reduce_window(rw: _Rewriter, i, op, new) -> None:
    from .rewriter import _operand_groups

    _window_attributes(op, new, _operand_groups(rw, i, op, 0), set(touched_dims(op)))


def fallback_reduce_window(rw: _Rewriter, op) -> list:
    """Untouched dims in front, merged: [U, T_1, .., T_k]; the window on
    that view; the results permuted back."""
    n = _count(op)
    shape = shape_of(op.operands[0])
    out_shape = shape_of(op.results[0])
    touched = touched_dims(op)
    untouched = [d for d in range(len(shape)) if d not in touched]
    order = untouched + touched
    lead = [math.prod(shape[d] for d in untouched)] if untouched else []
    view_in = lead + [shape[d] for d in touched]
    view_out = lead + [out_shape[d] for d in touched]
    inputs = [permute(rw.in_form(op.operands[j]), shape, order, view_in, rw.max_rank) for j in range(n)]
    new = op.operation.clone()
    for j in range(n):
        new.operands[j] = inputs[j]
        new.results[j].set_type(ranked(view_out, tensor_type(op.results[j]).element_type))
    groups = ([untouched] if untouched else []) + [[d] for d in touched]
    _window_attributes(op, new, groups, set(touched))
    # Back: logical dims of the view are `order`; output dim d is logical
    # dim order.index(d).
    sizes = [out_shape[d] for d in order]
    back = [order.index(d) for d in range(len(out_shape))]
    return [
        permute(new.results[k], sizes, back, _collapsed(out_shape, rw.value_cuts(op.results[k])), rw.max_rank)
        for k in range(n)
    ]


def _one_dim_at_a_time(x, shape, dims, apply):
    """`x` (a view of a tensor of dims `shape`) with `apply(view, axis, d)`
    run on the view [before, d, after] (rank <= 3, unit parts dropped) for
    each d in `dims`; `apply` returns the new view, whose dim `axis` is d's
    new size."""
    current = list(shape)
    for d in dims:
        before, after = math.prod(current[:d]), math.prod(current[d + 1 :])
        view = ([before] if before != 1 else []) + [current[d]] + ([after] if after != 1 else [])
        axis = 1 if before != 1 else 0
        x = apply(reshape(x, view), axis, d)
        current[d] = shape_of(x)[axis]
    return x


def _on_axis(rank, axis, value, fill):
    out = [fill] * rank
    out[axis] = value
    return out


def fallback_slice(rw: _Rewriter, op) -> list:
    x = op.operands[0]
    shape = shape_of(x)
    start, limit, strides = _i64s(op, "start_indices"), _i64s(op, "limit_indices"), _i64s(op, "strides")
    dims = [d for d in range(len(shape)) if (start[d], limit[d], strides[d]) != (0, shape[d], 1)]

    def apply(view, axis, d):
        vshape = shape_of(view)
        limits = list(vshape)
        limits[axis] = limit[d]
        return stablehlo.SliceOp(
            view, _on_axis(len(vshape), axis, start[d], 0), limits, _on_axis(len(vshape), axis, strides[d], 1)
        ).result

    y = _one_dim_at_a_time(rw.in_form(x), shape, dims, apply)
    r = op.results[0]
    return [reshape(y, _collapsed(shape_of(r), rw.value_cuts(r)))]


def fallback_pad(rw: _Rewriter, op) -> list:
    x, value = op.operands[0], op.operands[1]
    shape = shape_of(x)
    low, high, interior = (_i64s(op, n) for n in ("edge_padding_low", "edge_padding_high", "interior_padding"))
    dims = [d for d in range(len(shape)) if (low[d], high[d], interior[d]) != (0, 0, 0)]

    def apply(view, axis, d):
        rank = len(shape_of(view))
        return stablehlo.PadOp(
            view, value, _on_axis(rank, axis, low[d], 0), _on_axis(rank, axis, high[d], 0), _on_axis(rank, axis, interior[d], 0)
        ).result

    y = _one_dim_at_a_time(rw.in_form(x), shape, dims, apply)
    r = op.results[0]
    return [reshape(y, _collapsed(shape_of(r), rw.value_cuts(r)))]


WINDOW_FALLBACKS = {
    "stablehlo.reduce_window": fallback_reduce_window,
    "stablehlo.slice": fallback_slice,
    "stablehlo.pad": fallback_pad,
}

__all__ = [
    "WINDOW_FALLBACKS",
    "check_reduce_window",
    "fix_reduce_window",
    "reduce_window_rule",
]
