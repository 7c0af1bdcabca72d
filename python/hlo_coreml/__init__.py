"""hlo-coreml: StableHLO (JAX, Flax, Equinox) to Core ML ML programs.

    import hlo_coreml
    model = hlo_coreml.compile(fn, example_x, output_path="model.mlpackage")
    outputs = hlo_coreml.run(model, {"x": x})   # reference interpreter (Linux)
"""

from .compiler import compile, legalize  # noqa: A004
from .diagnostics import CompileError, LegalizationError

__all__ = ["compile", "legalize", "run", "CompileError", "LegalizationError"]


def run(model, inputs, strict=False):
    """Run a compiled model with the NumPy reference MIL interpreter. Inputs
    and outputs of rank > 5 (which the Core ML model holds with their
    leading dims merged) are taken and returned in the program's shapes.

    With ``strict=True`` the model is run under two readings of every
    behaviour the Core ML op documentation leaves open (sign of `mod`, order
    of equal keys, `round` ties, pooling padding, out-of-range indices, ...)
    and ``UnderspecifiedBehaviourError`` names the ops whose results made the
    outputs differ."""
    from .run_model import run as _run

    return _run(model, inputs, strict=strict)
