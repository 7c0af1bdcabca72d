"""hlo-coreml: StableHLO (JAX, Flax, Equinox) to Core ML ML programs.

    import hlo_coreml
    model = hlo_coreml.compile(fn, example_x, output_path="model.mlpackage")
    outputs = hlo_coreml.run(model, {"x": x})   # reference interpreter (Linux)
"""

from .diagnostics import CompileError, LegalizationError

__all__ = ["compile", "legalize", "run", "CompileError", "LegalizationError"]


def __getattr__(name):
    # compile / legalize load MLIR, the passes and (on first compile)
    # coremltools: imported on first use, so `hlo-coreml --help`, `inspect`
    # and `import hlo_coreml` stay fast.
    if name in ("compile", "legalize"):
        from . import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'hlo_coreml' has no attribute {name!r}")


def run(model, inputs):
    """Run a compiled model with the NumPy reference MIL interpreter."""
    from .interpreter import run as _run

    return _run(model, inputs)
