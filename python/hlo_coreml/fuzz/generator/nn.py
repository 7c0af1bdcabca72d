"""Families: convolution and reduce_window pooling."""

from __future__ import annotations

import math

from .core import Gen

def fam_conv(g: Gen):
    nsp = g.choice((1, 1, 2, 2, 3))
    dtype = g.choice(("float32", "float32", "float16"))
    groups = g.choice((1, 1, 2))
    cin = groups * g.int(1, 2)
    cout = groups * g.int(1, 2)
    spatial = tuple(g.int(3, 7) for _ in range(nsp))
    layout = g.chance(0.7)  # NC... ; otherwise channels last
    xshape = (g.int(1, 2), cin) + spatial if layout else (g.int(1, 2),) + spatial + (cin,)
    cands = g.values(lambda s, d: s == xshape and d == dtype)
    x = g.choice(cands) if cands and g.chance(0.5) else g.new_input(xshape, dtype)
    kernel = tuple(g.int(1, 3) for _ in range(nsp))
    wshape = (cout, cin // groups) + kernel if layout else kernel + (cin // groups, cout)
    strides = tuple(g.int(1, 2) for _ in range(nsp))
    dil = tuple(g.int(1, 2) for _ in range(nsp))
    padding = g.choice(('"SAME"', '"VALID"', str(tuple((g.int(0, 2), g.int(0, 2)) for _ in range(nsp)))))
    names = "".join("DHW"[3 - nsp :])
    dn = f'("NC{names}", "OI{names}", "NC{names}")' if layout else f'("N{names}C", "{names}IO", "N{names}C")'
    if g.chance(0.5):
        w = g.new_input(wshape, dtype)
        wref = "{1}"
        operands = (x, w)
        op = "conv_kernel_input"
    else:
        size = math.prod(wshape)
        wref = f"jnp.linspace(-1, 1, {size}, dtype=jnp.{dtype}).reshape({wshape})"
        operands = (x,)
        op = "conv_kernel_const"
    expr = (
        f"lax.conv_general_dilated({{0}}, {wref}, {strides}, {padding}, rhs_dilation={dil}, "
        f"dimension_numbers={dn}, feature_group_count={groups})"
    )
    if g.chance(0.3):
        expr += f" + jnp.arange({cout}, dtype=jnp.{dtype})" + ("" if not layout else f".reshape({(cout,) + (1,) * nsp})")
    return "conv", op, expr, operands


def fam_reduce_window(g: Gen):
    x = g.pick("float", min_rank=1, max_rank=5)
    shape = g.shape_of(x)
    dtype = g.dtype_of(x)
    window = tuple(g.int(1, min(3, d)) if g.chance(0.7) else 1 for d in shape)
    strides = tuple(g.int(1, 2) for _ in shape)
    pads = tuple((g.int(0, w - 1), g.int(0, w - 1)) for w in window)
    op = g.choice(("max_pool", "sum_pool", "avg_pool"))
    if op == "max_pool":
        expr = f"lax.reduce_window({{0}}, -jnp.inf, lax.max, {window}, {strides}, {pads})"
    else:
        expr = f"lax.reduce_window({{0}}, 0.0, lax.add, {window}, {strides}, {pads})"
        if op == "avg_pool":
            expr = f"({expr} / {math.prod(window)})"
    _ = dtype
    return "reduce_window", op, expr, (x,)
