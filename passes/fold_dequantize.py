"""hlo-coreml-fold-dequantize: weights quantized in JAX stay small integers.

A weight written in the program as

    q.astype(f) * scale            or    (q.astype(f) - zero_point) * scale

(either operand order, any reshapes of the product following it), where `q`
is an int4 / uint4 / int8 / uint8 `stablehlo.constant` and `scale` and
`zero_point` are float constants reaching the multiply through
`broadcast_in_dim` / `reshape` / float `convert` ops, becomes one composite

    %w = stablehlo.composite "hlo_coreml.dequantize" () {composite_attributes =
           {data = dense<...> : tensor<...xi8 | ui8>, storage = "int4" | "uint4" | "int8" | "uint8",
            scale = dense<...> : tensor<...xf32>[, offset = dense<...> : tensor<...xf32>]}}

with `w = scale * (data - offset)` blockwise: `data` has the result's
shape; `scale` (and `offset`) have its rank, and each of their dims divides
the result's, scale[i0, j0, ...] applying to the block (i0 * bi .. , j0 *
bj .. ) with bi = dim_i / scale.shape[i]. The block sizes are the largest
ones over which both scale and zero point are constant (per tensor, per
channel, per block of 32 along the input, ...), checked exactly on the
values (at worst blocks of one element). A product whose integers plus
fp32 scales and offsets would not be smaller than the float weight is left
alone. The emitter turns the
composite into `constexpr_blockwise_shift_scale` (iOS18), or for int8/uint8
per-tensor or per-channel scales below iOS18 into
`constexpr_affine_dequantize` (iOS16); else into the float constant.

The decomposition (the composite's reference semantics) converts the same
integers, subtracts the offset and multiplies by the scale, both expanded
blockwise with broadcast_in_dim and reshape. Integer values are read with
StableHLO's interpreter (the bindings cannot read i4 attributes).

Afterwards each matched product is a zero-operand composite and the
constants, converts and broadcasts that only fed it are erased; everything
else is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import func, ir, stablehlo

from .constant_eval import evaluate_constants
from .registry import ModulePass, register_pass

DEQUANTIZE = "hlo_coreml.dequantize"
# (width, signed) of the integer constant -> storage name
_STORAGE = {(4, True): "int4", (4, False): "uint4", (8, True): "int8", (8, False): "uint8"}
_PASS_THROUGH = ("stablehlo.broadcast_in_dim", "stablehlo.reshape", "stablehlo.convert")


@register_pass
@dataclass(frozen=True)
class FoldDequantizePass(ModulePass):
    """Recognize `q.astype(f) * scale` and `(q.astype(f) - zero_point) *
    scale` on int4/uint4/int8/uint8 constants and replace each by a
    `hlo_coreml.dequantize` composite holding the integers, the blockwise
    scale and offset (see the module docstring for the exact form); the ops
    that only fed it are erased."""

    name: ClassVar[str] = "hlo-coreml-fold-dequantize"
    summary: ClassVar[str] = "Keep quantized JAX weights (int4/int8 * scale) as integers: hlo_coreml.dequantize"

    def run(self, module, pass_) -> None:
        matches = []
        for op in module.regions[0].blocks[0].operations:
            if op.operation.name != "func.func":
                continue
            for block in op.regions[0].blocks:
                for inner in block.operations:
                    if inner.operation.name == "stablehlo.multiply":
                        m = _match(inner)
                        if m is not None:
                            matches.append(m)
        if not matches:
            return
        i32 = ir.IntegerType.get_signless(32, module.context)

        def widen(v):
            t = ir.RankedTensorType(v.type)
            return [stablehlo.ConvertOp(ir.RankedTensorType.get(list(t.shape), i32), v).result]

        values = evaluate_constants([m.q for m in matches], widen)
        counter = [0]
        for m, [q] in zip(matches, values):
            _rewrite(module, m, q, counter)


@dataclass
class _Match:
    multiply: object
    root: object  # the multiply or the last reshape after it
    q: object  # the integer stablehlo.constant op
    storage: str
    scale_chain: list  # [constant op, pass-through ops...] ending at the multiply operand
    zero_chain: list | None
    chain_ops: list = field(default_factory=list)  # ops to erase when dead, producers first (root last)


def _owner(value):
    owner = value.owner
    return None if isinstance(owner, ir.Block) else owner


def _float_type(t) -> bool:
    return isinstance(t, (ir.F32Type, ir.F16Type, ir.F64Type))


def _static_float_tensor(value) -> bool:
    t = value.type
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        return False
    return _float_type(t.element_type)


def _const_chain(value):
    """[constant, op, op, ...] if `value` is a float constant seen through
    broadcast_in_dim / reshape / float convert ops; else None."""
    chain = []
    while True:
        owner = _owner(value)
        if owner is None or not _static_float_tensor(value):
            return None
        name = owner.operation.name
        if name == "stablehlo.constant":
            return [owner] + chain[::-1]
        if name not in _PASS_THROUGH:
            return None
        chain.append(owner)
        value = owner.operation.operands[0]


def _int_constant(value):
    """(constant op, storage) if `value` = convert(int4/uint4/int8/uint8
    constant) to a float type."""
    owner = _owner(value)
    if owner is None or owner.operation.name != "stablehlo.convert":
        return None
    source = owner.operation.operands[0]
    c = _owner(source)
    if c is None or c.operation.name != "stablehlo.constant":
        return None
    t = ir.RankedTensorType(source.type)
    if not isinstance(t.element_type, ir.IntegerType):
        return None
    it = ir.IntegerType(t.element_type)
    storage = _STORAGE.get((it.width, not it.is_unsigned))
    return (c, owner, storage) if storage is not None and t.has_static_shape else None


def _match(mul) -> _Match | None:
    if not _static_float_tensor(mul.result):
        return None
    lhs, rhs = mul.operation.operands
    for x, s in ((lhs, rhs), (rhs, lhs)):
        scale_chain = _const_chain(s)
        if scale_chain is None:
            continue
        zero_chain, chain_ops = None, []
        found = _int_constant(x)
        if found is None:
            sub = _owner(x)
            if sub is None or sub.operation.name != "stablehlo.subtract":
                continue
            found = _int_constant(sub.operation.operands[0])
            zero_chain = _const_chain(sub.operation.operands[1])
            if found is None or zero_chain is None:
                continue
            chain_ops = [sub]
        q, convert, storage = found
        root, reshapes = mul, []
        while len(list(root.result.uses)) == 1:
            user = next(iter(root.result.uses)).owner
            if user.operation.name != "stablehlo.reshape":
                break
            root = user
            reshapes.append(user)
        ops = [q, convert, *scale_chain, *(zero_chain or []), *chain_ops, mul, *reshapes]
        return _Match(mul, root, q, storage, scale_chain, zero_chain, ops)
    return None


def _dense(attr, shape) -> np.ndarray:
    attr = ir.DenseElementsAttr(attr)
    values = np.asarray(attr)
    if attr.is_splat:
        return np.full(shape, values.reshape(-1)[0], dtype=values.dtype)
    return values.reshape(shape)


_NP_FLOAT = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


def _np_float(element) -> type:
    return _NP_FLOAT[str(element)]


def _replay(chain) -> np.ndarray:
    """The value of a constant chain, computed in NumPy op by op."""
    const = chain[0]
    t = ir.RankedTensorType(const.result.type)
    value = _dense(const.attributes["value"], tuple(t.shape))
    for op in chain[1:]:
        out = ir.RankedTensorType(op.result.type)
        name = op.operation.name
        if name == "stablehlo.convert":
            value = value.astype(_np_float(out.element_type))
        elif name == "stablehlo.reshape":
            value = value.reshape(tuple(out.shape))
        else:  # broadcast_in_dim
            dims = list(ir.DenseI64ArrayAttr(op.attributes["broadcast_dimensions"]))
            shape = [1] * out.rank
            for i, d in enumerate(dims):
                shape[d] = value.shape[i]
            value = np.broadcast_to(value.reshape(shape), tuple(out.shape))
    return value


def _blocks(arrays, shape) -> list[int]:
    """Per dim, the largest block size dividing it over which every array
    is constant along that dim: the gcd of the dim and of every position
    where some array's value changes along it."""
    import math

    out = []
    for axis, d in enumerate(shape):
        b = d
        for a in arrays:
            if d > 1:
                changes = np.diff(a, axis=axis) != 0
                others = tuple(i for i in range(a.ndim) if i != axis)
                positions = np.nonzero(changes.any(axis=others) if others else changes)[0] + 1
                for p in positions:
                    b = math.gcd(b, int(p))
        out.append(b)
    return out


def _compact(a: np.ndarray, blocks) -> np.ndarray:
    index = tuple(slice(None, None, b) for b in blocks)
    return np.ascontiguousarray(a[index])


def _rewrite(module, m: _Match, q: np.ndarray, counter) -> None:
    result_type = ir.RankedTensorType(m.root.result.type)
    shape = tuple(result_type.shape)
    element = result_type.element_type
    scale = np.asarray(_replay(m.scale_chain), np.float64)
    zero = np.asarray(_replay(m.zero_chain), np.float64) if m.zero_chain is not None else None
    mul_shape = tuple(ir.RankedTensorType(m.multiply.result.type).shape)
    if scale.shape != mul_shape or (zero is not None and zero.shape != mul_shape) or q.shape != mul_shape:
        return
    q, scale = q.reshape(shape), scale.reshape(shape)
    zero = zero.reshape(shape) if zero is not None else None
    arrays = [scale] + ([zero] if zero is not None else [])
    blocks = _blocks(arrays, shape)
    scale_c = _compact(scale, blocks).astype(np.float32)
    zero_c = _compact(zero, blocks).astype(np.float32) if zero is not None else None
    if not np.array_equal(scale_c.astype(np.float64), _compact(scale, blocks)):
        return  # an f64 scale that f32 cannot hold exactly
    bits = 4 if m.storage.endswith("4") else 8
    float_bytes = q.size * np.dtype(_np_float(element)).itemsize
    if q.size * bits // 8 + 4 * (scale_c.size + (zero_c.size if zero_c is not None else 0)) >= float_bytes:
        return  # scales (nearly) per element: storing them saves nothing
    unsigned = m.storage.startswith("u")
    data_element = ir.IntegerType.get_unsigned(8) if unsigned else ir.IntegerType.get_signless(8)
    data_type = ir.RankedTensorType.get(list(shape), data_element)
    data = ir.DenseElementsAttr.get(np.ascontiguousarray(q.astype(np.uint8 if unsigned else np.int8)), type=data_type)
    f32 = ir.F32Type.get()
    attrs = {
        "data": data,
        "storage": ir.StringAttr.get(m.storage),
        "scale": ir.DenseElementsAttr.get(scale_c, type=ir.RankedTensorType.get(list(scale_c.shape), f32)),
    }
    if zero_c is not None:
        attrs["offset"] = ir.DenseElementsAttr.get(zero_c, type=ir.RankedTensorType.get(list(zero_c.shape), f32))
    name = _decomposition(module, result_type, attrs, blocks, counter)
    with ir.InsertionPoint(m.root.operation), m.root.location:
        composite = stablehlo.CompositeOp(
            [result_type], [], DEQUANTIZE, name, composite_attributes=ir.DictAttr.get(attrs)
        )
    m.root.result.replace_all_uses_with(composite.results[0])
    for op in m.chain_ops[::-1]:
        if all(len(list(res.uses)) == 0 for res in op.operation.results):
            op.operation.erase()


def _expand(value, compact_shape, full_shape, blocks):
    """`value` (compact_shape) repeated blockwise to full_shape."""
    element = ir.RankedTensorType(value.type).element_type
    inter = []
    dims = []
    for i, (c, b) in enumerate(zip(compact_shape, blocks)):
        dims.append(len(inter))
        inter += [c, b]
    t = ir.RankedTensorType.get(inter, element)
    v = stablehlo.BroadcastInDimOp(t, value, dims).result
    return stablehlo.ReshapeOp(ir.RankedTensorType.get(list(full_shape), element), v).result


def _decomposition(module, result_type, attrs, blocks, counter) -> str:
    """A private function computing scale * (data - offset) from the
    composite's attributes; returns its name."""
    table = ir.SymbolTable(module.operation)
    while True:
        counter[0] += 1
        name = f"{DEQUANTIZE}.impl_{counter[0]}"
        if name not in table:
            break
    shape = list(result_type.shape)
    element = result_type.element_type
    full = ir.RankedTensorType.get(shape, element)
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), ir.Location.unknown(module.context):
        fn = func.FuncOp(name, ir.FunctionType.get([], [result_type]), visibility="private")
        with ir.InsertionPoint(fn.add_entry_block()):
            data = stablehlo.ConstantOp(attrs["data"]).result
            w = stablehlo.ConvertOp(full, data).result

            def param(key):
                attr = ir.DenseElementsAttr(attrs[key])
                c = stablehlo.ConstantOp(attr).result
                ctype = ir.RankedTensorType(attr.type)
                c = stablehlo.ConvertOp(ir.RankedTensorType.get(list(ctype.shape), element), c).result
                return _expand(c, list(ctype.shape), shape, blocks)

            if "offset" in attrs:
                w = stablehlo.SubtractOp(w, param("offset")).result
            w = stablehlo.MulOp(w, param("scale")).result
            func.ReturnOp([w])
    return name
