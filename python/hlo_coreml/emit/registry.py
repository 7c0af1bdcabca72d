"""The emitter table: StableHLO op name -> function that builds its MIL ops.

This module and the `ops_*` modules that fill the table import no
coremltools at import time (emit functions reach the MIL builder through the
`EmitContext` they receive), so `hlo-coreml-verify-legal` can consult the
table cheaply: an op is legal exactly when it has an entry here and the
entry's `check` accepts it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .context import EmitContext

EmitFn = Callable[["EmitContext", object], object]
CheckFn = Callable[[object], "str | None"]


@dataclass(frozen=True)
class OpEntry:
    name: str
    emit: EmitFn
    # Returns None when the emitter can handle this instance of the op,
    # otherwise a message saying what is not supported (and what to do).
    check: CheckFn | None = None
    # One line for the README's op table: conditions and MIL ops used.
    doc: str = ""


EMITTERS: dict[str, OpEntry] = {}
# stablehlo.composite ops are dispatched on their `name` attribute.
COMPOSITES: dict[str, OpEntry] = {}

_OP_MODULES = (
    "ops_elementwise",
    "ops_tensor",
    "ops_reduce",
    "ops_linalg",
    "ops_conv",
    "ops_bitwise",
    "ops_control",
    "ops_indexing",
    "ops_sort",
    "ops_window",
    "ops_fused",
    "ops_dynamic",
    "ops_dequantize",
)
_loaded = False


def emits(*names: str, check: CheckFn | None = None, doc: str = ""):
    """Decorator: register `fn` as the emitter of each op in `names`."""

    def register(fn: EmitFn) -> EmitFn:
        for name in names:
            if name in EMITTERS:
                raise ValueError(f"two emitters for {name}")
            EMITTERS[name] = OpEntry(name, fn, check, doc)
        return fn

    return register


def emits_composite(*names: str, check: CheckFn | None = None, doc: str = ""):
    """Decorator: register `fn` as the emitter of composites named `names`."""

    def register(fn: EmitFn) -> EmitFn:
        for name in names:
            if name in COMPOSITES:
                raise ValueError(f"two emitters for composite {name}")
            COMPOSITES[name] = OpEntry(name, fn, check, doc)
        return fn

    return register


def composite_names() -> set[str]:
    emitter_table()
    return set(COMPOSITES)


def emitter_table() -> dict[str, OpEntry]:
    """The full table (imports every ops_* module once)."""
    global _loaded
    if not _loaded:
        for module in _OP_MODULES:
            importlib.import_module(f"{__package__}.{module}")
        _loaded = True
    return EMITTERS


def _composite_name(op) -> str:
    from .._mlir import ir

    return ir.StringAttr(op.attributes["name"]).value


def _check_composite(op):
    entry = COMPOSITES.get(_composite_name(op))
    if entry is None:
        return f"named '{_composite_name(op)}' has no MIL counterpart (hlo-coreml-inline-composites inlines such composites)"
    return entry.check(op) if entry.check else None


def _emit_composite(ctx, op):
    from ..diagnostics import OpRefused
    from .ops_fused import needed_target, target_allows

    name = _composite_name(op)
    if not target_allows(ctx.target, name):
        raise OpRefused(
            f"'stablehlo.composite' \"{name}\" needs minimum_deployment_target {needed_target(name)} or newer "
            f"(the target is {ctx.target.name}): raise the target (--target), or run hlo-coreml-raise-fused-ops "
            "first, which inlines the composites a target lacks",
            op.location,
        )
    return COMPOSITES[name].emit(ctx, op)


EMITTERS["stablehlo.composite"] = OpEntry(
    "stablehlo.composite", _emit_composite, _check_composite, "composites named in the composite table"
)
