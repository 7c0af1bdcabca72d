"""hlo-coreml-legalize-gather-scatter: general gather / scatter into the
canonical, in-bounds forms that map 1:1 onto MIL."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, rewrite, stablehlo
from hlo_coreml.emit.ops_indexing import (
    IN_BOUNDS,
    gather_is_canonical,
    scatter_is_canonical,
    scatter_mode,
)
from hlo_coreml.ir_utils import constant_value

from .static_eval import static_value
from .scatter_bodies import gather_apply_set, negate_subtract, repeat_apply
from .scatter_points import bool_via_i32, point_scatter, scatter_body, split_variadic
from .registry import ModulePass, register_pass


@register_pass
@dataclass(frozen=True)
class LegalizeGatherScatterPass(ModulePass):
    """Rewrites `stablehlo.gather` and `stablehlo.scatter` into canonical
    forms with in-bounds indices.

    Canonical gather (MIL `gather_nd`, or `gather` with one index):

        operand [D_0..D_{K-1}, R...], indices [B..., K] (index_vector_dim
        last), collapsed_slice_dims = start_index_map = [0..K-1],
        offset_dims trailing, slice_sizes = [1 x K, R...], no batching dims
        -> result [B..., R...]

    obtained by transposing the indexed dims of the operand to the front
    (statically slicing the other dims when the slice is smaller than the
    dim), moving the index vector last, turning batching dims
    (`take_along_axis`) into explicit iota index components, and a
    reshape/transpose of the result. Start indices are clamped to [0, D_k - size_k]
    exactly as StableHLO specifies, unless they are (or fold to) constants
    already in bounds.

    Canonical scatter (MIL `scatter_nd`): the same layout for operand,
    indices [N..., K] and updates [N..., R...]. StableHLO skips updates whose
    window is out of bounds; this pass guarantees it exactly by padding
    every indexed dim of the operand by one element on both sides, mapping
    indices through clamp(-1, i, D) + 1 (any out-of-bounds index lands in
    the padding, which is sliced off afterwards). Constant in-bounds indices
    need neither. Single-operand scatters whose body is `return update`
    (mode update), or add / multiply / maximum / minimum of the two block
    arguments are rewritten; the body is rebuilt from the mode. Other
    bodies first (`scatter_bodies`): `subtract(old, update)` becomes an add
    of negated updates; any other elementwise f(old, update) becomes
    gather -> f -> scatter-set when the indices are provably unique
    (`unique_indices`, or constant indices whose windows do not overlap);
    a body f(old) that ignores the update, with indices that may repeat,
    applies f count times (count: a scatter-add of ones), for up to 16
    update windows.

    A gather window wider than 1 along an indexed dim (`x[i, 1:3]`, where
    JAX folds the static start into the index vector) becomes one more
    batch dim of the index tensor per such dim: the clamped start (to
    [0, D - size]) plus a constant grid of offsets; the window dims of
    non-indexed dims may take a leading sub-range (a static slice).

    Supported: every gather (static shapes, integer indices) with at least
    one indexed dim; scatters with update windows of size 1 along indexed
    dims and whole other dims (every jnp `.at[...]` pattern, embedding
    updates). Anything else is left for verify-legal to report.

    Every rewritten op carries the `hlo_coreml.in_bounds` unit attribute.
    """

    name: ClassVar[str] = "hlo-coreml-legalize-gather-scatter"
    summary: ClassVar[str] = "Canonical in-bounds gather/scatter for MIL gather/gather_nd/scatter_nd"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.GatherOp, legalize_gather)
        patterns.add(stablehlo.ScatterOp, legalize_scatter)
        patterns.add(stablehlo.ScatterOp, split_variadic)
        patterns.add(stablehlo.ScatterOp, bool_via_i32)
        patterns.add(stablehlo.ScatterOp, negate_subtract)
        patterns.add(stablehlo.ScatterOp, gather_apply_set)
        patterns.add(stablehlo.ScatterOp, repeat_apply)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


# -- helpers ------------------------------------------------------------------------


def _shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _element(value) -> ir.Type:
    return ir.RankedTensorType(value.type).element_type


def _tensor(shape, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get([int(d) for d in shape], element)


def _static(*values) -> bool:
    return all(isinstance(v.type, ir.RankedTensorType) and ir.RankedTensorType(v.type).has_static_shape for v in values)


def _int_dtype(element):
    if isinstance(element, ir.IntegerType) and not element.is_unsigned and element.width in (32, 64):
        return np.int32 if element.width == 32 else np.int64
    return None


def _const(array, element):
    array = np.asarray(array)
    t = _tensor(array.shape, element)
    if isinstance(element, ir.IntegerType):
        array = array.astype(_int_dtype(element) or np.int32)
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get(np.ascontiguousarray(array), type=t)).result


def _zero(element):
    t = _tensor([], element)
    if isinstance(element, ir.IntegerType):
        attr = ir.IntegerAttr.get(element, 0)
    else:
        attr = ir.FloatAttr.get(element, 0.0)
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, attr)).result


def _transpose(value, perm):
    perm = [int(p) for p in perm]
    if perm == list(range(len(perm))):
        return value
    shape = _shape(value)
    return stablehlo.TransposeOp(value, perm, results=[_tensor([shape[p] for p in perm], _element(value))]).result


def _reshape(value, shape):
    if _shape(value) == list(shape):
        return value
    return stablehlo.ReshapeOp(_tensor(shape, _element(value)), value).result


def _in_bounds(indices, bounds) -> bool:
    """True if `indices` ([..., K]) is a constant (or folds to one: a
    broadcast of a constant, jnp's wrapping of negative constants) with
    0 <= i_k < bounds[k]."""
    array = constant_value(indices)
    if array is None:
        array = static_value(indices)
    if array is None:
        return False
    return bool(((array >= 0) & (array < np.asarray(bounds))).all())


def _index_vectors(indices, ivd: int, batch_pairs):
    """indices with the index vector moved last (a dim of 1 appended when
    index_vector_dim == rank), then one iota component per batching pair
    (operand dim, indices dim) appended; returns (value [B..., K'], batch
    shape B)."""
    shape = _shape(indices)
    rank = len(shape)
    batch = [d for d in range(rank) if d != ivd]
    if ivd == rank:
        value = _reshape(indices, shape + [1])
    else:
        value = _transpose(indices, batch + [ivd])
    bshape = [shape[d] for d in batch]
    if batch_pairs:
        element = _element(indices)
        parts = [value]
        for _, idim in batch_pairs:
            parts.append(stablehlo.IotaOp(_tensor(bshape + [1], element), batch.index(idim)).result)
        k = sum(_shape(p)[-1] for p in parts)
        value = stablehlo.ConcatenateOp(parts, len(bshape), results=[_tensor(bshape + [k], element)]).result
    return value, bshape


def _bound(value, limit, element, scalar_ok=True):
    """A clamp bound for `value` [B..., K]: rank-0 if all of `limit` is the
    same, else the [K] vector broadcast to the value's shape."""
    limit = np.asarray(limit)
    if scalar_ok and (limit == limit.reshape(-1)[0]).all():
        return _const(np.array(limit.reshape(-1)[0]), element)
    shape = _shape(value)
    vec = _const(limit, element)
    return stablehlo.BroadcastInDimOp(_tensor(shape, element), vec, [len(shape) - 1]).result


def _mark(op):
    op.operation.attributes[IN_BOUNDS] = ir.UnitAttr.get()


# -- gather -------------------------------------------------------------------------


def legalize_gather(op, rewriter):
    if IN_BOUNDS in op.attributes:
        return True
    if not _static(op.operands[0], op.operands[1], op.result):
        return _clamp_dynamic_gather(op, rewriter)
    element = _element(op.operands[1])
    if _int_dtype(element) is None:
        return True
    d = stablehlo.GatherDimensionNumbers(op.attributes["dimension_numbers"])
    operand, indices = op.operands[0], op.operands[1]
    oshape = _shape(operand)
    sizes = list(ir.DenseI64ArrayAttr(op.attributes["slice_sizes"]))
    smap = list(d.start_index_map) + list(d.operand_batching_dims)
    if not smap:
        return True
    if gather_is_canonical(op) and _in_bounds(indices, oshape[: len(smap)]):
        if constant_value(indices) is not None:
            return True
        _mark(op)  # in bounds, but the emitter cannot see it: say so
        return False
    rest = [dim for dim in range(len(oshape)) if dim not in smap]
    collapsed = set(d.collapsed_slice_dims) | set(d.operand_batching_dims)
    window = [dim for dim in range(len(oshape)) if dim not in collapsed]
    # Indexed dims with a window wider than 1 (x[i, 1:3] folds the static
    # start 1 into the index vector): one more batch dim per such dim,
    # enumerating the window's positions.
    wide = [k for k, dim in enumerate(smap) if sizes[dim] != 1]
    with rewriter.ip, op.location:
        idx, bshape = _index_vectors(
            indices, d.index_vector_dim, list(zip(d.operand_batching_dims, d.start_indices_batching_dims))
        )
        idx_element = _element(idx)
        k = len(smap)
        bounds = [oshape[dim] - sizes[dim] + 1 for dim in smap]
        if not _in_bounds(idx, bounds):
            idx = stablehlo.ClampOp(
                _const(np.array(0), idx_element), idx, _bound(idx, np.array(bounds) - 1, idx_element)
            ).result
        if wide:
            wshape = [sizes[smap[j]] for j in wide]
            offsets = np.zeros(wshape + [k], dtype=_int_dtype(idx_element))
            for axis, j in enumerate(wide):
                shape = [1] * len(wshape)
                shape[axis] = wshape[axis]
                offsets[..., j] = np.arange(wshape[axis]).reshape(shape)
            full = _tensor(bshape + wshape + [k], idx_element)
            nb0 = len(bshape)
            spread = stablehlo.BroadcastInDimOp(full, idx, list(range(nb0)) + [nb0 + len(wshape)]).result
            steps = stablehlo.BroadcastInDimOp(full, _const(offsets, idx_element), list(range(nb0, nb0 + len(wshape) + 1))).result
            idx = stablehlo.AddOp(spread, steps).result
            bshape = bshape + wshape
        x = operand
        if any(sizes[dim] != oshape[dim] for dim in rest):
            limits = [sizes[dim] if dim in rest else oshape[dim] for dim in range(len(oshape))]
            x = stablehlo.SliceOp(x, [0] * len(oshape), limits, [1] * len(oshape)).result
        xshape = _shape(x)
        x = _transpose(x, smap + rest)
        nb = len(bshape)
        dims = stablehlo.GatherDimensionNumbers.get(
            offset_dims=list(range(nb, nb + len(rest))),
            collapsed_slice_dims=list(range(k)),
            operand_batching_dims=[],
            start_indices_batching_dims=[],
            start_index_map=list(range(k)),
            index_vector_dim=nb,
        )
        out_shape = bshape + [xshape[dim] for dim in rest]
        gather = stablehlo.GatherOp(
            x, idx, dims, [1] * k + [xshape[dim] for dim in rest], results=[_tensor(out_shape, _element(op.result))]
        )
        _mark(gather)
        out = gather.result
        # [B..., wide dims..., rest...] -> [B..., window dims in operand order]
        nb0 = nb - len(wide)
        labels = [smap[j] for j in wide] + rest
        order = sorted(range(len(labels)), key=lambda i: labels[i])
        out = _transpose(out, list(range(nb0)) + [nb0 + i for i in order])
        out = _reshape(out, bshape[:nb0] + [sizes[dim] for dim in window])
        offset = list(d.offset_dims)
        rank = len(_shape(op.result))
        perm, batch_source = [], iter(range(nb0))
        for pos in range(rank):
            perm.append(nb0 + offset.index(pos) if pos in offset else next(batch_source))
        out = _transpose(out, perm)
    rewriter.replace_op(op, [out])
    return False


def _clamp_dynamic_gather(op, rewriter):
    """A canonical gather whose indices have `?` batch dims (a flexible
    input: an embedding lookup `table[ids]`): clamp the indices with scalar
    bounds (shape-agnostic) and mark it in bounds. Other dynamic gathers are
    left for verify-legal to report."""
    indices = op.operands[1]
    element = _element(indices)
    if not _static(op.operands[0]) or _int_dtype(element) is None or not gather_is_canonical(op):
        return True
    k = _shape(indices)[-1]
    bounds = _shape(op.operands[0])[:k]
    if len(set(bounds)) != 1:
        return True  # a [K] bound vector would need the runtime shape
    with rewriter.ip, op.location:
        clamped = stablehlo.ClampOp(_const(np.array(0), element), indices, _const(np.array(bounds[0] - 1), element)).result
    op.operation.operands[1] = clamped
    _mark(op)
    return False


# -- scatter ------------------------------------------------------------------------


def _splat(value, like):
    """A constant of `like`'s type (integer elements) holding `value`."""
    return stablehlo.BroadcastInDimOp(like.type, _const(np.array(value), _element(like)), []).result


def _is_i1(element) -> bool:
    return isinstance(element, ir.IntegerType) and element.width == 1


def legalize_scatter(op, rewriter):
    if IN_BOUNDS in op.attributes or len(op.operands) != 3:
        return True  # several operands: scatter_points.split_variadic first
    operand, indices, updates = op.operands
    if not _static(operand, indices, updates) or _int_dtype(_element(indices)) is None:
        return True
    if _is_i1(_element(operand)):
        return True  # scatter_points.bool_via_i32 first
    mode = scatter_mode(op)
    if mode is None:
        return True
    d = stablehlo.ScatterDimensionNumbers(op.attributes["scatter_dimension_numbers"])
    oshape, ushape = _shape(operand), _shape(updates)
    smap = list(d.scattered_dims_to_operand_dims) + list(d.input_batching_dims)
    inserted = set(d.inserted_window_dims) | set(d.input_batching_dims)
    window = [dim for dim in range(len(oshape)) if dim not in inserted]
    uwd = list(d.update_window_dims)
    wsize = {dim: ushape[u] for dim, u in zip(window, uwd)}
    rest = [dim for dim in range(len(oshape)) if dim not in smap]
    if not smap or any(wsize.get(dim, 1) != 1 for dim in smap) or any(wsize[dim] != oshape[dim] for dim in rest):
        # Windows other than "1 along indexed dims, whole elsewhere":
        # one index per update element.
        with rewriter.ip, op.location:
            out = point_scatter(op, mode, d, _BUILD)
        rewriter.replace_op(op, [out])
        return False
    if scatter_is_canonical(op) and _in_bounds(indices, oshape[: len(smap)]):
        if constant_value(indices) is not None:
            return True
        _mark(op)
        return False
    element = _element(operand)
    with rewriter.ip, op.location:
        idx, bshape = _index_vectors(
            indices, d.index_vector_dim, list(zip(d.input_batching_dims, d.scatter_indices_batching_dims))
        )
        nb, k = len(bshape), len(smap)
        scatter_dims = [j for j in range(len(ushape)) if j not in uwd]
        u = _transpose(updates, scatter_dims + uwd)
        u = _reshape(u, bshape + [oshape[dim] for dim in rest])
        perm = smap + rest
        x = _transpose(operand, perm)
        xshape = _shape(x)
        bounds = [oshape[dim] for dim in smap]
        padded = not _in_bounds(idx, bounds)
        if padded:
            ie = _element(idx)
            idx = stablehlo.ClampOp(_const(np.array(-1), ie), idx, _bound(idx, np.array(bounds), ie)).result
            idx = stablehlo.AddOp(idx, stablehlo.BroadcastInDimOp(idx.type, _const(np.array(1), ie), []).result).result
            pads = [1] * k + [0] * len(rest)
            pshape = [s + 2 * p for s, p in zip(xshape, pads)]
            x = stablehlo.PadOp(
                x, _zero(element), pads, pads, [0] * len(xshape), results=[_tensor(pshape, element)]
            ).result
        dims = stablehlo.ScatterDimensionNumbers.get(
            update_window_dims=list(range(nb, nb + len(rest))),
            inserted_window_dims=list(range(k)),
            input_batching_dims=[],
            scatter_indices_batching_dims=[],
            scattered_dims_to_operand_dims=list(range(k)),
            index_vector_dim=nb,
        )
        scatter = stablehlo.ScatterOp([x.type], [x], idx, [u], dims)
        scatter_body(scatter, mode, element)
        _mark(scatter)
        out = scatter.results[0]
        if padded:
            out = stablehlo.SliceOp(
                out, [1] * k + [0] * len(rest), [s + 1 if i < k else s for i, s in enumerate(xshape)], [1] * len(xshape)
            ).result
        inverse = [perm.index(i) for i in range(len(perm))]
        out = _transpose(out, inverse)
    rewriter.replace_op(op, [out])
    return False


# The tensor helpers, handed to scatter_points (which cannot import this
# module at its top: this module imports it).
_BUILD = SimpleNamespace(
    shape=_shape,
    element=_element,
    const=_const,
    zero=_zero,
    splat=_splat,
    transpose=_transpose,
    reshape=_reshape,
    in_bounds=_in_bounds,
    index_vectors=_index_vectors,
    body=scatter_body,
    mark=_mark,
)


__all__ = [
    "IN_BOUNDS",
    "LegalizeGatherScatterPass",
    "gather_is_canonical",
    "scatter_is_canonical",
    "scatter_mode",
    "legalize_gather",
    "legalize_scatter",
]
