"""Shared helpers of hlo-coreml-dot-general-to-matmul: shapes, transposes
and reshapes that compose with the ones producing their operand, and the
stand-in sizes that let the planner handle `?` dims."""

from __future__ import annotations

from hlo_coreml._mlir import ir, stablehlo
from hlo_coreml.ir_utils import i64_array

_MAX_RANK = 5


def _shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _element(value) -> ir.Type:
    return ir.RankedTensorType(value.type).element_type


def _static(*values) -> bool:
    for v in values:
        t = v.type
        if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
            return False
    return True


def _tensor(shape, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(_real([int(d) for d in shape]), element)


def _producer(value, name: str):
    """The op named `name` that defines `value`, or None."""
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.operation.name != name:
        return None
    return owner


def _producer_perm(value):
    """(permutation, has one use) of the transpose defining `value`, or None."""
    inner = _producer(value, "stablehlo.transpose")
    if inner is None:
        return None
    return i64_array(inner, "permutation"), len(list(value.uses)) == 1


def _transpose(value, perm):
    """transpose(value, perm); a transpose of a transpose becomes one
    transpose, an identity none (canonicalize does neither in this jaxlib)."""
    perm = [int(p) for p in perm]
    inner = _producer(value, "stablehlo.transpose")
    if inner is not None:
        inner_perm = i64_array(inner, "permutation")
        value, perm = inner.operands[0], [inner_perm[p] for p in perm]
    if perm == list(range(len(perm))):
        return value
    shape = _shape(value)
    result = _tensor([shape[p] for p in perm], _element(value))
    return stablehlo.TransposeOp(value, perm, results=[result]).result


def _reshape(value, shape):
    """reshape(value, shape); a reshape of a reshape becomes one reshape,
    an identity none."""
    inner = _producer(value, "stablehlo.reshape")
    if inner is not None:
        value = inner.operands[0]
    if _same_layout(_shape(value), list(shape)) or _shape(value) == _real(shape):
        return value
    return stablehlo.ReshapeOp(_tensor(shape, _element(value)), value).result


def _dims(op):
    d = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    return (
        list(d.lhs_batching_dimensions),
        list(d.rhs_batching_dimensions),
        list(d.lhs_contracting_dimensions),
        list(d.rhs_contracting_dimensions),
    )


def _optional_attrs(op) -> dict:
    """precision_config / algorithm of a dot or dot_general, to carry over."""
    out = {}
    for name in ("precision_config", "algorithm"):
        if name in op.attributes:
            out[name] = op.attributes[name]
    return out


def _dot_general(result_type, lhs, rhs, lb, rb, lc, rc, attrs):
    dims = stablehlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=list(lb),
        rhs_batching_dimensions=list(rb),
        lhs_contracting_dimensions=list(lc),
        rhs_contracting_dimensions=list(rc),
    )
    return stablehlo.DotGeneralOp(result_type, lhs, rhs, dims, **attrs).result


_STAND_IN = 1 << 40


def _stand_ins(*shapes):
    """`shapes` with each `?` dim replaced by a size no real dim has. A
    dynamic dim that appears in several shapes gets one stand-in per
    appearance: the plans that are kept never reshape such a dim, so they
    only move it, and `_real` maps every stand-in back to `?`."""
    out, count = [], 0
    for shape in shapes:
        new = []
        for d in shape:
            if ir.ShapedType.is_dynamic_size(d):
                d = _STAND_IN + count
                count += 1
            new.append(d)
        out.append(new)
    return out


def _same_layout(have, want) -> bool:
    """Equal shapes, a stand-in (`?` dim) matching any other stand-in: a
    reshape between them would change nothing."""
    def dynamic(d):
        return d >= _STAND_IN or ir.ShapedType.is_dynamic_size(d)

    return len(have) == len(want) and all(h == w or (dynamic(h) and dynamic(w)) for h, w in zip(have, want))


def _real(shape):
    return [ir.ShapedType.get_dynamic_size() if d >= _STAND_IN else d for d in shape]
