"""Exact ui32 `divide` / `remainder` from signed int32 arithmetic on values
that never overflow (used by hlo-coreml-widen-small-ints).

A ui32 value is held in i32 as its bit pattern, so a value u >= 2**31 is
the negative i32 u - 2**32. Core ML divides only signed int32 (and the
emitter's i32 `divide` is exact only as StableHLO's truncating division),
so the unsigned quotient and remainder of a by b are built from:

- the dividend split as a = 2 * hi + lo with 0 <= hi < 2**31, lo in {0, 1}:
  the low 31 bits of a are a, or a + 2**31 (added as two 2**30 steps, so
  that no intermediate leaves int32) when a < 0; hi is that halved plus
  2**30 when a < 0, lo what the halving dropped;
- divisors 2 <= b < 2**31 (long division by one more bit): q1, r1 =
  hi / b, hi - q1 * b (non-negative operands: truncation and flooring
  agree); 2 * r1 + lo is the remainder of the whole dividend before the
  last step, and it is >= b exactly when r1 >= d := b - r1 - lo (d >= 0,
  so 2 * r1 + lo, which may pass 2**31, is never formed then); the
  quotient is 2 * q1 + that bit (< 2**31 since q1 < 2**30), the remainder
  r1 - d or 2 * r1 + lo (< b);
- divisors b >= 2**31 (negative in i32): the quotient is 1 if a >= b as
  unsigned numbers, which is a < 0 and a >= b in signed order (both have
  the top bit set), else 0; the remainder a - b (both negative: no
  overflow) or a;
- b == 1: a and 0; b == 0: all ones (4294967295) and a, as XLA on CPU
  (and so JAX) defines them.

Every intermediate of every lane, selected or not, lies in int32 range, so
the result does not depend on how Core ML's int32 arithmetic overflows;
only `compare`, `select`, `add`, `subtract`, `multiply` and `divide` of
non-negative operands appear, none of whose results the MIL spec leaves
open (docs/semantics.md).
"""

from __future__ import annotations

from hlo_coreml._mlir import ir, stablehlo


def _const(value: int, like: ir.Value) -> ir.Value:
    t = ir.RankedTensorType(like.type)
    i32 = ir.IntegerType.get_signless(32)
    attr = ir.DenseElementsAttr.get_splat(ir.RankedTensorType.get(t.shape, i32), ir.IntegerAttr.get(i32, value))
    return stablehlo.ConstantOp(attr).result


def _compare(a: ir.Value, b: ir.Value, direction: str) -> ir.Value:
    return stablehlo.CompareOp(a, b, stablehlo.ComparisonDirectionAttr.get(direction)).result


def _select(cond: ir.Value, a: ir.Value, b: ir.Value) -> ir.Value:
    return stablehlo.SelectOp(cond, a, b).result


def _add(a: ir.Value, b: ir.Value) -> ir.Value:
    return stablehlo.AddOp(a, b).result


def _sub(a: ir.Value, b: ir.Value) -> ir.Value:
    return stablehlo.SubtractOp(a, b).result


def ui32_divide_remainder(a: ir.Value, b: ir.Value, op_name: str) -> ir.Value:
    """Build, at the current insertion point, the ui32 quotient
    (`op_name` 'stablehlo.divide') or remainder ('stablehlo.remainder') of
    the i32-held bit patterns `a` and `b` (same shape), as an i32 value
    holding the result's bit pattern. See the module docstring."""
    zero, one, two = _const(0, a), _const(1, a), _const(2, a)
    quarter = _const(1 << 30, a)

    # a = 2 * hi + lo
    a_neg = _compare(a, zero, "LT")
    half = _select(a_neg, quarter, zero)
    low31 = _add(_add(a, half), half)
    h = stablehlo.DivOp(low31, two).result
    lo = _sub(low31, _add(h, h))
    hi = _add(h, half)

    # 2 <= b < 2**31 (other lanes divide by 2; their results are not selected)
    small = _compare(b, one, "GT")
    bs = _select(small, b, two)
    q1 = stablehlo.DivOp(hi, bs).result
    r1 = _sub(hi, stablehlo.MulOp(q1, bs).result)
    d = _sub(_sub(bs, r1), lo)
    up = _compare(r1, d, "GE")
    if op_name == "stablehlo.divide":
        q_small = _add(_add(q1, q1), _select(up, one, zero))
    else:
        r_small = _add(r1, _select(up, _sub(zero, d), _add(r1, lo)))

    # b >= 2**31: quotient 0 or 1
    b_neg = _compare(b, zero, "LT")
    take = stablehlo.AndOp(b_neg, stablehlo.AndOp(a_neg, _compare(a, b, "GE")).result).result

    b_zero = _compare(b, zero, "EQ")
    b_one = _compare(b, one, "EQ")
    if op_name == "stablehlo.divide":
        large = _select(take, one, zero)
        result = _select(b_neg, large, q_small)
        result = _select(b_one, a, result)
        return _select(b_zero, _const(-1, a), result)
    large = _sub(a, _select(take, b, zero))
    result = _select(b_neg, large, r_small)
    result = _select(b_one, zero, result)
    return _select(b_zero, a, result)
