"""Families: elementwise float and integer math, comparisons and select,
boolean logic, conversions."""

from __future__ import annotations

import numpy as np

from ..program import is_float, is_int, np_dtype
from .core import Gen

FLOAT_UNARY = {
    "neg": "-{0}",
    "abs": "jnp.abs({0})",
    "sin": "jnp.sin({0})",
    "cos": "jnp.cos({0})",
    "tanh": "jnp.tanh({0})",
    "exp": "jnp.exp(jnp.clip({0}, -6, 6))",
    "log": "jnp.log(jnp.abs({0}) + 0.5)",
    "sqrt": "jnp.sqrt(jnp.abs({0}))",
    "rsqrt": "lax.rsqrt(jnp.abs({0}) + 0.25)",
    "square": "jnp.square({0})",
    "reciprocal": "1 / ({0} * {0} + 1)",
    "expm1": "jnp.expm1(jnp.clip({0}, -6, 6))",
    "log1p": "jnp.log1p(jnp.abs({0}))",
    "atan": "jnp.arctan({0})",
    "asin": "jnp.arcsin(jnp.clip({0}, -1, 1))",
    "cosh": "jnp.cosh(jnp.clip({0}, -4, 4))",
    "atanh": "jnp.arctanh(jnp.clip({0}, -0.9, 0.9))",
    "erf": "lax.erf({0})",
    "sigmoid": "jax.nn.sigmoid({0})",
    "relu": "jax.nn.relu({0})",
    "gelu": "jax.nn.gelu({0})",
    "silu": "jax.nn.silu({0})",
}
FLOAT_DISCRETE_UNARY = {
    "floor": "jnp.floor({0})",
    "ceil": "jnp.ceil({0})",
    "round": "jnp.round({0})",
    "round_away": "lax.round({0})",
    "sign": "jnp.sign({0})",
    "isfinite": "jnp.isfinite({0})",
}
FLOAT_BINARY = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "div": "{0} / (jnp.abs({1}) + 0.5)",
    "max": "jnp.maximum({0}, {1})",
    "min": "jnp.minimum({0}, {1})",
    "pow": "jnp.power(jnp.abs({0}) + 0.5, jnp.clip({1}, -3, 3))",
    "atan2": "jnp.arctan2({0}, {1})",
}
FLOAT_DISCRETE_BINARY = {
    "rem": "lax.rem({0}, {1})",
    "remainder": "jnp.remainder({0}, {1})",
}
INT_UNARY = {
    "neg": "-{0}",
    "abs": "jnp.abs({0})",
    "not": "~{0}",
    "popcount": "lax.population_count({0})",
    "sign": "jnp.sign({0})",
    "clz": "lax.clz({0})",
}
INT_BINARY = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "max": "jnp.maximum({0}, {1})",
    "min": "jnp.minimum({0}, {1})",
    "and": "{0} & {1}",
    "or": "{0} | {1}",
    "xor": "{0} ^ {1}",
    "rem": "lax.rem({0}, jnp.where({1} == 0, 1, {1}))",
    "remainder": "jnp.remainder({0}, jnp.where({1} == 0, 1, {1}))",
    "floor_divide": "jnp.floor_divide({0}, jnp.where({1} == 0, 1, {1}))",
}
COMPARE = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def fam_float_math(g: Gen):
    x = g.pick("float")
    r = g.rng.random()
    if r < 0.4:
        op = g.choice(sorted(FLOAT_UNARY))
        return "elementwise_float", op, FLOAT_UNARY[op], (x,)
    if r < 0.5:
        op = g.choice(sorted(FLOAT_DISCRETE_UNARY))
        return "elementwise_float", op, FLOAT_DISCRETE_UNARY[op], (x,), True
    if r < 0.9:
        op = g.choice(sorted(FLOAT_BINARY))
        return "elementwise_float", op, FLOAT_BINARY[op], (x, g.like(x))
    op = g.choice(sorted(FLOAT_DISCRETE_BINARY))
    return "elementwise_float", op, FLOAT_DISCRETE_BINARY[op], (x, g.like(x)), True


def fam_int_math(g: Gen):
    x = g.pick("int")
    dtype = g.dtype_of(x)
    bits = np_dtype(dtype).itemsize * 8
    r = g.rng.random()
    if r < 0.3:
        op = g.choice(sorted(INT_UNARY))
        return "elementwise_int", op, INT_UNARY[op], (x,)
    if r < 0.45:
        k = g.int(0, bits - 1)
        op, expr = g.choice(
            (
                ("shift_left", "jnp.left_shift({0}, %s)"),
                ("shift_right", "jnp.right_shift({0}, %s)"),
                ("shift_right_logical", "lax.shift_right_logical({0}, jnp.full_like({0}, %s))"),
                ("shift_right_arithmetic", "lax.shift_right_arithmetic({0}, jnp.full_like({0}, %s))"),
                ("mask", "{0} & %s"),
            )
        )
        if op == "mask":
            k = g.choice((1, 3, 7, 15, 255 if bits > 8 else 127))
        return "bitwise", op, expr % g.lit(k, dtype), (x,)
    op = g.choice(sorted(INT_BINARY))
    family = "bitwise" if op in ("and", "or", "xor") else "elementwise_int"
    return family, op, INT_BINARY[op], (x, g.like(x))


def fam_compare_select(g: Gen):
    x = g.pick("num")
    y = g.like(x)
    discrete = is_float(g.dtype_of(x))
    r = g.rng.random()
    cmp = g.choice(sorted(COMPARE))
    if r < 0.35:
        return "compare_select", f"compare_{cmp}", "{0} %s {1}" % COMPARE[cmp], (x, y), discrete
    if r < 0.7:
        return "compare_select", "select", "jnp.where({0} %s {1}, {0}, {1} * 2)" % COMPARE[cmp], (x, y), discrete
    dtype = g.dtype_of(x)
    lo, hi = (-1.5, 1.5) if is_float(dtype) else (g.int(0, 3), g.int(5, 12))
    if g.chance(0.5):
        return "compare_select", "clamp", f"lax.clamp({g.lit(lo, dtype)}, {{0}}, {g.lit(hi, dtype)})", (x,)
    return "compare_select", "clip", f"jnp.clip({{0}}, {lo!r}, {hi!r})", (x,)


def fam_bool(g: Gen):
    x = g.pick("bool")
    op = g.choice(("and", "or", "xor", "not", "select"))
    if op == "not":
        return "compare_select", "logical_not", "~{0}", (x,)
    if op == "select":
        y = g.pick("num")
        return "compare_select", "select", "jnp.where({0}, {1}, {2})", (x, y, g.like(y))
    return "compare_select", f"logical_{op}", "{0} %s {1}" % {"and": "&", "or": "|", "xor": "^"}[op], (x, g.like(x))


def fam_convert(g: Gen):
    x = g.pick("any")
    src = g.dtype_of(x)
    dst = g.choice((g.float_dtype(), g.int_dtype(), "bool"))
    if is_float(src) and (is_int(dst) or dst == "bool"):
        if dst == "bool":
            return "convert", "float_to_bool", "({0} != 0)", (x,), True
        info = np.iinfo(np_dtype(dst))
        lo, hi = max(info.min, -1000), min(info.max, 1000)
        return "convert", "float_to_int", f"jnp.round(jnp.clip({{0}}, {lo}, {hi})).astype(jnp.{dst})", (x,), True
    return "convert", f"to_{dst}", f"{{0}}.astype(jnp.{dst})", (x,)
