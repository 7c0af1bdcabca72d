"""The registry of hlo-coreml-split-complex's per-op lowerings: a handler
lowers one op on (real, imaginary) pairs; `handles` registers it for op
names. The handler modules (data_movement, elementwise, contractions)
register themselves when imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Handler:
    # lower(splitter, op) -> one entry per result: a pair for a complex
    # result, a real ir.Value (replacing it) for a real one.
    lower: Callable
    # check(op) -> None, or what is not supported about this instance.
    check: Callable | None = None


HANDLERS: dict[str, Handler] = {}


def handles(*names: str, check=None):
    def register(fn):
        for n in names:
            HANDLERS[n] = Handler(fn, check)
        return fn

    return register


# Handlers the walker applies to ops without complex values, by role:
# "angle" (atan2 of the two parts of one complex value, expanded) and
# "real_of_real" (real / imag of a real tensor); set by elementwise.py.
SPECIAL: dict[str, Handler] = {}
