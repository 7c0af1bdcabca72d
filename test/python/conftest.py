"""pytest set-up shared by the Python tests.

JAX is the independent reference of the end-to-end tests, so it must run on
CPU (and not grab an accelerator); `helpers` (shared test helpers) is
importable from every test module.
"""

import os
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# coremltools' MIL pass pipelines print tqdm progress bars; keep logs short.
os.environ.setdefault("TQDM_DISABLE", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
