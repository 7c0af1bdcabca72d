"""hlo-coreml-widen-bf16: bfloat16 becomes float32.

Core ML has no bfloat16. A bf16 value is held in f32, which represents every
bf16 value exactly (bf16 is the top half of an f32), so the conversion of
arguments and constants loses nothing. f16 would not do: its range ends at
65504 where bf16's reaches 3.4e38, so a bf16 model in f16 overflows.

    func.func @main(%a: tensor<4xbf16>) -> tensor<4xbf16> {
      %c = stablehlo.constant dense<1.5> : tensor<4xbf16>
      %0 = stablehlo.add %a, %c : tensor<4xbf16>
      return %0 : tensor<4xbf16>
    }
    ==>
    func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
      %c = stablehlo.constant dense<1.5> : tensor<4xf32>
      %0 = stablehlo.add %a, %c : tensor<4xf32>
      return %0 : tensor<4xf32>
    }

Numerical consequence: intermediate results are no longer rounded to bf16's
8-bit mantissa after every op, so the converted model is *more* precise than
the JAX program (differences of the order of bf16's resolution, 2**-8
relative). With compute_precision FLOAT16 (the default) coremltools then
computes the f32 ops in fp16 (11-bit mantissa, range 65504) except the ops
the precision rule keeps in fp32; with FLOAT32 everything stays f32. A
`convert` to bf16 becomes an f32 -> f32 convert (the rounding is dropped;
canonicalize removes it).

Afterwards no value, argument, result or constant has a bf16 element type.
Refused: `bitcast_convert` to or from bf16 (reinterpreting 16 bits as a
float changes meaning when the float is 32 bits wide).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from .constant_eval import evaluate_constants
from .registry import ModulePass, register_pass
from .retype import retype_op, rewrite_every_op


@register_pass
@dataclass(frozen=True)
class WidenBf16Pass(ModulePass):
    """Rewrites bf16 -> f32 (and complex<bf16> is not a type); see the module
    docstring."""

    name: ClassVar[str] = "hlo-coreml-widen-bf16"
    summary: ClassVar[str] = "Hold bfloat16 values in f32 (exact), since Core ML has no bfloat16"

    def run(self, module, pass_) -> None:
        constants = []

        def collect(op: ir.Operation):
            if op.name == "stablehlo.constant" and _is_bf16(op.results[0].type):
                constants.append(op)
            return ir.WalkResult.ADVANCE

        module.walk(collect)
        try:
            _widen_constants(constants)
        except ValueError as e:
            constants[0].location.emit_error(f"cannot widen bf16 constants to f32: {e}")
            pass_.signal_pass_failure()
            return
        rewrite_every_op(module, pass_, _widen_op)


def widen_type(t: ir.Type) -> ir.Type:
    if isinstance(t, ir.RankedTensorType):
        element = widen_type(t.element_type)
        return t if element == t.element_type else ir.RankedTensorType.get(t.shape, element, t.encoding)
    if isinstance(t, ir.UnrankedTensorType):
        element = widen_type(t.element_type)
        return t if element == t.element_type else ir.UnrankedTensorType.get(element)
    if isinstance(t, ir.TupleType):
        return ir.TupleType.get_tuple([widen_type(t.get_type(i)) for i in range(t.num_types)])
    if isinstance(t, ir.BF16Type):
        return ir.F32Type.get()
    return t


def _is_bf16(t: ir.Type) -> bool:
    return widen_type(t) != t


def _widen_op(op: ir.Operation) -> bool:
    name = op.name
    if name == "stablehlo.bitcast_convert":
        if any(_is_bf16(v.type) for v in list(op.operands) + list(op.results)):
            op.location.emit_error(
                "'stablehlo.bitcast_convert' on bf16 cannot be kept: Core ML has no bfloat16 and "
                "hlo-coreml-widen-bf16 holds bf16 values in f32, whose bits differ"
            )
            return False
    retype_op(op, widen_type)
    return True


def _widen_constants(ops: list) -> None:
    """Give every bf16 `stablehlo.constant` in `ops` the f32 attribute with
    the same values, and an f32 result. A splat's value is read through the
    typed bindings (`FloatAttr.value`); the bindings cannot hand out a
    non-splat bf16 array (no buffer protocol for bf16), so those are converted
    to f32 by StableHLO's reference interpreter (passes/constant_eval.py),
    all in one evaluation. bf16 -> f32 is exact, -0.0, subnormals, inf and
    NaN payloads included."""
    dense = []
    for op in ops:
        new_type = widen_type(op.results[0].type)
        attr = op.attributes["value"]
        if isinstance(attr, ir.DenseElementsAttr) and attr.is_splat:
            value = ir.FloatAttr(attr.get_splat_value()).value
            op.attributes["value"] = ir.DenseElementsAttr.get_splat(new_type, ir.FloatAttr.get(ir.F32Type.get(), value))
            retype_op(op, widen_type)
        else:
            dense.append(op)
    if not dense:
        return
    f32 = ir.F32Type.get()
    values = evaluate_constants(
        dense, lambda v: [stablehlo.convert(ir.RankedTensorType.get(ir.RankedTensorType(v.type).shape, f32), v)]
    )
    for op, (array,) in zip(dense, values):
        new_type = widen_type(op.results[0].type)
        op.attributes["value"] = ir.DenseElementsAttr.get(np.ascontiguousarray(array, dtype=np.float32), type=new_type)
        retype_op(op, widen_type)
