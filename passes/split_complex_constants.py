"""Reading the values of complex `stablehlo.constant` ops.

jaxlib 0.10.2's Python bindings cannot hand out a complex
DenseElementsAttr at all: `op.attributes["value"]` raises "Can't cast
unknown element type" (and `NamedAttribute.attr` aborts the process), and
jaxlib exports no MLIR C API to read its raw data. So the values are read
in C++ by StableHLO's reference interpreter: the constants are cloned
(Python never touches the attribute) into a scratch module whose @main
returns `stablehlo.real` and `stablehlo.imag` of each, and
`stablehlo.eval_module` returns those as real DenseFPElementsAttrs, which
convert to NumPy through the buffer protocol. One evaluation serves every
constant of a function. Writing complex attributes back is no problem:
`DenseElementsAttr.get(np.complex64 array, type=...)` works.
"""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import func, ir, stablehlo


def is_complex_type(t: ir.Type) -> bool:
    return isinstance(t, ir.ShapedType) and isinstance(ir.ShapedType(t).element_type, ir.ComplexType)


def is_complex_constant(op) -> bool:
    return op.operation.name == "stablehlo.constant" and is_complex_type(op.results[0].type)


def complex_constant_parts(ops) -> list[tuple[np.ndarray, np.ndarray]]:
    """(real, imag) NumPy arrays (float32 or float64, the constant's full
    shape) for each complex `stablehlo.constant` op in `ops`, in order.

    Raises ValueError if the interpreter cannot evaluate them (e.g. a
    `dense_resource` blob that is not loaded)."""
    ops = list(ops)
    if not ops:
        return []
    context = ops[0].context
    with context, ir.Location.unknown(context):
        part_types = []
        for op in ops:
            t = ir.RankedTensorType(op.results[0].type)
            part = ir.RankedTensorType.get(t.shape, ir.ComplexType(t.element_type).element_type)
            part_types += [part, part]
        scratch = ir.Module.create()
        with ir.InsertionPoint(scratch.body):
            fn = func.FuncOp("main", ([], part_types))
            with ir.InsertionPoint(fn.add_entry_block()):
                values = []
                for op in ops:
                    clone = op.operation.clone(ip=ir.InsertionPoint.current)
                    values += [stablehlo.real(clone.results[0]), stablehlo.imag(clone.results[0])]
                func.ReturnOp(values)
        try:
            attrs = stablehlo.eval_module(scratch, [])
        except Exception as e:  # noqa: BLE001 - re-raised with context
            raise ValueError(f"cannot read complex constant values: {e}") from None
    arrays = [_to_numpy(a, t) for a, t in zip(attrs, part_types)]
    return [(arrays[2 * i], arrays[2 * i + 1]) for i in range(len(ops))]


def _to_numpy(attr, t: ir.RankedTensorType) -> np.ndarray:
    shape = tuple(t.shape)
    values = np.asarray(ir.DenseElementsAttr(attr))
    if values.size != int(np.prod(shape, dtype=np.int64)):
        values = np.full(shape, values.reshape(-1)[0], dtype=values.dtype)
    return values.reshape(shape)


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
