"""dot_general in batched-matmul form, and convolution."""

from __future__ import annotations

import numpy as np

from .._mlir import stablehlo
from ..element_types import kind_of, shape_of
from ..ir_utils import constant_value, i64_array, int_attr
from .registry import emits

# -- dot_general ---------------------------------------------------------------


def matmul_form(op):
    """For a dot_general that maps onto one MIL matmul, the tuple
    (num_batch, lhs_is_vector, transpose_x, rhs_is_vector, transpose_y);
    None otherwise.

    The form: batch dims leading and in the same order on both sides, one
    contracting dim per side, at most one free dim per side.
    """
    dims = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    lb, rb = list(dims.lhs_batching_dimensions), list(dims.rhs_batching_dimensions)
    lc, rc = list(dims.lhs_contracting_dimensions), list(dims.rhs_contracting_dimensions)
    nb = len(lb)
    if lb != list(range(nb)) or rb != list(range(nb)) or len(lc) != 1 or len(rc) != 1:
        return None
    lrank, rrank = len(shape_of(op.operands[0])), len(shape_of(op.operands[1]))
    if lrank not in (nb + 1, nb + 2) or rrank not in (nb + 1, nb + 2):
        return None
    lhs_vector, rhs_vector = lrank == nb + 1, rrank == nb + 1
    # lhs [B.., M, K] (or [B.., K, M] -> transpose_x); rhs [B.., K, N] (or [B.., N, K]).
    transpose_x = not lhs_vector and lc[0] == nb
    transpose_y = not rhs_vector and rc[0] == nb + 1
    return nb, lhs_vector, transpose_x, rhs_vector, transpose_y


def _dot_check(op):
    if matmul_form(op) is None:
        return (
            "is not in batched-matmul form (batch dims leading, one contracting and at most "
            "one free dim per side); general dot_general needs hlo-coreml-dot-general-to-matmul"
        )
    if kind_of(op.results[0]) == "i1":
        return "on i1 tensors is not supported"
    return None


@emits("stablehlo.dot_general", check=_dot_check, doc="`matmul` (transpose flags; vectors get a unit dim)")
def _dot_general(ctx, op):
    mb = ctx.mb
    nb, lhs_vector, transpose_x, rhs_vector, transpose_y = matmul_form(op)
    x, y = ctx.operands(op)
    out_kind = kind_of(op.results[0])
    if kind_of(op.operands[0]) != out_kind:
        x = ctx.cast(x, out_kind)
    if kind_of(op.operands[1]) != out_kind:
        y = ctx.cast(y, out_kind)
    if lhs_vector:
        x = mb.expand_dims(x=x, axes=[-2])
    if rhs_vector:
        y = mb.expand_dims(x=y, axes=[-1])
    out = mb.matmul(x=x, y=y, transpose_x=transpose_x, transpose_y=transpose_y)
    return ctx.reshape(out, shape_of(op.results[0]))


# -- convolution ---------------------------------------------------------------


def _conv_layout(op):
    dims = stablehlo.ConvDimensionNumbers(op.attributes["dimension_numbers"])
    return dims


def _conv_check(op):
    dims = _conv_layout(op)
    spatial = len(dims.input_spatial_dimensions)
    if spatial not in (1, 2, 3):
        return f"with {spatial} spatial dimensions is not supported (Core ML conv has 1 to 3)"
    if any(d != 1 for d in i64_array(op, "lhs_dilation")):
        return "with lhs (input) dilation (a transposed convolution) is not supported yet"
    if (int_attr(op, "batch_group_count", 1) or 1) != 1:
        return "with batch_group_count > 1 is not supported yet"
    if any(i64_array(op, "window_reversal")):
        return "with window_reversal is not supported yet"
    if any(p < 0 for p in i64_array(op, "padding")):
        return "with negative padding is not supported yet"
    if kind_of(op.results[0]) not in ("f16", "f32"):
        return "on integer tensors is not supported (Core ML conv is float only)"
    dilated = any(d != 1 for d in i64_array(op, "rhs_dilation"))
    if dilated and constant_value(op.operands[1]) is None:
        return "with a non-constant kernel and dilation is not supported by Core ML"
    return None


def _permutation(first: list[int]) -> list[int]:
    return [int(d) for d in first]


@emits("stablehlo.convolution", check=_conv_check, doc="`conv` (1-3 spatial dims, any layout via `transpose`, groups, strides, padding, kernel dilation)")
def _convolution(ctx, op):
    mb = ctx.mb
    dims = _conv_layout(op)
    spatial = len(dims.input_spatial_dimensions)
    x, w = ctx.operands(op)
    to_nc = _permutation([dims.input_batch_dimension, dims.input_feature_dimension, *dims.input_spatial_dimensions])
    to_oi = _permutation(
        [dims.kernel_output_feature_dimension, dims.kernel_input_feature_dimension, *dims.kernel_spatial_dimensions]
    )
    if to_nc != sorted(to_nc):
        x = mb.transpose(x=x, perm=np.array(to_nc, dtype=np.int32))
    kernel = constant_value(op.operands[1])
    if kernel is not None:
        w = ctx.const(np.ascontiguousarray(np.transpose(kernel, to_oi)))
    elif to_oi != sorted(to_oi):
        w = mb.transpose(x=w, perm=np.array(to_oi, dtype=np.int32))
    strides = i64_array(op, "window_strides", [1] * spatial)
    dilations = i64_array(op, "rhs_dilation", [1] * spatial)
    padding = i64_array(op, "padding", [0] * (2 * spatial))
    out = mb.conv(
        x=x,
        weight=w,
        strides=np.array(strides, dtype=np.int32),
        pad_type="custom",
        pad=np.array(padding, dtype=np.int32),
        dilations=np.array(dilations, dtype=np.int32),
        groups=int_attr(op, "feature_group_count", 1) or 1,
    )
    from_nc = [dims.output_batch_dimension, dims.output_feature_dimension, *dims.output_spatial_dimensions]
    # `out` is [N, C, *spatial]; put each of those at its output position.
    inverse = [0] * len(from_nc)
    for source, target in enumerate(from_nc):
        inverse[target] = source
    if inverse != sorted(inverse):
        out = mb.transpose(x=out, perm=np.array(inverse, dtype=np.int32))
    return out
