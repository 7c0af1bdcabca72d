"""Building blocks shared by hlo-coreml-decompose-linalg's unrolled
factorizations and solves (passes/decompose_linalg.py, passes/linalg_lu.py):
constants, masks, slices, broadcasts, outer products and reductions on
[B.., M, N] tensors, built at the current insertion point and location."""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.element_types import shape_of

def tensor_type(shape, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(shape), element)


def element_of(value):
    return ir.RankedTensorType(value.type).element_type


def slice_(value, axis_ranges: dict[int, tuple[int, int]]):
    shape = list(shape_of(value))
    rank = len(shape)
    begin, end = [0] * rank, list(shape)
    for axis, (lo, hi) in axis_ranges.items():
        axis %= rank
        begin[axis], end[axis] = lo, hi
    if begin == [0] * rank and end == shape:
        return value
    return stablehlo.SliceOp(value, begin, end, [1] * rank).result


def is_complex(value) -> bool:
    return isinstance(element_of(value), ir.ComplexType)


def part_element(element):
    """The element type of the parts of a complex `element` (else itself)."""
    return ir.ComplexType(element).element_type if isinstance(element, ir.ComplexType) else element


def to_element(value, element):
    """A real `value` as `element`: itself when the types agree, else a
    `stablehlo.convert` (real -> complex: imaginary part zero, which
    hlo-coreml-split-complex tracks as zero and skips work on)."""
    if element_of(value) == element:
        return value
    return stablehlo.ConvertOp(tensor_type(shape_of(value), element), value).result


def real_part(value):
    """real(value) for a complex value; the value itself when real."""
    if not is_complex(value):
        return value
    return stablehlo.RealOp(value).result


def conj(value):
    """The complex conjugate complex(real, -imag); a real value unchanged."""
    if not is_complex(value):
        return value
    imag = stablehlo.ImagOp(value).result
    return stablehlo.ComplexOp(stablehlo.RealOp(value).result, stablehlo.NegOp(imag).result).result


def magnitude_1(value):
    """|x| for a real value; |re x| + |im x| for a complex one (BLAS icamax's
    measure, by which LAPACK's complex LU picks its pivots)."""
    if not is_complex(value):
        return stablehlo.AbsOp(value).result
    re = stablehlo.AbsOp(stablehlo.RealOp(value).result).result
    im = stablehlo.AbsOp(stablehlo.ImagOp(value).result).result
    return stablehlo.AddOp(re, im).result


def constant(array: np.ndarray, element) -> ir.Value:
    """A stablehlo.constant of `array` (a splat when all its elements are
    equal) with element type `element` (i1, i32, f16, f32, or complex of
    f16/f32: a real constant converted, imaginary part zero)."""
    if isinstance(element, ir.ComplexType):
        return to_element(constant(np.real(array), part_element(element)), element)
    t = tensor_type(array.shape, element)
    if isinstance(element, ir.IntegerType) and ir.IntegerType(element).width == 1:
        array, make = array.astype(np.bool_), lambda x: ir.BoolAttr.get(bool(x))
    elif isinstance(element, ir.IntegerType):
        array, make = array.astype(np.int32), lambda x: ir.IntegerAttr.get(element, int(x))
    else:
        dtype = np.float16 if isinstance(element, ir.F16Type) else np.float32
        array, make = array.astype(dtype), lambda x: ir.FloatAttr.get(element, float(x))
    if array.size and (array == array.flat[0]).all():
        return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, make(array.flat[0]))).result
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get(np.ascontiguousarray(array), type=t)).result


def batched_constant(array: np.ndarray, batch, element) -> ir.Value:
    """`array` as a constant broadcast (broadcast_in_dim) over leading `batch` dims."""
    value = constant(array, element)
    if not batch:
        return value
    rank = array.ndim
    dims = list(range(len(batch), len(batch) + rank))
    return stablehlo.BroadcastInDimOp(tensor_type([*batch, *array.shape], element), value, dims).result


def mask(shape, kind: str):
    """A constant i1 mask of `shape` [B.., n, n]: the `lower`/`upper`
    triangle with the diagonal, `strict_lower`/`strict_upper`, or `eye`."""
    n = shape[-1]
    i, j = np.indices((n, n))
    m = {
        "lower": i >= j,
        "upper": i <= j,
        "strict_lower": i > j,
        "strict_upper": i < j,
        "eye": i == j,
    }[kind]
    return batched_constant(m, list(shape[:-2]), ir.IntegerType.get_signless(1))


def select_triangle(value, kind: str, other=None):
    """`value` where the `kind` mask holds, else `other` (zeros by default)."""
    shape = shape_of(value)
    if other is None:
        other = constant(np.zeros(shape), element_of(value))
    return stablehlo.SelectOp(mask(shape, kind), value, other).result


def broadcast(value, shape):
    """`value` (same rank as `shape`, size-1 dims) broadcast to `shape`."""
    if tuple(shape_of(value)) == tuple(shape):
        return value
    rank = len(shape)
    return stablehlo.BroadcastInDimOp(tensor_type(shape, element_of(value)), value, list(range(rank))).result


def outer(u, v):
    """[B.., M, 1] x [B.., 1, N] -> [B.., M, N] as a batched matmul with K = 1."""
    us, vs = shape_of(u), shape_of(v)
    batch = list(range(len(us) - 2))
    rank = len(us)
    dims = stablehlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=batch,
        rhs_batching_dimensions=batch,
        lhs_contracting_dimensions=[rank - 1],
        rhs_contracting_dimensions=[rank - 2],
    )
    out = tensor_type([*us[:-1], vs[-1]], element_of(u))
    return stablehlo.DotGeneralOp(out, u, v, dims).result


def reshape(value, shape):
    if tuple(shape_of(value)) == tuple(shape):
        return value
    return stablehlo.ReshapeOp(tensor_type(shape, element_of(value)), value).result


def transpose_last_two(value, conjugate: bool = False):
    """The transpose of the last two dims (the adjoint with `conjugate`)."""
    rank = len(shape_of(value))
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    out = stablehlo.TransposeOp(value, perm).result
    return conj(out) if conjugate else out


def first_failure_info(pivots, batch, element, ok_direction: str = "GT"):
    """LAPACK's info: the 1-based index of the first pivot ([B.., 1, 1]
    each) for which `pivot <ok_direction> 0` fails, else 0; i32 of shape
    `batch`. potrf: GT (a NaN pivot fails); getrf: NE (only an exact zero
    fails, as LAPACK tests `A(j, j) .NE. ZERO`)."""
    n = len(pivots)
    row = pivots[0] if n == 1 else stablehlo.ConcatenateOp(pivots, len(batch) + 1).result  # [B.., 1, n]
    p = reshape(row, [*batch, n])
    i32 = ir.IntegerType.get_signless(32)
    zero = constant(np.zeros([*batch, n]), element)
    ok = stablehlo.CompareOp(p, zero, stablehlo.ComparisonDirectionAttr.get(ok_direction)).result
    big = n + 1
    index = batched_constant(np.arange(1, n + 1), batch, i32)
    sentinel = constant(np.full([*batch, n], big), i32)
    failed_at = stablehlo.SelectOp(ok, sentinel, index).result
    scalar = tensor_type([], i32)
    init = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(scalar, ir.IntegerAttr.get(i32, big))).result
    reduce = stablehlo.ReduceOp([tensor_type(batch, i32)], [failed_at], [init], [len(batch)])
    block = reduce.regions[0].blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        stablehlo.ReturnOp([stablehlo.MinOp(block.arguments[0], block.arguments[1]).result])
    first = reduce.results[0]
    none = stablehlo.CompareOp(
        first, constant(np.full(batch, big), i32), stablehlo.ComparisonDirectionAttr.get("EQ")
    ).result
    return stablehlo.SelectOp(none, constant(np.zeros(batch), i32), first).result


def reduce(value, axis: int, init: float | int, body):
    """`value` reduced over one `axis` with the binary op class `body`
    (stablehlo.AddOp, MaxOp, MinOp) from `init`; the axis is removed."""
    shape = list(shape_of(value))
    element = element_of(value)
    axis %= len(shape)
    scalar = tensor_type([], element)
    init_value = constant(np.array(init), element)
    out = tensor_type(shape[:axis] + shape[axis + 1 :], element)
    op = stablehlo.ReduceOp([out], [value], [init_value], [axis])
    block = op.regions[0].blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        stablehlo.ReturnOp([body(block.arguments[0], block.arguments[1]).result])
    return op.results[0]
