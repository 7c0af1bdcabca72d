"""Patterns for the deprecated `dot`, `einsum` and `unary_einsum`: each
becomes a dot_general (plus reduces/transposes), which the canonical
pattern then takes."""

from __future__ import annotations

import re

from hlo_coreml._mlir import ir, stablehlo

from .common import _dot_general, _element, _optional_attrs, _shape, _static, _tensor, _transpose


def dot_to_dot_general(op, rewriter):
    """stablehlo.dot ([M?, K] x [K, N?]) is already canonical as a dot_general."""
    if not _static(op.lhs, op.rhs):
        return True
    lrank = len(_shape(op.lhs))
    with rewriter.ip, op.location:
        out = _dot_general(op.result.type, op.lhs, op.rhs, [], [], [lrank - 1], [0], _optional_attrs(op))
    rewriter.replace_op(op, [out])
    return False


_EINSUM = re.compile(r"^\s*([a-zA-Z]*)\s*(?:,\s*([a-zA-Z]*)\s*)?->\s*([a-zA-Z]*)\s*$")


def _parse_einsum(config: str, operands: int):
    """(input label strings, output labels) of an einsum config without
    ellipses or repeated labels within one operand; None otherwise."""
    m = _EINSUM.match(config)
    if not m or (m.group(2) is None) != (operands == 1):
        return None
    inputs = [m.group(1)] + ([m.group(2)] if operands == 2 else [])
    out = m.group(3)
    if any(len(set(s)) != len(s) for s in [*inputs, out]):
        return None
    if not set(out) <= set("".join(inputs)):
        return None
    return inputs, out


def einsum_to_dot_general(op, rewriter):
    """einsum "lhs,rhs->out" -> (reduce of labels only one side has and the
    output lacks) + dot_general + transpose into the output order."""
    config = ir.StringAttr(op.attributes["einsum_config"]).value
    parsed = _parse_einsum(config, 2)
    if parsed is None or not _static(op.lhs, op.rhs):
        return True
    (ls, rs), out = parsed
    result_element = _element(op.result)
    with rewriter.ip, op.location:
        lhs, ls = _sum_labels(op.lhs, ls, keep=set(rs) | set(out))
        rhs, rs = _sum_labels(op.rhs, rs, keep=set(ls) | set(out))
        batch = [c for c in out if c in ls and c in rs]
        contract = [c for c in ls if c in rs and c not in out]
        lfree = [c for c in ls if c not in rs]
        rfree = [c for c in rs if c not in ls]
        order = batch + lfree + rfree
        sizes = dict(zip(ls, _shape(lhs))) | dict(zip(rs, _shape(rhs)))
        value = _dot_general(
            _tensor([sizes[c] for c in order], result_element),
            lhs,
            rhs,
            [ls.index(c) for c in batch],
            [rs.index(c) for c in batch],
            [ls.index(c) for c in contract],
            [rs.index(c) for c in contract],
            {},
        )
        value = _transpose(value, [order.index(c) for c in out])
    rewriter.replace_op(op, [value])
    return False


def unary_einsum_to_reduce_transpose(op, rewriter):
    """unary_einsum "in->out" -> reduce (labels not in out) + transpose."""
    config = ir.StringAttr(op.attributes["einsum_config"]).value
    parsed = _parse_einsum(config, 1)
    if parsed is None or not _static(op.operand):
        return True
    (labels,), out = parsed
    with rewriter.ip, op.location:
        value, labels = _sum_labels(op.operand, labels, keep=set(out))
        value = _transpose(value, [labels.index(c) for c in out])
    rewriter.replace_op(op, [value])
    return False


def _sum_labels(value, labels: str, keep: set):
    """Sum `value` over the dims whose label is not in `keep` (a
    stablehlo.reduce with an add body); returns (value, remaining labels)."""
    drop = [i for i, c in enumerate(labels) if c not in keep]
    if not drop:
        return value, labels
    element = _element(value)
    shape = _shape(value)
    scalar = _tensor([], element)
    if isinstance(element, ir.IntegerType):
        zero = ir.IntegerAttr.get(element, 0)
    else:
        zero = ir.FloatAttr.get(element, 0.0)
    init = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(scalar, zero)).result
    kept = [i for i in range(len(labels)) if i not in drop]
    reduce = stablehlo.ReduceOp([_tensor([shape[i] for i in kept], element)], [value], [init], drop)
    block = reduce.regions[0].blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        total = stablehlo.AddOp(block.arguments[0], block.arguments[1]).result
        stablehlo.ReturnOp([total])
    return reduce.results[0], "".join(labels[i] for i in kept)
