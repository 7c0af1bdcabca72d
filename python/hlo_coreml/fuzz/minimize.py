"""Reduce a failing program to a small one that fails the same way.

1. outputs: keep one output if that still fails;
2. ops: cut each record, i.e. replace it with a fresh input holding the
   value JAX computed for it (so the rest of the program sees the same
   numbers), then drop every record no output needs;
3. shapes: halve each input dimension (records that no longer type-check
   reject the step).
Each step is kept only if `same_failure` holds for the smaller program;
the loop repeats until nothing changes or the deadline passes.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from .program import Input, Program, np_dtype
from .runner import Result, check, same_failure

MAX_IO_RANK = 5


def evaluate(program: Program) -> dict:
    """Every value of `program` as computed by JAX on CPU, record by record."""
    import jax

    from .generator import _namespace

    env = {i.name: i.data for i in program.inputs}
    ns = dict(_namespace())
    with jax.enable_x64(program.x64), jax.default_device(jax.devices("cpu")[0]):
        for op in program.ops:
            ns.update(env)
            env[op.name] = np.asarray(eval(op.expr.format(*op.operands), ns))  # noqa: S307
    return env


def retype(program: Program) -> Program:
    """`program` with every record's result type inferred again (after its
    inputs changed shape); raises if a record no longer type-checks."""
    import jax

    from .generator import _namespace

    ns = _namespace()
    types = {i.name: (i.shape, i.dtype) for i in program.inputs}
    ops = []
    with jax.enable_x64(program.x64):
        for op in program.ops:
            params = [f"_{k}" for k in range(len(op.operands))]
            fn = eval(f"lambda {', '.join(params)}: " + op.expr.format(*params), ns)  # noqa: S307
            structs = [jax.ShapeDtypeStruct(types[o][0], np_dtype(types[o][1])) for o in op.operands]
            aval = jax.eval_shape(fn, *structs)
            shape = tuple(int(d) for d in aval.shape)
            if 0 in shape:
                raise ValueError("empty result")
            dtype = "bfloat16" if aval.dtype.name == "bfloat16" else aval.dtype.name
            ops.append(dataclasses.replace(op, shape=shape, dtype=dtype))
            types[op.name] = (shape, dtype)
    for name in program.outputs:
        if len(types[name][0]) > MAX_IO_RANK:
            raise ValueError("output rank > 5")
    out = program.copy()
    out.ops = ops
    return out


def prune(program: Program) -> Program:
    """Drop records no output needs, and inputs no record reads."""
    needed = set(program.outputs)
    kept = []
    for op in reversed(program.ops):
        if op.name in needed:
            kept.append(op)
            needed.update(op.operands)
    out = program.copy()
    out.ops = kept[::-1]
    out.inputs = [i for i in program.inputs if i.name in needed]
    return out


def cut(program: Program, index: int, values: dict) -> Program | None:
    """Record `index` replaced by an input carrying its computed value."""
    op = program.ops[index]
    value = values.get(op.name)
    if value is None or value.ndim > MAX_IO_RANK:
        return None
    out = program.copy()
    del out.ops[index]
    # The new input takes the record's name, so later records are unchanged.
    out.inputs.append(Input(op.name, np.asarray(value)))
    return prune(out)


def _halved(program: Program, k: int, axis: int, *, together: bool) -> Program | None:
    """Input `k` (and with `together` every input of the same size on
    `axis`) cut to the first half along `axis`; None if it no longer
    type-checks."""
    size = program.inputs[k].data.shape[axis]
    out = program.copy()
    for j, inp in enumerate(program.inputs):
        if j == k or (together and inp.data.ndim > axis and inp.data.shape[axis] == size):
            half = np.take(inp.data, np.arange(math.ceil(size / 2)), axis=axis)
            out.inputs[j] = Input(inp.name, half)
    try:
        return retype(out)
    except Exception:  # noqa: BLE001 - a record no longer type-checks
        return None


def minimize(program: Program, precision: str, failure: Result, *, deadline_s: float = 240.0, checker=check) -> Program:
    """The smallest program found that fails like `failure` (the result of
    checking `program`); `checker(program, precision)` as runner.check."""
    start = time.monotonic()
    best = prune(program)

    def still_fails(candidate: Program | None) -> bool:
        if candidate is None or not candidate.ops or time.monotonic() - start > deadline_s:
            return False
        try:
            result = checker(candidate, precision)
        except Exception:  # noqa: BLE001 - a candidate the harness cannot run is not kept
            return False
        return same_failure(result, failure)

    # 1. a single output: the earliest record whose value, returned alone,
    # still fails (drops everything after the failing op), else one of the
    # outputs
    for name in [op.name for op in best.ops if len(op.shape) <= MAX_IO_RANK] + list(best.outputs):
        if best.outputs == [name]:
            break
        candidate = best.copy()
        candidate.outputs = [name]
        candidate = prune(candidate)
        if still_fails(candidate):
            best = candidate
            break
    changed = True
    while changed and time.monotonic() - start < deadline_s:
        changed = False
        # 2. cut records, earliest first (cutting one drops its producers)
        try:
            values = evaluate(best)
        except Exception:  # noqa: BLE001
            values = {}
        i = 0
        while i < len(best.ops):
            candidate = cut(best, i, values)
            if still_fails(candidate):
                best = candidate
                changed = True
                continue
            i += 1
        # 3. halve input dimensions: one input alone, else every input with
        # the same size on that axis (operands that must agree)
        for k in range(len(best.inputs)):
            for axis in range(best.inputs[k].data.ndim):
                while best.inputs[k].data.shape[axis] > 1:
                    candidate = _halved(best, k, axis, together=False) or _halved(best, k, axis, together=True)
                    if candidate is None or not still_fails(candidate):
                        candidate = _halved(best, k, axis, together=True)
                        if candidate is None or not still_fails(candidate):
                            break
                    best = candidate
                    changed = True
    best.meta["minimized_from"] = len(program.ops)
    return best
