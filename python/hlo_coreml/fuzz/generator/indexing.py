"""Families: gather and scatter, sort / argsort / top_k."""

from __future__ import annotations

import numpy as np

from ..program import Input, is_float
from .core import MAX_IO_RANK, Gen, Reject, _axis

def fam_gather_scatter(g: Gen):
    x = g.pick("num", min_rank=1, max_rank=5)
    shape = g.shape_of(x)
    dtype = g.dtype_of(x)
    d0 = shape[0]
    op = g.choice(("index", "take", "take_along_axis", "index_2", "set", "add", "sub", "mul", "min", "max"))
    if op in ("index", "take", "take_along_axis", "index_2"):
        if op == "take_along_axis":
            axis = _axis(g, shape)
            ishape = list(shape)
            ishape[axis] = g.int(1, 4)
            idx = g.new_input(tuple(ishape), "int32", lo=0, hi=shape[axis] - 1)
            return "gather", op, f"jnp.take_along_axis({{0}}, {{1}}, axis={axis})", (x, idx)
        if op == "take":
            axis = _axis(g, shape)
            idx = g.new_input(g.shape(g.int(0, 2), 4), "int32", lo=0, hi=shape[axis] - 1)
            return "gather", op, f"jnp.take({{0}}, {{1}}, axis={axis})", (x, idx)
        if op == "index_2" and len(shape) >= 2:
            ishape = g.shape(g.int(0, 2), 3)
            i0 = g.new_input(ishape, "int32", lo=-d0, hi=d0 - 1)
            i1 = g.new_input(ishape, "int32", lo=-shape[1], hi=shape[1] - 1)
            return "gather", op, "{0}[{1}, {2}]", (x, i0, i1)
        idx = g.new_input(g.shape(g.int(0, 2), 4), "int32", lo=-d0, hi=d0 - 1)
        return "gather", "index", "{0}[{1}]", (x, idx)
    # scatter x.at[idx].<op>(updates); `set` with distinct indices (JAX leaves
    # the winner of duplicate indices unspecified).
    n = g.int(1, d0 if op == "set" else 5)
    if op == "set":
        data = g.rng.permutation(d0)[:n].astype(np.int32)
        idx = f"a{len(g.inputs)}"
        g.inputs.append(Input(idx, data))
        g.types[idx] = ((n,), "int32")
    else:
        idx = g.new_input((n,), "int32", lo=-d0, hi=d0 - 1)
    ushape = (n,) + tuple(shape[1:])
    if len(ushape) > MAX_IO_RANK:
        raise Reject
    upd = g.new_input(ushape, dtype) if g.chance(0.7) else None
    method = {"sub": "subtract", "mul": "multiply", "min": "min", "max": "max", "set": "set", "add": "add"}[op]
    if upd is None:
        return "scatter", op, f"{{0}}.at[{{1}}].{method}({g.lit(2, dtype)})", (x, idx)
    return "scatter", op, f"{{0}}.at[{{1}}].{method}({{2}})", (x, idx, upd)


def fam_sort(g: Gen):
    x = g.pick("num", min_rank=1)
    shape = g.shape_of(x)
    discrete = is_float(g.dtype_of(x))
    op = g.choice(("sort", "sort_desc", "argsort", "top_k", "top_k_indices"))
    axis = _axis(g, shape)
    if op == "sort":
        return "sort", op, f"jnp.sort({{0}}, axis={axis})", (x,)
    if op == "sort_desc":
        return "sort", op, f"jnp.sort({{0}}, axis={axis}, descending=True)", (x,)
    if op == "argsort":
        return "sort", op, f"jnp.argsort({{0}}, axis={axis})", (x,), discrete
    k = g.int(1, shape[-1])
    if op == "top_k":
        return "sort", op, f"lax.top_k({{0}}, {k})[0]", (x,)
    return "sort", op, f"lax.top_k({{0}}, {k})[1]", (x,), discrete
