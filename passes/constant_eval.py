"""Reading constant values the Python bindings cannot hand out, with
StableHLO's reference interpreter.

jaxlib 0.10.2's bindings read DenseElementsAttrs through the buffer protocol
only for the element types NumPy has natively: complex constants raise
"Can't cast unknown element type", bf16 ones "unsupported data type for
conversion to Python buffer" (and `DenseFPElementsAttr[i]` "Unsupported
floating-point type"). Both can be *written* from NumPy (complex64,
ml_dtypes.bfloat16), and jaxlib exports no C API to read the raw data.

So the values are computed in C++: the constant ops are cloned (Python never
touches their attributes) into a scratch module whose @main returns values
derived from each clone in a readable type (`stablehlo.real`/`imag` of a
complex constant, `stablehlo.convert` of a bf16 one to f32), and
`stablehlo.eval_module` returns those as DenseElementsAttrs that convert to
NumPy through the buffer protocol. One evaluation serves every constant
passed in.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from hlo_coreml import limits
from hlo_coreml._mlir import func, ir, stablehlo


def evaluate_constants(ops, derive: Callable[[ir.Value], list[ir.Value]]) -> list[list[np.ndarray]]:
    """For each `stablehlo.constant` op in `ops`, the NumPy arrays (full
    shape) of the values `derive(clone_of_its_result)` builds from it, in
    order. `derive` is called with an insertion point set in the scratch
    function.

    Raises ValueError if the interpreter cannot evaluate them (e.g. a
    `dense_resource` blob that is not loaded), or if a splat constant is
    past hlo_coreml.limits (its full-size value is never built)."""
    ops = list(ops)
    if not ops:
        return []
    for op in ops:
        # A splat costs one element in MLIR but its full size here (and in the
        # interpreter); dense constants are data the program already holds.
        shape = ir.RankedTensorType(op.results[0].type).shape
        if limits.too_large(shape, 8) and _is_splat(op):
            raise ValueError(
                f"a splat constant of {limits.describe(shape)} is past hlo-coreml's limit for values computed "
                f"at compile time ({limits.MAX_ELEMENTS:,} elements / {limits.MAX_BYTES // 2**20} MB)"
            )
    context = ops[0].context
    with context, ir.Location.unknown(context):
        scratch = ir.Module.create()
        with ir.InsertionPoint(scratch.body):
            fn = func.FuncOp("main", ([], []))
            with ir.InsertionPoint(fn.add_entry_block()):
                counts, values = [], []
                for op in ops:
                    clone = op.operation.clone(ip=ir.InsertionPoint.current)
                    derived = list(derive(clone.results[0]))
                    counts.append(len(derived))
                    values += derived
                func.ReturnOp(values)
            types = [v.type for v in values]
            fn.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get([], types))
        try:
            attrs = stablehlo.eval_module(scratch, [])
        except Exception as e:  # noqa: BLE001 - re-raised with context
            raise ValueError(f"cannot read constant values: {e}") from None
        arrays = [_to_numpy(a, ir.RankedTensorType(t)) for a, t in zip(attrs, types)]
    out, start = [], 0
    for n in counts:
        out.append(arrays[start : start + n])
        start += n
    return out


def _is_splat(op) -> bool:
    try:
        attr = op.attributes["value"]
    except TypeError:
        # The bindings cannot hand out complex attributes at all (see above):
        # not known to be a splat, so not bounded here.
        return False
    return isinstance(attr, ir.DenseElementsAttr) and attr.is_splat


def _to_numpy(attr, t: ir.RankedTensorType) -> np.ndarray:
    shape = tuple(t.shape)
    values = np.asarray(ir.DenseElementsAttr(attr))
    if values.size != int(np.prod(shape, dtype=np.int64)):
        # A splat result hands out its one element.
        values = np.full(shape, values.reshape(-1)[0], dtype=values.dtype)
    return values.reshape(shape)
