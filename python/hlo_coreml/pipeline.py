"""Pass pipelines: our Python passes and upstream ones in one MLIR PassManager.

A pipeline is a list of elements, each either one of our passes
(`hlo-coreml-narrow-types`, optionally with `{opt=value,...}`), a named
pipeline of ours (`hlo-coreml-legalize-pipeline`), or any upstream / StableHLO
pass in MLIR's textual syntax (`canonicalize`, `func.func(chlo-legalize-to-stablehlo)`).
"""

from __future__ import annotations

import re

from hlo_coreml.passes import PASS_REGISTRY

from ._mlir import ir, passmanager

# CHLO ops with a native MIL op: wrapped in composites before CHLO is
# legalized, so the emitter sees one op instead of a polynomial.
KEPT_CHLO_OPS = ("chlo.erf", "chlo.top_k", "chlo.asin", "chlo.acos", "chlo.atan", "chlo.sinh", "chlo.cosh", "chlo.atanh")

PREPARE_PIPELINE = [
    "stablehlo-wrap-in-composite{op-names=" + ",".join(KEPT_CHLO_OPS) + "}",
    "hlo-coreml-inline-composites",
    "hlo-coreml-inline-calls",
    "func.func(chlo-legalize-to-stablehlo)",
    "func.func(stablehlo-legalize-deprecated-ops{fail-on-unused=false})",
    "stablehlo-refine-shapes",
    # dynamic_pad / dynamic_gather / dynamic_conv (and the other dynamic_*
    # ops) whose size / padding operands are constants -> their static forms.
    "func.func(stablehlo-canonicalize-dynamism)",
    "canonicalize",
    "cse",
    "symbol-dce",
]

LEGALIZE_PASSES = [
    "hlo-coreml-inline-map",
    "hlo-coreml-remove-tuples",
    "hlo-coreml-drop-empty-tensors",
    "hlo-coreml-legalize-int-conv",
    "hlo-coreml-fold-dequantize",
    "hlo-coreml-raise-complex-expansions",
    "hlo-coreml-narrow-types",
    "hlo-coreml-widen-bf16",
    "hlo-coreml-widen-small-ints",
    "hlo-coreml-expand-reduce-precision",
    "hlo-coreml-decompose-linalg",
    "hlo-coreml-split-complex",
    "hlo-coreml-unroll-while",
    "hlo-coreml-dot-general-to-matmul",
    "canonicalize",
    "hlo-coreml-raise-fused-ops",
    "hlo-coreml-fold-kv-repeat",
    "hlo-coreml-decompose-select-and-scatter",
    "hlo-coreml-legalize-gather-scatter",
    "hlo-coreml-legalize-sort",
    "hlo-coreml-decompose-reduce-window",
    "hlo-coreml-legalize-reduce-window",
    "hlo-coreml-drop-empty-tensors",
    "hlo-coreml-cap-rank",
    "hlo-coreml-verify-legal",
]

NAMED_PIPELINES: dict[str, tuple[str, list[str]]] = {
    "hlo-coreml-prepare": (
        "Inline, legalize CHLO (keeping ops MIL has natively), refine shapes, canonicalize",
        PREPARE_PIPELINE,
    ),
    "hlo-coreml-legalize-pipeline": (
        "The whole legalization: prepare, then every hlo-coreml pass, then verify-legal",
        ["hlo-coreml-prepare", *LEGALIZE_PASSES],
    ),
}

DEFAULT_PIPELINE = "hlo-coreml-legalize-pipeline"

_ELEMENT = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\{(.*)\})?$", re.S)


class PipelineError(ValueError):
    """A pipeline string names an unknown pass or has a bad option."""


def split_pipeline(text: str) -> list[str]:
    """Split `builtin.module(a,b{x=1},func.func(c,d))` (or `a,b,...`) into
    its top-level elements."""
    text = text.strip()
    m = re.fullmatch(r"builtin\.module\((.*)\)", text, re.S)
    if m:
        text = m.group(1)
    elements, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth < 0:
                raise PipelineError(f"unbalanced pipeline: {text!r}")
        elif ch == "," and depth == 0:
            elements.append(text[start:i].strip())
            start = i + 1
    if depth != 0:
        raise PipelineError(f"unbalanced pipeline: {text!r}")
    tail = text[start:].strip()
    if tail:
        elements.append(tail)
    return [e for e in elements if e]


def _parse_options(text: str | None) -> dict[str, str]:
    options: dict[str, str] = {}
    if not text:
        return options
    for item in re.split(r"[,\s]+", text.strip()):
        if not item:
            continue
        key, sep, value = item.partition("=")
        options[key] = value if sep else "true"
    return options


def expand(elements: list[str]) -> list[str]:
    """Replace named pipelines by their elements, recursively."""
    out: list[str] = []
    for element in elements:
        name = _ELEMENT.match(element)
        if name and name.group(1) in NAMED_PIPELINES:
            if name.group(2) is not None:
                raise PipelineError(f"pipeline '{name.group(1)}' takes no options, got '{{{name.group(2)}}}'")
            out.extend(expand(NAMED_PIPELINES[name.group(1)][1]))
        else:
            out.append(element)
    return out


def build_pass_manager(
    elements: list[str], *, print_ir_after_all: bool = False, timing: bool = False
) -> passmanager.PassManager:
    """A module-anchored PassManager (in the current context) running `elements`."""
    pm = passmanager.PassManager("builtin.module")
    for element in expand(elements):
        match = _ELEMENT.match(element)
        name = match.group(1) if match else None
        if name in PASS_REGISTRY:
            try:
                instance = PASS_REGISTRY[name].from_options(_parse_options(match.group(2)))
            except ValueError as e:
                raise PipelineError(str(e)) from None
            pm.add(instance.run, name=type(instance).__name__, argument=name)
        elif name is not None and name.startswith("hlo-coreml-"):
            raise PipelineError(f"'{name}' does not refer to a registered pass or pipeline")
        else:
            try:
                pm.add(element)
            except ValueError as e:
                raise PipelineError(str(e).strip()) from None
    if print_ir_after_all:
        pm.enable_ir_printing(print_after_all=True)
    if timing:
        pm.enable_timing()
    return pm


def run_pipeline(module: ir.Module, elements: list[str], **kwargs) -> None:
    """Run `elements` on `module` in place; raises ir.MLIRError on failure."""
    build_pass_manager(elements, **kwargs).run(module.operation)
