"""stablehlo.convolution in every form JAX emits.

StableHLO's convolution (per spatial dim, after moving batch/feature to the
front) is: dilate the input by `lhs_dilation` (zeros between elements), pad
it by `padding` (negative = crop), correlate with the kernel (dilated by
`rhs_dilation`, flipped where `window_reversal`), stepping by
`window_strides`; `feature_group_count` groups channels,
`batch_group_count` groups the batch against the output features.

MIL has `conv` (weight [C_out, C_in/groups, *K], explicit pads >= 0) and
`conv_transpose` (weight [C_in, C_out/groups, *K]): conv_transpose with
stride s, dilation d and pads (a, b) is the correlation of the input
dilated by s and padded by (k_eff-1-a, k_eff-1-b) with the flipped kernel.
So an lhs-dilated convolution with unit window strides and
padding <= k_eff-1 is one conv_transpose; other lhs-dilated forms insert
the zeros explicitly (`concat` with zeros + `reshape`) and use `conv`.
"""

from __future__ import annotations

import numpy as np

from .._mlir import stablehlo
from ..element_types import NUMPY_DTYPES, kind_of, shape_of
from ..ir_utils import constant_value, i64_array, int_attr
from .registry import emits


def _dims(op):
    return stablehlo.ConvDimensionNumbers(op.attributes["dimension_numbers"])


class _Conv:
    """The attributes of one convolution op, with defaults filled in."""

    def __init__(self, op):
        dims = _dims(op)
        self.dims = dims
        n = self.spatial = len(dims.input_spatial_dimensions)
        self.strides = i64_array(op, "window_strides", [1] * n) or [1] * n
        self.padding = i64_array(op, "padding", [0] * (2 * n)) or [0] * (2 * n)
        self.lhs_dilation = i64_array(op, "lhs_dilation", [1] * n) or [1] * n
        self.rhs_dilation = i64_array(op, "rhs_dilation", [1] * n) or [1] * n
        self.reversal = [bool(r) for r in (i64_array(op, "window_reversal", [False] * n) or [False] * n)]
        self.groups = int_attr(op, "feature_group_count", 1) or 1
        self.batch_groups = int_attr(op, "batch_group_count", 1) or 1
        kernel_shape = shape_of(op.operands[1])
        self.kernel_sizes = [kernel_shape[d] for d in dims.kernel_spatial_dimensions]
        self.k_eff = [(k - 1) * d + 1 for k, d in zip(self.kernel_sizes, self.rhs_dilation)]
        self.kernel_const = constant_value(op.operands[1])

    @property
    def lhs_dilated(self) -> bool:
        return any(d != 1 for d in self.lhs_dilation)

    def transpose_pads(self):
        """conv_transpose pads (a, b) per dim, or None if this form is not one
        conv_transpose."""
        if not self.lhs_dilated or any(s != 1 for s in self.strides):
            return None
        pads = []
        for i, k in enumerate(self.k_eff):
            lo, hi = self.padding[2 * i], self.padding[2 * i + 1]
            a, b = k - 1 - lo, k - 1 - hi
            if a < 0 or b < 0:
                return None
            pads += [a, b]
        return pads


def _conv_check(op):
    c = _Conv(op)
    if c.spatial not in (1, 2, 3):
        return f"with {c.spatial} spatial dimensions is not supported (Core ML conv has 1 to 3)"
    if kind_of(op.results[0]) not in ("f16", "f32"):
        return (
            "on integer tensors is not supported (Core ML conv is float only); hlo-coreml-legalize-int-conv "
            "computes them as exact float32 convolutions and must run first"
        )
    if c.groups > 1 and c.batch_groups > 1:
        return "with both feature_group_count and batch_group_count > 1 is not valid StableHLO"
    return None


def _perm(ctx, var, perm):
    perm = [int(p) for p in perm]
    if perm == sorted(perm):
        return var
    return ctx.mb.transpose(x=var, perm=np.array(perm, dtype=np.int32))


def _dilate(ctx, x, axis: int, factor: int, kind: str):
    """Insert `factor - 1` zeros between the elements of `x` along `axis`
    (without going above rank 4 on the way: a 3-D conv's input or kernel
    is rank 5 already)."""
    from .ops_tensor import dilate_axis

    if factor == 1:
        return x  # (shapes with `?` dims, e.g. a flexible batch, pass here)
    zero = ctx.const(np.zeros([1] * len(x.shape), dtype=NUMPY_DTYPES[kind]))
    return dilate_axis(ctx, x, list(x.shape), axis, factor - 1, zero)


def _crop_negative(ctx, x, padding, spatial):
    """Slice away negative padding (spatial dims start at axis 2); returns
    (x, padding with negatives set to 0)."""
    if all(p >= 0 for p in padding):
        return x, padding
    shape = list(x.shape)
    begin = [0] * len(shape)
    end = list(shape)
    for i in range(spatial):
        lo, hi = padding[2 * i], padding[2 * i + 1]
        begin[2 + i] = max(0, -lo)
        end[2 + i] = shape[2 + i] - max(0, -hi)
    x = ctx.mb.slice_by_index(x=x, begin=np.array(begin, np.int32), end=np.array(end, np.int32))
    return x, [max(0, p) for p in padding]


@emits(
    "stablehlo.convolution",
    check=_conv_check,
    doc=(
        "`conv` (1-3 spatial dims, any layout via `transpose`, strides, padding (negative: `slice_by_index`), "
        "4+ spatial dims split by hlo-coreml-cap-rank into one 3-D conv per kernel tap of one dim, summed, "
        "kernel dilation, window reversal, feature groups; batch groups as feature groups over a re-laid batch); "
        "input (lhs) dilation: `conv_transpose` when window strides are 1 and padding <= dilated kernel - 1, "
        "else zero insertion + `conv`; a non-constant dilated kernel gets its zeros inserted explicitly. Integer "
        "types: exact float32 convolutions (operand limbs when partial sums could pass 2**24; "
        "hlo-coreml-legalize-int-conv), kept fp32 at fp16 precision"
    ),
)
def _convolution(ctx, op):
    mb = ctx.mb
    c = _Conv(op)
    dims = c.dims
    n = c.spatial
    kind = kind_of(op.results[0])
    x, w = ctx.operands(op)
    if kind_of(op.operands[0]) != kind:
        x = ctx.cast(x, kind)
    x = _perm(ctx, x, [dims.input_batch_dimension, dims.input_feature_dimension, *dims.input_spatial_dimensions])
    to_oi = [dims.kernel_output_feature_dimension, dims.kernel_input_feature_dimension, *dims.kernel_spatial_dimensions]
    flip_axes = [2 + i for i, r in enumerate(c.reversal) if r]

    groups = c.groups
    if c.batch_groups > 1:
        # Batch group g is batch rows [g*N/B, (g+1)*N/B) and output features
        # [g*O/B, (g+1)*O/B): a grouped conv over [N/B, B*C, ...].
        # The spatial dims travel as one (rank <= 4 even for 3 spatial dims).
        b = c.batch_groups
        shape = list(x.shape)
        x = ctx.reshape(x, [b, shape[0] // b, shape[1], int(np.prod(shape[2:]))])
        x = mb.transpose(x=x, perm=np.array([1, 0, 2, 3], dtype=np.int32))
        x = ctx.reshape(x, [shape[0] // b, b * shape[1]] + shape[2:])
        groups = b

    transpose_pads = c.transpose_pads()
    if transpose_pads is not None:
        return _finish(ctx, op, _conv_transpose(ctx, c, x, w, to_oi, flip_axes, transpose_pads, groups, kind))

    # Kernel as [O, I/groups, *K], flipped where window_reversal says.
    if c.kernel_const is not None:
        kernel = np.transpose(c.kernel_const, to_oi)
        if flip_axes:
            kernel = np.flip(kernel, axis=flip_axes)
        w = ctx.const(np.ascontiguousarray(kernel.astype(NUMPY_DTYPES[kind], copy=False)))
    else:
        if kind_of(op.operands[1]) != kind:
            w = ctx.cast(w, kind)
        w = _perm(ctx, w, to_oi)
        if flip_axes:
            w = mb.reverse(x=w, axes=np.array(flip_axes, dtype=np.int32))
    w, rhs_dilation = _dilate_dynamic_kernel(ctx, c, w, kind)
    for i, factor in enumerate(c.lhs_dilation):
        x = _dilate(ctx, x, 2 + i, factor, kind)
    x, padding = _crop_negative(ctx, x, c.padding, n)
    out = mb.conv(
        x=x,
        weight=w,
        strides=np.array(c.strides, dtype=np.int32),
        pad_type="custom",
        pad=np.array(padding, dtype=np.int32),
        dilations=np.array(rhs_dilation, dtype=np.int32),
        groups=groups,
    )
    return _finish(ctx, op, out)


def _dilate_dynamic_kernel(ctx, c, w, kind):
    """Core ML refuses dilation with a non-constant kernel ("Convolution with
    dynamic weights does not support dilations"): insert the zeros into the
    kernel [O, I, *K] instead. Returns (kernel, dilations to pass)."""
    if c.kernel_const is None and any(d != 1 for d in c.rhs_dilation):
        for i, factor in enumerate(c.rhs_dilation):
            w = _dilate(ctx, w, 2 + i, factor, kind)
        return w, [1] * c.spatial
    return w, c.rhs_dilation


def _conv_transpose(ctx, c, x, w, to_oi, flip_axes, pads, groups, kind):
    """One conv_transpose: weight [I, O/groups, *K] = the conv kernel
    [O, I/groups, *K] regrouped and flipped spatially."""
    mb = ctx.mb
    n = c.spatial
    spatial_axes = list(range(2, 2 + n))
    if c.kernel_const is not None:
        kernel = np.transpose(c.kernel_const, to_oi)
        if flip_axes:
            kernel = np.flip(kernel, axis=flip_axes)
        o, ig = kernel.shape[:2]
        k = kernel.shape[2:]
        kernel = kernel.reshape((groups, o // groups, ig) + k).swapaxes(1, 2).reshape((ig * groups, o // groups) + k)
        kernel = np.flip(kernel, axis=spatial_axes)
        w = ctx.const(np.ascontiguousarray(kernel.astype(NUMPY_DTYPES[kind])))
        rhs_dilation = c.rhs_dilation
    else:
        if w.dtype != x.dtype:
            w = ctx.cast(w, kind)
        w = _perm(ctx, w, to_oi)
        w, rhs_dilation = _dilate_dynamic_kernel(ctx, c, w, kind)
        o, ig = w.shape[:2]
        k = list(w.shape[2:])
        if groups > 1:
            w = ctx.reshape(w, [groups, o // groups, ig] + k)
            w = mb.transpose(x=w, perm=np.array([0, 2, 1] + list(range(3, 3 + n)), dtype=np.int32))
            w = ctx.reshape(w, [ig * groups, o // groups] + k)
        else:
            w = mb.transpose(x=w, perm=np.array([1, 0] + spatial_axes, dtype=np.int32))
        # window_reversal flips, conv_transpose flips again: flip the rest.
        flips = [a for a in spatial_axes if a not in flip_axes]
        if flips:
            w = mb.reverse(x=w, axes=np.array(flips, dtype=np.int32))
    return mb.conv_transpose(
        x=x,
        weight=w,
        strides=np.array(c.lhs_dilation, dtype=np.int32),
        pad_type="custom",
        pad=np.array(pads, dtype=np.int32),
        dilations=np.array(rhs_dilation, dtype=np.int32),
        groups=groups,
    )


def _finish(ctx, op, out):
    dims = _dims(op)
    from_nc = [dims.output_batch_dimension, dims.output_feature_dimension, *dims.output_spatial_dimensions]
    # `out` is [N, C, *spatial]; put each of those at its output position.
    inverse = [0] * len(from_nc)
    for source, target in enumerate(from_nc):
        inverse[target] = source
    return _perm(ctx, out, inverse)
