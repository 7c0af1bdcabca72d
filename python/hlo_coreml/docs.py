"""Generated documentation blocks (op table, pass table, pipeline, dynamic-shape
ops) in README.md and docs/*.md, so the docs cannot drift from the code.
`python tools/gen_docs.py` rewrites them; test_docs fails when one is stale."""

from __future__ import annotations

import re

from .emit.refused import REFUSED, REWRITTEN
from .emit.registry import COMPOSITES, emitter_table
from .passes import PASS_REGISTRY
from .pipeline import NAMED_PIPELINES  # noqa: E402

def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def all_stablehlo_ops() -> list[str]:
    """Every op of the StableHLO dialect, from the Python bindings' OpView classes."""
    from ._mlir import stablehlo

    names = {
        getattr(cls, "OPERATION_NAME")
        for cls in vars(stablehlo).values()
        if isinstance(cls, type) and isinstance(getattr(cls, "OPERATION_NAME", None), str)
    }
    return sorted(n for n in names if n.startswith("stablehlo."))


def op_status(name: str) -> tuple[str, str]:
    """(status, details) of one StableHLO op for the README table."""
    table = emitter_table()
    if name in table:
        entry = table[name]
        status = "supported with conditions" if entry.check is not None else "supported"
        return status, entry.doc
    if name in REWRITTEN:
        return "rewritten by a pass", REWRITTEN[name]
    if name in REFUSED:
        return "refused", "it " + REFUSED[name]
    return "not supported yet", "no lowering yet (verify-legal reports it at its location)"


def op_table() -> str:
    table = emitter_table()
    rows = ["| StableHLO op | status | MIL lowering, conditions, or why not |", "| --- | --- | --- |"]
    names = sorted(set(all_stablehlo_ops()) | {n for n in table if n.startswith("stablehlo.")})
    for name in names:
        if name == "stablehlo.composite":
            status, doc = "supported with conditions", table[name].doc
        else:
            status, doc = op_status(name)
        rows.append(f"| `{name}` | {status} | {_cell(doc)} |")
    for name in sorted(table):
        if not name.startswith("stablehlo."):
            rows.append(f"| `{name}` | supported with conditions | {_cell(table[name].doc)} |")
    for name in sorted(COMPOSITES):
        rows.append(f"| `stablehlo.composite \"{name}\"` | supported | {_cell(COMPOSITES[name].doc)} |")
    return "\n".join(rows)


def pass_table() -> str:
    rows = ["| pass / pipeline | what it does |", "| --- | --- |"]
    for name in sorted(PASS_REGISTRY):
        rows.append(f"| `{name}` | {PASS_REGISTRY[name].summary} |")
    for name in sorted(NAMED_PIPELINES):
        rows.append(f"| `{name}` (pipeline) | {NAMED_PIPELINES[name][0]} |")
    return "\n".join(rows)


def default_pipeline() -> str:
    """The default legalization pipeline, element by element, as compile() runs it."""
    from .pipeline import DEFAULT_PIPELINE, expand

    return "```\n" + "\n".join(expand([DEFAULT_PIPELINE])) + "\n```"


def dynamic_ops() -> str:
    """The ops that accept dynamic (`?`) dims, with their conditions."""
    from .emit.ops_dynamic import DYNAMIC_SHAPE_OPS

    rows = []
    for name in sorted(DYNAMIC_SHAPE_OPS):
        check = DYNAMIC_SHAPE_OPS[name]
        note = f" ({check.__doc__.strip()})" if check is not None and check.__doc__ else ""
        rows.append(f"`{name.removeprefix('stablehlo.')}`{note}")
    return ", ".join(rows) + "."


GENERATORS = {"op-table": op_table, "pass-table": pass_table, "pipeline": default_pipeline, "dynamic-ops": dynamic_ops}

# The Markdown files (relative to the repository's root) that hold generated blocks.
DOC_FILES = ("README.md", "docs/ops.md", "docs/passes.md", "docs/shapes.md")


def _block(key: str) -> re.Pattern:
    return re.compile(rf"(<!-- BEGIN GENERATED {key} -->\n).*?(<!-- END GENERATED {key} -->)", re.S)


def render(text: str) -> str:
    """`text` with every generated block it contains replaced by a fresh one."""
    for key, generate in GENERATORS.items():
        pattern = _block(key)
        if pattern.search(text):
            text = pattern.sub(lambda m: m.group(1) + generate() + "\n" + m.group(2), text)
    return text


def render_all(root: str) -> dict[str, tuple[str, str]]:
    """{relative path: (current text, regenerated text)} for every file in
    DOC_FILES. Raises ValueError if some generated block appears nowhere."""
    import os

    out = {}
    for rel in DOC_FILES:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            old = f.read()
        out[rel] = (old, render(old))
    missing = [key for key in GENERATORS if not any(_block(key).search(old) for old, _ in out.values())]
    if missing:
        raise ValueError(f"no file in {DOC_FILES} has the generated block(s) {missing}")
    return out
