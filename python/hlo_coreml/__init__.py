"""hlo-coreml: StableHLO (JAX, Flax, Equinox) to Core ML ML programs.

    import hlo_coreml
    model = hlo_coreml.compile(fn, example_x, output_path="model.mlpackage")
    outputs = hlo_coreml.run(model, {"x": x})   # reference interpreter (Linux)

Stateful and multifunction models (an LLM's prefill and decode):

    model = hlo_coreml.compile_multifunction({"prefill": (...), "decode": (...)}, states=..., output_path=...)
    state = hlo_coreml.make_state(model)
    out = hlo_coreml.run(model, {"tokens": t, "pos": p}, function_name="prefill", state=state)
"""

from .diagnostics import CompileError, LegalizationError
from .multifunction import compile_multifunction

__all__ = ["compile", "compile_multifunction", "legalize", "run", "make_state", "CompileError", "LegalizationError"]


def __getattr__(name):
    # compile / legalize load MLIR, the passes and (on first compile)
    # coremltools: imported on first use, so `hlo-coreml --help`, `inspect`
    # and `import hlo_coreml` stay fast.
    if name in ("compile", "legalize"):
        from . import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'hlo_coreml' has no attribute {name!r}")


def run(model, inputs, *, function_name=None, state=None, strict=False):
    """Run a compiled model with the NumPy reference MIL interpreter.

    Inputs and outputs of rank > 5 (which the Core ML model holds with their
    leading dims merged) are taken and returned in the program's shapes.
    function_name: the function of a multifunction package to run (default:
        its default function; "main" for a single-function model).
    state: a dict from `make_state(model)` (or {state name: fp16 array});
        the model reads its states from it and the arrays are updated in
        place, so passing the same dict to successive calls carries the
        state between them, as `MLState` does in an app. States may also be
        given in `inputs` under their names (updated in place likewise).
    strict: run under two readings of every behaviour the Core ML op
        documentation leaves open (sign of `mod`, order of equal keys,
        `round` ties, pooling padding, out-of-range indices, ...);
        ``UnderspecifiedBehaviourError`` names the ops whose results made
        the outputs differ.
    """
    from .run_model import run as _run

    return _run(model, inputs, function_name=function_name, state=state, strict=strict)


def make_state(model, function_name=None):
    """Zero-filled states of `model`'s function (default: its default
    function): {state name: np.float16 array}, for `run(..., state=)`."""
    from .run_model import make_state as _make_state

    return _make_state(model, function_name)
