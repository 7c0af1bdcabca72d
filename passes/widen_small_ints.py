"""hlo-coreml-widen-small-ints: integer types Core ML cannot compute with
(i8, i16, ui8, ui16, ui32, any width 2..31) become i32, with StableHLO's
results kept bit for bit.

Core ML's elementwise arithmetic is fp16/fp32/int32 only. A narrow value is
held in i32 as its true value (sign-extended for iN, zero-extended for uiN);
ui32 is held as its bit pattern. Where an op can leave the narrow range, the
result is wrapped back:

    wrap_uN(x) = x & (2**N - 1)
    wrap_iN(x) = ((x + 2**(N-1)) & (2**N - 1)) - 2**(N-1)

(`x & (2**N - 1)` is one floor-mod in the emitter.) Per op:

- add, subtract, multiply, negate, abs, power, divide, shift_left, convert
  to a narrow type, reduce, dot_general, scatter: wrap the result (ui32: i32
  arithmetic already wraps modulo 2**32); inside reduce/reduce_window/
  scatter bodies nothing is wrapped (wrapping the sum once equals wrapping
  every step);
- not on uN: wrap (the i32 complement is negative);
- shift_right_logical on iN: the operand is first taken as uN (masked), the
  result wrapped back to iN; shift_right_arithmetic on uN: the operand is
  first sign-extended, the result masked. Shift amounts >= N give 0 / the
  sign fill as in StableHLO, since the i32 shift already does for 32 and the
  masking does for N..31;
- popcnt / count_leading_zeros: on the uN bits (masked), clz minus 32 - N;
- ui32 ordering (compare LT/LE/GT/GE, maximum, minimum, clamp): every operand gets
  2**31 added (modulo 2**32, i.e. the sign bit flipped) so signed order is
  unsigned order; maximum/minimum/clamp flip the result back; a reduce,
  reduce_window or scatter whose body only orders and picks values
  (max/min, JAX's argmax/argmin) flips its ui32 inputs, init values /
  updates and results instead, and its body is left as it is; top_k
  (the chlo.top_k composite) flips its input and values;
- a max (min) reduce / reduce_window or argmax (argmin) whose init is the
  narrow type's minimum (maximum), as JAX emits on int8..uint16, gets the
  int32 limit as init instead (the same results for narrow values; the
  emitter's reductions start from the int32 limit);
- ui32 to float: values with the top bit set get 2**32 added; float to
  ui32: saturating like XLA on CPU (negative and NaN -> 0, >= 2**32 ->
  2**32 - 1), values >= 2**31 converted as their i32 bit pattern.

- ui32 divide / remainder: rebuilt from signed int32 arithmetic on values
  that never overflow (passes/ui32_division.py); division by zero gives
  all ones / the dividend, as in XLA.

Afterwards no value has a narrow integer type. Refused with a diagnostic:
bitcast_convert on 8/16-bit types (ui32 <-> f32 is kept: the bits are
i32's), and ui32 divide/remainder of dynamic shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.emit.refused import refusal
from hlo_coreml.ir_utils import constant_value

from .registry import ModulePass, register_pass
from .retype import retype_op
from .ui32_division import ui32_divide_remainder

_WRAPPED = frozenset(
    "stablehlo." + n
    for n in (
        "add subtract multiply negate abs power divide remainder shift_left convert reduce dot_general "
        "convolution reduce_window scatter"
    ).split()
)
# Ops whose bodies combine elements: the body stays one op (the emitter maps
# it to a MIL reduction); the op's own results are wrapped instead.
_COMBINERS = frozenset(("stablehlo.reduce", "stablehlo.reduce_window", "stablehlo.scatter"))
_UNSIGNED_ORDER = frozenset(("LT", "LE", "GT", "GE"))


def narrow_info(t: ir.Type):
    """(bits, signed) if `t` (tensor or element type) is an integer type
    Core ML lacks, else None."""
    if isinstance(t, (ir.RankedTensorType, ir.UnrankedTensorType)):
        t = t.element_type
    if not isinstance(t, ir.IntegerType) or t.width == 1:
        return None
    if t.width < 32:
        return (t.width, not t.is_unsigned)
    if t.width == 32 and t.is_unsigned:
        return (32, False)
    return None


def widen_type(t: ir.Type) -> ir.Type:
    if isinstance(t, ir.RankedTensorType) and narrow_info(t):
        return ir.RankedTensorType.get(t.shape, ir.IntegerType.get_signless(32), t.encoding)
    if isinstance(t, ir.UnrankedTensorType) and narrow_info(t):
        return ir.UnrankedTensorType.get(ir.IntegerType.get_signless(32))
    if isinstance(t, ir.IntegerType) and narrow_info(t):
        return ir.IntegerType.get_signless(32)
    return t


@register_pass
@dataclass(frozen=True)
class WidenSmallIntsPass(ModulePass):
    __doc__ = __doc__

    name: ClassVar[str] = "hlo-coreml-widen-small-ints"
    summary: ClassVar[str] = "Compute i8/i16/ui8/ui16/ui32 in i32 with wraparound and unsigned semantics"

    def run(self, module, pass_) -> None:
        records = []

        def visit(op):
            records.append(
                (op, [narrow_info(v.type) for v in op.operands], [narrow_info(v.type) for v in op.results])
            )
            return ir.WalkResult.ADVANCE

        module.walk(visit)
        # Block arguments and signatures first: the fix-up ops built below
        # must see i32 operands everywhere.
        for op, _, _ in records:
            _retype_blocks(op)
        failed = False
        for op, ins, outs in records:
            if not _widen_op(op, ins, outs):
                failed = True
        if failed:
            pass_.signal_pass_failure()


def _as_i32(value: int) -> int:
    """The int32 with the low 32 bits of `value`."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _splat(value: int, like: ir.Value) -> ir.Value:
    t = ir.RankedTensorType(like.type)
    i32 = ir.IntegerType.get_signless(32)
    attr = ir.DenseElementsAttr.get_splat(
        ir.RankedTensorType.get(t.shape, i32), ir.IntegerAttr.get(i32, _as_i32(value))
    )
    return stablehlo.ConstantOp(attr).result


def _mask(x: ir.Value, bits: int) -> ir.Value:
    return stablehlo.AndOp(x, _splat((1 << bits) - 1, x)).result


def _wrap(x: ir.Value, bits: int, signed: bool) -> ir.Value:
    """Build the ops bringing i32 `x` back into the (bits, signed) range."""
    if bits >= 32:
        return x
    if not signed:
        return _mask(x, bits)
    half = _splat(1 << (bits - 1), x)
    shifted = stablehlo.AddOp(x, half).result
    return stablehlo.SubtractOp(_mask(shifted, bits), half).result


def _flip_sign(x: ir.Value) -> ir.Value:
    return stablehlo.AddOp(x, _splat(1 << 31, x)).result


def _replace_result(op, index: int, build) -> None:
    """Insert `build(result)` right after `op` and make the result's former
    users use the new value."""
    result = op.results[index]
    users = [use.owner for use in result.uses]
    with ir.InsertionPoint.after(op), op.location:
        new = build(result)
    if new is result:
        return
    for user in users:
        user.operation.replace_uses_of_with(result, new)


def _replace_operand(op, index: int, build) -> None:
    operand = op.operands[index]
    with ir.InsertionPoint(op), op.location:
        new = build(operand)
    op.operands[index] = new


def _widen_op(op, ins, outs) -> bool:
    name = op.name
    if not any(ins) and not any(outs) and name not in ("func.func",) and not op.regions:
        return True
    if refusal(name) is not None and (any(ins) or any(outs)):
        # Retyping it would only make it invalid IR; say why it cannot be
        # converted now (verify-legal's message).
        op.location.emit_error(f"'{name}' {refusal(name)}")
        return False
    if name == "stablehlo.bitcast_convert" and any(i and i[0] < 32 for i in ins + outs):
        op.location.emit_error(
            "'stablehlo.bitcast_convert' on an 8-, 16-bit or unsigned integer type is not supported: "
            "Core ML has no such types to reinterpret bits in"
        )
        return False
    if name in ("stablehlo.divide", "stablehlo.remainder") and outs and outs[0] == (32, False):
        if not ir.RankedTensorType(op.results[0].type).has_static_shape:
            op.location.emit_error(f"'{name}' on ui32 with a dynamic shape is not supported")
            return False
        _retype(op)
        _replace_result(op, 0, lambda r: ui32_divide_remainder(op.operands[0], op.operands[1], name))
        op.operation.erase()
        return True
    if name == "stablehlo.constant" and outs[0] and not _widen_constant(op, outs[0]):
        return False
    _retype(op)
    info_in = ins[0] if ins else None
    info_out = outs[0] if outs else None

    if _in_order_only_combiner(op):
        # The enclosing reduce/scatter flips its ui32 operands and results
        # instead; the body only orders, so signed order is all it needs.
        if name == "stablehlo.compare" and "compare_type" in op.attributes and any(ins):
            op.attributes["compare_type"] = stablehlo.ComparisonTypeAttr.get("SIGNED")
        return True
    if name == "stablehlo.compare" and info_in == (32, False):
        direction = stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value
        if direction in _UNSIGNED_ORDER:
            _replace_operand(op, 0, _flip_sign)
            _replace_operand(op, 1, _flip_sign)
        if "compare_type" in op.attributes:
            op.attributes["compare_type"] = stablehlo.ComparisonTypeAttr.get("SIGNED")
        return True
    if name == "stablehlo.composite" and info_in == (32, False) and _composite_name(op) == "chlo.top_k":
        # Largest ui32 first: top_k in signed order of the flipped values.
        _replace_operand(op, 0, _flip_sign)
        _replace_result(op, 0, _flip_sign)
        return True
    if name in _COMBINERS and _order_only_body(op) and ((32, False) in outs):
        _flip_combiner(op, ins, outs)
        return True
    if name in ("stablehlo.reduce", "stablehlo.reduce_window") and any(outs):
        _widen_bound_inits(op, ins)
    if name in ("stablehlo.maximum", "stablehlo.minimum", "stablehlo.clamp") and info_out == (32, False):
        # clamp(min, x, max) orders its three operands like maximum/minimum.
        for index in range(len(op.operands)):
            _replace_operand(op, index, _flip_sign)
        _replace_result(op, 0, _flip_sign)
        return True
    if name == "stablehlo.convert" and info_in == (32, False) and info_out is None:
        element = ir.RankedTensorType(op.results[0].type).element_type
        if isinstance(element, (ir.F32Type, ir.F16Type)):
            _replace_result(op, 0, lambda r: _ui32_to_float_fix(op.operands[0], r))
        return True
    if name == "stablehlo.convert" and info_out == (32, False) and info_in is None:
        element = ir.RankedTensorType(op.operands[0].type).element_type
        if isinstance(element, (ir.F32Type, ir.F16Type)):
            source = op.operands[0]
            _replace_operand(op, 0, _float_to_ui32_bits)
            _replace_result(op, 0, lambda r: _ui32_saturate(source, r))
            return True
    if info_out is None:
        return True
    bits, signed = info_out
    if name == "stablehlo.convert" and _fits(_convert_source_info(op, info_in), info_out):
        return True
    if name == "stablehlo.shift_right_logical" and signed and bits < 32:
        _replace_operand(op, 0, lambda x: _mask(x, bits))
        _replace_result(op, 0, lambda r: _wrap(r, bits, True))
    elif name == "stablehlo.shift_right_arithmetic" and not signed and bits < 32:
        _replace_operand(op, 0, lambda x: _wrap(x, bits, True))
        _replace_result(op, 0, lambda r: _mask(r, bits))
    elif name == "stablehlo.not" and not signed and bits < 32:
        _replace_result(op, 0, lambda r: _mask(r, bits))
    elif name in ("stablehlo.popcnt", "stablehlo.count_leading_zeros") and bits < 32:
        _replace_operand(op, 0, lambda x: _mask(x, bits))
        if name == "stablehlo.count_leading_zeros":
            _replace_result(op, 0, lambda r: stablehlo.SubtractOp(r, _splat(32 - bits, r)).result)
    elif (name in _WRAPPED or name == "stablehlo.shift_left") and not _in_combiner(op):
        for i in range(len(op.results)):
            if outs[i] is not None:
                b, s = outs[i]
                _replace_result(op, i, lambda r, b=b, s=s: _wrap(r, b, s))
    return True


def _order_direction(op) -> str | None:
    """'max' or 'min' for a reduce / reduce_window whose body is one
    maximum / minimum (single operand) or JAX's argmax / argmin pair."""
    from hlo_coreml.emit.ops_reduce import _arg_direction, body_op_name

    if len(op.results) == 1:
        return {"stablehlo.maximum": "max", "stablehlo.minimum": "min"}.get(body_op_name(op))
    if len(op.results) == 2 and op.name == "stablehlo.reduce":
        return _arg_direction(op)
    return None


def _widen_bound_inits(op, ins) -> None:
    """A max (min) reduction of a narrow type whose init value is that
    type's minimum (maximum) -- JAX's init for max, argmax and max pooling
    on int8/uint8/int16/uint16 -- gets the int32 limit instead: no narrow
    value is below (above) either, so every result, and every argmax index
    (the init's index 0 wins ties either way), is unchanged, and the
    emitter sees the identity of the int32 reduction it emits."""
    direction = _order_direction(op)
    if direction is None:
        return
    n = len(op.results)
    info = ins[n]
    if info is None or info[0] >= 32:
        return
    bits, signed = info
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    init = constant_value(op.operands[n])
    bound = low if direction == "max" else high
    if init is None or init.size != 1 or int(init.reshape(())) != bound:
        return
    limit = np.iinfo(np.int32).min if direction == "max" else np.iinfo(np.int32).max
    _replace_operand(op, n, lambda v: _splat(int(limit), v))


def _in_combiner(op) -> bool:
    parent = op.operation.parent
    return parent is not None and parent.name in _COMBINERS


# Body ops that only order, compare for equality or pick values: with
# every ui32 value's sign bit flipped, signed order is the unsigned one.
_ORDER_ONLY = frozenset(
    "stablehlo." + n for n in ("compare", "select", "maximum", "minimum", "and", "or", "not", "return")
)


def _composite_name(op) -> str:
    return ir.StringAttr(op.attributes["name"]).value


def _order_only_body(op) -> bool:
    """The body of this reduce / reduce_window / scatter only orders and
    picks values (max/min reductions, JAX's argmax/argmin pairs)."""
    return all(inner.operation.name in _ORDER_ONLY for inner in op.regions[0].blocks[0].operations)


def _in_order_only_combiner(op) -> bool:
    parent = op.operation.parent
    return parent is not None and parent.name in _COMBINERS and _order_only_body(parent)


def _flip_combiner(op, ins, outs) -> None:
    """A ui32 max/min/argmax reduction or scatter in signed order: the sign
    bit of every ui32 value combined (inputs, init values, scatter operand
    and updates; not scatter indices) flipped before, of the ui32 results
    after; the body is left as it is."""
    n = len(op.results)
    if op.name == "stablehlo.scatter":
        flipped = [i for i in range(n)] + [n + 1 + i for i in range(n)]
        flipped = [i for i in flipped if outs[i if i < n else i - n - 1] == (32, False)]
    else:
        flipped = [i for i in range(len(op.operands)) if ins[i] == (32, False)]
    for i in flipped:
        _replace_operand(op, i, _flip_sign)
    for k in range(n):
        if outs[k] == (32, False):
            _replace_result(op, k, _flip_sign)


def _convert_source_info(op, info_in):
    if info_in is not None:
        return info_in
    element = ir.RankedTensorType(op.operands[0].type).element_type
    if isinstance(element, ir.IntegerType) and element.width == 1:
        return (1, False)
    return None


def _fits(source, target) -> bool:
    """Every value of integer type `source` is a value of `target`."""
    if source is None:
        return False
    (b_in, s_in), (b_out, s_out) = source, target
    if s_in == s_out:
        return b_in <= b_out
    return not s_in and s_out and b_in < b_out


def _ui32_to_float_fix(x: ir.Value, converted: ir.Value) -> ir.Value:
    t = ir.RankedTensorType(converted.type)
    zero = stablehlo.ConstantOp(
        ir.DenseElementsAttr.get_splat(ir.RankedTensorType.get(t.shape, ir.IntegerType.get_signless(32)),
                                       ir.IntegerAttr.get(ir.IntegerType.get_signless(32), 0))
    ).result
    negative = stablehlo.CompareOp(x, zero, stablehlo.ComparisonDirectionAttr.get("LT")).result
    two32 = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, ir.FloatAttr.get(t.element_type, 2.0**32))).result
    return stablehlo.SelectOp(negative, stablehlo.AddOp(converted, two32).result, converted).result


def _float_splat(value: float, like: ir.Value) -> ir.Value:
    t = ir.RankedTensorType(like.type)
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, ir.FloatAttr.get(t.element_type, value))).result


def _float_to_ui32_bits(x: ir.Value) -> ir.Value:
    """Float -> ui32 as StableHLO on CPU does it (saturating; NaN -> 0), as
    the float whose i32 conversion is the ui32 bit pattern: values in
    [2**31, 2**32) get 2**32 subtracted (exact: they are multiples of 256)."""
    f32 = ir.F32Type.get()
    t = ir.RankedTensorType(x.type)
    if not isinstance(t.element_type, ir.F32Type):
        x = stablehlo.ConvertOp(ir.RankedTensorType.get(t.shape, f32), x).result
    nan = stablehlo.CompareOp(x, x, stablehlo.ComparisonDirectionAttr.get("NE")).result
    # 4294967040 is the largest f32 below 2**32 (saturation to 2**32 - 1 is
    # applied to the result).
    y = stablehlo.ClampOp(_float_splat(0.0, x), x, _float_splat(4294967040.0, x)).result
    y = stablehlo.SelectOp(nan, _float_splat(0.0, x), y).result
    high = stablehlo.CompareOp(y, _float_splat(2.0**31, x), stablehlo.ComparisonDirectionAttr.get("GE")).result
    return stablehlo.SelectOp(high, stablehlo.SubtractOp(y, _float_splat(2.0**32, x)).result, y).result


def _ui32_saturate(source: ir.Value, converted: ir.Value) -> ir.Value:
    """2**32 - 1 (bits -1) where the float source was >= 2**32."""
    t = ir.RankedTensorType(source.type)
    if not isinstance(t.element_type, ir.F32Type):
        source = stablehlo.ConvertOp(ir.RankedTensorType.get(t.shape, ir.F32Type.get()), source).result
    over = stablehlo.CompareOp(source, _float_splat(2.0**32, source), stablehlo.ComparisonDirectionAttr.get("GE")).result
    return stablehlo.SelectOp(over, _splat(-1, converted), converted).result


def _retype(op) -> None:
    for result in op.results:
        if narrow_info(result.type):
            result.set_type(widen_type(result.type))


def _retype_blocks(op) -> None:
    """The signature and block arguments; results are retyped op by op."""
    retype_op(op, widen_type, results=False)


def _widen_constant(op, info) -> bool:
    """Give the constant its i32 attribute (uiN zero-extended, iN
    sign-extended, ui32 as its bit pattern). Returns False after emitting an
    error at the constant."""
    bits, signed = info
    attr = op.attributes["value"]
    old = ir.RankedTensorType(op.results[0].type)
    new_type = widen_type(old)
    try:
        values = np.asarray(attr)
    except TypeError:
        # Widths NumPy has no type for (i4, ui4, i2, ...: a quantized weight
        # hlo-coreml-fold-dequantize did not consume): StableHLO's reference
        # interpreter converts them to i32, extending by signedness.
        values = _evaluate_as_i32(op)
        if values is None:
            return False
        signed = True  # already extended to the i32 value
    if attr.is_splat:
        value = int(values.reshape(-1)[0])
        i32 = ir.IntegerType.get_signless(32)
        op.attributes["value"] = ir.DenseElementsAttr.get_splat(
            new_type, ir.IntegerAttr.get(i32, _as_i32(value))
        )
        return True
    widened = values.astype(np.int64).astype(np.uint32).view(np.int32) if not signed else values.astype(np.int32)
    op.attributes["value"] = ir.DenseElementsAttr.get(np.ascontiguousarray(widened.reshape(old.shape)), type=new_type)
    return True


def _evaluate_as_i32(op):
    from .constant_eval import evaluate_constants

    t = ir.RankedTensorType(op.results[0].type)
    i32 = ir.IntegerType.get_signless(32)
    try:
        ((values,),) = evaluate_constants(
            [op], lambda v: [stablehlo.ConvertOp(ir.RankedTensorType.get(t.shape, i32), v).result]
        )
    except ValueError as e:
        op.location.emit_error(f"'stablehlo.constant' of type {t} cannot be widened to i32: {e}")
        return None
    return np.asarray(values)
