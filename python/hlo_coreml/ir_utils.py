"""Typed attribute and use-def helpers over the MLIR Python bindings."""

from __future__ import annotations

import numpy as np

from ._mlir import ir


def i64_array(op, name: str, default=None) -> list[int]:
    """A DenseI64ArrayAttr (or i64 DenseIntElementsAttr) attribute as a list."""
    if name not in op.attributes:
        return list(default) if default is not None else []
    attr = op.attributes[name]
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return list(attr)
    if isinstance(attr, ir.DenseBoolArrayAttr):
        return [bool(x) for x in attr]
    return [int(x) for x in np.asarray(attr).reshape(-1)]


def int_attr(op, name: str, default: int | None = None) -> int | None:
    if name not in op.attributes:
        return default
    return ir.IntegerAttr(op.attributes[name]).value


def dense_array(attr: ir.Attribute) -> np.ndarray:
    """The value of a dense elements attribute as a NumPy array (full shape)."""
    shape = tuple(ir.ShapedType(attr.type).shape)
    return np.asarray(attr).reshape(shape)


def constant_value(value: ir.Value) -> np.ndarray | None:
    """The array held by the `stablehlo.constant` defining `value`, if any."""
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.constant":
        return None
    return dense_array(owner.attributes["value"])


def defining_op_name(value: ir.Value) -> str | None:
    owner = value.owner
    return None if isinstance(owner, ir.Block) else owner.operation.name


def user_names(value: ir.Value) -> list[str]:
    return [use.owner.name for use in value.uses]
