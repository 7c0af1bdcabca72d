"""hlo-coreml-opt: the mlir-opt style pass driver used by the lit tests.

    hlo-coreml-opt [INPUT|-] [--hlo-coreml-<pass>[=OPTIONS] ...]
                   [--pass-pipeline=PIPELINE] [--split-input-file]
                   [--verify-diagnostics] [--emit=mlir|mil] [-o OUT]

Passes given as flags run in command-line order, after --pass-pipeline.
Errors are printed as `file:line:col: error: message`; the exit code is 1.
"""

from __future__ import annotations

import argparse
import re
import sys

from . import pipeline as pipelines
from ._mlir import ir, make_context
from .diagnostics import (
    CompileError,
    Diagnostic,
    SourcePosition,
    OpRefused,
    format_all,
    from_diagnostic_info,
    from_mlir_error,
    source_position,
)
from .passes import PASS_REGISTRY

SPLIT_MARKER = re.compile(r"^// -----\s*$", re.M)


class _AppendPass(argparse.Action):
    """Collect pass flags in command-line order (options arrive through
    `extract_pass_flags`, which runs before argparse)."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.pass_flags = (namespace.pass_flags or []) + [self.const]


_PASS_FLAG = re.compile(r"--([A-Za-z0-9_.\-]+)(?:=(.*))?", re.S)


def extract_pass_flags(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split `--<pass>` / `--<pass>=<options>` flags (mlir-opt syntax) off
    `argv`, in order, as pipeline elements. Done before argparse so that
    options attach only with `=`: `--hlo-coreml-narrow-types in.mlir` must
    not read `in.mlir` as the pass's options."""
    elements, rest = [], []
    for i, token in enumerate(argv):
        if token == "--":
            rest.extend(argv[i:])
            break
        m = _PASS_FLAG.fullmatch(token)
        if m and (m.group(1) in PASS_REGISTRY or m.group(1) in pipelines.NAMED_PIPELINES):
            options = m.group(2)
            elements.append(f"{m.group(1)}{{{options}}}" if options else m.group(1))
        else:
            rest.append(token)
    return elements, rest


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hlo-coreml-opt",
        description="Run hlo-coreml and upstream MLIR passes on StableHLO (mlir-opt style).",
        allow_abbrev=False,
    )
    parser.add_argument("input", nargs="?", default="-", help="input .mlir file, or - for stdin (default)")
    parser.add_argument("-o", dest="output", default="-", help="output file (default: stdout)")
    parser.add_argument(
        "-p",
        "--pass-pipeline",
        default=None,
        help="textual pipeline, e.g. 'builtin.module(hlo-coreml-narrow-types,canonicalize)'; "
        "accepts our passes and pipelines as well as upstream/StableHLO ones",
    )
    parser.add_argument("--split-input-file", action="store_true", help="process '// -----' chunks separately")
    parser.add_argument("--verify-diagnostics", action="store_true", help="check // expected-error {{...}} comments")
    parser.add_argument("--emit", choices=["mlir", "mil"], default="mlir", help="print MLIR (default) or the MIL program")
    parser.add_argument("--target", default=None, help="deployment target for --emit=mil (default iOS17)")
    parser.add_argument("--mlir-print-ir-after-all", action="store_true", help="print the IR after every pass (stderr)")
    parser.add_argument("--mlir-print-debuginfo", action="store_true", help="print locations")
    parser.add_argument("--mlir-timing", action="store_true", help="print pass timing (stderr)")
    parser.add_argument("--list-passes", action="store_true", help="list our passes and pipelines, then exit")
    group = parser.add_argument_group("passes (run in the order given)")
    for name, cls in sorted(PASS_REGISTRY.items()):
        options = ",".join(f"{f.name.replace('_', '-')}=..." for f in cls.options())
        hint = f" (--{name}={options})" if options else ""
        group.add_argument(f"--{name}", action=_AppendPass, const=name, nargs=0, help=cls.summary + hint)
    for name, (summary, _) in sorted(pipelines.NAMED_PIPELINES.items()):
        group.add_argument(f"--{name}", action=_AppendPass, const=name, nargs=0, help=summary)
    parser.set_defaults(pass_flags=[])
    return parser


def list_passes(out) -> None:
    out.write("Passes:\n")
    for name, cls in sorted(PASS_REGISTRY.items()):
        options = ", ".join(f.name.replace("_", "-") for f in cls.options())
        out.write(f"  --{name:<36} {cls.summary}{f'  [options: {options}]' if options else ''}\n")
    out.write("Pipelines:\n")
    for name, (summary, _) in sorted(pipelines.NAMED_PIPELINES.items()):
        out.write(f"  --{name:<36} {summary}\n")


def split_chunks(text: str, split: bool) -> list[tuple[str, int]]:
    """(chunk, line offset) pairs; offsets keep line numbers absolute."""
    if not split:
        return [(text, 0)]
    chunks, start, line = [], 0, 0
    for m in SPLIT_MARKER.finditer(text):
        chunks.append((text[start : m.start()], line))
        line += text[start : m.end()].count("\n")
        start = m.end()
    chunks.append((text[start:], line))
    return chunks


class _Collector:
    """Diagnostic handler that records every diagnostic instead of printing."""

    def __init__(self):
        self.diagnostics: list[Diagnostic] = []

    def __call__(self, info) -> bool:
        self.diagnostics.append(from_diagnostic_info(info))
        return True


def process_chunk(chunk: str | bytes, offset: int, args, elements) -> tuple[str | None, list[Diagnostic]]:
    """Parse and transform one chunk; returns (output text or None, diagnostics)."""
    context = make_context()
    collector = _Collector()
    handler = context.attach_diagnostic_handler(collector)
    output = None
    try:
        with context, ir.Location.unknown():
            try:
                source = chunk if isinstance(chunk, bytes) else "\n" * offset + chunk
                module = ir.Module.parse(source)
                pipelines.run_pipeline(
                    module,
                    elements,
                    print_ir_after_all=args.mlir_print_ir_after_all,
                    timing=args.mlir_timing,
                )
                if args.emit == "mil":
                    output = _emit_mil(module, args)
                else:
                    output = module.operation.get_asm(enable_debug_info=args.mlir_print_debuginfo)
            except ir.MLIRError as e:
                if not e.error_diagnostics and not collector.diagnostics:
                    # Upstream passes (stablehlo-refine-shapes on a module
                    # without functions) can fail without saying why.
                    collector.diagnostics.append(
                        Diagnostic("error", _silent_failure_reason(module), SourcePosition("-", 0, 0))
                    )
                else:
                    _merge(collector.diagnostics, from_mlir_error(e))
            except pipelines.PipelineError as e:
                collector.diagnostics.append(Diagnostic("error", str(e), None))
            except OpRefused as e:
                collector.diagnostics.append(Diagnostic("error", str(e), source_position(e.location)))
    finally:
        handler.detach()
    return output, collector.diagnostics


def _silent_failure_reason(module) -> str:
    """The message for a pass pipeline that failed without a diagnostic."""
    has_function = any(op.operation.name == "func.func" for op in module.body.operations)
    if not has_function:
        return (
            "the module has no functions; the pipeline expects a StableHLO module with an entry "
            "function @main (e.g. from jax.export)"
        )
    return (
        "a pass failed without a diagnostic; rerun with --mlir-print-ir-after-all to see the IR "
        "before the failing pass"
    )


def _merge(into: list[Diagnostic], more: list[Diagnostic]) -> None:
    seen = {(d.message, d.position and (d.position.line, d.position.col)) for d in into}
    for d in more:
        if (d.message, d.position and (d.position.line, d.position.col)) not in seen:
            into.append(d)


def _emit_mil(module, args) -> str:
    from .coreml import resolve_target
    from .emit.program import build_program

    pipelines.run_pipeline(module, ["hlo-coreml-verify-legal"])
    program, _ = build_program(module, resolve_target(args.target))
    return str(program)


# -- --verify-diagnostics --------------------------------------------------------

_EXPECTED = re.compile(r"//\s*expected-(error|warning|note|remark)\s*(@[+-]?\d+|@above|@below)?\s*\{\{(.*?)\}\}")


def _expectations(text: str) -> list[dict]:
    found = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for m in _EXPECTED.finditer(line):
            target = lineno
            where = (m.group(2) or "").strip()
            if where in ("@above",):
                target = lineno - 1
            elif where in ("@below",):
                target = lineno + 1
            elif where.startswith("@"):
                spec = where[1:]
                target = lineno + int(spec) if spec[0] in "+-" else int(spec)
            found.append({"severity": m.group(1), "line": target, "text": m.group(3), "seen": False, "at": lineno})
    return found


def verify_diagnostics(text: str, diags: list[Diagnostic], name: str, err) -> bool:
    expected = _expectations(text)
    ok = True
    flat: list[Diagnostic] = []
    for d in diags:
        flat.append(d)
        flat.extend(d.notes)
    for d in flat:
        line = d.position.line if d.position and d.position.file in ("-", "") else None
        match = next(
            (e for e in expected if not e["seen"] and e["severity"] == d.severity and e["line"] == line and e["text"] in d.message),
            None,
        )
        if match:
            match["seen"] = True
        else:
            ok = False
            err.write("\n".join(d.format(name)[:1]) + " <-- unexpected\n")
    for e in expected:
        if not e["seen"]:
            ok = False
            err.write(f'{name}:{e["at"]}: error: expected {e["severity"]} "{e["text"]}" was not produced\n')
    return ok


BYTECODE_MAGIC = b"ML\xefR"


def read_input(path: str) -> str | bytes:
    """The input as text, or as bytes when it is MLIR bytecode."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", sys.stdin)  # a StringIO has no .buffer
        data = stream.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    if isinstance(data, str):
        return data
    if data.startswith(BYTECODE_MAGIC):
        return data
    return data.decode("utf-8")


def check_pipeline(elements: list[str]) -> None:
    """Build the pass manager once, so an unknown pass or a bad option is
    reported once (not per split chunk) and before any input is parsed."""
    with make_context():
        pipelines.build_pass_manager(elements)


def main(argv: list[str] | None = None) -> int:
    pass_flags, argv = extract_pass_flags(sys.argv[1:] if argv is None else list(argv))
    args = build_parser().parse_args(argv)
    args.pass_flags = pass_flags + args.pass_flags
    out, err = sys.stdout, sys.stderr
    if args.list_passes:
        list_passes(out)
        return 0
    name = "<stdin>" if args.input == "-" else args.input
    try:
        text = read_input(args.input)
    except OSError as e:
        err.write(f"{name}: error: cannot read input: {e.strerror or e}\n")
        return 1
    except UnicodeDecodeError as e:
        err.write(
            f"{name}: error: not an MLIR file: byte {e.start} is not valid UTF-8 text "
            "(expected MLIR text or MLIR bytecode)\n"
        )
        return 1
    elements = []
    try:
        if args.pass_pipeline:
            elements += pipelines.split_pipeline(args.pass_pipeline)
        elements += args.pass_flags
        check_pipeline(elements)
        if args.emit == "mil":
            from .coreml import resolve_target

            resolve_target(args.target)
    except (pipelines.PipelineError, CompileError) as e:
        err.write(f"error: {e}\n")
        return 1
    if isinstance(text, bytes):
        chunks = [(text, 0)]  # bytecode: one module, nothing to split
    else:
        chunks = split_chunks(text, args.split_input_file)
    results, failed = [], False
    for chunk, offset in chunks:
        output, diags = process_chunk(chunk, offset, args, elements)
        if args.verify_diagnostics:
            source = "" if isinstance(chunk, bytes) else "\n" * offset + chunk
            if not verify_diagnostics(source, diags, name, err):
                failed = True
        else:
            errors = [d for d in diags if d.severity == "error"]
            for line in format_all(diags, name):
                err.write(line + "\n")
            if errors or output is None:
                failed = True
        if output is not None:
            results.append(output)
    text_out = "// -----\n".join(r if r.endswith("\n") else r + "\n" for r in results)
    if args.output == "-":
        out.write(text_out)
    elif not failed:
        # Like mlir-opt, leave no output file behind when processing failed.
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text_out)
        except OSError as e:
            err.write(f"{args.output}: error: cannot write output: {e.strerror or e}\n")
            return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
