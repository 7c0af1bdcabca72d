"""The attention pattern of hlo-coreml-raise-fused-ops:
`dot_general(softmax(scale * q k^T [+ mask]), v)` on top of a raised
softmax becomes `coreml.scaled_dot_product_attention` (iOS18+)."""

from __future__ import annotations

import math

import numpy as np

from hlo_coreml._mlir import func, ir, stablehlo
from hlo_coreml.emit.ops_fused import SDPA, SOFTMAX
from hlo_coreml.ir_utils import i64_array

from ..dot_general_to_matmul import _transpose
from .common import _MAX_RANK, _const_array, _dynamic, _float_kind, _module_of, _name, _owner, _shape, _type
from .composite import _in_decomposition, _new_function_name
from .region import _constant_eval


def _splat(value) -> float | None:
    """The one value of a splat constant (through broadcasts/converts)."""
    while _name(value) in ("stablehlo.broadcast_in_dim", "stablehlo.convert", "stablehlo.reshape"):
        value = _owner(value).operation.operands[0]
    if _name(value) == "stablehlo.constant":
        a = _const_array(value)
        if a is not None and a.size and a.dtype.kind == "f" and (a == a.reshape(-1)[0]).all():
            return float(a.reshape(-1)[0])
    # sqrt of a constant (Flax's 1/sqrt(depth) before folding)
    if _name(value) == "stablehlo.sqrt":
        inner = _splat(_owner(value).operation.operands[0])
        return None if inner is None or inner < 0 else math.sqrt(inner)
    return None


def _is_reshape_like(value) -> bool:
    """A reshape, or a broadcast_in_dim that only adds unit dims."""
    owner = _owner(value)
    if owner is None:
        return False
    name = owner.operation.name
    if name == "stablehlo.reshape":
        return True
    if name != "stablehlo.broadcast_in_dim":
        return False
    src, dims = _shape(owner.operation.operands[0]), i64_array(owner.operation, "broadcast_dimensions")
    out = _shape(value)
    return dims == sorted(dims) and all(out[d] == n for d, n in zip(dims, src)) and math.prod(out) == math.prod(src)


def _single_use(value) -> bool:
    return len(list(value.uses)) == 1


def _canonical_bmm(op):
    """(lhs, rhs, nb) of a canonical rank-4-or-less batched matmul
    [B.., M, K] x [B.., K, N]; else None."""
    if op.name != "stablehlo.dot_general":
        return None
    d = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    lhs, rhs = op.operands[0], op.operands[1]
    lr, rr = len(_shape(lhs)), len(_shape(rhs))
    nb = len(d.lhs_batching_dimensions)
    if lr != rr or lr != nb + 2 or lr < 3:
        return None
    if list(d.lhs_batching_dimensions) != list(range(nb)) or list(d.rhs_batching_dimensions) != list(range(nb)):
        return None
    if list(d.lhs_contracting_dimensions) != [lr - 1] or list(d.rhs_contracting_dimensions) != [nb]:
        return None
    return lhs, rhs, nb


def _raise_attention(op, rewriter):
    """dot_general(softmax(scores), v) -> coreml.scaled_dot_product_attention."""
    if _in_decomposition(op):
        return True
    if any(_dynamic(v) for v in (op.lhs, op.rhs, op.result)):
        return True  # attention over `?` dims: the softmax alone is raised
    pv = _canonical_bmm(op)
    kind = _float_kind(op.result)
    if pv is None or kind is None:
        return True
    probs, v, _ = pv
    bmm_shape = _shape(probs)
    # the dot-general pass may have merged unit/leading batch dims: look
    # through a reshape that keeps the last two dims
    if _name(probs) == "stablehlo.reshape" and _single_use(probs):
        inner = _owner(probs).operation.operands[0]
        if _shape(inner)[-2:] == bmm_shape[-2:]:
            probs = inner
    soft = _owner(probs)
    if soft is None or soft.operation.name != "stablehlo.composite" or not _single_use(probs):
        return True
    if ir.StringAttr(soft.attributes["name"]).value != SOFTMAX:
        return True
    rank = len(_shape(probs))
    axis = ir.IntegerAttr(ir.DictAttr(soft.attributes["composite_attributes"])["axis"]).value
    if axis != rank - 1:
        return True
    scores = soft.operation.operands[0]
    mask, mask_kind = None, None
    if not _single_use(scores):
        return True
    owner = _owner(scores)
    if owner is not None and owner.operation.name == "stablehlo.select":
        cond, on_true, on_false = owner.operation.operands
        fill = _splat(on_false)
        # A fill of -1e4 or less (GPT-2's) is as good as -inf: exp of it
        # relative to any kept score underflows to 0 in fp16 and fp32.
        if fill is None or fill > -1e4 or not _single_use(on_true) or _shape(cond) != _shape(scores):
            return True
        if fill != -math.inf:
            # A finite fill differs from SDPA's -inf only on rows with no
            # key left (JAX: uniform weights, SDPA: NaN): raise only a
            # constant mask that keeps at least one key in every row.
            known = _constant_eval(cond)
            if known is None or not np.asarray(known, dtype=bool).any(axis=-1).all():
                return True
        mask, mask_kind, scores = cond, "bool", on_true
    elif owner is not None and owner.operation.name == "stablehlo.add":
        a, b = owner.operation.operands
        for s, m in ((a, b), (b, a)):
            if _name(s) in ("stablehlo.dot_general", "stablehlo.multiply", "stablehlo.divide") and _single_use(s):
                mask, mask_kind, scores = m, "float", s
                break
        else:
            return True
    # an optional scale on the scores
    scale = 1.0
    owner = _owner(scores)
    if owner is not None and owner.operation.name in ("stablehlo.multiply", "stablehlo.divide"):
        a, b = owner.operation.operands
        c = _splat(b)
        if c is None and owner.operation.name == "stablehlo.multiply":
            a, b = b, a
            c = _splat(b)
        if c is None or c == 0 or not _single_use(a):
            return True
        scale = c if owner.operation.name == "stablehlo.multiply" else 1 / c
        scores = a
    if _single_use(scores) and _is_reshape_like(scores) and _shape(_owner(scores).operation.operands[0]) == bmm_shape:
        scores = _owner(scores).operation.operands[0]
    qk_op = _owner(scores)
    if qk_op is None or not _single_use(scores) or _shape(scores) != bmm_shape:
        return True
    qk = _canonical_bmm(qk_op.operation)
    if qk is None:
        return True
    q, kt, nb = qk
    if len(bmm_shape) > _MAX_RANK or nb != len(_shape(v)) - 2 or _float_kind(q) != kind or _float_kind(kt) != kind or _float_kind(v) != kind:
        return True
    e = _shape(q)[-1]
    # a scale on the query: transpose(q * c) or q * c
    query_scale_op = None
    q_inner = q
    if _name(q_inner) == "stablehlo.transpose" and _single_use(q_inner):
        q_inner = _owner(q_inner).operation.operands[0]
    qs = _owner(q_inner)
    if qs is not None and qs.operation.name in ("stablehlo.multiply", "stablehlo.divide") and _single_use(q_inner):
        a, b = qs.operation.operands
        c = _splat(b)
        if c is None and qs.operation.name == "stablehlo.multiply":
            a, b = b, a
            c = _splat(b)
        if c is not None and c != 0:
            query_scale_op = (qs, a, c if qs.operation.name == "stablehlo.multiply" else 1 / c)
    if mask is not None and mask_kind == "float" and _float_kind(mask) != kind:
        return True
    with rewriter.ip, op.location:
        query, prescale = q, scale * math.sqrt(e)
        if query_scale_op is not None and abs(scale * query_scale_op[2] * math.sqrt(e) - 1) <= 1e-6:
            # the query carries exactly the 1/sqrt(E) SDPA applies: drop it
            prescale = 1.0
            query = query_scale_op[1]
            if q != q_inner:
                query = _transpose(query, i64_array(_owner(q).operation, "permutation"))
        key = _transpose(kt, list(range(nb)) + [nb + 1, nb])
        if mask is not None and _shape(mask) != bmm_shape:
            mask = stablehlo.ReshapeOp(ir.RankedTensorType.get(list(bmm_shape), _type(mask).element_type), mask).result
        operands = [query, key, v] + ([mask] if mask is not None else [])
        attrs = {}
        if abs(prescale - 1) > 1e-6:
            attrs["query_scale"] = ir.FloatAttr.get(ir.F32Type.get(), prescale)
        name = sdpa_decomposition(op, operands, prescale, mask_kind)
        composite = stablehlo.CompositeOp(
            [op.result.type], operands, SDPA, name, composite_attributes=ir.DictAttr.get(attrs)
        )
    rewriter.replace_op(op, [composite.results[0]])
    rewriter.erase_op(soft)  # a composite is not trivially dead; the rest is
    return False


def sdpa_decomposition(anchor, operands, prescale: float, mask_kind) -> str:
    """softmax(q k^T / sqrt(E) * prescale [+ mask]) v as a private function."""
    module = _module_of(anchor)
    name = _new_function_name(module, f"{SDPA}.impl")
    result_type = anchor.result.type
    types = [v.type for v in operands]
    function_type = ir.FunctionType.get(types, [result_type])
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), ir.Location.unknown():
        fn = func.FuncOp(name, function_type, visibility="private")
        block = fn.add_entry_block()
        with ir.InsertionPoint(block):
            q, k, v = block.arguments[0], block.arguments[1], block.arguments[2]
            qs, ks = _shape(q), _shape(k)
            nb = len(qs) - 2
            element = _type(q).element_type
            kt = stablehlo.TransposeOp(k, list(range(nb)) + [nb + 1, nb]).result
            s_type = ir.RankedTensorType.get(list(qs[:-1]) + [ks[-2]], element)
            dims = stablehlo.DotDimensionNumbers.get(
                lhs_batching_dimensions=list(range(nb)),
                rhs_batching_dimensions=list(range(nb)),
                lhs_contracting_dimensions=[nb + 1],
                rhs_contracting_dimensions=[nb],
            )
            s = stablehlo.DotGeneralOp(s_type, q, kt, dims).result
            factor = prescale / math.sqrt(qs[-1])
            s = stablehlo.MulOp(s, _full(s_type, factor)).result
            if mask_kind == "bool":
                s = stablehlo.SelectOp(block.arguments[3], s, _full(s_type, -math.inf)).result
            elif mask_kind == "float":
                s = stablehlo.AddOp(s, block.arguments[3]).result
            m = _reduce(s, stablehlo.MaxOp, -math.inf)
            e = stablehlo.ExpOp(stablehlo.SubtractOp(s, _bcast(m, s_type)).result).result
            total = _reduce(e, stablehlo.AddOp, 0.0)
            p = stablehlo.DivOp(e, _bcast(total, s_type)).result
            # p [B.., L, S] x v [B.., S, Ev]: the same batch and contracting dims as q x kt
            out = stablehlo.DotGeneralOp(result_type, p, v, dims).result
            func.ReturnOp([out])
    return name


def _full(t, value: float):
    scalar = ir.RankedTensorType.get([], t.element_type)
    c = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(scalar, ir.FloatAttr.get(t.element_type, value))).result
    return stablehlo.BroadcastInDimOp(t, c, []).result


def _reduce(value, combiner, init: float):
    t = _type(value)
    element = t.element_type
    scalar = ir.RankedTensorType.get([], element)
    start = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(scalar, ir.FloatAttr.get(element, init))).result
    out_type = ir.RankedTensorType.get(list(t.shape[:-1]), element)
    reduce = stablehlo.ReduceOp([out_type], [value], [start], [t.rank - 1])
    block = reduce.regions[0].blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        stablehlo.ReturnOp([combiner(block.arguments[0], block.arguments[1]).result])
    return reduce.results[0]


def _bcast(value, t):
    return stablehlo.BroadcastInDimOp(t, value, list(range(t.rank - 1))).result
