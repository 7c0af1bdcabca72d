"""Control flow kept after hlo-coreml-unroll-while: `while` -> MIL
`while_loop`, `case` / `if` -> MIL `cond`; and the dynamic slices such loops
index their buffers with: `dynamic_slice` -> `slice_by_size`,
`dynamic_update_slice` -> `scatter`.

Region bodies are emitted with `program.emit_block`, in the nested MIL block
the builder opens for them; values defined outside a region are used
directly (MIL blocks see the vars of enclosing blocks).
"""

from __future__ import annotations

import numpy as np

from ..element_types import MAX_RANK, element_kind, is_dynamic, kind_of, shape_of
from ..ir_utils import constant_value, i64_array
from .registry import emits, emitter_table


# -- checks -------------------------------------------------------------------------


def _type_problem(t) -> str | None:
    from .._mlir import ir

    if not isinstance(t, ir.RankedTensorType):
        return f"has type {t}; Core ML needs ranked tensors"
    if not t.has_static_shape:
        return f"has dynamic shape {t}"
    if t.rank > MAX_RANK:
        return f"has rank {t.rank} ({t}); Core ML supports tensors of rank <= {MAX_RANK}"
    if element_kind(t.element_type) is None:
        return f"has element type {t.element_type}; Core ML computes in f16, f32, i32 and bool only"
    return None


def _location(op) -> str:
    from ..diagnostics import source_position

    pos = source_position(op.location)
    return f" at {pos.file}:{pos.line}:{pos.col}" if pos else ""


def _region_problem(op) -> str | None:
    """The first op nested in `op`'s regions that the emitter cannot
    handle (or a value it cannot type), described, or None."""
    table = emitter_table()
    for region in op.regions:
        for block in region.blocks:
            for arg in block.arguments:
                problem = _type_problem(arg.type)
                if problem:
                    return f"has a region argument that {problem}"
            for inner in block.operations:
                name = inner.operation.name
                for i, result in enumerate(inner.results):
                    problem = _type_problem(result.type)
                    if problem:
                        return f"contains '{name}'{_location(inner)} whose result #{i} {problem}"
                if name == "stablehlo.return":
                    continue
                entry = table.get(name)
                if entry is None:
                    return f"contains '{name}'{_location(inner)}, which is not supported by Core ML"
                if entry.check is not None:
                    problem = entry.check(inner)
                    if problem:
                        return f"contains '{name}'{_location(inner)} that {problem}"
    return None


def _check_region_op(op):
    if len(op.results) == 0:
        return "without results is not supported"
    for i, t in enumerate(op.operands):
        problem = _type_problem(t.type)
        if problem:
            return f"operand #{i} {problem}"
    return _region_problem(op)


# -- helpers ------------------------------------------------------------------------


def _full(ctx, var, shape):
    """`var` at the full `shape` (lazily broadcast values are smaller). A
    rank-0 value is always a MIL rank-0 tensor: MIL types a rank-0 NumPy
    const (and ops on it) as a rank-0 tensor but a full reduction as a
    scalar, and `while_loop` / `cond` require a loop variable or branch
    result to keep one type (a `reduce_sum` carried through `x * 1.5`
    changed type)."""
    shape = tuple(int(d) for d in shape)
    if shape == ():
        return _rank0_tensor(ctx, var)
    if tuple(var.shape) == shape:
        return var
    if len(var.shape) != len(shape):
        var = ctx.reshape(var, [1] * (len(shape) - len(var.shape)) + list(var.shape))
    return ctx.broadcast_to(var, shape)


def _rank0_tensor(ctx, var):
    """A rank-0 var as a MIL rank-0 tensor (what rank-0 consts, rank-0
    inputs and ops on them are): a scalar-typed one (a full reduction) is
    `reshape`d to the shape []."""
    from coremltools.converters.mil.mil import types

    if types.is_tensor(var.sym_type):
        return var
    return ctx.mb.reshape(x=var, shape=np.zeros(0, dtype=np.int32))


def _bind(ctx, block, vars_) -> None:
    for arg, var in zip(block.arguments, vars_):
        ctx.bind(arg, var)


def _emit_region(ctx, block, shapes) -> tuple:
    from .program import emit_block

    outs = emit_block(ctx, block)
    return tuple(_full(ctx, v, s) for v, s in zip(outs, shapes))


def _as_list(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


# -- while ----------------------------------------------------------------------------


@emits(
    "stablehlo.while",
    check=_check_region_op,
    doc="`while_loop` (cond and body blocks; loops hlo-coreml-unroll-while keeps)",
)
def _while(ctx, op):
    mb = ctx.mb
    cond_block = op.regions[0].blocks[0]
    body_block = op.regions[1].blocks[0]
    shapes = [shape_of(r) for r in op.results]
    inits = tuple(_full(ctx, v, s) for v, s in zip(ctx.operands(op), shapes))

    def cond_fn(*vars_):
        from .program import emit_block

        _bind(ctx, cond_block, vars_)
        (pred,) = emit_block(ctx, cond_block)
        return pred

    def body_fn(*vars_):
        _bind(ctx, body_block, vars_)
        return _emit_region(ctx, body_block, shapes)

    return _as_list(mb.while_loop(_cond=cond_fn, _body=body_fn, loop_vars=inits))


# -- case / if ----------------------------------------------------------------------------


def _branches(ctx, pred_for, blocks, shapes):
    """Nested MIL conds: blocks[0] if pred_for(0), else blocks[1] if
    pred_for(1), ..., else the last block."""
    mb = ctx.mb
    if len(blocks) == 1:
        return list(_emit_region(ctx, blocks[0], shapes))
    first, rest = blocks[0], blocks[1:]
    out = mb.cond(
        pred=pred_for(0),
        _true_fn=lambda: _emit_region(ctx, first, shapes),
        _false_fn=lambda: tuple(_branches(ctx, lambda k: pred_for(k + 1), rest, shapes)),
    )
    return _as_list(out)


@emits("stablehlo.case", check=_check_region_op, doc="nested `cond` on `equal(index, k)` (out-of-range index: last branch)")
def _case(ctx, op):
    index = ctx[op.operands[0]]
    blocks = [r.blocks[0] for r in op.regions]
    shapes = [shape_of(r) for r in op.results]
    return _branches(ctx, lambda k: ctx.mb.equal(x=index, y=np.int32(k)), blocks, shapes)


@emits("stablehlo.if", check=_check_region_op, doc="`cond`")
def _if(ctx, op):
    pred = ctx[op.operands[0]]
    blocks = [r.blocks[0] for r in op.regions]
    shapes = [shape_of(r) for r in op.results]
    return _branches(ctx, lambda k: pred, blocks, shapes)


# -- dynamic slices -----------------------------------------------------------------------


def _starts(ctx, values, shape, sizes, runtime_sizes=None) -> list:
    """Start indices clamped into [0, dim - size] as StableHLO specifies:
    Python ints where constant, else scalar int32 MIL vars. A `?` size
    (a dynamic_update_slice whose update has one) is taken from
    `runtime_sizes` {dim: scalar int32 var}."""
    mb = ctx.mb
    out = []
    for i, (v, dim, size) in enumerate(zip(values, shape, sizes)):
        const = constant_value(v)
        if is_dynamic(size):
            hi = mb.sub(x=np.int32(dim), y=runtime_sizes[i])
            var = np.int32(int(const.reshape(()))) if const is not None else ctx[v]
            if const is None and kind_of(v) != "i32":
                var = ctx.cast(var, "i32")
            out.append(mb.minimum(x=mb.maximum(x=var, y=np.int32(0)), y=hi))
            continue
        hi = int(dim) - int(size)
        if const is not None:
            out.append(min(max(int(const.reshape(())), 0), hi))
            continue
        var = ctx[v]
        if kind_of(v) != "i32":
            var = ctx.cast(var, "i32")
        out.append(mb.minimum(x=mb.maximum(x=var, y=np.int32(0)), y=np.int32(hi)))
    return out


def _vector(ctx, starts):
    """A 1-D int32 vector of `starts` (ints and scalar vars)."""
    if all(isinstance(s, int) for s in starts):
        return np.array(starts, dtype=np.int32)
    parts = [
        np.array([s], dtype=np.int32) if isinstance(s, int) else ctx.mb.reshape(x=s, shape=np.array([1], np.int32))
        for s in starts
    ]
    return ctx.mb.concat(values=parts, axis=0)


@emits("stablehlo.dynamic_slice", doc="`slice_by_size` (start indices clamped)")
def _dynamic_slice(ctx, op):
    shape = shape_of(op.operands[0])
    sizes = i64_array(op, "slice_sizes")
    starts = _starts(ctx, list(op.operands)[1:], shape, sizes)
    x = ctx[op.operands[0]]
    if all(isinstance(s, int) for s in starts):
        return ctx.mb.slice_by_index(
            x=x,
            begin=np.array(starts, np.int32),
            end=np.array([s + n for s, n in zip(starts, sizes)], np.int32),
        )
    return ctx.mb.slice_by_size(x=x, begin=_vector(ctx, starts), size=np.array(sizes, dtype=np.int32))


def _update(ctx, buf, buf_shape, upd, upd_shape, starts, runtime_sizes=None):
    """`buf` with `upd` written at `starts`: one `scatter` along the first
    partially written dim, recursing into the slab for the others. A `?`
    update dim (only the last partially written one may have it) is
    written at `start + range(runtime size)`."""
    mb = ctx.mb
    dims = [d for d in range(len(buf_shape)) if buf_shape[d] != upd_shape[d]]
    if not dims:
        return upd
    d = dims[0]
    inner = upd
    if len(dims) > 1:
        begin = [0] * len(buf_shape)
        begin[d] = starts[d]
        slab_shape = list(buf_shape)
        slab_shape[d] = upd_shape[d]
        slab = mb.slice_by_size(x=buf, begin=_vector(ctx, begin), size=np.array(slab_shape, np.int32))
        inner_starts = list(starts)
        inner_starts[d] = 0
        inner = _update(ctx, slab, slab_shape, upd, upd_shape, inner_starts, runtime_sizes)
    if is_dynamic(upd_shape[d]):
        offsets = mb.range_1d(start=np.int32(0), end=runtime_sizes[d], step=np.int32(1))
    else:
        offsets = np.arange(upd_shape[d], dtype=np.int32)
    start = starts[d]
    indices = offsets + start if isinstance(start, int) else mb.add(x=start, y=offsets)
    return mb.scatter(data=buf, indices=indices, updates=inner, axis=d, mode="update")


def dynamic_update_problem(op) -> str | None:
    """Why a dynamic_update_slice with `?` dims is not handled (None: it
    is): the buffer must be static, and the update may have one `?` dim,
    the last one it writes partially (a KV cache written at `pos` with a
    flexible number of tokens)."""
    buf_shape, upd_shape = shape_of(op.operands[0]), shape_of(op.operands[1])
    if any(is_dynamic(d) for d in buf_shape):
        return "with a `?` dim in its buffer"
    partial = [d for d in range(len(buf_shape)) if buf_shape[d] != upd_shape[d]]
    dynamic = [d for d in range(len(upd_shape)) if is_dynamic(upd_shape[d])]
    if len(dynamic) > 1 or (dynamic and dynamic[0] != partial[-1]):
        return "with `?` update dims other than the last one it writes partially"
    return None


@emits("stablehlo.dynamic_update_slice", doc="`scatter` along the written dim(s) (start indices clamped; i1 via int32; "
       "an update with a `?` dim: the rows written at start + `range_1d`)")
def _dynamic_update_slice(ctx, op):
    buf_shape = list(shape_of(op.operands[0]))
    upd_shape = list(shape_of(op.operands[1]))
    runtime_sizes = None
    upd = ctx[op.operands[1]]
    if any(is_dynamic(d) for d in upd_shape):
        shape = ctx.mb.shape(x=upd)
        runtime_sizes = {
            d: ctx.mb.gather(x=shape, indices=np.int32(d), axis=0) for d in range(len(upd_shape)) if is_dynamic(upd_shape[d])
        }
    else:
        upd = _full(ctx, upd, upd_shape)
    starts = _starts(ctx, list(op.operands)[2:], buf_shape, upd_shape, runtime_sizes)
    buf = _full(ctx, ctx[op.operands[0]], buf_shape)
    boolean = kind_of(op.results[0]) == "i1"
    if boolean:
        buf, upd = ctx.cast(buf, "i32"), ctx.cast(upd, "i32")
    out = _update(ctx, buf, buf_shape, upd, upd_shape, starts, runtime_sizes)
    return ctx.cast(out, "i1") if boolean else out
