"""Convolutions of rank > 5 (4 or more spatial dims) for hlo-coreml-cap-rank:
one spatial dim is peeled off into the batch dim, leaving convolutions of
one rank less summed over that dim's kernel taps.

A convolution is a sum over every kernel position, so over one spatial dim
d with kernel size K_d it is the sum of K_d convolutions that each see one
tap k of that dim:

    out[n, o, y_d, y..] = sum_k conv'(x_k, w[:, :, k, ..])[n, o, y..] ,
    x_k[n, c, y_d, x..] = x_padded[n, c, y_d * stride_d + k * rhs_dilation_d, x..]

where x_padded is the input dilated (lhs_dilation_d - 1 zeros between
elements) and padded (negative = cropped) along d, and conv' is the
convolution over the other spatial dims with their own strides, padding
and dilations. x_k is a strided `slice` of x_padded (its d extent is the
output's, Y_d); y_d becomes part of the batch: the input is transposed once
to [N, X_d, C, ..], so x_k [N, Y_d, C, ..] reshapes to [N * Y_d, C, ..], N
major.
With batch groups (the batch split into batch_group_count contiguous
blocks) each block of N then holds the same n-major runs of Y_d, so the
result batch [N / batch_group_count * Y_d] reshapes to [N', Y_d] as well;
feature groups do not touch the batch. window_reversal on d picks tap
K_d - 1 - k.

The peeled dim is the one with the smallest kernel (fewest convolutions);
a rank-7 convolution is peeled twice. The new transposes, pads, slices and
reshapes around the rank-5 convolutions are ordinary rank-6 ops that the
rest of the pass collapses.
"""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.ir_utils import i64_array, int_attr

from ..ir_build import element_of, ranked, reshape, shape_of, slice_, transpose
from .common import RankProblem, _describe, _rank


def split_convolution(op, max_rank: int) -> bool:
    """Rewrite `op` (a `stablehlo.convolution`) of rank > `max_rank` into
    convolutions of rank <= `max_rank`; False (nothing changed) if it is
    not one. RankProblem if a shape is dynamic."""
    if op.operation.name != "stablehlo.convolution" or _rank(op.operands[0]) <= max_rank:
        return False
    values = [*op.operands, *op.results]
    if not all(ir.RankedTensorType(v.type).has_static_shape for v in values):
        dynamic = next(v for v in values if not ir.RankedTensorType(v.type).has_static_shape)
        raise RankProblem(
            op,
            f"'stablehlo.convolution' on a value of {_describe(dynamic)} is not supported: Core ML's conv "
            "has at most 3 spatial dims, and hlo-coreml-cap-rank splits a convolution with more only when "
            "its shapes are static (specialize the dynamic dims)",
        )
    with ir.InsertionPoint(op.operation), op.location:
        result = _peel(op, op.operands[0], op.operands[1], max_rank)
    op.results[0].replace_all_uses_with(result)
    op.operation.erase()
    return True


def _peel(op, lhs, rhs, max_rank: int) -> ir.Value:
    """The value of `op`'s convolution, with its attributes, on operands
    `lhs`, `rhs` (of `op`'s shapes), as convolutions of rank <= max_rank."""
    dims = stablehlo.ConvDimensionNumbers(op.attributes["dimension_numbers"])
    n = len(dims.input_spatial_dimensions)
    strides = i64_array(op, "window_strides", [1] * n) or [1] * n
    padding = i64_array(op, "padding", [0] * (2 * n)) or [0] * (2 * n)
    lhs_dilation = i64_array(op, "lhs_dilation", [1] * n) or [1] * n
    rhs_dilation = i64_array(op, "rhs_dilation", [1] * n) or [1] * n
    reversal = [bool(r) for r in (i64_array(op, "window_reversal", [False] * n) or [False] * n)]
    kernel_shape = shape_of(rhs)
    out_shape = shape_of(op.results[0])
    sizes = [kernel_shape[k] for k in dims.kernel_spatial_dimensions]
    d = min(range(n), key=lambda i: (sizes[i], i))
    rest = [i for i in range(n) if i != d]
    element = ir.RankedTensorType(op.results[0].type).element_type

    # Canonical layouts: lhs [N, X_d, C, X..] (X_d next to the batch it
    # joins), kernel [O, I, K_d, K..].
    spatial_in = list(dims.input_spatial_dimensions)
    x = transpose(
        lhs,
        [dims.input_batch_dimension, spatial_in[d], dims.input_feature_dimension, *(spatial_in[i] for i in rest)],
    )
    spatial_k = list(dims.kernel_spatial_dimensions)
    w = transpose(
        rhs,
        [
            dims.kernel_output_feature_dimension,
            dims.kernel_input_feature_dimension,
            spatial_k[d],
            *(spatial_k[i] for i in rest),
        ],
    )
    # Dilate and pad X_d.
    lo, hi, interior = padding[2 * d], padding[2 * d + 1], lhs_dilation[d] - 1
    if lo or hi or interior:
        x = _pad(x, 1, lo, hi, interior)
    xs = shape_of(x)
    ws = shape_of(w)
    y_d = out_shape[list(dims.output_spatial_dimensions)[d]]
    n_in = xs[0]
    n_out = out_shape[dims.output_batch_dimension]
    o = out_shape[dims.output_feature_dimension]
    y_rest = [out_shape[list(dims.output_spatial_dimensions)[i]] for i in rest]

    new_dims = stablehlo.ConvDimensionNumbers.get(
        input_batch_dimension=0,
        input_feature_dimension=1,
        input_spatial_dimensions=list(range(2, n + 1)),
        kernel_output_feature_dimension=0,
        kernel_input_feature_dimension=1,
        kernel_spatial_dimensions=list(range(2, n + 1)),
        output_batch_dimension=0,
        output_feature_dimension=1,
        output_spatial_dimensions=list(range(2, n + 1)),
    )
    attributes = {
        "window_strides": [strides[i] for i in rest],
        "padding": np.array([[padding[2 * i], padding[2 * i + 1]] for i in rest], dtype=np.int64),
        "lhs_dilation": [lhs_dilation[i] for i in rest],
        "rhs_dilation": [rhs_dilation[i] for i in rest],
        "window_reversal": [reversal[i] for i in rest],
    }
    out_type = ranked([n_out * y_d, o, *y_rest], element)
    total = None
    for k in range(sizes[d]):
        start = k * rhs_dilation[d]
        limit = start + (y_d - 1) * strides[d] + 1
        x_k = slice_(x, [0, start, *([0] * n)], [xs[0], limit, *xs[2:]], [1, strides[d], *([1] * n)])
        x_k = reshape(x_k, [n_in * y_d, *xs[2:]])
        tap = sizes[d] - 1 - k if reversal[d] else k
        w_k = slice_(w, [0, 0, tap, *([0] * (n - 1))], [ws[0], ws[1], tap + 1, *ws[3:]])
        w_k = reshape(w_k, [ws[0], ws[1], *ws[3:]])
        conv = stablehlo.ConvolutionOp(
            out_type,
            x_k,
            w_k,
            new_dims,
            int_attr(op, "feature_group_count", 1) or 1,
            int_attr(op, "batch_group_count", 1) or 1,
            window_strides=attributes["window_strides"],
            padding=ir.DenseElementsAttr.get(attributes["padding"]),
            lhs_dilation=attributes["lhs_dilation"],
            rhs_dilation=attributes["rhs_dilation"],
            window_reversal=attributes["window_reversal"],
            precision_config=op.attributes["precision_config"] if "precision_config" in op.attributes else None,
        )
        value = conv.result
        if len(out_type.shape) > max_rank:
            value = _peel(conv, x_k, w_k, max_rank)
            conv.operation.erase()
        total = value if total is None else stablehlo.AddOp(total, value).result
    # [N' * Y_d, O, Y..] -> [N', Y_d, O, Y..] -> the result's layout.
    canonical = reshape(total, [n_out, y_d, o, *y_rest])
    spatial_out = list(dims.output_spatial_dimensions)
    axis = {dims.output_batch_dimension: 0, spatial_out[d]: 1, dims.output_feature_dimension: 2}
    for j, i in enumerate(rest):
        axis[spatial_out[i]] = 3 + j
    return transpose(canonical, [axis[p] for p in range(len(out_shape))])


def _pad(x, axis: int, lo: int, hi: int, interior: int) -> ir.Value:
    """`x` padded with zeros along `axis` (negative lo / hi crop)."""
    element = element_of(x)
    scalar = ranked([], element)
    if isinstance(element, ir.IntegerType):
        zero = ir.DenseElementsAttr.get_splat(scalar, ir.IntegerAttr.get(element, 0))
    else:
        zero = ir.DenseElementsAttr.get_splat(scalar, ir.FloatAttr.get(element, 0.0))
    rank = len(shape_of(x))
    low, high, inner = [0] * rank, [0] * rank, [0] * rank
    low[axis], high[axis], inner[axis] = lo, hi, interior
    return stablehlo.PadOp(x, stablehlo.ConstantOp(zero).result, low, high, inner).result


__all__ = ["split_convolution"]
