"""hlo-coreml: StableHLO (JAX, Flax, Equinox) to Core ML ML programs.

    import hlo_coreml
    model = hlo_coreml.compile(fn, example_x, output_path="model.mlpackage")
    outputs = hlo_coreml.run(model, {"x": x})   # reference interpreter (Linux)

Stateful and multifunction models (an LLM's prefill and decode):

    model = hlo_coreml.compile_multifunction({"prefill": (...), "decode": (...)}, states=..., output_path=...)
    state = hlo_coreml.make_state(model)
    out = hlo_coreml.run(model, {"tokens": t, "pos": p}, function_name="prefill", state=state)
"""

from .compiler import compile, legalize  # noqa: A004
from .diagnostics import CompileError, LegalizationError
from .multifunction import compile_multifunction

__all__ = ["compile", "compile_multifunction", "legalize", "run", "make_state", "CompileError", "LegalizationError"]


def run(model, inputs, *, function_name=None, state=None):
    """Run a compiled model with the NumPy reference interpreter.

    function_name: the function of a multifunction package to run (default:
        its default function; "main" for a single-function model).
    state: a dict from `make_state(model)` (or {state name: fp16 array});
        the model reads its states from it and the arrays are updated in
        place, so passing the same dict to successive calls carries the
        state between them, as `MLState` does in an app. States may also be
        given in `inputs` under their names (updated in place likewise).
    """
    from .interpreter import run as _run

    feeds = dict(inputs)
    if state is not None:
        overlap = sorted(set(feeds) & set(state))
        if overlap:
            raise CompileError(f"{', '.join(overlap)} given both in inputs and in state")
        feeds.update(state)
    out_states = {}
    outputs = _run(_cached_program(model), feeds, state_out=out_states, function_name=function_name)
    if state is not None:
        import numpy as np

        for name, value in out_states.items():
            given = state[name]
            updated_in_place = (
                isinstance(given, np.ndarray) and given.flags.writeable
                and given.shape == value.shape and given.dtype == value.dtype
            )
            if not updated_in_place:
                state[name] = value
    return outputs


def make_state(model, function_name=None):
    """Zero-filled states of `model`'s function (default: its default
    function): {state name: np.float16 array}, for `run(..., state=)`."""
    import numpy as np

    from .interpreter import Interpreter

    interp = Interpreter(_cached_program(model), function_name)
    return {name: np.zeros([int(d) for d in var.shape], np.float16) for name, var in interp.state_vars.items()}


_PROGRAMS: dict = {}


def _cached_program(model):
    """A package path's loaded MIL program, reused while the package is
    unchanged (decoding calls the same model once per token)."""
    import os

    from .interpreter import load_program

    if not isinstance(model, (str, os.PathLike)):
        if type(model).__name__ == "MLModel":
            key = ("model", id(model))
            if key not in _PROGRAMS:
                _PROGRAMS.clear()
                _PROGRAMS[key] = (load_program(model), model)  # keeps the id's owner alive
            return _PROGRAMS[key][0]
        return model
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
        _PROGRAMS[key] = (load_program(path), None)
    return _PROGRAMS[key][0]
