"""Deployment targets: every ML-program target coremltools offers is
accepted, written with its specification version and built with its own
opset; what needs a newer target is lowered or refused up front."""

import coremltools as ct
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hlo_coreml
from hlo_coreml.coreml import target_names

X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
# ct.target value (specification version) -> MIL opset label in the proto.
OPSET_LABEL = {6: "CoreML5", 7: "CoreML6", 8: "CoreML7", 9: "CoreML8", 10: "CoreML9"}


def test_every_mlprogram_target_is_offered():
    names = target_names()
    for name in ("iOS15", "macOS12", "iOS16", "iOS17", "iOS18", "macOS15", "watchOS11", "tvOS18"):
        assert name in names
    assert "iOS26" in names  # coremltools 9's newest
    assert "iOS14" not in names


@pytest.mark.parametrize("name", target_names())
def test_target_specification_version_and_opset(name):
    target = getattr(ct.target, name)
    model = hlo_coreml.compile(lambda x: jnp.tanh(x) * 2, X, minimum_deployment_target=name)
    spec = model.get_spec()
    assert spec.specificationVersion == target.value
    assert spec.mlProgram.functions["main"].opset == OPSET_LABEL[target.value]
    # Built with the target's opset, not labelled after the fact.
    assert model._mil_program.functions["main"].opset_version == target


def test_default_target_is_ios17():
    assert hlo_coreml.compile(jnp.tanh, X).get_spec().specificationVersion == ct.target.iOS17.value


def test_ct_target_member_accepted():
    assert hlo_coreml.compile(jnp.tanh, X, minimum_deployment_target=ct.target.macOS13).get_spec().specificationVersion == 7


@pytest.mark.parametrize("bad", ["iOS14", "macOS11", "iOS99", 17])
def test_bad_targets_refused(bad):
    with pytest.raises(hlo_coreml.CompileError):
        hlo_coreml.compile(jnp.tanh, X, minimum_deployment_target=bad)


def _attention(q, k, v):
    s = jnp.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(q.shape[-1]).astype(np.float32)
    return jnp.einsum("bhqk,bhkd->bhqd", jax.nn.softmax(s, axis=-1), v)


def test_op_needing_ios18_is_lowered_before():
    # scaled_dot_product_attention is iOS18+; older targets keep the
    # decomposition (matmul, softmax, matmul).
    q = np.random.default_rng(0).standard_normal((1, 2, 4, 8)).astype(np.float32)
    ops18 = [op.op_type for op in hlo_coreml.compile(_attention, q, q, q, minimum_deployment_target="iOS18")._mil_program.functions["main"].operations]
    ops17 = [op.op_type for op in hlo_coreml.compile(_attention, q, q, q, minimum_deployment_target="iOS17")._mil_program.functions["main"].operations]
    assert "scaled_dot_product_attention" in ops18
    assert "scaled_dot_product_attention" not in ops17 and "softmax" in ops17


def test_fp16_io_below_ios16_refused_up_front():
    with pytest.raises(hlo_coreml.CompileError) as info:
        hlo_coreml.compile(jnp.tanh, X, minimum_deployment_target="iOS15", inputs=[ct.TensorType(name="x", dtype=np.float16)])
    message = str(info.value)
    assert "fp16 input 'x' needs minimum_deployment_target iOS16" in message
    assert "the target is iOS15" in message and "--target iOS16" in message
    with pytest.raises(hlo_coreml.CompileError, match="fp16 output 'y' needs minimum_deployment_target iOS16"):
        hlo_coreml.compile(jnp.tanh, X, minimum_deployment_target="macOS12", outputs=[ct.TensorType(name="y", dtype=np.float16)])


def test_float16_model_below_ios16_gets_fp32_features():
    # Nobody asked for fp16 I/O: an fp16 model travels as fp32 below iOS16.
    model = hlo_coreml.compile(jnp.tanh, X.astype(np.float16), minimum_deployment_target="iOS15")
    array = model.get_spec().description.input[0].type.multiArrayType
    assert array.dataType == ct.proto.FeatureTypes_pb2.ArrayFeatureType.FLOAT32


def test_state_below_ios18_refused_up_front():
    with pytest.raises(hlo_coreml.CompileError, match="states need minimum_deployment_target iOS18"):
        hlo_coreml.compile(lambda c: c + 1, X.astype(np.float16), states={"c": "result"})
