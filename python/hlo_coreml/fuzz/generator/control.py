"""Family: fori_loop, scan, while_loop, cond, switch."""

from __future__ import annotations

from ..program import is_float
from .core import Gen, Reject

LOOP_BODIES_FLOAT = ("c * 0.5 + jnp.sin(c)", "jnp.tanh(c) + 0.25", "c - 0.125 * c * c", "jnp.maximum(c, 0.5) * 0.75")
LOOP_BODIES_INT = ("c + 1", "c * 2 - 1", "c ^ 3", "jnp.maximum(c, 1) + 1")


def fam_control(g: Gen):
    x = g.pick("num", max_rank=5)
    dtype = g.dtype_of(x)
    body = g.choice(LOOP_BODIES_FLOAT if is_float(dtype) else LOOP_BODIES_INT)
    op = g.choice(("fori_loop", "scan", "while_loop", "while_loop_scalar", "cond", "switch"))
    if op == "fori_loop":
        n = g.int(0, 5)
        return "control", op, f"lax.fori_loop(0, {n}, lambda i, c: {body}, {{0}})", (x,)
    if op == "scan":
        if not g.shape_of(x):
            raise Reject
        return "control", op, "lax.scan(lambda c, r: (c + r, c * r), jnp.zeros_like({0}[0]), {0})[1]", (x,)
    if op == "while_loop":
        # Data-dependent trip count (bounded by the counter).
        limit = g.int(1, 6)
        s = g.new_input((), "float32", lo=-2.0, hi=4.0)
        expr = (
            f"lax.while_loop(lambda t: (t[0] < {limit}) & (t[1] < 3.0), "
            f"lambda t: (t[0] + 1, t[1] + 0.75, (lambda c: {body})(t[2])), "
            f"(jnp.int32(0), {{1}}, {{0}}))[2]"
        )
        return "control", op, expr, (x, s), True
    if op == "while_loop_scalar":
        # A rank-0 float carry produced by a reduction.
        if not is_float(dtype):
            raise Reject
        expr = (
            "lax.while_loop(lambda t: (t[0] < 4) & (t[1] < 8.0), "
            "lambda t: (t[0] + 1, t[1] + jnp.sum(jnp.abs(t[2])) * 0.5 + 1.0, t[2] * 0.5), "
            "(jnp.int32(0), jnp.sum(jnp.abs({0})).astype(jnp.float32), {0}))[1]"
        )
        return "control", op, expr, (x,), True
    p = g.pick("num")
    if op == "cond":
        return "control", op, f"lax.cond(jnp.sum({{1}}) > 0, lambda c: {body}, lambda c: c, {{0}})", (x, p), is_float(g.dtype_of(p))
    other = g.choice(LOOP_BODIES_FLOAT if is_float(dtype) else LOOP_BODIES_INT)
    i = g.new_input((), "int32", lo=-1, hi=3)
    return "control", op, f"lax.switch({{1}}, [lambda c: {body}, lambda c: c, lambda c: {other}], {{0}})", (x, i)
