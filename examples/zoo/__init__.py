"""Model zoo: real architectures with seeded random weights (no downloads).

Every entry is a builder ``build(size) -> ZooModel`` where ``size`` is
``"small"`` (the pytest configuration: few layers, small dims, fast) or
``"full"`` (the benchmark configuration: the architecture's real sizes).
A ``ZooModel`` carries a JAX function whose weights are closed over (so
they become constants of the exported StableHLO, as in a deployed model)
and example inputs.

    from examples.zoo import MODELS, build, export_cached
    m = build("gpt2", "small")
    exported = export_cached(m)             # jax.export.Exported, cached

Models: see ``MODELS`` (name -> one-line description).
"""

from __future__ import annotations

from .registry import MODELS, ZooModel, build, export_cached, export_model, names

__all__ = ["MODELS", "ZooModel", "build", "export_cached", "export_model", "names"]
