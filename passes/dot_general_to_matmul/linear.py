"""Linear fusion: `x . W` with a constant 2-D weight (and a following add
of a constant bias) becomes the `hlo_coreml.linear` composite."""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import func, ir, stablehlo
from hlo_coreml.emit.ops_linalg import LINEAR_COMPOSITE
from hlo_coreml.ir_utils import constant_value, dense_array, i64_array

from .canonical import dot_general_to_matmul
from .common import _dims, _dot_general, _element, _shape, _static, _tensor, _transpose


def dot_general_to_matmul_or_linear(op, rewriter):
    """As `dot_general_to_matmul`, except that `x . W` with a constant 2-D W
    becomes an `hlo_coreml.linear` composite; when its only user is an add of
    a constant bias, the `dot_general_add_to_linear` pattern takes it."""
    if _linear_operands(op) is None:
        return dot_general_to_matmul(op, rewriter)
    if _fusable_add(op) is not None:
        return True  # dot_general_add_to_linear rewrites the add
    with rewriter.ip, op.location:
        out = _linear_composite(op, None)
    rewriter.replace_op(op, [out])
    return False


def dot_general_add_to_linear(op, rewriter):
    """add(dot_general(x, W), bias) -> hlo_coreml.linear(x, W, b)."""
    for this, other in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
        owner = this.owner
        if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.dot_general":
            continue
        dot = owner
        if _linear_operands(dot) is None or _fusable_add(dot) is None:
            continue
        bias = _bias_vector(other, _shape(op.result)[-1])
        if bias is None:
            continue
        with rewriter.ip, op.location:
            b = _bias_constant(other, bias, _element(op.result))
            out = _linear_composite(dot, b)
        rewriter.replace_op(op, [out])
        rewriter.erase_op(dot)
        return False
    return True


def _linear_operands(dot):
    """(x, W, weight contracting dim) when `dot` is x . W with a constant 2-D
    W (or the transpose of one), no batch dims and x contracted on its last
    dim (rank 1-3); else None."""
    if not _static(dot.lhs, dot.rhs, dot.result):
        return None
    lb, rb, lc, rc = _dims(dot)
    x_rank = len(_shape(dot.lhs))
    if lb or rb or len(lc) != 1 or lc[0] != x_rank - 1 or not 1 <= x_rank <= 3:
        return None
    w, contracting = dot.rhs, rc[0]
    if len(_shape(w)) != 2:
        return None
    owner = w.owner
    if not isinstance(owner, ir.Block) and owner.operation.name == "stablehlo.transpose":
        # W.T of a constant W (jnp's `x @ W.T`): use W itself
        w, contracting = owner.operands[0], 1 - contracting
        owner = w.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.constant":
        return None
    result = ir.RankedTensorType(dot.result.type).element_type
    if not (isinstance(result, (ir.F16Type, ir.F32Type)) or (isinstance(result, ir.IntegerType) and result.width == 32)):
        return None
    return dot.lhs, w, contracting


def _fusable_add(dot):
    """The `stablehlo.add` that is the only user of `dot`'s result and adds
    a constant bias varying only along the last dim; else None."""
    uses = list(dot.result.uses)
    if len(uses) != 1:
        return None
    add = uses[0].owner
    if add.name != "stablehlo.add":
        return None
    operands = list(add.operands)
    other = operands[1] if operands[0] == dot.result else operands[0]
    if other == dot.result:
        return None
    n = _shape(dot.result)[-1]
    return add if _bias_vector(other, n) is not None else None


def _bias_vector(value, n: int):
    """If `value` (of the dot's result shape) is a constant, or a chain of
    broadcast_in_dim/reshape of one, that varies only along its last dim,
    that vector ([n], NumPy); else None."""
    return _along_axis(value, len(_shape(value)) - 1, n)


def _along_axis(value, axis: int, n: int, depth: int = 0):
    """The [n] vector `value` holds along `axis`, when it is constant along
    every other axis; None if it is not (or not known to be) a constant."""
    if depth > 8:
        return None
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    name = owner.operation.name
    shape = _shape(value)
    if name == "stablehlo.constant":
        attr = owner.attributes["value"]
        if not isinstance(attr, ir.DenseElementsAttr):
            return None
        if attr.is_splat:
            return np.broadcast_to(np.asarray(attr).reshape(-1)[:1], (n,))
        array = np.moveaxis(dense_array(attr), axis, -1)
        rows = array.reshape(-1, array.shape[-1])
        if not (rows == rows[:1]).all():
            return None
        return np.broadcast_to(rows[0], (n,))
    if name == "stablehlo.broadcast_in_dim":
        dims = i64_array(owner, "broadcast_dimensions")
        source = owner.operands[0]
        source_shape = _shape(source)
        if axis in dims:
            j = dims.index(axis)
            return _along_axis(source, j, n, depth + 1) if source_shape[j] in (1, n) else None
        return _uniform(source, n)  # broadcast along `axis`: one value
    if name == "stablehlo.reshape":
        # a reshape keeping the last dim keeps each element's last index
        source = owner.operands[0]
        source_shape = _shape(source)
        if axis != len(shape) - 1 or not source_shape or source_shape[-1] != shape[-1]:
            return None
        return _along_axis(source, len(source_shape) - 1, n, depth + 1)
    return None


def _uniform(value, n: int):
    """[n] copies of the one value a constant holds everywhere, else None."""
    array = constant_value(value)
    if array is None or array.size == 0:
        return None
    first = array.reshape(-1)[0]
    return np.broadcast_to(first, (n,)) if (array == first).all() else None


def _bias_constant(value, bias: np.ndarray, element: ir.Type):
    """A [n] constant for the bias: the source constant itself when the bias
    is a [n] constant broadcast along the last dim, else a new one."""
    source = value
    while not isinstance(source.owner, ir.Block) and source.owner.operation.name in (
        "stablehlo.broadcast_in_dim",
        "stablehlo.reshape",
    ):
        source = source.owner.operands[0]
    if (
        not isinstance(source.owner, ir.Block)
        and source.owner.operation.name == "stablehlo.constant"
        and _shape(source) == [bias.shape[0]]
        and _element(source) == element
    ):
        return source
    t = _tensor([bias.shape[0]], element)
    array = np.ascontiguousarray(bias, dtype=_numpy_dtype(element))
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get(array, type=t)).result


def _numpy_dtype(element: ir.Type):
    if isinstance(element, ir.F16Type):
        return np.float16
    if isinstance(element, ir.F32Type):
        return np.float32
    return np.int32


def _linear_composite(dot, bias):
    """Build `hlo_coreml.linear(x, W[, b])` for `dot` (and its decomposition)
    at the current insertion point; returns the result value."""
    x, w, contracting = _linear_operands(dot)
    inputs = [x, w] + ([bias] if bias is not None else [])
    result_type = dot.result.type
    decomposition = _linear_decomposition(dot, [v.type for v in inputs], result_type, contracting)
    attrs = ir.DictAttr.get(
        {"weight_contracting_dimension": ir.IntegerAttr.get(ir.IntegerType.get_signless(64), contracting)}
    )
    composite = stablehlo.CompositeOp(
        [result_type],
        inputs,
        LINEAR_COMPOSITE,
        decomposition,
        composite_attributes=attrs,
    )
    return composite.results[0]


def _type_mangle(t) -> str:
    """tensor<8x16xf32> -> 8x16xf32, for function names."""
    t = ir.RankedTensorType(t)
    return "x".join([*(str(d) for d in t.shape), str(t.element_type)])


def _linear_decomposition(anchor, input_types, result_type, contracting: int) -> str:
    """The name of a private function computing `x . W (+ b)` for these
    types, created next to the function holding `anchor` unless one with
    the same name (the name encodes the types) already exists."""
    module = anchor.operation.parent
    while module is not None and module.name != "builtin.module":
        module = module.parent
    function_type = ir.FunctionType.get(list(input_types), [result_type])
    parts = [_type_mangle(t) for t in [*input_types, result_type]]
    base = f"{LINEAR_COMPOSITE}_{'_'.join(parts)}_k{contracting}"
    table = ir.SymbolTable(module.operation)
    name, suffix = base, 0
    while name in table:
        existing = table[name]
        if ir.TypeAttr(existing.attributes["function_type"]).value == function_type:
            return name
        suffix += 1
        name = f"{base}_{suffix}"
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), ir.Location.unknown():
        fn = func.FuncOp(name, function_type, visibility="private")
        block = fn.add_entry_block()
        with ir.InsertionPoint(block):
            x, w = block.arguments[0], block.arguments[1]
            if contracting == 1:
                w = _transpose(w, [1, 0])
            x_rank = len(_shape(x))
            out = _dot_general(result_type, x, w, [], [], [x_rank - 1], [0], {})
            if len(input_types) == 3:
                rank = len(ir.RankedTensorType(result_type).shape)
                b = stablehlo.BroadcastInDimOp(result_type, block.arguments[2], [rank - 1]).result
                out = stablehlo.AddOp(out, b).result
            func.ReturnOp([out])
    return name
