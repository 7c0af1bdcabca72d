"""One switch for the conversion fast paths that must not change the result.

Each fast path (zero-copy weight views in the emitter, exact-bytes constant
deduplication, the MLIR module released before `ct.convert`, ...) produces
the same MIL program and the same weights as the plain code it replaces.
`reference_paths()` turns them all off, so a test can convert a model both
ways and compare the two results (test/python/test_fast_paths.py);
HLO_COREML_FAST_PATHS=0 does the same for a whole process (to rule them out
when hunting a bug)."""

from __future__ import annotations

import contextlib
import os

_enabled = os.environ.get("HLO_COREML_FAST_PATHS", "1") != "0"


def enabled() -> bool:
    """True unless the fast paths are switched off."""
    return _enabled


@contextlib.contextmanager
def reference_paths():
    """For the duration, every fast path takes its plain reference route."""
    global _enabled
    saved, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = saved
