"""The generator state (`Gen`: randomness, inputs, values made so far) and
helpers the families share."""

from __future__ import annotations

import math

import numpy as np

from ..program import Input, Op, is_float, is_int, np_dtype

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
