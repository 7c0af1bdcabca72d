"""The elementwise families of hlo-coreml-raise-fused-ops: sigmoid, SiLU
and GELU (tanh and erf), as functions of one tensor."""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml.emit.ops_fused import GELU, SIGMOID, SILU


_ERF = np.vectorize(math.erf, otypes=[np.float64])


def _gelu_erf(x):
    return 0.5 * x * (1 + _ERF(x / math.sqrt(2)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_ELEMENTWISE = (
    (SIGMOID, {}, _sigmoid),
    (SILU, {}, lambda x: x * _sigmoid(x)),
    (GELU, {"approximate": "tanh"}, _gelu_tanh),
    (GELU, {"approximate": "none"}, _gelu_erf),
)
