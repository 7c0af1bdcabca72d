"""hlo-coreml-narrow-types: 64-bit element types become 32-bit ones.

Core ML has no 64-bit types. JAX emits them whenever `jax_enable_x64` is on,
and index computations often carry i64 even without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from .registry import ModulePass, register_pass
from .retype import retype_op, rewrite_every_op

_F32_MAX = float(np.finfo(np.float32).max)


@register_pass
@dataclass(frozen=True)
class NarrowTypesPass(ModulePass):
    """Rewrites i64 -> i32, ui64 -> ui32, f64 -> f32 and complex<f64> ->
    complex<f32> everywhere: function signatures, block arguments (including
    reduce bodies), op results and constants.

    ```mlir
    func.func @main(%a: tensor<4xi64>) -> tensor<4xi64> {
      %c = stablehlo.constant dense<7> : tensor<4xi64>
      %0 = stablehlo.add %a, %c : tensor<4xi64>
      return %0 : tensor<4xi64>
    }
    ==>
    func.func @main(%a: tensor<4xi32>) -> tensor<4xi32> {
      %c = stablehlo.constant dense<7> : tensor<4xi32>
      %0 = stablehlo.add %a, %c : tensor<4xi32>
      return %0 : tensor<4xi32>
    }
    ```

    Afterwards no value, argument or result has a 64-bit element type. A
    constant whose values do not fit the narrower type (an integer outside
    the i32/ui32 range, a finite float beyond the f32 range) is an error at
    that constant, except the 64-bit minimum (maximum) used only as the
    init of max (min) reductions, which becomes the 32-bit one (`_bound_init`);
    so is a `bitcast_convert` to or from a 64-bit type, whose meaning
    narrowing would change.

    Ops whose result depends on the bit width are rewritten first so that
    the 32-bit program gives the 64-bit answer for every value that fits
    in 32 bits (an i64 that fits is the sign extension of its i32):
    `popcnt` of a negative i64 counts 32 more ones, `count_leading_zeros`
    of a non-negative i64 (any ui64) 32 more zeros, and i64
    `shift_right_logical` by k < 32 keeps the sign bits shifted in from the
    high word (the arithmetic shift), by 32 <= k < 64 leaves the high word's
    ones shifted by k - 32, and by any other k gives 0. Afterwards no
    `popcnt`, `count_leading_zeros` or `shift_right_logical` on a 64-bit
    type is left.
    """

    name: ClassVar[str] = "hlo-coreml-narrow-types"
    summary: ClassVar[str] = "Narrow 64-bit integer and float types to 32 bits"

    def run(self, module, pass_) -> None:
        width_dependent = []

        def collect(op):
            if op.name in _WIDTH_DEPENDENT and _is_wide(op.results[0].type):
                width_dependent.append(op)
            return ir.WalkResult.ADVANCE

        module.walk(collect)
        for op in width_dependent:
            _rewrite_width_dependent(op)
        rewrite_every_op(module, pass_, _narrow_op)


_WIDTH_DEPENDENT = ("stablehlo.popcnt", "stablehlo.count_leading_zeros", "stablehlo.shift_right_logical")


def _splat_like(value: int, like: ir.Value) -> ir.Value:
    t = ir.RankedTensorType(like.type)
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, ir.IntegerAttr.get(t.element_type, value))).result


def _compare(x: ir.Value, value: int, direction: str) -> ir.Value:
    return stablehlo.CompareOp(x, _splat_like(value, x), stablehlo.ComparisonDirectionAttr.get(direction)).result


def _rewrite_width_dependent(op: ir.Operation) -> None:
    """Replace a 64-bit popcnt / count_leading_zeros / shift_right_logical
    (still 64-bit typed; the narrowing walk follows) by ops that compute
    its 64-bit result from 32-bit semantics, as the class docstring says."""
    unsigned = ir.IntegerType(ir.RankedTensorType(op.results[0].type).element_type).is_unsigned
    x = op.operands[0]
    result = op.results[0]
    with ir.InsertionPoint(op), op.location:
        if op.name == "stablehlo.popcnt":
            if unsigned:
                return
            ones = stablehlo.PopulationCountOp(x).result
            high = stablehlo.SelectOp(_compare(x, 0, "LT"), _splat_like(32, x), _splat_like(0, x)).result
            new = stablehlo.AddOp(ones, high).result
        elif op.name == "stablehlo.count_leading_zeros":
            zeros = stablehlo.AddOp(stablehlo.ClzOp(x).result, _splat_like(32, x)).result
            new = zeros if unsigned else stablehlo.SelectOp(_compare(x, 0, "LT"), _splat_like(0, x), zeros).result
        else:
            if unsigned:
                return
            k = op.operands[1]
            low = stablehlo.ShiftRightArithmeticOp(x, k).result
            sign = stablehlo.ShiftRightArithmeticOp(x, _splat_like(31, x)).result
            high = stablehlo.ShiftRightLogicalOp(sign, stablehlo.SubtractOp(k, _splat_like(32, k)).result).result
            in_low = stablehlo.AndOp(_compare(k, 0, "GE"), _compare(k, 32, "LT")).result
            in_high = stablehlo.AndOp(_compare(k, 32, "GE"), _compare(k, 64, "LT")).result
            new = stablehlo.SelectOp(
                in_low, low, stablehlo.SelectOp(in_high, high, _splat_like(0, x)).result
            ).result
    result.replace_all_uses_with(new)
    op.erase()


def narrow_type(t: ir.Type) -> ir.Type:
    """The 32-bit counterpart of `t` (tensor or element type), or `t` itself."""
    if isinstance(t, ir.RankedTensorType):
        element = narrow_type(t.element_type)
        if element == t.element_type:
            return t
        return ir.RankedTensorType.get(t.shape, element, t.encoding)
    if isinstance(t, ir.UnrankedTensorType):
        element = narrow_type(t.element_type)
        return t if element == t.element_type else ir.UnrankedTensorType.get(element)
    if isinstance(t, ir.TupleType):
        return ir.TupleType.get_tuple([narrow_type(t.get_type(i)) for i in range(t.num_types)])
    if isinstance(t, ir.IntegerType) and t.width == 64:
        return ir.IntegerType.get_unsigned(32) if t.is_unsigned else ir.IntegerType.get_signless(32)
    if isinstance(t, ir.F64Type):
        return ir.F32Type.get()
    if isinstance(t, ir.ComplexType) and isinstance(t.element_type, ir.F64Type):
        return ir.ComplexType.get(ir.F32Type.get())
    return t


def _is_wide(t: ir.Type) -> bool:
    return narrow_type(t) != t


def _narrow_op(op: ir.Operation) -> bool:
    """Narrow one op in place. Returns False after emitting an error."""
    name = op.name
    if name == "stablehlo.bitcast_convert":
        wide = [v for v in list(op.operands) + list(op.results) if _is_wide(v.type)]
        if wide:
            op.location.emit_error(
                "'stablehlo.bitcast_convert' on a 64-bit type cannot be narrowed to "
                "32 bits without changing its meaning; Core ML has no 64-bit types "
                "(disable jax_enable_x64 or avoid the bitcast)"
            )
            return False
    if name == "stablehlo.constant" and _is_wide(op.results[0].type):
        new_value = _narrow_constant(op)
        if new_value is None:
            return False
        op.attributes["value"] = new_value
    retype_op(op, narrow_type)
    return True


def _narrow_constant(op: ir.Operation) -> ir.Attribute | None:
    old_type = ir.RankedTensorType(op.results[0].type)
    new_type = narrow_type(old_type)
    element = old_type.element_type
    if isinstance(element, ir.ComplexType):
        # Before `op.attributes["value"]`: the bindings cannot return a
        # complex DenseElementsAttr (see split_complex/constants.py).
        return _narrow_complex_constant(op, new_type)
    attr = op.attributes["value"]
    if not isinstance(attr, ir.DenseElementsAttr):
        op.location.emit_error(
            f"'stablehlo.constant' with a {old_type} value stored as "
            f"{type(attr).__name__} cannot be narrowed to 32 bits"
        )
        return None
    values = np.asarray(attr)
    if attr.is_splat:
        values = values.reshape(-1)[:1]
    if isinstance(element, ir.IntegerType):
        info = np.iinfo(np.uint32 if element.is_unsigned else np.int32)
        bad = (values < info.min) | (values > info.max)
        if bad.any() and attr.is_splat:
            bound = _bound_init(op, int(values[0]), element.is_unsigned)
            if bound is not None:
                return ir.DenseElementsAttr.get_splat(new_type, _scalar_attr(new_type.element_type, bound))
        if bad.any():
            culprit = int(values[bad].reshape(-1)[0])
            hint = ""
            if culprit in (-(1 << 63), (1 << 63) - 1):
                hint = (
                    " (a 64-bit limit; jnp.take's fill for out-of-range indices is one: "
                    "pass mode='clip' or a fill_value within 32 bits)"
                )
            op.location.emit_error(
                f"'stablehlo.constant' value {culprit} does not fit in "
                f"{new_type.element_type}: Core ML has no 64-bit integers and "
                f"hlo-coreml-narrow-types cannot narrow it without changing the result{hint}"
            )
            return None
        narrowed = values.astype(np.uint32 if element.is_unsigned else np.int32)
    else:
        finite = values[np.isfinite(values)]
        if finite.size and np.abs(finite).max() > _F32_MAX:
            culprit = float(finite[np.abs(finite) > _F32_MAX][0])
            op.location.emit_error(
                f"'stablehlo.constant' value {culprit!r} does not fit in f32: Core ML "
                f"has no 64-bit floats and hlo-coreml-narrow-types cannot narrow it "
                f"without changing the result"
            )
            return None
        narrowed = values.astype(np.float32)
    if attr.is_splat:
        return ir.DenseElementsAttr.get_splat(new_type, _scalar_attr(new_type.element_type, narrowed[0]))
    return ir.DenseElementsAttr.get(np.ascontiguousarray(narrowed), type=new_type)


def _bound_init(op: ir.Operation, value: int, unsigned: bool) -> int | None:
    """The 32-bit limit to use for a 64-bit limit `value` that is only the
    initial value of max (min) reductions -- JAX's init for `jnp.max`,
    `argmax`, `cummax` on int64 -- else None.

    With value the 64-bit minimum (maximum) and every use the init of a max
    (min) `reduce`, or of a `reduce_window` each of whose windows holds an
    element of the input (no dilation, padding narrower than the window),
    the 32-bit limit gives the same results: every narrowed value lies
    within 32 bits, no result is the init alone (zero-element reductions are
    gone, hlo-coreml-drop-empty-tensors), and an argmax / argmin pair's init
    index 0 wins a tie with the init either way."""
    from .widen_small_ints import _order_direction

    if unsigned:
        wanted = {(1 << 64) - 1: ("min", (1 << 32) - 1)}
    else:
        wanted = {-(1 << 63): ("max", -(1 << 31)), (1 << 63) - 1: ("min", (1 << 31) - 1)}
    if value not in wanted:
        return None
    direction, bound = wanted[value]
    uses = list(op.results[0].uses)
    if not uses:
        return None
    for use in uses:
        user = use.owner
        if user.name not in ("stablehlo.reduce", "stablehlo.reduce_window"):
            return None
        n = len(user.results)
        if use.operand_number != n or _order_direction(user) != direction:
            return None
        if user.name == "stablehlo.reduce_window" and not _windows_hold_an_element(user):
            return None
    return bound


def _windows_hold_an_element(op) -> bool:
    """No dilation, and padding at most window - 1 on each side: every
    window overlaps the input."""
    from hlo_coreml.ir_utils import i64_array

    attrs = op.attributes
    window = i64_array(op, "window_dimensions")
    for name in ("base_dilations", "window_dilations"):
        if name in attrs and any(d != 1 for d in i64_array(op, name)):
            return False
    if "padding" in attrs:
        padding = np.asarray(attrs["padding"]).reshape(-1, 2)
        if any(low > w - 1 or high > w - 1 for (low, high), w in zip(padding.tolist(), window)):
            return False
    return True


def _narrow_complex_constant(op, new_type: ir.RankedTensorType) -> ir.Attribute | None:
    """complex<f64> -> complex<f32>, each part range-checked like f64."""
    from .split_complex.constants import complex_attr, complex_constant_parts

    try:
        [(real, imag)] = complex_constant_parts([op])
    except ValueError as e:
        op.location.emit_error(f"'stablehlo.constant' of type complex<f64> cannot be narrowed: {e}")
        return None
    for part in (real, imag):
        finite = part[np.isfinite(part)]
        if finite.size and np.abs(finite).max() > _F32_MAX:
            culprit = float(finite[np.abs(finite) > _F32_MAX][0])
            op.location.emit_error(
                f"'stablehlo.constant' complex value with a part {culprit!r} does not fit in "
                f"complex<f32>: Core ML has no 64-bit floats and hlo-coreml-narrow-types "
                f"cannot narrow it without changing the result"
            )
            return None
    return complex_attr(real.astype(np.float32), imag.astype(np.float32), new_type)


def _scalar_attr(element: ir.Type, value) -> ir.Attribute:
    if isinstance(element, ir.IntegerType):
        return ir.IntegerAttr.get(element, int(value))
    return ir.FloatAttr.get(element, float(value))
