"""coremltools, imported quietly, and the option values shared by compile()
and the CLI (deployment targets, compute precision)."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings

from .diagnostics import CompileError

DEFAULT_TARGET = "iOS17"


_without_torch = False


def import_coremltools_without_torch() -> None:
    """Make the coming first import of coremltools skip PyTorch.

    coremltools imports torch at import time whenever it is installed (for
    its PyTorch front end, which hlo-coreml never uses): ~2 s and 200 MB.
    The CLI calls this, since its process converts nothing but StableHLO;
    the library does not, so a user's process that also converts PyTorch
    models with coremltools keeps that ability."""
    global _without_torch
    _without_torch = True


def model_spec_proto():
    """coremltools' generated protobuf module for model specs (`Model_pb2`),
    with as little of coremltools as possible.

    Reading a spec needs only the protobuf modules, but importing them runs
    coremltools' package __init__, which loads all of MIL (sympy, ...): ~1 s
    of `hlo-coreml inspect`. In the CLI's own process (see
    import_coremltools_without_torch) they are loaded under a bare stand-in
    for the `coremltools` package, which is then removed again; anywhere
    else coremltools is imported normally."""
    import importlib.util
    import sys
    import types

    if "coremltools" in sys.modules or not _without_torch:
        coremltools()
        from coremltools.proto import Model_pb2

        return Model_pb2
    found = importlib.util.find_spec("coremltools")
    stand_in = types.ModuleType("coremltools")
    stand_in.__path__ = list(found.submodule_search_locations)
    sys.modules["coremltools"] = stand_in
    try:
        from coremltools.proto import Model_pb2
    finally:
        del sys.modules["coremltools"]
    return Model_pb2


def coremltools():
    """Import coremltools without its import-time chatter on Linux (missing
    native runtime, untested torch version), which is noise for our users."""
    import sys

    if "coremltools" not in sys.modules:
        # A None entry makes `import torch` fail with ImportError, which
        # coremltools takes as "not installed"; removed again afterwards.
        block_torch = _without_torch and "torch" not in sys.modules
        if block_torch:
            sys.modules["torch"] = None
        sink = io.StringIO()
        with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.disable(logging.WARNING)
            try:
                import coremltools  # noqa: F401
            finally:
                logging.disable(logging.NOTSET)
                if block_torch and sys.modules.get("torch", 0) is None:
                    del sys.modules["torch"]
    return sys.modules["coremltools"]


@contextlib.contextmanager
def progress_bars(show: bool):
    """coremltools draws a tqdm bar per MIL pass pipeline during ct.convert.
    tqdm reads TQDM_DISABLE only when it is imported, so swap the `tqdm`
    name coremltools' pass pipeline module uses for the duration."""
    coremltools()
    from coremltools.converters.mil.mil.passes import pass_pipeline

    original = pass_pipeline.tqdm
    if not show:
        pass_pipeline.tqdm = lambda iterable, *args, **kwargs: iterable
    try:
        yield
    finally:
        pass_pipeline.tqdm = original


def target_names() -> list[str]:
    """Every deployment target name coremltools offers for mlprogram."""
    ct = coremltools()
    lowest = ct.target.iOS15.value
    return [name for name, t in ct.target.__members__.items() if t.value >= lowest]


def resolve_target(target):
    """`ct.target` member from a member or a name ('iOS17', 'macOS14', ...).
    mlprogram needs iOS15 / macOS12 or newer."""
    ct = coremltools()
    if target is None:
        target = DEFAULT_TARGET
    given = target
    if isinstance(target, str):
        # __members__ includes the aliases (macOS14, watchOS10, tvOS17 ...).
        match = {name.lower(): t for name, t in ct.target.__members__.items()}.get(target.lower())
        if match is None:
            raise CompileError(
                f"unknown deployment target '{target}'; use one of: {', '.join(target_names())}"
            )
        target = match
    if not isinstance(target, ct.target):
        raise CompileError(f"minimum_deployment_target must be a ct.target or its name, got {target!r}")
    if target.value < ct.target.iOS15.value:
        raise CompileError(
            f"deployment target {given if isinstance(given, str) else target.name} is too old for an ML program; the oldest is "
            "iOS15 / macOS12 (use minimum_deployment_target='iOS15' or newer)"
        )
    return target


def resolve_precision(precision):
    """What compile() hands ct.convert as compute_precision, from a
    `ct.precision` member, an FP16ComputePrecision transform, or 'fp16' /
    'fp32' / 'float16' / 'float32' / 'fp16-all'.

    FLOAT16 (the default) becomes `FP16ComputePrecision` with hlo-coreml's
    precision rule as op selector (hlo_coreml.precision: overflow-prone ops
    stay fp32); 'fp16-all' is plain FLOAT16 (every op fp16); a transform the
    caller built is used as given."""
    ct = coremltools()
    if precision is None:
        precision = ct.precision.FLOAT16
    if isinstance(precision, str):
        names = {"fp16": "FLOAT16", "float16": "FLOAT16", "fp32": "FLOAT32", "float32": "FLOAT32"}
        if precision.lower() in ("fp16-all", "float16-all"):
            return ct.precision.FLOAT16
        if precision.lower() not in names:
            raise CompileError(f"unknown compute precision '{precision}'; use fp16, fp32 or fp16-all")
        precision = getattr(ct.precision, names[precision.lower()])
    if precision == ct.precision.FLOAT16:
        from .precision import fp16_op_selector

        return ct.transform.FP16ComputePrecision(op_selector=fp16_op_selector)
    if precision != ct.precision.FLOAT32 and not isinstance(precision, ct.transform.FP16ComputePrecision):
        raise CompileError(
            f"compute_precision must be ct.precision.FLOAT16 / FLOAT32, an FP16ComputePrecision, "
            f"or 'fp16' / 'fp32' / 'fp16-all'; got {precision!r}"
        )
    return precision
