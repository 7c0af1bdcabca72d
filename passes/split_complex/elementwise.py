"""hlo-coreml-split-complex handlers for elementwise ops: arithmetic, the
complex functions (complex_math.py), compare, iota, the composites split
here (chlo.sinh / chlo.cosh), and the two real-op special cases (angle,
real / imag of a real tensor)."""

from __future__ import annotations

from hlo_coreml._mlir import ir, stablehlo

from .handlers import SPECIAL, Handler, handles


@handles("stablehlo.add", "stablehlo.subtract")
def _add_sub(s, op):
    (a, b), (c, d) = s.pair(op.operands[0]), s.pair(op.operands[1])
    fn = s.b.add if op.operation.name == "stablehlo.add" else s.b.sub
    re = fn(a, c)
    if b is None and d is None:
        im = None
    elif d is None:
        im = b
    elif b is None:
        im = d if fn == s.b.add else s.b.neg(d)
    else:
        im = fn(b, d)
    return [(re, im)]


@handles("stablehlo.multiply")
def _multiply(s, op):
    return [s.math.mul(s.pair(op.operands[0]), s.pair(op.operands[1]))]


@handles("stablehlo.divide")
def _divide(s, op):
    return [s.math.div(s.pair(op.operands[0]), s.pair(op.operands[1]))]


@handles("stablehlo.abs")
def _abs(s, op):
    return [s.math.abs(s.pair(op.operands[0]))]


@handles("stablehlo.exponential")
def _exp(s, op):
    return [s.math.exp(s.pair(op.operands[0]))]


@handles("stablehlo.log")
def _log(s, op):
    return [s.math.log(s.pair(op.operands[0]))]


@handles("stablehlo.sqrt")
def _sqrt(s, op):
    return [s.math.sqrt(s.pair(op.operands[0]))]


@handles("stablehlo.sign")
def _sign(s, op):
    return [s.math.sign(s.pair(op.operands[0]))]


@handles("stablehlo.sine")
def _sine(s, op):
    return [s.math.sin(s.pair(op.operands[0]))]


@handles("stablehlo.cosine")
def _cosine(s, op):
    return [s.math.cos(s.pair(op.operands[0]))]


@handles("stablehlo.tan")
def _tan(s, op):
    return [s.math.tan(s.pair(op.operands[0]))]


@handles("stablehlo.tanh")
def _tanh(s, op):
    return [s.math.tanh(s.pair(op.operands[0]))]


@handles("stablehlo.exponential_minus_one")
def _expm1(s, op):
    return [s.math.expm1(s.pair(op.operands[0]))]


@handles("stablehlo.log_plus_one")
def _log1p(s, op):
    return [s.math.log1p(s.pair(op.operands[0]))]


@handles("stablehlo.logistic")
def _logistic(s, op):
    return [s.math.logistic(s.pair(op.operands[0]))]


@handles("stablehlo.rsqrt")
def _rsqrt(s, op):
    return [s.math.rsqrt(s.pair(op.operands[0]))]


@handles("stablehlo.atan2")
def _atan2(s, op):
    return [s.math.atan2_complex(s.pair(op.operands[0]), s.pair(op.operands[1]))]


# Composites split-complex evaluates itself on complex operands (their CHLO
# decompositions lose the relative accuracy near 0); hlo-coreml-inline-
# composites inlines every other composite on complex tensors.
COMPLEX_COMPOSITES = {"chlo.sinh": "sinh", "chlo.cosh": "cosh"}


def _composite_check(op):
    name = ir.StringAttr(op.attributes["name"]).value
    if name not in COMPLEX_COMPOSITES:
        return f"'{name}' is not supported (hlo-coreml-inline-composites should have inlined it)"
    return None


@handles("stablehlo.composite", check=_composite_check)
def _composite(s, op):
    s.decompositions.add(ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value)
    fn = getattr(s.math, COMPLEX_COMPOSITES[ir.StringAttr(op.attributes["name"]).value])
    return [fn(s.pair(op.operands[0]))]


@handles("stablehlo.iota")
def _iota(s, op):
    """A complex iota counts in the real part; the imaginary part is zero."""
    return [(s.clone_with(op, {}).results[0], None)]


@handles("stablehlo.power")
def _power(s, op):
    return [s.math.power(s.pair(op.operands[0]), s.pair(op.operands[1]))]


def _compare_check(op):
    direction = stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value
    if direction not in ("EQ", "NE"):
        return f"with direction {direction} is not defined (complex numbers are not ordered; only EQ and NE)"
    return None


@handles("stablehlo.compare", check=_compare_check)
def _compare(s, op):
    direction = stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value
    p, q = s.pair(op.operands[0]), s.pair(op.operands[1])
    re = s.b.compare(p[0], q[0], direction)
    if p[1] is None and q[1] is None:
        return [re]
    im = s.b.compare(s.imag(p), s.imag(q), direction)
    return [s.b.and_(re, im) if direction == "EQ" else s.b.or_(re, im)]



def _angle(s, op):
    """atan2(imag z, real z) = angle(z), expanded for emitters without atan2."""
    return [s.b.atan2(op.operands[0], op.operands[1])]


SPECIAL["angle"] = Handler(_angle)


def _real_part_of_real(s, op):
    """real(x) = x and imag(x) = 0 for a real x (StableHLO allows both on
    float tensors; narrowing f64 leaves them behind)."""
    x = op.operands[0]
    if op.operation.name == "stablehlo.real":
        return [x]
    return [s.b.zeros(x.type)]


SPECIAL["real_of_real"] = Handler(_real_part_of_real)
