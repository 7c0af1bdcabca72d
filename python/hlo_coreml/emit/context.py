"""State shared by the emit functions while one MIL function is built."""

from __future__ import annotations

import numpy as np

from .._mlir import ir
from ..element_types import NUMPY_DTYPES, element_kind, shape_of, tensor_type


class EmitContext:
    """Maps MLIR values to MIL vars and offers small helpers.

    `mb` is coremltools' MIL Builder; emit functions call `ctx.mb.<op>(...)`.
    The value map is keyed on the MLIR values themselves (hashing a value is
    O(1); printing its name is not), so the cost per op stays flat as the
    module grows.
    """

    def __init__(self, mb, target):
        self.mb = mb
        self.target = target
        self._vars: dict[ir.Value, object] = {}
        self._derived: dict[tuple, object] = {}

    # -- values -----------------------------------------------------------
    def __getitem__(self, value: ir.Value):
        return self._vars[value]

    def bind(self, value: ir.Value, var) -> None:
        self._vars[value] = var

    def operands(self, op) -> list:
        return [self._vars[v] for v in op.operands]

    # -- constants --------------------------------------------------------
    def const(self, array) -> object:
        return self.mb.const(val=np.asarray(array))

    def derived_const(self, source: ir.Value, variant, make) -> object:
        """A const derived from the constant `source` (a transposed or
        re-typed weight), built by `make()` once and shared by every op that
        asks for the same (source, variant): an unrolled loop then stores one
        weight, not one per step."""
        key = (source, variant)
        var = self._derived.get(key)
        if var is None:
            var = self.const(make())
            self._derived[key] = var
        return var

    def scalar(self, value, like: ir.Value | ir.Type | str):
        """A rank-0 constant with the element dtype of `like` (a value, a
        tensor type, or a kind such as 'f32'), so no op sees mixed dtypes."""
        kind = like if isinstance(like, str) else element_kind(tensor_type(like).element_type)
        return self.mb.const(val=NUMPY_DTYPES[kind](value))

    def cast(self, var, kind: str):
        from ..element_types import MIL_CAST_NAMES

        return self.mb.cast(x=var, dtype=MIL_CAST_NAMES[kind])

    def reshape(self, var, shape) -> object:
        shape = [int(d) for d in shape]
        if tuple(var.shape) == tuple(shape):
            return var
        return self.mb.reshape(x=var, shape=np.array(shape, dtype=np.int32))

    def broadcast_to(self, var, shape) -> object:
        """Tile `var` (same rank, dims of 1 where broadcast) to `shape`."""
        shape = tuple(int(d) for d in shape)
        if tuple(var.shape) == shape:
            return var
        reps = [s if d == 1 else 1 for d, s in zip(var.shape, shape)]
        return self.mb.tile(x=var, reps=np.array(reps, dtype=np.int32))

    def result_shape(self, op, index: int = 0) -> tuple[int, ...]:
        return shape_of(op.results[index])
