"""hlo-coreml inspect on three compiled models: checked against what we know
each model contains."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hlo_coreml
from hlo_coreml.cli import main as cli_main
from hlo_coreml.inspect_model import inspect


def _mlp(x):
    w = np.linspace(-1, 1, 8 * 4, dtype=np.float32).reshape(8, 4)
    return jax.nn.relu(x @ w + 0.5)


def _conv(x):
    k = np.ones((3, 3, 2, 4), np.float32) / 9
    return jax.lax.conv_general_dilated(x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _int_model(i):
    return (i * 3 + 1).sum(axis=-1)


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    root = tmp_path_factory.mktemp("inspect")
    paths = {}
    paths["mlp"] = str(root / "mlp.mlpackage")
    hlo_coreml.compile(_mlp, np.zeros((2, 8), np.float32), output_path=paths["mlp"])
    paths["conv"] = str(root / "conv.mlpackage")
    hlo_coreml.compile(
        _conv, np.zeros((1, 6, 6, 2), np.float32), compute_precision="fp32", output_path=paths["conv"],
        minimum_deployment_target="iOS18",
    )
    paths["int"] = str(root / "int.mlpackage")
    hlo_coreml.compile(_int_model, np.zeros((3, 5), np.int32), output_path=paths["int"], minimum_deployment_target="iOS15")
    return paths


def test_fp16_mlp(packages):
    report = inspect(packages["mlp"])
    assert report.specification_version == 8 and report.opset == "CoreML7"
    assert report.inputs == [{"name": "x", "shape": [2, 8], "dtype": "FLOAT32"}]
    assert report.op_counts.get("linear") == 1
    assert report.fp16_compute_share == 1.0
    assert report.max_rank == 2
    assert not any("fp32" in note for note in report.neural_engine_notes)


def test_fp32_conv(packages):
    report = inspect(packages["conv"])
    assert report.specification_version == 9
    assert report.op_counts.get("conv") == 1
    assert report.fp16_compute_share == 0.0
    assert report.max_rank == 4
    assert any("fp32" in note for note in report.neural_engine_notes)


def test_int_model(packages):
    report = inspect(packages["int"])
    assert report.specification_version == 6
    assert report.inputs[0]["dtype"] == "INT32"
    assert report.fp16_compute_share is None  # no matmul/conv at all
    assert any("integer compute" in note for note in report.neural_engine_notes)


def test_cli_text_and_json(packages, capsys):
    assert cli_main(["inspect", packages["conv"]]) == 0
    text = capsys.readouterr().out
    assert "specification version 9" in text and "conv" in text and "highest tensor rank: 4" in text
    assert cli_main(["inspect", packages["mlp"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["op_counts"]["linear"] == 1


def test_cli_missing_package(tmp_path, capsys):
    assert cli_main(["inspect", str(tmp_path / "nope.mlpackage")]) == 1
    assert "not an .mlpackage" in capsys.readouterr().err


@pytest.mark.parametrize("flexible, shown", [("range", "[1..16, 8]"), ("enumerated", "[2|4, 8]")])
def test_flexible_input_shapes(tmp_path, capsys, flexible, shown):
    import coremltools as ct

    b = jax.export.symbolic_shape("b")[0]
    exported = jax.export.export(jax.jit(_mlp))(jax.ShapeDtypeStruct((b, 8), jnp.float32))
    shape = (
        (ct.RangeDim(1, 16, default=2), 8)
        if flexible == "range"
        else ct.EnumeratedShapes(shapes=[(2, 8), (4, 8)], default=(2, 8))
    )
    path = str(tmp_path / "flex.mlpackage")
    hlo_coreml.compile(exported, inputs=[ct.TensorType(name="x", shape=shape)], output_path=path)
    assert cli_main(["inspect", path]) == 0
    text = capsys.readouterr().out
    assert f"    x: {shown} FLOAT32" in text
    # The output's size follows the input's: the spec holds no shape for it.
    assert "    result: [?] FLOAT32" in text
    assert ("range (ct.RangeDim) inputs x" in text) == (flexible == "range")
