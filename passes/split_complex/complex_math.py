"""Real arithmetic for hlo-coreml-split-complex: a small builder of
StableHLO ops on real tensors of one shape, and the complex functions
(abs, exp, log, sqrt, sign, power, division, atan2) written with it.

Every function takes and returns `ir.Value`s of real tensor type; an
imaginary part may be `None`, meaning "known to be zero", which lets real
inputs (rfft, `convert` real -> complex, constants with a zero imaginary
part) skip the work their zero part would cost.

The formulas avoid overflow of intermediate squares (|z| as
max * sqrt(1 + (min/max)^2), division scaled by max(|c|, |d|)): Core ML
computes in fp16 by default, where |z|^2 overflows as soon as |z| > 256.
"""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

# Cephes atanf: atan(x) = x + x^3 * P(x^2) for |x| <= tan(pi/8), relative
# error ~1e-7 (S. L. Moshier, Cephes Math Library, atanf.c).
_ATAN_COEFFS = (8.05374449538e-2, -1.38776856032e-1, 1.99777106478e-1, -3.33329491539e-1)
_TAN_PI_8 = 0.4142135623730950


def element_dtype(t: ir.Type):
    """NumPy dtype for the float element type of tensor type `t`."""
    element = ir.RankedTensorType(t).element_type
    if isinstance(element, ir.F64Type):
        return np.float64
    if isinstance(element, ir.F16Type):
        return np.float16
    return np.float32


class RealBuilder:
    """Builds real StableHLO ops at the current insertion point and
    location (the caller enters `with ir.InsertionPoint(op), op.location:`)."""

    # -- constants -------------------------------------------------------------

    def splat(self, value: float, t: ir.Type) -> ir.Value:
        """A splat constant of tensor type `t` (the emitter keeps a splat
        feeding elementwise ops as a single element)."""
        t = ir.RankedTensorType(t)
        element = t.element_type
        if isinstance(element, ir.IntegerType):
            attr = ir.IntegerAttr.get(element, int(value))
        else:
            attr = ir.FloatAttr.get(element, float(value))
        return stablehlo.constant(ir.DenseElementsAttr.get_splat(t, attr))

    def zeros(self, t: ir.Type) -> ir.Value:
        return self.splat(0.0, t)

    def const(self, array: np.ndarray, element: ir.Type) -> ir.Value:
        """A dense constant holding `array` with element type `element`."""
        t = ir.RankedTensorType.get(list(array.shape), element)
        dtype = element_dtype(t)
        flat = np.asarray(array).reshape(-1)
        if flat.size and np.all(flat == flat[0]):
            return self.splat(float(flat[0]), t)
        data = np.ascontiguousarray(np.asarray(array, dtype=dtype))
        return stablehlo.constant(ir.DenseElementsAttr.get(data, type=t))

    # -- elementwise -------------------------------------------------------------

    def add(self, x, y):
        return stablehlo.add(x, y)

    def sub(self, x, y):
        return stablehlo.subtract(x, y)

    def mul(self, x, y):
        return stablehlo.multiply(x, y)

    def div(self, x, y):
        return stablehlo.divide(x, y)

    def neg(self, x):
        return stablehlo.negate(x)

    def abs(self, x):
        return stablehlo.abs(x)

    def max(self, x, y):
        return stablehlo.maximum(x, y)

    def min(self, x, y):
        return stablehlo.minimum(x, y)

    def sqrt(self, x):
        return stablehlo.sqrt(x)

    def exp(self, x):
        return stablehlo.exponential(x)

    def log(self, x):
        return stablehlo.log(x)

    def cos(self, x):
        return stablehlo.cosine(x)

    def sin(self, x):
        return stablehlo.sine(x)

    def pow(self, x, y):
        return stablehlo.power(x, y)

    def compare(self, x, y, direction: str):
        return stablehlo.compare(x, y, stablehlo.ComparisonDirectionAttr.get(direction))

    def select(self, pred, x, y):
        return stablehlo.select(pred, x, y)

    def and_(self, x, y):
        return stablehlo.and_(x, y)

    def or_(self, x, y):
        return stablehlo.or_(x, y)

    def scalar(self, value: float, like) -> ir.Value:
        return self.splat(value, like.type)

    # -- real functions the emitter lacks ---------------------------------------

    def atan2(self, y, x):
        """atan2(y, x) from abs/min/max/divide/select and a degree-9 odd
        polynomial (Cephes atanf), for emitters without an atan2.

        atan of a = min(|x|,|y|) / max(|x|,|y|) in [0, 1], reduced to
        |a'| <= tan(pi/8) via a' = (a - 1) / (a + 1) + pi/4 above tan(pi/8);
        then mirrored into the right octant and quadrant by selects.
        atan2(0, 0) = 0; the sign of a zero y is not seen (atan2(-0, -1)
        gives +pi)."""
        ax, ay = self.abs(x), self.abs(y)
        hi, lo = self.max(ax, ay), self.min(ax, ay)
        zero, one = self.scalar(0.0, x), self.scalar(1.0, x)
        safe_hi = self.select(self.compare(hi, zero, "EQ"), one, hi)
        a = self.div(lo, safe_hi)
        big = self.compare(a, self.scalar(_TAN_PI_8, x), "GT")
        reduced = self.div(self.sub(a, one), self.add(a, one))
        t = self.select(big, reduced, a)
        z = self.mul(t, t)
        p = self.scalar(_ATAN_COEFFS[0], x)
        for c in _ATAN_COEFFS[1:]:
            p = self.add(self.mul(p, z), self.scalar(c, x))
        r = self.add(self.mul(self.mul(p, z), t), t)
        r = self.select(big, self.add(r, self.scalar(math.pi / 4, x)), r)
        r = self.select(self.compare(ay, ax, "GT"), self.sub(self.scalar(math.pi / 2, x), r), r)
        r = self.select(self.compare(x, zero, "LT"), self.sub(self.scalar(math.pi, x), r), r)
        return self.select(self.compare(y, zero, "LT"), self.neg(r), r)


class ComplexMath:
    """Complex functions on (real, imag-or-None) pairs, built with a
    RealBuilder. `atan2` is either the builder's expansion or
    `stablehlo.atan2`."""

    def __init__(self, builder: RealBuilder, expand_atan2: bool):
        self.b = builder
        self.expand_atan2 = expand_atan2

    def atan2(self, y, x):
        return self.b.atan2(y, x) if self.expand_atan2 else stablehlo.atan2(y, x)

    def imag(self, pair):
        re, im = pair
        return im if im is not None else self.b.zeros(re.type)

    # -- arithmetic ----------------------------------------------------------

    def mul(self, p, q):
        b = self.b
        (a, bi), (c, d) = p, q
        if bi is None and d is None:
            return b.mul(a, c), None
        if bi is None:
            return b.mul(a, c), b.mul(a, d)
        if d is None:
            return b.mul(a, c), b.mul(bi, c)
        return b.sub(b.mul(a, c), b.mul(bi, d)), b.add(b.mul(a, d), b.mul(bi, c))

    def div(self, p, q):
        """(a + ib) / (c + id), scaled by s = max(|c|, |d|) so no square
        overflows: with c' = c/s, d' = d/s and den = (c'c + d'd),
        re = (a c' + b d') / den, im = (b c' - a d') / den."""
        b = self.b
        (a, bi), (c, d) = p, q
        if d is None:
            return b.div(a, c), (b.div(bi, c) if bi is not None else None)
        s = b.max(b.abs(c), b.abs(d))
        cs, ds = b.div(c, s), b.div(d, s)
        den = b.add(b.mul(cs, c), b.mul(ds, d))
        if bi is None:
            return b.div(b.mul(a, cs), den), b.div(b.neg(b.mul(a, ds)), den)
        re = b.add(b.mul(a, cs), b.mul(bi, ds))
        im = b.sub(b.mul(bi, cs), b.mul(a, ds))
        return b.div(re, den), b.div(im, den)

    # -- functions -------------------------------------------------------------

    def abs(self, p):
        """|a + ib| = hi * sqrt(1 + (lo/hi)^2), hi = max(|a|,|b|), lo = min."""
        b = self.b
        a, bi = p
        if bi is None:
            return b.abs(a)
        aa, bb = b.abs(a), b.abs(bi)
        hi, lo = b.max(aa, bb), b.min(aa, bb)
        one = b.scalar(1.0, a)
        safe = b.select(b.compare(hi, b.scalar(0.0, a), "EQ"), one, hi)
        r = b.div(lo, safe)
        return b.mul(hi, b.sqrt(b.add(one, b.mul(r, r))))

    def arg(self, p):
        """The argument (angle) of a + ib; for a real number, 0 or pi."""
        b = self.b
        a, bi = p
        if bi is None:
            neg = b.compare(a, b.scalar(0.0, a), "LT")
            return b.select(neg, b.scalar(math.pi, a), b.scalar(0.0, a))
        return self.atan2(bi, a)

    def exp(self, p):
        b = self.b
        a, bi = p
        ea = b.exp(a)
        if bi is None:
            return ea, None
        return b.mul(ea, b.cos(bi)), b.mul(ea, b.sin(bi))

    def log(self, p):
        return self.b.log(self.abs(p)), self.arg(p)

    def sqrt(self, p):
        """Principal square root: t = sqrt((|z| + |a|) / 2); a >= 0 gives
        (t, b / 2t), a < 0 gives (|b| / 2t, copysign(t, b)); 0 at 0."""
        b = self.b
        a, bi = p
        bi = self.imag(p)
        r = self.abs((a, bi))
        t = b.sqrt(b.mul(b.add(r, b.abs(a)), b.scalar(0.5, a)))
        zero = b.scalar(0.0, a)
        two_t = b.add(t, t)
        safe = b.select(b.compare(t, zero, "EQ"), b.scalar(1.0, a), two_t)
        q = b.div(bi, safe)
        nonneg = b.compare(a, zero, "GE")
        re = b.select(nonneg, t, b.abs(q))
        signed_t = b.select(b.compare(bi, zero, "LT"), b.neg(t), t)
        return re, b.select(nonneg, q, signed_t)

    def sign(self, p):
        """z / |z|, and 0 at 0."""
        b = self.b
        a, bi = p
        if bi is None:
            return stablehlo.sign(a), None
        m = self.abs(p)
        safe = b.select(b.compare(m, b.scalar(0.0, a), "EQ"), b.scalar(1.0, a), m)
        return b.div(a, safe), b.div(bi, safe)

    def power(self, p, q):
        """z ** w. A real w (zero imaginary part): |z|^w (cos w theta, sin w
        theta). Otherwise exp(w log z), with 0 ** w = 0 for Re w > 0."""
        b = self.b
        c, d = q
        mag, theta = self.abs(p), self.arg(p)
        if d is None:
            m = b.pow(mag, c)
            phase = b.mul(c, theta)
            return b.mul(m, b.cos(phase)), b.mul(m, b.sin(phase))
        log_mag = b.log(mag)
        re_exp = b.sub(b.mul(c, log_mag), b.mul(d, theta))
        im_exp = b.add(b.mul(d, log_mag), b.mul(c, theta))
        e = b.exp(re_exp)
        re, im = b.mul(e, b.cos(im_exp)), b.mul(e, b.sin(im_exp))
        zero = b.scalar(0.0, c)
        z_zero = b.compare(mag, zero, "EQ")
        at_zero = b.and_(z_zero, b.compare(c, zero, "GT"))
        re, im = b.select(at_zero, zero, re), b.select(at_zero, zero, im)
        # 0 ** 0 = 1 (as in JAX), whatever log 0 made of it.
        w_zero = b.and_(b.compare(c, zero, "EQ"), b.compare(d, zero, "EQ"))
        return b.select(w_zero, b.scalar(1.0, c), re), b.select(w_zero, zero, im)

    # -- transcendental functions (real formulas that neither overflow
    # early nor cancel; the real parts' own expm1 / log1p / tanh are used
    # where a difference of nearly equal values would lose digits) ---------

    def cosh_sinh(self, y):
        """(cosh y, sinh y) of a real y without overflow before the result
        overflows: with h = exp(|y| - ln 2) = e^|y| / 2, cosh = h + 1/(4h);
        sinh = sign(y) (h - 1/(4h)) for |y| >= 1 and (expm1(y) - expm1(-y)) / 2
        below (no cancellation near 0)."""
        b = self.b
        ay = b.abs(y)
        h = b.exp(b.sub(ay, b.scalar(math.log(2.0), y)))
        quarter = b.div(b.scalar(0.25, y), h)
        cosh = b.add(h, quarter)
        big = b.mul(stablehlo.sign(y), b.sub(h, quarter))
        small = b.mul(
            b.sub(stablehlo.exponential_minus_one(y), stablehlo.exponential_minus_one(b.neg(y))),
            b.scalar(0.5, y),
        )
        sinh = b.select(b.compare(ay, b.scalar(1.0, y), "LT"), small, big)
        return cosh, sinh

    def sin(self, p):
        """sin(a + ib) = sin a cosh b + i cos a sinh b."""
        b = self.b
        a, bi = p
        if bi is None:
            return b.sin(a), None
        ch, sh = self.cosh_sinh(bi)
        return b.mul(b.sin(a), ch), b.mul(b.cos(a), sh)

    def cos(self, p):
        """cos(a + ib) = cos a cosh b - i sin a sinh b."""
        b = self.b
        a, bi = p
        if bi is None:
            return b.cos(a), None
        ch, sh = self.cosh_sinh(bi)
        return b.mul(b.cos(a), ch), b.neg(b.mul(b.sin(a), sh))

    def tan(self, p):
        """tan(a + ib) = (sin a cos a + i sinh b cosh b) / (cos^2 a + sinh^2 b),
        numerator and denominator divided by cosh^2 b so nothing overflows:
        with s = sech b = 2e / (1 + e^2), e = exp(-|b|), c = cos a * s,
        D = c^2 + tanh^2 b: re = sin a * c * s / D, im = tanh b / D."""
        b = self.b
        a, bi = p
        if bi is None:
            return stablehlo.tan(a), None
        e = b.exp(b.neg(b.abs(bi)))
        one = b.scalar(1.0, a)
        sech = b.div(b.add(e, e), b.add(one, b.mul(e, e)))
        th = stablehlo.tanh(bi)
        c = b.mul(b.cos(a), sech)
        den = b.add(b.mul(c, c), b.mul(th, th))
        return b.div(b.mul(b.mul(b.sin(a), c), sech), den), b.div(th, den)

    def sinh(self, p):
        """sinh(a + ib) = cos b sinh a + i sin b cosh a."""
        b = self.b
        a, bi = p
        ch, sh = self.cosh_sinh(a)
        if bi is None:
            return sh, None
        return b.mul(b.cos(bi), sh), b.mul(b.sin(bi), ch)

    def cosh(self, p):
        """cosh(a + ib) = cos b cosh a + i sin b sinh a."""
        b = self.b
        a, bi = p
        ch, sh = self.cosh_sinh(a)
        if bi is None:
            return ch, None
        return b.mul(b.cos(bi), ch), b.mul(b.sin(bi), sh)

    def tanh(self, p):
        """tanh z = -i tan(iz), iz = -b + ia."""
        a, bi = p
        if bi is None:
            return stablehlo.tanh(a), None
        re, im = self.tan((self.b.neg(bi), a))
        return im, self.b.neg(re)

    def expm1(self, p):
        """exp(z) - 1 = (expm1(a) cos b - 2 sin^2(b/2)) + i e^a sin b (no
        cancellation for small |z|)."""
        b = self.b
        a, bi = p
        if bi is None:
            return stablehlo.exponential_minus_one(a), None
        half = b.sin(b.mul(bi, b.scalar(0.5, a)))
        re = b.sub(b.mul(stablehlo.exponential_minus_one(a), b.cos(bi)), b.mul(b.scalar(2.0, a), b.mul(half, half)))
        return re, b.mul(b.exp(a), b.sin(bi))

    def log1p(self, p):
        """log(1 + z): the imaginary part atan2(b, 1 + a); the real part
        log1p(a (2 + a) + b^2) / 2 while max(|a|, |b|) < 1 (no cancellation
        near z = 0, no overflow), log |1 + z| beyond."""
        b = self.b
        a, bi = p
        if bi is None:
            return stablehlo.log_plus_one(a), None
        one = b.scalar(1.0, a)
        ap1 = b.add(a, one)
        m = b.max(b.abs(a), b.abs(bi))
        small = b.mul(
            stablehlo.log_plus_one(b.add(b.mul(a, b.add(a, b.scalar(2.0, a))), b.mul(bi, bi))),
            b.scalar(0.5, a),
        )
        near = b.compare(m, one, "LT")
        large = b.log(self.abs((ap1, bi)))
        return b.select(near, small, large), self.atan2(bi, ap1)

    def logistic(self, p):
        """1 / (1 + e^-z) = (1 + tanh(z / 2)) / 2 (no overflow of e^-z)."""
        b = self.b
        a, bi = p
        half = b.scalar(0.5, a)
        if bi is None:
            return stablehlo.logistic(a), None
        re, im = self.tanh((b.mul(a, half), b.mul(bi, half)))
        return b.mul(b.add(re, b.scalar(1.0, a)), half), b.mul(im, half)

    def rsqrt(self, p):
        """1 / sqrt z."""
        a, _ = p
        return self.div((self.b.scalar(1.0, a), None), self.sqrt(p))

    def atan2_complex(self, y, x):
        """The complex atan2 of StableHLO (XLA): -i log((x + iy) / sqrt(x^2 + y^2))."""
        b = self.b
        iy = (b.neg(self.imag(y)), y[0])
        num = (b.add(x[0], iy[0]), b.add(self.imag(x), iy[1]))
        den = self.sqrt(_add_pairs(b, self.mul(x, x), self.mul(y, y)))
        re, im = self.log(self.div(num, den))
        return im, b.neg(re)


def _add_pairs(b, p, q):
    im = p[1] if q[1] is None else (q[1] if p[1] is None else b.add(p[1], q[1]))
    return b.add(p[0], q[0]), im
