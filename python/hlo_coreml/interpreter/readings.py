"""Readings of the behaviours the MIL op documentation leaves open, and strict mode.

Core ML's op definitions (coremltools ``mil/ops/defs``) do not say

- which sign ``mod`` gives for negative operands ("x % y": Python floor-mod,
  sign of y, or C ``fmod``, sign of x);
- in which order ``argsort`` and ``topk`` return equal keys;
- which way ``round`` breaks ties (x.5);
- what a pooling window holds when it contains no input element, nor which
  value ``max_pool`` pads with;
- what ``gather``/``scatter`` do with an index outside the dimension
  ("undefined but memory safe"), nor which update wins in a ``scatter``
  ``update`` with repeated indices.

A :class:`Reading` fixes one answer to each question. The interpreter's
default reading is coremltools' value_inference (floor-mod, stable ties,
half-to-even, empty windows 0, max_pool padding -inf, out-of-range indices
an error, the last repeated update wins).

Strict mode (``run(..., strict=True)``) runs the program under two
readings that differ in every open behaviour, :data:`READING_A` and
:data:`READING_B`, and raises :class:`UnderspecifiedBehaviourError` when
the outputs (or final states) differ. While running, every op whose own
result differs between the two answers is recorded (op type, output name,
behaviour, one differing element), and the error names those ops. A
difference that is masked later (an out-of-range gather whose value a
`select` discards, the order of equal keys when only sorted values are
used) does not fail. Both runs apply one reading to every op; a device
mixing readings across ops is not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List

import numpy as np


@dataclass(frozen=True)
class Reading:
    """One answer to every behaviour the MIL documentation leaves open."""

    mod: str = "floor"  # "floor" (sign of y) | "trunc" (C fmod, sign of x)
    ties: str = "stable"  # argsort/topk equal keys: "stable" (lower index first) | "reversed"
    round: str = "even"  # round of x.5: "even" | "away" (from zero)
    window: str = "ignore"  # pooling: "ignore" (max pads -inf, empty windows 0) | "nan" (padding and empty windows NaN)
    out_of_range: str = "error"  # gather/scatter indices outside the dim: "error" | "clamp" | "wrap"
    duplicates: str = "last"  # scatter `update` with repeated indices: "last" | "first" wins


DEFAULT = Reading()
READING_A = Reading(mod="floor", ties="stable", round="even", window="ignore", out_of_range="clamp", duplicates="last")
READING_B = Reading(mod="trunc", ties="reversed", round="away", window="nan", out_of_range="wrap", duplicates="first")

# behaviour name -> (Reading field, human description)
BEHAVIOURS = {
    "mod": ("mod", "the sign of `mod` with a negative operand (floor-mod vs C fmod)"),
    "ties": ("ties", "the order of equal keys (stable vs reversed)"),
    "round": ("round", "how `round` breaks ties (half to even vs half away from zero)"),
    "window": ("window", "padding / windows without input elements (-inf or 0 vs NaN)"),
    "out_of_range": ("out_of_range", "indices outside the dimension (clamped vs wrapped)"),
    "duplicates": ("duplicates", "which repeated-index update wins (last vs first)"),
}


@dataclass
class Divergence:
    """An op whose own result differs between the two readings."""

    op_type: str
    output: str
    behaviour: str
    example: str

    def describe(self) -> str:
        return f"{self.op_type} '{self.output}': {BEHAVIOURS[self.behaviour][1]}; {self.example}"


class Recorder:
    """Collects divergences during one strict-mode run."""

    def __init__(self, other: Reading):
        self.other = other
        self.divergences: List[Divergence] = []


def same_values(a, b) -> bool:
    """Equal shape and values, NaN equal to NaN (and -0.0 distinct from 0.0
    for floats: a sign of zero can change a later division)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if np.issubdtype(a.dtype, np.floating) and np.issubdtype(b.dtype, np.floating):
        both_nan = np.isnan(a) & np.isnan(b)
        equal = (a == b) & (np.signbit(a) == np.signbit(b))
        return bool(np.all(both_nan | equal))
    return bool(np.array_equal(a, b))


def _example(a, b) -> str:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return f"shapes {a.shape} vs {b.shape}"
    if np.issubdtype(a.dtype, np.floating):
        differ = ~((np.isnan(a) & np.isnan(b)) | ((a == b) & (np.signbit(a) == np.signbit(b))))
    else:
        differ = a != b
    where = np.argwhere(differ)
    if where.size == 0:
        return "values differ"
    i = tuple(int(k) for k in where[0])
    return f"at index {list(i)}: {a[i].item()!r} vs {b[i].item()!r} ({int(differ.sum())} element(s) differ)"


def underspecified(op, env, behaviour: str, compute: Callable[[str], object]):
    """The value of `op` under the interpreter's reading of `behaviour`.

    `compute(choice)` returns the op's result for one choice (a field value
    of :class:`Reading`). In a strict-mode run the other reading's choice is
    computed too and, if the two results differ, the op is recorded."""
    interp = env.interp
    field = BEHAVIOURS[behaviour][0]
    choice = getattr(interp.reading, field)
    value = compute(choice)
    recorder = getattr(interp, "recorder", None)
    if recorder is not None:
        other = getattr(recorder.other, field)
        if other != choice:
            alt = compute(other)
            pairs = list(zip(value, alt)) if isinstance(value, tuple) else [(value, alt)]
            for x, y in pairs:
                if not same_values(x, y):
                    name = op.outputs[0].name if op.outputs else op.name
                    recorder.divergences.append(Divergence(op.op_type, name, behaviour, _example(x, y)))
                    break
    return value


# -- shared computations ---------------------------------------------------------


def mod(x, y, choice: str):
    """`x % y` as floor-mod (sign of y) or C fmod (sign of x)."""
    return np.remainder(x, y) if choice == "floor" else np.fmod(x, y)


def round_ties(x, choice: str):
    """Round to the nearest integer; ties to even or away from zero."""
    x = np.asarray(x)
    if choice == "even":
        return np.round(x)
    # Not floor(|x| + 0.5), which rounds (0.49999997 + 0.5 == 1.0 in f32).
    whole = np.floor(np.abs(x))
    mag = np.where(np.abs(x) - whole >= 0.5, whole + 1, whole)
    return np.copysign(mag, x).astype(x.dtype)


def argsort_ties(x, axis: int, ascending: bool, choice: str):
    """Indices sorting `x` along `axis`; among equal keys the lower index
    first ("stable") or the higher one first ("reversed")."""
    x = np.asarray(x)
    key = x if ascending else (-x.astype(np.int64) if np.issubdtype(x.dtype, np.integer) else -x)
    if choice == "stable":
        return np.argsort(key, axis=axis, kind="stable")
    n = key.shape[axis]
    flipped = np.argsort(np.flip(key, axis=axis), axis=axis, kind="stable")
    return (n - 1) - flipped


def resolve_indices(idx, dims, choice: str):
    """Out-of-range indices (already known to exist) clamped into [0, D) or
    wrapped modulo D."""
    idx = np.asarray(idx)
    dims = np.asarray(dims, dtype=np.int64)
    if choice == "clamp":
        return np.clip(idx, 0, dims - 1)
    return np.mod(idx, dims)
