"""dot_general in canonical batched-matmul form and the `hlo_coreml.linear`
composite (convolution is in ops_conv)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import fast_paths
from .._mlir import ir, stablehlo
from ..element_types import NUMPY_DTYPES, kind_of, shape_of
from ..ir_utils import constant_value
from .registry import emits, emits_composite

# -- dot_general ---------------------------------------------------------------
#
# hlo-coreml-dot-general-to-matmul rewrites every dot_general into the
# canonical form below; the emitter accepts nothing else. The form is what
# MIL's `matmul` computes (NumPy matmul semantics):
#
#   lhs [B..., M..., K] x rhs [B..., K, N?] -> [B..., M..., N?]
#
# - batch dims [0, nb) on both sides, in the same order;
# - exactly one contracting dim: the last dim of lhs, dim nb of rhs;
# - rhs has at most one free dim (N, after K); it may be absent (a vector);
# - lhs has at most one free dim (M, before K) when nb > 0; with no batch
#   dims it may have several (MIL broadcasts the 2-D rhs over them, as
#   `x @ W` on [batch, seq, features] does), or none.
#
# The pass and the emitter share `canonical_form` and `matmul_op_count`, so
# the pass can choose among canonical layouts by the MIL ops they cost.


@dataclass(frozen=True)
class MatmulForm:
    """A canonical dot_general: `nb` batch dims, operand ranks."""

    nb: int
    lhs_rank: int
    rhs_rank: int

    @property
    def m_absent(self) -> bool:
        return self.lhs_rank == self.nb + 1

    @property
    def n_absent(self) -> bool:
        return self.rhs_rank == self.nb + 1


def canonical_form(lhs_rank, rhs_rank, lhs_batch, rhs_batch, lhs_contracting, rhs_contracting):
    """The MatmulForm of a dot_general with these dimension numbers, or None
    if it is not in canonical form."""
    lb, rb = list(lhs_batch), list(rhs_batch)
    lc, rc = list(lhs_contracting), list(rhs_contracting)
    nb = len(lb)
    if lb != list(range(nb)) or rb != list(range(nb)):
        return None
    if lc != [lhs_rank - 1] or rc != [nb]:
        return None
    if rhs_rank not in (nb + 1, nb + 2):
        return None
    if lhs_rank < nb + 1 or (nb > 0 and lhs_rank > nb + 2):
        return None
    return MatmulForm(nb, lhs_rank, rhs_rank)


def matmul_form(op) -> MatmulForm | None:
    """The MatmulForm of a `stablehlo.dot_general` op in canonical form, else None."""
    dims = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    return canonical_form(
        len(shape_of(op.operands[0])),
        len(shape_of(op.operands[1])),
        dims.lhs_batching_dimensions,
        dims.rhs_batching_dimensions,
        dims.lhs_contracting_dimensions,
        dims.rhs_contracting_dimensions,
    )


def _vector_trick(form: MatmulForm) -> bool:
    """[M, K] x [K]: computed as matmul(x=rhs, y=lhs, transpose_y) -> [M],
    since a 1-D x is fine (coremltools 9.0 fails type inference on a 1-D y)."""
    return form.nb == 0 and form.n_absent and form.lhs_rank == 2


def matmul_op_count(form: MatmulForm) -> int:
    """MIL ops `_matmul` builds for `form` (casts not counted)."""
    if _vector_trick(form):
        return 1
    expands = int(form.n_absent) + int(form.m_absent and form.nb > 0)
    return 1 + expands + (1 if expands else 0)


def matmul_max_rank(form: MatmulForm) -> int:
    """The highest rank of a MIL value `_matmul` builds for `form`."""
    return max(form.nb + 2, form.lhs_rank)


def _dot_check(op):
    if matmul_form(op) is None:
        return (
            "is not in canonical batched-matmul form (lhs [B..., M, K] x rhs [B..., K, N]: "
            "batch dims leading, one contracting dim, last on lhs and right after the batch "
            "dims on rhs); run hlo-coreml-dot-general-to-matmul first"
        )
    if kind_of(op.results[0]) == "i1":
        return "on i1 tensors is not supported"
    return None


def _linear_ok(form: MatmulForm, weight, out_kind: str) -> bool:
    """MIL `linear` takes x of rank 1-3 and a const 2-D weight."""
    return (
        weight is not None
        and form.nb == 0
        and not form.n_absent
        and form.lhs_rank <= 3
        and out_kind in ("f16", "f32", "i32")
    )


def _linear(ctx, x, weight_value, weight_contracting: int, bias_value, out_kind: str):
    """`linear(x, weight [N, K], bias [N])` from the constants `weight_value`
    (stored [K, N] when `weight_contracting` is 0, else [N, K]) and
    `bias_value` (or None). The re-laid-out constants are built once per
    MLIR constant and shared."""
    dtype = NUMPY_DTYPES[out_kind]
    if weight_contracting == 1 and kind_of(weight_value) == out_kind:
        weight = ctx[weight_value]  # already [N, K]: reuse the emitted const
    else:
        def make_weight():
            w = constant_value(weight_value)
            w = w.T if weight_contracting == 0 else w
            if fast_paths.enabled():
                # A transposed view of the MLIR constant, no copy: NumPy
                # reads it in C order wherever coremltools uses it (the
                # fp16 cast, the weight file), so the model is the same.
                return w.astype(dtype, copy=False)
            return np.ascontiguousarray(w, dtype=dtype)

        weight = ctx.derived_const(weight_value, ("linear-weight", weight_contracting, out_kind), make_weight)
    kwargs = {}
    if bias_value is not None:
        kwargs["bias"] = ctx.derived_const(
            bias_value,
            ("linear-bias", out_kind),
            lambda: np.ascontiguousarray(constant_value(bias_value), dtype=dtype).reshape(-1),
        )
    return ctx.mb.linear(x=x, weight=weight, **kwargs)


def _matmul(ctx, form: MatmulForm, x, y, out_shape):
    """One MIL matmul for a canonical dot_general; vectors get a unit dim
    (never a 1-D `y`: coremltools 9.0 fails type inference on it)."""
    mb = ctx.mb
    if _vector_trick(form):
        return mb.matmul(x=y, y=x, transpose_y=True)
    if form.n_absent:
        y = mb.expand_dims(x=y, axes=[-1])
    if form.m_absent and form.nb > 0:
        x = mb.expand_dims(x=x, axes=[-2])
    return ctx.reshape(mb.matmul(x=x, y=y), out_shape)


@emits(
    "stablehlo.dot_general",
    check=_dot_check,
    doc="canonical form only: `matmul` (vectors get a unit dim), or `linear` for a constant 2-D rhs and lhs rank <= 3",
)
def _dot_general(ctx, op):
    form = matmul_form(op)
    out_kind = kind_of(op.results[0])
    x = ctx[op.operands[0]]
    if kind_of(op.operands[0]) != out_kind:
        x = ctx.cast(x, out_kind)
    weight = constant_value(op.operands[1])
    if _linear_ok(form, weight, out_kind):
        return _linear(ctx, x, op.operands[1], 0, None, out_kind)
    y = ctx[op.operands[1]]
    if kind_of(op.operands[1]) != out_kind:
        y = ctx.cast(y, out_kind)
    return _matmul(ctx, form, x, y, shape_of(op.results[0]))


# -- the hlo_coreml.linear composite ---------------------------------------------
#
# hlo-coreml-dot-general-to-matmul fuses `x . W (+ b)` with a constant 2-D W
# (and a constant bias b broadcast along the last dim) into
#
#   stablehlo.composite "hlo_coreml.linear" %x, %W[, %b]
#       {composite_attributes = {weight_contracting_dimension = 0 | 1}}
#
# W stays the constant the program had: [K, N] (contracting dim 0, JAX's
# layout) or [N, K] (contracting dim 1, MIL's and PyTorch's layout).

LINEAR_COMPOSITE = "hlo_coreml.linear"


def linear_weight_contracting_dimension(op) -> int:
    attrs = ir.DictAttr(op.attributes["composite_attributes"])
    return ir.IntegerAttr(attrs["weight_contracting_dimension"]).value


def _linear_check(op):
    operands = list(op.operands)
    if len(operands) not in (2, 3) or any(constant_value(v) is None for v in operands[1:]):
        return "'hlo_coreml.linear' needs a constant weight and bias (x, W[, b])"
    if len(shape_of(operands[0])) > 3 or len(shape_of(operands[1])) != 2:
        return "'hlo_coreml.linear' needs x of rank 1-3 and a 2-D weight"
    if kind_of(op.results[0]) not in ("f16", "f32", "i32"):
        return f"'hlo_coreml.linear' on {kind_of(op.results[0])} is not supported"
    return None


@emits_composite(LINEAR_COMPOSITE, check=_linear_check, doc="`linear` (weight transposed at compile time when stored [K, N])")
def _linear_composite(ctx, op):
    out_kind = kind_of(op.results[0])
    x = ctx[op.operands[0]]
    if kind_of(op.operands[0]) != out_kind:
        x = ctx.cast(x, out_kind)
    bias = op.operands[2] if len(op.operands) == 3 else None
    return _linear(ctx, x, op.operands[1], linear_weight_contracting_dimension(op), bias, out_kind)
