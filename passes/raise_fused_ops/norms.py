"""The reduction families of hlo-coreml-raise-fused-ops: softmax,
log-softmax, layer norm, RMS norm and L2 norm (with epsilon, gamma and beta
read or fitted from the region)."""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir
from hlo_coreml.emit.ops_fused import L2_NORM, LAYER_NORM, LOG_SOFTMAX, RMS_NORM, SOFTMAX

from .common import _close, _concrete, _const_array, _Match, _name, _shape
from .region import _ROW_PROBE, _evaluate, _evaluate_rows, _Region, _row_plan


def _epsilons(region: _Region) -> list[float]:
    """Small positive scalar constants of the region (epsilon candidates)."""
    out = {0.0}
    for value in region.const_values:
        if _name(value) != "stablehlo.constant":
            continue
        a = _const_array(value)
        if a is None or a.size == 0 or a.dtype.kind != "f":
            continue
        first = float(a.reshape(-1)[0])
        if 0 < first < 0.1 and (a == a.reshape(-1)[0]).all():
            out.add(first)
    return sorted(out)


def _match_reduction(region, kind, axes, rng) -> _Match | None:
    dynamic_axes = any(ir.ShapedType.is_dynamic_size(_shape(region.x)[a]) for a in axes)
    ax = tuple(axes)
    got = None
    plan = _row_plan(region, ax)
    if plan is not None:
        cut = plan[region.x]
        shape = tuple(_ROW_PROBE if c else d for c, d in zip(cut, _concrete(_shape(region.x))))
        probes, small = _reduction_probes(rng, shape)
        got = [_evaluate_rows(region, p, plan) for p in probes + [small]]
    if got is None or any(g is None for g in got):
        shape = _concrete(_shape(region.x))
        probes, small = _reduction_probes(np.random.default_rng(0), shape)
        got = [_evaluate(region, p) for p in probes + [small]]
    if any(g is None for g in got):
        return None
    if len(ax) == 1:
        axis = ax[0]
        for name, fn in (
            (SOFTMAX, lambda p: _softmax(p, axis)),
            (LOG_SOFTMAX, lambda p: np.log(_softmax(p, axis))),
        ):
            if all(_close(g, fn(p), kind) for g, p in zip(got, probes + [small])):
                return _Match(name, {"axis": axis})
    for eps in _epsilons(region):
        for name, normalize in (
            (LAYER_NORM, lambda p: _layer_norm(p, ax, eps)),
            (L2_NORM, lambda p: p / np.sqrt(np.sum(p * p, axis=ax, keepdims=True) + eps)),
            (RMS_NORM, lambda p: p / np.sqrt(np.mean(p * p, axis=ax, keepdims=True) + eps)),
        ):
            fit = _fit_affine([normalize(p) for p in probes], got[:3], shape, ax)
            if fit is None:
                continue
            gamma, beta = fit
            if not _close(got[3], normalize(small) * gamma + beta, kind):
                continue
            attrs = {"axes": list(ax), "epsilon": eps}
            norm_shape = [shape[a] for a in ax]
            if name == L2_NORM:
                if not (np.all(gamma == 1) and np.all(beta == 0)):
                    continue
                return _Match(name, attrs)
            affine = not np.allclose(gamma, 1, rtol=0, atol=1e-6) or not np.allclose(beta, 0, rtol=0, atol=1e-6)
            if affine and dynamic_axes:
                return None  # gamma/beta cannot have the size of a `?` axis
            if not np.allclose(gamma, 1, rtol=0, atol=1e-6):
                attrs["gamma"] = gamma.reshape(norm_shape)
            if not np.allclose(beta, 0, rtol=0, atol=1e-6):
                attrs["beta"] = beta.reshape(norm_shape)
            return _Match(name, attrs)
    return None


def _reduction_probes(rng, shape):
    """Rows with an offset and a scale (and one nearly constant row, so that
    epsilon matters), three of them to fit and check gamma/beta."""
    probes = [rng.normal(0.5, 2.0, shape) for _ in range(3)]
    return probes, rng.normal(0.0, 1e-3, shape)


def _softmax(p, axis):
    e = np.exp(p - np.max(p, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _layer_norm(p, ax, eps):
    mean = np.mean(p, axis=ax, keepdims=True)
    var = np.mean((p - mean) ** 2, axis=ax, keepdims=True)
    return (p - mean) / np.sqrt(var + eps)


def _fit_affine(normalized, got, shape, ax):
    """gamma, beta (over the normalized axes, broadcastable to `shape`) with
    got ~= normalized * gamma + beta for every probe; None if none fits."""
    keep = [i for i in range(len(shape)) if i not in ax]
    n0, n1 = normalized[0], normalized[1]
    g0, g1 = got[0], got[1]
    with np.errstate(all="ignore"):
        gamma_full = (g0 - g1) / (n0 - n1)
        # one value per normalized position: the median over the other axes
        gamma = np.mean(gamma_full, axis=tuple(keep), keepdims=True) if keep else gamma_full
        beta = np.mean(g0 - n0 * gamma, axis=tuple(keep), keepdims=True) if keep else g0 - n0 * gamma
    if not (np.isfinite(gamma).all() and np.isfinite(beta).all()):
        return None
    # snap to exact 1 / 0 when that is what the region holds
    gamma = np.where(np.abs(gamma - 1) < 1e-9, 1.0, gamma)
    beta = np.where(np.abs(beta) < 1e-9, 0.0, beta)
    for n, g in zip(normalized, got):
        if not _close(g, n * gamma + beta, "f32"):
            return None
    return gamma, beta
