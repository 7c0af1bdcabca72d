"""Bad input and faults (issue #15): every failure is a clear error (a
CompileError in Python, `error: ...` and exit code 1 on the command line),
nothing is left behind, no user file is ever lost, memory stays bounded.

Numerics are checked against JAX on CPU.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hlo_coreml
from hlo_coreml import cli, limits, staging
from hlo_coreml.interpreter import InterpreterError
from helpers import jax_reference

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MLP = os.path.join(ROOT, "examples", "mlp.mlir")
X = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)


def _cli(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """A compiled examples/mlp.mlir (x: 4x16 f32 -> result: 4x10)."""
    path = str(tmp_path_factory.mktemp("pkg") / "mlp.mlpackage")
    assert cli.main(["compile", MLP, "-o", path]) == 0
    return path


def _copy(package, tmp_path, name="copy.mlpackage"):
    dest = tmp_path / name
    shutil.copytree(package, dest)
    return dest


def _npy(tmp_path, name, array):
    path = tmp_path / name
    np.save(path, array)
    return str(path)


# ---------------------------------------------------------------------------
# Error discipline on the command line: exit 1 and `error: ...`, never 2
# ---------------------------------------------------------------------------


def test_output_folder_not_writable(tmp_path, capsys, monkeypatch):
    # The staging folder cannot be created (a read-only folder; root ignores
    # permissions, so the refusal is simulated at the system call).
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(staging.tempfile, "mkdtemp", refuse)
    code, _, err = _cli(["compile", MLP, "-o", str(tmp_path / "m.mlpackage")], capsys)
    assert code == 1
    assert f"error: cannot write into {tmp_path}: Permission denied" in err
    assert "internal error" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_output_folder_read_only(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = _cli(["compile", MLP, "-o", str(ro / "m.mlpackage")], capsys)
    finally:
        ro.chmod(0o755)
    assert code == 1 and "Permission denied" in err and "internal error" not in err


def test_output_under_a_file(capsys):
    code, _, err = _cli(["compile", MLP, "-o", "/dev/null/x.mlpackage"], capsys)
    assert code == 1
    assert "error: cannot write /dev/null/x.mlpackage: /dev/null is not a folder" in err


def test_output_folder_created_when_missing(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "m.mlpackage"
    code, _, _ = _cli(["compile", MLP, "-o", str(out)], capsys)
    assert code == 0 and (out / "Manifest.json").is_file()
    assert sorted(os.listdir(tmp_path / "a" / "b")) == ["m.mlpackage"]


def test_run_string_feed(package, tmp_path, capsys):
    code, _, err = _cli(["run", package, "-i", "x=" + _npy(tmp_path, "s.npy", np.array(["a", "b"]))], capsys)
    assert code == 1
    assert "error: input 'x' has dtype <U1; the program takes float32 numbers" in err


def test_run_not_a_package(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hi")
    code, _, err = _cli(["run", str(tmp_path)], capsys)
    assert code == 1
    assert f"error: {tmp_path} is not a Core ML package (an .mlpackage folder with Manifest.json)" in err


def test_run_corrupt_spec(package, tmp_path, capsys):
    bad = _copy(package, tmp_path)
    (bad / "Data" / "com.apple.CoreML" / "model.mlmodel").write_bytes(b"garbage\n")
    x = _npy(tmp_path, "x.npy", np.ones((4, 16), np.float32))
    code, _, err = _cli(["run", str(bad), "-i", f"x={x}"], capsys)
    assert code == 1
    assert "cannot read the Core ML package (damaged or incomplete?): DecodeError" in err


def test_run_missing_weights(package, tmp_path, capsys):
    bad = _copy(package, tmp_path)
    shutil.rmtree(bad / "Data" / "com.apple.CoreML" / "weights")
    x = _npy(tmp_path, "x.npy", np.ones((4, 16), np.float32))
    code, _, err = _cli(["run", str(bad), "-i", f"x={x}"], capsys)
    assert code == 1
    assert f"error: {bad}: cannot read the Core ML package" in err


def test_run_missing_weight_file(package, tmp_path, capsys):
    bad = _copy(package, tmp_path)
    os.remove(bad / "Data" / "com.apple.CoreML" / "weights" / "weight.bin")
    x = _npy(tmp_path, "x.npy", np.ones((4, 16), np.float32))
    code, _, err = _cli(["run", str(bad), "-i", f"x={x}"], capsys)
    assert code == 1 and f"error: {bad}: cannot" in err and "internal error" not in err


def test_run_output_into_missing_folder(package, tmp_path, capsys):
    x = _npy(tmp_path, "x.npy", np.ones((4, 16), np.float32))
    code, _, err = _cli(["run", package, "-i", f"x={x}", "-o", str(tmp_path / "nope" / "o.npz")], capsys)
    assert code == 1 and "the folder" in err and "does not exist" in err


def test_run_output_never_replaces_other_files(package, tmp_path, capsys):
    x = _npy(tmp_path, "x.npy", np.ones((4, 16), np.float32))
    notes = tmp_path / "notes.npz"
    notes.write_text("my notes")
    code, _, err = _cli(["run", package, "-i", f"x={x}", "-o", str(notes)], capsys)
    assert code == 1 and "is not an .npz archive; refusing to replace it" in err
    assert notes.read_text() == "my notes"
    # An .npz from an earlier run is replaced.
    out = tmp_path / "o.npz"
    assert _cli(["run", package, "-i", f"x={x}", "-o", str(out)], capsys)[0] == 0
    assert _cli(["run", package, "-i", f"x={x}", "-o", str(out)], capsys)[0] == 0
    assert np.load(out)["result"].shape == (4, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.npz", "o.npz", "x.npy"]


def test_run_feed_casts(package, tmp_path, capsys):
    rng = np.random.default_rng(0)
    lossy = rng.standard_normal((4, 16))  # float64 values float32 cannot hold
    code, _, err = _cli(["run", package, "-i", "x=" + _npy(tmp_path, "a.npy", lossy)], capsys)
    assert code == 1
    assert "input 'x' has dtype float64, and converting it to the program's float32 would change" in err
    assert "x.astype(np.float32)" in err
    # A float64 array holding float32 values is cast: same outputs as float32.
    exact = lossy.astype(np.float32)
    out64, out32 = tmp_path / "o64.npz", tmp_path / "o32.npz"
    feed64 = "x=" + _npy(tmp_path, "b.npy", exact.astype(np.float64))
    assert _cli(["run", package, "-i", feed64, "-o", str(out64)], capsys)[0] == 0
    assert _cli(["run", package, "-i", "x=" + _npy(tmp_path, "c.npy", exact), "-o", str(out32)], capsys)[0] == 0
    np.testing.assert_array_equal(np.load(out64)["result"], np.load(out32)["result"])


def test_run_feed_cast_rules():
    from hlo_coreml.interpreter.core import convert_feed

    i32, f32 = np.dtype(np.int32), np.dtype(np.float32)
    assert convert_feed("k", np.array([1, 2**31 - 1], np.int64), i32).dtype == i32
    assert convert_feed("b", np.array([True, False]), i32).tolist() == [1, 0]
    assert convert_feed("x", np.array([0.5, np.nan, np.inf]), f32).dtype == f32
    with pytest.raises(InterpreterError, match=r"2147483648 -> -2147483648"):
        convert_feed("k", np.array([0, 2**31], np.int64), i32)
    with pytest.raises(InterpreterError, match=r"1e\+39 -> inf"):
        convert_feed("x", np.array([1e39]), f32)
    with pytest.raises(InterpreterError, match=r"nan -> "):
        convert_feed("k", np.array([np.nan]), i32)
    with pytest.raises(InterpreterError, match="dtype object"):
        convert_feed("x", np.array([None, 1], dtype=object), f32)


# ---------------------------------------------------------------------------
# No user data is destroyed
# ---------------------------------------------------------------------------


def test_user_file_survives(tmp_path, capsys):
    notes = tmp_path / "notes.mlpackage"
    notes.write_text("my notes")
    code, _, err = _cli(["compile", MLP, "-o", str(notes)], capsys)
    assert code == 1 and "exists and is not a Core ML package; refusing to replace it" in err
    assert notes.read_text() == "my notes"
    with pytest.raises(hlo_coreml.CompileError, match="refusing to replace"):
        hlo_coreml.compile(jnp.sin, X, output_path=notes)
    assert notes.read_text() == "my notes"
    assert sorted(os.listdir(tmp_path)) == ["notes.mlpackage"]


def test_user_folder_survives(tmp_path, capsys):
    folder = tmp_path / "model.mlpackage"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes")
    code, _, err = _cli(["compile", MLP, "-o", str(folder)], capsys)
    assert code == 1 and "is a folder that is not a Core ML package (it has no Manifest.json)" in err
    with pytest.raises(hlo_coreml.CompileError, match="not a Core ML package"):
        hlo_coreml.compile(jnp.sin, X, output_path=str(folder))
    assert os.listdir(folder) == ["notes.txt"] and (folder / "notes.txt").read_text() == "my notes"
    assert sorted(os.listdir(tmp_path)) == ["model.mlpackage"]


def test_symlink_is_not_followed(tmp_path):
    target = tmp_path / "real"
    target.mkdir()
    (target / "Manifest.json").write_text("{}")
    link = tmp_path / "link.mlpackage"
    link.symlink_to(target)
    with pytest.raises(hlo_coreml.CompileError, match="symbolic link"):
        hlo_coreml.compile(jnp.sin, X, output_path=link)
    assert link.is_symlink() and os.listdir(target) == ["Manifest.json"]


def test_package_is_replaced_and_model_refers_to_it(tmp_path):
    out = tmp_path / "m.mlpackage"
    hlo_coreml.compile(jnp.sin, X, output_path=out, compute_precision="fp32")
    model = hlo_coreml.compile(jnp.cos, X, output_path=out, compute_precision="fp32")
    assert sorted(os.listdir(tmp_path)) == ["m.mlpackage"]
    (got,) = hlo_coreml.run(str(out), {"x": X}).values()
    np.testing.assert_allclose(got, jax_reference(jnp.cos, X)[0], rtol=1e-6, atol=1e-6)
    # The returned model is backed by the saved package (its temporary one is gone).
    assert os.path.samefile(model.package_path, out)
    (again,) = hlo_coreml.run(model, {"x": X}).values()
    np.testing.assert_array_equal(again, got)
    model.save(str(tmp_path / "copy.mlpackage"))
    assert (tmp_path / "copy.mlpackage" / "Manifest.json").is_file()


def test_failed_compile_keeps_the_old_package(tmp_path):
    out = tmp_path / "m.mlpackage"
    hlo_coreml.compile(jnp.sin, X, output_path=out)
    before = sorted(os.listdir(out))
    with pytest.raises(hlo_coreml.CompileError):
        hlo_coreml.compile(jnp.cos, X, output_path=out, outputs=["a", "b"])
    assert sorted(os.listdir(out)) == before and sorted(os.listdir(tmp_path)) == ["m.mlpackage"]


def test_bytes_output_path(tmp_path):
    out = os.fsencode(tmp_path / "b.mlpackage")
    hlo_coreml.compile(jnp.sin, X, output_path=out)
    assert (tmp_path / "b.mlpackage" / "Manifest.json").is_file()


def test_multifunction_output_follows_the_same_rules(tmp_path):
    """compile_multifunction stages like compile(): a non-package is never
    replaced, a package is, a failure keeps the old package, and no
    staging folder is left behind."""
    functions = {"sin": (jnp.sin, (X,)), "cos": (jnp.cos, (X,))}
    notes = tmp_path / "notes.mlpackage"
    notes.write_text("mine")
    with pytest.raises(hlo_coreml.CompileError, match="not a Core ML package"):
        hlo_coreml.compile_multifunction(functions, output_path=notes)
    assert notes.read_text() == "mine"

    out = tmp_path / "m.mlpackage"
    hlo_coreml.compile_multifunction(functions, output_path=out, compute_precision="fp32")
    hlo_coreml.compile_multifunction(
        {"tan": (jnp.tan, (X,)), "cos": (jnp.cos, (X,))}, output_path=out, compute_precision="fp32"
    )
    (got,) = hlo_coreml.run(str(out), {"x": X}, function_name="tan").values()
    np.testing.assert_allclose(got, jax_reference(jnp.tan, X)[0], rtol=1e-5, atol=1e-6)
    before = sorted(os.listdir(out))
    with pytest.raises(hlo_coreml.CompileError):
        hlo_coreml.compile_multifunction(functions, output_path=out, outputs=["a", "b"])
    assert sorted(os.listdir(out)) == before
    assert sorted(os.listdir(tmp_path)) == ["m.mlpackage", "notes.mlpackage"]


def test_multifunction_keeps_the_package_metadata(tmp_path):
    # Was: author=, version=, ... given to compile_multifunction were dropped.
    functions = {"sin": (jnp.sin, (X,)), "cos": (jnp.cos, (X,))}
    out = tmp_path / "m.mlpackage"
    hlo_coreml.compile_multifunction(
        functions, output_path=out, author="Ada", version="2.1", description="two functions",
        license="MIT", user_defined_metadata={"release": "rc1"},
    )
    import coremltools as ct

    from hlo_coreml.multifunction import function_interfaces

    saved = ct.models.MLModel(str(out), skip_model_load=True)
    assert (saved.author, saved.version, saved.short_description, saved.license) == ("Ada", "2.1", "two functions", "MIT")
    assert saved.user_defined_metadata["release"] == "rc1"
    assert set(function_interfaces(saved)) == {"sin", "cos"}
    with pytest.raises(hlo_coreml.CompileError, match="author is given once for the package"):
        hlo_coreml.compile_multifunction(
            {"sin": (jnp.sin, (X,), {"author": "Bob"})}, output_path=tmp_path / "n.mlpackage"
        )

def test_stale_staging_folders_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{staging.name_prefix(dead.pid)}abc"
    (stale / "tmpx.mlpackage").mkdir(parents=True)
    live = tmp_path / f"{staging.name_prefix(os.getppid())}abc"  # a process that exists
    live.mkdir()
    elsewhere = tmp_path / f".hlo-coreml-{dead.pid}-000000-abc"  # another host's
    elsewhere.mkdir()
    other = tmp_path / ".hlo-coreml-notes"  # not ours by its name
    other.mkdir()
    hlo_coreml.compile(jnp.sin, X, output_path=tmp_path / "m.mlpackage")
    assert not stale.exists()
    assert live.exists() and other.exists() and elsewhere.exists()


# ---------------------------------------------------------------------------
# Python API errors are CompileErrors; static arguments
# ---------------------------------------------------------------------------


def _scale(x, n):
    return x * n


def test_int_example_argument_says_how_to_pass_it():
    with pytest.raises(hlo_coreml.CompileError, match=r"example argument 1 of _scale is a Python int \(3\).*static_argnums=1"):
        hlo_coreml.compile(_scale, X, 3)


def test_str_example_argument():
    with pytest.raises(hlo_coreml.CompileError, match=r"example argument 1 of _scale is a Python str \('a'\)"):
        hlo_coreml.compile(_scale, X, "a")
    with pytest.raises(hlo_coreml.CompileError, match=r"a leaf of example argument 0 .* Python str"):
        hlo_coreml.compile(lambda d: d["x"], {"x": X, "name": "a"})


def test_function_returning_str():
    with pytest.raises(hlo_coreml.CompileError, match=r"cannot trace .* returned a value of type <class 'str'>"):
        hlo_coreml.compile(lambda x: "hello", X)


def test_malformed_pipeline_string():
    with pytest.raises(hlo_coreml.CompileError, match="legalize_pipeline: unbalanced pipeline"):
        hlo_coreml.compile(jnp.sin, X, legalize_pipeline="builtin.module(canonicalize")
    with pytest.raises(hlo_coreml.CompileError, match="legalize_pipeline: a pipeline is"):
        hlo_coreml.compile(jnp.sin, X, legalize_pipeline=42)


def _check(model, fn, *args):
    spec = model.get_spec()
    names = [i.name for i in spec.description.input]
    outputs = hlo_coreml.run(model, dict(zip(names, args)))
    (want,) = jax_reference(fn, *args)
    np.testing.assert_allclose(list(outputs.values())[0], want, rtol=1e-6, atol=1e-6)
    return names


def test_static_argnums():
    model = hlo_coreml.compile(_scale, X, 3, static_argnums=1, compute_precision="fp32")
    assert _check(model, lambda x: _scale(x, 3), X) == ["x"]


def test_static_argnames_and_negative_argnums():
    def f(x, mode, k):
        return jnp.sin(x) * k if mode == "sin" else jnp.cos(x) * k

    model = hlo_coreml.compile(f, X, "cos", X, static_argnames="mode", compute_precision="fp32")
    assert _check(model, lambda x, k: f(x, "cos", k), X, X) == ["x", "k"]
    model = hlo_coreml.compile(f, X, "sin", 2.5, static_argnums=(-1, 1), compute_precision="fp32")
    assert _check(model, lambda x: f(x, "sin", 2.5), X) == ["x"]


def test_jit_wrapped_function_with_static_args():
    jitted = jax.jit(_scale, static_argnums=1)
    model = hlo_coreml.compile(jitted, X, 4, compute_precision="fp32")
    assert _check(model, lambda x: _scale(x, 4), X) == ["x"]
    by_name = jax.jit(_scale, static_argnames="n")
    model = hlo_coreml.compile(by_name, X, 5, compute_precision="fp32")
    assert _check(model, lambda x: _scale(x, 5), X) == ["x"]


def test_static_argument_errors():
    with pytest.raises(hlo_coreml.CompileError, match="must be hashable"):
        hlo_coreml.compile(lambda x, s: x * len(s), X, [1, 2], static_argnums=1)
    with pytest.raises(hlo_coreml.CompileError, match="static_argnums: 5 is not the index"):
        hlo_coreml.compile(_scale, X, 3, static_argnums=5)
    with pytest.raises(hlo_coreml.CompileError, match="static_argnames: 'm' is not a parameter of _scale"):
        hlo_coreml.compile(_scale, X, 3, static_argnames="m")
    with pytest.raises(hlo_coreml.CompileError, match="apply only to a JAX function"):
        hlo_coreml.compile(MLP, static_argnums=0)


# ---------------------------------------------------------------------------
# Clear messages for inputs that are not a program
# ---------------------------------------------------------------------------


def _compile_cli(tmp_path, capfd, name, content):
    path = tmp_path / name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    code = cli.main(["compile", str(path), "-o", str(tmp_path / "out.mlpackage")])
    err = capfd.readouterr().err
    assert code == 1 and not (tmp_path / "out.mlpackage").exists()
    assert "internal error" not in err and "Failure while executing pass pipeline" not in err
    return str(path), err


def test_empty_file(tmp_path, capfd):
    path, err = _compile_cli(tmp_path, capfd, "empty.mlir", "")
    assert err == f"{path}: error: the input is empty; expected a StableHLO module\n"


def test_empty_module(tmp_path, capfd):
    path, err = _compile_cli(tmp_path, capfd, "e.mlir", "module {}\n")
    assert err.startswith(f"{path}: error: the module has no functions")


def test_two_public_functions_and_no_main(tmp_path, capfd):
    text = textwrap.dedent(
        """\
        module {
          func.func public @f(%arg0: tensor<2xf32>) -> tensor<2xf32> {
            return %arg0 : tensor<2xf32>
          }
          func.func public @g(%arg0: tensor<2xf32>) -> tensor<2xf32> {
            return %arg0 : tensor<2xf32>
          }
        }
        """
    )
    path, err = _compile_cli(tmp_path, capfd, "two.mlir", text)
    assert err == (
        f"{path}:2:3: error: the module has no @main function (its public functions: @f, @g); "
        "hlo-coreml compiles @main: rename the entry function to @main\n"
    )


def test_truncated_bytecode(tmp_path, capfd):
    from hlo_coreml._mlir import ir, make_context

    with make_context():
        module = ir.Module.parse(open(MLP).read())
        import io

        buffer = io.BytesIO()
        module.operation.write_bytecode(buffer)
    path, err = _compile_cli(tmp_path, capfd, "t.mlirbc", buffer.getvalue()[:200])
    assert "loc(" not in err and ":0:0" not in err
    lines = err.splitlines()
    assert lines[0].startswith(f"{path}: error: attempting to parse")
    assert len([line for line in lines if ": error:" in line]) == 1


# ---------------------------------------------------------------------------
# Strictness: names
# ---------------------------------------------------------------------------


def test_too_many_names():
    with pytest.raises(hlo_coreml.CompileError, match=r"outputs= gives 2 entries, but @main has 1 results"):
        hlo_coreml.compile(jnp.sin, X, outputs=["a", "b"])
    with pytest.raises(hlo_coreml.CompileError, match=r"inputs= gives 2 entries, but @main has 1 arguments"):
        hlo_coreml.compile(jnp.sin, X, inputs=["a", "b"])


def test_duplicate_names():
    with pytest.raises(hlo_coreml.CompileError, match=r"feature name 'a' given more than once"):
        hlo_coreml.compile(jnp.add, X, X, inputs=["a", "a"])
    with pytest.raises(hlo_coreml.CompileError, match=r"feature name 'a' given more than once"):
        hlo_coreml.compile(jnp.sin, X, inputs=["a"], outputs=["a"])


def test_given_name_wins_over_a_default_name():
    # The output is asked to be called `x`, which is also the input's default
    # name: the given name is kept and the default one moves aside.
    def f(x):
        return x + 1

    model = hlo_coreml.compile(f, X, outputs=["x"])
    spec = model.get_spec()
    assert [o.name for o in spec.description.output] == ["x"]
    assert [i.name for i in spec.description.input] == ["x_1"]


def test_cli_too_many_output_names(tmp_path, capsys):
    code, _, err = _cli(["compile", MLP, "-o", str(tmp_path / "m.mlpackage"), "--output-names", "a,b"], capsys)
    assert code == 1 and "outputs= gives 2 entries" in err


# ---------------------------------------------------------------------------
# Bounded resources
# ---------------------------------------------------------------------------

_MEMORY_SCRIPT = """
import resource, sys, time
limit = 3 << 30  # address space: 3 GB (the old compile peaked at 10.6 GB)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import jax.numpy as jnp, numpy as np
import hlo_coreml
start = time.time()
try:
    hlo_coreml.compile(lambda x: jnp.arange(2**31).sum() + x, np.float32(1))
    print("compiled")
except hlo_coreml.CompileError as e:
    print("refused:", e)
hlo_coreml.compile(lambda x: (jnp.arange(2**27) * x).sum() + jnp.ones(2**27).sum(), np.float32(2))
print("compiled 2**27")
print("peak MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
print("seconds", time.time() - start)
"""


def test_huge_compile_time_values_stay_bounded(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT], capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("refused: ") and "'stablehlo.iota' of 2,147,483,648 elements" in lines[0]
    assert ":" in lines[0].split("error:")[0]  # located: file:line:col
    assert lines[1] == "compiled 2**27"
    peak = int(lines[2].split()[-1])
    assert peak < 1500, result.stdout  # jax + coremltools alone take ~450 MB
    assert float(lines[3].split()[-1]) < 120


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ELEMENTS", 100)
    monkeypatch.setattr(limits, "MAX_BYTES", 400)


def test_past_the_limit_iota_is_computed_at_run_time(small_limits):
    # (x enters before each reduction: coremltools 9.0 cannot load a
    # reduce_sum whose input it has folded to a value.)
    def f(x):
        i = jnp.arange(300, dtype=jnp.float32).reshape(3, 100)
        j = lax_iota_2d()
        return (i * x).sum(axis=1) + (j - x).sum(axis=1)

    def lax_iota_2d():
        return jax.lax.broadcasted_iota(jnp.int32, (3, 200), 1).astype(jnp.float32)

    x = np.float32(0.5)
    model = hlo_coreml.compile(f, x, compute_precision="fp32")
    assert "range_1d" in _op_types(model)
    (got,) = hlo_coreml.run(model, {"x": np.float32([0.5])}).values()
    np.testing.assert_allclose(got, jax_reference(f, x)[0], rtol=1e-6)


def test_past_the_limit_splat_and_folds_are_computed_at_run_time(small_limits):
    def f(x):
        outer = jnp.arange(30)[:, None] * jnp.arange(20)[None, :]  # 600 elements from constants
        return (jnp.ones((20, 30), jnp.float32) * x).sum(axis=0) + (outer.astype(jnp.float32) * x).sum(axis=1)

    x = np.float32(1.5)
    model = hlo_coreml.compile(f, x, compute_precision="fp32")
    assert "tile" in _op_types(model)
    (got,) = hlo_coreml.run(model, {"x": np.float32([1.5])}).values()
    np.testing.assert_allclose(got, jax_reference(f, x)[0], rtol=1e-6)


def _op_types(model) -> set[str]:
    function = model.get_spec().mlProgram.functions["main"]
    return {op.type for block in function.block_specializations.values() for op in block.operations}


# ---------------------------------------------------------------------------
# Temporary files and signals
# ---------------------------------------------------------------------------


def _export(tmp_path, n=1024, layers=4) -> str:
    """A serialized jax.export of an MLP big enough (n*n*layers f32 weights)
    that converting it takes a while."""
    rng = np.random.default_rng(0)
    ws = [jnp.asarray(rng.standard_normal((n, n), np.float32) / n**0.5) for _ in range(layers)]

    def f(x):
        for w in ws:
            x = jnp.tanh(x @ w)
        return x

    exported = jax.export.export(jax.jit(f))(jax.ShapeDtypeStruct((1, n), jnp.float32))
    path = tmp_path / "model.bin"
    path.write_bytes(exported.serialize())
    return str(path)


def _env(tmpdir):
    env = dict(os.environ, TMPDIR=str(tmpdir))
    env.pop("HLO_COREML_DEBUG", None)
    return env


def test_compile_leaves_nothing_in_the_temp_folder(tmp_path):
    tmpdir, out = tmp_path / "tmp", tmp_path / "out"
    tmpdir.mkdir()
    out.mkdir()
    script = (
        "import jax.numpy as jnp, numpy as np, hlo_coreml, os, sys\n"
        "x = np.ones((2, 3), np.float32)\n"
        "m = hlo_coreml.compile(jnp.sin, x)\n"  # in memory: its package lives in our staging folder
        "assert len(os.listdir(os.environ['TMPDIR'])) == 1, os.listdir(os.environ['TMPDIR'])\n"
        "del m\n"
        "import gc; gc.collect()\n"
        "assert os.listdir(os.environ['TMPDIR']) == [], os.listdir(os.environ['TMPDIR'])\n"
        f"m = hlo_coreml.compile(jnp.sin, x, output_path={str(out / 'm.mlpackage')!r})\n"
        "assert os.listdir(os.environ['TMPDIR']) == [], os.listdir(os.environ['TMPDIR'])\n"
        "m2 = hlo_coreml.compile(jnp.cos, x)\n"  # removed at exit
    )
    result = subprocess.run([sys.executable, "-c", script], env=_env(tmpdir), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert os.listdir(tmpdir) == []
    assert os.listdir(out) == ["m.mlpackage"]


def _converting(folder) -> bool:
    """True once a staging folder in `folder` has something in it."""
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        try:
            if entry.startswith(".hlo-coreml-") and os.listdir(path):
                return True
        except OSError:
            pass
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_conversion_leaves_nothing(tmp_path, signum):
    model = _export(tmp_path)
    tmpdir, out = tmp_path / "tmp", tmp_path / "out"
    tmpdir.mkdir()
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hlo_coreml.cli", "compile", model, "-o", str(out / "m.mlpackage")],
        env=_env(tmpdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # pytest-xdist workers ignore SIGINT, and an ignored signal stays
        # ignored in children (hlo-coreml respects that): restore the default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # ct.convert has begun once coremltools' weight folder exists inside
        # our staging folder (created at the start of ct.convert).
        deadline = time.time() + 600
        converting = False
        while time.time() < deadline and proc.poll() is None:
            if _converting(out):
                converting = True
                break
            time.sleep(0.01)
        assert converting, f"conversion never started: {proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if signum == signal.SIGINT:
        assert proc.returncode == 130, err
    else:
        assert proc.returncode == -signal.SIGTERM, err
    assert "Traceback" not in err
    assert os.listdir(out) == []
    assert os.listdir(tmpdir) == []
