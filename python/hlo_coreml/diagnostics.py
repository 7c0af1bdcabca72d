"""User-facing errors: MLIR diagnostics turned into `file:line:col: error: msg`.

Passes report problems with `op.location.emit_error(...)`; the pass manager
then raises `ir.MLIRError` carrying the diagnostics. This module formats them
the way mlir-opt does, resolving JAX's nested locations (name, callsite,
fused) to the innermost file position, which is the user's source line.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


class _LazyIr:
    """`jaxlib.mlir.ir`, imported on first use: `CompileError` is raised
    (and imported by the CLI) long before any MLIR is needed, and
    `hlo-coreml --help` should not pay for loading MLIR."""

    def __getattr__(self, name):
        return getattr(importlib.import_module("hlo_coreml._mlir").ir, name)


ir = _LazyIr()


class CompileError(ValueError):
    """A problem with the user's program or options (never an internal bug).

    `diagnostics` holds one formatted line per error, e.g.
    `model.mlir:3:8: error: 'stablehlo.rng' is not supported by Core ML ...`.
    """

    def __init__(self, message: str, diagnostics: list[str] | None = None):
        self.diagnostics = list(diagnostics or [])
        text = message if not self.diagnostics else "\n".join(self.diagnostics)
        super().__init__(text)


class LegalizationError(CompileError):
    """The program cannot be legalized for Core ML (raised by compile())."""


class OpRefused(CompileError):
    """An op the emitter cannot build for the chosen options (e.g. a
    composite that needs a newer deployment target); `location` is the
    op's MLIR location."""

    def __init__(self, message: str, location):
        super().__init__(message)
        self.location = location


@dataclass
class SourcePosition:
    file: str
    line: int
    col: int


def _location_kinds() -> tuple:
    return (ir.FileLineColLoc, ir.NameLoc, ir.CallSiteLoc, ir.FusedLoc, ir.UnknownLoc)


def _downcast(loc: ir.Location) -> ir.Location:
    """Diagnostics carry plain `Location`s; recover the concrete kind."""
    kinds = _location_kinds()
    if isinstance(loc, kinds):
        return loc
    for kind in kinds:
        try:
            return kind(loc)
        except (ValueError, TypeError):
            continue
    return loc


def source_position(loc: ir.Location) -> SourcePosition | None:
    """The innermost file:line:col inside `loc`, or None if it has none."""
    loc = _downcast(loc)
    if isinstance(loc, ir.FileLineColLoc):
        return SourcePosition(loc.filename, loc.start_line, loc.start_col)
    if isinstance(loc, ir.NameLoc):
        return source_position(loc.child_loc)
    if isinstance(loc, ir.CallSiteLoc):
        return source_position(loc.callee) or source_position(loc.caller)
    if isinstance(loc, ir.FusedLoc):
        for inner in loc.locations:
            pos = source_position(inner)
            if pos:
                return pos
    return None


def location_name(loc: ir.Location) -> str | None:
    """The outermost name in a NameLoc chain (JAX: 'x', 'jit(f)/tanh'), if any."""
    loc = _downcast(loc)
    if isinstance(loc, ir.NameLoc):
        return loc.name_str
    if isinstance(loc, ir.FusedLoc):
        for inner in loc.locations:
            name = location_name(inner)
            if name:
                return name
    return None


@dataclass
class Diagnostic:
    severity: str
    message: str
    position: SourcePosition | None
    notes: list["Diagnostic"] = field(default_factory=list)

    def format(self, buffer_name: str = "<input>") -> list[str]:
        where = "<unknown>"
        if self.position is not None:
            file = self.position.file
            if file in ("-", ""):
                file = buffer_name
            where = f"{file}:{self.position.line}:{self.position.col}"
            if self.position.line == 0 and self.position.col == 0:
                where = file  # bytecode and whole-input problems have no line
        lines = [f"{where}: {self.severity}: {self.message}"]
        for note in self.notes:
            lines.extend(note.format(buffer_name))
        return lines


_SEVERITY = {
    "DiagnosticSeverity.ERROR": "error",
    "DiagnosticSeverity.WARNING": "warning",
    "DiagnosticSeverity.NOTE": "note",
    "DiagnosticSeverity.REMARK": "remark",
}


def _severity_name(severity) -> str:
    return _SEVERITY.get(str(severity), str(severity).rsplit(".", 1)[-1].lower())


def from_diagnostic_info(info) -> Diagnostic:
    """Convert an `ir.DiagnosticInfo` (from an `MLIRError`) to a Diagnostic."""
    return Diagnostic(
        severity=_severity_name(info.severity),
        message=info.message,
        position=source_position(info.location),
        notes=[from_diagnostic_info(n) for n in info.notes if not _is_module_dump(n)],
    )


def _is_module_dump(note) -> bool:
    """MLIR's "see current operation:" note on a whole module prints every
    op of the program; the error's position already says which module."""
    return note.message.startswith("see current operation:") and '"builtin.module"' in note.message[:80]


def from_mlir_error(error: ir.MLIRError) -> list[Diagnostic]:
    diags = [from_diagnostic_info(d) for d in error.error_diagnostics]
    if not diags:
        diags = [Diagnostic("error", str(error), None)]
    return diags


def format_all(diags: list[Diagnostic], buffer_name: str) -> list[str]:
    lines: list[str] = []
    for diag in diags:
        lines.extend(diag.format(buffer_name))
    return lines
