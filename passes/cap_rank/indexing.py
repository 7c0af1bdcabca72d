"""Gathers and scatters that index too many dims for hlo-coreml-cap-rank.

The direct rule (plan.py) keeps every indexed dim D_k of a canonical
gather / scatter apart (operand [D_0..D_{K-1}, R...]), so an operand that
indexes five or six dims of a rank-6 value stays at rank 6. The fallback
linearizes the index instead: the operand is viewed as [D, R] with
D = D_0 * .. * D_{K-1} and R the product of the window dims (row-major, so
element (i_0, .., i_{K-1}, r) of the operand is element
(sum_k i_k * stride_k, r) of the view, stride_k = D_{k+1} * .. * D_{K-1}),
the index vector [B..., K] becomes one linear index [B, 1], and the op
runs on rank-2 views:

    gather:  [D, R], indices [B, 1] -> [B, R]
    scatter: [D, R], indices [B, 1], updates [B, R] -> [D, R]

The map from in-bounds index vectors to linear indices is one-to-one, so
this is exact when every index is in bounds. A gather's start indices are
clamped per component to [0, D_k - 1] first, as StableHLO does, unless the
op carries `hlo_coreml.in_bounds` (hlo-coreml-legalize-gather-scatter
clamped them already); clamping after linearizing would pick other
elements. A scatter skips out-of-bounds updates, which a linear index
cannot express, so only a scatter marked `hlo_coreml.in_bounds` (out-of-
range writes already redirected into padding) is linearized.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hlo_coreml._mlir import ir, stablehlo

from ..ir_build import ranked, reshape, shape_of, tensor_type
from .common import _collapsed
from .plan import _indexing_layout

if TYPE_CHECKING:
    from .rewriter import _Rewriter

IN_BOUNDS = "hlo_coreml.in_bounds"


def can_linearize(op) -> bool:
    """Whether the fallback applies to this canonical gather / scatter."""
    name = op.operation.name
    if name not in ("stablehlo.gather", "stablehlo.scatter"):
        return True
    k, _ = _indexing_layout(op)
    element = tensor_type(op.operands[1]).element_type
    if not isinstance(element, ir.IntegerType) or element.width < 32:
        return False
    limit = 2 ** (element.width - 1) - 1 if not element.is_unsigned else 2**element.width - 1
    if math.prod(shape_of(op.operands[0])[:k]) > limit:
        return False
    return name == "stablehlo.gather" or IN_BOUNDS in op.attributes


def _splat(element, shape, value):
    t = ranked(shape, element)
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, ir.IntegerAttr.get(element, int(value)))).result


def linear_index(indices, shape, dims, clamp: bool):
    """[B..., K] index vectors (`indices`, any collapsed view of a tensor
    of `shape`) into dims `dims` (K of them) -> [B, 1] row-major linear
    indices; each component clamped to [0, dims[k] - 1] first when
    `clamp`."""
    b = math.prod(shape[:-1])
    k = shape[-1]
    element = tensor_type(indices).element_type
    flat = reshape(indices, [b, k])
    total = None
    for c in range(k):
        column = flat if k == 1 else stablehlo.SliceOp(flat, [0, c], [b, c + 1], [1, 1]).result
        if clamp:
            column = stablehlo.ClampOp(_splat(element, [], 0), column, _splat(element, [], dims[c] - 1)).result
        stride = math.prod(dims[c + 1 :])
        if stride != 1:
            column = stablehlo.MulOp(column, _splat(element, [b, 1], stride)).result
        total = column if total is None else stablehlo.AddOp(total, column).result
    return total


def fallback_gather(rw: _Rewriter, op) -> list:
    k, _ = _indexing_layout(op)
    x, indices = op.operands[0], op.operands[1]
    xshape = shape_of(x)
    d, r = math.prod(xshape[:k]), math.prod(xshape[k:])
    b = math.prod(shape_of(indices)[:-1])
    view = [d, r] if k < len(xshape) else [d]
    operand = reshape(rw.in_form(x), view)
    index = linear_index(rw.in_form(indices), shape_of(indices), xshape[:k], clamp=IN_BOUNDS not in op.attributes)
    windowed = len(view) == 2
    new = op.operation.clone()
    new.operands[0] = operand
    new.operands[1] = index
    new.results[0].set_type(ranked([b, r] if windowed else [b], tensor_type(op.results[0]).element_type))
    new.attributes["dimension_numbers"] = stablehlo.GatherDimensionNumbers.get(
        offset_dims=[1] if windowed else [],
        collapsed_slice_dims=[0],
        operand_batching_dims=[],
        start_indices_batching_dims=[],
        start_index_map=[0],
        index_vector_dim=1,
    )
    new.attributes["slice_sizes"] = ir.DenseI64ArrayAttr.get([1, r] if windowed else [1])
    result = op.results[0]
    return [reshape(new.results[0], _collapsed(shape_of(result), rw.value_cuts(result)))]


def fallback_scatter(rw: _Rewriter, op) -> list:
    k, _ = _indexing_layout(op)
    x, indices, updates = op.operands[0], op.operands[1], op.operands[2]
    xshape = shape_of(x)
    d, r = math.prod(xshape[:k]), math.prod(xshape[k:])
    b = math.prod(shape_of(indices)[:-1])
    windowed = k < len(xshape)
    operands = [
        reshape(rw.in_form(x), [d, r] if windowed else [d]),
        linear_index(rw.in_form(indices), shape_of(indices), xshape[:k], clamp=False),
        reshape(rw.in_form(updates), [b, r] if windowed else [b]),
    ]
    new = op.operation.clone()  # inserted here, after its operands
    for j, value in enumerate(operands):
        new.operands[j] = value
    new.results[0].set_type(ranked([d, r] if windowed else [d], tensor_type(op.results[0]).element_type))
    new.attributes["scatter_dimension_numbers"] = stablehlo.ScatterDimensionNumbers.get(
        update_window_dims=[1] if windowed else [],
        inserted_window_dims=[0],
        input_batching_dims=[],
        scatter_indices_batching_dims=[],
        scattered_dims_to_operand_dims=[0],
        index_vector_dim=1,
    )
    result = op.results[0]
    return [reshape(new.results[0], _collapsed(shape_of(result), rw.value_cuts(result)))]


INDEXING_FALLBACKS = {
    "stablehlo.gather": fallback_gather,
    "stablehlo.scatter": fallback_scatter,
}

__all__ = ["INDEXING_FALLBACKS", "can_linearize", "linear_index"]
