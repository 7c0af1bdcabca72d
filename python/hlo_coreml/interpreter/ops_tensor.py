"""Shape, slicing, indexing and data-movement ops.

Semantics follow coremltools 9.0 ``ops/defs/iOS15/tensor_transformation.py``,
``tensor_operation.py``, ``scatter_gather.py`` and the iOS16/17/18
redefinitions (reshape 0-semantics, gather batch_dims, negative indices).
Out-of-bounds gather/scatter indices are an error here (Core ML leaves them
undefined; strict mode clamps and wraps them instead, see readings.py);
negative indices are accepted only before iOS17.
"""

import numpy as np

from .core import _IOS17, InterpreterError, arg, blist, ilist, opset, register, scalar
from .readings import resolve_indices, underspecified


def _x(op, env, name="x"):
    return np.asarray(arg(op, env, name))


def _axis(axis, rank):
    axis = int(axis)
    return axis + rank if axis < 0 else axis


# ----------------------------------------------------------------------------
# reshaping
# ----------------------------------------------------------------------------


@register("reshape")
def reshape(op, env):
    """Reshape; 0 copies a dim (by position before iOS17, from the right from iOS17), -1 infers."""
    x = _x(op, env)
    shape = ilist(arg(op, env, "shape"))
    if 0 in shape:
        if opset(op) >= _IOS17:
            rev_from, rev_to = list(x.shape)[::-1], shape[::-1]
            rev_to = [
                (rev_from[i] if i < len(rev_from) else 1) if d == 0 else d for i, d in enumerate(rev_to)
            ]
            shape = rev_to[::-1]
        else:
            if len(shape) != x.ndim:
                raise InterpreterError(
                    f"reshape {op.name!r}: 0 in shape {shape} requires len(shape) == rank(x) = {x.ndim}"
                )
            shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    if shape.count(-1) > 1:
        raise InterpreterError(f"reshape {op.name!r}: more than one -1 in shape {shape}")
    return x.reshape(shape)


@register("reshape_like")
def reshape_like(op, env):
    """Reshape x to the concatenation of slices of the reference tensors' shapes."""
    x = _x(op, env)
    refs = arg(op, env, "ref_tensors")
    begins, ends, masks = arg(op, env, "begins"), arg(op, env, "ends"), arg(op, env, "end_masks")
    shape = []
    for r, b, e, m in zip(refs, begins, ends, masks):
        s = np.asarray(r).shape
        shape += list(s[int(scalar(b)):] if scalar(m) else s[int(scalar(b)):int(scalar(e))])
    return x.reshape(shape)


@register("transpose")
def transpose(op, env):
    """Permute dims by ``perm``."""
    return np.transpose(_x(op, env), ilist(arg(op, env, "perm")))


@register("expand_dims")
def expand_dims(op, env):
    """Insert size-1 dims at ``axes`` (positions in the output)."""
    x = _x(op, env)
    axes = ilist(arg(op, env, "axes"))
    out_rank = x.ndim + len(axes)
    shape = list(x.shape)
    for a in sorted(_axis(a, out_rank) for a in axes):
        shape.insert(a, 1)
    return x.reshape(shape)


@register("squeeze")
def squeeze(op, env):
    """Drop size-1 dims (all, or those in ``axes``; non-1 dims in axes are ignored)."""
    x = _x(op, env)
    axes = arg(op, env, "axes")
    if axes is None:
        return np.squeeze(x)
    axes = {_axis(a, x.ndim) for a in ilist(axes)}
    return np.squeeze(x, axis=tuple(a for a in axes if x.shape[a] == 1))


@register("flatten2d")
def flatten2d(op, env):
    """Reshape to [prod(shape[:axis]), prod(shape[axis:])] (axis default 1)."""
    x = _x(op, env)
    axis = int(scalar(arg(op, env, "axis"), 1))
    return x.reshape(int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))


@register("shape")
def shape(op, env):
    """The shape of x as int32."""
    return np.array(_x(op, env).shape, dtype=np.int32)


# ----------------------------------------------------------------------------
# combining / splitting
# ----------------------------------------------------------------------------


@register("concat")
def concat(op, env):
    """Concatenate along ``axis``; ``interleave`` alternates the inputs instead."""
    values = [np.atleast_1d(np.asarray(v)) for v in arg(op, env, "values")]
    axis = _axis(scalar(arg(op, env, "axis")), values[0].ndim)
    if scalar(arg(op, env, "interleave"), False):
        stacked = np.stack(values, axis=axis + 1)
        shape = list(values[0].shape)
        shape[axis] *= len(values)
        return stacked.reshape(shape)
    return np.concatenate(values, axis=axis)


@register("stack")
def stack(op, env):
    """Stack along a new ``axis``."""
    return np.stack([np.asarray(v) for v in arg(op, env, "values")], axis=int(scalar(arg(op, env, "axis"))))


@register("split")
def split(op, env):
    """Split along ``axis`` into ``num_splits`` equal parts or by ``split_sizes``."""
    x = _x(op, env)
    axis = _axis(scalar(arg(op, env, "axis")), x.ndim)
    sizes = arg(op, env, "split_sizes")
    if sizes is not None:
        sizes = ilist(sizes)
    else:
        n = int(scalar(arg(op, env, "num_splits")))
        if x.shape[axis] % n:
            raise InterpreterError(f"split {op.name!r}: dim {x.shape[axis]} not divisible by {n}")
        sizes = [x.shape[axis] // n] * n
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


@register("tile")
def tile(op, env):
    """Repeat x ``reps[i]`` times along each dim."""
    return np.tile(_x(op, env), ilist(arg(op, env, "reps")))


# ----------------------------------------------------------------------------
# slicing
# ----------------------------------------------------------------------------


def _index_slices(op, env, x):
    """Python index tuple for slice_by_index / slice_update, and the squeezed axes."""
    rank = x.ndim
    begin = ilist(arg(op, env, "begin"))
    end = ilist(arg(op, env, "end"))
    stride = ilist(arg(op, env, "stride"), [1] * rank)
    bmask = blist(arg(op, env, "begin_mask"), rank)
    emask = blist(arg(op, env, "end_mask"), rank)
    smask = blist(arg(op, env, "squeeze_mask"), rank)
    idx = []
    for i in range(rank):
        if smask[i]:  # index at begin (0 if begin is masked), drops the dim
            idx.append(0 if bmask[i] else begin[i])
        else:
            idx.append(slice(None if bmask[i] else begin[i], None if emask[i] else end[i], stride[i]))
    return tuple(idx)


@register("slice_by_index")
def slice_by_index(op, env):
    """Python-style strided slice with begin/end/squeeze masks."""
    x = _x(op, env)
    return np.array(x[_index_slices(op, env, x)])


@register("slice_update")
def slice_update(op, env):
    """Copy of x with the slice_by_index region replaced by ``update``."""
    x = _x(op, env).copy()
    idx = _index_slices(op, env, x)
    region = x[idx]
    x[idx] = np.asarray(arg(op, env, "update")).reshape(np.shape(region))
    return x


@register("slice_by_size")
def slice_by_size(op, env):
    """Slice ``size[i]`` elements from ``begin[i]`` (size -1: to the end)."""
    x = _x(op, env)
    begin = ilist(arg(op, env, "begin"))
    size = ilist(arg(op, env, "size"))
    idx = []
    for i, (b, s) in enumerate(zip(begin, size)):
        b = b + x.shape[i] if b < 0 else b
        idx.append(slice(b, None) if s == -1 else slice(b, b + s))
    return np.array(x[tuple(idx)])


@register("reverse")
def reverse(op, env):
    """Flip along ``axes`` (all axes if not given)."""
    x = _x(op, env)
    axes = arg(op, env, "axes")
    axes = range(x.ndim) if axes is None else ilist(axes)
    return np.flip(x, axis=tuple(_axis(a, x.ndim) for a in axes)) if x.ndim else x


@register("reverse_sequence")
def reverse_sequence(op, env):
    """Reverse the first lengths[b] elements along seq_axis for each b along batch_axis."""
    x = _x(op, env)
    lengths = np.asarray(arg(op, env, "lengths")).astype(np.int64).reshape(-1)
    seq = _axis(scalar(arg(op, env, "seq_axis"), 0), x.ndim)
    bat = _axis(scalar(arg(op, env, "batch_axis"), 0), x.ndim)
    pos = np.arange(x.shape[seq]).reshape([-1 if i == seq else 1 for i in range(x.ndim)])
    lens = lengths.reshape([-1 if i == bat else 1 for i in range(x.ndim)])
    src = np.where(pos < lens, lens - 1 - pos, pos)
    return np.take_along_axis(x, np.broadcast_to(src, x.shape), axis=seq)


@register("sliding_windows")
def sliding_windows(op, env):
    """All windows of ``size`` with ``stride`` along ``axis``; window dim inserted after axis."""
    x = _x(op, env)
    axis = _axis(scalar(arg(op, env, "axis")), x.ndim)
    size = int(scalar(arg(op, env, "size")))
    stride = int(scalar(arg(op, env, "stride"), 1))
    w = np.lib.stride_tricks.sliding_window_view(x, size, axis=axis)
    sl = [slice(None)] * w.ndim
    sl[axis] = slice(None, None, stride)
    return np.array(np.moveaxis(w[tuple(sl)], -1, axis + 1))


# ----------------------------------------------------------------------------
# padding and filling
# ----------------------------------------------------------------------------


@register("pad")
def pad(op, env):
    """Pad the last N dims; modes constant (constant_val), reflect, replicate."""
    x = _x(op, env)
    p = ilist(arg(op, env, "pad"))
    if len(p) % 2 or len(p) // 2 > x.ndim or min(p, default=0) < 0:
        raise InterpreterError(f"pad {op.name!r}: invalid pad {p} for rank {x.ndim}")
    widths = [(0, 0)] * (x.ndim - len(p) // 2) + [(p[2 * i], p[2 * i + 1]) for i in range(len(p) // 2)]
    mode = arg(op, env, "mode", "constant")
    if mode == "constant":
        cval = np.asarray(arg(op, env, "constant_val", 0.0)).astype(x.dtype)
        return np.pad(x, widths, mode="constant", constant_values=cval)
    if mode == "reflect":
        return np.pad(x, widths, mode="reflect")
    if mode == "replicate":
        return np.pad(x, widths, mode="edge")
    raise InterpreterError(f"pad {op.name!r}: unknown mode {mode!r}")


@register("fill")
def fill(op, env):
    """Tensor of ``shape`` filled with ``value`` (default 0.0)."""
    value = np.asarray(arg(op, env, "value", np.float32(0.0)))
    return np.full(ilist(arg(op, env, "shape")), value, dtype=value.dtype)


@register("fill_like")
def fill_like(op, env):
    """Tensor shaped like ``ref_tensor`` filled with ``value`` (default 0.0)."""
    value = np.asarray(arg(op, env, "value", np.float32(0.0)))
    return np.full(np.shape(arg(op, env, "ref_tensor")), value, dtype=value.dtype)


@register("range_1d")
def range_1d(op, env):
    """arange(start, end, step)."""
    start, end, step = (np.asarray(arg(op, env, n)) for n in ("start", "end", "step"))
    return np.arange(start[()], end[()], step[()]).astype(start.dtype)


@register("one_hot")
def one_hot(op, env):
    """One-hot vectors of length ``one_hot_vector_size`` inserted at ``axis`` (default -1)."""
    idx = np.asarray(arg(op, env, "indices"))
    depth = int(scalar(arg(op, env, "one_hot_vector_size")))
    axis = int(scalar(arg(op, env, "axis"), -1))
    axis = axis + idx.ndim + 1 if axis < 0 else axis
    on = np.asarray(arg(op, env, "on_value", np.int32(1)))
    off = np.asarray(arg(op, env, "off_value", np.int32(0)))
    hot = np.expand_dims(idx, axis) == np.arange(depth).reshape([-1 if i == axis else 1 for i in range(idx.ndim + 1)])
    return np.where(hot, on, off)


@register("band_part")
def band_part(op, env):
    """Zero everything outside a band of the last two dims (negative: keep all)."""
    x = _x(op, env)
    lower = int(scalar(arg(op, env, "lower"), -1))
    upper = int(scalar(arg(op, env, "upper"), -1))
    m, n = x.shape[-2:]
    d = np.arange(m)[:, None] - np.arange(n)[None, :]
    keep = ((lower < 0) | (d <= lower)) & ((upper < 0) | (-d <= upper))
    return np.where(keep, x, np.zeros((), x.dtype))


@register("non_zero")
def non_zero(op, env):
    """[N, rank] int32 indices of the non-zero elements."""
    return np.transpose(np.nonzero(_x(op, env))).astype(np.int32)


# ----------------------------------------------------------------------------
# depth / space rearrangement
# ----------------------------------------------------------------------------


@register("depth_to_space")
def depth_to_space(op, env):
    """TF-style (DCR) depth to space on NCHW."""
    x = _x(op, env)
    bs = int(scalar(arg(op, env, "block_size")))
    n, c, h, w = x.shape
    y = x.reshape(n, bs, bs, c // (bs * bs), h, w).transpose(0, 3, 4, 1, 5, 2)
    return y.reshape(n, c // (bs * bs), h * bs, w * bs)


@register("space_to_depth")
def space_to_depth(op, env):
    """TF-style space to depth on NCHW (inverse of depth_to_space)."""
    x = _x(op, env)
    bs = int(scalar(arg(op, env, "block_size")))
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // bs, bs, w // bs, bs).transpose(0, 3, 5, 1, 2, 4)
    return y.reshape(n, c * bs * bs, h // bs, w // bs)


@register("pixel_shuffle")
def pixel_shuffle(op, env):
    """PyTorch PixelShuffle (CRD order)."""
    x = _x(op, env)
    f = int(scalar(arg(op, env, "upscale_factor")))
    n, c, h, w = x.shape
    y = x.reshape(n, c // (f * f), f, f, h, w).transpose(0, 1, 4, 2, 5, 3)
    return y.reshape(n, c // (f * f), h * f, w * f)


@register("pixel_unshuffle")
def pixel_unshuffle(op, env):
    """PyTorch PixelUnshuffle."""
    x = _x(op, env)
    f = int(scalar(arg(op, env, "downscale_factor")))
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // f, f, w // f, f).transpose(0, 1, 3, 5, 2, 4)
    return y.reshape(n, c * f * f, h // f, w // f)


# ----------------------------------------------------------------------------
# gather / scatter
# ----------------------------------------------------------------------------


def _indexed(op, env, idx, dim_sizes, body):
    """`body(indices)` with ``idx`` checked against ``dim_sizes`` (the last
    axis of ``idx`` runs over them when there are several); negatives wrap
    before iOS17. Out-of-range indices are "undefined but memory safe"
    (scatter_gather.py): an error by default, clamped or wrapped in the two
    strict-mode readings."""
    idx = np.asarray(idx).astype(np.int64)
    dims = np.asarray(dim_sizes, dtype=np.int64)
    allow_neg = opset(op) < _IOS17
    low = -dims if allow_neg else np.zeros_like(dims)
    bad = (idx < low) | (idx >= dims)
    idx = np.where((idx < 0) & (idx >= low), idx + dims, idx)
    if not np.any(bad):
        return body(idx)
    if env.interp.reading.out_of_range == "error":
        first = idx[bad].reshape(-1)[0]
        rule = "[-D, D)" if allow_neg else "[0, D) (negative indices are out of bounds from iOS17)"
        raise InterpreterError(
            f"{op.op_type} {op.name!r}: index {first} out of bounds for dim size(s) {dim_sizes}; "
            f"valid range is {rule}"
        )
    return underspecified(op, env, "out_of_range", lambda choice: body(resolve_indices(idx, dims, choice)))


@register("gather")
def gather(op, env):
    """Take ``indices`` along ``axis`` with ``batch_dims`` leading batch dims."""
    x = _x(op, env)
    axis = _axis(scalar(arg(op, env, "axis"), 0), x.ndim)
    bd = int(scalar(arg(op, env, "batch_dims"), 0))

    def body(idx):
        if bd == 0:
            return np.take(x, idx, axis=axis)
        bshape = x.shape[:bd]
        xf = x.reshape((-1,) + x.shape[bd:])
        idf = idx.reshape((-1,) + idx.shape[bd:])
        res = np.stack([np.take(p, i, axis=axis - bd) for p, i in zip(xf, idf)])
        return res.reshape(bshape + res.shape[1:])

    return _indexed(op, env, arg(op, env, "indices"), x.shape[axis], body)


@register("gather_along_axis")
def gather_along_axis(op, env):
    """np.take_along_axis(x, indices, axis)."""
    x = _x(op, env)
    axis = _axis(scalar(arg(op, env, "axis"), 0), x.ndim)
    return _indexed(
        op, env, arg(op, env, "indices"), x.shape[axis], lambda idx: np.take_along_axis(x, idx, axis=axis)
    )


@register("gather_nd")
def gather_nd(op, env):
    """tf.gather_nd: indices[..., :K] index the dims after ``batch_dims``."""
    x = _x(op, env)
    bd = int(scalar(arg(op, env, "batch_dims"), 0))
    raw = np.asarray(arg(op, env, "indices"))
    k = raw.shape[-1]

    def body(idx):
        if bd == 0:
            return x[tuple(idx[..., i] for i in range(k))]
        bshape = x.shape[:bd]
        xf = x.reshape((-1,) + x.shape[bd:])
        idf = idx.reshape((-1,) + idx.shape[bd:])
        res = np.stack([p[tuple(i[..., j] for j in range(k))] for p, i in zip(xf, idf)])
        return res.reshape(bshape + res.shape[1:])

    return _indexed(op, env, raw, x.shape[bd:bd + k], body)


_SCATTER_UFUNCS = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "max": np.maximum,
    "min": np.minimum,
}


def _scatter_into(op, env, data, index, updates, mode):
    """Apply updates at ``index`` (a tuple of index arrays) with ``mode``."""
    out = data.copy()
    updates = np.asarray(updates).astype(out.dtype)
    if mode == "update":
        return _scatter_update(op, env, out, index, updates)
    if mode in _SCATTER_UFUNCS:
        _SCATTER_UFUNCS[mode].at(out, index, updates)
    elif mode == "div":
        tmp = out.astype(np.float64)
        np.divide.at(tmp, index, updates.astype(np.float64))
        out = tmp.astype(out.dtype)
    else:
        raise InterpreterError(f"{op.op_type} {op.name!r}: unknown mode {mode!r}")
    return out


def _scatter_update(op, env, out, index, updates):
    """mode "update": which of several updates of one element wins is not
    documented; the last by default, the first in strict mode's other reading."""
    # Element positions of every update, in update order.
    positions = np.ravel_multi_index(tuple(np.broadcast_arrays(*index)), out.shape[: len(index)])
    tail = out.shape[len(index):]
    flat_pos = np.asarray(positions).reshape(-1)
    flat_upd = np.broadcast_to(updates, np.broadcast(*index).shape + tail).reshape((-1,) + tail)
    if len(np.unique(flat_pos)) == len(flat_pos):
        out[index] = updates
        return out

    def compute(choice):
        result = out.reshape((-1,) + tail).copy()
        order = np.arange(len(flat_pos)) if choice == "last" else np.arange(len(flat_pos))[::-1]
        for i in order:
            result[flat_pos[i]] = flat_upd[i]
        return result.reshape(out.shape)

    return underspecified(op, env, "duplicates", compute)


@register("scatter")
def scatter(op, env):
    """data[..., indices[i], ...] (mode)= updates[..., i, ...] along ``axis``; mode default 'add'."""
    data = _x(op, env, "data")
    axis = _axis(scalar(arg(op, env, "axis"), 0), data.ndim)
    updates = np.moveaxis(np.asarray(arg(op, env, "updates")), axis, 0)
    moved = np.moveaxis(data, axis, 0)

    def body(idx):
        out = _scatter_into(op, env, moved, (idx.reshape(-1),), updates, arg(op, env, "mode", "add"))
        return np.moveaxis(out, 0, axis)

    return _indexed(op, env, arg(op, env, "indices"), data.shape[axis], body)


@register("scatter_along_axis")
def scatter_along_axis(op, env):
    """Scatter updates at positions given by ``indices`` along ``axis``; mode default 'add'."""
    data = _x(op, env, "data")
    axis = _axis(scalar(arg(op, env, "axis"), 0), data.ndim)

    def body(idx):
        index = list(np.indices(idx.shape, sparse=True))
        index[axis] = idx
        index = tuple(np.broadcast_arrays(*index))
        return _scatter_into(op, env, data, index, arg(op, env, "updates"), arg(op, env, "mode", "add"))

    return _indexed(op, env, arg(op, env, "indices"), data.shape[axis], body)


@register("scatter_nd")
def scatter_nd(op, env):
    """data[indices[i..., :]] (mode)= updates[i...]; mode default 'add'."""
    data = _x(op, env, "data")
    raw = np.asarray(arg(op, env, "indices"))
    k = raw.shape[-1]

    def body(idx):
        index = tuple(idx[..., i] for i in range(k))
        return _scatter_into(op, env, data, index, arg(op, env, "updates"), arg(op, env, "mode", "add"))

    return _indexed(op, env, raw, data.shape[:k], body)
