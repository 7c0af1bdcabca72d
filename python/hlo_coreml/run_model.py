"""`hlo_coreml.run` and `hlo-coreml run`: the reference MIL interpreter with
the model's interface applied.

Core ML features have rank <= 5, so an argument or result of rank 6+
travels with its leading dims merged (hlo-coreml-cap-rank); the model's
interface metadata (`hlo_coreml.interface`, `original_shape` on such a
feature) records the program's shape. An input given in that shape is
reshaped to the feature's shape, and each such output is returned in it.
Inputs already in the feature's shape are passed as they are.
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping

import numpy as np


def interface_shapes(model) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """({input: (feature shape, original shape)}, {output: original shape})
    for the features that have an original shape; empty without interface
    metadata (e.g. a pymil Program)."""
    specs = getattr(model, "hlo_coreml_interface", None)
    if specs is not None:
        inputs = [(s.name, s.io_shape, s.original_shape) for s in specs.inputs]
        outputs = [(s.name, s.original_shape) for s in specs.outputs]
    else:
        from .compiler import INTERFACE_METADATA_KEY

        metadata = getattr(model, "user_defined_metadata", None)
        text = metadata.get(INTERFACE_METADATA_KEY) if metadata is not None else None
        if not text:
            return {}, {}
        data = json.loads(text)
        inputs = [(s["name"], tuple(s["shape"]) or (1,), s.get("original_shape")) for s in data.get("inputs", [])]
        outputs = [(s["name"], s.get("original_shape")) for s in data.get("outputs", [])]
    return (
        {name: (tuple(shape), tuple(orig)) for name, shape, orig in inputs if orig is not None},
        {name: tuple(orig) for name, orig in outputs if orig is not None},
    )


def run(model, inputs: Mapping[str, Any], state_out: dict | None = None, strict: bool = False) -> dict[str, np.ndarray]:
    """Run `model` (a path to an .mlpackage, an MLModel or a pymil Program)
    with the reference interpreter; rank > 5 inputs and outputs in the
    program's own shapes (see the module docstring); `strict` as in
    `hlo_coreml.interpreter.run`."""
    from .coreml import coremltools
    from .interpreter import run as interpret

    if isinstance(model, (str, os.PathLike)) and os.path.isdir(model):
        model = coremltools().models.MLModel(os.fspath(model), skip_model_load=True)
    in_shapes, out_shapes = interface_shapes(model)
    feeds = dict(inputs) if isinstance(inputs, Mapping) else inputs
    if in_shapes and isinstance(feeds, dict):
        for name, (shape, original) in in_shapes.items():
            if name in feeds and np.shape(feeds[name]) == original:
                feeds[name] = np.reshape(feeds[name], shape)
    outputs = interpret(model, feeds, state_out=state_out, strict=strict)
    for name, original in out_shapes.items():
        if name in outputs:
            outputs[name] = np.reshape(outputs[name], original)
    return outputs
