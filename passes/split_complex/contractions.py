"""hlo-coreml-split-complex handlers for contractions and reductions:
dot_general / convolution (four real products), reduce (sum, product),
scatter (set, add), fft (fft.py)."""

from __future__ import annotations

from hlo_coreml._mlir import ir, stablehlo

from ..scatter_points import body_modes, scatter_body
from .constants import is_complex_type
from .fft import FftLowering, check_fft
from .handlers import handles
from .walker import part_type


@handles("stablehlo.dot_general", "stablehlo.convolution")
def _bilinear(s, op):
    """(a + ib)(c + id) = (ac - bd) + i(ad + bc), each product the same
    dot_general / convolution on real operands."""
    (a, b), (c, d) = s.pair(op.operands[0]), s.pair(op.operands[1])

    def prod(x, y):
        return s.clone_with(op, {0: x, 1: y}).results[0]

    if b is None and d is None:
        return [(prod(a, c), None)]
    if b is None:
        return [(prod(a, c), prod(a, d))]
    if d is None:
        return [(prod(a, c), prod(b, c))]
    return [(s.b.sub(prod(a, c), prod(b, d)), s.b.add(prod(a, d), prod(b, c)))]


def _reduce_check(op):
    from hlo_coreml.emit.ops_reduce import body_op_name

    if len(op.operands) != 2:
        return "with several inputs is not supported (only a single-input sum or product)"
    if body_op_name(op) not in ("stablehlo.add", "stablehlo.multiply"):
        return "is only supported as a sum or a product (a body that adds or multiplies its two arguments)"
    return None


@handles("stablehlo.reduce", check=_reduce_check)
def _reduce(s, op):
    """A sum: one real sum per part. A product: a real product when both
    imaginary parts are zero (JAX's norm="ortho" scale), else in polar form,
    prod |z| (cos sum arg z + i sin sum arg z), times the init value."""
    from hlo_coreml.emit.ops_reduce import body_op_name

    x, init = s.pair(op.operands[0]), s.pair(op.operands[1])
    dims = [int(v) for v in ir.DenseI64ArrayAttr(op.attributes["dimensions"])]
    result_type = part_type(op.results[0].type)
    if body_op_name(op) == "stablehlo.add":
        re = _reduce_real(x[0], init[0], dims, result_type, stablehlo.add)
        im = None
        if x[1] is not None or init[1] is not None:
            im = _reduce_real(s.imag(x), s.imag(init), dims, result_type, stablehlo.add)
        return [(re, im)]
    if x[1] is None and init[1] is None:
        return [(_reduce_real(x[0], init[0], dims, result_type, stablehlo.multiply), None)]
    b = s.b
    one = b.splat(1.0, ir.RankedTensorType.get([], result_type.element_type))
    zero = b.splat(0.0, ir.RankedTensorType.get([], result_type.element_type))
    magnitude = _reduce_real(s.math.abs(x), one, dims, result_type, stablehlo.multiply)
    angle = _reduce_real(s.math.arg(x), zero, dims, result_type, stablehlo.add)
    product = (b.mul(magnitude, b.cos(angle)), b.mul(magnitude, b.sin(angle)))
    init_b = tuple(
        None if v is None else stablehlo.broadcast_in_dim(result_type, v, []) for v in init
    )
    return [s.math.mul(product, init_b)]


def _reduce_real(x, init, dims, result_type, combine):
    reduce = stablehlo.ReduceOp([result_type], [x], [init], dims)
    scalar = ir.RankedTensorType.get([], result_type.element_type)
    body = reduce.body.blocks.append(scalar, scalar)
    with ir.InsertionPoint(body):
        stablehlo.ReturnOp([combine(body.arguments[0], body.arguments[1])])
    return reduce.results[0]


def _scatter_check(op):
    if len(op.results) != 1:
        return "with several operands is not supported"
    modes = body_modes(op)
    if modes is None or modes[0] not in ("update", "add"):
        return (
            "is only supported with a body that returns the update (`.at[].set`) or adds it (`.at[].add`): "
            "other combiners do not act on the real and imaginary parts separately"
        )
    return None


@handles("stablehlo.scatter", check=_scatter_check)
def _scatter(s, op):
    """set / add act on the parts separately: one real scatter per part
    (none for the imaginary part when the updates have none and the body
    adds, or neither operand nor updates have one)."""
    mode = body_modes(op)[0]
    x, u = s.pair(op.operands[0]), s.pair(op.operands[2])
    t = part_type(op.results[0].type)

    def part(xp, up):
        scatter = stablehlo.ScatterOp([t], [xp], op.operands[1], [up], op.attributes["scatter_dimension_numbers"])
        scatter_body(scatter, mode, t.element_type)
        return scatter.results[0]

    re = part(x[0], u[0])
    if u[1] is None and (mode == "add" or x[1] is None):
        return [(re, x[1])]  # adding zeros / setting zeros into zeros
    return [(re, part(s.imag(x), s.imag(u)))]


@handles("stablehlo.fft", check=check_fft)
def _fft(s, op):
    operand = op.operands[0]
    value = s.pair(operand) if is_complex_type(operand.type) else operand
    return [FftLowering(s.b).lower(op, value)]
