"""Refused ops: `hlo-coreml compile` exits with status 1 and a diagnostic
naming the op, its location, why Core ML cannot run it and what to do; the
reasons come from hlo_coreml.emit.refused, which the README also lists."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import pytest

from hlo_coreml import cli
from hlo_coreml.emit.refused import REFUSED

CASES = {
"stablehlo.custom_call": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.custom_call @my_kernel(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
"stablehlo.rng": '''func.func @main(%a: tensor<f32>, %b: tensor<f32>) -> tensor<4xf32> {
  %s = stablehlo.constant dense<4> : tensor<1xi64>
  %0 = "stablehlo.rng"(%a, %b, %s) {rng_distribution = #stablehlo<rng_distribution UNIFORM>} : (tensor<f32>, tensor<f32>, tensor<1xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
"stablehlo.rng_bit_generator": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xui32> {
  %s = stablehlo.constant dense<[1, 2]> : tensor<2xui64>
  %0:2 = "stablehlo.rng_bit_generator"(%s) {rng_algorithm = #stablehlo<rng_algorithm DEFAULT>} : (tensor<2xui64>) -> (tensor<2xui64>, tensor<4xui32>)
  return %0#1 : tensor<4xui32>
}''',
"stablehlo.all_reduce": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.all_reduce"(%x) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %1 : tensor<f32>
  }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
"stablehlo.all_gather": '''func.func @main(%x: tensor<4xf32>) -> tensor<8xf32> {
  %0 = "stablehlo.all_gather"(%x) {all_gather_dim = 0 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}''',
"stablehlo.all_to_all": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.all_to_all"(%x) {split_dimension = 0 : i64, concat_dimension = 0 : i64, split_count = 2 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
"stablehlo.collective_permute": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.collective_permute"(%x) {source_target_pairs = dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
"stablehlo.collective_broadcast": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.collective_broadcast"(%x) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
"stablehlo.reduce_scatter": '''func.func @main(%x: tensor<4xf32>) -> tensor<2xf32> {
  %0 = "stablehlo.reduce_scatter"(%x) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %1 : tensor<f32>
  }) {scatter_dimension = 0 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<4xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}''',
"stablehlo.partition_id": '''func.func @main(%x: tensor<f32>) -> tensor<ui32> {
  %0 = "stablehlo.partition_id"() : () -> tensor<ui32>
  return %0 : tensor<ui32>
}''',
"stablehlo.replica_id": '''func.func @main(%x: tensor<f32>) -> tensor<ui32> {
  %0 = "stablehlo.replica_id"() : () -> tensor<ui32>
  return %0 : tensor<ui32>
}''',
"stablehlo.infeed": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %t = "stablehlo.create_token"() : () -> !stablehlo.token
  %0:2 = "stablehlo.infeed"(%t) {infeed_config = ""} : (!stablehlo.token) -> (tensor<4xf32>, !stablehlo.token)
  return %0#0 : tensor<4xf32>
}''',
"stablehlo.outfeed": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %t = "stablehlo.after_all"() : () -> !stablehlo.token
  %0 = "stablehlo.outfeed"(%x, %t) {outfeed_config = ""} : (tensor<4xf32>, !stablehlo.token) -> !stablehlo.token
  return %x : tensor<4xf32>
}''',
"stablehlo.send": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %t = "stablehlo.create_token"() : () -> !stablehlo.token
  %0 = "stablehlo.send"(%x, %t) {channel_handle = #stablehlo.channel_handle<handle = 1, type = 2>, is_host_transfer = true} : (tensor<4xf32>, !stablehlo.token) -> !stablehlo.token
  return %x : tensor<4xf32>
}''',
"stablehlo.recv": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %t = "stablehlo.create_token"() : () -> !stablehlo.token
  %0:2 = "stablehlo.recv"(%t) {channel_handle = #stablehlo.channel_handle<handle = 1, type = 3>, is_host_transfer = true} : (!stablehlo.token) -> (tensor<4xf32>, !stablehlo.token)
  return %0#0 : tensor<4xf32>
}''',
"stablehlo.select_and_scatter": '''func.func @main(%x: tensor<4xf32>, %s: tensor<2xf32>, %i: tensor<f32>) -> tensor<4xf32> {
  %0 = "stablehlo.select_and_scatter"(%x, %s, %i) ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.compare GE, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %1 : tensor<i1>
  }, {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.subtract %a, %b : tensor<f32>
    stablehlo.return %1 : tensor<f32>
  }) {window_dimensions = array<i64: 2>, window_strides = array<i64: 2>} : (tensor<4xf32>, tensor<2xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
"stablehlo.batch_norm_training": '''func.func @main(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %o: tensor<3xf32>) -> tensor<2x3xf32> {
  %0:3 = "stablehlo.batch_norm_training"(%x, %s, %o) {epsilon = 1.0e-3 : f32, feature_index = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return %0#0 : tensor<2x3xf32>
}''',
"stablehlo.batch_norm_grad": '''func.func @main(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>, %g: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0:3 = "stablehlo.batch_norm_grad"(%x, %s, %m, %v, %g) {epsilon = 1.0e-3 : f32, feature_index = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return %0#0 : tensor<2x3xf32>
}''',
# Unrolled by hlo-coreml-decompose-linalg up to n = 32; refused above.
"stablehlo.cholesky": '''func.func @main(%x: tensor<33x33xf32>) -> tensor<33x33xf32> {
  %0 = "stablehlo.cholesky"(%x) {lower = true} : (tensor<33x33xf32>) -> tensor<33x33xf32>
  return %0 : tensor<33x33xf32>
}''',
"stablehlo.triangular_solve": '''func.func @main(%a: tensor<33x33xf32>, %b: tensor<33x2xf32>) -> tensor<33x2xf32> {
  %0 = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose NO_TRANSPOSE>} : (tensor<33x33xf32>, tensor<33x2xf32>) -> tensor<33x2xf32>
  return %0 : tensor<33x2xf32>
}''',
"stablehlo.map": '''func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.map"(%x) ({
  ^bb0(%a: tensor<f32>):
    %z = stablehlo.constant dense<0.0> : tensor<f32>
    %1 = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [] : (tensor<f32>, tensor<f32>) -> tensor<f32>
    stablehlo.return %1 : tensor<f32>
  }) {dimensions = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}''',
}


def compile_cli(tmp_path, text, *flags):
    source = tmp_path / "f.mlir"
    source.write_text(text)
    out = tmp_path / "out.mlpackage"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = cli.main(["compile", str(source), "-o", str(out), *flags])
    assert not out.exists(), "a failed compile left a package behind"
    return rc, err.getvalue()


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused(tmp_path, name):
    rc, err = compile_cli(tmp_path, CASES[name])
    assert rc == 1, err
    line = next(l for l in err.splitlines() if f"'{name}'" in l)
    assert "f.mlir:" in line and ": error: " in line  # the op's location
    if name == "stablehlo.custom_call":
        assert "target 'my_kernel'" in line and "not supported by Core ML" in line
    elif name in ("stablehlo.cholesky", "stablehlo.triangular_solve"):
        # Refused by hlo-coreml-decompose-linalg, with the size and the limit
        # (smaller ones are unrolled: test_ops_linalg.py).
        assert f"'{name}' of a 33x33 matrix is not supported by Core ML" in line
        assert "n <= 32" in line and "outside the model" in line
    else:
        assert f"'{name}' is not supported by Core ML: it {REFUSED[name]}" in line
    if name == "stablehlo.map":
        assert "(here: its body holds 'stablehlo.reduce', which has a region)" in line


def test_every_refused_op_has_a_case():
    untested = set(REFUSED) - set(CASES) - {
        # Need dialects/syntax the importer does not load (quant types,
        # async bundles) or need dynamic shapes that survive shape refinement.
        "stablehlo.uniform_quantize", "stablehlo.uniform_dequantize",
        "stablehlo.async_start", "stablehlo.async_done", "stablehlo.cross-replica-sum",
        "stablehlo.after_all", "stablehlo.create_token",  # covered by infeed/outfeed/send/recv
        "stablehlo.dynamic_conv", "stablehlo.dynamic_gather", "stablehlo.dynamic_pad",
        "stablehlo.real_dynamic_slice", "stablehlo.set_dimension_size",
    }
    assert not untested


def test_dynamic_shape_refused(tmp_path):
    text = """func.func @main(%x: tensor<?xf32>) -> tensor<?xf32> {
      %0 = stablehlo.add %x, %x : tensor<?xf32>
      return %0 : tensor<?xf32>
    }"""
    # Without sizes for the ? dim: both fixes are named.
    rc, err = compile_cli(tmp_path, text)
    assert rc == 1 and "input 'input_0' has dynamic dimensions" in err and "--specialize" in err
    assert "--input-range" in err and "Traceback" not in err
    # Flexible, through an op whose emitter needs static shapes: op, location, fix.
    text = """func.func @main(%x: tensor<?xf32>) -> tensor<?xf32> {
      %0 = stablehlo.reverse %x, dims = [0] : tensor<?xf32>
      return %0 : tensor<?xf32>
    }"""
    rc, err = compile_cli(tmp_path, text, "--input-range", "input_0=1:8")
    assert rc == 1 and "f.mlir:2:12: error: 'stablehlo.reverse' has a dynamic dimension" in err
    assert "--specialize" in err and "Traceback" not in err


def test_exit_code_of_console_script(tmp_path):
    source = tmp_path / "f.mlir"
    source.write_text(CASES["stablehlo.cholesky"])
    proc = subprocess.run(
        [sys.executable, "-m", "hlo_coreml.cli", "compile", str(source), "-o", str(tmp_path / "o.mlpackage")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 1
    assert "'stablehlo.cholesky' of a 33x33 matrix is not supported by Core ML" in proc.stderr
    assert "Traceback" not in proc.stderr
