"""hlo-coreml-decompose-linalg: Cholesky factorizations, triangular solves and
(JAX's LAPACK getrf) LU factorizations of small static real or complex
matrices, unrolled into slices, matmuls and elementwise ops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, rewrite, stablehlo
from hlo_coreml.element_types import shape_of

from .linalg_lu import OPS_PER_STEP as _LU_OPS_PER_STEP
from .linalg_lu import lu
from .linalg_helpers import (
    broadcast,
    conj,
    element_of,
    first_failure_info,
    is_complex,
    mask,
    outer,
    real_part,
    reduce,
    reshape,
    select_triangle,
    slice_,
    tensor_type,
    to_element,
    transpose_last_two,
)
from .registry import ModulePass, register_pass, walk_functions

# Default largest matrix order n that is unrolled (also quoted in
# hlo_coreml/emit/refused.py). A Cholesky factorization
# costs 8 StableHLO ops per column (about 8 MIL ops), a triangular solve 4 per
# row, each on the whole n x n (n x m) matrix: at n = 32 that is ~260 and
# ~130 ops, past which the unrolled program is larger than a model wants and
# fp32 substitution error grows with n.
MAX_SIZE = 32

# LAPACK calls JAX emits on CPU (jax.export default) for cholesky_p and
# triangular_solve_p: target -> (kind, complex?). After narrow-types the d/z
# variants carry f32/complex<f32> values but keep their names.
_LAPACK = {
    "lapack_spotrf_ffi": ("potrf", False),
    "lapack_dpotrf_ffi": ("potrf", False),
    "lapack_cpotrf_ffi": ("potrf", True),
    "lapack_zpotrf_ffi": ("potrf", True),
    "lapack_strsm_ffi": ("trsm", False),
    "lapack_dtrsm_ffi": ("trsm", False),
    "lapack_ctrsm_ffi": ("trsm", True),
    "lapack_ztrsm_ffi": ("trsm", True),
    "lapack_sgetrf_ffi": ("getrf", False),
    "lapack_dgetrf_ffi": ("getrf", False),
    "lapack_cgetrf_ffi": ("getrf", True),
    "lapack_zgetrf_ffi": ("getrf", True),
}
_CHOLESKY_HINT = "Compute the factorization outside the model, or pass its result in as an input"
_SOLVE_HINT = "Solve outside the model, or pass the inverse in and use a matmul"
_LU_HINT = (
    "Factor (solve, invert, take the determinant) outside the model, or pass the result in as an input"
)
# What each LAPACK call is, for diagnostics.
_LAPACK_WHAT = {"potrf": "cholesky", "trsm": "triangular solve", "getrf": "LU factorization"}


@register_pass
@dataclass(frozen=True)
class DecomposeLinalgPass(ModulePass):
    """Rewrites `stablehlo.cholesky` and `stablehlo.triangular_solve` (and the
    LAPACK custom calls `lapack_?potrf_ffi` / `lapack_?trsm_ffi` that JAX
    emits for them on CPU), and JAX's LU call `lapack_?getrf_ffi` (from
    `lax.linalg.lu`, `jnp.linalg.solve` / `inv` / `det` / `slogdet`), whose
    matrices are static, f16/f32 or complex<f32>, and of
    order n <= `max-size` (default 32) into n unrolled steps of `slice`,
    `rsqrt`/`divide`, `multiply`, `dot_general` (outer products, rank 1) and
    `subtract`, vectorized over batch dims and right-hand sides:

    - cholesky (right-looking): S = A; for each column j, l_j = S[:, j] *
      rsqrt(S[j, j]) and S -= l_j l_j^T; L is the concatenation of the l_j,
      and one `select` with a constant triangle mask keeps the factor's
      triangle. Only the `lower` (or upper, for lower = false: rows instead
      of columns) triangle of A is read, as in XLA and LAPACK. The other
      triangle of the result is 0 for `stablehlo.cholesky` (as XLA's
      expander) and A's for `potrf` (as LAPACK; JAX masks it with tril).
      A non-positive pivot gives NaN from that column on, as XLA; `potrf`
      also returns LAPACK's `info` (the first failing pivot, 1-based, else
      0), from which JAX makes the whole factor NaN.
    - triangular_solve (right-looking substitution): T = op(A) masked to its
      strict triangle and divided by its diagonal (skipped for
      unit_diagonal), R = B divided by the same diagonal; for each row i of
      X (left_side; columns for the right side) in substitution order,
      R -= T[:, i] (x) R[i, :], after which R = X. The other triangle of A is
      never read; TRANSPOSE and ADJOINT (the same for real types) transpose
      A once.
    - getrf (LU with partial pivoting, passes/linalg_lu.py): per column the
      first row of largest magnitude is found (abs, reduce max, compare,
      select, reduce min), extracted and swapped in with `select`s against
      an iota (exact: nothing is multiplied by 0), the column below is
      divided by the pivot (left as is for an exactly-zero pivot, as
      LAPACK) and the trailing block gets the rank-1 update. Results are
      LAPACK's: packed LU, 1-based i32 ipiv and info (first zero pivot,
      1-based, else 0); the permutation JAX computes from ipiv afterwards
      is ordinary StableHLO (a static while loop of dynamic slices and
      scatters, unrolled by hlo-coreml-unroll-while).
    - complex matrices (LAPACK's c/z calls, `stablehlo.*` on complex<f32>)
      take the same steps in complex ops that hlo-coreml-split-complex,
      which runs next, splits into real and imaginary parts: cholesky is
      Hermitian (S -= l_j l_j^H, pivots are the real parts of the diagonal,
      the factor's diagonal is real, as LAPACK's ?potrf); ADJOINT
      (trans_x = 'C') conjugates A^T once (conj = complex(real, -imag));
      getrf picks pivots by |re| + |im| (BLAS icamax, as ?getrf) and tests
      pivots against 0 in both parts. Real scalars enter the complex
      arithmetic through `convert` (imaginary part zero, which split-complex
      tracks and skips).

    ```mlir
    %0 = "stablehlo.cholesky"(%a) {lower = true} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    ==>
    %c0 = stablehlo.slice %a [0:2, 0:1]        %p0 = stablehlo.slice %c0 [0:1, 0:1]
    %l0 = %c0 * rsqrt(%p0)                     %s = %a - dot_general(%l0, reshape(%l0))
    %c1 = stablehlo.slice %s [0:2, 1:2]        %l1 = %c1 * rsqrt(slice %c1 [1:2, 0:1])
    %0 = stablehlo.select %tril, concatenate(%l0, %l1, dim = 1), %zeros
    ```

    Afterwards no `cholesky`, `triangular_solve` or LAPACK potrf/trsm/getrf
    call remains. Instances this pass cannot unroll (n > max-size, element
    types other than f16/f32/complex<f32>, dynamic shapes) are reported at
    their location with the reason and what to do instead, and the pass
    fails.
    """

    name: ClassVar[str] = "hlo-coreml-decompose-linalg"
    summary: ClassVar[str] = (
        f"cholesky / triangular_solve (and JAX's LAPACK potrf/trsm/getrf calls) of static real or complex n <= {MAX_SIZE} "
        "matrices into n unrolled steps of slices, outer-product matmuls and elementwise ops"
    )
    max_size: int = MAX_SIZE

    def run(self, module, pass_) -> None:
        problems = 0
        for f in walk_functions(module):

            def visit(op):
                nonlocal problems
                problem = self.refusal(op)
                if problem is not None:
                    op.location.emit_error(problem)
                    problems += 1
                return ir.WalkResult.ADVANCE

            f.operation.walk(visit)
        if problems:
            pass_.signal_pass_failure()
            return
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.CholeskyOp, _rewrite_cholesky)
        patterns.add(stablehlo.TriangularSolveOp, _rewrite_triangular_solve)
        patterns.add(stablehlo.CustomCallOp, _rewrite_lapack)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())

    def refusal(self, op) -> str | None:
        """Why this pass cannot unroll `op` (a diagnostic), or None (also for
        ops it does not handle)."""
        name = op.name
        if name == "stablehlo.cholesky":
            kind, hint, what = "cholesky", _CHOLESKY_HINT, f"'{name}'"
        elif name == "stablehlo.triangular_solve":
            kind, hint, what = "solve", _SOLVE_HINT, f"'{name}'"
        elif name == "stablehlo.custom_call":
            target = ir.StringAttr(op.attributes["call_target_name"]).value
            if lapack_config(op) is None:
                return None
            lapack = _LAPACK[target][0]
            kind = {"potrf": "cholesky", "trsm": "solve", "getrf": "lu"}[lapack]
            hint = {"cholesky": _CHOLESKY_HINT, "solve": _SOLVE_HINT, "lu": _LU_HINT}[kind]
            what = f"'stablehlo.custom_call' @{target} (JAX's LAPACK {_LAPACK_WHAT[lapack]})"
        else:
            return None
        types = [v.type for v in (*op.operands, *op.results)]
        if not all(isinstance(t, ir.RankedTensorType) and t.has_static_shape for t in types):
            return f"{what} with a dynamic shape is not supported by Core ML: hlo-coreml-decompose-linalg unrolls only static shapes. Export with concrete shapes"
        a = ir.RankedTensorType(op.operands[0].type)
        element = a.element_type
        part = ir.ComplexType(element).element_type if isinstance(element, ir.ComplexType) else element
        if not (isinstance(part, ir.F32Type) or isinstance(part, ir.F16Type)):
            return (
                f"{what} on {element} is not supported by Core ML: hlo-coreml-decompose-linalg unrolls "
                f"f16/f32 (and complex<f32>) matrices only. {hint}"
            )
        n = a.shape[-1]
        if a.rank < 2 or a.shape[-2] != n:
            return (
                f"{what} of a non-square {a} is not supported by Core ML: hlo-coreml-decompose-linalg "
                f"unrolls square matrices only. {hint}"
            )
        if n > self.max_size:
            per_step = {"cholesky": 8, "solve": 4, "lu": _LU_OPS_PER_STEP}[kind]
            return (
                f"{what} of a {n}x{n} matrix is not supported by Core ML: hlo-coreml-decompose-linalg "
                f"unrolls it into n steps only for n <= {self.max_size} (this one would take ~{per_step * n} ops). "
                f"{hint} (or raise the limit with hlo-coreml-decompose-linalg{{max-size={n}}})"
            )
        return None


# -- cholesky ------------------------------------------------------------------


def cholesky(a, lower: bool, with_info: bool = False, keep_other_triangle: bool = False):
    """The unrolled factorization of `a` [B.., n, n] (see the pass
    docstring); returns (factor, info or None). Complex `a` is Hermitian:
    A = L L^H (U^H U), pivots are the real parts of the diagonal, as LAPACK's
    ?potrf, and the factor's diagonal is real."""
    shape = list(shape_of(a))
    n = shape[-1]
    element = element_of(a)
    complex_ = is_complex(a)
    # Lower: work with columns S[:, j] ([B.., n, 1]); upper: rows ([B.., 1, n]).
    vec_axis = -1 if lower else -2
    s = a
    vectors, pivots = [], []
    for j in range(n):
        vec = slice_(s, {vec_axis: (j, j + 1)})
        pivot = real_part(slice_(vec, {-2 if lower else -1: (j, j + 1)}))
        pivots.append(pivot)
        scale = to_element(stablehlo.RsqrtOp(pivot).result, element)
        v = stablehlo.MulOp(vec, broadcast(scale, shape_of(vec))).result
        vectors.append(v)
        if j + 1 < n:
            flipped = [*shape[:-2], *reversed(shape_of(v)[-2:])]
            w = conj(reshape(v, flipped))
            update = outer(v, w) if lower else outer(w, v)
            s = stablehlo.SubtractOp(s, update).result
    factor = vectors[0] if n == 1 else stablehlo.ConcatenateOp(vectors, len(shape) + vec_axis).result
    if complex_:
        # The diagonal is real (LAPACK ignores the imaginary parts of A's).
        factor = stablehlo.SelectOp(mask(shape, "eye"), to_element(real_part(factor), element), factor).result
    triangle = "lower" if lower else "upper"
    if n > 1:
        factor = select_triangle(factor, triangle, a if keep_other_triangle else None)
    info = None
    if with_info:
        info = first_failure_info(pivots, shape[:-2], element_of(pivots[0]))
    return factor, info


def _rewrite_cholesky(op, rewriter):
    if DecomposeLinalgPass().refusal(op.operation) is not None:
        return True
    lower = ir.BoolAttr(op.attributes["lower"]).value if "lower" in op.attributes else False
    with rewriter.ip, op.location:
        factor, _ = cholesky(op.operands[0], lower)
    rewriter.replace_op(op, [factor])
    return False


# -- triangular solve ----------------------------------------------------------


def triangular_solve(
    a, b, left_side: bool, lower: bool, unit_diagonal: bool, transpose: bool, conjugate: bool = False
):
    """X with op(A) X = B (left_side) or X op(A) = B, unrolled (see the pass
    docstring). a [B.., n, n], b [B.., n, m] (left) or [B.., m, n]; op(A) is
    A, A^T (`transpose`) or A^H (`transpose` and `conjugate`)."""
    shape = list(shape_of(a))
    n = shape[-1]
    b_shape = list(shape_of(b))
    # T = op(A), triangular on the `lower_t` side; only its strict triangle is read.
    t = transpose_last_two(a, conjugate) if transpose else a
    lower_t = lower != transpose
    strict = select_triangle(t, "strict_lower" if lower_t else "strict_upper")
    r = b
    if not unit_diagonal:
        element = element_of(a)
        # diag(op(A)) (conjugated for the adjoint) as [B.., n].
        d = reduce(select_triangle(t, "eye"), -1, 0.0, stablehlo.AddOp)
        batch = list(range(len(shape) - 2))
        # Scale by the diagonal entry of the row (left) / column (right) that is being solved.
        axis = len(shape) - 2 if left_side else len(shape) - 1
        d_t = stablehlo.BroadcastInDimOp(tensor_type(shape, element), d, [*batch, axis]).result
        strict = stablehlo.DivOp(strict, d_t).result
        d_b = stablehlo.BroadcastInDimOp(tensor_type(b_shape, element), d, [*batch, axis]).result
        r = stablehlo.DivOp(b, d_b).result
    forward = lower_t if left_side else not lower_t
    order = list(range(n)) if forward else list(range(n - 1, -1, -1))
    for i in order[:-1]:
        if left_side:
            x_i = slice_(r, {-2: (i, i + 1)})  # [B.., 1, m]
            t_col = slice_(strict, {-1: (i, i + 1)})  # [B.., n, 1]
            update = outer(t_col, x_i)
        else:
            x_i = slice_(r, {-1: (i, i + 1)})  # [B.., m, 1]
            t_row = slice_(strict, {-2: (i, i + 1)})  # [B.., 1, n]
            update = outer(x_i, t_row)
        r = stablehlo.SubtractOp(r, update).result
    return r


def _transpose_flags(op) -> tuple[bool, bool]:
    """(transpose, conjugate) of a triangular_solve's `transpose_a`."""
    value = stablehlo.TransposeAttr(op.attributes["transpose_a"]).value
    return value in ("TRANSPOSE", "ADJOINT"), value == "ADJOINT"


def _rewrite_triangular_solve(op, rewriter):
    if DecomposeLinalgPass().refusal(op.operation) is not None:
        return True
    attrs = op.attributes
    transpose, conjugate = _transpose_flags(op)
    with rewriter.ip, op.location:
        x = triangular_solve(
            op.operands[0],
            op.operands[1],
            left_side=ir.BoolAttr(attrs["left_side"]).value,
            lower=ir.BoolAttr(attrs["lower"]).value,
            unit_diagonal=ir.BoolAttr(attrs["unit_diagonal"]).value,
            transpose=transpose,
            conjugate=conjugate,
        )
    rewriter.replace_op(op, [x])
    return False


# -- JAX's LAPACK calls on CPU -------------------------------------------------


_LAPACK_KEYS = {"potrf": ("uplo",), "trsm": ("side", "uplo", "trans_x", "diag"), "getrf": ()}
# (operands, results) of each call: potrf (a) -> (factor, info); trsm (a, b)
# -> x; getrf (a) -> (lu, ipiv, info).
_LAPACK_ARITY = {"potrf": (1, 2), "trsm": (2, 1), "getrf": (1, 3)}


def lapack_config(op) -> dict[str, str] | None:
    """The single-character LAPACK flags (uplo, side, trans_x, diag) of a
    `lapack_?potrf_ffi` / `lapack_?trsm_ffi` call, from its
    `mhlo.backend_config` dictionary (empty for `lapack_?getrf_ffi`, which
    has no flags); None if it is not such a call."""
    target = ir.StringAttr(op.attributes["call_target_name"]).value
    if target not in _LAPACK or "mhlo.backend_config" not in op.attributes:
        return None
    config = op.attributes["mhlo.backend_config"]
    if not isinstance(config, ir.DictAttr):
        return None
    kind = _LAPACK[target][0]
    flags = {}
    for key in _LAPACK_KEYS[kind]:
        if key not in config or not isinstance(config[key], ir.IntegerAttr):
            return None
        flags[key] = chr(ir.IntegerAttr(config[key]).value)
    expected_operands, expected_results = _LAPACK_ARITY[kind]
    if len(op.operands) != expected_operands or len(op.results) != expected_results:
        return None
    return flags


def _rewrite_lapack(op, rewriter):
    config = lapack_config(op)
    if config is None or DecomposeLinalgPass().refusal(op.operation) is not None:
        return True
    kind = _LAPACK[ir.StringAttr(op.attributes["call_target_name"]).value][0]
    with rewriter.ip, op.location:
        if kind == "potrf":
            # (factor, info): the factor's other triangle keeps A's values,
            # as LAPACK leaves it untouched.
            factor, info = cholesky(
                op.operands[0], config["uplo"] == "L", with_info=True, keep_other_triangle=True
            )
            results = [factor, info]
        elif kind == "getrf":
            results = list(lu(op.operands[0]))
        else:
            x = triangular_solve(
                op.operands[0],
                op.operands[1],
                left_side=config["side"] == "L",
                lower=config["uplo"] == "L",
                unit_diagonal=config["diag"] == "U",
                transpose=config["trans_x"] in ("T", "C"),
                conjugate=config["trans_x"] == "C",
            )
            results = [x]
        # ipiv / info are i32 (JAX's FFI declares them so, also with x64).
        results = [
            r if r.type == old.type else stablehlo.ConvertOp(old.type, r).result
            for r, old in zip(results, op.results)
        ]
    rewriter.replace_op(op, results)
    return False


__all__ = ["DecomposeLinalgPass", "MAX_SIZE", "cholesky", "triangular_solve"]
