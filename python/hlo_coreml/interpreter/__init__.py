"""NumPy reference interpreter for Core ML MIL programs (Core ML cannot run on Linux).

``run(model, inputs)`` executes function ``main`` of an ``.mlpackage`` path,
an in-memory ``coremltools.models.MLModel`` or a pymil ``Program`` and
returns ``{output name: np.ndarray}`` in program output order; ``strict=True``
checks that they do not depend on behaviour the op documentation leaves open
(``readings.py``). Ops follow the
coremltools 9.0 op definitions (``coremltools/converters/mil/mil/ops/defs``);
see ``OP_TABLE`` for the implemented op types.
"""

from .core import OP_TABLE, Interpreter, InterpreterError, UnderspecifiedBehaviourError, load_program, register, run
from .readings import READING_A, READING_B, Reading
from . import ops_control, ops_elementwise, ops_nn, ops_reduce, ops_tensor  # noqa: F401  (register ops)
from . import ops_constexpr  # noqa: F401  (register ops)

__all__ = [
    "run",
    "Interpreter",
    "InterpreterError",
    "UnderspecifiedBehaviourError",
    "Reading",
    "READING_A",
    "READING_B",
    "OP_TABLE",
    "load_program",
    "register",
]
