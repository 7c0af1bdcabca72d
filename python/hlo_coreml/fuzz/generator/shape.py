"""Families: reshapes, transposes, broadcasts, reverse, roll, concatenate;
slices, pads, dynamic slices; iota."""

from __future__ import annotations

import math

from ..program import is_float
from .core import MAX_IO_RANK, MAX_RANK, Gen, Reject, _axes, _axis

def _factor(g: Gen, size: int, rank: int) -> tuple:
    dims = []
    for _ in range(rank - 1):
        divisors = [d for d in range(1, size + 1) if size % d == 0]
        d = g.choice(divisors)
        dims.append(d)
        size //= d
    dims.append(size)
    g.rng.shuffle(dims)
    return tuple(dims)


def fam_shape(g: Gen):
    x = g.pick("any", fresh=0.1)
    shape = g.shape_of(x)
    op = g.choice(("reshape", "transpose", "broadcast", "expand_dims", "squeeze", "reverse", "roll", "concatenate"))
    if op == "reshape":
        rank = g.int(0 if math.prod(shape) == 1 else 1, MAX_RANK)
        new = _factor(g, math.prod(shape), rank)
        return "shape", op, f"jnp.reshape({{0}}, {new})", (x,)
    if op == "transpose":
        perm = tuple(int(p) for p in g.rng.permutation(len(shape)))
        return "shape", op, f"jnp.transpose({{0}}, {perm})", (x,)
    if op == "broadcast":
        lead = tuple(g.int(1, 3) for _ in range(g.int(0, 2)))
        new = lead + tuple(g.int(2, 3) if d == 1 and g.chance(0.5) else d for d in shape)
        return "shape", op, f"jnp.broadcast_to({{0}}, {new})", (x,)
    if op == "expand_dims":
        return "shape", op, f"jnp.expand_dims({{0}}, {g.int(0, len(shape))})", (x,)
    if op == "squeeze":
        ones = tuple(a for a, d in enumerate(shape) if d == 1)
        if not ones:
            raise Reject
        return "shape", op, f"jnp.squeeze({{0}}, {ones})", (x,)
    if op == "reverse":
        return "shape", op, f"jnp.flip({{0}}, {_axes(g, shape) or _axis(g, shape)})", (x,)
    if op == "roll":
        return "shape", op, f"jnp.roll({{0}}, {g.int(-7, 7)}, axis={_axis(g, shape)})", (x,)
    axis = _axis(g, shape)
    parts = [x]
    for _ in range(g.int(1, 3)):
        if g.chance(0.4):
            parts.append(g.choice(parts))
        elif len(shape) <= MAX_IO_RANK:
            s = list(shape)
            s[axis] = g.int(1, 4)
            parts.append(g.new_input(tuple(s), g.dtype_of(x)))
    refs = ", ".join("{%d}" % i for i in range(len(parts)))
    return "shape", op, f"jnp.concatenate([{refs}], axis={axis})", tuple(parts)


def fam_slice_pad(g: Gen):
    x = g.pick("any", min_rank=1)
    shape = g.shape_of(x)
    dtype = g.dtype_of(x)
    op = g.choice(("slice", "index", "pad", "pad", "pad_mode", "dynamic_slice", "dynamic_update_slice"))
    if op == "slice":
        start = [g.int(0, d - 1) for d in shape]
        limit = [g.int(s + 1, d) for s, d in zip(start, shape)]
        strides = [g.int(1, 3) for _ in shape]
        return "slice_pad", op, f"lax.slice({{0}}, {tuple(start)}, {tuple(limit)}, {tuple(strides)})", (x,)
    if op == "index":
        parts = []
        for d in shape:
            a, b, c = g.int(-d, d - 1), g.choice((None, g.int(-d, d))), g.choice((None, 1, 2, -1, -2))
            parts.append(f"{a}:{'' if b is None else b}:{'' if c is None else c}" if g.chance(0.7) else ":")
        expr = "{0}[%s]" % ", ".join(parts)
        return "slice_pad", op, expr, (x,)
    if op == "pad":
        cfg = []
        for d in shape:
            interior = g.choice((0, 0, 1, 2)) if d > 1 else 0
            full = d + (d - 1) * interior
            lo, hi = g.int(-1, 2), g.int(-1, 2)
            if full + lo + hi < 1:
                lo = hi = 0
            cfg.append((lo, hi, interior))
        value = g.lit(0.5 if is_float(dtype) else 3, dtype) if dtype != "bool" else "True"
        return "slice_pad", op, f"lax.pad({{0}}, {value}, {cfg})", (x,)
    if op == "pad_mode":
        mode = g.choice(("edge", "constant", "reflect", "symmetric", "wrap"))
        widths = tuple((g.int(0, 2), g.int(0, 2)) for _ in shape)
        if mode == "reflect" and any(d == 1 and (lo or hi) for d, (lo, hi) in zip(shape, widths)):
            raise Reject
        return "slice_pad", f"pad_{mode}", f"jnp.pad({{0}}, {widths}, mode={mode!r})", (x,)
    sizes = tuple(g.int(1, d) for d in shape)
    starts = []
    operands = [x]
    for d in shape:
        if g.chance(0.3):
            # A data-dependent start, possibly out of range (clamped by both).
            idx = g.new_input((), "int32", lo=-2, hi=d + 2)
            operands.append(idx)
            starts.append("{%d}" % (len(operands) - 1))
        else:
            starts.append(str(g.int(-1, d + 1)))
    if op == "dynamic_slice":
        return "slice_pad", op, f"lax.dynamic_slice({{0}}, ({', '.join(starts)},), {sizes})", tuple(operands)
    if len(sizes) > MAX_IO_RANK:
        raise Reject
    upd = g.new_input(sizes, dtype)
    operands.append(upd)
    ref = "{%d}" % (len(operands) - 1)
    return "slice_pad", op, f"lax.dynamic_update_slice({{0}}, {ref}, ({', '.join(starts)},))", tuple(operands)


def fam_iota(g: Gen):
    x = g.pick("num", min_rank=1)
    shape = g.shape_of(x)
    dtype = g.dtype_of(x)
    dim = _axis(g, shape)
    if g.chance(0.5):
        return "iota", "broadcasted_iota", f"{{0}} + lax.broadcasted_iota(jnp.{dtype}, {shape}, {dim})", (x,)
    return "iota", "arange", f"{{0}} * jnp.arange({shape[-1]}, dtype=jnp.{dtype})", (x,)
