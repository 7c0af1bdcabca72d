"""End-to-end errors: what the user can get wrong gives a CompileError (or
its subclass LegalizationError) that names the op and points at the source,
and a failed compile leaves nothing on disk."""

from __future__ import annotations

import os

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import check_against_jax, enable_x64

X = np.linspace(-1, 1, 6, dtype=np.float32)
THIS_FILE = os.path.basename(__file__)


def compile_error(fn, *args, error=hlo_coreml.CompileError, **kwargs) -> str:
    kwargs.setdefault("compute_precision", "fp32")
    with pytest.raises(error) as info:
        hlo_coreml.compile(fn, *args, **kwargs)
    return str(info.value)


# -- unsupported ops -----------------------------------------------------------


def unsupported(x):
    """An op hlo-coreml refuses (emit/refused.py): random bits drawn in the model."""
    return x + lax.rng_uniform(0.0, 1.0, x.shape)


def test_unsupported_op_with_hint():
    def f(x):
        return unsupported(x) + 1.0

    message = compile_error(f, X, error=hlo_coreml.LegalizationError)
    assert "'stablehlo.rng' is not supported by Core ML" in message
    assert "pass them in as an input" in message  # the hint from emit/refused.py
    # The diagnostic points into this file (the user's source), not at compiler internals.
    assert THIS_FILE in message


def test_unsupported_op_rng():
    message = compile_error(lambda x: x + lax.rng_uniform(0.0, 1.0, (6,)), X, error=hlo_coreml.LegalizationError)
    assert "'stablehlo.rng'" in message and "random" in message
    assert THIS_FILE in message


def test_every_problem_is_reported():
    # Two unsupported ops: both are listed, each with its own location.
    def f(x):
        a = unsupported(x)
        b = jnp.linalg.qr(x.reshape(2, 3))[0]  # a LAPACK custom call hlo-coreml does not know
        return a, b

    err = None
    try:
        hlo_coreml.compile(f, X, compute_precision="fp32")
    except hlo_coreml.LegalizationError as e:
        err = e
    assert err is not None
    text = str(err)
    assert "'stablehlo.rng'" in text and "'stablehlo.custom_call'" in text
    assert len(err.diagnostics) >= 2
    assert all(": error: " in line or ": note: " in line for line in err.diagnostics)


def test_bitwise_and_dilated_dynamic_conv_now_supported():
    # Formerly refused: i32 bitwise ops and a dilated conv with a non-constant kernel.
    check_against_jax(lambda i: (i & 3, lax.clz(i), i % 3), np.arange(-4, 4, dtype=np.int32))

    def f(x, w):
        return lax.conv_general_dilated(x, w, (1, 1), "SAME", rhs_dilation=(2, 2))

    x, w = np.ones((1, 2, 8, 8), np.float32), np.linspace(-1, 1, 54, dtype=np.float32).reshape(3, 2, 3, 3)
    check_against_jax(f, x, w, rtol=1e-5, atol=1e-5)


def test_rank_above_five_in_a_loop_carry_now_supported():
    # Formerly refused: a while loop (more steps than max_unroll) carrying a
    # rank-6 value. hlo-coreml-cap-rank now carries it merged to rank 5.
    def f(y):
        return lax.fori_loop(0, 1000, lambda i, c: c * 0.999, y.reshape(1, 2, 1, 3, 1, 1)).reshape(-1)

    check_against_jax(f, X, rtol=1e-4, atol=1e-6)


def test_unsupported_element_type():
    # bf16 is held in f32 (hlo-coreml-widen-bf16); 8-bit floats have no Core ML type.
    message = compile_error(lambda x: x * 2, jnp.ones(3, jnp.float8_e4m3fn), error=hlo_coreml.LegalizationError)
    assert "f8E4M3FN" in message


def test_error_is_not_a_traceback_from_the_emitter():
    # An emitter failure would be an internal bug (EmitterBug); user errors
    # are CompileErrors raised before anything is emitted.
    with pytest.raises(hlo_coreml.CompileError) as info:
        hlo_coreml.compile(unsupported, X)
    assert not isinstance(info.value, RuntimeError)


# -- 64-bit values that do not narrow -------------------------------------------


def test_i64_constant_out_of_int32_range():
    with enable_x64():
        message = compile_error(lambda x: x + 2**40, np.arange(3, dtype=np.int64), error=hlo_coreml.LegalizationError)
    assert "'stablehlo.constant'" in message
    assert str(2**40) in message and "i32" in message


def test_f64_constant_out_of_f32_range():
    with enable_x64():
        message = compile_error(lambda x: x * 1e300, np.ones(3), error=hlo_coreml.LegalizationError)
    assert "'stablehlo.constant'" in message and "f32" in message


def test_i64_constant_in_range_narrows():
    # The boundary values of int32 still narrow.
    with enable_x64():
        check_against_jax(lambda x: (x + (2**31 - 1), x + (-(2**31))), np.zeros(3, dtype=np.int64))


# -- bad input files and text ---------------------------------------------------


def test_file_that_is_not_mlir(tmp_path):
    path = tmp_path / "notes.mlir"
    path.write_text("hello world, this is not MLIR\n")
    message = compile_error(str(path))
    assert str(path) in message and "error" in message


def test_binary_file_that_is_not_mlir(tmp_path):
    path = tmp_path / "random.bin"
    path.write_bytes(bytes(range(256)) * 4)
    message = compile_error(path)
    assert "not MLIR" in message


def test_missing_file(tmp_path):
    message = compile_error(str(tmp_path / "missing.mlir"))
    assert "cannot read" in message


BAD_SHAPES = """\
func.func @main(%a: tensor<2xf32>) -> tensor<3xf32> {
  %0 = stablehlo.add %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
"""


def test_mlir_that_does_not_verify(tmp_path):
    path = tmp_path / "bad.mlir"
    path.write_text(BAD_SHAPES)
    message = compile_error(str(path))
    assert "'stablehlo.add'" in message
    assert f"{path}:2:" in message  # file:line of the offending op


def test_mlir_text_that_does_not_verify():
    message = compile_error(BAD_SHAPES)
    assert "'stablehlo.add'" in message


def test_mlir_without_main():
    message = compile_error("func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> { return %a : tensor<2xf32> }")
    assert "main" in message


def test_valid_mlir_text_compiles_and_runs(tmp_path):
    # The other side of the coin: the same path works for valid text.
    text = """\
func.func @main(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = stablehlo.broadcast_in_dim %b, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
  %1 = stablehlo.multiply %a, %0 : tensor<2x3xf32>
  %2 = stablehlo.tanh %1 : tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}
"""
    path = tmp_path / "ok.mlir"
    path.write_text(text)
    out_path = tmp_path / "ok.mlpackage"
    model = hlo_coreml.compile(str(path), compute_precision="fp32", output_path=out_path)
    names = [i.name for i in model.get_spec().description.input]
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    b = np.array([1.0, -0.5, 2.0], np.float32)
    (out,) = hlo_coreml.run(str(out_path), dict(zip(names, [a, b]))).values()
    np.testing.assert_allclose(out, np.tanh(a * b), rtol=1e-6)


# -- options -------------------------------------------------------------------


def test_bad_output_path_suffix(tmp_path):
    message = compile_error(jnp.sin, X, output_path=tmp_path / "model.mlmodel")
    assert ".mlpackage" in message
    assert list(tmp_path.iterdir()) == []


def test_bad_precision_and_target():
    assert "precision" in compile_error(jnp.sin, X, compute_precision="fp8")
    assert "iOS" in compile_error(jnp.sin, X, minimum_deployment_target="iOS11")


# -- nothing left behind ---------------------------------------------------------


def ct_model(path):
    import coremltools as ct

    return ct.models.MLModel(str(path), skip_model_load=True)


def test_failed_compile_leaves_nothing(tmp_path):
    out = tmp_path / "model.mlpackage"
    compile_error(unsupported, X, output_path=out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_compile_keeps_existing_package(tmp_path):
    out = tmp_path / "model.mlpackage"
    hlo_coreml.compile(jnp.sin, X, compute_precision="fp32", output_path=out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    compile_error(unsupported, X, output_path=out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.mlpackage"]
    (name,) = [i.name for i in ct_model(out).get_spec().description.input]
    (result,) = hlo_coreml.run(str(out), {name: X}).values()
    np.testing.assert_allclose(result, np.sin(X), rtol=1e-6, atol=1e-7)


def test_save_failure_leaves_nothing(tmp_path, monkeypatch):
    # A failure while writing (disk full, ...) after part of the package is
    # on disk must not leave that part behind.
    import coremltools as ct

    real_save = ct.models.MLModel.save

    def failing_save(self, path):
        real_save(self, path)  # a complete package in the staging directory...
        raise OSError("No space left on device")  # ...then the write fails

    monkeypatch.setattr(ct.models.MLModel, "save", failing_save)
    out = tmp_path / "model.mlpackage"
    # A write failure is the user's environment, not a bug: a CompileError.
    with pytest.raises(hlo_coreml.CompileError, match="No space left on device"):
        hlo_coreml.compile(jnp.sin, X, compute_precision="fp32", output_path=out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
