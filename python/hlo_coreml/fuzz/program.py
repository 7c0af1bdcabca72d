"""A fuzz program as data: inputs with concrete values, and a list of op
records, each one line of JAX source.

A record's `expr` is a Python expression over its operands, written `{0}`,
`{1}`, ...; the program's source is one assignment per record, so the
printed source *is* the program: `build()` executes it, the minimizer edits
the records, and `to_repro()` prints a self-contained script.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import ml_dtypes
import numpy as np

# Names the generated source may use.
PRELUDE = "import jax\nimport jax.numpy as jnp\nimport numpy as np\nfrom jax import lax\n"


def np_dtype(name: str) -> np.dtype:
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


def is_float(dtype: str) -> bool:
    return dtype in ("float16", "bfloat16", "float32", "float64")


def is_int(dtype: str) -> bool:
    return dtype.startswith("int") or dtype.startswith("uint")


@dataclass
class Input:
    name: str
    data: np.ndarray  # concrete value, in the input's JAX dtype

    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> str:
        return "bfloat16" if self.data.dtype == ml_dtypes.bfloat16 else self.data.dtype.name


@dataclass
class Op:
    """One record: `name = expr.format(*operands)`; `family` and `op` name
    it for statistics; `shape`/`dtype` are the result's (from eval_shape)."""

    name: str
    family: str
    op: str
    expr: str
    operands: tuple
    shape: tuple
    dtype: str
    # True if the result is a discontinuous function of a float operand
    # (comparison, rounding, arg-ops, float->int): fp16 rounding may flip it.
    discrete: bool = False

    def line(self) -> str:
        return f"{self.name} = " + self.expr.format(*self.operands)


@dataclass
class Program:
    seed: int
    inputs: list
    ops: list
    outputs: list  # value names
    x64: bool = False
    meta: dict = field(default_factory=dict)

    def copy(self) -> "Program":
        return dataclasses.replace(
            self, inputs=list(self.inputs), ops=list(self.ops), outputs=list(self.outputs), meta=dict(self.meta)
        )

    # -- queries ---------------------------------------------------------
    def families(self) -> list:
        return sorted({op.family for op in self.ops})

    def ops_used(self) -> list:
        return sorted({op.op for op in self.ops})

    def has_discrete_float(self) -> bool:
        return any(op.discrete for op in self.ops)

    def value_types(self) -> dict:
        types = {i.name: (i.shape, i.dtype) for i in self.inputs}
        types.update({op.name: (op.shape, op.dtype) for op in self.ops})
        return types

    # -- source ----------------------------------------------------------
    def function_source(self, name: str = "f") -> str:
        args = ", ".join(i.name for i in self.inputs)
        body = [f"    {op.line()}" for op in self.ops]
        outs = ", ".join(self.outputs)
        body.append(f"    return ({outs},)" if len(self.outputs) == 1 else f"    return ({outs})")
        return f"def {name}({args}):\n" + "\n".join(body) + "\n"

    def inputs_source(self) -> str:
        return "".join(f"{i.name} = {array_literal(i.data)}\n" for i in self.inputs)

    def to_repro(self, *, precision: str = "fp32") -> str:
        """A self-contained script: the program, its inputs, and the check a
        regression test would make (test/python/helpers.check_against_jax)."""
        lines = [f"# hlo-coreml fuzz program, seed {self.seed}" + (" (jax_enable_x64)" if self.x64 else "")]
        lines.append(PRELUDE.rstrip())
        if self.x64:
            lines.append('jax.config.update("jax_enable_x64", True)')
        lines.append("")
        lines.append(self.function_source().rstrip())
        lines.append("")
        lines.append(self.inputs_source().rstrip())
        args = ", ".join(i.name for i in self.inputs)
        lines.append(f"# check_against_jax(f, {args}, precision={precision!r})  # test/python/helpers.py")
        return "\n".join(lines) + "\n"

    def build(self):
        """The program as a Python function. Its code is compiled under
        `filename()`, so JAX records `fuzz_seedN.py:line:col` locations (line
        k + 6 is record k)."""
        src = PRELUDE + "\n" + self.function_source()
        namespace: dict = {"__name__": f"fuzz_seed{self.seed}"}
        exec(compile(src, self.filename(), "exec"), namespace)  # noqa: S102 - our own generated source
        return namespace["f"]

    def filename(self) -> str:
        return f"fuzz_seed{self.seed}.py"

    def args(self) -> list:
        return [i.data for i in self.inputs]

    def uses_bfloat16(self) -> bool:
        return any(i.dtype == "bfloat16" for i in self.inputs) or any(
            op.dtype == "bfloat16" or "bfloat16" in op.expr for op in self.ops
        )

    def widened(self) -> "Program":
        """The program with every bfloat16 read as float32, which is what
        the compiler computes (hlo-coreml-widen-bf16, docs/precision.md):
        inputs are converted exactly, typed literals `jnp.bfloat16(c)` keep
        their bf16-rounded value, every other `jnp.bfloat16` becomes
        `jnp.float32`. JAX evaluates the result as an independent reference
        without the bf16 roundings after each op."""
        out = self.copy()
        out.inputs = [
            Input(i.name, i.data.astype(np.float32)) if i.dtype == "bfloat16" else i for i in self.inputs
        ]
        out.ops = [
            dataclasses.replace(
                op, expr=widen_bf16_source(op.expr), dtype="float32" if op.dtype == "bfloat16" else op.dtype
            )
            for op in self.ops
        ]
        return out


_BF16_LITERAL = re.compile(r"jnp\.bfloat16\(([-+]?[0-9][0-9.eE+-]*)\)")


def widen_bf16_source(expr: str) -> str:
    """`expr` with bfloat16 read as float32 (see `Program.widened`)."""

    def literal(m: re.Match) -> str:
        return f"jnp.float32({float(ml_dtypes.bfloat16(float(m.group(1))))!r})"

    return _BF16_LITERAL.sub(literal, expr).replace("jnp.bfloat16", "jnp.float32")


def array_literal(a: np.ndarray) -> str:
    """NumPy source for `a` (exact: floats are printed with repr)."""
    dtype = "bfloat16" if a.dtype == ml_dtypes.bfloat16 else a.dtype.name
    ctor = "jnp.bfloat16" if dtype == "bfloat16" else f"np.{dtype}"
    if a.ndim == 0:
        return f"np.asarray({_scalar(a.item(), dtype)}, dtype={ctor})"
    values = _nested(a.astype(np.float64) if dtype == "bfloat16" else a, dtype)
    return f"np.array({values}, dtype={ctor})"


def _scalar(v, dtype) -> str:
    if dtype == "bool":
        return "True" if v else "False"
    if is_float(dtype):
        v = float(v)
        if np.isnan(v):
            return "np.nan"
        if np.isinf(v):
            return "np.inf" if v > 0 else "-np.inf"
        return repr(v)
    return str(int(v))


def _nested(a, dtype) -> str:
    if a.ndim == 1:
        return "[" + ", ".join(_scalar(v, dtype) for v in a.tolist()) + "]"
    return "[" + ", ".join(_nested(row, dtype) for row in a) + "]"
