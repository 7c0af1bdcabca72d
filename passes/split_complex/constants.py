"""Reading and writing the values of complex `stablehlo.constant` ops.

jaxlib 0.10.2's Python bindings cannot hand out a complex
DenseElementsAttr at all: `op.attributes["value"]` raises "Can't cast
unknown element type" (and `NamedAttribute.attr` aborts the process). The
values are read by StableHLO's reference interpreter as `stablehlo.real` and
`stablehlo.imag` of each constant (see constant_eval). Writing complex
attributes back is no problem: `DenseElementsAttr.get(np.complex64 array,
type=...)` works.
"""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from ..constant_eval import evaluate_constants


def is_complex_type(t: ir.Type) -> bool:
    return isinstance(t, ir.ShapedType) and isinstance(ir.ShapedType(t).element_type, ir.ComplexType)


def is_complex_constant(op) -> bool:
    return op.operation.name == "stablehlo.constant" and is_complex_type(op.results[0].type)


def complex_constant_parts(ops) -> list[tuple[np.ndarray, np.ndarray]]:
    """(real, imag) NumPy arrays (float32 or float64, the constant's full
    shape) for each complex `stablehlo.constant` op in `ops`, in order.

    Raises ValueError if the interpreter cannot evaluate them (e.g. a
    `dense_resource` blob that is not loaded)."""
    pairs = evaluate_constants(ops, lambda v: [stablehlo.real(v), stablehlo.imag(v)])
    return [(real, imag) for real, imag in pairs]


def complex_attr(real: np.ndarray, imag: np.ndarray, t: ir.RankedTensorType) -> ir.DenseElementsAttr:
    """A complex DenseElementsAttr of type `t` (complex<f32> or complex<f64>)
    from real and imaginary parts; a splat when every element is equal."""
    element = ir.ComplexType(t.element_type).element_type
    dtype = np.complex128 if isinstance(element, ir.F64Type) else np.complex64
    values = (np.asarray(real) + 1j * np.asarray(imag)).astype(dtype).reshape(tuple(t.shape))
    flat = values.reshape(-1)
    if flat.size and np.all(flat == flat[0]) and not np.isnan(flat[0]):
        return ir.DenseElementsAttr.get(np.ascontiguousarray(flat[:1]), type=t)
    return ir.DenseElementsAttr.get(np.ascontiguousarray(values), type=t)
