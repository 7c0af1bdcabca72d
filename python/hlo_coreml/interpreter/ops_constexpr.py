"""Compressed-weight ops (`constexpr_*`): the dequantized constant.

As documented in coremltools/converters/mil/mil/ops/defs:
- iOS16 `constexpr_affine_dequantize`: scale * (quantized_data - zero_point),
  scale and zero_point scalars or vectors along `axis`;
- iOS18 `constexpr_blockwise_shift_scale`: scale * (data - offset), scale
  and offset of data's rank, each dim of data split into
  data.shape[i] / scale.shape[i]-sized blocks;
- iOS16 `constexpr_lut_to_dense`: packed n-bit indices (LSB first) into a
  1-D lookup table, reshaped to `shape`;
- iOS18 `constexpr_lut_to_dense`: indices of the output's shape (or of it
  divided by the vector size along `vector_axis`) into a lookup table of
  rank K + 2 whose first K dims split the output into groups;
- iOS16 `constexpr_sparse_to_dense` / iOS18 `constexpr_sparse_to_dense`:
  nonzero values scattered where the bit mask is set (row-major).
"""

from __future__ import annotations

import numpy as np

from .core import InterpreterError, arg, opset, register, scalar

_IOS18 = 9


def _expand_blocks(param: np.ndarray, shape) -> np.ndarray:
    """`param` (same rank as `shape`, each dim dividing it) repeated
    blockwise to `shape`."""
    param = np.asarray(param)
    if param.ndim != len(shape):
        raise InterpreterError(f"scale/offset rank {param.ndim} differs from data rank {len(shape)}")
    for axis, (p, d) in enumerate(zip(param.shape, shape)):
        if d % p:
            raise InterpreterError(f"dim {axis}: {p} blocks do not divide size {d}")
        param = np.repeat(param, d // p, axis=axis)
    return param


@register("constexpr_blockwise_shift_scale")
def _blockwise_shift_scale(op, env):
    data = np.asarray(arg(op, env, "data"))
    scale = np.asarray(arg(op, env, "scale"))
    offset = arg(op, env, "offset")
    values = data.astype(np.float64)
    if offset is not None:
        values = values - _expand_blocks(np.asarray(offset).astype(np.float64), data.shape)
    return (values * _expand_blocks(scale.astype(np.float64), data.shape)).astype(scale.dtype)


def _along_axis(param: np.ndarray, rank: int, axis: int) -> np.ndarray:
    """A scalar or a vector along `axis`, broadcastable to rank `rank`."""
    param = np.asarray(param)
    if param.ndim == 0:
        return param
    shape = [1] * rank
    shape[axis] = param.size
    return param.reshape(shape)


@register("constexpr_affine_dequantize")
def _affine_dequantize(op, env):
    data = np.asarray(arg(op, env, "quantized_data"))
    scale = np.asarray(arg(op, env, "scale"))
    zero_point = np.asarray(arg(op, env, "zero_point"))
    axis = int(scalar(arg(op, env, "axis")))
    axis = axis + data.ndim if axis < 0 else axis
    zp = _along_axis(zero_point.astype(np.float64), data.ndim, axis)
    s = _along_axis(scale.astype(np.float64), data.ndim, axis)
    return ((data.astype(np.float64) - zp) * s).astype(scale.dtype)


def _unpack_bits(packed: np.ndarray, nbits: int, count: int) -> np.ndarray:
    """`count` n-bit unsigned fields packed LSB first into bytes."""
    bits = np.unpackbits(np.asarray(packed, np.uint8).reshape(-1), bitorder="little")
    if bits.size < nbits * count:
        raise InterpreterError(f"{bits.size} bits hold fewer than {count} {nbits}-bit indices")
    fields = bits[: nbits * count].reshape(count, nbits).astype(np.int64)
    return (fields << np.arange(nbits, dtype=np.int64)).sum(axis=1)


@register("constexpr_lut_to_dense")
def _lut_to_dense(op, env):
    lut = np.asarray(arg(op, env, "lut"))
    indices = np.asarray(arg(op, env, "indices"))
    if opset(op) < _IOS18:
        shape = [int(d) for d in np.asarray(arg(op, env, "shape")).reshape(-1)]
        count = int(np.prod(shape))
        nbits = int(round(np.log2(lut.shape[0])))
        if indices.size == count and nbits == 8:
            idx = indices.reshape(-1).astype(np.int64)
        else:
            idx = _unpack_bits(indices, nbits, count)
        return lut.reshape(-1)[idx].reshape(shape)
    # iOS18: lut [*group counts (K dims), NUM_PALETTES, VECTOR_SIZE]
    k = indices.ndim
    vector_size = lut.shape[-1]
    vector_axis = arg(op, env, "vector_axis")
    idx = indices.astype(np.int64)
    group_shape = lut.shape[:k]
    # which lookup table each index uses: the blocks of the indices' dims
    tables = []
    for axis in range(k):
        if idx.shape[axis] % group_shape[axis]:
            raise InterpreterError(f"dim {axis}: {group_shape[axis]} groups do not divide {idx.shape[axis]}")
        block = idx.shape[axis] // group_shape[axis]
        tables.append(np.arange(idx.shape[axis]) // block)
    grid = np.ix_(*tables)
    flat = lut.reshape(*group_shape, lut.shape[k], vector_size)
    values = flat[grid + (idx, slice(None))]  # indices' shape + (VECTOR_SIZE,)
    if vector_size == 1:
        return values[..., 0]
    if vector_axis is None:
        raise InterpreterError("vector palettization without vector_axis")
    axis = int(scalar(vector_axis))
    axis = axis + k if axis < 0 else axis
    # each index fills VECTOR_SIZE consecutive elements along vector_axis
    values = np.moveaxis(values, -1, axis + 1)
    shape = list(idx.shape)
    shape[axis] *= vector_size
    return values.reshape(shape)


@register("constexpr_sparse_to_dense")
def _sparse_to_dense(op, env):
    nonzero = np.asarray(arg(op, env, "nonzero_data"))
    mask = np.asarray(arg(op, env, "mask"))
    if opset(op) < _IOS18:
        shape = [int(d) for d in np.asarray(arg(op, env, "shape")).reshape(-1)]
        bits = np.unpackbits(np.asarray(mask, np.uint8).reshape(-1), bitorder="little")[: int(np.prod(shape))]
    else:
        shape = list(mask.shape)
        bits = mask.reshape(-1).astype(bool)
    out = np.zeros(int(np.prod(shape)), nonzero.dtype)
    where = np.flatnonzero(bits)
    if where.size != nonzero.size:
        raise InterpreterError(f"mask has {where.size} set bits for {nonzero.size} nonzero values")
    out[where] = nonzero.reshape(-1)
    return out.reshape(shape)
