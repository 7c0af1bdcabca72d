"""Check one program: compile with hlo_coreml.compile, run with the reference
interpreter, compare with JAX on CPU, and classify the outcome.

Classes:
  pass      compiled, and every output agrees with JAX (or could not be
            compared at this precision, see `unchecked`)
  refusal   a CompileError whose every diagnostic has a source location in
            the program and which names the op ('stablehlo.xxx')
  crash     any other exception from compile() or the interpreter, or a
            CompileError without op and location
  mismatch  an output differs from JAX (NaN/inf positions, ints exactly,
            floats beyond the tolerance)
  timeout   the program took longer than the limit (set by the pool)
  invalid   JAX itself cannot run the program (a generator bug)
"""

from __future__ import annotations

import inspect

import re
import traceback
from dataclasses import asdict, dataclass, field

import ml_dtypes
import numpy as np

from .program import Program, is_float

CLASSES = ("pass", "refusal", "crash", "mismatch", "timeout", "invalid")
FAILURES = ("crash", "mismatch", "timeout", "invalid")

# Unit roundoff of each float type the program may compute in.
_EPS = {"float64": 2.0**-24, "float32": 2.0**-24, "float16": 2.0**-11, "bfloat16": 2.0**-8}
FP16_MAX = 65504.0


@dataclass
class Result:
    seed: int
    precision: str
    cls: str
    key: str = ""  # what groups failures by cause: exception type and site, or the output
    message: str = ""
    families: list = field(default_factory=list)
    ops: list = field(default_factory=list)
    n_ops: int = 0
    unchecked: int = 0  # outputs not compared (discrete after low-precision rounding)
    widened: int = 0  # bf16 outputs that agree with JAX only on the program read in f32
    near_ties: int = 0  # argsort outputs that sort JAX's values only up to rounding
    spec_agrees: int = 0  # outputs where jax.jit disagrees with stablehlo.eval_module and we agree with the latter
    repro: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        return f"seed {self.seed} [{self.precision}] {self.cls}: {self.key}"


# -- interface ----------------------------------------------------------------


def io_dtype(dtype: np.dtype) -> type:
    """NumPy dtype of the Core ML feature carrying a JAX value (bool and
    small ints as int32, 64-bit narrowed, bf16 as fp32; fp16 features exist
    on hlo-coreml's default target, iOS17)."""
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return np.float16
    if dtype == ml_dtypes.bfloat16 or np.issubdtype(dtype, np.floating):
        return np.float32
    return np.int32


def to_feature(value) -> np.ndarray:
    a = np.asarray(value)
    return a.astype(io_dtype(a.dtype)).reshape(a.shape or (1,))


def _run_interpreter(model, feeds):
    import hlo_coreml

    kwargs = {}
    # Strict mode (evaluate underspecified MIL behaviour both ways), where
    # the interpreter offers it.
    if "strict" in inspect.signature(hlo_coreml.run).parameters:
        kwargs["strict"] = True
    return hlo_coreml.run(model, feeds, **kwargs)


# -- tolerances -----------------------------------------------------------


def unit_roundoff(program: Program, precision: str) -> float:
    """Unit roundoff of the lowest precision the program computes in (its
    float dtypes; fp16 compute precision rounds every fp32 op to fp16)."""
    dtypes = {i.dtype for i in program.inputs} | {op.dtype for op in program.ops}
    eps = max([_EPS[d] for d in dtypes if d in _EPS] + [_EPS["float32"]])
    if precision == "fp16":
        eps = max(eps, _EPS["float16"])
    return eps


def tolerance(program: Program, precision: str) -> float:
    """Relative tolerance from `unit_roundoff`: 8 roundings per op, at
    least 1e-4."""
    return min(0.25, max(1e-4, 8 * unit_roundoff(program, precision) * (len(program.ops) + 1)))


def low_precision(program: Program, precision: str) -> bool:
    return tolerance(program, precision) > 1e-4 or precision == "fp16"


def tainted_outputs(program: Program) -> set:
    """Outputs that depend on a discontinuous function (comparison,
    rounding, arg-op, float->int) of a computed float value: rounding to a
    lower precision may flip them, so they are not compared there."""
    computed = {op.name for op in program.ops}
    tainted: set = set()
    for op in program.ops:
        if op.discrete and any(o in computed for o in op.operands):
            tainted.add(op.name)
        elif any(o in tainted for o in op.operands):
            tainted.add(op.name)
    return tainted


def compare(ref: np.ndarray, got: np.ndarray, rtol: float, precision: str) -> str | None:
    """None if `got` agrees with `ref`, else a short description."""
    if got.size != ref.size:
        return f"shape {got.shape} vs JAX {ref.shape}"
    got = got.reshape(ref.shape)
    if not (np.issubdtype(ref.dtype, np.floating) or ref.dtype == ml_dtypes.bfloat16):
        want = ref.astype(io_dtype(ref.dtype))
        bad = got != want
        if bad.any():
            i = tuple(int(k) for k in np.argwhere(bad)[0])
            return f"{int(bad.sum())}/{ref.size} ints differ, e.g. at {i}: got {got[i]}, JAX {want[i]}"
        return None
    r = ref.astype(np.float64)
    o = got.astype(np.float64)
    if precision == "fp16":
        # Values beyond fp16's range overflow when computed in fp16.
        skip = ~np.isfinite(r) | (np.abs(r) > FP16_MAX / 2)
        skip &= ~np.isnan(r)
    else:
        skip = np.zeros(r.shape, bool)
    nan_r, nan_o = np.isnan(r), np.isnan(o)
    bad = (nan_r != nan_o) & ~skip
    inf = np.isinf(r) & ~skip
    bad |= inf & (o != r)
    finite = np.isfinite(r) & ~skip
    scale = max(1.0, float(np.abs(r[finite]).max())) if finite.any() else 1.0
    with np.errstate(invalid="ignore"):
        err = np.abs(o - r)
        bad |= finite & ~(err <= rtol * scale + rtol * np.abs(r))
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        return f"{int(bad.sum())}/{ref.size} floats differ (rtol {rtol:.2g}), e.g. at {i}: got {o[i]!r}, JAX {r[i]!r}"
    return None


# -- classification ---------------------------------------------------------

_LOCATED = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): error: ", re.M)
_OP_NAMED = re.compile(r"'(stablehlo|chlo|func|mhlo)\.[a-z_0-9]+'")


def is_located_refusal(message: str) -> bool:
    """Every `error:` line has a file:line:col and one names the op."""
    errors = [ln for ln in message.splitlines() if ": error: " in ln]
    if not errors:
        return False
    return all(_LOCATED.match(ln) for ln in errors) and bool(_OP_NAMED.search(message))


def _crash_key(stage: str, exc: BaseException) -> str:
    """Exception type plus the innermost frame inside hlo_coreml or
    coremltools, to group crashes by site."""
    site = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if "hlo_coreml" in frame.filename or "coremltools" in frame.filename or "passes" in frame.filename:
            site = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.name}"
            break
    text = " ".join(str(exc).split())
    # EmitterBug: "emitting 'op' at loc(...) failed: cause" -> "emitting 'op': cause"
    text = re.sub(r" at loc\(.*?\)+ failed: ", ": ", text)
    if exc.__cause__ is not None:
        text += f" [{type(exc.__cause__).__name__}]"
    text = re.sub(r"\d+", "N", text)[:110]
    return f"{stage} {type(exc).__name__} @{site}: {text}"


def check(program: Program, precision: str = "fp32", *, reference=None) -> Result:
    """Compile, run and compare `program` at `precision` ('fp32'/'fp16').
    `reference(fn, args)` computes the expected outputs (default: JAX on
    CPU); tests pass a deliberately wrong one to exercise the classifier."""
    import jax

    import hlo_coreml

    res = Result(program.seed, precision, "pass", families=program.families(), ops=program.ops_used(), n_ops=len(program.ops))
    with jax.enable_x64(program.x64):
        fn = program.build()
        args = program.args()
        try:
            expected = (reference or jax_reference)(fn, args)
        except Exception as e:  # noqa: BLE001 - JAX rejects the program: a generator bug
            res.cls, res.key, res.message = "invalid", _crash_key("jax", e), str(e)[:2000]
            return res
        try:
            model = hlo_coreml.compile(fn, *args, compute_precision=precision)
        except hlo_coreml.CompileError as e:
            if is_located_refusal(str(e)):
                res.cls = "refusal"
                first = next((ln for ln in str(e).splitlines() if ": error: " in ln), str(e))
                res.key = re.sub(r"\d+", "N", first.split(": error: ", 1)[1])[:120]
            else:
                res.cls, res.key = "crash", _crash_key("compile", e) + " (CompileError without op and location)"
            res.message = str(e)[:4000]
            return res
        except Exception as e:  # noqa: BLE001 - anything else escaping compile() is a crash
            res.cls, res.key, res.message = "crash", _crash_key("compile", e), traceback.format_exc()[-4000:]
            return res
        spec = model.get_spec()
        names = [i.name for i in spec.description.input]
        order = [o.name for o in spec.description.output]
        try:
            outs = _run_interpreter(model, {n: to_feature(a) for n, a in zip(names, args)})
        except Exception as e:  # noqa: BLE001
            res.cls, res.key, res.message = "crash", _crash_key("run", e), traceback.format_exc()[-4000:]
            return res
    if len(order) != len(expected):
        res.cls, res.key = "mismatch", f"{len(order)} outputs, JAX returns {len(expected)}"
        return res
    rtol = tolerance(program, precision)
    skip = tainted_outputs(program) if low_precision(program, precision) else set()
    problems = []
    wide = None
    periodic = None
    spec = None
    for k, (name, ref) in enumerate(zip(program.outputs, expected)):
        if name in skip:
            res.unchecked += 1
            continue
        got = np.asarray(outs[order[k]])
        problem = compare(ref, got, rtol, precision)
        if problem and reference is None and low_precision(program, precision):
            if periodic is None:
                periodic = _lost_periodic_outputs(program, precision)
            if name in periodic:
                # sin/cos/tan of a computed value whose rounding at this
                # precision is a sizable part of the period: the output has
                # no significant digits here.
                res.unchecked += 1
                continue
        if problem and reference is None and not low_precision(program, precision) and _sorts_within_rounding(
            program, name, got, rtol
        ):
            # argsort of computed floats that are tied up to rounding (a
            # layer norm over a dim of 2 gives +-1 up to an ulp): the order
            # depends on the last bit, so any permutation that sorts JAX's
            # values within the tolerance is right (seed 10128).
            res.near_ties += 1
            continue
        if problem and program.uses_bfloat16() and reference is None:
            # bf16 is computed in f32 (hlo-coreml-widen-bf16): where JAX's
            # rounding to bf16 after every op changes an output beyond the
            # bf16 tolerance (cancellation, e.g. a layer norm of nearly
            # equal values), the output must agree with JAX on the program
            # read in f32 instead.
            wide = wide if wide is not None else _widened_check(program, precision)
            if wide[0] is None:
                problem += f"; bf16 read as f32: JAX failed: {wide[1]}"
            elif name not in wide[2]:
                wide_problem = compare(wide[0][k], got, wide[1], precision)
                if wide_problem is None:
                    res.widened += 1
                    continue
                problem += f"; bf16 read as f32: {wide_problem}"
        if problem and reference is None:
            # XLA on CPU may itself depart from the StableHLO spec (seed
            # 11093: nested dynamic slices clamped only once): an output
            # that StableHLO's reference interpreter computes as we do is
            # right by the spec.
            spec = spec if spec is not None else _spec_reference(program)
            if spec[0] is not None and compare(spec[0][k], got, rtol, precision) is None:
                res.spec_agrees += 1
                continue
            problem += f"; stablehlo.eval_module: {spec[1] or compare(spec[0][k], got, rtol, precision)}"
        if problem:
            problems.append(f"output {k} ({name}): {problem}")
    if problems:
        res.cls = "mismatch"
        res.message = "\n".join(problems)
        res.key = "mismatch: " + " ".join(program.ops_used())[:120]
    return res


_PERIODIC = ("sin", "cos", "tan")


def _lost_periodic_outputs(program: Program, precision: str) -> set:
    """Outputs that depend on a sin / cos / tan record of a computed value
    whose rounding error at this precision (8 unit roundoffs of the
    program's lowest float type times its largest magnitude, from JAX)
    exceeds 0.1 rad. Empty if JAX cannot give the intermediate values."""
    import jax

    computed = {op.name for op in program.ops}
    suspects = [op for op in program.ops if op.op in _PERIODIC and op.operands[0] in computed]
    if not suspects:
        return set()
    operands = sorted({o for op in suspects for o in op.operands})
    probe = program.copy()
    probe.outputs = operands
    try:
        with jax.enable_x64(probe.x64):
            values = dict(zip(operands, jax_reference(probe.build(), probe.args())))
    except Exception:  # noqa: BLE001 - then nothing is excused
        return set()
    error = 8 * unit_roundoff(program, precision)
    lost = set()
    for op in suspects:
        v = np.asarray(values[op.operands[0]]).astype(np.float64)
        if v.size and not (np.abs(v[np.isfinite(v)]) * error <= 0.1).all():
            lost.add(op.name)
    for op in program.ops:
        if any(o in lost for o in op.operands):
            lost.add(op.name)
    return lost


def _sorts_within_rounding(program: Program, name: str, got: np.ndarray, rtol: float) -> bool:
    """True if output `name` is an ascending `jnp.argsort` of a computed
    value and `got` is a permutation along its axis that sorts JAX's values
    of that operand up to `rtol` (ties that rounding decides)."""
    op = next((o for o in program.ops if o.name == name), None)
    if op is None or op.op != "argsort" or not op.discrete:
        return False
    operand = op.operands[0]
    if operand not in {o.name for o in program.ops}:
        return False  # an input: its ties are exact, the order must match
    axis = re.search(r"axis=(-?\d+)", op.expr)
    if axis is None:
        return False
    import jax

    probe = program.copy()
    probe.outputs = [operand]
    try:
        with jax.enable_x64(program.x64):
            (values,) = jax_reference(probe.build(), probe.args())
    except Exception:  # noqa: BLE001 - no reference for the operand: keep the mismatch
        return False
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all() or got.size != values.size:
        return False
    axis = int(axis.group(1)) % values.ndim
    perm = got.reshape(values.shape).astype(np.int64)
    n = values.shape[axis]
    if not (np.sort(perm, axis=axis) == np.arange(n).reshape([-1 if d == axis else 1 for d in range(values.ndim)])).all():
        return False
    ordered = np.take_along_axis(values, perm, axis=axis)
    slack = rtol * max(1.0, float(np.abs(values).max()))
    return bool((np.diff(ordered, axis=axis) >= -slack).all())


def _widened_check(program: Program, precision: str):
    """(expected outputs, rtol, outputs not to compare) for
    `program.widened()` at `precision`, or (None, JAX's error, None)."""
    import jax

    wide = program.widened()
    try:
        with jax.enable_x64(wide.x64):
            expected = jax_reference(wide.build(), wide.args())
    except Exception as e:  # noqa: BLE001 - reported with the mismatch
        return None, " ".join(str(e).split())[:200], None
    skip = tainted_outputs(wide) if low_precision(wide, precision) else set()
    return expected, tolerance(wide, precision), skip


def _spec_reference(program: Program):
    """(outputs of StableHLO's reference interpreter, `stablehlo.eval_module`,
    on the program JAX lowers, None) or (None, why it failed)."""
    import jax

    from hlo_coreml._mlir import ir, make_context, stablehlo

    try:
        with jax.enable_x64(program.x64):
            text = jax.jit(program.build()).lower(*program.args()).as_text()
        with make_context(), ir.Location.unknown():
            module = ir.Module.parse(text)
            main = next(op for op in module.body.operations if ir.StringAttr(op.attributes["sym_name"]).value == "main")
            ftype = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
            types = ftype.inputs
            # The bindings abort (not raise) on bf16 data, in or out.
            for t in list(ftype.inputs) + list(ftype.results):
                element = ir.RankedTensorType(t).element_type
                if not isinstance(element, (ir.IntegerType, ir.F16Type, ir.F32Type, ir.F64Type)):
                    return None, f"not run on {element}"
            feeds = [
                ir.DenseElementsAttr.get(np.ascontiguousarray(np.asarray(a)).reshape(-1), type=t)
                for a, t in zip(program.args(), types)
            ]
            outs = stablehlo.eval_module(module, feeds)
            return [np.array(o) for o in outs], None
    except Exception as e:  # noqa: BLE001 - reported with the mismatch
        return None, f"failed: {' '.join(str(e).split())[:200]}"


def jax_reference(fn, args) -> list:
    import jax

    cpu = jax.devices("cpu")[0]
    with jax.default_device(cpu):
        out = jax.jit(fn)(*[jax.device_put(a, cpu) for a in args])
    return [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(out)]


def same_failure(a: Result, b: Result) -> bool:
    """For the minimizer: same class, and for crashes and refusals the same
    exception type and site."""
    if a.cls != b.cls:
        return False
    if a.cls == "crash":
        return a.key.split(":", 1)[0] == b.key.split(":", 1)[0]
    return True



