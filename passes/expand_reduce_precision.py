"""hlo-coreml-expand-reduce-precision: `stablehlo.reduce_precision` as exact
float arithmetic (no bit casts, no reliance on how `round` breaks ties)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, rewrite, stablehlo

from .registry import ModulePass, register_pass

# (exponent bits, mantissa bits, smallest normal exponent) of the source types.
_SOURCE = {"f32": (8, 23, -126), "f16": (5, 10, -14)}


@register_pass
@dataclass(frozen=True)
class ExpandReducePrecisionPass(ModulePass):
    """Rewrites `stablehlo.reduce_precision(x, exponent_bits=E,
    mantissa_bits=M)` on f32 / f16 (bf16 is f32 by now, f64 narrowed) into
    elementwise ops whose every step is exact in IEEE fp32: comparisons,
    `select`, products by constant powers of two, `floor`, and sums of
    integers below 2**24. The result is XLA's (and the StableHLO reference
    interpreter's) bit-level definition, for any E >= 1, M >= 0:

    1. the mantissa is rounded to M bits, to nearest, ties to even; a carry
       moves into the next binade (and past the largest finite value of the
       source type to infinity). "Even" is the lowest kept bit of the bit
       pattern: for M = 0 that is the exponent field's lowest bit. Below the source type's smallest normal
       2**emin the rounding step stays that of 2**emin (its denormals);
    2. if E is below the source's exponent width: with emax = 2**(E-1) - 1,
       a rounded magnitude >= 2**(emax+1) becomes +-inf and one below
       2**(1-emax) becomes +-0 (the narrow format's denormals are flushed,
       as XLA does);
    3. NaN, +-inf and +-0 pass through.

    How: |x| is normalized into [1, 2) by a binary search of
    compare/select/multiply steps by 2**-k (k = 64, 32, .. 1, scaling down)
    and 2**k (scaling up), keeping each step's condition; m * 2**M (times
    2**-d for the d source-denormal positions lost) is split by `floor`
    into an integer and a fraction, rounded up when the fraction is > 1/2
    or == 1/2 with an odd integer (odd: i - 2 floor(i / 2) == 1), and the
    steps are undone in reverse, which is exact because the final value is
    representable. With E < the source width, |x| is first clamped into
    [2**(emin_narrow-2), 2**(emax+1)] (the flush / overflow decisions are
    unchanged by it), so fewer steps are needed: e5m10 (f16) takes 5 + 5
    steps, e8m7 (bf16) 7 + 8.

    Exact only where the arithmetic is fp32 (compute_precision=fp32): in
    fp16, m * 2**M overflows for M > 15. Afterwards no reduce_precision
    remains on f32 / f16.
    """

    name: ClassVar[str] = "hlo-coreml-expand-reduce-precision"
    summary: ClassVar[str] = "reduce_precision (bf16/f16/any eXmY rounding) as exact compare/select/floor arithmetic"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.ReducePrecisionOp, expand_reduce_precision)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


def _kind(value) -> str | None:
    t = value.type
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        return None
    element = t.element_type
    if isinstance(element, ir.F32Type):
        return "f32"
    if isinstance(element, ir.F16Type):
        return "f16"
    return None


def expand_reduce_precision(op, rewriter) -> bool:
    x = op.operands[0]
    kind = _kind(x)
    if kind is None:
        return True
    exponent_bits = ir.IntegerAttr(op.attributes["exponent_bits"]).value
    mantissa_bits = ir.IntegerAttr(op.attributes["mantissa_bits"]).value
    src_e, src_m, src_emin = _SOURCE[kind]
    if exponent_bits >= src_e and mantissa_bits >= src_m:
        rewriter.replace_op(op, [x])
        return False
    with rewriter.ip, op.location:
        out = _Builder(x).reduce(exponent_bits, min(mantissa_bits, src_m), src_e, src_emin)
    rewriter.replace_op(op, [out])
    return False


class _Builder:
    """Elementwise f32 ops on tensors of x's shape."""

    def __init__(self, x):
        self.x = x
        self.shape = list(ir.RankedTensorType(x.type).shape)
        self.f32 = ir.RankedTensorType.get(self.shape, ir.F32Type.get())

    def c(self, value: float):
        attr = ir.DenseElementsAttr.get_splat(self.f32, ir.FloatAttr.get(ir.F32Type.get(), float(value)))
        return stablehlo.ConstantOp(attr).result

    def cmp(self, a, b, direction: str):
        return stablehlo.CompareOp(a, b, stablehlo.ComparisonDirectionAttr.get(direction)).result

    def sel(self, cond, a, b):
        return stablehlo.SelectOp(cond, a, b).result

    def mul(self, a, b):
        return stablehlo.MulOp(a, b).result

    def reduce(self, exponent_bits: int, mantissa_bits: int, src_e: int, src_emin: int):
        x = self.x
        source = x.type
        if not isinstance(ir.RankedTensorType(x.type).element_type, ir.F32Type):
            x = stablehlo.ConvertOp(self.f32, x).result
        narrow_range = exponent_bits < src_e
        a = stablehlo.AbsOp(x).result
        special = stablehlo.OrOp(
            stablehlo.OrOp(self.cmp(x, x, "NE"), self.cmp(a, self.c(float("inf")), "EQ")).result,
            self.cmp(a, self.c(0.0), "EQ"),
        ).result
        a = self.sel(special, self.c(1.0), a)
        if narrow_range:
            emax = (1 << (exponent_bits - 1)) - 1
            emin = 1 - emax
            a = stablehlo.ClampOp(self.c(2.0 ** (emin - 2)), a, self.c(2.0 ** (emax + 1))).result
            top, bottom = emax + 1, 2 - emin  # exponents reached: [emin - 2, emax + 1]
        else:
            top, bottom = 127, 149
        # Normalize a into [1, 2): down by 2**-k while a >= 2**k, up by 2**k
        # while a < 2**(1-k) (k halving, repeated where one step is not enough).
        steps = []
        for k in _powers(top):
            cond = self.cmp(a, self.c(2.0**k), "GE")
            a = self.sel(cond, self.mul(a, self.c(2.0**-k)), a)
            steps.append((cond, 2.0**k))
        e = None
        if not narrow_range or mantissa_bits == 0:
            # The exponent itself (as f32): for the source-denormal step, and
            # for ties at M = 0 (the last kept bit is the exponent's lowest).
            e = self.c(0.0)
            for cond, factor in steps:
                e = self.sel(cond, stablehlo.AddOp(e, self.c(math.log2(factor))).result, e)
        for k in _powers(bottom, cap=64):
            cond = self.cmp(a, self.c(2.0 ** (1 - k)), "LT")
            a = self.sel(cond, self.mul(a, self.c(2.0**k)), a)
            steps.append((cond, 2.0**-k))
            if e is not None:
                e = self.sel(cond, stablehlo.SubtractOp(e, self.c(float(k))).result, e)
        scaled = self.mul(a, self.c(2.0**mantissa_bits))
        if not narrow_range:
            # Below 2**src_emin the step stays that of 2**src_emin: drop
            # d = src_emin - e more bits (d <= 23 + 1 matters; more rounds to 0).
            d = stablehlo.MaxOp(stablehlo.SubtractOp(self.c(float(src_emin)), e).result, self.c(0.0)).result
            d = stablehlo.MinOp(d, self.c(float(mantissa_bits + 2))).result
            for k in _powers(mantissa_bits + 2):
                cond = self.cmp(d, self.c(float(k)), "GE")
                scaled = self.sel(cond, self.mul(scaled, self.c(2.0**-k)), scaled)
                d = self.sel(cond, stablehlo.SubtractOp(d, self.c(float(k))).result, d)
                steps.append((cond, 2.0**k))
        # Round to nearest, ties to even.
        whole = stablehlo.FloorOp(scaled).result
        frac = stablehlo.SubtractOp(scaled, whole).result
        half_whole = stablehlo.FloorOp(self.mul(whole, self.c(0.5))).result
        odd = self.cmp(stablehlo.SubtractOp(whole, self.mul(half_whole, self.c(2.0))).result, self.c(1.0), "EQ")
        if mantissa_bits == 0:
            # No mantissa bit is kept: the lowest kept bit of the pattern is
            # the exponent field's, odd when the (odd-biased) exponent is even;
            # 0 for the source's denormals (whole == 0 there).
            half_e = stablehlo.FloorOp(self.mul(e, self.c(0.5))).result
            e_even = self.cmp(self.mul(half_e, self.c(2.0)), e, "EQ")
            odd = stablehlo.AndOp(odd, e_even).result
        up = stablehlo.OrOp(
            self.cmp(frac, self.c(0.5), "GT"),
            stablehlo.AndOp(self.cmp(frac, self.c(0.5), "EQ"), odd).result,
        ).result
        rounded = stablehlo.AddOp(whole, self.sel(up, self.c(1.0), self.c(0.0))).result
        mag = self.mul(rounded, self.c(2.0**-mantissa_bits))
        for cond, factor in reversed(steps):
            mag = self.sel(cond, self.mul(mag, self.c(factor)), mag)
        zero = self.mul(x, self.c(0.0))  # +-0 with x's sign (x finite here)
        if narrow_range:
            over = self.cmp(mag, self.c(2.0 ** (emax + 1)), "GE")
            under = self.cmp(mag, self.c(2.0**emin), "LT")
            mag = self.sel(over, self.c(float("inf")), mag)
        signed = self.sel(self.cmp(x, self.c(0.0), "LT"), stablehlo.NegOp(mag).result, mag)
        if narrow_range:
            signed = self.sel(under, zero, signed)
        out = self.sel(special, x, signed)
        if out.type != source:
            out = stablehlo.ConvertOp(source, out).result
        return out


def _powers(total: int, cap: int = 64) -> list[int]:
    """Step sizes for a greedy binary search that shifts by any amount in
    [0, total]: powers of two from the largest <= min(total, cap) down to
    1, with extra leading `cap`s until they sum to >= total (each step is
    at most 1 + the sum of the steps after it, so greedy reaches every
    amount)."""
    if total <= 0:
        return []
    top = min(cap, 1 << (total.bit_length() - 1))
    steps = [1 << j for j in range(top.bit_length() - 1, -1, -1)]
    while sum(steps) < total:
        steps.insert(0, cap)
    return steps


__all__ = ["ExpandReducePrecisionPass", "expand_reduce_precision"]
