"""Loading, environment and dispatch for the NumPy MIL interpreter.

A program is loaded once (from an ``.mlpackage`` path, an in-memory
``MLModel`` or a pymil ``Program``), then the ops of function ``main`` are
executed in order. Every op type maps to a handler in ``OP_TABLE``:
``handler(op, env) -> value or tuple of values``. After each op the results
are cast to the dtype declared by the op's output vars and their shapes are
checked against the declared (static) shapes.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Mapping, Optional

import numpy as np

from .readings import DEFAULT, READING_A, READING_B, Recorder, same_values

OP_TABLE: Dict[str, Callable] = {}

_IOS16 = 7  # opset_version value of ct.target.iOS16
_IOS17 = 8  # opset_version value of ct.target.iOS17


class InterpreterError(ValueError):
    """Raised for bad inputs, unknown ops and ops that cannot be executed."""


class UnderspecifiedBehaviourError(InterpreterError):
    """Strict mode: the program's outputs depend on a behaviour the MIL op
    documentation leaves open (see ``interpreter/readings.py``)."""


def register(*op_types: str):
    """Decorator: register a handler for one or more MIL op types."""

    def deco(fn):
        for t in op_types:
            if t in OP_TABLE:
                raise RuntimeError(f"duplicate interpreter handler for op type {t!r}")
            OP_TABLE[t] = fn
        return fn

    return deco


# ----------------------------------------------------------------------------
# dtype helpers
# ----------------------------------------------------------------------------


def np_dtype(builtin_type):
    """NumPy dtype of a MIL builtin scalar type (None for non-numeric)."""
    from coremltools.converters.mil.mil import types

    try:
        t = types.nptype_from_builtin(builtin_type)
    except KeyError:
        return None
    if t is np.str_:
        return None
    return np.dtype(t)


def var_np_dtype(var):
    """NumPy dtype declared for a Var (tensor, scalar or state)."""
    return np_dtype(var.dtype)


def is_static_shape(shape) -> bool:
    """True if every dim of ``shape`` is a concrete integer."""
    return all(isinstance(d, (int, np.integer)) for d in shape)


def opset(op) -> int:
    """The opset version of an op's class (4 = iOS13/15, 7 = iOS16, 8 = iOS17, 9 = iOS18)."""
    v = getattr(op, "opset_version", None)
    return int(v) if v is not None else 0


def acc(x: np.ndarray) -> np.ndarray:
    """Upcast fp16 to fp32 for accumulation; other dtypes unchanged."""
    x = np.asarray(x)
    if x.dtype == np.float16:
        return x.astype(np.float32)
    return x


def const_value(var):
    """The value of a const var as NumPy (str for string consts)."""
    val = var.val
    if val is None:
        raise InterpreterError(f"var {var.name!r} has no constant value")
    if isinstance(val, str):
        return val
    dt = var_np_dtype(var)
    arr = np.asarray(val)
    if dt is not None and arr.dtype != dt:
        arr = arr.astype(dt)
    return arr


# ----------------------------------------------------------------------------
# environment
# ----------------------------------------------------------------------------


class Env:
    """Maps Vars to values; nested blocks get a child Env."""

    def __init__(self, interp: "Interpreter", parent: Optional["Env"] = None, states=None):
        self.interp = interp
        self.parent = parent
        self.vals: Dict[Any, Any] = {}
        self.states = parent.states if parent is not None else (states if states is not None else {})

    def __getitem__(self, var):
        e = self
        while e is not None:
            if var in e.vals:
                return e.vals[var]
            e = e.parent
        is_const = var.op.op_type == "const" if var.op is not None else var.val is not None
        if is_const:
            v = const_value(var)
            self.vals[var] = v
            return v
        raise InterpreterError(f"value of var {var.name!r} is not available (not yet computed)")

    def __setitem__(self, var, value):
        self.vals[var] = value

    def child(self) -> "Env":
        return Env(self.interp, parent=self)

    def run_block(self, block, bindings=()):
        """Run a nested block with its inputs bound to ``bindings``; return its outputs."""
        env = self.child()
        if len(bindings) != len(block.inputs):
            raise InterpreterError(
                f"block {block.name!r} expects {len(block.inputs)} inputs, got {len(bindings)}"
            )
        for v, val in zip(block.inputs, bindings):
            env[v] = val
        return execute_block(block, env)


def arg(op, env: Env, name: str, default=None):
    """Value of input ``name`` of ``op`` (a list for tuple inputs), or ``default``."""
    v = op.inputs.get(name)
    if v is None:
        return default
    if isinstance(v, (list, tuple)):
        return [env[x] for x in v]
    return env[v]


def scalar(value, default=None):
    """A Python scalar from a 0-d/1-element array (or ``default`` for None)."""
    if value is None:
        return default
    if isinstance(value, str):
        return value
    return np.asarray(value).reshape(-1)[0].item()


def ilist(value, default=None):
    """A list of Python ints from an array (or ``default`` for None)."""
    if value is None:
        return default
    return [int(v) for v in np.asarray(value).reshape(-1)]


def blist(value, n: int):
    """A list of n bools from a mask array (all False for None)."""
    if value is None:
        return [False] * n
    return [bool(v) for v in np.asarray(value).reshape(-1)]


# ----------------------------------------------------------------------------
# execution
# ----------------------------------------------------------------------------


def _finish(op, result):
    """Cast results to declared output dtypes and check static shapes."""
    outs = op.outputs
    if len(outs) == 1 and not (isinstance(result, tuple) and len(result) == 1):
        result = (result,)
    result = tuple(result)
    if len(result) != len(outs):
        raise InterpreterError(
            f"op {op.name!r} ({op.op_type}) produced {len(result)} values for {len(outs)} outputs"
        )
    final = []
    for var, val in zip(outs, result):
        if isinstance(val, str):
            final.append(val)
            continue
        dt = var_np_dtype(var)
        val = np.asarray(val)
        if dt is not None and val.dtype != dt:
            val = val.astype(dt)
        shape = var.shape
        if is_static_shape(shape) and tuple(int(d) for d in shape) != val.shape:
            raise InterpreterError(
                f"op {op.name!r} ({op.op_type}) produced shape {val.shape} for output "
                f"{var.name!r}, but the program declares {tuple(shape)}"
            )
        final.append(val)
    return final


def execute_op(op, env: Env):
    """Execute one op, store its outputs in ``env``."""
    handler = OP_TABLE.get(op.op_type)
    if handler is None:
        raise InterpreterError(
            f"op type {op.op_type!r} (op {op.name!r}) is not implemented by the interpreter"
        )
    with np.errstate(all="ignore"):
        try:
            result = handler(op, env)
        except InterpreterError:
            raise
        except Exception as e:  # add op context to numpy/shape errors
            raise InterpreterError(f"op {op.name!r} ({op.op_type}) failed: {type(e).__name__}: {e}") from e
        values = _finish(op, result)
    for var, val in zip(op.outputs, values):
        env[var] = val


def execute_block(block, env: Env):
    """Execute all ops of a block; return the values of its outputs."""
    for op in block.operations:
        execute_op(op, env)
    return [env[v] for v in block.outputs]


# ----------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------


def load_program(model):
    """Return a pymil Program for a path, an MLModel or a Program.

    A path must be an ``.mlpackage`` folder (with ``Manifest.json``); a
    package coremltools cannot read (damaged spec, missing weights) raises
    InterpreterError naming the path."""
    import coremltools as ct
    from coremltools.converters.mil.mil import Program

    if isinstance(model, Program):
        return model
    if isinstance(model, (str, os.PathLike, bytes)):
        path = os.fsdecode(os.fspath(model))
        if not os.path.exists(path):
            raise InterpreterError(f"model path {path!r} does not exist")
        if not os.path.isfile(os.path.join(path, "Manifest.json")):
            raise InterpreterError(f"{path} is not a Core ML package (an .mlpackage folder with Manifest.json)")
        try:
            model = ct.models.MLModel(path, skip_model_load=True)
        except Exception as e:  # noqa: BLE001 - a damaged or foreign package
            raise InterpreterError(
                f"{path}: cannot read the Core ML package (damaged or incomplete?): {_brief(e)}"
            ) from None
    if isinstance(model, ct.models.MLModel):
        from coremltools.converters.mil.frontend.milproto.load import load

        spec = model.get_spec()
        if spec.WhichOneof("Type") != "mlProgram":
            raise InterpreterError(
                f"model is a {spec.WhichOneof('Type')!r} model; only mlprogram models are supported"
            )
        where = model.package_path or "the model"
        weights = model.weights_dir
        if weights is not None and not os.path.isdir(weights):
            raise InterpreterError(f"{where}: the package has no weights folder ({weights}); it is incomplete")
        from ..coreml_patches import compile_time_values_bounded

        try:
            # Loading builds every op again: values past hlo_coreml.limits are
            # not precomputed here either (the run computes them).
            with compile_time_values_bounded():
                program = load(
                    model_spec=spec,
                    specification_version=spec.specificationVersion,
                    file_weights_dir=weights,
                )
        except Exception as e:  # noqa: BLE001 - missing or damaged weight files, unknown ops
            raise InterpreterError(f"{where}: cannot load the ML program: {_brief(e)}") from None
        # A multifunction package (ct.utils.save_multifunction) names the
        # function Core ML runs by default; the loader does not keep it.
        if spec.description.defaultFunctionName:
            program.default_function_name = spec.description.defaultFunctionName
        return program
    raise InterpreterError(
        f"cannot interpret object of type {type(model).__name__}; expected a path, "
        "a coremltools MLModel or a pymil Program"
    )


def _brief(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def convert_feed(name: str, value, dtype, kind: str = "input") -> np.ndarray:
    """``value`` as an array of ``dtype`` (the dtype the program declares).

    A value of another dtype is converted only if every element keeps its
    value (int64 within int32's range, float64 holding float32 values,
    bool to int32, ...); a conversion that would change any value (rounding
    float64 to float32, wrapping int64, truncating floats to ints), and
    non-numeric data (strings, objects), raise InterpreterError."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as e:
        raise InterpreterError(f"{kind} {name!r} is not an array: {e}") from None
    if dtype is None or arr.dtype == dtype:
        return arr
    if arr.dtype.kind not in "biuf":
        raise InterpreterError(f"{kind} {name!r} has dtype {arr.dtype}; the program takes {dtype} numbers")
    if np.can_cast(arr.dtype, dtype, casting="safe"):
        return arr.astype(dtype)
    with np.errstate(all="ignore"):
        out = arr.astype(dtype)
        back = out.astype(arr.dtype)
    same = back == arr
    if arr.dtype.kind == "f":
        same |= np.isnan(back) & np.isnan(arr)
    if not same.all():
        where = np.argwhere(~same.reshape(arr.shape))[0] if arr.ndim else ()
        index = tuple(int(i) for i in where)
        raise InterpreterError(
            f"{kind} {name!r} has dtype {arr.dtype}, and converting it to the program's {dtype} would "
            f"change its values (element {list(index)}: {arr[index].item()!r} -> {out[index].item()!r}); convert it "
            f"yourself (x.astype(np.{dtype.name})) if that is what you want"
        )
    return out


def _prepare(name, var, value, kind):
    """An input/state value in its declared dtype (see convert_feed), its shape checked."""
    from coremltools.converters.mil.mil import types

    arr = convert_feed(name, value, var_np_dtype(var), kind)
    shape = tuple(var.shape)
    if len(shape) != arr.ndim or any(
        isinstance(d, (int, np.integer)) and int(d) != s for d, s in zip(shape, arr.shape)
    ):
        raise InterpreterError(
            f"{kind} {name!r} has shape {arr.shape}, but the program declares {shape} "
            f"({types.builtin_to_string(var.dtype)})"
        )
    return arr


class Interpreter:
    """A loaded MIL program that can be run repeatedly.

    States (``read_state`` / ``coreml_update_state``) are passed in the
    ``inputs`` dict under the state's name, like ordinary inputs. After the
    run, a NumPy array passed for a state with the state's exact dtype and
    shape is overwritten in place with the final state value (so calling
    ``run`` repeatedly with the same dict behaves like a Core ML ``MLState``);
    the final values of all states are also stored in ``state_out`` when a
    dict is given, and in ``self.last_states``.
    """

    def __init__(self, model, function_name: Optional[str] = None):
        from coremltools.converters.mil.mil import types

        self.program = load_program(model)
        if function_name is None:
            # "main", or a multifunction package's default function
            function_name = getattr(self.program, "default_function_name", None) or "main"
        if function_name not in self.program.functions:
            raise InterpreterError(
                f"program has no function {function_name!r} (has {list(self.program.functions)})"
            )
        self.function = self.program.functions[function_name]
        self.input_vars = {}
        self.state_vars = {}
        for name, var in self.function.inputs.items():
            if types.is_state(var.sym_type):
                self.state_vars[name] = var
            else:
                self.input_vars[name] = var
        self.output_names = [v.name for v in self.function.outputs]
        self.last_states: Dict[str, np.ndarray] = {}
        self.reading = DEFAULT  # see readings.py; strict mode switches it per run
        self.recorder = None

    def run(
        self, inputs: Mapping[str, Any], state_out: Optional[dict] = None, strict: bool = False
    ) -> Dict[str, np.ndarray]:
        """Run function main; return outputs by name in program order.

        With ``strict``, run it under two readings of every behaviour the
        MIL documentation leaves open and raise
        :class:`UnderspecifiedBehaviourError`, naming the ops whose results
        depended on the reading, when the outputs or states differ."""
        if not strict:
            return self._run(inputs, state_out, DEFAULT, None)
        rec_a, rec_b = Recorder(READING_B), Recorder(READING_A)
        out_a = self._run(inputs, None, READING_A, rec_a, write_states=False)
        states_a = dict(self.last_states)
        out_b = self._run(inputs, None, READING_B, rec_b, write_states=False)
        states_b = dict(self.last_states)
        differing = [n for n in out_a if not same_values(out_a[n], out_b[n])]
        differing += [f"state {n}" for n in states_a if not same_values(states_a[n], states_b[n])]
        if differing:
            raise UnderspecifiedBehaviourError(_strict_message(differing, rec_a.divergences or rec_b.divergences))
        self.last_states = states_a
        self._write_states(inputs, states_a, state_out)
        return out_a

    def _run(self, inputs, state_out, reading, recorder, write_states=True):
        if not isinstance(inputs, Mapping):
            raise InterpreterError(f"inputs must be a dict of name -> array, got {type(inputs).__name__}")
        expected = list(self.input_vars) + list(self.state_vars)
        unknown = [k for k in inputs if k not in self.input_vars and k not in self.state_vars]
        if unknown:
            raise InterpreterError(f"unknown input name(s) {unknown}; the program expects {expected}")
        missing = [k for k in expected if k not in inputs]
        if missing:
            raise InterpreterError(f"missing input(s) {missing}; the program expects {expected}")
        self.reading, self.recorder = reading, recorder
        env = Env(self)
        for name, var in self.input_vars.items():
            env[var] = _prepare(name, var, inputs[name], "input")
        for name, var in self.state_vars.items():
            env.states[name] = _prepare(name, var, inputs[name], "state").copy()
        try:
            execute_block(self.function, env)
        finally:
            self.reading, self.recorder = DEFAULT, None
        outputs = {v.name: env[v] for v in self.function.outputs}
        self.last_states = dict(env.states)
        if write_states:
            self._write_states(inputs, env.states, state_out)
        return outputs

    @staticmethod
    def _write_states(inputs, states, state_out):
        for name, val in states.items():
            given = inputs[name]
            if isinstance(given, np.ndarray) and given.dtype == val.dtype and given.shape == val.shape:
                if given.flags.writeable:
                    np.copyto(given, val)
            if state_out is not None:
                state_out[name] = val


def run(
    model,
    inputs: Mapping[str, Any],
    state_out: Optional[dict] = None,
    function_name: Optional[str] = None,
    strict: bool = False,
) -> Dict[str, np.ndarray]:
    """Load ``model`` and run its function ``function_name`` (default
    ``main``, or a multifunction package's default function) on ``inputs``.

    ``model`` is a path to an ``.mlpackage``, a ``coremltools.models.MLModel``
    or a pymil ``Program``. Returns ``{output name: array}`` in program output
    order. See :class:`Interpreter` for how states are passed and updated,
    and ``readings.py`` for ``strict``.
    """
    return Interpreter(model, function_name).run(inputs, state_out=state_out, strict=strict)


def _strict_message(differing, divergences) -> str:
    outs = ", ".join(differing[:5]) + (" ..." if len(differing) > 5 else "")
    lines = [f"strict mode: output(s) {outs} depend on behaviour the Core ML op documentation leaves open"]
    if divergences:
        lines.append("op(s) whose result depends on it:")
        lines += [f"  {d.describe()}" for d in divergences[:8]]
        if len(divergences) > 8:
            lines.append(f"  ... and {len(divergences) - 8} more")
    return "\n".join(lines)
