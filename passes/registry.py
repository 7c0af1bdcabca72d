"""Base class and registry for hlo-coreml's Python-defined MLIR passes.

jaxlib cannot register Python passes globally, so a textual pipeline such as
`builtin.module(hlo-coreml-narrow-types)` cannot name them. We keep our own
registry; `hlo_coreml.pipeline` splits a pipeline into elements and adds ours
with `PassManager.add(callable, name=, argument=)` and the rest by text, so
both kinds interleave in one MLIR pass manager.

A pass is a frozen dataclass:

    @register_pass
    @dataclass(frozen=True)
    class NarrowTypesPass(ModulePass):
        '''Docstring: what it rewrites, what holds afterwards.'''
        name: ClassVar[str] = "hlo-coreml-narrow-types"
        summary: ClassVar[str] = "..."
        some_option: int = 3          # hlo-coreml-narrow-types{some-option=4}

        def run(self, module: ir.Operation, pass_) -> None: ...

Passes anchor on the module (jaxlib aborts the process if a Python pass is
restricted to `func.func` on a module pass manager) and walk functions
themselves. User-facing problems are reported with
`op.location.emit_error(msg)` followed by `pass_.signal_pass_failure()`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

PASS_REGISTRY: dict[str, type["ModulePass"]] = {}


@dataclass(frozen=True)
class ModulePass:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def run(self, module, pass_) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def options(cls) -> list[dataclasses.Field]:
        return list(dataclasses.fields(cls))

    @classmethod
    def from_options(cls, options: dict[str, str]) -> "ModulePass":
        """Build the pass from `{'some-option': '4'}` (textual pipeline form)."""
        fields = {f.name.replace("_", "-"): f for f in cls.options()}
        kwargs: dict[str, Any] = {}
        for key, text in options.items():
            if key not in fields:
                known = ", ".join(sorted(fields)) or "none"
                raise ValueError(
                    f"pass '{cls.name}' has no option '{key}' (options: {known})"
                )
            field = fields[key]
            kwargs[field.name] = _parse_option(cls.name, key, text, field)
        return cls(**kwargs)


def _parse_option(pass_name: str, key: str, text: str, field: dataclasses.Field):
    kind = field.type if isinstance(field.type, type) else _type_from_name(field.type)
    try:
        if kind is bool:
            if text.lower() in ("1", "true", "on", "yes"):
                return True
            if text.lower() in ("0", "false", "off", "no"):
                return False
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        return text
    except ValueError:
        raise ValueError(
            f"pass '{pass_name}': option '{key}' expects {kind.__name__}, got '{text}'"
        ) from None


def _type_from_name(name: str) -> type:
    return {"bool": bool, "int": int, "float": float, "str": str}.get(name, str)


def register_pass(cls: type[ModulePass]) -> type[ModulePass]:
    if not cls.name.startswith("hlo-coreml-"):
        raise ValueError(f"pass name must start with 'hlo-coreml-': {cls.name}")
    if cls.name in PASS_REGISTRY:
        raise ValueError(f"pass registered twice: {cls.name}")
    PASS_REGISTRY[cls.name] = cls
    return cls


def walk_functions(module):
    """The func.func ops directly inside `module` (an ir.Operation or OpView)."""
    body = module.regions[0].blocks[0]
    return [op for op in body.operations if op.operation.name == "func.func"]
