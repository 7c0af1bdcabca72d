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


def run(
    model,
    inputs: Mapping[str, Any],
    *,
    function_name: str | None = None,
    state: dict | None = None,
    strict: bool = False,
) -> dict[str, np.ndarray]:
    """Run `model` (a path to an .mlpackage, an MLModel or a pymil Program)
    with the reference interpreter; rank > 5 inputs and outputs in the
    program's own shapes (see the module docstring). `function_name`, `state`
    and `strict` as in `hlo_coreml.run`."""
    from .diagnostics import CompileError
    from .interpreter import run as interpret

    program, (in_shapes, out_shapes) = _cached_program(model)
    feeds = dict(inputs) if isinstance(inputs, Mapping) else inputs
    if in_shapes and isinstance(feeds, dict):
        for name, (shape, original) in in_shapes.items():
            if name in feeds and np.shape(feeds[name]) == original:
                feeds[name] = np.reshape(feeds[name], shape)
    if state is not None:
        overlap = sorted(set(feeds) & set(state))
        if overlap:
            raise CompileError(f"{', '.join(overlap)} given both in inputs and in state")
        feeds.update(state)
    out_states: dict = {}
    outputs = interpret(program, feeds, state_out=out_states, function_name=function_name, strict=strict)
    if state is not None:
        for name, value in out_states.items():
            given = state[name]
            updated_in_place = (
                isinstance(given, np.ndarray) and given.flags.writeable
                and given.shape == value.shape and given.dtype == value.dtype
            )
            if not updated_in_place:
                state[name] = value
    for name, original in out_shapes.items():
        if name in outputs:
            outputs[name] = np.reshape(outputs[name], original)
    return outputs


def make_state(model, function_name=None):
    """Zero-filled states of `model`'s function (default: its default
    function): {state name: np.float16 array}, for `run(..., state=)`."""
    from .interpreter import Interpreter

    interp = Interpreter(_cached_program(model)[0], function_name)
    return {name: np.zeros([int(d) for d in var.shape], np.float16) for name, var in interp.state_vars.items()}


_PROGRAMS: dict = {}


def _cached_program(model):
    """(loaded MIL program, interface shapes) of `model`. A package path's
    program is reused while the package is unchanged, and an MLModel's while
    it lives (decoding calls the same model once per token)."""
    from .coreml import coremltools
    from .interpreter import load_program

    if not isinstance(model, (str, os.PathLike)):
        if type(model).__name__ != "MLModel":
            return model, interface_shapes(model)
        key = ("model", id(model))
        if key not in _PROGRAMS:
            _PROGRAMS.clear()
            _PROGRAMS[key] = (load_program(model), interface_shapes(model), model)  # keeps the id's owner alive
        return _PROGRAMS[key][:2]
    path = os.path.abspath(os.fspath(model))
    stamp = []
    # (Loading a package rewrites its Manifest.json, so that is no witness.)
    for dirpath, _, files in os.walk(os.path.join(path, "Data")):
        for f in sorted(files):
            st = os.stat(os.path.join(dirpath, f))
            stamp.append((f, st.st_mtime_ns, st.st_size))
    key = (path, tuple(stamp))
    if key not in _PROGRAMS:
        _PROGRAMS.clear()
        program = load_program(path)  # says what is wrong with a damaged or missing package
        mlmodel = coremltools().models.MLModel(path, skip_model_load=True)
        _PROGRAMS[key] = (program, interface_shapes(mlmodel), None)
    return _PROGRAMS[key][:2]
