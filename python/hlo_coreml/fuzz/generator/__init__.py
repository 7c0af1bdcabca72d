"""Random, seeded JAX programs over the op families hlo-coreml supports.

`generate(seed)` returns the same `Program` for the same seed (NumPy's
PCG64 from the seed; no global state). Each family is a small function
that picks operands from the values made so far (or adds a fresh input),
picks parameters, and returns a record; `jax.eval_shape` validates it and
gives its result type, and invalid proposals are simply drawn again.

Each family function takes the `Gen` and returns (family, op, expr,
operands[, discrete]); they live by op family in core (shared state and
helpers), elementwise, shape, reduce, indexing, control and nn. A family
must draw from `g.rng` in a fixed order: the programs behind the seeds
depend on it.
"""

from __future__ import annotations

import math

import numpy as np

from ..program import Op, Program, np_dtype
from .control import fam_control
from .core import FLOATS, INTS, MAX_IO_RANK, MAX_RANK, MAX_SIZE, Gen, Reject
from .elementwise import fam_bool, fam_compare_select, fam_convert, fam_float_math, fam_int_math
from .indexing import fam_gather_scatter, fam_sort
from .nn import fam_conv, fam_reduce_window
from .reduce import fam_dot, fam_fused, fam_linalg, fam_reduce
from .shape import fam_iota, fam_shape, fam_slice_pad

__all__ = [
    "FAMILIES", "FLOATS", "INTS", "MAX_IO_RANK", "MAX_RANK", "MAX_SIZE", "REPORTED_FAMILIES", "Gen", "Reject", "generate",
]

FAMILIES = {
    "elementwise_float": (fam_float_math, 3),
    "elementwise_int": (fam_int_math, 3),
    "compare_select": (fam_compare_select, 2),
    "bool": (fam_bool, 1),
    "convert": (fam_convert, 1),
    "shape": (fam_shape, 3),
    "slice_pad": (fam_slice_pad, 3),
    "reduce": (fam_reduce, 2),
    "dot": (fam_dot, 1),
    "gather_scatter": (fam_gather_scatter, 2),
    "sort": (fam_sort, 1),
    "control": (fam_control, 1),
    "conv": (fam_conv, 1),
    "reduce_window": (fam_reduce_window, 1),
    "iota": (fam_iota, 1),
    "linalg": (fam_linalg, 0.3),
    "fused": (fam_fused, 0.7),
}
# Families as they are reported (a generator may report several).
REPORTED_FAMILIES = (
    "elementwise_float", "elementwise_int", "bitwise", "compare_select", "convert", "shape", "slice_pad",
    "reduce", "cumulative", "dot", "gather", "scatter", "sort", "control", "conv", "reduce_window", "iota",
    "linalg", "fused",
)  # fmt: skip


def _propose(g: Gen, fam) -> Op | None:
    """One record from family function `fam`, validated with eval_shape;
    None (and no new inputs kept) if it does not apply."""
    import jax

    n_inputs = len(g.inputs)
    saved_types = dict(g.types)
    try:
        out = fam(g)
        family, opname, expr, operands = out[:4]
        discrete = bool(out[4]) if len(out) > 4 else False
        params = ", ".join(f"_{i}" for i in range(len(operands)))
        fn = eval(f"lambda {params}: " + expr.format(*[f"_{i}" for i in range(len(operands))]), _namespace())  # noqa: S307
        structs = [jax.ShapeDtypeStruct(g.types[o][0], np_dtype(g.types[o][1])) for o in operands]
        aval = jax.eval_shape(fn, *structs)
        if not hasattr(aval, "shape"):
            raise Reject
        shape = tuple(int(d) for d in aval.shape)
        dtype = "bfloat16" if aval.dtype.name == "bfloat16" else aval.dtype.name
        if len(shape) > MAX_RANK or 0 in shape or math.prod(shape) > MAX_SIZE:
            raise Reject
    except Exception:  # noqa: BLE001 - an invalid proposal; draw again
        del g.inputs[n_inputs:]
        g.types = saved_types
        return None
    name = f"v{len(g.ops)}"
    op = Op(name, family, opname, expr, tuple(operands), shape, dtype, discrete)
    g.types[name] = (shape, dtype)
    return op


_NS: dict = {}


def _namespace() -> dict:
    if not _NS:
        exec("import jax\nimport jax.numpy as jnp\nimport numpy as np\nfrom jax import lax\n", _NS)  # noqa: S102
    return _NS


def generate(seed: int, *, min_ops: int = 3, max_ops: int = 14, families=None) -> Program:
    """The program for `seed` (deterministic). `families` restricts the
    families drawn (names of FAMILIES)."""
    import jax

    g = Gen(seed)
    names = sorted(families or FAMILIES)
    weights = np.array([FAMILIES[n][1] for n in names], dtype=np.float64)
    weights /= weights.sum()
    target = g.int(min_ops, max_ops)
    with jax.enable_x64(g.x64):
        attempts = 0
        while len(g.ops) < target and attempts < 40 * max_ops:
            attempts += 1
            fam = FAMILIES[names[int(g.rng.choice(len(names), p=weights))]][0]
            op = _propose(g, fam)
            if op is not None:
                g.ops.append(op)
    used = {o for op in g.ops for o in op.operands}
    outputs = [op.name for op in g.ops if op.name not in used and len(op.shape) <= MAX_IO_RANK]
    if not outputs or g.ops[-1].name not in outputs:
        last = g.ops[-1]
        if len(last.shape) > MAX_IO_RANK:
            g.ops.append(Op(f"v{len(g.ops)}", "shape", "reshape", "jnp.ravel({0})", (last.name,), (math.prod(last.shape),), last.dtype))
        outputs.append(g.ops[-1].name)
    # Inputs no op reads are dropped (the interface keeps only used ones).
    used = {o for op in g.ops for o in op.operands}
    g.inputs = [i for i in g.inputs if i.name in used]
    return Program(seed, g.inputs, g.ops, outputs[-4:], x64=g.x64)
