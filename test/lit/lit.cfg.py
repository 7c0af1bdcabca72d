# -*- Python -*-
"""lit configuration of hlo-coreml's FileCheck tests.

Runs standalone from the repository root (`lit -v test/lit`) or through the
CMake-configured site config (`build/test/lit/lit.site.cfg.py`, which sets
`test_exec_root` and `python_executable` and then loads this file).

The tools the RUN lines use (`hlo-coreml-opt`, `filecheck`) are console
scripts installed next to the Python that runs lit; `not` is built into
lit's internal shell.
"""

import os
import sys

import lit.formats

config.name = "hlo-coreml"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py"]
# Configuration files are not tests (.py is a suffix for %PYTHON tests).
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "lit.local.cfg", "Inputs"]

config.test_source_root = os.path.dirname(os.path.abspath(__file__))
hlo_coreml_src_root = os.path.dirname(os.path.dirname(config.test_source_root))

# Standalone: keep lit's Output/ folders and timing file out of the source
# tree. The site config sets its own exec root under the CMake build dir.
if getattr(config, "test_exec_root", None) is None:
    config.test_exec_root = os.path.join(hlo_coreml_src_root, "build", "lit")

# The Python that runs lit is the one hlo-coreml is installed into; the site
# config may name another (CMake's Python3_EXECUTABLE), which then comes first.
python = getattr(config, "python_executable", None) or sys.executable
bin_dirs = []
for exe in (python, sys.executable):
    d = os.path.dirname(os.path.abspath(exe))
    if d not in bin_dirs:
        bin_dirs.append(d)
# tools/ holds the in-tree hlo-coreml-opt wrapper: a fallback when the
# console script is not installed (the package must still be importable).
bin_dirs.append(os.path.join(hlo_coreml_src_root, "tools"))
config.environment["PATH"] = os.pathsep.join(bin_dirs + [config.environment.get("PATH", "")])

# Environment the tools may need that lit does not pass by default.
for var in ("PYTHONPATH", "PYENV_VERSION", "PYENV_ROOT", "VIRTUAL_ENV"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
# coremltools prints progress bars from its MIL passes.
config.environment["TQDM_DISABLE"] = "1"

config.hlo_coreml_python = python
config.substitutions.append(("%PYTHON", python))
config.substitutions.append(("%hlo_coreml_src_root", hlo_coreml_src_root))
