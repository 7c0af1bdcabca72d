"""Typed helpers for rewrite patterns: type queries, constants from NumPy
arrays, and builders of the few StableHLO ops that patterns create most
(reshape, transpose, slice, concatenate), each a no-op when the op would
change nothing. They build at the current insertion point and location.
"""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir, stablehlo


def tensor_type(value_or_type) -> ir.RankedTensorType:
    t = value_or_type if isinstance(value_or_type, ir.Type) else value_or_type.type
    return ir.RankedTensorType(t)


def shape_of(value) -> list[int]:
    return list(tensor_type(value).shape)


def element_of(value) -> ir.Type:
    return tensor_type(value).element_type


def numpy_dtype(element: ir.Type):
    """The NumPy dtype for an MLIR element type, or None (bf16, complex, ...)."""
    if isinstance(element, ir.IntegerType):
        if element.width == 1:
            return np.dtype(np.bool_)
        if element.width in (8, 16, 32, 64):
            kind = "u" if element.is_unsigned else "i"
            return np.dtype(f"{kind}{element.width // 8}")
        return None
    if isinstance(element, ir.F32Type):
        return np.dtype(np.float32)
    if isinstance(element, ir.F16Type):
        return np.dtype(np.float16)
    if isinstance(element, ir.F64Type):
        return np.dtype(np.float64)
    return None


def is_integer_like(element: ir.Type) -> bool:
    return isinstance(element, ir.IntegerType)


def attr_array(attr, shape) -> np.ndarray | None:
    """The full-shape value of a dense elements attribute."""
    if not isinstance(attr, ir.DenseElementsAttr):
        return None
    values = np.asarray(attr)
    if attr.is_splat:
        return np.full(shape, values.reshape(-1)[0], dtype=values.dtype)
    return values.reshape(shape)


def make_constant(array, result_type: ir.RankedTensorType) -> ir.Value:
    """A `stablehlo.constant` of `result_type` holding `array` (at the
    current insertion point and location)."""
    dtype = numpy_dtype(result_type.element_type)
    a = np.asarray(array).astype(dtype, copy=False).reshape(result_type.shape)
    flat = a.reshape(-1)
    if flat.size and (flat == flat[0]).all() and flat.size > 1:
        element = result_type.element_type
        if isinstance(element, ir.IntegerType):
            attr = ir.DenseElementsAttr.get_splat(result_type, ir.IntegerAttr.get(element, int(flat[0])))
        else:
            attr = ir.DenseElementsAttr.get_splat(result_type, ir.FloatAttr.get(element, float(flat[0])))
    else:
        attr = ir.DenseElementsAttr.get(np.ascontiguousarray(a), type=result_type)
    return stablehlo.ConstantOp(attr).result


def ranked(shape, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(shape), element)


def reshape(value: ir.Value, shape) -> ir.Value:
    """`value` reshaped to `shape` (no op when the shape already matches)."""
    shape = [int(d) for d in shape]
    if shape_of(value) == shape:
        return value
    return stablehlo.ReshapeOp(ranked(shape, element_of(value)), value).result


def transpose(value: ir.Value, perm) -> ir.Value:
    perm = [int(p) for p in perm]
    if perm == sorted(perm):
        return value
    return stablehlo.TransposeOp(value, perm).result


def slice_(value: ir.Value, start, limit, strides=None) -> ir.Value:
    shape = shape_of(value)
    strides = list(strides) if strides is not None else [1] * len(shape)
    if list(start) == [0] * len(shape) and list(limit) == shape and all(s == 1 for s in strides):
        return value
    return stablehlo.SliceOp(value, list(start), list(limit), strides).result


def concatenate(values, dim: int) -> ir.Value:
    values = list(values)
    if len(values) == 1:
        return values[0]
    return stablehlo.ConcatenateOp(values, dim).result
