"""hlo-coreml: StableHLO (JAX, Flax, Equinox) to Core ML ML programs.

    import hlo_coreml
    model = hlo_coreml.compile(fn, example_x, output_path="model.mlpackage")
    outputs = hlo_coreml.run(model, {"x": x})   # reference interpreter (Linux)
"""

from .compiler import compile, legalize  # noqa: A004
from .diagnostics import CompileError, LegalizationError

__all__ = ["compile", "legalize", "run", "CompileError", "LegalizationError"]


def run(model, inputs):
    """Run a compiled model with the NumPy reference MIL interpreter. Inputs
    and outputs of rank > 5 (which the Core ML model holds with their
    leading dims merged) are taken and returned in the program's shapes."""
    from .run_model import run as _run

    return _run(model, inputs)
