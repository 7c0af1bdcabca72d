"""Start-up cost of the CLI: `hlo-coreml --help` loads neither MLIR, JAX
nor coremltools, and `hlo-coreml inspect` loads only coremltools' protobuf
modules (no MIL, no PyTorch), each checked in a fresh process by the
modules it ends up with."""

import json
import subprocess
import sys

import numpy as np
import pytest

import hlo_coreml

HEAVY = ("jax", "jaxlib.mlir", "coremltools.converters", "torch", "sympy")

_PROBE = """
import json, sys, io, contextlib
from hlo_coreml.cli import main
sys.argv = ["hlo-coreml"] + {argv!r}
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main()
    except SystemExit as e:
        code = e.code
print(json.dumps({{"code": code, "text": out.getvalue(), "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def _run_cli(argv):
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv, heavy=HEAVY)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_help_loads_no_heavy_module():
    result = _run_cli(["--help"])
    assert result["code"] == 0 and "compile" in result["text"]
    assert result["loaded"] == []


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("startup") / "m.mlpackage")
    hlo_coreml.compile(lambda x: np.float32(2) * x + 1, np.ones((2, 3), np.float32), output_path=path)
    return path


def test_inspect_loads_only_the_protobuf_modules(package):
    result = _run_cli(["inspect", package, "--json"])
    assert result["code"] == 0
    assert result["loaded"] == []
    report = json.loads(result["text"])
    assert report["inputs"][0]["shape"] == [2, 3]


def test_inspect_in_process_matches_the_cli(package):
    from hlo_coreml.inspect_model import format_json, inspect

    assert json.loads(format_json(inspect(package))) == json.loads(_run_cli(["inspect", package, "--json"])["text"])


def test_library_import_keeps_torch_for_coremltools():
    # Only the CLI's own process imports coremltools without PyTorch.
    code = "import hlo_coreml, numpy as np; hlo_coreml.compile(lambda x: x + 1, np.ones(2, np.float32)); import sys; print(sys.modules.get('torch', 0) is None)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"
