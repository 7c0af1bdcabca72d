"""The `hlo_coreml.dequantize` composite (hlo-coreml-fold-dequantize): a
weight kept as small integers, `scale * (data - offset)` blockwise.

| target | storage | scale / offset | MIL |
| --- | --- | --- | --- |
| iOS18+ | int4, uint4, int8, uint8 | any block grid | constexpr_blockwise_shift_scale |
| iOS16, iOS17 | int8, uint8 | per tensor or per channel (one axis) | constexpr_affine_dequantize |
| otherwise | | | the float constant |

The scale (and the offset) are built in the result's dtype, so an fp16
program sees no fp32 constant.
"""

from __future__ import annotations

import numpy as np

from .._mlir import ir
from ..element_types import NUMPY_DTYPES, kind_of, shape_of
from .ops_fused import target_version
from .registry import emits_composite

DEQUANTIZE = "hlo_coreml.dequantize"
_IOS16, _IOS18 = 7, 9


def _attrs(op) -> dict:
    d = ir.DictAttr(op.attributes["composite_attributes"])
    return {d[i].name: d[i].attr for i in range(len(d))}


def _array(attr) -> np.ndarray:
    attr = ir.DenseElementsAttr(attr)
    shape = tuple(ir.RankedTensorType(attr.type).shape)
    values = np.asarray(attr)
    if attr.is_splat:
        return np.full(shape, values.reshape(-1)[0], dtype=values.dtype)
    return values.reshape(shape)


def _check(op):
    if len(op.operands) or len(op.results) != 1 or kind_of(op.results[0]) not in ("f16", "f32"):
        return "takes no operand and has one f16/f32 result"
    attrs = _attrs(op)
    if any(k not in attrs for k in ("data", "storage", "scale")):
        return "needs the composite attributes data, storage and scale"
    if ir.StringAttr(attrs["storage"]).value not in ("int4", "uint4", "int8", "uint8"):
        return "storage must be int4, uint4, int8 or uint8"
    return None


def values(op) -> tuple[np.ndarray, str, np.ndarray, np.ndarray | None]:
    """(data, storage, scale, offset or None) of a dequantize composite."""
    attrs = _attrs(op)
    offset = _array(attrs["offset"]) if "offset" in attrs else None
    return _array(attrs["data"]), ir.StringAttr(attrs["storage"]).value, _array(attrs["scale"]), offset


def _expanded(param: np.ndarray, shape) -> np.ndarray:
    for axis, (p, d) in enumerate(zip(param.shape, shape)):
        param = np.repeat(param, d // p, axis=axis)
    return param


def _per_channel_axis(scale: np.ndarray, shape) -> int | None:
    """The one axis a per-channel scale varies along (0 for a per-tensor
    one), or None for any other block grid."""
    varying = [i for i, (s, d) in enumerate(zip(scale.shape, shape)) if s != 1]
    if not varying:
        return 0
    if len(varying) == 1 and scale.shape[varying[0]] == shape[varying[0]]:
        return varying[0]
    return None


@emits_composite(
    DEQUANTIZE,
    check=_check,
    doc="`constexpr_blockwise_shift_scale` (iOS18), `constexpr_affine_dequantize` (int8 per channel, iOS16/17), "
    "else the float constant",
)
def _dequantize(ctx, op):
    from coremltools.converters.mil.mil import types

    data, storage, scale, offset = values(op)
    kind = kind_of(op.results[0])
    dtype = NUMPY_DTYPES[kind]
    shape = shape_of(op.results[0])
    version = target_version(ctx.target)
    if version >= _IOS18:
        np_storage = {"int4": types.np_int4_dtype, "uint4": types.np_uint4_dtype,
                      "int8": np.int8, "uint8": np.uint8}[storage]
        kwargs = dict(data=data.astype(np_storage), scale=scale.astype(dtype))
        if offset is not None:
            kwargs["offset"] = offset.astype(dtype)
        return ctx.mb.constexpr_blockwise_shift_scale(**kwargs)
    axis = _per_channel_axis(scale, shape)
    if version >= _IOS16 and storage in ("int8", "uint8") and axis is not None:
        np_storage = np.int8 if storage == "int8" else np.uint8
        # zero_point in the data's dtype when the offset is integral and
        # fits it, else fp32 (both documented for iOS16's op)
        zp = np.zeros(scale.shape, np.float32) if offset is None else offset.astype(np.float32)
        info = np.iinfo(np_storage)
        if np.all(zp == np.round(zp)) and zp.min() >= info.min and zp.max() <= info.max:
            zp = zp.astype(np_storage)
        vector = (lambda a: a.reshape(-1)) if scale.size > 1 else (lambda a: a.reshape(()))
        return ctx.mb.constexpr_affine_dequantize(
            quantized_data=data.astype(np_storage),
            zero_point=vector(zp),
            scale=vector(scale.astype(dtype)),
            axis=np.int32(axis),
        )
    w = data.astype(dtype)
    if offset is not None:
        w = w - _expanded(offset.astype(dtype), shape)
    return ctx.const((w * _expanded(scale.astype(dtype), shape)).astype(dtype))
