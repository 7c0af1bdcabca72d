"""hlo-coreml-dot-general-to-matmul end to end: jnp.einsum / lax.dot_general
-> hlo_coreml.compile (fp32) -> reference MIL interpreter, compared with JAX
on CPU; plus the size of the MIL program each contraction becomes.

Op counts exclude `const`. Each case is counted twice: in the model
`compile()` returns (after coremltools' default MIL pass pipeline, which
fuses transposes into matmul flags and drops no-op reshapes), and in the
program exactly as hlo-coreml emitted it (`pass_pipeline=EMPTY`), so the
bound holds for what we emit, not only after coremltools' clean-up.
"""

from __future__ import annotations

import coremltools as ct
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from hlo_coreml import interpreter
from hlo_coreml._mlir import ir
from hlo_coreml.compiler import legalize
from hlo_coreml.emit.ops_linalg import matmul_form
from hlo_coreml.ir_utils import i64_array
from helpers import FP16_ATOL, FP16_RTOL, FP32_ATOL, FP32_RTOL, jax_reference, max_rank_in_spec

MAX_CONTRACTION_OPS = 5

# Label sizes for the einsum cases: all different where it matters, so a
# mixed-up dimension cannot go unnoticed.
SIZES = dict(zip("abcdefghijklmnopqrstuvwxyz", [2, 3, 4, 5, 6, 3, 2, 4, 3, 5, 2, 3, 4, 2, 3, 4, 5, 2, 3, 4, 2, 3, 2, 3, 2, 3]))


def _array(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-9, 10, size=shape).astype(dtype)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def _einsum_case(eq, dtype=np.float32):
    specs = eq.split("->")[0].split(",")
    args = [_array([SIZES[c] for c in s], dtype, seed) for seed, s in enumerate(specs)]
    return (lambda *a: jnp.einsum(eq, *a)), args


def _dot_general_case(lhs_shape, rhs_shape, contracting, batch, dtype=np.float32, preferred=None):
    args = [_array(lhs_shape, dtype, 0), _array(rhs_shape, dtype, 1)]

    def fn(a, b):
        return lax.dot_general(a, b, (contracting, batch), preferred_element_type=preferred)

    return fn, args


EINSUM = [
    "ij,jk->ik",  # plain matmul
    "bij,bjk->bik",  # batched
    "bij,jk->bik",  # dense layer on [batch, seq, features]: no reshape
    "ij,bjk->bik",
    "bhqd,bhkd->bhqk",  # attention scores
    "bqhd,bkhd->bhqk",  # attention scores, heads not leading
    "bhqk,bhkd->bhqd",  # attention output
    "abcd,cd->ab",  # two contracting dims, vector rhs after collapse
    "i,i->",  # dot product
    "i,j->ij",  # outer product
    "bi,bi->b",  # batched dot product (both vectors)
    "ijk,jkl->il",  # two contracting dims, one collapse per side
    "ij,kj->ik",  # rhs transposed
    "ji,jk->ik",  # lhs transposed
    "ij,j->i",  # matrix-vector
    "ji,j->i",  # transposed matrix-vector (operands swapped)
    "j,jk->k",  # vector-matrix
    "bij,bj->bi",  # batched matrix-vector
    "ijkl,klm->ijm",
    "abij,abjk->abik",  # two leading batch dims, kept apart
    "iab,bja->jai",  # batch dim leading in neither operand
    "ijab,jkba->ikab",  # two batch dims at the end, in different orders
    "ab,ab->ab",  # batch dims only
    "ab,ab->",  # contracting dims only
    "ijk,kl->lji",  # result transpose folded into the operands
    "ij,kl->ijkl",  # outer product of matrices
    "abcdk,abcdk->abcd",  # four batch dims: collapsed to stay within rank 5
]

DOT_GENERAL = {
    # name: (lhs shape, rhs shape, contracting, batch, dtype, preferred_element_type)
    "batch_dims_not_leading": ((3, 2, 4), (5, 4, 2), ((2,), (1,)), ((1,), (2,)), np.float32, None),
    "two_batch_two_contracting": ((2, 3, 4, 5, 3), (5, 4, 2, 3, 2), ((1, 3), (3, 0)), ((0, 2), (4, 1)), np.float32, None),
    "contracting_out_of_order": ((4, 3, 5), (5, 4, 2), ((0, 2), (1, 0)), ((), ()), np.float32, None),
    "int32_matmul": ((4, 5), (5, 3), ((1,), (0,)), ((), ()), np.int32, None),
    "int32_batched_transposed": ((2, 5, 4), (2, 3, 5), ((1,), (2,)), ((0,), (0,)), np.int32, None),
    "f16_matmul": ((4, 8), (8, 3), ((1,), (0,)), ((), ()), np.float16, None),
    "f16_attention": ((2, 3, 4, 8), (2, 3, 5, 8), ((3,), (3,)), ((0, 1), (0, 1)), np.float16, None),
    "f16_to_f32_preferred": ((4, 8), (3, 8), ((1,), (1,)), ((), ()), np.float16, np.float32),
    "f16_to_f32_batched_vector": ((2, 8), (2, 8, 3), ((1,), (1,)), ((0,), (0,)), np.float16, np.float32),
}

CASES = [pytest.param(*_einsum_case(eq), id=eq) for eq in EINSUM]
CASES += [pytest.param(*_dot_general_case(*spec), id=name) for name, spec in DOT_GENERAL.items()]


def _tolerance(args):
    if any(np.asarray(a).dtype == np.float16 for a in args):
        return dict(rtol=FP16_RTOL, atol=FP16_ATOL)
    return dict(rtol=FP32_RTOL, atol=FP32_ATOL)


def _run(model, args):
    names = [i.name for i in model.get_spec().description.input]
    feeds = {n: np.asarray(a).reshape(np.shape(a) or (1,)) for n, a in zip(names, args)}
    outputs = interpreter.run(model, feeds)
    return [np.asarray(outputs[o.name]) for o in model.get_spec().description.output]


def _ops(model) -> list[str]:
    return [op.op_type for op in model._mil_program.functions["main"].operations if op.op_type != "const"]


def _check_legal_ir(fn, args):
    """After the legalize pipeline: every dot_general is canonical, and no
    transpose or reshape is an identity."""
    context, module, _ = legalize(fn, args)
    with context:

        def visit(op):
            name = op.name
            if name == "stablehlo.dot_general":
                assert matmul_form(op) is not None, str(op)
            elif name == "stablehlo.transpose":
                perm = i64_array(op, "permutation")
                assert perm != sorted(perm), f"identity transpose: {op}"
            elif name == "stablehlo.reshape":
                assert op.operands[0].type != op.results[0].type, f"identity reshape: {op}"
            return ir.WalkResult.ADVANCE

        module.operation.walk(visit)


def _check(fn, args):
    """Compile (fp32), run, compare with JAX; returns (final ops, emitted ops)."""
    _check_legal_ir(fn, args)
    (expected,) = jax_reference(fn, *args)
    model = hlo_coreml.compile(fn, *args, compute_precision="fp32")
    (got,) = _run(model, args)
    assert got.size == expected.size, (got.shape, expected.shape)
    got = got.reshape(expected.shape)
    if np.issubdtype(expected.dtype, np.floating):
        np.testing.assert_allclose(got.astype(np.float32), expected.astype(np.float32), **_tolerance(args))
    else:
        np.testing.assert_array_equal(got, expected)
    rank, where = max_rank_in_spec(model.get_spec())
    assert rank <= 5, f"rank {rank} at {where}"
    emitted = hlo_coreml.compile(fn, *args, compute_precision="fp32", pass_pipeline=ct.PassPipeline.EMPTY)
    return _ops(model), _ops(emitted)


@pytest.mark.parametrize("fn, args", CASES)
def test_contraction_matches_jax_in_few_mil_ops(fn, args):
    final, emitted = _check(fn, args)
    assert "matmul" in final or "linear" in final, final
    assert len(final) <= MAX_CONTRACTION_OPS, final
    assert len(emitted) <= MAX_CONTRACTION_OPS, emitted


def test_worst_case_layout_needs_six_ops():
    """a[a,b,c,d,e] . b[b,c,d,e,f] -> [a,e,f]: the batch dim e is last in
    one operand and the three contracting dims sit on both sides of it, so
    each operand needs a transpose and a reshape, and the batch-leading
    matmul result a transpose: 6 ops is the least one matmul allows."""
    final, emitted = _check(*_einsum_case("abcde,bcdef->aef"))
    assert final.count("matmul") == 1 and len(final) == 6, final
    assert len(emitted) == 6, emitted


def test_single_dot_general_needs_no_extra_ops():
    final, emitted = _check(*_einsum_case("ij,jk->ik"))
    assert final == emitted == ["matmul"]


# -- linear layers ---------------------------------------------------------------


def _mlp_weights(seed=0):
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-1, 1, (16, 32)).astype(np.float32)
    b1 = rng.uniform(-1, 1, (32,)).astype(np.float32)
    w2 = rng.uniform(-1, 1, (10, 32)).astype(np.float32)  # PyTorch layout [out, in]
    b2 = rng.uniform(-1, 1, (10,)).astype(np.float32)
    return w1, b1, w2, b2


@pytest.mark.parametrize("shape", [(16,), (8, 16), (4, 8, 16)], ids=["vector", "matrix", "rank3"])
def test_linear_layer_with_constant_weight_is_one_linear(shape):
    w1, b1, _, _ = _mlp_weights()
    x = _array(shape, np.float32, 3)

    def layer(x):
        return x @ w1 + b1

    final, emitted = _check(layer, [x])
    assert final == ["linear"], final
    assert emitted == ["linear"], emitted


def test_linear_layer_with_pytorch_layout_weight_is_one_linear():
    _, _, w2, b2 = _mlp_weights()
    x = _array((8, 32), np.float32, 3)

    def layer(x):
        return jnp.dot(x, jnp.asarray(w2).T) + b2

    final, emitted = _check(layer, [x])
    assert final == emitted == ["linear"], (final, emitted)


def test_mlp_becomes_linear_relu_linear():
    w1, b1, w2, b2 = _mlp_weights()
    x = _array((8, 16), np.float32, 3)

    def mlp(x):
        h = jnp.maximum(x @ w1 + b1, 0.0)
        return h @ w2.T + b2

    final, emitted = _check(mlp, [x])
    for ops in (final, emitted):
        # the two layers are two `linear`s; what the relu becomes is not ours
        assert ops.count("linear") == 2 and ops[0] == ops[-1] == "linear", ops
        assert not {"matmul", "add", "transpose"} & set(ops), ops


def test_linear_without_bias():
    w1, _, _, _ = _mlp_weights()
    x = _array((8, 16), np.float32, 3)
    final, emitted = _check(lambda x: x @ w1, [x])
    assert final == emitted == ["linear"], (final, emitted)


def test_bias_that_is_not_per_output_is_not_folded():
    """A constant added to x @ W that varies along the rows cannot be a
    linear bias: it stays an add, and numerics still match."""
    w1, _, _, _ = _mlp_weights()
    rows = np.arange(8, dtype=np.float32)[:, None] * np.ones((1, 32), np.float32)
    x = _array((8, 16), np.float32, 3)
    final, emitted = _check(lambda x: x @ w1 + rows, [x])
    assert emitted == ["linear", "add"], emitted


# -- random dimension numbers -------------------------------------------------------


def _random_dot_general(seed):
    """A lax.dot_general with random batch/contracting/free dims (0-2 of
    each, operand and result rank <= 5) at random positions, sometimes followed by a
    random transpose of the result (exercising the fold)."""
    rng = np.random.default_rng(1000 + seed)
    while True:
        nb, nc, nlf, nrf = (int(rng.integers(0, 3)) for _ in range(4))
        if max(nb + nc + nlf, nb + nc + nrf, nb + nlf + nrf) <= 5 and nb + nlf + nrf >= 1:
            break
    sizes = iter(rng.permutation([2, 3, 4, 5, 6, 7, 2, 3, 4, 5]))
    batch = [int(next(sizes)) for _ in range(nb)]
    contract = [int(next(sizes)) for _ in range(nc)]
    lhs_dims = [("b", i) for i in range(nb)] + [("c", i) for i in range(nc)] + [("f", int(next(sizes))) for _ in range(nlf)]
    rhs_dims = [("b", i) for i in range(nb)] + [("c", i) for i in range(nc)] + [("f", int(next(sizes))) for _ in range(nrf)]
    lhs_dims = [lhs_dims[i] for i in rng.permutation(len(lhs_dims))]
    rhs_dims = [rhs_dims[i] for i in rng.permutation(len(rhs_dims))]

    def shape(dims):
        return [batch[i] if k == "b" else contract[i] if k == "c" else i for k, i in dims]

    def positions(dims, kind, count):
        return tuple(dims.index((kind, i)) for i in range(count))

    dimension_numbers = (
        (positions(lhs_dims, "c", nc), positions(rhs_dims, "c", nc)),
        (positions(lhs_dims, "b", nb), positions(rhs_dims, "b", nb)),
    )
    result_rank = nb + nlf + nrf
    perm = tuple(int(p) for p in rng.permutation(result_rank)) if rng.random() < 0.4 else None
    args = [_array(shape(lhs_dims), np.float32, 0), _array(shape(rhs_dims), np.float32, 1)]

    def fn(a, b):
        out = lax.dot_general(a, b, dimension_numbers)
        return out if perm is None else jnp.transpose(out, perm)

    return fn, args


@pytest.mark.parametrize("seed", range(24))
def test_random_dimension_numbers(seed):
    fn, args = _random_dot_general(seed)
    final, emitted = _check(fn, args)
    assert final.count("matmul") + final.count("linear") == 1, final
    # the jnp.transpose of the result, when there is one, is included
    assert len(emitted) <= 7, emitted


# -- the deprecated contraction ops (JAX does not emit them; other producers may) --------

_DEPRECATED = {
    "einsum": (
        '%0 = "stablehlo.einsum"(%a, %b) {einsum_config = "ijk,kjl->li"} : (tensor<3x4x5xf32>, tensor<5x4x6xf32>) -> tensor<6x3xf32>',
        [(3, 4, 5), (5, 4, 6)],
        (6, 3),
        lambda a, b: np.einsum("ijk,kjl->li", a, b),
    ),
    "einsum_summed_label": (
        '%0 = "stablehlo.einsum"(%a, %b) {einsum_config = "ij,jk->k"} : (tensor<3x4xf32>, tensor<4x6xf32>) -> tensor<6xf32>',
        [(3, 4), (4, 6)],
        (6,),
        lambda a, b: np.einsum("ij,jk->k", a, b),
    ),
    "unary_einsum": (
        '%0 = "stablehlo.unary_einsum"(%a) {einsum_config = "ijk->ki"} : (tensor<3x4x5xf32>) -> tensor<5x3xf32>',
        [(3, 4, 5)],
        (5, 3),
        lambda a: np.einsum("ijk->ki", a),
    ),
    "dot": (
        "%0 = stablehlo.dot %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4xf32>",
        [(4, 5), (5,)],
        (4,),
        lambda a, b: a @ b,
    ),
}


@pytest.mark.parametrize("name", sorted(_DEPRECATED))
def test_deprecated_contraction_ops(name):
    body, shapes, result, reference = _DEPRECATED[name]
    names = ["%a", "%b"][: len(shapes)]
    params = ", ".join(f"{n}: tensor<{'x'.join(map(str, s))}xf32>" for n, s in zip(names, shapes))
    result_type = f"tensor<{'x'.join(map(str, result))}xf32>"
    text = f"func.func @main({params}) -> {result_type} {{\n  {body}\n  return %0 : {result_type}\n}}\n"
    args = [_array(s, np.float32, i) for i, s in enumerate(shapes)]
    model = hlo_coreml.compile(text, compute_precision="fp32")
    (got,) = _run(model, args)
    np.testing.assert_allclose(got.reshape(result), reference(*args), rtol=FP32_RTOL, atol=1e-5)
