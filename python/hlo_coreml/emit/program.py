"""Legal IR -> MIL Program, one emitter-table lookup per op.

The module must have passed hlo-coreml-verify-legal; every failure in here is
a bug in hlo-coreml, so it is raised as an internal error, not a user error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .._mlir import ir
from ..coreml_patches import compile_time_values_bounded
from ..diagnostics import CompileError, location_name
from ..element_types import NUMPY_DTYPES, is_dynamic, kind_of, shape_of
from .context import EmitContext
from .registry import emitter_table

# Core ML interface dtypes for each legal element type. Core ML has no bool
# inputs or outputs: they travel as int32 (0/1) and are cast inside.
_IO_KIND = {"f32": "f32", "f16": "f16", "i32": "i32", "i1": "i32"}


@dataclass
class IOSpec:
    """One model input or output, in the order of the function's arguments
    or results."""

    name: str
    shape: tuple[int, ...]  # the StableHLO shape; () for scalars
    element: str  # 'f32', 'f16', 'i32' or 'i1' in the StableHLO program
    io_dtype: str  # dtype at the Core ML interface ('f32', 'f16', 'i32')
    # Set on the two features a complex argument/result was split into by
    # hlo-coreml-split-complex: the complex value's name and 'real'/'imag'.
    complex_of: str | None = None
    complex_part: str | None = None
    # The Core ML state this feature is (an input) or updates (an output);
    # such features are not model inputs/outputs (compile(states=...)).
    state: str | None = None
    # The ct.Shape (with ct.RangeDim) or ct.EnumeratedShapes the user gave
    # for an input with dynamic (`?`) dims (compile(inputs=...)).
    flexible: object | None = None
    # The program's shape of an argument / result of rank > 5, which travels
    # with its leading dims merged (`shape`, rank 5; hlo-coreml-cap-rank's
    # `hlo_coreml.original_shape`); hlo_coreml.run reshapes to and from it.
    original_shape: tuple[int, ...] | None = None

    @property
    def io_shape(self) -> tuple[int, ...]:
        """Core ML has no rank-0 features: scalars travel as shape (1,)."""
        return self.shape or (1,)

    @property
    def dynamic(self) -> bool:
        return any(is_dynamic(d) for d in self.shape)

    def shape_json(self) -> list:
        """The shape with None for each dynamic dim."""
        return [None if is_dynamic(d) else int(d) for d in self.shape]

    def shape_text(self) -> str:
        """The Core ML shape for people: `[?, 16]` dims as ranges
        (`1..64`) or the enumerated shapes."""
        if self.flexible is not None and hasattr(self.flexible, "shapes"):
            return " | ".join(str(list(s.shape)) for s in self.flexible.shapes)
        dims = []
        flexible = list(getattr(self.flexible, "shape", []) or [])
        for i, d in enumerate(self.io_shape):
            if not is_dynamic(d):
                dims.append(str(int(d)))
            elif i < len(flexible) and hasattr(flexible[i], "lower_bound"):
                dims.append(f"{flexible[i].lower_bound}..{flexible[i].upper_bound}")
            else:
                dims.append("?")
        return "[" + ", ".join(dims) + "]"


@dataclass
class Interface:
    inputs: list[IOSpec] = field(default_factory=list)
    outputs: list[IOSpec] = field(default_factory=list)


class EmitterBug(RuntimeError):
    """An op passed verify-legal but could not be emitted: an hlo-coreml bug."""


_SANITIZE = re.compile(r"[^A-Za-z0-9_]")


def sanitize(name: str) -> str:
    """A Core ML feature name: [A-Za-z0-9_], not starting with a digit."""
    name = _SANITIZE.sub("_", name).strip("_") or "x"
    return "v_" + name if name[0].isdigit() else name


def _check_given_names(main, what: str, key: str, count: int, given) -> None:
    """More names than the signature has entries is a mistake, not a default."""
    if not given:
        return
    sources = {_split_origin(main, key, i)[0] for i in range(count)}
    n = max(sources) + 1 if sources else 0
    if len(given) > n:
        kind = "arguments" if what == "inputs" else "results"
        raise CompileError(f"{what}= gives {len(given)} entries, but @main has {n} {kind}")


def _unique(names: list[str], kept=None) -> list[str]:
    """`names` made unique by suffixes `_1`, `_2`, ...; the names at the
    positions flagged in `kept` (given by the user, unique among themselves)
    keep their spelling, and the others avoid them."""
    kept = list(kept) if kept is not None else [False] * len(names)
    seen: dict[str, int] = {n: 0 for n, k in zip(names, kept) if k}
    out = []
    for n, k in zip(names, kept):
        if k:
            out.append(n)
            continue
        if n in seen:
            seen[n] += 1
            candidate = f"{n}_{seen[n]}"
            while candidate in seen:
                seen[n] += 1
                candidate = f"{n}_{seen[n]}"
            n = candidate
        seen.setdefault(n, 0)
        out.append(n)
    return out


def _result_info_name(attrs: ir.DictAttr | None) -> str | None:
    if attrs is None or "jax.result_info" not in attrs:
        return None
    text = ir.StringAttr(attrs["jax.result_info"]).value
    # JAX writes pytree paths: "result", "result[0]", "['logits']", "[0]['h']".
    parts = re.findall(r"\['([^']*)'\]|\[(\d+)\]|^([A-Za-z_]\w*)", text)
    words = [a or b or c for a, b, c in parts]
    return "_".join(words) if words else None


def _argument_name(main, index: int, arg) -> str | None:
    attrs = _arg_attrs(main, "arg_attrs", index)
    if attrs is not None and "jax.arg_info" in attrs:
        info = ir.StringAttr(attrs["jax.arg_info"]).value
        parts = re.findall(r"\['([^']*)'\]|\[(\d+)\]|^([A-Za-z_]\w*)", info)
        words = [a or b or c for a, b, c in parts]
        if words:
            return "_".join(words)
    name = location_name(arg.location)
    if name and "[" in name:
        # JAX names a pytree leaf by its path: "params['w']" -> params_w.
        parts = re.findall(r"\['([^']*)'\]|\[(\d+)\]|^([A-Za-z_]\w*)", name)
        words = [a or b or c for a, b, c in parts]
        if words:
            return "_".join(words)
    return name


def _arg_attrs(main, key: str, index: int) -> ir.DictAttr | None:
    if key not in main.attributes:
        return None
    array = ir.ArrayAttr(main.attributes[key])
    return ir.DictAttr(array[index]) if index < len(array) else None


def interface_of(main, input_names=None, output_names=None) -> Interface:
    """Input/output names, shapes and dtypes of @main, in argument/result order.

    Names come from the caller if given, else from the source (JAX's
    argument locations and `jax.result_info` attributes), else `input_<i>` /
    `output_<i>`."""
    block = main.regions[0].blocks[0]
    ftype = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
    # After hlo-coreml-split-complex, a complex argument `x` is two arguments
    # named `x_real` / `x_imag`; given and default names (and `input_<i>`
    # indices) refer to the original signature (see _split_origin).
    given = list(input_names or [])
    in_names, in_origin, in_given = [], [], []
    for i, arg in enumerate(block.arguments):
        source, part = _split_origin(main, "arg_attrs", i)
        in_given.append(bool(source < len(given) and given[source]))
        base = given[source] if source < len(given) and given[source] else sanitize(_argument_name(main, i, arg) or f"input_{source}")
        in_names.append(f"{base}_{part}" if part else base)
        in_origin.append((base, part))
    given = list(output_names or [])
    out_names, out_origin, out_given = [], [], []
    for i in range(len(ftype.results)):
        source, part = _split_origin(main, "res_attrs", i)
        out_given.append(bool(source < len(given) and given[source]))
        base = given[source] if source < len(given) and given[source] else sanitize(
            _result_info_name(_arg_attrs(main, "res_attrs", i)) or f"output_{source}"
        )
        out_names.append(f"{base}_{part}" if part else base)
        out_origin.append((base, part))
    _check_given_names(main, "inputs", "arg_attrs", len(block.arguments), input_names)
    _check_given_names(main, "outputs", "res_attrs", len(ftype.results), output_names)
    given_names = [n for n in list(input_names or []) + list(output_names or []) if n]
    repeated = sorted({n for n in given_names if given_names.count(n) > 1})
    if repeated:
        raise CompileError(
            f"feature name{'s' if len(repeated) > 1 else ''} {', '.join(repr(n) for n in repeated)} given more "
            "than once in inputs= / outputs=; every input and output needs its own name"
        )
    # A given name keeps its spelling (a complex one its _real/_imag); default names avoid it.
    names = _unique(in_names + out_names, in_given + out_given)
    in_names, out_names = names[: len(in_names)], names[len(in_names) :]
    iface = Interface()
    for i, (name, arg, (base, part)) in enumerate(zip(in_names, block.arguments, in_origin)):
        kind = kind_of(arg)
        spec = IOSpec(name, shape_of(arg), kind, _IO_KIND[kind], part and base, part)
        spec.original_shape = _original_shape(main, "arg_attrs", i)
        iface.inputs.append(spec)
    for i, (name, t, (base, part)) in enumerate(zip(out_names, ftype.results, out_origin)):
        kind = kind_of(t)
        spec = IOSpec(name, shape_of(t), kind, _IO_KIND[kind], part and base, part)
        spec.original_shape = _original_shape(main, "res_attrs", i)
        iface.outputs.append(spec)
    return iface


def _original_shape(main, key: str, index: int) -> tuple[int, ...] | None:
    """The shape hlo-coreml-cap-rank recorded for a rank > 5 argument or
    result it merged to rank 5 (`hlo_coreml.original_shape`), or None."""
    attrs = _arg_attrs(main, key, index)
    if attrs is None or "hlo_coreml.original_shape" not in attrs:
        return None
    return tuple(int(d) for d in ir.DenseI64ArrayAttr(attrs["hlo_coreml.original_shape"]))


def _split_origin(main, key: str, index: int) -> tuple[int, str | None]:
    """(index in the original signature, 'real' / 'imag' / None) of argument
    or result `index`, from the attributes hlo-coreml-split-complex leaves
    on a signature it split; (index, None) on any other."""
    attrs = _arg_attrs(main, key, index)
    if attrs is None or "hlo_coreml.source_index" not in attrs:
        return index, None
    part = None
    if "hlo_coreml.complex_part" in attrs:
        part = ir.StringAttr(attrs["hlo_coreml.complex_part"]).value
    return ir.IntegerAttr(attrs["hlo_coreml.source_index"]).value, part


def find_main(module: ir.Module):
    for op in module.body.operations:
        if op.operation.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == "main":
            return op
    raise EmitterBug("no @main function (verify-legal should have caught this)")


def build_program(module: ir.Module, target, interface: Interface | None = None, states=None, constants=None):
    """Build the MIL Program for @main of a legalized module.

    `target` is a coremltools deployment target; ops are built with its
    opset, so the program means what its label says.

    `states` ({input name: output name}, checked by interface.resolve_states)
    turns each such input into an fp16 Core ML state (`StateTensorSpec`,
    iOS18+): the program reads it with `read_state` and, in place of the
    output, writes the output's value back with `coreml_update_state`. The
    returned interface keeps both features, marked with `state`.

    `constants` ({@main argument index: array}, see hlo_coreml.constants)
    binds those arguments to MIL consts holding the arrays; they are not
    model inputs, and the returned interface leaves them out.
    """
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil import Function, Program, types

    from ..coreml_patches import concat_float_symbols_removed

    main = find_main(module)
    iface = interface or interface_of(main)
    constants = dict(constants or {})
    block = main.regions[0].blocks[0]
    if constants:
        iface = Interface(
            inputs=[spec for i, spec in enumerate(iface.inputs) if i not in constants], outputs=iface.outputs
        )
    mil_types = {"f32": types.fp32, "f16": types.fp16, "i32": types.int32}
    states = dict(states or {})
    specs = {
        spec.name: (
            mb.state_tensor_placeholder(shape=spec.io_shape, dtype=types.fp16)
            if spec.name in states
            else mb.placeholder(shape=symbolic_shape(spec.io_shape), dtype=mil_types[spec.io_dtype])
        )
        for spec in iface.inputs
    }
    table = emitter_table()
    ctx = EmitContext(mb, target)
    # Float concats get no symbolic values while the program is built (a
    # coremltools 9.0 bug, see coreml_patches); convert_program does the same.
    with concat_float_symbols_removed(), Function(specs, opset_version=target) as function, compile_time_values_bounded():
        from ..constants import bind_value

        bound = {}
        for index, array in constants.items():
            arg = block.arguments[index]
            bound[arg] = ctx.const(bind_value(array, NUMPY_DTYPES[kind_of(arg)], shape_of(arg)))
        free = [arg for i, arg in enumerate(block.arguments) if i not in constants]
        for arg, var in bound.items():
            ctx.bind(arg, var)
        for spec, arg in zip(iface.inputs, free):
            var = function.inputs[spec.name]
            if spec.name in states:
                spec.state = spec.name
                var = mb.read_state(input=var)
            if spec.shape != spec.io_shape:
                var = mb.reshape(x=var, shape=np.array(spec.shape, dtype=np.int32))
            if spec.element != spec.io_dtype:
                var = ctx.cast(var, spec.element) if spec.element != "i1" else mb.not_equal(x=var, y=np.int32(0))
            ctx.bind(arg, var)
        outputs = emit_block(ctx, block, table)
        updates = {out: state for state, out in states.items()}
        kept = []
        for spec, var in zip(iface.outputs, outputs):
            if spec.name in updates:
                spec.state = updates[spec.name]
                state = function.inputs[spec.state]
                if spec.shape != spec.io_shape:
                    var = mb.reshape(x=var, shape=np.array(spec.io_shape, dtype=np.int32))
                mb.coreml_update_state(state=state, value=var, name=f"{spec.state}_update")
            else:
                kept.append((spec, var))
        function.set_outputs(
            _name_outputs(mb, ctx, Interface(outputs=[s for s, _ in kept]), [v for _, v in kept])
        )
    program = Program()
    program.add_function("main", function)
    return program, iface


def symbolic_shape(shape) -> tuple:
    """`shape` with each dynamic (`?`) dim replaced by a fresh MIL symbol
    (a flexible input dimension)."""
    from coremltools.converters.mil.mil import get_new_symbol

    return tuple(get_new_symbol() if is_dynamic(d) else int(d) for d in shape)


# Terminators: the function's, and the one of every region (while, case, reduce).
_TERMINATORS = ("func.return", "stablehlo.return")


def emit_block(ctx: EmitContext, block, table=None) -> list:
    """Emit the ops of `block` in order (binding each result in `ctx`) and
    return the MIL vars its terminator yields. Region-holding emitters
    (ops_control) call this for their blocks, after binding the block's
    arguments."""
    table = table if table is not None else emitter_table()
    for op in block.operations:
        name = op.operation.name
        if name in _TERMINATORS:
            return [ctx[v] for v in op.operands]
        entry = table.get(name)
        if entry is None:
            raise EmitterBug(f"no emitter for '{name}' (verify-legal should have refused it)")
        try:
            result = entry.emit(ctx, op)
        except (EmitterBug, CompileError):
            raise
        except Exception as e:  # noqa: BLE001 - re-raised with the op attached
            raise EmitterBug(f"emitting '{name}' at {op.location} failed: {e}") from e
        results = result if isinstance(result, (list, tuple)) else [result]
        for value, var in zip(op.results, results):
            ctx.bind(value, _materialize_folded_scalar(ctx, value, var))
    return []


def _materialize_folded_scalar(ctx: EmitContext, value, var):
    """The builder constant-folds ops whose inputs are known; some of
    coremltools' value inferences (reductions to rank 0) leave a Python
    float as the value, which other ops' value inference then cannot read
    (`'float' object has no attribute 'ndim'`). Re-emit such a value as a
    NumPy const of the right dtype."""
    folded = getattr(var, "val", None)
    if folded is None or isinstance(folded, np.ndarray) or var.op is None or var.op.op_type == "const":
        return var
    return ctx.const(np.asarray(folded, dtype=NUMPY_DTYPES[kind_of(value)]))


def _name_outputs(mb, ctx, iface: Interface, outputs):
    """Give each output var its feature name: rename the var when it is a
    plain op result used once as an output, else add an `identity`."""
    named, taken = [], set()
    for spec, var in zip(iface.outputs, outputs):
        if spec.shape != spec.io_shape:
            var = mb.reshape(x=var, shape=np.array(spec.io_shape, dtype=np.int32))
        if spec.element != spec.io_dtype:
            var = ctx.cast(var, spec.io_dtype)
        op = var.op
        renamable = op is not None and op.op_type != "const" and len(op.outputs) == 1 and id(var) not in taken
        if renamable:
            var.name = spec.name
            op.name = spec.name
        else:
            var = mb.identity(x=var, name=spec.name)
        taken.add(id(var))
        named.append(var)
    return named
