"""Element types of the legal IR and their NumPy / MIL counterparts."""

from __future__ import annotations

import numpy as np

from ._mlir import ir

MAX_RANK = 5


def element_kind(t: ir.Type) -> str | None:
    """'f16', 'f32', 'i32' or 'i1' for the element types Core ML computes
    with, None for everything else (the legal-IR contract)."""
    if isinstance(t, ir.F32Type):
        return "f32"
    if isinstance(t, ir.F16Type):
        return "f16"
    if isinstance(t, ir.IntegerType) and t.is_signless:
        if t.width == 32:
            return "i32"
        if t.width == 1:
            return "i1"
    return None


NUMPY_DTYPES = {"f16": np.float16, "f32": np.float32, "i32": np.int32, "i1": np.bool_}
# Names understood by coremltools' `mb.cast(dtype=...)`.
MIL_CAST_NAMES = {"f16": "fp16", "f32": "fp32", "i32": "int32", "i1": "bool"}


def numpy_dtype(t: ir.Type):
    kind = element_kind(t)
    if kind is None:
        raise TypeError(f"no Core ML dtype for {t}")
    return NUMPY_DTYPES[kind]


def tensor_type(value_or_type) -> ir.RankedTensorType:
    t = value_or_type if isinstance(value_or_type, ir.Type) else value_or_type.type
    return ir.RankedTensorType(t)


def shape_of(value) -> tuple[int, ...]:
    return tuple(tensor_type(value).shape)


def is_dynamic(dim: int) -> bool:
    """True for a `?` dimension (MLIR reports it as a large negative sentinel)."""
    return ir.ShapedType.is_dynamic_size(dim)


def has_dynamic_dims(value_or_type) -> bool:
    t = value_or_type if isinstance(value_or_type, ir.Type) else value_or_type.type
    return isinstance(t, ir.RankedTensorType) and not t.has_static_shape


def kind_of(value) -> str | None:
    return element_kind(tensor_type(value).element_type)
