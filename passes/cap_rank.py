"""hlo-coreml-cap-rank: every tensor has rank <= 5 afterwards."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import inlined_func_call, ir, rewrite, stablehlo

from hlo_coreml.emit.ops_indexing import gather_is_canonical, scatter_is_canonical

from .cap_rank_composites import composite_targets, erase_unused_decompositions, flatten_composite
from .fold_dynamic_slices import attr_array, ranked, reshape, shape_of, tensor_type
from .registry import ModulePass, register_pass, walk_functions

# Ops that apply elementwise to operands of the result's shape (scalar
# operands, e.g. a select predicate or clamp bounds, broadcast).
ELEMENTWISE = frozenset(
    "stablehlo." + n
    for n in (
        "abs add and atan2 cbrt ceil clamp compare convert cosine count_leading_zeros "
        "divide exponential exponential_minus_one floor imag is_finite log log_plus_one "
        "logistic maximum minimum multiply negate not or popcnt power real reduce_precision "
        "remainder round_nearest_afz round_nearest_even rsqrt select shift_left "
        "shift_right_arithmetic shift_right_logical sign sine sqrt subtract tan tanh xor"
    ).split()
)
# Ops with a rank-free fallback rewrite (used when the direct collapsed form
# would still need more than max-rank dims).
_FALLBACK = frozenset({"stablehlo.transpose", "stablehlo.broadcast_in_dim", "stablehlo.reduce"})
_TERMINATORS = frozenset({"func.return", "stablehlo.return"})


class RankProblem(Exception):
    """A value of rank > max-rank that this pass cannot rewrite."""

    def __init__(self, op, message: str):
        super().__init__(message)
        self.op = op
        self.message = message


@register_pass
@dataclass(frozen=True)
class CapRankPass(ModulePass):
    """Rewrites every region of ops that handles tensors of rank > `max-rank`
    (default 5, Core ML's limit) into an equivalent region of lower rank.

    Each value of rank > 5 is viewed with some adjacent dims collapsed into
    one; reshapes convert between views where the ops around a value need
    different ones. The pass chooses, for every such value, the fewest dims
    that each op using or producing it still needs apart:

    - elementwise ops (and broadcasting scalars) take any view, the same on
      all operands and results, so dims that travel together through chains
      of them collapse (reshapes are pushed through elementwise ops);
    - `reshape` takes any view on either side;
    - `transpose`: blocks of adjacent dims that move as a unit stay
      collapsed; `broadcast_in_dim`: runs of broadcast dims and runs of
      operand dims; `reduce`: runs of reduced and of kept dims;
    - `slice` / `pad`: a sliced or padded dim may only lead its block;
      `concatenate`: the joined dim leads its block; `iota`: its dim stands
      alone; `dot_general`: runs of batch, contracting and free dims;
    - `sort`: every dim but the sorted one collapses (all operands alike);
      `gather` / `scatter` in the canonical layout of
      hlo-coreml-legalize-gather-scatter (operand [D_0..D_{K-1}, R...],
      indices [B..., K], result / updates [B..., R...]): batch dims B
      collapse together, window dims R together; the indexed dims D and
      the index vector stay apart;
    - constants are reshaped at compile time; unit dims are squeezed out of
      transposes, broadcasts and reductions first; an elementwise
      composite (`chlo.erf`, `chlo.asin`, ...) is rebuilt on the value
      flattened to 1-D and `chlo.top_k` on [rows, last dim], each with a
      decomposition of those types (passes/cap_rank_composites.py), so
      they keep their MIL op; other composites are replaced by their
      decomposition.

    When a transpose, broadcast or reduction would still need more than five
    dims (e.g. a 3-D pixel shuffle, whose eight dims all move), it is
    rewritten into rank-4 transposes of collapsed views (moving one block at
    a time) around a broadcast into or a reduction over a 2-D view.

    ```mlir
    %0 = stablehlo.reshape %x : (tensor<1x12x4x4xf32>) -> tensor<1x3x2x2x4x4xf32>
    %1 = stablehlo.transpose %0, dims = [0, 1, 4, 2, 5, 3] : (tensor<1x3x2x2x4x4xf32>) -> tensor<1x3x4x2x4x2xf32>
    %2 = stablehlo.reshape %1 : (tensor<1x3x4x2x4x2xf32>) -> tensor<1x3x8x8xf32>
    ==>
    %0 = stablehlo.reshape %x : (tensor<1x12x4x4xf32>) -> tensor<3x2x2x4x4xf32>
    %1 = stablehlo.transpose %0, dims = [0, 3, 1, 4, 2] : (tensor<3x2x2x4x4xf32>) -> tensor<3x4x2x4x2xf32>
    %2 = stablehlo.reshape %1 : (tensor<3x4x2x4x2xf32>) -> tensor<1x3x8x8xf32>
    ```

    Afterwards every value in every function has rank <= `max-rank`, except
    in the bodies of composite decompositions (never emitted); a
    decomposition no composite refers to any more is erased. Where
    no rewrite exists (an argument or result of @main, a loop-carried value,
    an op such as `convolution` or `while` on a rank-6 value, a gather /
    scatter indexing more than five dims, or one not in canonical layout)
    the pass reports the op, its location, the rank and the shape.
    """

    name: ClassVar[str] = "hlo-coreml-cap-rank"
    summary: ClassVar[str] = "Rewrite rank-6+ regions into equivalent rank <= 5 ones (collapse dims that travel together)"
    max_rank: int = 5

    def run(self, module, pass_) -> None:
        failed = False
        changed = False
        # Composite decompositions are never emitted (the emitter maps the
        # composite itself): their bodies keep whatever rank they have.
        decompositions = composite_targets(module)
        for function in walk_functions(module):
            if not len(function.regions[0].blocks):
                continue
            if ir.StringAttr(function.attributes["sym_name"]).value in decompositions:
                continue
            if not _check_signature(function, self.max_rank):
                failed = True
                continue
            for block in _blocks_inner_first(function):
                try:
                    changed |= cap_block(block, self.max_rank)
                except RankProblem as p:
                    p.op.location.emit_error(p.message)
                    failed = True
        erase_unused_decompositions(module, decompositions)
        if changed:
            rewrite.apply_patterns_and_fold_greedily(module, _cleanup_patterns())
        if failed:
            pass_.signal_pass_failure()


def _check_signature(function, max_rank: int) -> bool:
    name = ir.StringAttr(function.attributes["sym_name"]).value
    ftype = ir.FunctionType(ir.TypeAttr(function.attributes["function_type"]).value)
    ok = True
    for kind, types in (("argument", ftype.inputs), ("result", ftype.results)):
        for i, t in enumerate(types):
            if isinstance(t, ir.RankedTensorType) and t.rank > max_rank:
                function.location.emit_error(
                    f"{kind} #{i} of @{name} has rank {t.rank} ({t}); Core ML model inputs and "
                    f"outputs have rank <= {max_rank}, and hlo-coreml-cap-rank cannot change the "
                    "model's interface (reshape it in the model)"
                )
                ok = False
    return ok


def _blocks_inner_first(function) -> list:
    blocks = []

    def visit_block(block):
        for op in block.operations:
            for region in op.operation.regions:
                for inner in region.blocks:
                    visit_block(inner)
        blocks.append(block)

    for block in function.regions[0].blocks:
        visit_block(block)
    return blocks


def _rank(value) -> int:
    t = value.type
    return t.rank if isinstance(t, ir.RankedTensorType) else 0


def _high(op, max_rank: int) -> bool:
    return any(_rank(v) > max_rank for v in list(op.operands) + list(op.results))


def _describe(value) -> str:
    return f"rank {_rank(value)} ({value.type})"


# -- the pass over one block ---------------------------------------------------------


def cap_block(block, max_rank: int) -> bool:
    if any(_rank(a) > max_rank for a in block.arguments):
        return False  # a loop carrying rank 6: reported at the loop, by the enclosing block
    ops = [op for op in block.operations if _high(op, max_rank)]
    if not ops:
        return False
    for op in ops:
        if op.operation.name == "stablehlo.composite":
            # chlo.asin / chlo.top_k on rank 6: the same composite on a flat
            # view; others are replaced by their decomposition (plain ops).
            if not flatten_composite(op):
                _inline_composite(op)
        else:
            _normalize_units(op, max_rank)
    ops = [op for op in block.operations if _high(op, max_rank)]
    if not ops:
        return True
    for op in ops:
        _check_supported(op, block, max_rank)
    high = {}
    for op in ops:
        for r in op.results:
            if _rank(r) > max_rank:
                high[r] = True
    fallback: set[int] = set()
    while True:
        plan = _Plan(ops, high, fallback)
        failing = [v for v in high if plan.rank(v) > max_rank]
        if not failing:
            break
        # For each value still too high, switch the op that forces most of
        # its cuts to its fallback, then look again (one op per value, so
        # ops that are fine keep their direct form).
        chosen: set[int] = set()
        for v in failing:
            score: dict[int, int] = {}
            for b in plan.cuts(v):
                for i in plan.cut_roots[plan.uf.find((v, b))]:
                    if ops[i].operation.name in _FALLBACK and i not in fallback:
                        score[i] = score.get(i, 0) + 1
            if score:
                chosen.add(max(score, key=lambda i: (score[i], -i)))
        if not chosen:
            v = failing[0]
            forcing = sorted(plan.forcing(v))
            op = ops[forcing[0]] if forcing else v.owner
            raise RankProblem(
                op,
                f"'{op.operation.name}' needs {plan.rank(v)} separate dims of a value of "
                f"{_describe(v)}; hlo-coreml-cap-rank found no rewrite that keeps it within rank {max_rank}",
            )
        fallback |= chosen
    _Rewriter(ops, high, plan, fallback, max_rank).run()
    return True


def _check_supported(op, block, max_rank: int) -> None:
    name = op.operation.name
    if name in _TERMINATORS:
        bad = next(v for v in op.operands if _rank(v) > max_rank)
        where = "returned by the function" if name == "func.return" else (
            f"yielded by the region of '{op.operation.parent.name}'"
        )
        raise RankProblem(op, f"a value of {_describe(bad)} is {where}; Core ML supports rank <= {max_rank} here")
    if name in _INDEXING and not _INDEXING[name](op):
        raise RankProblem(
            op,
            f"'{name}' on a value of {_describe(next(v for v in list(op.results) + list(op.operands) if _rank(v) > max_rank))} "
            "is not in the canonical layout hlo-coreml-legalize-gather-scatter produces (single operand, "
            "indexed dims leading, index vector last); run that pass first",
        )
    if name in ELEMENTWISE or name in _RULES or name == "stablehlo.reshape":
        for r in op.results:
            if _rank(r) > max_rank and any(_outside(use.owner, block) for use in r.uses):
                raise RankProblem(
                    op,
                    f"'{name}' result of {_describe(r)} is used inside a nested region "
                    f"(loop or branch); hlo-coreml-cap-rank cannot rewrite it there",
                )
        for v in op.operands:
            if _rank(v) > max_rank and isinstance(v.owner, ir.Block):
                raise RankProblem(op, f"'{name}' uses a block argument of {_describe(v)} (a loop-carried or region value)")
            if _rank(v) > max_rank and v.owner.operation.block != block:
                raise RankProblem(op, f"'{name}' uses a value of {_describe(v)} defined outside its region")
        return
    v = next(v for v in list(op.results) + list(op.operands) if _rank(v) > max_rank)
    raise RankProblem(
        op,
        f"'{name}' has a value of {_describe(v)}; Core ML supports rank <= {max_rank} and "
        f"hlo-coreml-cap-rank has no lower-rank rewrite for '{name}'",
    )


def _canonical_scatter(op) -> bool:
    return len(op.results) == 1 and scatter_is_canonical(op)


# Indexing ops cap-rank collapses only in the canonical layout.
_INDEXING = {"stablehlo.gather": gather_is_canonical, "stablehlo.scatter": _canonical_scatter}


def _outside(user, block) -> bool:
    return user.operation.block != block


# -- unit dims ---------------------------------------------------------------------------


def _nonunit(shape) -> list[int]:
    return [d for d, s in enumerate(shape) if s != 1]


def _normalize_units(op, max_rank: int) -> None:
    """Squeeze unit dims out of high-rank transposes, broadcasts and
    reductions (reshapes around them), so their rules need not reason about
    dims that can go anywhere."""
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


def _replace(op, values) -> None:
    for old, new in zip(op.results, values):
        old.replace_all_uses_with(new)
    op.operation.erase()


# -- the plan: which adjacent dims of each value may collapse -------------------------------


def _i64s(op, name) -> list[int]:
    attr = op.attributes[name]
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return list(attr)
    return [int(x) for x in np.asarray(attr).reshape(-1)]


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


_RULES = {
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
}


# -- rewriting ----------------------------------------------------------------------------------


def _groups(shape, cuts) -> list[list[int]]:
    """Dims of `shape` grouped at `cuts` (boundaries)."""
    if not shape:
        return []
    groups, current = [], [0]
    for d in range(1, len(shape)):
        if d in cuts:
            groups.append(current)
            current = []
        current.append(d)
    groups.append(current)
    return groups


def _collapsed(shape, cuts) -> list[int]:
    return [math.prod(shape[d] for d in g) for g in _groups(shape, cuts)]


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
        return self.finish(op, self.clone(i, op))

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
}


# -- fallbacks: rank-free rewrites through rank-4 transposes ---------------------------------


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
    # x -> [N (all new dims), IN (all operand dims)] -> permute into place.
    x = rw.in_form(op.operands[0])
    dims = _i64s(op, "broadcast_dimensions")
    out_shape = shape_of(op.results[0])
    in_shape = shape_of(op.operands[0])
    element = tensor_type(op.results[0]).element_type
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
    target = _collapsed(out_shape, rw.value_cuts(op.results[0]))
    return [permute(two_d, sizes, order, target, rw.max_rank)]


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
}


# -- clean-up -------------------------------------------------------------------------------------


def _reshape_of_reshape(op, rewriter):
    x = op.operands[0]
    owner = x.owner
    if tensor_type(x) == tensor_type(op.results[0]):
        rewriter.replace_op(op, [x])
        return False
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.reshape":
        return True
    with rewriter.ip, op.location:
        value = reshape(owner.operands[0], shape_of(op.results[0]))
    rewriter.replace_op(op, [value])
    return False


def _cleanup_patterns():
    """Built per use: a frozen pattern set belongs to its MLIR context."""
    patterns = rewrite.RewritePatternSet()
    patterns.add("stablehlo.reshape", _reshape_of_reshape)
    return patterns.freeze()
