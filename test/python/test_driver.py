"""hlo-coreml-opt, called in-process through hlo_coreml.opt_main.main().

The lit tests in test/lit/driver run the same behaviours through the
installed console script; these pin the exit codes and make sure no Python
traceback reaches the user, whatever the input.
"""

from __future__ import annotations

import importlib.util
import io
import sys

import pytest

from hlo_coreml import pipeline as pipelines
from hlo_coreml.opt_main import extract_pass_flags, main, split_chunks
from hlo_coreml.passes import PASS_REGISTRY

GOOD = """\
func.func @main(%arg0: tensor<4xi64>) -> tensor<4xi64> {
  %0 = stablehlo.add %arg0, %arg0 : tensor<4xi64>
  return %0 : tensor<4xi64>
}
"""

OUT_OF_RANGE = """\
func.func @main() -> tensor<i64> {
  %c = stablehlo.constant dense<4294967296> : tensor<i64>
  return %c : tensor<i64>
}
"""


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.mlir"
    path.write_text(GOOD)
    return path


def run(capsys, *argv):
    """(exit code, stdout, stderr) of hlo-coreml-opt ARGV."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_clean_failure(code, err):
    assert code == 1
    assert "error:" in err
    assert "Traceback" not in err


# -- listing ---------------------------------------------------------------------


def test_list_passes_lists_every_pass_and_pipeline(capsys):
    code, out, err = run(capsys, "--list-passes")
    assert code == 0 and err == ""
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("  --")}
    expected = {f"--{name}" for name in PASS_REGISTRY} | {f"--{name}" for name in pipelines.NAMED_PIPELINES}
    assert listed == expected
    for name, cls in PASS_REGISTRY.items():
        assert cls.summary in out, f"{name}'s summary is not listed"


def test_every_pass_is_a_flag(capsys, good):
    for name in PASS_REGISTRY:
        flags, rest = extract_pass_flags([f"--{name}", str(good)])
        assert flags == [name] and rest == [str(good)]


# -- success ------------------------------------------------------------------------


def test_pass_flag_before_input_does_not_swallow_it(capsys, good):
    code, out, err = run(capsys, "--hlo-coreml-narrow-types", good)
    assert (code, err) == (0, "")
    assert "tensor<4xi32>" in out and "i64" not in out


def test_pass_flag_options_need_equals():
    assert extract_pass_flags(["--hlo-coreml-narrow-types=a=1,b=2", "x.mlir"]) == (
        ["hlo-coreml-narrow-types{a=1,b=2}"],
        ["x.mlir"],
    )
    # Not ours: left to argparse.
    assert extract_pass_flags(["--split-input-file", "--canonicalize"]) == (
        [],
        ["--split-input-file", "--canonicalize"],
    )


def test_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(GOOD))
    code, out, err = run(capsys, "--hlo-coreml-narrow-types")
    assert (code, err) == (0, "")
    assert "tensor<4xi32>" in out


def test_stdin_binary(capsys, monkeypatch):
    class BinaryStdin:
        buffer = io.BytesIO(GOOD.encode())

    monkeypatch.setattr(sys, "stdin", BinaryStdin())
    code, out, err = run(capsys, "-", "--hlo-coreml-narrow-types")
    assert (code, err) == (0, "")
    assert "tensor<4xi32>" in out


def test_output_file(capsys, good, tmp_path):
    target = tmp_path / "out.mlir"
    code, out, err = run(capsys, good, "--hlo-coreml-narrow-types", "-o", target)
    assert (code, out, err) == (0, "", "")
    assert "tensor<4xi32>" in target.read_text()


def test_split_input_file_joins_outputs(capsys, tmp_path):
    path = tmp_path / "split.mlir"
    path.write_text(GOOD + "\n// -----\n\n" + GOOD.replace("@main", "@other"))
    code, out, err = run(capsys, path, "--split-input-file")
    assert (code, err) == (0, "")
    first, second = out.split("// -----\n")
    assert "@main" in first and "@other" in second


def test_pipeline_mixing_upstream_and_ours(capsys, good):
    code, out, err = run(capsys, good, "-p", "builtin.module(func.func(chlo-legalize-to-stablehlo),hlo-coreml-narrow-types,cse)")
    assert (code, err) == (0, "")
    assert "tensor<4xi32>" in out


# -- failures: exit code 1, an error line, never a traceback -------------------------


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)),  # binary junk
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # another format's magic
        b"ML\xefR\x00garbage",  # MLIR bytecode magic, then junk
        b"hello world\n",  # text, not MLIR
        b"func.func @main( {\n",  # truncated MLIR
        b"\xff\xfe\x00\x00",  # not UTF-8
    ],
    ids=["binary", "png", "bad-bytecode", "text", "truncated", "not-utf8"],
)
def test_not_mlir(capsys, tmp_path, content):
    path = tmp_path / "input.mlir"
    path.write_bytes(content)
    code, out, err = run(capsys, path, "--hlo-coreml-narrow-types")
    assert_clean_failure(code, err)
    assert out == ""


def test_parse_error_has_file_line_col(capsys, tmp_path):
    path = tmp_path / "bad.mlir"
    path.write_text(GOOD.replace("%arg0, %arg0", "%arg0, %nope"))
    code, out, err = run(capsys, path)
    assert_clean_failure(code, err)
    assert err.startswith(f"{path}:2:29: error: use of undeclared SSA value name")


def test_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "nope.mlir")
    assert_clean_failure(code, err)
    assert "cannot read input" in err


def test_pass_error_fails_and_writes_no_output_file(capsys, tmp_path):
    path = tmp_path / "range.mlir"
    path.write_text(OUT_OF_RANGE)
    target = tmp_path / "out.mlir"
    code, out, err = run(capsys, path, "--hlo-coreml-narrow-types", "-o", target)
    assert_clean_failure(code, err)
    assert f"{path}:2:8: error: 'stablehlo.constant' value 4294967296 does not fit in i32" in err
    assert not target.exists()


def test_split_chunk_failure_keeps_going(capsys, tmp_path):
    path = tmp_path / "split.mlir"
    path.write_text(OUT_OF_RANGE + "// -----\n" + GOOD)
    code, out, err = run(capsys, path, "--split-input-file", "--hlo-coreml-narrow-types")
    assert_clean_failure(code, err)
    assert err.count("error:") == 1
    assert "tensor<4xi32>" in out  # the second chunk still ran


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--pass-pipeline", "builtin.module(hlo-coreml-bogus)"], "'hlo-coreml-bogus' does not refer to a registered pass"),
        (["--pass-pipeline", "builtin.module(bogus-upstream)"], "'bogus-upstream' does not refer to a registered pass"),
        (["--hlo-coreml-narrow-types=bogus=1"], "has no option 'bogus'"),
        (["--hlo-coreml-legalize-pipeline=x"], "takes no options"),
        (["--pass-pipeline", "builtin.module(canonicalize{bogus=1})"], "no such option bogus"),
        (["--pass-pipeline", "builtin.module(chlo-legalize-to-stablehlo)"], "did you intend to nest?"),
        (["--pass-pipeline", "builtin.module(a,(b)"], "unbalanced pipeline"),
    ],
    ids=["ours", "upstream", "option", "pipeline-option", "upstream-option", "nesting", "unbalanced"],
)
def test_bad_pipeline_reported_once(capsys, tmp_path, argv, message):
    path = tmp_path / "split.mlir"
    path.write_text(GOOD + "// -----\n" + GOOD + "// -----\n" + GOOD)
    code, out, err = run(capsys, path, "--split-input-file", *argv)
    assert_clean_failure(code, err)
    assert message in err
    assert err.count(message) == 1, "reported once, not once per chunk"
    assert out == ""


def test_unknown_flag_is_a_usage_error(capsys, good):
    with pytest.raises(SystemExit) as exit_info:
        main([str(good), "--hlo-coreml-narrow-typo"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --hlo-coreml-narrow-typo" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("coremltools") is None, reason="needs coremltools")
def test_bad_target(capsys, good):
    code, out, err = run(capsys, good, "--emit=mil", "--target=iOS99")
    assert_clean_failure(code, err)
    assert "unknown deployment target 'iOS99'" in err


# -- --verify-diagnostics ----------------------------------------------------------------


def test_verify_diagnostics_match(capsys, tmp_path):
    path = tmp_path / "expect.mlir"
    path.write_text(
        OUT_OF_RANGE.replace(
            "  %c =", "  // expected-error@+1 {{value 4294967296 does not fit in i32}}\n  %c ="
        )
    )
    code, out, err = run(capsys, path, "--verify-diagnostics", "--hlo-coreml-narrow-types")
    assert (code, err) == (0, "")


def test_verify_diagnostics_mismatch(capsys, tmp_path):
    path = tmp_path / "expect.mlir"
    path.write_text("// expected-error@+1 {{this never happens}}\n" + OUT_OF_RANGE)
    code, out, err = run(capsys, path, "--verify-diagnostics", "--hlo-coreml-narrow-types")
    assert_clean_failure(code, err)
    assert "value 4294967296 does not fit in i32" in err and "<-- unexpected" in err
    assert 'expected error "this never happens" was not produced' in err


# -- split_chunks --------------------------------------------------------------------------


def test_split_chunks_keep_absolute_lines():
    text = "a\n// -----\nb\nc\n// -----\nd\n"
    chunks = split_chunks(text, True)
    assert [c.strip() for c, _ in chunks] == ["a", "b\nc", "d"]
    for chunk, offset in chunks:
        first = chunk.strip().splitlines()[0]
        line = ("\n" * offset + chunk).splitlines().index(first) + 1
        assert text.splitlines()[line - 1] == first
    assert split_chunks(text, False) == [(text, 0)]
    assert len(split_chunks("a\n// ------\nb\n", True)) == 1, "near misses do not split"
