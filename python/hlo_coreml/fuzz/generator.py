"""Random, seeded JAX programs over the op families hlo-coreml supports.

`generate(seed)` returns the same `Program` for the same seed (NumPy's
PCG64 from the seed; no global state). Each family is a small function
that picks operands from the values made so far (or adds a fresh input),
picks parameters, and returns a record; `jax.eval_shape` validates it and
gives its result type, and invalid proposals are simply drawn again.
"""

from __future__ import annotations

import math

import numpy as np

from .program import Input, Op, Program, is_float, is_int, np_dtype

FLOATS = ("float32", "float32", "float32", "float16", "bfloat16")
INTS = ("int32", "int32", "int8", "uint8", "int16", "uint16", "uint32")
MAX_RANK = 6  # inside the program; inputs and outputs stay at <= 5
MAX_IO_RANK = 5
MAX_SIZE = 2048


class Reject(Exception):
    """This proposal does not apply to the current values; draw again."""


class Gen:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.x64 = bool(self.rng.random() < 0.1)
        self.inputs: list[Input] = []
        self.ops: list[Op] = []
        self.types: dict[str, tuple] = {}

    # -- randomness helpers ----------------------------------------------
    def choice(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def int(self, lo: int, hi: int) -> int:
        """Uniform in [lo, hi]."""
        return int(self.rng.integers(lo, hi + 1))

    def float_dtype(self) -> str:
        return "float64" if self.x64 and self.chance(0.3) else self.choice(FLOATS)

    def int_dtype(self) -> str:
        return "int64" if self.x64 and self.chance(0.3) else self.choice(INTS)

    def shape(self, rank: int | None = None, max_dim: int = 5, max_size: int = 96) -> tuple:
        if rank is None:
            rank = self.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 5))
        dims = [self.int(1, max_dim) for _ in range(rank)]
        while math.prod(dims) > max_size:
            i = self.int(0, rank - 1)
            dims[i] = max(1, dims[i] // 2)
        return tuple(dims)

    # -- values --------------------------------------------------------------
    def new_input(self, shape, dtype, *, wide: bool | None = None, lo=None, hi=None) -> str:
        if len(shape) > MAX_IO_RANK:
            raise Reject  # Core ML inputs have rank <= 5
        name = f"a{len(self.inputs)}"
        self.inputs.append(Input(name, self.data(tuple(shape), dtype, wide=wide, lo=lo, hi=hi)))
        self.types[name] = (tuple(shape), dtype)
        return name

    def data(self, shape, dtype, *, wide=None, lo=None, hi=None) -> np.ndarray:
        rng = self.rng
        if dtype == "bool":
            return rng.random(shape) < 0.5
        if is_float(dtype):
            lo = -3.0 if lo is None else lo
            hi = 3.0 if hi is None else hi
            # Multiples of 1/64: exact in every float type; ties happen.
            v = np.round(rng.uniform(lo, hi, shape) * 64) / 64
            return np.asarray(v).astype(np_dtype(dtype))
        info = np.iinfo(np_dtype(dtype))
        if wide is None:
            wide = self.chance(0.2) and info.bits <= 16
        if lo is None:
            lo, hi = (int(info.min), int(info.max)) if wide else (max(int(info.min), -20), 40 if info.min == 0 else 20)
        return rng.integers(lo, hi + 1, shape, dtype=np.int64).astype(np_dtype(dtype))

    def values(self, pred=lambda shape, dtype: True) -> list[str]:
        return [n for n, (s, d) in self.types.items() if pred(s, d)]

    def pick(self, kind: str = "any", *, min_rank: int = 0, max_rank: int = MAX_RANK, fresh: float = 0.15) -> str:
        """An existing value of `kind` (float/int/bool/num/any) and rank, or a
        fresh input, preferring the most recent values so ops chain."""

        def ok(shape, dtype):
            if not min_rank <= len(shape) <= max_rank:
                return False
            return {
                "float": is_float(dtype),
                "int": is_int(dtype),
                "bool": dtype == "bool",
                "num": dtype != "bool",
                "any": True,
            }[kind]

        names = self.values(ok)
        if names and not self.chance(fresh):
            recent = names[-3:]
            return self.choice(recent) if self.chance(0.75) else self.choice(names)
        rank = self.int(min_rank, min(max_rank, MAX_IO_RANK))
        dtype = {
            "float": self.float_dtype,
            "int": self.int_dtype,
            "bool": lambda: "bool",
            "num": lambda: self.float_dtype() if self.chance(0.6) else self.int_dtype(),
            "any": lambda: self.choice((self.float_dtype(), self.int_dtype(), "bool")),
        }[kind]()
        return self.new_input(self.shape(rank), dtype)

    def like(self, name: str, *, broadcast: bool = True) -> str:
        """A second operand for an elementwise op with `name`: the same
        value, another value of its type, a broadcastable one, or a fresh
        input."""
        shape, dtype = self.types[name]
        same = self.values(lambda s, d: s == shape and d == dtype and True)
        r = self.rng.random()
        if r < 0.35 and len(same) > 1:
            return self.choice([n for n in same if n != name])
        if r < 0.5 and broadcast and shape:
            bshape = tuple(d if self.chance(0.5) else 1 for d in shape)[self.int(0, len(shape) - 1) :]
            return self.new_input(bshape, dtype)
        if r < 0.55:
            return name
        if len(shape) > MAX_IO_RANK:
            return name
        return self.new_input(shape, dtype)

    def lit(self, value, dtype: str) -> str:
        """A typed scalar literal."""
        if dtype == "bool":
            return "True" if value else "False"
        if is_float(dtype):
            return f"jnp.{dtype}({float(value)!r})"
        return f"jnp.{dtype}({int(value)})"

    def shape_of(self, name):
        return self.types[name][0]

    def dtype_of(self, name):
        return self.types[name][1]


def _axis(g: Gen, shape) -> int:
    if not shape:
        raise Reject
    return g.int(0, len(shape) - 1)


def _axes(g: Gen, shape) -> tuple:
    return tuple(a for a in range(len(shape)) if g.chance(0.5))


# ---------------------------------------------------------------------------
# Families. Each returns (family, op, expr, operands[, discrete]).

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


def fam_iota(g: Gen):
    x = g.pick("num", min_rank=1)
    shape = g.shape_of(x)
    dtype = g.dtype_of(x)
    dim = _axis(g, shape)
    if g.chance(0.5):
        return "iota", "broadcasted_iota", f"{{0}} + lax.broadcasted_iota(jnp.{dtype}, {shape}, {dim})", (x,)
    return "iota", "arange", f"{{0}} * jnp.arange({shape[-1]}, dtype=jnp.{dtype})", (x,)


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
