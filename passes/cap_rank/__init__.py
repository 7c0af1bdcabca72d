"""hlo-coreml-cap-rank: every tensor has rank <= 5 afterwards."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, rewrite, stablehlo

from hlo_coreml.emit.ops_indexing import gather_is_canonical, scatter_is_canonical

from ..ir_build import reshape, shape_of, tensor_type
from ..registry import ModulePass, register_pass, walk_functions
from .conv import split_convolution
from .composites import composite_targets, erase_unused_decompositions, flatten_composite
from .common import _FALLBACK, _TERMINATORS, ELEMENTWISE, RankProblem, _describe, _high, _rank
from .plan import _RULES, _Plan
from .rewriter import _Rewriter
from .loops import cap_loop_carries
from .signature import cap_signature
from .units import _inline_composite, _normalize_units
from .indexing import can_linearize
from .windows import check_reduce_window


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
      `dynamic_slice` / `dynamic_update_slice` likewise (a dim taken whole
      joins the block before it; the block's start is its leading dim's,
      clamped, times the block's inner size);
      `concatenate`: the joined dim leads its block; `iota`: its dim stands
      alone; `dot_general`: runs of batch, contracting and free dims;
    - `reduce_window`: a dim the window touches (window or stride > 1,
      padding, dilation) stands alone, untouched dims collapse
      (cap_rank/windows.py);
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
      decomposition of those types (cap_rank/composites.py), so they keep
      their MIL op; other composites are replaced by their decomposition.

    A `convolution` of rank > 5 (4+ spatial dims) is first rewritten
    (cap_rank/conv.py) into rank-5 convolutions: the spatial dim with the
    smallest kernel joins the batch dim ([N, X_d, C, ..] -> [N * Y_d, C, ..],
    after padding / dilating X_d explicitly), one convolution per kernel tap
    of that dim on a strided slice, summed; the transposes, pads, slices and
    reshapes around them are capped like any other op (rank 7 is peeled
    twice).

    When a transpose, broadcast, iota or reduction would still need more
    than five dims (e.g. a 3-D pixel shuffle, whose eight dims all move), it
    is rewritten into rank-4 transposes of collapsed views (moving one block
    at a time) around a broadcast into or a reduction over a 2-D view (an
    iota becomes a 1-D iota broadcast that way). Likewise a `slice` / `pad`
    becomes one slice / pad per dim it changes on [before, dim, after]
    views; a `reduce_window` runs on [untouched dims merged, touched
    dims...] (at most four touched dims); a canonical `gather` / in-bounds
    `scatter` indexes the operand viewed as [indexed dims merged, window
    dims merged] with one row-major linear index (cap_rank/indexing.py). A `reverse` becomes
    reverses of rank-3 views [before, run, after], one per run of adjacent
    reversed dims, before planning.

    ```mlir
    %0 = stablehlo.reshape %x : (tensor<1x12x4x4xf32>) -> tensor<1x3x2x2x4x4xf32>
    %1 = stablehlo.transpose %0, dims = [0, 1, 4, 2, 5, 3] : (tensor<1x3x2x2x4x4xf32>) -> tensor<1x3x4x2x4x2xf32>
    %2 = stablehlo.reshape %1 : (tensor<1x3x4x2x4x2xf32>) -> tensor<1x3x8x8xf32>
    ==>
    %0 = stablehlo.reshape %x : (tensor<1x12x4x4xf32>) -> tensor<3x2x2x4x4xf32>
    %1 = stablehlo.transpose %0, dims = [0, 3, 1, 4, 2] : (tensor<3x2x2x4x4xf32>) -> tensor<3x4x2x4x2xf32>
    %2 = stablehlo.reshape %1 : (tensor<3x4x2x4x2xf32>) -> tensor<1x3x8x8xf32>
    ```

    An argument or result of @main of rank > 5 becomes one of rank 5 (its
    leading dims merged; they must be static), reshaped to its true shape
    inside, and gets `hlo_coreml.original_shape` in its arg / res attributes
    (the model interface records it; `hlo_coreml.run` and `hlo-coreml run`
    take and return arrays of that shape).

    A `while` loop that carries a value of rank > 5 carries it at rank 5
    likewise (leading dims merged; reshaped at the start of the condition
    and the body, at the body's return and after the loop).

    Afterwards every value in every function has rank <= `max-rank`, except
    in the bodies of composite decompositions (never emitted); a
    decomposition no composite refers to any more is erased. Where
    no rewrite exists (a rank-6 value captured by a loop body from outside,
    a `reduce_window` touching five or more dims, a convolution with a
    dynamic shape, a scatter indexing six dims whose indices may be out of
    bounds, a gather / scatter not in canonical layout, a value of rank > 5
    with a dynamic dim, an op with no rule) the pass reports the op, its
    location, the rank and the shape.
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
            if not cap_signature(function, self.max_rank):
                failed = True
                continue
            changed |= cap_loop_carries(function, self.max_rank)
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


# -- the pass over one block ---------------------------------------------------------


def cap_block(block, max_rank: int) -> bool:
    if any(_rank(a) > max_rank for a in block.arguments):
        return False  # a loop carrying rank 6: reported at the loop, by the enclosing block
    ops = [op for op in block.operations if _high(op, max_rank)]
    if not ops:
        return False
    convolutions = [op for op in ops if op.operation.name == "stablehlo.convolution"]
    if any([split_convolution(op, max_rank) for op in convolutions]):
        ops = [op for op in block.operations if _high(op, max_rank)]
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
                    if ops[i].operation.name in _FALLBACK and i not in fallback and can_linearize(ops[i]):
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
    for v in list(op.operands) + list(op.results):
        if _rank(v) > max_rank and not ir.RankedTensorType(v.type).has_static_shape:
            raise RankProblem(
                op,
                f"'{name}' on a value of {_describe(v)} is not supported: hlo-coreml-cap-rank collapses the dims "
                f"of rank > {max_rank} values only when their shapes are static (specialize the dynamic dims)",
            )
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
    if name == "stablehlo.reduce_window":
        check_reduce_window(op, max_rank)
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


def _reshape_of_iota(op, rewriter):
    """reshape(iota along a) is an iota along b of the new shape when the
    dims before a and before b hold the same number of elements and a and b
    have the same size (each index then keeps its coordinate along a)."""
    owner = op.operands[0].owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.iota":
        return True
    a = ir.IntegerAttr(owner.attributes["iota_dimension"]).value
    old, new = shape_of(op.operands[0]), shape_of(op.results[0])
    before = math.prod(old[:a])
    for b in range(len(new)):
        if math.prod(new[:b]) == before and new[b] == old[a]:
            with rewriter.ip, op.location:
                value = stablehlo.IotaOp(tensor_type(op.results[0]), b).result
            rewriter.replace_op(op, [value])
            return False
    return True


def _cleanup_patterns():
    """Built per use: a frozen pattern set belongs to its MLIR context."""
    patterns = rewrite.RewritePatternSet()
    patterns.add("stablehlo.reshape", _reshape_of_reshape)
    patterns.add("stablehlo.reshape", _reshape_of_iota)
    return patterns.freeze()
