"""The model interface: names from the source (pytree paths, result paths)
or from the user (strings, ct.TensorType), fp16/fp32 I/O as asked,
ct.ImageType inputs, metadata."""

import json

import coremltools as ct
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import jax_reference

import hlo_coreml
from hlo_coreml.compiler import INTERFACE_METADATA_KEY

FT = ct.proto.FeatureTypes_pb2.ArrayFeatureType
RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 4)).astype(np.float32)
B = RNG.standard_normal((2, 4)).astype(np.float32)


def _pytree_model(params, x):
    return {"logits": jnp.tanh(x @ params["w"]) + params["b"], "norm": (x * x).sum()}


def _names(model):
    d = model.get_spec().description
    return [f.name for f in d.input], [f.name for f in d.output]


def _dtype(feature):
    return feature.type.multiArrayType.dataType


def test_names_from_jax_pytree():
    params = {"w": RNG.standard_normal((4, 3)).astype(np.float32), "b": np.zeros(3, np.float32)}
    model = hlo_coreml.compile(_pytree_model, params, A)
    assert _names(model) == (["params_b", "params_w", "x"], ["result_logits", "result_norm"])


def test_user_names_strings_and_tensor_types(tmp_path):
    path = str(tmp_path / "m.mlpackage")
    model = hlo_coreml.compile(
        lambda a, b: (a + b, a * b),
        A,
        B,
        inputs=["first", ct.TensorType(name="second")],
        outputs=[ct.TensorType(name="total"), None],
        output_path=path,
    )
    assert _names(model) == (["first", "second"], ["total", "result_1"])
    out = hlo_coreml.run(path, {"first": A, "second": B})
    np.testing.assert_allclose(out["total"], A + B, rtol=1e-2, atol=1e-2)


def test_fp16_io_for_a_float32_model(tmp_path):
    path = str(tmp_path / "m.mlpackage")
    model = hlo_coreml.compile(
        jnp.tanh,
        A,
        minimum_deployment_target="iOS16",
        inputs=[ct.TensorType(name="x", dtype=np.float16)],
        outputs=[ct.TensorType(name="y", dtype=np.float16)],
        output_path=path,
    )
    d = model.get_spec().description
    assert _dtype(d.input[0]) == FT.FLOAT16 and _dtype(d.output[0]) == FT.FLOAT16
    out = hlo_coreml.run(path, {"x": A.astype(np.float16)})["y"]
    assert out.dtype == np.float16
    np.testing.assert_allclose(out, np.tanh(A), rtol=1e-2, atol=1e-2)
    meta = json.loads(model.user_defined_metadata[INTERFACE_METADATA_KEY])
    assert meta["inputs"][0]["io_dtype"] == "f16" and meta["inputs"][0]["element"] == "f32"


def test_fp32_io_for_a_float16_model():
    model = hlo_coreml.compile(jnp.tanh, A.astype(np.float16), inputs=[ct.TensorType(dtype=np.float32)], outputs=[ct.TensorType(dtype=np.float32)])
    d = model.get_spec().description
    assert _dtype(d.input[0]) == FT.FLOAT32 and _dtype(d.output[0]) == FT.FLOAT32


def test_float_dtype_for_an_int_input_refused():
    with pytest.raises(hlo_coreml.CompileError, match="only fp16 <-> fp32"):
        hlo_coreml.compile(lambda i: i * 2, np.arange(4, dtype=np.int32), inputs=[ct.TensorType(dtype=np.float16)])


def test_image_input(tmp_path):
    def net(image):
        return image.mean(axis=(2, 3))

    image = RNG.uniform(0, 255, (1, 3, 8, 8)).astype(np.float32)
    path = str(tmp_path / "img.mlpackage")
    model = hlo_coreml.compile(
        net, image, inputs=[ct.ImageType(name="photo", scale=1 / 255.0, color_layout=ct.colorlayout.RGB)], output_path=path
    )
    feature = model.get_spec().description.input[0]
    assert feature.name == "photo" and feature.type.WhichOneof("Type") == "imageType"
    assert (feature.type.imageType.width, feature.type.imageType.height) == (8, 8)
    ops = [op.op_type for op in model._mil_program.functions["main"].operations]
    assert "mul" in ops or "add" in ops  # the image preprocessing (scale)


def test_image_input_preprocessing_numerics(tmp_path):
    """The scale and per-channel bias of a ct.ImageType are applied inside
    the program: the interpreter, fed the pixel tensor (0..255, channels in
    the declared color order), matches JAX run on pixels * scale + bias."""
    scale, bias = 1 / 255.0, [-0.5, -0.4, -0.3]

    def net(image):
        return jnp.tanh(image.mean(axis=(2, 3)) * jnp.array([1.0, 2.0, 3.0]))

    pixels = RNG.integers(0, 256, (1, 3, 8, 8)).astype(np.float32)
    path = str(tmp_path / "img.mlpackage")
    hlo_coreml.compile(
        net,
        pixels,
        inputs=[ct.ImageType(name="photo", scale=scale, bias=bias, color_layout=ct.colorlayout.BGR)],
        compute_precision="fp32",
        output_path=path,
    )
    got = hlo_coreml.run(path, {"photo": pixels})["result"]
    (want,) = jax_reference(net, pixels * np.float32(scale) + np.asarray(bias, np.float32).reshape(1, 3, 1, 1))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_image_input_must_be_rank_4():
    with pytest.raises(hlo_coreml.CompileError, match="rank-4"):
        hlo_coreml.compile(jnp.tanh, A, inputs=[ct.ImageType(name="img")])


def test_metadata(tmp_path):
    path = str(tmp_path / "meta.mlpackage")
    hlo_coreml.compile(
        jnp.tanh,
        A,
        output_path=path,
        author="Ada",
        version="1.2.3",
        description="a tanh",
        license="MIT",
        user_defined_metadata={"origin": "test"},
    )
    saved = ct.models.MLModel(path, skip_model_load=True)
    assert (saved.author, saved.version, saved.short_description, saved.license) == ("Ada", "1.2.3", "a tanh", "MIT")
    assert saved.user_defined_metadata["origin"] == "test"
    assert INTERFACE_METADATA_KEY in saved.user_defined_metadata


def test_bad_io_entry_refused():
    with pytest.raises(hlo_coreml.CompileError, match="names, None, ct.TensorType or ct.ImageType"):
        hlo_coreml.compile(jnp.tanh, A, inputs=[3])


def test_reference_numerics_with_names(tmp_path):
    params = {"w": RNG.standard_normal((4, 3)).astype(np.float32), "b": np.ones(3, np.float32)}
    path = str(tmp_path / "p.mlpackage")
    hlo_coreml.compile(_pytree_model, params, A, compute_precision="fp32", output_path=path)
    out = hlo_coreml.run(path, {"params_b": params["b"], "params_w": params["w"], "x": A})
    ref = jax_reference(_pytree_model, params, A)
    np.testing.assert_allclose(out["result_logits"], ref[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["result_norm"].reshape(()), ref[1], rtol=1e-5)
