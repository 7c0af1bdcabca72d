"""`compile(fn, *args, constants=...)`: model weights that never enter the
MLIR module.

A JAX model with its weights closed over exports them as constants of the
StableHLO module: the module then holds a copy of every weight (and a
serialized jax.export cannot exceed 2 GB). With `constants=`, the weights
are an ordinary argument of `fn` (a pytree: a dict of arrays, Flax
`variables`, the state of `nnx.split`, the arrays of `eqx.partition`); they
are exported as arguments (shapes only), and when the MIL program is built
each such argument of @main is bound to a MIL `const` holding the caller's
array itself (no copy; coremltools casts it to fp16 and writes it to
weight.bin). The result computes what the closed-over model computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .diagnostics import CompileError


@dataclass
class BoundConstants:
    """The @main arguments bound to constants: argument index -> array."""

    arrays: dict[int, np.ndarray] = field(default_factory=dict)
    # Leaves of all example arguments (= @main arguments of the export).
    leaves: int = 0

    def main_argument_count_matches(self, count: int) -> bool:
        return count == self.leaves


def constant_positions(example_args, constants) -> list[int]:
    """The positions in `example_args` that `constants` names: an index, a
    list/tuple of indices, or the argument object itself (identity, as in
    `compile(fn, params, x, constants=params)`)."""
    if isinstance(constants, bool):
        raise CompileError("constants= takes argument positions or the argument itself, not a bool")
    if isinstance(constants, int):
        positions = [constants]
    elif isinstance(constants, (list, tuple)) and constants and all(
        isinstance(p, int) and not isinstance(p, bool) for p in constants
    ):
        positions = list(constants)
    else:
        positions = [i for i, a in enumerate(example_args) if a is constants]
        if not positions:
            raise CompileError(
                "constants= must be one of the example arguments (the same object, e.g. "
                "compile(fn, params, x, constants=params)) or their positions"
            )
    for p in positions:
        if not -len(example_args) <= p < len(example_args):
            raise CompileError(f"constants= position {p}: there are {len(example_args)} example arguments")
    return sorted({p % len(example_args) for p in positions})


def split_constants(model, example_args, constants):
    """(example arguments for the export, BoundConstants): the constant
    arguments' leaves become jax.ShapeDtypeStructs (the export needs only
    their shapes) and their arrays are recorded by @main argument index."""
    if not callable(model) or isinstance(model, (str, bytes)) or type(model).__name__ == "Exported":
        raise CompileError("constants= applies to a JAX function (its weights are one of its arguments)")
    import jax

    positions = constant_positions(example_args, constants)
    bound = BoundConstants()
    export_args = []
    for position, arg in enumerate(example_args):
        leaves, treedef = jax.tree_util.tree_flatten(arg)
        if position in positions:
            structs = []
            for leaf in leaves:
                array = np.asarray(leaf)
                if array.dtype.kind == "c":
                    raise CompileError("constants= arrays must be real (complex weights are not supported)")
                dtype = jax.dtypes.canonicalize_dtype(array.dtype)
                bound.arrays[bound.leaves + len(structs)] = array
                structs.append(jax.ShapeDtypeStruct(array.shape, dtype))
            arg = jax.tree_util.tree_unflatten(treedef, structs)
        bound.leaves += len(leaves)
        export_args.append(arg)
    return tuple(export_args), bound


def bind_value(array: np.ndarray, dtype, shape) -> np.ndarray:
    """`array` as the @main argument it replaces expects it: its element
    type (after the pipeline's type changes: f64 -> f32, bf16 -> f32, small
    ints -> i32) and shape; no copy when they already agree."""
    out = array if array.dtype == dtype else array.astype(dtype)
    return out.reshape(shape) if tuple(out.shape) != tuple(shape) else out
