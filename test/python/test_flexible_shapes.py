"""Flexible input shapes (issue #7): a symbolic-batch jax.export converted
with ct.RangeDim and with ct.EnumeratedShapes, and specialized.

Each flexible model is run by the reference interpreter at several batch
sizes and compared with JAX on CPU; the written spec is checked for the
ranges / enumerated shapes Core ML reads.
"""

import collections
import json

import coremltools as ct
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import jax_reference, mil_op_types

import hlo_coreml

RNG = np.random.default_rng(7)
W1 = (RNG.standard_normal((16, 32)) * 0.3).astype(np.float32)
W2 = (RNG.standard_normal((32, 8)) * 0.3).astype(np.float32)
KERNEL = (RNG.standard_normal((3, 3, 3, 8)) * 0.3).astype(np.float32)
DENSE = (RNG.standard_normal((8, 5)) * 0.3).astype(np.float32)


def mlp(x, w1, w2):
    """Dense + tanh, a layer norm, dense + softmax, a reshape using the batch."""
    h = jnp.tanh(x @ w1)
    mu = h.mean(-1, keepdims=True)
    var = ((h - mu) ** 2).mean(-1, keepdims=True)
    h = (h - mu) / jnp.sqrt(var + 1e-5)
    y = jax.nn.softmax(h @ w2, axis=-1)
    return y.reshape(y.shape[0], 2, -1)


def convnet(x):
    """NHWC conv + relu, global mean pool, dense + gelu, log_softmax, and an
    arange over the batch (a dynamic iota)."""
    y = jax.lax.conv_general_dilated(x, KERNEL, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    y = jax.nn.relu(y).mean(axis=(1, 2))
    y = jax.nn.gelu(y @ DENSE)
    return jax.nn.log_softmax(y, -1), jnp.arange(y.shape[0], dtype=jnp.int32) * 2


def _export(fn, *shapes):
    b = jax.export.symbolic_shape("b")[0]
    structs = [jax.ShapeDtypeStruct(tuple(b if d is None else d for d in s), jnp.float32) for s in shapes]
    return jax.export.export(jax.jit(fn))(*structs)


MODELS = {
    "mlp": (mlp, [(None, 16), (16, 32), (32, 8)], lambda n: [RNG.standard_normal((n, 16)).astype(np.float32), W1, W2]),
    "convnet": (convnet, [(None, 8, 8, 3)], lambda n: [RNG.standard_normal((n, 8, 8, 3)).astype(np.float32)]),
}


def _check_numerics(model, fn, make_args, names, sizes):
    for n in sizes:
        args = make_args(n)
        out = hlo_coreml.run(model, dict(zip(names, args)))
        expected = jax_reference(fn, *args)
        assert len(out) == len(expected)
        for got, want in zip(out.values(), expected):
            assert got.shape == want.shape, (n, got.shape, want.shape)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _input_names(name):
    return ["x", "w1", "w2"] if name == "mlp" else ["x"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_range_dim(tmp_path, name):
    fn, shapes, make_args = MODELS[name]
    rest = shapes[0][1:]
    path = str(tmp_path / "range.mlpackage")
    model = hlo_coreml.compile(
        _export(fn, *shapes),
        inputs=[ct.TensorType(name="x", shape=(ct.RangeDim(1, 64, default=4), *rest))],
        compute_precision="fp32",
        output_path=path,
    )
    spec = ct.utils.load_spec(path)
    assert spec.specificationVersion == 8  # iOS17, the default target
    array = spec.description.input[0].type.multiArrayType
    assert array.WhichOneof("ShapeFlexibility") == "shapeRange"
    ranges = [(r.lowerBound, r.upperBound) for r in array.shapeRange.sizeRanges]
    assert ranges == [(1, 64)] + [(d, d) for d in rest]
    assert tuple(array.shape) == (4, *rest)  # the default shape
    # The other inputs stay static.
    for feature in spec.description.input[1:]:
        assert feature.type.multiArrayType.WhichOneof("ShapeFlexibility") is None
    iface = json.loads(model.user_defined_metadata["hlo_coreml.interface"])
    assert iface["inputs"][0]["shape"] == [None, *rest]
    assert iface["inputs"][0]["flexible"]["range"][0] == [1, 64]
    _check_numerics(path, fn, make_args, _input_names(name), sizes=(1, 3, 8))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_enumerated_shapes(tmp_path, name):
    fn, shapes, make_args = MODELS[name]
    rest = shapes[0][1:]
    path = str(tmp_path / "enum.mlpackage")
    enumerated = ct.EnumeratedShapes(shapes=[(1, *rest), (2, *rest), (5, *rest)], default=(2, *rest))
    hlo_coreml.compile(
        _export(fn, *shapes), inputs=[ct.TensorType(name="x", shape=enumerated)], compute_precision="fp32", output_path=path
    )
    spec = ct.utils.load_spec(path)
    array = spec.description.input[0].type.multiArrayType
    assert array.WhichOneof("ShapeFlexibility") == "enumeratedShapes"
    written = sorted(tuple(s.shape) for s in array.enumeratedShapes.shapes)
    assert written == [(1, *rest), (2, *rest), (5, *rest)]
    assert tuple(array.shape) == (2, *rest)
    _check_numerics(path, fn, make_args, _input_names(name), sizes=(1, 2, 5))


def test_flexible_keyword_matches_inputs(tmp_path):
    # compile(flexible={name: shape}) is keyed like specialize and writes
    # the same ranges as inputs=[ct.TensorType(...)].
    model = hlo_coreml.compile(_export(mlp, (None, 16), (16, 32), (32, 8)), flexible={"x": (ct.RangeDim(2, 9), 16)})
    array = model.get_spec().description.input[0].type.multiArrayType
    assert [(r.lowerBound, r.upperBound) for r in array.shapeRange.sizeRanges] == [(2, 9), (16, 16)]
    assert model.hlo_coreml_interface.inputs[0].shape_text() == "[2..9, 16]"


def test_fp16_compute_at_two_batch_sizes(tmp_path):
    # The default precision (fp16 with the precision rule) on the MLP.
    path = str(tmp_path / "fp16.mlpackage")
    hlo_coreml.compile(_export(mlp, (None, 16), (16, 32), (32, 8)), flexible={"x": (ct.RangeDim(1, 8), 16)}, output_path=path)
    for n in (2, 6):
        args = MODELS["mlp"][2](n)
        out = list(hlo_coreml.run(path, dict(zip(["x", "w1", "w2"], args))).values())[0]
        np.testing.assert_allclose(out, jax_reference(mlp, *args)[0], rtol=2e-2, atol=2e-2)


def test_same_export_specialized(tmp_path):
    path = str(tmp_path / "spec.mlpackage")
    hlo_coreml.compile(_export(convnet, (None, 8, 8, 3)), specialize={"x": (3, 8, 8, 3)}, compute_precision="fp32", output_path=path)
    array = ct.utils.load_spec(path).description.input[0].type.multiArrayType
    assert tuple(array.shape) == (3, 8, 8, 3) and array.WhichOneof("ShapeFlexibility") is None
    _check_numerics(path, convnet, MODELS["convnet"][2], ["x"], sizes=(3,))


# -- errors ------------------------------------------------------------------------


def test_range_on_a_static_dim_is_refused():
    exported = _export(mlp, (None, 16), (16, 32), (32, 8))
    with pytest.raises(hlo_coreml.CompileError, match=r"input 'x': dimension 1 is static \(16\)"):
        hlo_coreml.compile(exported, inputs=[ct.TensorType(name="x", shape=(ct.RangeDim(1, 8), ct.RangeDim(1, 32)))])
    with pytest.raises(hlo_coreml.CompileError, match=r"input 'w1': dimension 0 is static \(16\)"):
        hlo_coreml.compile(exported, flexible={"x": (ct.RangeDim(1, 8), 16), "w1": (ct.RangeDim(1, 16), 32)})
    with pytest.raises(hlo_coreml.CompileError, match="has rank 3"):
        hlo_coreml.compile(exported, flexible={"x": (ct.RangeDim(1, 8), 16, 1)})
    with pytest.raises(hlo_coreml.CompileError, match="gives dimension 1 a size other than the program's 16"):
        hlo_coreml.compile(exported, flexible={"x": ct.EnumeratedShapes(shapes=[(1, 15), (2, 15)])})


def test_dynamic_input_without_sizes_is_refused():
    with pytest.raises(hlo_coreml.CompileError, match=r"input 'x' has dynamic dimensions .*ct.RangeDim.*specialize"):
        hlo_coreml.compile(_export(mlp, (None, 16), (16, 32), (32, 8)))


def test_op_without_dynamic_support_names_op_location_and_fix():
    def flip(x):
        return jnp.flip(x, axis=0) * 2.0

    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(_export(flip, (None, 4)), flexible={"x": (ct.RangeDim(1, 8), 4)})
    text = str(info.value)
    assert "'stablehlo.reverse' has a dynamic dimension (tensor<?x4xf32>)" in text
    assert "test_flexible_shapes.py" in text  # the op's source location
    assert "specialize" in text


def test_several_enumerated_inputs_need_ios18():
    def add(x, y):
        return x + y

    exported = _export(add, (None, 4), (None, 4))
    shapes = ct.EnumeratedShapes(shapes=[(1, 4), (2, 4)])
    with pytest.raises(hlo_coreml.CompileError, match="before iOS18 Core ML allows one"):
        hlo_coreml.compile(exported, flexible={"x": shapes, "y": shapes})


def test_cli_flexible_and_errors(tmp_path, capsys):
    from hlo_coreml.cli import main

    exported = tmp_path / "mlp.bin"
    exported.write_bytes(_export(mlp, (None, 16), (16, 32), (32, 8)).serialize())
    out = str(tmp_path / "range.mlpackage")
    assert main(["compile", str(exported), "-o", out, "--input-range", "x=1:32:4x16"]) == 0
    assert "x: shape [1..32, 16]" in capsys.readouterr().out
    array = ct.utils.load_spec(out).description.input[0].type.multiArrayType
    assert [(r.lowerBound, r.upperBound) for r in array.shapeRange.sizeRanges] == [(1, 32), (16, 16)]
    assert tuple(array.shape) == (4, 16)

    out = str(tmp_path / "enum.mlpackage")
    assert main(["compile", str(exported), "-o", out, "--input-shapes", "x=2x16,4x16"]) == 0
    array = ct.utils.load_spec(out).description.input[0].type.multiArrayType
    assert sorted(tuple(s.shape) for s in array.enumeratedShapes.shapes) == [(2, 16), (4, 16)]

    for bad, message in (
        (["--input-range", "w1=1:4x32"], "input 'x' has dynamic dimensions"),
        (["--input-range", "x=1:4x1:4"], "dimension 1 is static (16)"),
        (["--input-range", "x=4:1x16"], "--input-range expects"),
        (["--input-shapes", "x=2x16"], "two or more shapes"),
    ):
        failed = str(tmp_path / "bad.mlpackage")
        capsys.readouterr()
        assert main(["compile", str(exported), "-o", failed, *bad]) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
        assert not (tmp_path / "bad.mlpackage").exists()


# -- round 2: a transformer block and a CNN with pooling ------------------------------

V, D, HEADS, FF, T = 11, 16, 2, 32, 6
TR = {
    k: (RNG.standard_normal(s) * 0.3).astype(np.float32)
    for k, s in dict(
        emb=(V, D), pos=(T, D), wq=(D, D), wk=(D, D), wv=(D, D), wo=(D, D), w1=(D, FF), w2=(FF, D), head=(D, V),
        g1=(D,), b1=(D,), g2=(D,), b2=(D,),
    ).items()
}
TR["g1"] += 1
TR["g2"] += 1


def _layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + 1e-5) * g + b


def transformer(ids, lengths):
    """Embedding lookup (gather), learned positions, pre-norm multi-head
    causal attention with a padding mask from `lengths` (iota, compare,
    jnp.where), a gelu MLP, logits and their argmax."""
    p = {k: jnp.asarray(v) for k, v in TR.items()}
    batch, seq = ids.shape
    x = p["emb"][ids] + p["pos"][:seq]
    h = _layer_norm(x, p["g1"], p["b1"])

    def heads(t):
        return t.reshape(batch, seq, HEADS, D // HEADS).transpose(0, 2, 1, 3)

    q, k, v = heads(h @ p["wq"]), heads(h @ p["wk"]), heads(h @ p["wv"])
    s = jnp.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(D // HEADS)
    causal = jnp.arange(seq)[:, None] >= jnp.arange(seq)[None, :]
    padding = jnp.arange(seq)[None, :] < lengths[:, None]
    s = jnp.where(causal[None, None] & padding[:, None, None, :], s, -1e9)
    o = jnp.einsum("bhqk,bhkd->bhqd", jax.nn.softmax(s, -1), v).transpose(0, 2, 1, 3).reshape(batch, seq, D)
    x = x + o @ p["wo"]
    x = x + jax.nn.gelu(_layer_norm(x, p["g2"], p["b2"]) @ p["w1"]) @ p["w2"]
    logits = x @ p["head"]
    return logits, jnp.argmax(logits, -1).astype(jnp.int32)


K1 = (RNG.standard_normal((3, 3, 3, 8)) * 0.3).astype(np.float32)
K2 = (RNG.standard_normal((3, 3, 8, 8)) * 0.3).astype(np.float32)
DW = (RNG.standard_normal((8 * 2 * 2, 5)) * 0.3).astype(np.float32)


def pooled_cnn(x):
    """conv, relu, 2x2 max pool, conv, relu, 2x2 mean pool (a sum window),
    flatten with the batch, dense, softmax; argmax and a power."""
    dn = ("NHWC", "HWIO", "NHWC")
    y = jax.nn.relu(jax.lax.conv_general_dilated(x, K1, (1, 1), "SAME", dimension_numbers=dn))
    y = jax.lax.reduce_window(y, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    y = jax.nn.relu(jax.lax.conv_general_dilated(y, K2, (1, 1), "SAME", dimension_numbers=dn))
    y = jax.lax.reduce_window(y, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4
    y = y.reshape(y.shape[0], -1) @ DW
    return jax.nn.softmax(y, -1), jnp.argmax(y, -1).astype(jnp.int32), jnp.abs(y) ** 1.5


def _tokens(n, seq=T):
    ids = RNG.integers(0, V, (n, seq)).astype(np.int32)
    lengths = RNG.integers(1, seq + 1, (n,)).astype(np.int32)
    return [ids, lengths]


def _int_export(fn, *shapes):
    b = jax.export.symbolic_shape("b")[0]
    structs = [jax.ShapeDtypeStruct(tuple(b if d is None else d for d in s), jnp.int32) for s in shapes]
    return jax.export.export(jax.jit(fn))(*structs)


def test_transformer_block_with_range_dim_batch(tmp_path):
    path = str(tmp_path / "tr.mlpackage")
    model = hlo_coreml.compile(
        _int_export(transformer, (None, T), (None,)),
        flexible={"ids": (ct.RangeDim(1, 16, default=2), T), "lengths": (ct.RangeDim(1, 16, default=2),)},
        compute_precision="fp32",
        output_path=path,
    )
    ops = collections.Counter(mil_op_types(model))
    # The fused ops are raised on the dynamic shapes; the batched attention
    # einsums are two matmuls, the dense layers `linear`.
    for fused in ("softmax", "layer_norm", "gelu", "reduce_argmax", "gather", "select"):
        assert fused in ops, (fused, ops)
    assert ops["layer_norm"] == 2 and ops["matmul"] == 2 and ops["linear"] == 7
    assert "exp" not in ops and "sqrt" not in ops
    for n in (1, 3, 7):
        args = _tokens(n)
        args[0][0, 0] = V - 1  # the last row of the table
        out = hlo_coreml.run(path, dict(zip(["ids", "lengths"], args)))
        expected = jax_reference(transformer, *args)
        for got, want in zip(out.values(), expected):
            assert got.shape == want.shape, (n, got.shape, want.shape)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_cnn_with_pooling_and_range_dim_batch(tmp_path):
    path = str(tmp_path / "cnn.mlpackage")
    model = hlo_coreml.compile(
        _export(pooled_cnn, (None, 8, 8, 3)),
        inputs=[ct.TensorType(name="x", shape=(ct.RangeDim(1, 32, default=4), 8, 8, 3))],
        compute_precision="fp32",
        output_path=path,
    )
    ops = collections.Counter(mil_op_types(model))
    for op in ("max_pool", "avg_pool", "softmax", "reduce_argmax", "pow", "conv"):
        assert op in ops, (op, ops)
    for n in (1, 2, 9):
        args = [RNG.standard_normal((n, 8, 8, 3)).astype(np.float32)]
        _check_numerics(path, pooled_cnn, lambda _n, a=args: a, ["x"], sizes=(n,))


def test_transformer_block_with_range_dim_batch_and_sequence(tmp_path):
    # A symbolic sequence length too (s <= T, the table of positions):
    # p["pos"][:seq] is a dynamic_gather (a window of runtime size), the
    # causal mask an iota/compare over `s`, the softmax runs over `s`.
    b, s = jax.export.symbolic_shape("b, s", constraints=[f"s <= {T}"])
    exported = jax.export.export(jax.jit(transformer))(
        jax.ShapeDtypeStruct((b, s), jnp.int32), jax.ShapeDtypeStruct((b,), jnp.int32)
    )
    path = str(tmp_path / "trs.mlpackage")
    model = hlo_coreml.compile(
        exported,
        flexible={"ids": (ct.RangeDim(1, 8, default=2), ct.RangeDim(1, T, default=4)), "lengths": (ct.RangeDim(1, 8),)},
        compute_precision="fp32",
        output_path=path,
    )
    ops = collections.Counter(mil_op_types(model))
    for fused in ("softmax", "layer_norm", "gelu", "slice_by_size", "range_1d"):
        assert fused in ops, (fused, ops)
    array = ct.utils.load_spec(path).description.input[0].type.multiArrayType
    assert [(r.lowerBound, r.upperBound) for r in array.shapeRange.sizeRanges] == [(1, 8), (1, T)]
    for n, seq in ((1, 1), (2, 3), (5, T)):
        args = _tokens(n, seq)
        out = hlo_coreml.run(path, dict(zip(["ids", "lengths"], args)))
        expected = jax_reference(transformer, *args)
        for got, want in zip(out.values(), expected):
            assert got.shape == want.shape, (n, seq, got.shape, want.shape)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_two_inputs_sharing_the_batch_symbol(tmp_path):
    # x and y share JAX's symbol b. Each gets its own MIL symbol; where they
    # meet (concat, a batched matmul, select), MIL's type inference gives
    # the result a fresh symbol rather than failing, and the numerics hold.
    def f(x, y):
        c = jnp.concatenate([x, y], axis=1)
        m = jnp.einsum("bij,bjk->bik", x.reshape(-1, 2, 2), y.reshape(-1, 2, 2))
        return c * 2, m + x.reshape(-1, 2, 2), jnp.where(x > 0, x, y)

    path = str(tmp_path / "two.mlpackage")
    hlo_coreml.compile(
        _export(f, (None, 4), (None, 4)),
        flexible={"x": (ct.RangeDim(1, 8), 4), "y": (ct.RangeDim(1, 8), 4)},
        compute_precision="fp32",
        output_path=path,
    )
    two = lambda n: [RNG.standard_normal((n, 4)).astype(np.float32) for _ in range(2)]  # noqa: E731
    for n in (1, 3, 8):
        _check_numerics(path, f, lambda _n, a=two(n): a, ["x", "y"], sizes=(n,))


def _rotate_half(x):
    """RoPE's rotate-half on x [1, s, heads, 16]: slices of the static last
    dim of an operand with a `?` dim export as dynamic_gather."""
    x1, x2 = x[..., :8], x[..., 8:]
    angles = jnp.arange(x.shape[1], dtype=jnp.float32)[None, :, None, None] * 0.1
    return x * jnp.cos(angles) + jnp.concatenate([-x2, x1], axis=-1) * jnp.sin(angles)


def test_window_of_an_operand_with_dynamic_dims(tmp_path):
    s = jax.export.symbolic_shape("s", constraints=["s <= 32"])[0]
    exported = jax.export.export(jax.jit(_rotate_half))(jax.ShapeDtypeStruct((1, s, 4, 16), jnp.float32))
    assert "dynamic_gather" in exported.mlir_module()
    path = str(tmp_path / "rope.mlpackage")
    model = hlo_coreml.compile(exported, flexible={"x": (1, ct.RangeDim(1, 32, default=4), 4, 16)},
                               compute_precision="fp32", output_path=path)
    assert "slice_by_size" in mil_op_types(model)
    for seq in (1, 5, 32):
        x = RNG.standard_normal((1, seq, 4, 16)).astype(np.float32)
        got = list(hlo_coreml.run(path, {"x": x}).values())[0]
        want = jax_reference(_rotate_half, x)[0]
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _write_rows(buf, rows, pos):
    """A KV-cache write: `rows` [2, s, 4] into buf [3, 2, 16, 4] at layer 1,
    position pos[0] (clamped by StableHLO when it would run past the end),
    then a read of the whole buffer."""
    out = jax.lax.dynamic_update_slice(buf, rows[None], (1, 0, pos[0], 0))
    return out, out.sum(axis=2)


def test_dynamic_update_slice_with_a_flexible_update(tmp_path):
    s = jax.export.symbolic_shape("s", constraints=["s <= 16"])[0]
    exported = jax.export.export(jax.jit(_write_rows))(
        jax.ShapeDtypeStruct((3, 2, 16, 4), jnp.float32), jax.ShapeDtypeStruct((2, s, 4), jnp.float32),
        jax.ShapeDtypeStruct((1,), jnp.int32),
    )
    path = str(tmp_path / "dus.mlpackage")
    model = hlo_coreml.compile(exported, flexible={"rows": (2, ct.RangeDim(1, 16, default=4), 4)},
                               compute_precision="fp32", output_path=path)
    assert "scatter" in mil_op_types(model)
    buf = RNG.standard_normal((3, 2, 16, 4)).astype(np.float32)
    # (rows, pos): inside, at the end, and past the end (the start clamped to 16 - s)
    for seq, pos in ((4, 0), (1, 15), (5, 3), (16, 0), (3, 15), (6, -2)):
        rows = RNG.standard_normal((2, seq, 4)).astype(np.float32)
        p = np.array([pos], np.int32)
        out = hlo_coreml.run(path, {"buf": buf, "rows": rows, "pos": p})
        for got, want in zip(out.values(), jax_reference(_write_rows, buf, rows, p)):
            np.testing.assert_array_equal(got, want)


def test_dynamic_update_slice_into_a_flexible_buffer_is_refused():
    s = jax.export.symbolic_shape("s", constraints=["s <= 16"])[0]
    exported = jax.export.export(jax.jit(lambda b, r: jax.lax.dynamic_update_slice(b, r, (0, 1))))(
        jax.ShapeDtypeStruct((s, 8), jnp.float32), jax.ShapeDtypeStruct((1, 2), jnp.float32))
    with pytest.raises(hlo_coreml.CompileError, match="dynamic_update_slice.*buffer"):
        hlo_coreml.compile(exported, flexible={"b": (ct.RangeDim(1, 16), 8)})
