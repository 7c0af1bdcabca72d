"""Which fused op a region computes: its evaluation on probes compared with
each family's definition (hlo-coreml-raise-fused-ops)."""

from __future__ import annotations

import numpy as np

from hlo_coreml.ir_utils import i64_array

from .common import _close, _Match, _shape
from .elementwise import _ELEMENTWISE
from .norms import _match_reduction
from .region import _evaluate, _Region



def _match_region(region: _Region, kind: str) -> _Match | None:
    """Which fused op the region computes, if any."""
    x, root = region.x, region.root
    shape = _shape(x)
    if _shape(root.result) != shape or not shape:
        return None
    names = {op.name for op in region.ops if op.results[0] not in region.const_values}
    if len(names) < 2:
        return None
    reduces = [op for op in region.ops if op.name == "stablehlo.reduce" and op.results[0] not in region.const_values]
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        if not reduces:
            if not names & {"stablehlo.exponential", "stablehlo.tanh", "stablehlo.logistic", "stablehlo.exponential_minus_one"}:
                return None
            probe = rng.uniform(-6.0, 6.0, 512)
            got = _evaluate(region, probe, elementwise=True)
            for name, attrs, fn in _ELEMENTWISE:
                if _close(got, fn(probe), kind):
                    return _Match(name, dict(attrs))
            return None
        if any(_shape(op.operands[0]) != shape for op in reduces):
            return None  # reductions over a reshaped x (GroupNorm): not one of ours
        axes = {tuple(sorted(i64_array(op, "dimensions"))) for op in reduces}
        if len(axes) != 1:
            return None
        (axes,) = axes
        return _match_reduction(region, kind, list(axes), rng)
