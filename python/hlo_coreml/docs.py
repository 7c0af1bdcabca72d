"""Generated README tables (ops and passes), so the README cannot drift from
the code. `python tools/gen_docs.py` rewrites them; a test compares."""

from __future__ import annotations

import re

from .emit.registry import COMPOSITES, emitter_table
from .passes import PASS_REGISTRY
from .pipeline import NAMED_PIPELINES

MARKERS = {
    "op-table": "Supported ops",
    "pass-table": "Passes",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def op_table() -> str:
    table = emitter_table()
    rows = ["| StableHLO op | MIL lowering and conditions |", "| --- | --- |"]
    for name in sorted(table):
        if name == "stablehlo.composite":
            continue
        rows.append(f"| `{name}` | {_cell(table[name].doc)} |")
    for name in sorted(COMPOSITES):
        rows.append(f"| `stablehlo.composite \"{name}\"` | {_cell(COMPOSITES[name].doc)} |")
    return "\n".join(rows)


def pass_table() -> str:
    rows = ["| pass / pipeline | what it does |", "| --- | --- |"]
    for name in sorted(PASS_REGISTRY):
        rows.append(f"| `{name}` | {PASS_REGISTRY[name].summary} |")
    for name in sorted(NAMED_PIPELINES):
        rows.append(f"| `{name}` (pipeline) | {NAMED_PIPELINES[name][0]} |")
    return "\n".join(rows)


GENERATORS = {"op-table": op_table, "pass-table": pass_table}


def render(readme: str) -> str:
    """`readme` with every generated block replaced by a fresh one."""
    for key, generate in GENERATORS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED {key} -->\n).*?(<!-- END GENERATED {key} -->)", re.S
        )
        if not pattern.search(readme):
            raise ValueError(f"README has no generated block '{key}'")
        readme = pattern.sub(lambda m: m.group(1) + generate() + "\n" + m.group(2), readme)
    return readme
