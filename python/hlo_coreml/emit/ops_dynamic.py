"""Dynamic dimensions: the shape ops of a symbolic-shape jax.export
(get_dimension_size, dynamic_broadcast_in_dim, dynamic_reshape,
dynamic_iota) and the allow-list of ops whose emitters handle `?` dims.

A flexible Core ML input (ct.RangeDim / ct.EnumeratedShapes) keeps the `?`
dims of the StableHLO program; MIL carries them as symbols and computes the
sizes at run time (`shape`, `gather`, `tile` by a runtime `reps`, `reshape`
to a runtime shape). Only ops listed in `DYNAMIC_SHAPE_OPS` may have `?`
dims: their emitters never read a dynamic size as a number.
hlo-coreml-verify-legal refuses every other op with a `?` dim.
"""

from __future__ import annotations

import numpy as np

from .._mlir import ir
from ..element_types import NUMPY_DTYPES, is_dynamic, kind_of, shape_of
from ..ir_utils import constant_value, i64_array, int_attr
from .ops_elementwise import BROADCASTING_OPS
from .registry import emits

def non_expanding(op) -> bool:
    """A dynamic_broadcast_in_dim that only inserts unit dims: every new
    result dim is a static 1 and every operand dim keeps its size (static
    and equal, or `?` onto `?`: JAX's symbolic shapes only map a dimension
    onto one of the same size). It is an `expand_dims`, whatever uses it."""
    dims = i64_array(op, "broadcast_dimensions")
    in_shape, out_shape = shape_of(op.operands[0]), shape_of(op.results[0])
    for d, size in enumerate(out_shape):
        if d not in dims and size != 1:
            return False
    for i, d in enumerate(dims):
        have, want = in_shape[i], out_shape[d]
        if is_dynamic(have) != is_dynamic(want) or (not is_dynamic(have) and have != want):
            return False
    return True


def _full_size(value) -> bool:
    """`value` has its full runtime shape as a MIL var: it is not a
    broadcast the emitter may have left un-materialized."""
    owner = value.owner
    if isinstance(owner, ir.Block):
        return True
    name = owner.operation.name
    if name == "stablehlo.dynamic_broadcast_in_dim":
        return non_expanding(owner)
    return name not in ("stablehlo.constant", "stablehlo.iota", "stablehlo.broadcast_in_dim", "stablehlo.dynamic_iota")


def lazy_dynamic_broadcast(value) -> bool:
    """A dynamic broadcast producing `value` may stay un-materialized when
    every user either broadcasts it again (a dynamic_broadcast_in_dim
    tiles by its own runtime shape) or broadcasts NumPy-style and has
    another operand of full size to take the `?` sizes from at run time
    (EmitContext.broadcast_to)."""
    uses = list(value.uses)
    if not uses:
        return False
    for use in uses:
        user = use.owner
        if user.name == "stablehlo.dynamic_broadcast_in_dim" and use.operand_number == 0:
            continue
        if user.name not in BROADCASTING_OPS:
            return False
        if not any(_full_size(v) for v in user.operands if v != value):
            return False
    return True


@emits("stablehlo.get_dimension_size", doc="`const` for a static dim; `shape` + `gather` for a dynamic one")
def _get_dimension_size(ctx, op):
    dim = int_attr(op, "dimension")
    size = shape_of(op.operands[0])[dim]
    if not is_dynamic(size):
        return ctx.const(np.int32(size))
    shape = ctx.mb.shape(x=ctx[op.operands[0]])
    return ctx.mb.gather(x=shape, indices=np.int32(dim), axis=0)


def _expand_to_rank(ctx, x, in_shape, dims, rank):
    """`x` with its dims moved to positions `dims` of a rank-`rank` tensor
    (`transpose` if they are out of order, `expand_dims` for the others)."""
    order = sorted(range(len(dims)), key=lambda i: dims[i])
    if order != list(range(len(dims))):
        x = ctx.mb.transpose(x=x, perm=np.array(order, dtype=np.int32))
        dims = [dims[i] for i in order]
    new_axes = [d for d in range(rank) if d not in dims]
    if not new_axes:
        return x
    if not any(is_dynamic(d) for d in in_shape):
        expanded = [1] * rank
        for i, d in enumerate(dims):
            expanded[d] = in_shape[order[i]]
        return ctx.reshape(x, expanded)
    return ctx.mb.expand_dims(x=x, axes=new_axes)


def _materialize(ctx, op, x, shape_operand: int):
    """`x` (dims 1 or full size) broadcast to the result of `op`, whose
    operand #`shape_operand` is the runtime output shape."""
    result = shape_of(op.results[0])
    if not any(is_dynamic(d) for d in result):
        return ctx.broadcast_to(x, result)
    return ctx.tile_to_runtime(x, ctx[op.operands[shape_operand]])


@emits(
    "stablehlo.dynamic_broadcast_in_dim",
    doc="`expand_dims` (+ `transpose`); then `tile` by output shape // input shape (runtime `reps`) "
    "unless it only adds unit dims, or only elementwise ops with a full-size operand (or further "
    "dynamic broadcasts) use it",
)
def _dynamic_broadcast_in_dim(ctx, op):
    rank = len(shape_of(op.results[0]))
    x = _expand_to_rank(ctx, ctx[op.operands[0]], shape_of(op.operands[0]), i64_array(op, "broadcast_dimensions"), rank)
    if non_expanding(op) or lazy_dynamic_broadcast(op.results[0]):
        return x
    return _materialize(ctx, op, x, 1)


@emits(
    "stablehlo.dynamic_reshape",
    doc="`reshape` to a constant shape (one `?` dim as -1), or to the runtime shape when several dims are `?`",
)
def _dynamic_reshape(ctx, op):
    x = ctx[op.operands[0]]
    result = shape_of(op.results[0])
    if sum(is_dynamic(d) for d in result) <= 1:
        return ctx.reshape(x, result)
    return ctx.mb.reshape(x=x, shape=ctx[op.operands[1]])


def _iota_check(op):
    if kind_of(op.results[0]) == "i1":
        return "on i1 tensors is not supported"
    return None


@emits(
    "stablehlo.dynamic_iota",
    check=_iota_check,
    doc="`range_1d` up to the runtime size of the iota dim, `expand_dims`, then `tile` to the runtime shape",
)
def _dynamic_iota(ctx, op):
    mb = ctx.mb
    dim = int_attr(op, "iota_dimension")
    result = shape_of(op.results[0])
    kind = kind_of(op.results[0])
    size = result[dim]
    if is_dynamic(size):
        end = mb.gather(x=ctx[op.operands[0]], indices=np.int32(dim), axis=0)
        axis = mb.range_1d(start=np.int32(0), end=end, step=np.int32(1))
        if kind != "i32":
            axis = ctx.cast(axis, kind)
    else:
        axis = ctx.const(np.arange(size).astype(NUMPY_DTYPES[kind]))
    x = _expand_to_rank(ctx, axis, (size,), [dim], len(result))
    if lazy_dynamic_broadcast(op.results[0]):
        return x
    return _materialize(ctx, op, x, 0)


def _window_gather_check(op):
    from .._mlir import stablehlo

    d = stablehlo.GatherDimensionNumbers(op.attributes["dimension_numbers"])
    rank = len(shape_of(op.operands[0]))
    starts = shape_of(op.operands[1])
    if (
        list(d.collapsed_slice_dims) or list(d.operand_batching_dims) or list(d.offset_dims) != list(range(rank))
        or len(starts) != 1 or d.index_vector_dim != 0 or starts[0] != len(d.start_index_map)
    ):
        return (
            "is supported only as a window of runtime size at one start vector (x[:n], x[i:i+n] with "
            "a symbolic n: no collapsed or batching dims); specialize the input shapes otherwise"
        )
    return None


def _restore_static_dims(ctx, var, result):
    """A slice with runtime sizes has a fresh MIL symbol for every dim; a
    reshape with the static dims (one `?` as -1) gives them back."""
    if sum(is_dynamic(d) for d in result) == 1:
        return ctx.reshape(var, result)
    return var


@emits(
    "stablehlo.dynamic_gather",
    check=_window_gather_check,
    doc="one window of runtime size (x[:n] with a symbolic n, or x[..., :k] of an operand with `?` dims): "
    "`slice_by_size` with the start clamped into the operand",
)
def _dynamic_gather(ctx, op):
    from .._mlir import stablehlo

    mb = ctx.mb
    d = stablehlo.GatherDimensionNumbers(op.attributes["dimension_numbers"])
    shape = shape_of(op.operands[0])
    start, sizes = ctx[op.operands[1]], ctx[op.operands[2]]
    if kind_of(op.operands[1]) != "i32":
        start = ctx.cast(start, "i32")
    if kind_of(op.operands[2]) != "i32":
        sizes = ctx.cast(sizes, "i32")
    smap = list(d.start_index_map)
    parts = [
        mb.gather(x=start, indices=np.array([smap.index(dim)], dtype=np.int32), axis=0) if dim in smap
        else ctx.const(np.zeros(1, np.int32))
        for dim in range(len(shape))
    ]
    begin = parts[0] if len(parts) == 1 else mb.concat(values=parts, axis=0)
    # StableHLO clamps the start so the window stays inside the operand
    # (of runtime size when it has `?` dims: x[..., :8] of a [?, 16] x).
    if any(is_dynamic(n) for n in shape):
        bounds = mb.shape(x=ctx[op.operands[0]])
    else:
        bounds = ctx.const(np.array(shape, dtype=np.int32))
    limit = mb.sub(x=bounds, y=sizes)
    begin = mb.maximum(x=mb.minimum(x=begin, y=limit), y=np.int32(0))
    out = mb.slice_by_size(x=ctx[op.operands[0]], begin=begin, size=sizes)
    return _restore_static_dims(ctx, out, shape_of(op.results[0]))


@emits(
    "stablehlo.real_dynamic_slice",
    doc="`slice_by_index` with runtime begin, end and stride (x[:, :n] with a symbolic n)",
)
def _real_dynamic_slice(ctx, op):
    mb = ctx.mb
    begin, end, stride = (
        ctx[v] if kind_of(v) == "i32" else ctx.cast(ctx[v], "i32") for v in list(op.operands)[1:]
    )
    out = mb.slice_by_index(x=ctx[op.operands[0]], begin=begin, end=end, stride=stride)
    return _restore_static_dims(ctx, out, shape_of(op.results[0]))


# -- the allow-list -------------------------------------------------------------------

def _conv_dynamic(op):
    """only the batch dim dynamic; constant kernel; no input dilation, batch groups or negative padding"""
    from .._mlir import stablehlo

    dims = stablehlo.ConvDimensionNumbers(op.attributes["dimension_numbers"])
    in_shape, out_shape = shape_of(op.operands[0]), shape_of(op.results[0])
    others = [d for i, d in enumerate(in_shape) if i != dims.input_batch_dimension]
    others += [d for i, d in enumerate(out_shape) if i != dims.output_batch_dimension]
    if any(is_dynamic(d) for d in others):
        return "with a dynamic feature or spatial dimension (only the batch dimension may be dynamic)"
    if constant_value(op.operands[1]) is None:
        return "with a non-constant kernel"
    if any(d != 1 for d in i64_array(op, "lhs_dilation", [])) or (int_attr(op, "batch_group_count", 1) or 1) != 1:
        return "with input dilation or batch groups"
    if any(p < 0 for p in i64_array(op, "padding", [])):
        return "with negative padding"
    return None


def _dot_dynamic(op):
    """canonical matmul form; with a vector operand at most one dynamic result dim"""
    from .ops_linalg import matmul_form

    form = matmul_form(op)
    vector = form is not None and (form.n_absent or (form.m_absent and form.nb > 0))
    if vector and sum(is_dynamic(d) for d in shape_of(op.results[0])) > 1:
        return "with a vector operand and several dynamic result dims"
    return None


def _float_dynamic(op):
    """floats only"""
    if kind_of(op.results[0]) not in ("f16", "f32"):
        return f"on {kind_of(op.results[0])} tensors"
    return None


def _logical_dynamic(op):
    """i1 only: the logical form"""
    if kind_of(op.results[0]) != "i1":
        return f"on {kind_of(op.results[0])} tensors (bitwise form)"
    return None


def _pad_dynamic(op):
    """floats, a constant pad value, edge padding of static dims only"""
    low, high = i64_array(op, "edge_padding_low"), i64_array(op, "edge_padding_high")
    interior = i64_array(op, "interior_padding")
    if kind_of(op.results[0]) not in ("f16", "f32") or constant_value(op.operands[1]) is None:
        return "on non-float tensors or with a runtime pad value"
    if any(interior) or any(p < 0 for p in low + high):
        return "with interior or negative padding"
    for d, size in enumerate(shape_of(op.operands[0])):
        if is_dynamic(size) and (low[d] or high[d]):
            return f"padding the dynamic dimension {d}"
    return None


def _window_dynamic(op):
    """pooling (max, sum, mean) or cumsum whose window does not touch a `?` dim"""
    from .ops_window import native_form

    if native_form(op) is None:
        return "with a window over a dynamic dimension, or one that needs decomposing,"
    return None


def _gather_dynamic(op):
    """canonical x[ids] form (embedding lookups): only the index batch dims dynamic"""
    from .ops_indexing import gather_is_canonical

    if any(is_dynamic(d) for d in shape_of(op.operands[0])):
        return "with a dynamic operand (only the indices may have dynamic dims)"
    if is_dynamic(shape_of(op.operands[1])[-1]) or not gather_is_canonical(op):
        return "outside the canonical x[indices] form"
    return None


def _composite_dynamic(op):
    """softmax, log_softmax, layer norm, RMS/L2 norm over static axes, GELU, SiLU, sigmoid, linear"""
    from .registry import _composite_name

    name = _composite_name(op)
    if name not in _SHAPE_AGNOSTIC_COMPOSITES:
        return f"the composite '{name}'"
    if name in ("coreml.rms_norm", "coreml.l2_norm", "coreml.layer_norm"):
        shape = shape_of(op.operands[0])
        axes = ir.DenseI64ArrayAttr(ir.DictAttr(op.attributes["composite_attributes"])["axes"])
        if any(is_dynamic(shape[a]) for a in axes) and name != "coreml.layer_norm":
            return f"'{name}' over a dynamic axis"
    return None


def _dus_dynamic(op):
    """static buffer; one `?` update dim, the last one written partially (a KV cache written at `pos` with a flexible number of tokens)"""
    from .ops_control import dynamic_update_problem

    return dynamic_update_problem(op)


_SHAPE_AGNOSTIC_COMPOSITES = {
    "coreml.softmax", "coreml.log_softmax", "coreml.layer_norm", "coreml.rms_norm", "coreml.l2_norm",
    "coreml.gelu", "coreml.silu", "coreml.sigmoid", "hlo_coreml.linear",
}


# Ops whose emitters are written (and tested) for `?` dims, with an optional
# check that returns why this instance is not (None: fine).
DYNAMIC_SHAPE_OPS = {
    **{
        "stablehlo." + n: None
        for n in (
            "add subtract multiply divide maximum minimum compare convert "
            "exponential tanh logistic sine cosine floor ceil sqrt tan log rsqrt abs sign negate "
            "log_plus_one exponential_minus_one round_nearest_even round_nearest_afz clamp "
            "transpose concatenate reshape "
            "get_dimension_size dynamic_broadcast_in_dim dynamic_reshape dynamic_iota "
            "dynamic_gather real_dynamic_slice"
        ).split()
    },
    "stablehlo.select": None,
    "stablehlo.and": _logical_dynamic,
    "stablehlo.or": _logical_dynamic,
    "stablehlo.xor": _logical_dynamic,
    "stablehlo.not": _logical_dynamic,
    "stablehlo.power": _float_dynamic,
    # a slice's result is static (its limits are numbers); the operand may
    # have `?` dims (x[:2] of a flexible batch)
    "stablehlo.slice": None,
    "stablehlo.pad": _pad_dynamic,
    "stablehlo.reduce_window": _window_dynamic,
    "stablehlo.gather": _gather_dynamic,
    "stablehlo.dot_general": _dot_dynamic,
    "stablehlo.composite": _composite_dynamic,
    "stablehlo.reduce": None,
    "stablehlo.convolution": _conv_dynamic,
    "stablehlo.dynamic_update_slice": _dus_dynamic,
}



def dynamic_problem(op) -> str | None:
    """None if `op` may have `?` dims, else why not (for verify-legal)."""
    name = op.operation.name
    if name not in DYNAMIC_SHAPE_OPS:
        return "hlo-coreml handles dynamic dimensions only in " + ALLOWED_SUMMARY
    check = DYNAMIC_SHAPE_OPS[name]
    problem = check(op) if check is not None else None
    return None if problem is None else f"{problem} is not supported with dynamic dimensions"


ALLOWED_SUMMARY = (
    "elementwise math, compare, select, logic on bools, convert, transpose, concatenate, reshape, "
    "slice/pad of static dims, dot_general, reduce (incl. argmax/argmin), pooling over static dims, "
    "embedding-style gather, convolution (batch dim) and the dynamic shape ops (see README)"
)
