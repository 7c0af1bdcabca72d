"""State shared by the emit functions while one MIL function is built."""

from __future__ import annotations

import numpy as np

from .._mlir import ir
from ..element_types import NUMPY_DTYPES, element_kind, is_dynamic, shape_of, tensor_type


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
        """`var` reshaped to `shape` (an MLIR shape: `?` dims allowed). A
        `?` dim that `var` already has in place (a symbol, same rank, static
        dims equal) needs no op; one `?` dim becomes -1 in a constant shape
        (a static reshape, which the Neural Engine keeps); with more than
        one, dropping or adding a unit dim is a `squeeze` / `expand_dims`,
        anything else needs the runtime shape."""
        shape = [int(d) for d in shape]
        if tuple(var.shape) == tuple(shape):
            return var
        dynamic = [i for i, d in enumerate(shape) if is_dynamic(d)]
        if not dynamic:
            return self.mb.reshape(x=var, shape=np.array(shape, dtype=np.int32))
        if len(var.shape) == len(shape) and all(
            is_dynamic(want) or _same_dim(have, want) for have, want in zip(var.shape, shape)
        ):
            return var
        unit = _unit_axis_change(var.shape, shape) if len(dynamic) > 1 else None
        if unit is not None:
            # Only a unit dim dropped or added: no shape needed at all.
            kind, axis = unit
            if kind == "drop":
                return self.mb.squeeze(x=var, axes=[axis])
            return self.mb.expand_dims(x=var, axes=[axis])
        if len(dynamic) > 1:
            raise ValueError(f"reshape of {tuple(var.shape)} to a shape with several dynamic dims needs a runtime shape")
        shape[dynamic[0]] = -1
        return self.mb.reshape(x=var, shape=np.array(shape, dtype=np.int32))

    def broadcast_to(self, var, shape, like=()) -> object:
        """Tile `var` (same rank, dims of 1 where broadcast) to `shape` (an
        MLIR shape). Where a `?` dim of `shape` is 1 in `var`, the size is
        only known at run time: it is the broadcast of the shapes of the
        vars in `like` (the operands of the op), and `var` is tiled by
        `shape(like) / shape(var)`."""
        shape = tuple(int(d) for d in shape)
        if tuple(var.shape) == shape:
            return var
        if any(is_dynamic(d) for d in shape):
            if any(is_dynamic(want) and _same_dim(have, 1) for have, want in zip(var.shape, shape)):
                return self.tile_to_runtime(var, self.runtime_broadcast_shape(like, len(shape)))
            reps = [want if _same_dim(have, 1) and not is_dynamic(want) else 1 for have, want in zip(var.shape, shape)]
            if any(r != 1 for r in reps):
                var = self.mb.tile(x=var, reps=np.array(reps, dtype=np.int32))
            return var
        reps = [s if d == 1 else 1 for d, s in zip(var.shape, shape)]
        return self.mb.tile(x=var, reps=np.array(reps, dtype=np.int32))

    def runtime_broadcast_shape(self, like, rank: int):
        """The NumPy broadcast of the runtime shapes of `like` (vars of
        rank `rank`) as an int32 vector: elementwise `maximum` (each dim is
        1 or the common size)."""
        shapes = [self.mb.shape(x=v) for v in like if len(v.shape) == rank]
        if not shapes:
            raise ValueError("no operand carries the runtime shape of a dynamic broadcast")
        out = shapes[0]
        for s in shapes[1:]:
            out = self.mb.maximum(x=out, y=s)
        return out

    def tile_to_runtime(self, var, shape_var):
        """Tile `var` (dims 1 or equal to the target) to the int32 shape
        vector `shape_var`: reps = shape_var // shape(var)."""
        reps = self.mb.floor_div(x=shape_var, y=self.mb.shape(x=var))
        return self.mb.tile(x=var, reps=reps)

    def result_shape(self, op, index: int = 0) -> tuple[int, ...]:
        return shape_of(op.results[index])


def _unit_axis_change(have, want):
    """('drop', i) if removing the static unit dim i of `have` (a MIL
    shape) gives `want` (an MLIR shape, `?` matching any symbol), ('add', i)
    if inserting a unit dim at i does; else None."""

    def matches(h, w):
        return len(h) == len(w) and all(is_dynamic(b) or _same_dim(a, b) for a, b in zip(h, w))

    have = list(have)
    if len(have) == len(want) + 1:
        for i, d in enumerate(have):
            if _same_dim(d, 1) and matches(have[:i] + have[i + 1 :], want):
                return "drop", i
    if len(want) == len(have) + 1:
        for i, d in enumerate(want):
            if d == 1 and matches(have, list(want[:i]) + list(want[i + 1 :])):
                return "add", i
    return None


def _same_dim(have, want: int) -> bool:
    """A MIL dim (int or symbol) equals the static size `want`."""
    return isinstance(have, (int, np.integer)) and int(have) == want
