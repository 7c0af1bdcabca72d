"""hlo-coreml's MLIR passes, one module each, registered in PASS_REGISTRY."""

from . import inline_calls, inline_composites, narrow_types, verify_legal  # noqa: F401  (registration)
from .registry import PASS_REGISTRY, ModulePass, register_pass

__all__ = ["PASS_REGISTRY", "ModulePass", "register_pass"]
