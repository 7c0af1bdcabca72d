"""The rewriting of hlo-coreml-cap-rank: every op of a planned region rebuilt
on collapsed views, its attributes renumbered."""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from ..ir_build import attr_array, ranked, reshape, shape_of, tensor_type
from .common import RankProblem, _collapsed, _describe, _groups, _i64s
from .fallback import _FALLBACKS as _RESHAPING_FALLBACKS
from .fallback import permute
from .indexing import INDEXING_FALLBACKS
from .plan import _broadcast_kinds, _dot_dims, _indexing_layout, _Plan
from .windows import WINDOW_FALLBACKS, fix_reduce_window

_FALLBACKS = {**_RESHAPING_FALLBACKS, **WINDOW_FALLBACKS, **INDEXING_FALLBACKS}


class _Rewriter:
    def __init__(self, ops, high, plan: _Plan, fallback, max_rank):
        self.ops, self.high, self.plan, self.fallback, self.max_rank = ops, high, plan, set(fallback), max_rank
        self.new: dict = {}  # high-rank value -> its collapsed replacement

    def run(self) -> None:
        for i, op in enumerate(self.ops):
            with ir.InsertionPoint(op.operation), op.location:
                results = self.rewrite(i, op)
            for k, (old, value) in enumerate(zip(op.results, results)):
                if old in self.high:
                    self.new[old] = value
                else:
                    old.replace_all_uses_with(value)
        for op in reversed(self.ops):
            op.operation.erase()

    # -- forms ---------------------------------------------------------------------------
    def slot_cuts(self, i, key):
        slot = self.plan.views[i].get(key)
        if slot is None:
            return None
        return self.plan.cuts(slot)

    def value_cuts(self, v) -> list[int]:
        return self.plan.cuts(v) if v in self.high else list(range(1, len(shape_of(v))))

    def operand(self, i, op, j):
        """Operand j in the view op i asked for (its collapsed form if high)."""
        v = op.operands[j]
        current = self.new.get(v, v)
        cuts = self.slot_cuts(i, ("u", j))
        if cuts is None:
            return current
        return reshape(current, _collapsed(shape_of(v), cuts))

    def result_type(self, i, op, k) -> ir.RankedTensorType:
        r = op.results[k]
        cuts = self.slot_cuts(i, ("r", k))
        if cuts is None:
            cuts = self.value_cuts(r)
        return ranked(_collapsed(shape_of(r), cuts), tensor_type(r).element_type)

    def finish(self, op, values) -> list:
        """Values computed in the result views -> the forms the results need:
        collapsed for high-rank results, the original shape otherwise."""
        out = []
        for r, v in zip(op.results, values):
            target = _collapsed(shape_of(r), self.value_cuts(r)) if r in self.high else shape_of(r)
            out.append(reshape(v, target))
        return out

    def in_form(self, v):
        """A value in the form of value `v`'s rewrite (collapsed if high)."""
        return self.new.get(v, v)

    # -- per op ------------------------------------------------------------------------------
    def rewrite(self, i, op) -> list:
        name = op.operation.name
        if name == "stablehlo.reshape":
            return self.finish(op, [self.in_form(op.operands[0])])
        if i in self.fallback:
            return self.finish(op, _FALLBACKS[name](self, op))
        if name == "stablehlo.constant":
            return self.finish(op, [self.constant(i, op)])
        if name == "stablehlo.iota":
            t = self.result_type(i, op, 0)
            dim = ir.IntegerAttr(op.attributes["iota_dimension"]).value
            group = next(g for g, members in enumerate(_groups(shape_of(op.results[0]), self.slot_cuts(i, ("r", 0)))) if dim in members)
            return self.finish(op, [stablehlo.IotaOp(t, group).result])
        if name in ("stablehlo.dynamic_slice", "stablehlo.dynamic_update_slice"):
            return self.finish(op, [self.dynamic_slice(i, op)])
        return self.finish(op, self.clone(i, op))

    def dynamic_slice(self, i, op):
        """dynamic_slice / dynamic_update_slice on the collapsed views: one
        start index per block, its leading dim's start clamped as StableHLO
        does and scaled by the block's inner size (the other dims of a block
        are whole, their starts clamp to 0)."""
        shape = shape_of(op.operands[0])
        update = op.operation.name == "stablehlo.dynamic_update_slice"
        sizes = shape_of(op.operands[1]) if update else _i64s(op, "slice_sizes")
        data = 2 if update else 1
        indices = list(op.operands)[data:]
        starts, new_sizes = [], []
        for g in _operand_groups(self, i, op, 0):
            inner = math.prod(shape[d] for d in g[1:])
            index = indices[g[0]]
            if inner != 1:
                t = ir.RankedTensorType(index.type)
                element = t.element_type

                def const(value):
                    return stablehlo.ConstantOp(
                        ir.DenseElementsAttr.get_splat(t, ir.IntegerAttr.get(element, value))
                    ).result

                index = stablehlo.ClampOp(const(0), index, const(shape[g[0]] - sizes[g[0]])).result
                index = stablehlo.MulOp(index, const(inner)).result
            starts.append(index)
            new_sizes.append(sizes[g[0]] * inner)
        x = self.operand(i, op, 0)
        if update:
            return stablehlo.DynamicUpdateSliceOp(x, self.operand(i, op, 1), starts).result
        return stablehlo.DynamicSliceOp(x, starts, new_sizes).result

    def constant(self, i, op):
        t = self.result_type(i, op, 0)
        attr = op.attributes["value"]
        if isinstance(attr, ir.DenseElementsAttr) and attr.is_splat:
            new = ir.DenseElementsAttr.get_splat(t, attr.get_splat_value())
        else:
            array = attr_array(attr, shape_of(op.results[0]))
            if array is None:
                raise RankProblem(op, f"'stablehlo.constant' of {_describe(op.results[0])} is not stored densely; it cannot be reshaped")
            new = ir.DenseElementsAttr.get(np.ascontiguousarray(array.reshape(t.shape)), type=t)
        return stablehlo.ConstantOp(new).result

    def clone(self, i, op) -> list:
        """The op itself on the collapsed views, with its dimension
        attributes renumbered for the groups."""
        name = op.operation.name
        operands = [self.operand(i, op, j) for j in range(len(op.operands))]
        new = op.operation.clone()
        for j, value in enumerate(operands):
            new.operands[j] = value
        for k in range(len(op.results)):
            new.results[k].set_type(self.result_type(i, op, k))
        fix = _ATTRIBUTE_FIXES.get(name)
        if fix is not None:
            fix(self, i, op, new)
        return list(new.results)


def _operand_groups(rw: _Rewriter, i, op, j):
    return _groups(shape_of(op.operands[j]), rw.slot_cuts(i, ("u", j)))


def _result_groups(rw: _Rewriter, i, op, k):
    return _groups(shape_of(op.results[k]), rw.slot_cuts(i, ("r", k)))


def _group_index(groups) -> dict[int, int]:
    return {d: g for g, members in enumerate(groups) for d in members}


def _fix_transpose(rw, i, op, new):
    perm = _i64s(op, "permutation")
    in_index = _group_index(_operand_groups(rw, i, op, 0))
    new_perm = [in_index[perm[g[0]]] for g in _result_groups(rw, i, op, 0)]
    new.attributes["permutation"] = ir.DenseI64ArrayAttr.get(new_perm)


def _fix_reduce(rw, i, op, new):
    dims = set(_i64s(op, "dimensions"))
    groups = _operand_groups(rw, i, op, 0)
    new.attributes["dimensions"] = ir.DenseI64ArrayAttr.get([g for g, members in enumerate(groups) if members[0] in dims])


def _fix_slice(rw, i, op, new):
    shape = shape_of(op.operands[0])
    start, limit, strides = _i64s(op, "start_indices"), _i64s(op, "limit_indices"), _i64s(op, "strides")
    s, l, st = [], [], []
    for g in _operand_groups(rw, i, op, 0):
        inner = math.prod(shape[d] for d in g[1:])
        s.append(start[g[0]] * inner)
        l.append(limit[g[0]] * inner)
        st.append(strides[g[0]])
    new.attributes["start_indices"] = ir.DenseI64ArrayAttr.get(s)
    new.attributes["limit_indices"] = ir.DenseI64ArrayAttr.get(l)
    new.attributes["strides"] = ir.DenseI64ArrayAttr.get(st)


def _fix_pad(rw, i, op, new):
    shape = shape_of(op.operands[0])
    low, high, interior = (_i64s(op, n) for n in ("edge_padding_low", "edge_padding_high", "interior_padding"))
    lo, hi, it = [], [], []
    for g in _operand_groups(rw, i, op, 0):
        inner = math.prod(shape[d] for d in g[1:])
        lo.append(low[g[0]] * inner)
        hi.append(high[g[0]] * inner)
        it.append(interior[g[0]])
    new.attributes["edge_padding_low"] = ir.DenseI64ArrayAttr.get(lo)
    new.attributes["edge_padding_high"] = ir.DenseI64ArrayAttr.get(hi)
    new.attributes["interior_padding"] = ir.DenseI64ArrayAttr.get(it)


def _fix_concatenate(rw, i, op, new):
    dim = ir.IntegerAttr(op.attributes["dimension"]).value
    index = _group_index(_result_groups(rw, i, op, 0))
    new.attributes["dimension"] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), index[dim])


def _fix_dot_general(rw, i, op, new):
    lb, rb, lc, rc, _, _ = _dot_dims(op)
    li = _group_index(_operand_groups(rw, i, op, 0))
    ri = _group_index(_operand_groups(rw, i, op, 1))

    def firsts(ldims, rdims):
        out_l, out_r = [], []
        for a, b in zip(ldims, rdims):
            if not out_l or li[a] != out_l[-1]:
                out_l.append(li[a])
                out_r.append(ri[b])
        return out_l, out_r

    nlb, nrb = firsts(lb, rb)
    nlc, nrc = firsts(lc, rc)
    new.attributes["dot_dimension_numbers"] = stablehlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=nlb,
        rhs_batching_dimensions=nrb,
        lhs_contracting_dimensions=nlc,
        rhs_contracting_dimensions=nrc,
    )


def _fix_broadcast(rw, i, op, new):
    # The operand view was not constrained: build it here (with a transpose
    # if the operand's dim runs appear in another order in the output).
    kinds = _broadcast_kinds(op)
    x = rw.in_form(op.operands[0])
    in_shape = shape_of(op.operands[0])
    groups = _result_groups(rw, i, op, 0)
    runs, positions = [], []
    for g, members in enumerate(groups):
        if kinds[members[0]][0] == "in":
            runs.append([kinds[d][1] for d in members])
            positions.append(g)
    order = [d for run in runs for d in run]
    with ir.InsertionPoint(new), op.location:
        if order != sorted(order):
            x = permute(x, in_shape, order, [math.prod(in_shape[d] for d in run) for run in runs], rw.max_rank)
        else:
            x = reshape(x, [math.prod(in_shape[d] for d in run) for run in runs])
    new.operands[0] = x
    new.attributes["broadcast_dimensions"] = ir.DenseI64ArrayAttr.get(positions)


def _fix_sort(rw, i, op, new):
    dim = ir.IntegerAttr(op.attributes["dimension"]).value
    rank = len(shape_of(op.results[0]))
    index = _group_index(_result_groups(rw, i, op, 0))
    new.attributes["dimension"] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), index[dim % rank])


def _fix_gather(rw, i, op, new):
    k, _ = _indexing_layout(op)
    nb = len(_operand_groups(rw, i, op, 1)) - 1
    sizes = [math.prod(shape_of(op.operands[0])[d] for d in g) for g in _operand_groups(rw, i, op, 0)]
    rest = len(sizes) - k
    new.attributes["dimension_numbers"] = stablehlo.GatherDimensionNumbers.get(
        offset_dims=list(range(nb, nb + rest)),
        collapsed_slice_dims=list(range(k)),
        operand_batching_dims=[],
        start_indices_batching_dims=[],
        start_index_map=list(range(k)),
        index_vector_dim=nb,
    )
    new.attributes["slice_sizes"] = ir.DenseI64ArrayAttr.get([1] * k + sizes[k:])


def _fix_scatter(rw, i, op, new):
    k, _ = _indexing_layout(op)
    nb = len(_operand_groups(rw, i, op, 1)) - 1
    rest = len(_operand_groups(rw, i, op, 0)) - k
    new.attributes["scatter_dimension_numbers"] = stablehlo.ScatterDimensionNumbers.get(
        update_window_dims=list(range(nb, nb + rest)),
        inserted_window_dims=list(range(k)),
        input_batching_dims=[],
        scatter_indices_batching_dims=[],
        scattered_dims_to_operand_dims=list(range(k)),
        index_vector_dim=nb,
    )


_ATTRIBUTE_FIXES = {
    "stablehlo.sort": _fix_sort,
    "stablehlo.gather": _fix_gather,
    "stablehlo.scatter": _fix_scatter,
    "stablehlo.transpose": _fix_transpose,
    "stablehlo.reduce": _fix_reduce,
    "stablehlo.slice": _fix_slice,
    "stablehlo.pad": _fix_pad,
    "stablehlo.concatenate": _fix_concatenate,
    "stablehlo.dot_general": _fix_dot_general,
    "stablehlo.broadcast_in_dim": _fix_broadcast,
    "stablehlo.reduce_window": fix_reduce_window,
}
