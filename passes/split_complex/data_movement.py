"""hlo-coreml-split-complex handlers for constants, complex / real / imag,
ops that act on the real and imaginary parts alike, convert and return."""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import func, ir, stablehlo

from .constants import is_complex_type
from .handlers import handles
from .walker import part_type


@handles("stablehlo.constant")
def _constant(s, op):
    re_values, im_values = s.constants[op.results[0]]
    element = part_type(op.results[0].type).element_type
    re = s.b.const(re_values, element)
    im = s.b.const(im_values, element) if np.any(im_values) else None
    return [(re, im)]


@handles("stablehlo.complex")
def _complex(s, op):
    return [(op.operands[0], op.operands[1])]


@handles("stablehlo.real")
def _real(s, op):
    return [s.pair(op.operands[0])[0]]


@handles("stablehlo.imag")
def _imag(s, op):
    return [s.imag(s.pair(op.operands[0]))]


@handles(
    "stablehlo.negate",
    "stablehlo.select",
    "stablehlo.reshape",
    "stablehlo.transpose",
    "stablehlo.broadcast_in_dim",
    "stablehlo.slice",
    "stablehlo.dynamic_slice",
    "stablehlo.dynamic_update_slice",
    "stablehlo.concatenate",
    "stablehlo.pad",
    "stablehlo.reverse",
    "stablehlo.gather",
    "stablehlo.optimization_barrier",
)
def _per_part(s, op):
    """Ops that act on the real and imaginary parts independently and the
    same way: one copy per part (a zero imaginary part stays zero when every
    complex operand's is)."""
    complex_operands = {i: s.pair(v) for i, v in enumerate(op.operands) if is_complex_type(v.type)}
    re_op = s.clone_with(op, {i: p[0] for i, p in complex_operands.items()})
    im_op = None
    if any(p[1] is not None for p in complex_operands.values()):
        im_op = s.clone_with(op, {i: s.imag(p) for i, p in complex_operands.items()})
    outs = []
    for j, result in enumerate(op.results):
        if is_complex_type(result.type):
            outs.append((re_op.results[j], im_op.results[j] if im_op is not None else None))
        else:
            outs.append(re_op.results[j])
    return outs


@handles("stablehlo.convert")
def _convert(s, op):
    target = op.results[0].type
    re, im = s.pair(op.operands[0])
    if is_complex_type(target):
        element = part_type(target).element_type
    else:
        element = ir.RankedTensorType(target).element_type

    def conv(v):
        if v is None or ir.RankedTensorType(v.type).element_type == element:
            return v
        return stablehlo.convert(ir.RankedTensorType.get(ir.RankedTensorType(v.type).shape, element), v)

    if is_complex_type(target):
        return [(conv(re), conv(im))]
    # complex -> real keeps the real part (as XLA does).
    return [conv(re)]


@handles("func.return")
def _return(s, op):
    flat = []
    for v in op.operands:
        if is_complex_type(v.type):
            pair = s.pair(v)
            flat += [pair[0], s.imag(pair)]
        else:
            flat.append(v)
    func.ReturnOp(flat)
    return []
