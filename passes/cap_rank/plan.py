"""The plan of hlo-coreml-cap-rank: which adjacent dims of each high-rank value
may collapse, from one rule per op kind (ties and cuts in a union-find)."""

from __future__ import annotations

from hlo_coreml._mlir import ir, stablehlo

from ..ir_build import shape_of
from .common import ELEMENTWISE, _i64s
from .windows import reduce_window_rule


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


class _Plan:
    """Boundaries between adjacent dims (node (slot, b) = between dims b-1
    and b) are tied across ops where the dims must collapse together or not
    at all; each op forces a cut at every boundary of its slots that it does
    not declare free. A slot is a high-rank value, or an op's private view
    of a low-rank operand or result (reshaped at that op)."""

    def __init__(self, ops, high, fallback):
        self.ops = ops
        self.high = high
        self.uf = _UnionFind()
        self.slots: dict = {}  # slot -> shape
        self.forced: list[tuple[object, int]] = []  # (node, op index)
        self.views: list[dict] = []  # per op: {("u", j) or ("r", k): slot}
        for i, op in enumerate(ops):
            views: dict = {}
            self.views.append(views)
            if i in fallback:
                continue
            rule = _RULES.get(op.operation.name)
            if rule is None:
                rule = _elementwise_rule if op.operation.name in ELEMENTWISE else None
            if rule is None:
                continue  # reshape: any view on either side
            free = rule(op, _SlotMaker(self, i, op, views))
            touched = set()
            for group in free:
                first = group[0]
                touched.update(group)
                for node in group[1:]:
                    self.uf.union(first, node)
            for slot in set(views.values()):
                for b in range(1, len(self.slots[slot])):
                    if (slot, b) not in touched:
                        self.forced.append(((slot, b), i))
        self.cut_roots: dict = {}
        for node, i in self.forced:
            self.cut_roots.setdefault(self.uf.find(node), set()).add(i)

    def cuts(self, slot) -> list[int]:
        shape = self.slots.get(slot)
        if shape is None:  # a high-rank value no rule touched: one dim
            return []
        return [b for b in range(1, len(shape)) if self.uf.find((slot, b)) in self.cut_roots]

    def rank(self, slot) -> int:
        shape = self.slots.get(slot)
        if shape is None:
            shape = shape_of(slot)
        return 0 if len(shape) == 0 else len(self.cuts(slot)) + 1

    def forcing(self, slot) -> set[int]:
        out: set[int] = set()
        for b in self.cuts(slot):
            out |= self.cut_roots[self.uf.find((slot, b))]
        return out


class _SlotMaker:
    """Hands a rule the slots of one op's operands and results."""

    def __init__(self, plan: _Plan, index: int, op, views: dict):
        self.plan, self.index, self.op, self.views = plan, index, op, views

    def operand(self, j):
        v = self.op.operands[j]
        slot = v if v in self.plan.high else ("u", self.index, j)
        self.plan.slots[slot] = shape_of(v)
        self.views[("u", j)] = slot
        return slot

    def result(self, k):
        r = self.op.results[k]
        slot = r if r in self.plan.high else ("r", self.index, k)
        self.plan.slots[slot] = shape_of(r)
        self.views[("r", k)] = slot
        return slot


# Rules: rule(op, slots) -> list of groups of nodes that may collapse
# together (tied); every other boundary of the slots it asked for is cut.


def _elementwise_rule(op, s):
    out_shape = shape_of(op.results[0])
    slots = [s.result(k) for k in range(len(op.results))]
    for j, v in enumerate(op.operands):
        if shape_of(v) == out_shape:
            slots.append(s.operand(j))
    return [[(slot, b) for slot in slots] for b in range(1, len(out_shape))]


def _bitcast_convert_rule(op, s):
    """A bitcast between types of one width is elementwise; one between
    widths adds or drops a last dim (every dim kept apart)."""
    if shape_of(op.operands[0]) == shape_of(op.results[0]):
        return _elementwise_rule(op, s)
    s.operand(0)
    s.result(0)
    return []


def _transpose_rule(op, s):
    perm = _i64s(op, "permutation")
    x, y = s.operand(0), s.result(0)
    return [[(y, i), (x, perm[i])] for i in range(1, len(perm)) if perm[i] == perm[i - 1] + 1]


def _broadcast_kinds(op):
    """Per output dim: ('in', operand dim) or ('new', None) (units squeezed)."""
    dims = _i64s(op, "broadcast_dimensions")
    out_shape = shape_of(op.results[0])
    kinds = [("new", None)] * len(out_shape)
    for i, d in enumerate(dims):
        kinds[d] = ("in", i)
    return kinds


def _broadcast_rule(op, s):
    kinds = _broadcast_kinds(op)
    y = s.result(0)
    free = []
    for b in range(1, len(kinds)):
        (ka, ia), (kb, ib) = kinds[b - 1], kinds[b]
        if ka == kb == "new" or (ka == kb == "in" and ib == ia + 1):
            free.append([(y, b)])
    return free


def _reduce_rule(op, s):
    n = len(op.results)
    shape = shape_of(op.operands[0])
    dims = set(_i64s(op, "dimensions"))
    ins = [s.operand(j) for j in range(n)]
    outs = [s.result(k) for k in range(n)]
    kept = [d for d in range(len(shape)) if d not in dims]
    position = {d: i for i, d in enumerate(kept)}
    free = []
    for b in range(1, len(shape)):
        a_red, b_red = (b - 1) in dims, b in dims
        if a_red and b_red:
            free.append([(x, b) for x in ins])
        elif not a_red and not b_red:
            free.append([(x, b) for x in ins] + [(r, position[b]) for r in outs])
    return free


def _slice_rule(op, s):
    shape = shape_of(op.operands[0])
    start, limit, strides = _i64s(op, "start_indices"), _i64s(op, "limit_indices"), _i64s(op, "strides")
    x, y = s.operand(0), s.result(0)
    free = []
    for b in range(1, len(shape)):
        full = start[b] == 0 and limit[b] == shape[b] and strides[b] == 1
        if full and strides[b - 1] == 1:
            free.append([(x, b), (y, b)])
    return free


def _pad_rule(op, s):
    shape = shape_of(op.operands[0])
    low, high, interior = (_i64s(op, n) for n in ("edge_padding_low", "edge_padding_high", "interior_padding"))
    x, y = s.operand(0), s.result(0)
    free = []
    for b in range(1, len(shape)):
        if low[b] == high[b] == interior[b] == 0 and interior[b - 1] == 0:
            free.append([(x, b), (y, b)])
    return free


def _concatenate_rule(op, s):
    dim = ir.IntegerAttr(op.attributes["dimension"]).value
    slots = [s.result(0)] + [s.operand(j) for j in range(len(op.operands))]
    rank = len(shape_of(op.results[0]))
    return [[(slot, b) for slot in slots] for b in range(1, rank) if b != dim]


def _iota_rule(op, s):
    dim = ir.IntegerAttr(op.attributes["iota_dimension"]).value
    y = s.result(0)
    rank = len(shape_of(op.results[0]))
    return [[(y, b)] for b in range(1, rank) if b not in (dim, dim + 1)]


def _constant_rule(op, s):
    y = s.result(0)
    return [[(y, b)] for b in range(1, len(shape_of(op.results[0])))]


def _dot_dims(op):
    d = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    lb, rb = list(d.lhs_batching_dimensions), list(d.rhs_batching_dimensions)
    lc, rc = list(d.lhs_contracting_dimensions), list(d.rhs_contracting_dimensions)
    lrank, rrank = len(shape_of(op.operands[0])), len(shape_of(op.operands[1]))
    lf = [i for i in range(lrank) if i not in lb and i not in lc]
    rf = [i for i in range(rrank) if i not in rb and i not in rc]
    return lb, rb, lc, rc, lf, rf


def _dot_general_rule(op, s):
    lb, rb, lc, rc, lf, rf = _dot_dims(op)
    lhs, rhs, out = s.operand(0), s.operand(1), s.result(0)
    nb = len(lb)
    free = []
    for k in range(1, nb):
        if lb[k] == lb[k - 1] + 1 and rb[k] == rb[k - 1] + 1:
            free.append([(lhs, lb[k]), (rhs, rb[k]), (out, k)])
    for k in range(1, len(lc)):
        if lc[k] == lc[k - 1] + 1 and rc[k] == rc[k - 1] + 1:
            free.append([(lhs, lc[k]), (rhs, rc[k])])
    for k in range(1, len(lf)):
        if lf[k] == lf[k - 1] + 1:
            free.append([(lhs, lf[k]), (out, nb + k)])
    for k in range(1, len(rf)):
        if rf[k] == rf[k - 1] + 1:
            free.append([(rhs, rf[k]), (out, nb + len(lf) + k)])
    return free


def _sort_rule(op, s):
    """Every dim but the sorted one collapses (the same way on all operands
    and results)."""
    dim = ir.IntegerAttr(op.attributes["dimension"]).value
    rank = len(shape_of(op.results[0]))
    dim = dim + rank if dim < 0 else dim
    slots = [s.result(k) for k in range(len(op.results))] + [s.operand(j) for j in range(len(op.operands))]
    return [[(slot, b) for slot in slots] for b in range(1, rank) if b not in (dim, dim + 1)]


def _indexing_layout(op):
    """(K, number of batch dims) of a canonical gather / scatter (see
    hlo-coreml-legalize-gather-scatter): operand [D_0..D_{K-1}, R...],
    indices [B..., K], result / updates [B..., R...]."""
    ishape = shape_of(op.operands[1])
    return ishape[-1], len(ishape) - 1


def _gather_rule(op, s):
    """Batch dims collapse with batch dims, window dims with window dims."""
    k, nb = _indexing_layout(op)
    x, idx, y = s.operand(0), s.operand(1), s.result(0)
    rank = len(shape_of(op.operands[0]))
    free = [[(idx, b), (y, b)] for b in range(1, nb)]
    free += [[(x, b), (y, nb + b - k)] for b in range(k + 1, rank)]
    return free


def _scatter_rule(op, s):
    k, nb = _indexing_layout(op)
    x, idx, u, y = s.operand(0), s.operand(1), s.operand(2), s.result(0)
    rank = len(shape_of(op.operands[0]))
    free = [[(idx, b), (u, b)] for b in range(1, nb)]
    free += [[(x, b), (y, b), (u, nb + b - k)] for b in range(k + 1, rank)]
    return free


def _dynamic_slice_rule(op, s):
    """dynamic_slice / dynamic_update_slice: a dim may join the block before
    it when it is taken whole (its start is then clamped to 0), so only a
    block's leading dim is cut into."""
    shape = shape_of(op.operands[0])
    if op.operation.name == "stablehlo.dynamic_slice":
        sizes = _i64s(op, "slice_sizes")
        slots = [s.operand(0), s.result(0)]
    else:
        sizes = shape_of(op.operands[1])
        slots = [s.operand(0), s.operand(1), s.result(0)]
    return [[(slot, b) for slot in slots] for b in range(1, len(shape)) if sizes[b] == shape[b]]


_RULES = {
    "stablehlo.dynamic_slice": _dynamic_slice_rule,
    "stablehlo.dynamic_update_slice": _dynamic_slice_rule,
    "stablehlo.sort": _sort_rule,
    "stablehlo.gather": _gather_rule,
    "stablehlo.scatter": _scatter_rule,
    "stablehlo.transpose": _transpose_rule,
    "stablehlo.broadcast_in_dim": _broadcast_rule,
    "stablehlo.reduce": _reduce_rule,
    "stablehlo.slice": _slice_rule,
    "stablehlo.pad": _pad_rule,
    "stablehlo.concatenate": _concatenate_rule,
    "stablehlo.iota": _iota_rule,
    "stablehlo.constant": _constant_rule,
    "stablehlo.dot_general": _dot_general_rule,
    "stablehlo.reduce_window": reduce_window_rule,
    "stablehlo.bitcast_convert": _bitcast_convert_rule,
}
