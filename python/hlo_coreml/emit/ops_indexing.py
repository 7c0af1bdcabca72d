"""Indexing: gather, scatter, reverse.

hlo-coreml-legalize-gather-scatter brings gather and scatter into one
canonical layout (indexed dims leading, index vector last) with in-bounds
indices; these emitters map that onto MIL `gather`/`gather_nd` and
`scatter_nd` one to one. MIL neither clamps nor skips out-of-bounds indices (and from iOS17 a
negative index is out of bounds), so the checks accept an op only when its
indices are known to be in bounds: the pass marked it, or they are constants.
"""

from __future__ import annotations

import numpy as np

from ..element_types import kind_of, shape_of
from ..ir_utils import constant_value, i64_array
from .registry import emits

# Discardable unit attribute set by hlo-coreml-legalize-gather-scatter on the
# ops whose indices it clamped (gather) or redirected into
# padding (scatter): every index is within bounds.
IN_BOUNDS = "hlo_coreml.in_bounds"

# scatter body op -> MIL scatter mode
SCATTER_MODES = {
    "stablehlo.add": "add",
    "stablehlo.multiply": "mul",
    "stablehlo.maximum": "max",
    "stablehlo.minimum": "min",
}

_PASS_HINT = "run hlo-coreml-legalize-gather-scatter first"


def _shape(value) -> list[int]:
    return list(shape_of(value))


def _const_in_bounds(indices, bounds) -> bool:
    array = constant_value(indices)
    if array is None:
        return False
    return bool(((array >= 0) & (array < np.asarray(bounds))).all())


def _in_bounds(op, indices, bounds) -> bool:
    return IN_BOUNDS in op.attributes or _const_in_bounds(indices, bounds)


# -- gather -------------------------------------------------------------------------


def gather_is_canonical(op) -> bool:
    """operand [D_0..D_{K-1}, R...], indices [B..., K], collapsed_slice_dims =
    start_index_map = [0..K-1], offset dims trailing, slice sizes [1 x K, R...],
    no batching dims."""
    from .._mlir import stablehlo

    d = stablehlo.GatherDimensionNumbers(op.attributes["dimension_numbers"])
    ishape = _shape(op.operands[1])
    oshape = _shape(op.operands[0])
    nb = len(ishape) - 1
    k = ishape[-1] if ishape else 0
    sizes = i64_array(op, "slice_sizes")
    return (
        k >= 1
        and d.index_vector_dim == nb
        and list(d.operand_batching_dims) == []
        and list(d.collapsed_slice_dims) == list(range(k))
        and list(d.start_index_map) == list(range(k))
        and list(d.offset_dims) == list(range(nb, nb + len(oshape) - k))
        and sizes == [1] * k + oshape[k:]
    )


def _gather_check(op):
    if kind_of(op.operands[0]) is None:
        return "on this element type is not supported"
    if not gather_is_canonical(op):
        return (
            "with these dimension numbers is not supported: only windows of size 1 along indexed "
            "dims (x[idx], take, take_along_axis, embedding lookups) and whole other dims are "
            f"({_PASS_HINT})"
        )
    k = _shape(op.operands[1])[-1]
    if not _in_bounds(op, op.operands[1], _shape(op.operands[0])[:k]):
        return f"needs in-bounds indices (MIL does not clamp them; {_PASS_HINT})"
    return None


@emits(
    "stablehlo.gather",
    check=_gather_check,
    doc="`gather` (one index) or `gather_nd`; any dimension numbers with size-1 windows along indexed dims "
    "(batching dims become iota indices); start indices clamped as StableHLO specifies "
    "(hlo-coreml-legalize-gather-scatter)",
)
def _gather(ctx, op):
    mb = ctx.mb
    x, idx = ctx[op.operands[0]], ctx[op.operands[1]]
    ishape = _shape(op.operands[1])
    bool_data = kind_of(op.operands[0]) == "i1"
    if bool_data:
        x = ctx.cast(x, "i32")
    if ishape[-1] == 1 and len(ishape) > 1:
        out = mb.gather(x=x, indices=ctx.reshape(idx, ishape[:-1]), axis=0)
    else:
        out = mb.gather_nd(x=x, indices=idx)
    return ctx.cast(out, "i1") if bool_data else out


# -- scatter ------------------------------------------------------------------------


def scatter_mode(op) -> str | None:
    """'update' for a body returning the update, the MIL mode of a single
    add/multiply/maximum/minimum of the two block arguments, else None."""
    block = op.regions[0].blocks[0]
    args = list(block.arguments)
    ops = list(block.operations)
    if len(args) != 2:
        return None
    if len(ops) == 1 and ops[0].operation.name == "stablehlo.return" and ops[0].operands[0] == args[1]:
        return "update"
    if len(ops) != 2 or ops[1].operation.name != "stablehlo.return":
        return None
    inner = ops[0]
    if ops[1].operands[0] != inner.results[0] or len(inner.operands) != 2 or set(inner.operands) != set(args):
        return None
    return SCATTER_MODES.get(inner.operation.name)


def scatter_is_canonical(op) -> bool:
    """One operand [D_0..D_{K-1}, R...], indices [N..., K], updates [N..., R...],
    inserted_window_dims = scattered_dims_to_operand_dims = [0..K-1], window
    dims trailing, no batching dims."""
    from .._mlir import stablehlo

    if len(op.operands) != 3:
        return False
    d = stablehlo.ScatterDimensionNumbers(op.attributes["scatter_dimension_numbers"])
    ishape = _shape(op.operands[1])
    oshape = _shape(op.operands[0])
    ushape = _shape(op.operands[2])
    nb = len(ishape) - 1
    k = ishape[-1] if ishape else 0
    return (
        k >= 1
        and d.index_vector_dim == nb
        and list(d.input_batching_dims) == []
        and list(d.inserted_window_dims) == list(range(k))
        and list(d.scattered_dims_to_operand_dims) == list(range(k))
        and list(d.update_window_dims) == list(range(nb, nb + len(oshape) - k))
        and ushape == ishape[:-1] + oshape[k:]
    )


def _body_refusal(op) -> str:
    from hlo_coreml.passes.scatter_bodies import general_body_problem, indices_provably_unique, is_subtract_body

    if is_subtract_body(op):
        return f"with a subtract body needs hlo-coreml-legalize-gather-scatter (an add of negated updates; {_PASS_HINT})"
    problem = general_body_problem(op)
    if problem is not None:
        return (
            "is supported with bodies that are elementwise functions of (old value, update) only, and this one "
            f"is not: {problem}"
        )
    if not indices_provably_unique(op):
        return (
            "with this body (not set/add/subtract/multiply/min/max) needs indices known to be unique: with "
            "duplicate indices XLA applies the body once per update, in an unspecified order, and the result "
            "depends on that order (MIL scatter_nd combines with set/add/mul/min/max only; a body ignoring the "
            "update is applied once per update for up to 16 update windows). If the indices are unique, say so: "
            "x.at[i].apply(f, unique_indices=True), lax.scatter_apply(..., unique_indices=True); or use constant "
            "indices"
        )
    return f"with a general elementwise body needs hlo-coreml-legalize-gather-scatter (gather, body, set; {_PASS_HINT})"


def _scatter_check(op):
    if len(op.operands) != 3:
        return (
            "with several operands is not supported: it is split per operand only when each result combines "
            f"its own operand and update ({_PASS_HINT})"
        )
    if kind_of(op.operands[0]) not in ("f16", "f32", "i32"):
        return (
            "is supported on f16, f32 and i32 only (hlo-coreml-legalize-gather-scatter computes i1 scatters "
            "in int32)"
        )
    if scatter_mode(op) is None:
        return _body_refusal(op)
    if not scatter_is_canonical(op):
        return (
            "with these dimension numbers is not supported: the emitter needs the canonical point or row "
            f"layout (indexed dims leading, index vector last) ({_PASS_HINT})"
        )
    k = _shape(op.operands[1])[-1]
    if not _in_bounds(op, op.operands[1], _shape(op.operands[0])[:k]):
        return f"needs in-bounds indices (MIL does not skip out-of-bounds updates; {_PASS_HINT})"
    return None


@emits(
    "stablehlo.scatter",
    check=_scatter_check,
    doc="`scatter_nd` with an explicit mode (update/add/mul/max/min; a subtract body adds negated updates; "
    "any other elementwise body f(old, update) with provably unique indices -- `unique_indices` or constant "
    "non-overlapping ones -- is `gather_nd`, f, then mode update); any dimension numbers (windows other than "
    "size 1 along indexed dims and whole elsewhere become one index per update element); out-of-bounds "
    "windows are skipped whole, as XLA does (written into padding that is sliced off); several operands "
    "with separable bodies split per operand; i1 via int32 (hlo-coreml-legalize-gather-scatter)",
)
def _scatter(ctx, op):
    x, idx, updates = ctx.operands(op)
    return ctx.mb.scatter_nd(data=x, indices=idx, updates=updates, mode=scatter_mode(op))


# -- reverse ------------------------------------------------------------------------


@emits("stablehlo.reverse", doc="`reverse`")
def _reverse(ctx, op):
    axes = i64_array(op, "dimensions")
    x = ctx[op.operands[0]]
    axes = [a for a in axes if _shape(op.operands[0])[a] > 1]
    if not axes:
        return x
    return ctx.mb.reverse(x=x, axes=np.array(axes, dtype=np.int32))


__all__ = ["IN_BOUNDS", "SCATTER_MODES", "gather_is_canonical", "scatter_is_canonical", "scatter_mode"]
