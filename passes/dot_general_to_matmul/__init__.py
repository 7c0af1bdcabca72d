"""hlo-coreml-dot-general-to-matmul: every contraction becomes one canonical
batched matmul (or a `linear` composite).

One module per pattern family: `canonical` (any dot_general -> the
canonical batched matmul, planned by `plan`), `einsum` (dot, einsum,
unary_einsum -> dot_general), `linear` (constant-weight products -> the
`hlo_coreml.linear` composite); `common` holds the shared helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import rewrite, stablehlo

from ..registry import ModulePass, register_pass
from .canonical import dot_general_to_matmul
from .common import _transpose  # noqa: F401  (raise-fused-ops composes its transposes with ours)
from .einsum import dot_to_dot_general, einsum_to_dot_general, unary_einsum_to_reduce_transpose
from .linear import dot_general_add_to_linear, dot_general_to_matmul_or_linear
from .plan import MatmulPlan, plan_matmul


@register_pass
@dataclass(frozen=True)
class DotGeneralToMatmulPass(ModulePass):
    """Rewrites every `stablehlo.dot_general` (and the deprecated `dot`,
    `einsum` and `unary_einsum`) into the canonical batched-matmul form the
    emitter maps onto one MIL `matmul`:

        lhs [B..., M, K] x rhs [B..., K, N] -> [B..., M, N]

    batch dims leading and in the same order on both sides, exactly one
    contracting dim (the last of lhs, the one right after the batch dims on
    rhs), at most one free dim per side (M or N may be absent: a vector).
    With no batch dims lhs may keep several free dims, [M..., K] x [K, N],
    which MIL's matmul broadcasts (a dense layer on [batch, seq, features]).

    Each operand gets at most one transpose (batch, free, contracting dims
    into that order) and one reshape (several contracting dims into one K,
    several free dims into one M or N, a K of 1 for an outer product); the
    result gets at most one reshape and one transpose (when the operands are
    swapped, or a transpose that followed the dot_general is folded in).
    Among the layouts that satisfy this the pass takes the one with the
    fewest MIL ops (its own transposes/reshapes plus what the emitter adds
    for vectors), so batch dims are collapsed into one only when that is
    cheaper or needed to stay within rank 5: no value (nor any MIL value the
    emitter derives from it) has rank > 5 unless the original dot_general
    already had one. Result element types (`preferred_element_type`),
    precision config and algorithm are kept (operands are not swapped when
    an algorithm is set).

    With `fuse-linear` (default on), `x . W` where W is a constant 2-D weight
    contracted with the last dim of x (rank 1-3), with no batch dims, becomes
    the composite `hlo_coreml.linear` (MIL `linear`, the form the Neural
    Engine prefers); a following `add` of a constant bias that varies only
    along the last dim is folded into it. W stays the constant it was; the
    composite's decomposition (a private function) is the reference semantics.

    ```mlir
    %0 = stablehlo.dot_general %q, %k, batching_dims = [0, 2] x [0, 2],
           contracting_dims = [3] x [3]
           : (tensor<2x8x4x16xf32>, tensor<2x6x4x16xf32>) -> tensor<2x4x8x6xf32>
    ==>
    %0 = stablehlo.transpose %q, dims = [0, 2, 1, 3] : (...) -> tensor<2x4x8x16xf32>
    %1 = stablehlo.transpose %k, dims = [0, 2, 3, 1] : (...) -> tensor<2x4x16x6xf32>
    %2 = stablehlo.dot_general %0, %1, batching_dims = [0, 1] x [0, 1],
           contracting_dims = [3] x [2]
           : (tensor<2x4x8x16xf32>, tensor<2x4x16x6xf32>) -> tensor<2x4x8x6xf32>
    ```

    Afterwards every `dot_general` with static shapes is in canonical form
    and no `dot`, `einsum` or `unary_einsum` remains, except einsums with
    repeated labels in one operand (diagonals) or ellipses, which are left
    for verify-legal to report. No identity transpose or reshape is created,
    and the new ones compose with a transpose/reshape producing an operand
    or consuming the result (jaxlib 0.10.2's `canonicalize` folds neither
    identities nor such chains).
    """

    name: ClassVar[str] = "hlo-coreml-dot-general-to-matmul"
    summary: ClassVar[str] = "Rewrite dot_general/dot/einsum into one canonical batched matmul (or linear)"
    fuse_linear: bool = True

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        populate_dot_general_to_matmul_patterns(patterns, fuse_linear=self.fuse_linear)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


def populate_dot_general_to_matmul_patterns(patterns, *, fuse_linear: bool = True) -> None:
    """Add this pass's rewrite patterns to a `RewritePatternSet`."""
    patterns.add(stablehlo.DotOp, dot_to_dot_general)
    patterns.add(stablehlo.EinsumOp, einsum_to_dot_general)
    patterns.add(stablehlo.UnaryEinsumOp, unary_einsum_to_reduce_transpose)
    if fuse_linear:
        patterns.add(stablehlo.DotGeneralOp, dot_general_to_matmul_or_linear)
        patterns.add(stablehlo.AddOp, dot_general_add_to_linear)
    else:
        patterns.add(stablehlo.DotGeneralOp, dot_general_to_matmul)


__all__ = [
    "DotGeneralToMatmulPass",
    "MatmulPlan",
    "plan_matmul",
    "populate_dot_general_to_matmul_patterns",
    "dot_general_to_matmul",
    "dot_general_to_matmul_or_linear",
    "dot_general_add_to_linear",
    "dot_to_dot_general",
    "einsum_to_dot_general",
    "unary_einsum_to_reduce_transpose",
]
