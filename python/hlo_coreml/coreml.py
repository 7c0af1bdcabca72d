"""coremltools, imported quietly, and the option values shared by compile()
and the CLI (deployment targets, compute precision)."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings

from .diagnostics import CompileError

DEFAULT_TARGET = "iOS17"


def coremltools():
    """Import coremltools without its import-time chatter on Linux (missing
    native runtime, untested torch version), which is noise for our users."""
    import sys

    if "coremltools" not in sys.modules:
        sink = io.StringIO()
        with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.disable(logging.WARNING)
            try:
                import coremltools  # noqa: F401
            finally:
                logging.disable(logging.NOTSET)
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


@contextlib.contextmanager
def mil_pass_overhead_removed():
    """coremltools re-validates the whole MIL program after each of its ~100
    graph passes (`Program.validate`: var visibility and use counts, O(ops)
    each time), and formats whole programs and blocks for debug log lines
    (around each pass pipeline, inside reduce_transposes and the norm
    fusions) even when debug logging is off. On an unrolled scan of ~3000
    ops that is 40% of ct.convert's CPU time (see `tools/bench_scan.py`).
    For the duration both are skipped; the caller validates the converted
    program once (`validate_program`).

    HLO_COREML_MIL_VALIDATE=each keeps coremltools' per-pass validation (to
    find the coremltools pass that breaks a program); printing stays on
    when coremltools' MIL pass loggers are enabled for DEBUG. The patch is
    process-wide while it lasts: do not run ct.convert on another thread
    at the same time."""
    import os

    coremltools()
    from coremltools.converters.mil.mil import Block, Function, Program

    replacements = []
    if os.environ.get("HLO_COREML_MIL_VALIDATE") != "each":
        replacements.append((Program, "validate", lambda self, check_essential_scope=False: None))
    if not logging.getLogger("coremltools.converters.mil.mil.passes").isEnabledFor(logging.DEBUG):
        for cls in (Program, Function, Block):
            replacements.append((cls, "__str__", lambda self, *args, **kwargs: "<MIL (not printed: debug logging is off)>"))
    originals = [(cls, name, cls.__dict__.get(name)) for cls, name, _ in replacements]
    for cls, name, replacement in replacements:
        setattr(cls, name, replacement)
    try:
        yield
    finally:
        for cls, name, original in originals:
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)


@contextlib.contextmanager
def fp16_overflow_warnings_hidden():
    """coremltools' value inference casts fp32 constants to fp16 with NumPy
    while it builds `cast` ops, and NumPy warns when a value overflows
    ("overflow encountered in cast"). Those casts either become saturated
    constants (hlo_coreml.fp16_saturation) or are the program's own casts,
    whose overflow to inf is StableHLO's semantics: the warning tells the
    user nothing, so it is hidden for the duration."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="overflow encountered in cast", category=RuntimeWarning)
        yield


def validate_program(program) -> None:
    """coremltools' own consistency check of a MIL program, once."""
    program.validate(check_essential_scope=True)


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
