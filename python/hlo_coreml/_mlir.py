"""The one place that touches jaxlib's private MLIR modules.

jaxlib ships the MLIR and StableHLO Python bindings, but a few pieces we need
(dialect registration, the rewrite-pattern API) are only reachable through
private modules. Everything else in the project imports them from here, so a
jaxlib upgrade that moves them breaks exactly one file.
"""

from __future__ import annotations

from jaxlib.mlir import ir, passmanager  # noqa: F401  (re-exported)
from jaxlib.mlir._mlir_libs import _jax_mlir_ext
from jaxlib.mlir._mlir_libs._mlir import rewrite  # noqa: F401  (re-exported)
from jaxlib.mlir.dialects import chlo, func, sdy, stablehlo  # noqa: F401  (re-exported)

# Clones a single-block function body at the current insertion point. jaxlib
# does not register the func dialect's inliner extension, so the upstream
# `inline` pass cannot inline func.call; hlo-coreml-inline-calls uses this.
inlined_func_call = _jax_mlir_ext.inlined_func_call

_passes_registered = False


def make_context() -> ir.Context:
    """A context with func, stablehlo, chlo (and the upstream dialects jaxlib
    bundles) loaded, and StableHLO's passes registered for textual pipelines."""
    global _passes_registered
    registry = ir.DialectRegistry()
    _jax_mlir_ext.register_dialects(registry)
    ctx = ir.Context()
    ctx.append_dialect_registry(registry)
    ctx.load_all_available_dialects()
    stablehlo.register_dialect(ctx)
    chlo.register_dialect(ctx)
    # JAX puts Shardy (sdy) attributes on some exports (e.g. linalg ops).
    sdy.register_dialect(ctx)
    if not _passes_registered:
        stablehlo.register_stablehlo_passes()
        _passes_registered = True
    return ctx
