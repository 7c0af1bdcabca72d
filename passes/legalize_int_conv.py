"""hlo-coreml-legalize-int-conv: integer convolutions computed exactly by
float32 convolutions.

Core ML's `conv` is float only. A float32 convolution of integers is exact
when every partial sum is an integer of magnitude <= 2**24 (all of them are
representable, so no addition rounds); with K terms per output and operands
bounded by |x| <= X, |w| <= W, every partial sum is at most X * W * K. The
operand types give X and W (i8: 128, ui8: 255, ...), the kernel's shape
gives K (input features per group times the kernel's spatial size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, stablehlo

from .registry import ModulePass, register_pass

# Largest magnitude every partial sum of an exact f32 accumulation may reach.
EXACT_F32 = 2**24
# Products are formed modulo 2**MODULUS_BITS at most (i64 is narrowed to i32
# by hlo-coreml-narrow-types, which assumes its values fit).
MODULUS_BITS = 32


@dataclass(frozen=True)
class _Operand:
    """How one integer operand is read: `bits` wide (after taking 64-bit
    types as 32-bit), signed or not."""

    bits: int
    signed: bool

    def max_abs(self) -> int:
        return 2 ** (self.bits - 1) if self.signed else 2**self.bits - 1

    def limbs(self, s: int) -> list[int]:
        """The largest magnitude of each s-bit limb (least significant
        first): every limb but the top one is unsigned in [0, 2**s); the top
        one carries the sign. One limb when the value fits in s bits."""
        if self.bits <= s:
            return [self.max_abs()]
        n = math.ceil(self.bits / s)
        top_bits = self.bits - s * (n - 1)
        top = 2 ** (top_bits - 1) if self.signed else 2**top_bits - 1
        return [2**s - 1] * (n - 1) + [top]


@dataclass(frozen=True)
class Plan:
    """The f32 convolutions of one integer convolution: operand limbs of
    `limb_bits` bits, and the (i, j) limb pairs whose product is needed
    below 2**modulus_bits, each scaled by 2**(limb_bits * (i + j))."""

    limb_bits: int
    x_limbs: int
    w_limbs: int
    pairs: tuple[tuple[int, int], ...]
    modulus_bits: int
    terms: int  # K: products summed into each output


def _operand(t: ir.Type) -> _Operand | None:
    element = ir.RankedTensorType(t).element_type
    if not isinstance(element, ir.IntegerType) or element.width < 2:
        return None
    return _Operand(min(element.width, MODULUS_BITS), not element.is_unsigned)


def terms_per_output(op) -> int:
    """K: the kernel's input features (per group) times its spatial size."""
    dims = stablehlo.ConvDimensionNumbers(op.attributes["dimension_numbers"])
    kernel = ir.RankedTensorType(op.operands[1].type).shape
    k = kernel[dims.kernel_input_feature_dimension]
    for d in dims.kernel_spatial_dimensions:
        k *= kernel[d]
    return k


def plan(op) -> Plan | str:
    """The cheapest exact plan for integer convolution `op`, or why none
    exists."""
    x, w = _operand(op.operands[0].type), _operand(op.operands[1].type)
    result = ir.RankedTensorType(op.results[0].type).element_type
    if x is None or w is None or not isinstance(result, ir.IntegerType) or result.width < 2:
        return "on boolean (i1) tensors is not supported (Core ML conv is float only); convert to an integer or float type first"
    modulus = min(result.width, MODULUS_BITS)
    k = terms_per_output(op)
    best: Plan | None = None
    for s in range(max(x.bits, w.bits), 0, -1):
        xl, wl = x.limbs(s), w.limbs(s)
        pairs = tuple(
            (i, j)
            for i in range(len(xl))
            for j in range(len(wl))
            if s * (i + j) < modulus
        )
        if all(xl[i] * wl[j] * k <= EXACT_F32 for i, j in pairs):
            candidate = Plan(s, len(xl), len(wl), pairs, modulus, k)
            if best is None or len(candidate.pairs) < len(best.pairs):
                best = candidate
    if best is None:
        return (
            f"sums {k} products per output, more than an exact float32 convolution allows "
            f"({k} > 2**24 even for 1-bit parts); Core ML conv is float only. Split the input features "
            "into several convolutions"
        )
    return best


@register_pass
@dataclass(frozen=True)
class LegalizeIntConvPass(ModulePass):
    """Rewrites every `stablehlo.convolution` on integer tensors (si8..si64,
    ui8..ui64, any padding, dilation, feature or batch groups) into float32
    convolutions whose results are exact, recombined in i32.

    - If the operand types bound every partial sum by 2**24
      (max|x| * max|w| * K, K = input features per group times kernel
      size; i8 x i8: K <= 1024), one f32 convolution of the converted
      operands, converted back to i32 (exact), then to the result type.
    - Otherwise each operand is split into limbs of s bits (x = sum_i
      x_i 2**(s i); every limb unsigned but the top one, which keeps the
      sign; `and` with 2**s - 1 and an exact division), s chosen so that
      each limb product obeys the same bound and the fewest convolutions
      are needed; the result is sum_ij conv(x_i, w_j) 2**(s(i + j)) in i32
      arithmetic (which wraps modulo 2**32, as the result does), skipping
      pairs with s(i + j) >= the result's width. E.g. i32 x i32 with K = 9
      takes 10-bit limbs and 6 convolutions.
    - 64-bit operands are taken modulo 2**32 (hlo-coreml-narrow-types
      narrows them to i32 anyway), ui32 as its i32 bit pattern: the low 32
      bits of the result do not depend on either.

    ```mlir
    %0 = stablehlo.convolution(%x, %w) ... : (tensor<1x4x6x6xi8>, tensor<3x4x3x3xi8>) -> tensor<1x3x4x4xi32>
    ==>
    %xf = stablehlo.convert %x : (tensor<1x4x6x6xi8>) -> tensor<1x4x6x6xf32>
    %wf = stablehlo.convert %w : (tensor<3x4x3x3xi8>) -> tensor<3x4x3x3xf32>
    %c = stablehlo.convolution(%xf, %wf) ... -> tensor<1x3x4x4xf32>
    %0 = stablehlo.convert %c : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xi32>
    ```

    Afterwards no convolution has an integer operand or result. A
    convolution summing more than 2**24 products per output, or on i1,
    is reported at its location. At fp16 compute precision the f32
    convolutions stay in fp32 (hlo_coreml.precision: a conv fed by a cast
    from int32).
    """

    name: ClassVar[str] = "hlo-coreml-legalize-int-conv"
    summary: ClassVar[str] = "Integer convolutions as exact float32 convolutions (operand limbs when the sums could exceed 2**24)"

    def run(self, module, pass_) -> None:
        convs = []

        def collect(op):
            if op.name == "stablehlo.convolution" and isinstance(
                ir.RankedTensorType(op.results[0].type).element_type, ir.IntegerType
            ):
                convs.append(op)
            return ir.WalkResult.ADVANCE

        module.walk(collect)
        failed = False
        for op in convs:
            p = plan(op)
            if isinstance(p, str):
                op.location.emit_error(f"'stablehlo.convolution' {p}")
                failed = True
                continue
            with ir.InsertionPoint(op), op.location:
                out = _lower(op, p)
            op.results[0].replace_all_uses_with(out)
            op.erase()
        if failed:
            pass_.signal_pass_failure()


def _i32(shape) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(shape, ir.IntegerType.get_signless(32))


def _splat_i32(value: int, shape) -> ir.Value:
    value = (value + 2**31) % 2**32 - 2**31  # as the i32 two's complement
    t = _i32(shape)
    return stablehlo.constant(ir.DenseElementsAttr.get_splat(t, ir.IntegerAttr.get(t.element_type, value)))


def _as_i32(v: ir.Value) -> ir.Value:
    """`v` as i32: sign/zero-extended if narrower, the low 32 bits if
    wider, the bit pattern for ui32."""
    t = ir.RankedTensorType(v.type)
    element = ir.IntegerType(t.element_type)
    if element.width == 32 and element.is_signless:
        return v
    if element.width == 32:
        return stablehlo.bitcast_convert(_i32(t.shape), v)
    # Narrower: extended exactly. Wider: the value is taken to fit in i32,
    # as hlo-coreml-narrow-types takes every 64-bit integer.
    return stablehlo.convert(_i32(t.shape), v)


def _split(v: ir.Value, limb_bits: int, count: int) -> list[ir.Value]:
    """`count` limbs of `v` (least significant first) as i32 tensors."""
    if count == 1:
        return [v]
    v = _as_i32(v)
    shape = ir.RankedTensorType(v.type).shape
    limbs = []
    for _ in range(count - 1):
        low = stablehlo.and_(v, _splat_i32(2**limb_bits - 1, shape))
        limbs.append(low)
        # (v - low) is a multiple of 2**s: the truncating divide is exact.
        v = stablehlo.divide(stablehlo.subtract(v, low), _splat_i32(2**limb_bits, shape))
    limbs.append(v)
    return limbs


def _to_f32(v: ir.Value) -> ir.Value:
    t = ir.RankedTensorType(v.type)
    element = ir.IntegerType(t.element_type)
    if element.width > 32 or (element.width == 32 and element.is_unsigned):
        v = _as_i32(v)
    return stablehlo.convert(ir.RankedTensorType.get(t.shape, ir.F32Type.get()), v)


def _lower(op, p: Plan) -> ir.Value:
    result_type = ir.RankedTensorType(op.results[0].type)
    shape = result_type.shape
    xs = [_to_f32(v) for v in _split(op.operands[0], p.limb_bits, p.x_limbs)]
    ws = [_to_f32(v) for v in _split(op.operands[1], p.limb_bits, p.w_limbs)]
    f32 = ir.RankedTensorType.get(shape, ir.F32Type.get())
    acc = None
    for i, j in p.pairs:
        conv = op.operation.clone(ip=ir.InsertionPoint(op))
        conv.operands[0] = xs[i]
        conv.operands[1] = ws[j]
        conv.results[0].set_type(f32)
        term = stablehlo.convert(_i32(shape), conv.results[0])
        shift = p.limb_bits * (i + j)
        if shift:
            term = stablehlo.multiply(term, _splat_i32(2**shift, shape))
        acc = term if acc is None else stablehlo.add(acc, term)
    element = ir.IntegerType(result_type.element_type)
    if element.width == 32 and element.is_signless:
        return acc
    if element.width == 32:
        return stablehlo.bitcast_convert(result_type, acc)
    return stablehlo.convert(result_type, acc)
