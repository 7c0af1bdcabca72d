"""Families: reductions and cumulative ops, dot_general, linalg, fused
softmax / layer norm."""

from __future__ import annotations

import math

from ..program import is_float
from .core import MAX_IO_RANK, Gen, Reject, _axes, _axis

def fam_reduce(g: Gen):
    x = g.pick("any", min_rank=1)
    shape = g.shape_of(x)
    dtype = g.dtype_of(x)
    keep = g.chance(0.3)
    axes = _axes(g, shape) or (_axis(g, shape),)
    if dtype == "bool":
        op = g.choice(("any", "all"))
        return "reduce", op, f"jnp.{op}({{0}}, axis={axes}, keepdims={keep})", (x,)
    r = g.rng.random()
    if r < 0.6:
        op = g.choice(("sum", "max", "min", "prod", "mean") if is_float(dtype) else ("sum", "max", "min", "prod"))
        if op == "prod" and math.prod(shape[a] for a in axes) > 16:
            op = "sum"
        return "reduce", op, f"jnp.{op}({{0}}, axis={axes}, keepdims={keep})", (x,)
    if r < 0.8:
        op = g.choice(("argmax", "argmin"))
        return "reduce", op, f"jnp.{op}({{0}}, axis={_axis(g, shape)})", (x,), is_float(dtype)
    op = g.choice(("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"))
    axis = _axis(g, shape)
    if op == "cumprod" and shape[axis] > 8:
        op = "cumsum"
    if op == "cumlogsumexp" and not is_float(dtype):
        op = "cummax"
    return "cumulative", op, f"lax.{op}({{0}}, axis={axis}, reverse={g.chance(0.3)})", (x,)


def fam_dot(g: Gen):
    x = g.pick("float" if g.chance(0.9) else "int", min_rank=1, max_rank=4)
    shape = g.shape_of(x)
    dims = list(range(len(shape)))
    g.rng.shuffle(dims)
    nb = g.int(0, max(0, len(dims) - 1))
    batch = dims[:nb]
    rest = dims[nb:]
    nc = g.int(0 if rest else 0, len(rest))
    contract = rest[:nc]
    yfree = tuple(g.int(1, 4) for _ in range(g.int(0, 2)))
    # y's dims: batch, contracting, free, in a random order.
    parts = [("b", i) for i in range(len(batch))] + [("c", i) for i in range(len(contract))] + [("f", i) for i in range(len(yfree))]
    g.rng.shuffle(parts)
    yshape, ybatch, ycontract = [], [0] * len(batch), [0] * len(contract)
    for pos, (kind, i) in enumerate(parts):
        if kind == "b":
            yshape.append(shape[batch[i]])
            ybatch[i] = pos
        elif kind == "c":
            yshape.append(shape[contract[i]])
            ycontract[i] = pos
        else:
            yshape.append(yfree[i])
    if len(yshape) > MAX_IO_RANK:
        raise Reject
    y = g.new_input(tuple(yshape), g.dtype_of(x))
    dn = ((tuple(contract), tuple(ycontract)), (tuple(batch), tuple(ybatch)))
    return "dot", "dot_general", f"lax.dot_general({{0}}, {{1}}, {dn})", (x, y)


def fam_linalg(g: Gen):
    n = g.int(1, 5)
    dtype = "float64" if g.x64 and g.chance(0.5) else "float32"
    m = g.new_input((n, n), dtype, lo=-1.0, hi=1.0)
    spd = f"({{0}} @ {{0}}.T + {n} * jnp.eye({n}, dtype=jnp.{dtype}))"
    op = g.choice(("solve", "inv", "det", "cholesky", "slogdet"))
    if op == "solve":
        b = g.new_input((n, g.int(1, 3)), dtype)
        return "linalg", op, f"jnp.linalg.solve({spd}, {{1}})", (m, b)
    if op == "inv":
        return "linalg", op, f"jnp.linalg.inv({spd})", (m,)
    if op == "det":
        return "linalg", op, f"jnp.linalg.det({spd})", (m,)
    if op == "slogdet":
        return "linalg", op, f"jnp.linalg.slogdet({spd})[1]", (m,)
    return "linalg", op, f"jnp.linalg.cholesky({spd})", (m,)


def fam_fused(g: Gen):
    x = g.pick("float", min_rank=1)
    axis = _axis(g, g.shape_of(x))
    op = g.choice(("softmax", "log_softmax", "layer_norm"))
    if op == "layer_norm":
        expr = f"({{0}} - jnp.mean({{0}}, axis={axis}, keepdims=True)) * lax.rsqrt(jnp.var({{0}}, axis={axis}, keepdims=True) + 1e-5)"
        return "fused", op, expr, (x,)
    return "fused", op, f"jax.nn.{op}({{0}}, axis={axis})", (x,)
