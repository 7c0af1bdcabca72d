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


def pytest_configure(config):
    """Import the heavy libraries once, then move everything they allocated
    into the GC's permanent generation: `ct.convert` runs `gc.collect()` on
    every call, which otherwise walks all of jax, coremltools and torch
    (~0.4 s per compiled model, close to half of this suite's run time)."""
    import gc

    try:
        import jax  # noqa: F401

        from hlo_coreml.coreml import coremltools

        coremltools()  # imported quietly
    except ImportError:
        return
    gc.collect()
    gc.freeze()
