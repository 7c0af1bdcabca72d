"""stablehlo.fft on (real, imag) pairs, as real DFT matrix products.

Each transformed axis is one complex matrix product with the DFT matrix
W[k, n] = exp(-+2 pi i k n / N) (scaled by 1/N for the inverse), written as
real `dot_general`s with constant cos / sin matrices:

    (Xr + i Xi) (C + i S) = (Xr C - Xi S) + i (Xr S + Xi C)

The axis is moved last (`transpose`) and the other axes are flattened
(`reshape`), so every product is a plain [M, N] x [N, K] matmul: the form
the emitter's `matmul` accepts (batch dims none, one contracting dim per
side). This is an O(N^2) DFT, not an FFT: fine for the frame and mode
sizes of spectral layers and spectrograms (N up to a few thousand);
the matrices are N x N constants.

- FFT / IFFT: complex -> complex over the trailing len(fft_length) axes.
- RFFT: real -> complex; the last axis keeps bins 0..N/2 (the matrices
  are [N, N/2 + 1]), then the other axes are complex DFTs.
- IRFFT: complex -> real; inverse complex DFTs over the leading fft axes,
  then the last axis from its N/2 + 1 bins: with weights w_k = 1 for the
  DC and Nyquist bins and 2 otherwise,
  x[n] = (1/N) sum_k w_k (Xr[k] cos(2 pi k n / N) - Xi[k] sin(2 pi k n / N)),
  which treats the spectrum as Hermitian (and ignores the imaginary parts
  of the DC and Nyquist bins), as XLA and NumPy do.
"""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from .complex_math import RealBuilder


def fft_type(op) -> str:
    return stablehlo.FftTypeAttr(op.attributes["fft_type"]).value


def fft_lengths(op) -> list[int]:
    attr = op.attributes["fft_length"]
    return [int(x) for x in ir.DenseI64ArrayAttr(attr)]


def check_fft(op) -> str | None:
    lengths = fft_lengths(op)
    if not 1 <= len(lengths) <= 3:
        return f"with {len(lengths)} transformed dimensions is not supported (1 to 3)"
    for v in list(op.operands) + list(op.results):
        t = ir.RankedTensorType(v.type)
        if not t.has_static_shape:
            return "with a dynamic shape is not supported"
    return None


def _angles(n: int, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of 2 pi k j / n for k < rows, j < cols, in float64, with
    exact 0 and +-1 at multiples of a quarter turn (so that e.g. the
    imaginary part of a DC or Nyquist bin of a real signal is exactly 0)."""
    k = np.arange(rows, dtype=np.int64)[:, None]
    j = np.arange(cols, dtype=np.int64)[None, :]
    m = (k * j) % n
    theta = 2.0 * np.pi * m / n
    cos, sin = np.cos(theta), np.sin(theta)
    quarter = (4 * m) % n == 0
    q = (4 * m) // n
    cos = np.where(quarter, np.choose(q % 4, [1.0, 0.0, -1.0, 0.0]), cos)
    sin = np.where(quarter, np.choose(q % 4, [0.0, 1.0, 0.0, -1.0]), sin)
    return cos, sin


def _clean(*matrices: np.ndarray) -> tuple[np.ndarray, ...]:
    """No negative zeros in the constants (x + 0.0 turns -0.0 into 0.0)."""
    return tuple(m + 0.0 for m in matrices)


def c2c_matrices(n: int, inverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts of the [n, n] DFT matrix applied as
    y = x @ W (W symmetric)."""
    cos, sin = _angles(n, n, n)
    if inverse:
        return _clean(cos / n, sin / n)
    return _clean(cos, -sin)


def r2c_matrices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """[n, n//2 + 1] matrices of the forward real DFT (bins 0..n/2)."""
    cos, sin = _angles(n, n, n // 2 + 1)
    return _clean(cos, -sin)


def c2r_matrices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """[n//2 + 1, n] matrices of the inverse real DFT: x = Xr @ A + Xi @ B."""
    bins = n // 2 + 1
    cos, sin = _angles(n, bins, n)
    w = np.full((bins, 1), 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return _clean(w * cos / n, -w * sin / n)


class _Axis:
    """Moves `axis` of a value last and flattens the rest to [M, N] (and
    back), for values of one shape."""

    def __init__(self, shape: list[int], axis: int, element: ir.Type):
        self.shape = list(shape)
        self.axis = axis
        self.element = element
        rank = len(shape)
        self.perm = [d for d in range(rank) if d != axis] + [axis]
        self.moved = [shape[d] for d in self.perm]
        self.rows = int(np.prod(self.moved[:-1], dtype=np.int64))

    def to_2d(self, v):
        if self.perm != sorted(self.perm):
            v = stablehlo.transpose(v, self.perm)
        if len(self.shape) != 2 or self.perm != sorted(self.perm):
            v = stablehlo.reshape(ir.RankedTensorType.get([self.rows, self.moved[-1]], self.element), v)
        return v

    def from_2d(self, v, size: int):
        moved = self.moved[:-1] + [size]
        if len(self.shape) != 2 or self.perm != sorted(self.perm):
            v = stablehlo.reshape(ir.RankedTensorType.get(moved, self.element), v)
        if self.perm != sorted(self.perm):
            inverse = [self.perm.index(d) for d in range(len(self.perm))]
            v = stablehlo.transpose(v, inverse)
        return v

    def out_shape(self, size: int) -> list[int]:
        shape = list(self.shape)
        shape[self.axis] = size
        return shape


def _matmul(x, m, element):
    """[M, N] x [N, K] as a dot_general in matmul form."""
    dims = stablehlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=[],
        rhs_batching_dimensions=[],
        lhs_contracting_dimensions=[1],
        rhs_contracting_dimensions=[0],
    )
    rows = ir.RankedTensorType(x.type).shape[0]
    cols = ir.RankedTensorType(m.type).shape[1]
    return stablehlo.dot_general(ir.RankedTensorType.get([rows, cols], element), x, m, dims)


class FftLowering:
    """Lowers one stablehlo.fft given its operand as a pair (or a real
    value for RFFT). Build under `with ir.InsertionPoint(op), op.location`."""

    def __init__(self, builder: RealBuilder):
        self.b = builder

    def _apply(self, pair, axis: int, mats: tuple[np.ndarray, np.ndarray], real_output: bool = False):
        """x @ (A + iB) along `axis`, as a pair; with real_output, the real
        value xr @ A + xi @ B instead (the c2r matrices are built for
        that sum)."""
        b = self.b
        xr, xi = pair
        t = ir.RankedTensorType(xr.type)
        element = t.element_type
        geometry = _Axis(list(t.shape), axis, element)
        a_mat, b_mat = mats
        size = a_mat.shape[1]
        ca, cb = b.const(a_mat, element), b.const(b_mat, element)
        xr2 = geometry.to_2d(xr)
        xi2 = geometry.to_2d(xi) if xi is not None else None
        if real_output:
            out = _matmul(xr2, ca, element)
            if xi2 is not None:
                out = b.add(out, _matmul(xi2, cb, element))
            return geometry.from_2d(out, size)
        re = _matmul(xr2, ca, element)
        im = _matmul(xr2, cb, element)
        if xi2 is not None:
            re = b.sub(re, _matmul(xi2, cb, element))
            im = b.add(im, _matmul(xi2, ca, element))
        return geometry.from_2d(re, size), geometry.from_2d(im, size)

    def lower(self, op, operand):
        """`operand`: a (re, im) pair, or a real value for RFFT. Returns a
        pair, or a real value for IRFFT."""
        kind = fft_type(op)
        lengths = fft_lengths(op)
        if kind == "RFFT":
            pair = (operand, None)
        else:
            pair = operand
        rank = len(ir.RankedTensorType(pair[0].type).shape)
        axes = list(range(rank - len(lengths), rank))
        if kind in ("FFT", "IFFT"):
            for axis, n in reversed(list(zip(axes, lengths))):
                pair = self._apply(pair, axis, c2c_matrices(n, kind == "IFFT"))
            return pair
        if kind == "RFFT":
            pair = self._apply(pair, axes[-1], r2c_matrices(lengths[-1]))
            for axis, n in reversed(list(zip(axes[:-1], lengths[:-1]))):
                pair = self._apply(pair, axis, c2c_matrices(n, False))
            return pair
        # IRFFT
        for axis, n in reversed(list(zip(axes[:-1], lengths[:-1]))):
            pair = self._apply(pair, axis, c2c_matrices(n, True))
        return self._apply(pair, axes[-1], c2r_matrices(lengths[-1]), real_output=True)
