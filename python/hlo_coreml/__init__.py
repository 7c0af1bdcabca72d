"""hlo-coreml: StableHLO (JAX, Flax, Equinox) to Core ML ML programs.

    import hlo_coreml
    model = hlo_coreml.compile(fn, example_x, output_path="model.mlpackage")
    outputs = hlo_coreml.run(model, {"x": x})   # reference interpreter (Linux)
"""

from .compiler import compile, legalize  # noqa: A004
from .diagnostics import CompileError, LegalizationError

__all__ = ["compile", "legalize", "run", "CompileError", "LegalizationError"]


def run(model, inputs):
    """Run a compiled model with the NumPy reference MIL interpreter."""
    from .interpreter import run as _run

    return _run(model, inputs)
