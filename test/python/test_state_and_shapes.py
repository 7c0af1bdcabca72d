"""Stateful models (iOS18 Core ML states) and symbolic-shape exports
specialized to static shapes (flexible RangeDim/EnumeratedShapes inputs:
test_flexible_shapes.py)."""

import coremltools as ct
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import jax_reference

import hlo_coreml

RNG = np.random.default_rng(0)
FT = ct.proto.FeatureTypes_pb2.ArrayFeatureType


# -- state -------------------------------------------------------------------


def _kv_step(cache, k, q, pos):
    """One decoding step: write k at row pos of the cache, attend q over it."""
    new_cache = jax.lax.dynamic_update_slice(cache, k, (pos[0], jnp.int32(0)))
    scores = jax.nn.softmax((new_cache @ q[0]).astype(jnp.float32))
    return new_cache, scores


def _kv_args():
    cache = (RNG.standard_normal((8, 4)) * 0.5).astype(np.float16)
    k = RNG.standard_normal((1, 4)).astype(np.float16)
    q = RNG.standard_normal((1, 4)).astype(np.float16)
    return cache, k, q, np.array([3], np.int32)


def test_kv_cache_state_structure(tmp_path):
    path = str(tmp_path / "kv.mlpackage")
    model = hlo_coreml.compile(
        _kv_step, *_kv_args(), minimum_deployment_target="iOS18", states={"cache": "result_0"}, output_path=path
    )
    spec = ct.utils.load_spec(path)
    d = spec.description
    assert [f.name for f in d.input] == ["k", "q", "pos"]
    assert [f.name for f in d.output] == ["result_1"]
    [state] = d.state
    assert state.name == "cache"
    array = state.type.stateType.arrayType
    assert tuple(array.shape) == (8, 4) and array.dataType == FT.FLOAT16
    ops = [op.op_type for op in model._mil_program.functions["main"].operations]
    assert "read_state" in ops and "coreml_update_state" in ops
    iface = model.hlo_coreml_interface
    assert iface.inputs[0].state == "cache" and iface.outputs[0].state == "cache"


def test_kv_cache_state_numerics(tmp_path):
    # One step through the interpreter, the state passed in the inputs dict
    # by name and updated in place, against JAX's new cache and scores.
    args = _kv_args()
    path = str(tmp_path / "kv.mlpackage")
    hlo_coreml.compile(_kv_step, *args, minimum_deployment_target="iOS18", states={"cache": "result_0"}, output_path=path)
    cache, k, q, pos = args
    state = cache.copy()
    out = hlo_coreml.run(path, {"cache": state, "k": k, "q": q, "pos": pos})
    ref_cache, ref_scores = jax_reference(_kv_step, *args)
    np.testing.assert_array_equal(state, ref_cache)
    np.testing.assert_allclose(out["result_1"], ref_scores, rtol=1e-2, atol=1e-3)


def test_state_must_be_fp16():
    with pytest.raises(hlo_coreml.CompileError, match="states are fp16 only"):
        hlo_coreml.compile(lambda c: c + 1, np.zeros(3, np.float32), minimum_deployment_target="iOS18", states={"c": "result"})


def test_state_errors():
    c = np.zeros(3, np.float16)
    with pytest.raises(hlo_coreml.CompileError, match="is not an input"):
        hlo_coreml.compile(lambda c: c + 1, c, minimum_deployment_target="iOS18", states={"nope": "result"})
    with pytest.raises(hlo_coreml.CompileError, match="is not an output"):
        hlo_coreml.compile(lambda c: c + 1, c, minimum_deployment_target="iOS18", states={"c": "nope"})
    with pytest.raises(hlo_coreml.CompileError, match="has shape"):
        hlo_coreml.compile(lambda c: c.sum(keepdims=True), c, minimum_deployment_target="iOS18", states={"c": "result"})


# -- symbolic shapes ----------------------------------------------------------------


def _mlp(x, w):
    return jnp.tanh(x @ w).sum(axis=1) + x.shape[0]


W = RNG.standard_normal((8, 4)).astype(np.float32)


def _symbolic_export():
    b = jax.export.symbolic_shape("b, 8")
    return jax.export.export(jax.jit(_mlp))(jax.ShapeDtypeStruct(b, jnp.float32), jax.ShapeDtypeStruct((8, 4), jnp.float32))


@pytest.mark.parametrize("how", ["by_name", "by_index", "tensor_type"])
def test_symbolic_batch_specialized(tmp_path, how):
    exported = _symbolic_export()
    path = str(tmp_path / "s.mlpackage")
    kwargs = {
        "by_name": dict(specialize={"x": (3, 8)}),
        "by_index": dict(specialize={0: (3, 8)}),
        "tensor_type": dict(inputs=[ct.TensorType(shape=(3, 8))]),
    }[how]
    model = hlo_coreml.compile(exported, compute_precision="fp32", output_path=path, **kwargs)
    d = model.get_spec().description
    assert [f.name for f in d.input] == ["x", "w"]  # names from the wrapped function
    assert tuple(d.input[0].type.multiArrayType.shape) == (3, 8)
    x = RNG.standard_normal((3, 8)).astype(np.float32)
    out = hlo_coreml.run(path, {"x": x, "w": W})
    np.testing.assert_allclose(out[d.output[0].name], jax_reference(_mlp, x, W)[0], rtol=1e-5, atol=1e-5)


def test_specialize_errors():
    exported = _symbolic_export()
    with pytest.raises(hlo_coreml.CompileError, match="no such argument"):
        hlo_coreml.compile(exported, specialize={"y": (3, 8)})
    with pytest.raises(hlo_coreml.CompileError, match="dimension 1 is 8"):
        hlo_coreml.compile(exported, specialize={"x": (3, 9)})
    with pytest.raises(hlo_coreml.CompileError, match="rank 2"):
        hlo_coreml.compile(exported, specialize={"x": (3,)})


def test_cli_specialize_state_and_metadata(tmp_path, capsys):
    from hlo_coreml.cli import main

    exported = tmp_path / "poly.bin"
    exported.write_bytes(_symbolic_export().serialize())
    out = str(tmp_path / "cli.mlpackage")
    assert main(["compile", str(exported), "-o", out, "--specialize", "x=2x8", "--author", "Ada", "--model-version", "2"]) == 0
    saved = ct.models.MLModel(out, skip_model_load=True)
    assert tuple(saved.get_spec().description.input[0].type.multiArrayType.shape) == (2, 8)
    assert (saved.author, saved.version) == ("Ada", "2")

    kv = tmp_path / "kv.bin"
    kv.write_bytes(jax.export.export(jax.jit(_kv_step))(*_kv_args()).serialize())
    out = str(tmp_path / "kv.mlpackage")
    assert main(["compile", str(kv), "-o", out, "--target", "iOS18", "--state", "cache=result_0"]) == 0
    assert "(state 'cache')" in capsys.readouterr().out
    assert [s.name for s in ct.utils.load_spec(out).description.state] == ["cache"]
