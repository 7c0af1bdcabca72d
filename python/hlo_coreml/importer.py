"""Every way a StableHLO program reaches us, turned into an `ir.Module`.

Accepted: a path (str or os.PathLike) to `.mlir` text, `.mlirbc` bytecode
(plain or a StableHLO portable artifact) or a serialized `jax.export`
artifact; MLIR text (str) or bytes in memory; an `ir.Module`; a
`jax.export.Exported`; a JAX callable plus example arguments. Only the JAX
forms import jax.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from . import bytecode_constants, fast_paths
from ._mlir import ir, stablehlo
from .diagnostics import CompileError, format_all, from_mlir_error

_BYTECODE_MAGIC = bytecode_constants.MAGIC
# Below this an artifact holds no constant worth eliding.
_LEAN_PARSE_MIN_BYTES = bytecode_constants.MIN_ELIDED_BYTES


@dataclass
class Source:
    module: ir.Module
    # Shown instead of MLIR's "-" buffer name in diagnostics.
    buffer_name: str


def load(
    model, example_args=(), *, context: ir.Context, specialize=None, static_argnums=None, static_argnames=None
) -> Source:
    """Parse `model` into a module owned by `context` (see module docstring).

    `specialize` ({argument name or index: shape}) gives dynamic dimensions
    of @main's arguments (a jax.export with symbolic shapes) fixed sizes;
    `stablehlo-refine-shapes` in the prepare pipeline then propagates them.
    `static_argnums` / `static_argnames` are jax.jit's, for a JAX function.

    Afterwards the module has exactly one entry function, @main (see
    check_entry)."""
    if (static_argnums is not None or static_argnames is not None) and (
        _is_exported(model) or not callable(model) or isinstance(model, (ir.Module, str, bytes, os.PathLike))
    ):
        raise CompileError("static_argnums / static_argnames apply only to a JAX function")
    if example_args and not callable(model):
        raise CompileError(
            f"example arguments are only used with a JAX function; a {type(model).__name__} model has fixed input shapes"
        )
    source = _load(model, example_args, context, static_argnums, static_argnames)
    check_entry(source)
    _name_arguments_from_wrapped_main(source.module)
    if specialize:
        specialize_arguments(source.module, specialize)
    return source


def _load(model, example_args, context: ir.Context, static_argnums=None, static_argnames=None) -> Source:
    if isinstance(model, ir.Module):
        return Source(_copy_module(model, context), "<module>")
    if isinstance(model, os.PathLike) or (isinstance(model, str) and _looks_like_path(model)):
        return _load_path(os.fspath(model), context)
    if isinstance(model, str):
        return Source(_parse_text(model, "<string>", context), "<string>")
    if isinstance(model, (bytes, bytearray, memoryview)):
        return _load_bytes(bytes(model), "<bytes>", context)
    if _is_exported(model):
        return Source(_from_exported(model, context), _exported_name(model))
    if callable(model):
        module = _from_callable(model, example_args, context, static_argnums, static_argnames)
        return Source(module, getattr(model, "__name__", "<callable>"))
    raise CompileError(
        f"cannot compile an object of type {type(model).__name__}: pass a path, MLIR text or "
        "bytes, an ir.Module, a jax.export.Exported, or a JAX function with example arguments"
    )


def _looks_like_path(text: str) -> bool:
    if "\n" in text or "{" in text:
        return False
    return os.path.exists(text) or text.endswith((".mlir", ".mlirbc", ".bin", ".jax", ".stablehlo"))


def _load_path(path: str, context: ir.Context) -> Source:
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            if fast_paths.enabled() and (module := _load_mapped(f, head, path, context)) is not None:
                return Source(module, path)
            f.seek(0)
            if head.startswith(_BYTECODE_MAGIC) or b"\0" not in head:
                data = f.read()  # MLIR bytecode or text
            else:
                # A jax.export artifact: read straight into the bytearray
                # jax.export.deserialize wants (a copy of a model's weights
                # costs as much memory as the model).
                data = bytearray(os.fstat(f.fileno()).st_size)
                with memoryview(data) as view:
                    size = f.readinto(view)
                del data[size:]
    except OSError as e:
        raise CompileError(f"{path}: cannot read input: {e.strerror}") from None
    return _load_bytes(data, path, context)


def _load_mapped(f, head: bytes, path: str, context: ir.Context) -> ir.Module | None:
    """The module in file `f` (MLIR bytecode, or a serialized jax.export
    artifact) read through a read-only mmap, so that the file's bytes are
    never copied whole; None when it is neither or cannot be read this way
    (the caller then reads the file as it is)."""
    import mmap

    if not head.startswith(_BYTECODE_MAGIC) and b"\0" not in head:
        return None  # MLIR text
    try:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # empty file, or one that cannot be mapped
        return None
    with mapped:
        if head.startswith(_BYTECODE_MAGIC):
            start, length, name = 0, len(mapped), path
        elif (found := _export_module_range(mapped)) is not None:
            start, length, name = found
        else:
            return None
        module = _parse_lean(mapped, start, length, name, context)
        if module is None:
            # Nothing to elide: parse a copy of the module's bytes (only
            # those: jax.export.deserialize would copy the artifact again).
            module = _parse_bytecode(mapped[start : start + length], name, context, lean=False)
        return module


def _export_module_range(view) -> tuple[int, int, str] | None:
    """(start, length, function name) of the MLIR bytecode inside the
    serialized jax.export artifact `view`; None when it does not look like
    one (the caller then goes through jax.export.deserialize, which reports
    what is wrong). The flatbuffer is walked in place (a few pages touched):
    jax.export.deserialize would want the whole file in a bytearray and copy
    the module out of it."""
    try:
        from jax._src.export import serialization_generated as flatbuffer
    except ImportError:  # jax missing or reorganized: the slow path decides
        return None
    try:
        root = flatbuffer.Exported.GetRootAs(view, 0)
        name = (root.FunctionName() or b"").decode("utf-8", "replace")
        table = root._tab
        field = table.Offset(30)  # mlir_module_serialized
        if not field:
            return None
        start, length = table.Vector(field), table.VectorLen(field)
    except (ValueError, OSError, IndexError, TypeError, AttributeError, struct.error):
        return None
    if not 0 < start <= start + length <= len(view) or bytes(view[start : start + 4]) != _BYTECODE_MAGIC:
        return None
    return start, length, name or "<jax.export>"


def _parse_lean(source, start: int, length: int, name: str, context: ir.Context) -> ir.Module | None:
    """The StableHLO portable artifact at source[start:start + length],
    parsed without copying its large constants twice
    (hlo_coreml.bytecode_constants); None when that does not apply or the
    slim artifact does not parse (the caller then parses the artifact as
    it is, which also reports any error in it)."""
    with memoryview(source)[start : start + length] as view:
        elided = bytecode_constants.elide_large_constants(view)
    if elided is None:
        return None
    slim, constants = elided
    try:
        module = _parse_bytecode(slim, name, context, lean=False)
    except CompileError:
        return None
    if not bytecode_constants.restore(module, constants, source, start):
        return None
    return module


def _load_bytes(data: bytes, name: str, context: ir.Context) -> Source:
    if data.startswith(_BYTECODE_MAGIC):
        return Source(_parse_bytecode(data, name, context), name)
    # MLIR text has no NUL byte; a jax.export flatbuffer has them in its
    # header. Decoding a binary artifact as UTF-8 would fail anyway, and the
    # UnicodeDecodeError would hold a full copy of it while we go on.
    text = None
    if b"\0" not in data[:4096]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if text is None:
        return Source(_from_serialized_export(data, name, context), name)
    return Source(_parse_text(text, name, context), name)


def _parse_text(text: str, name: str, context: ir.Context) -> ir.Module:
    if not text.strip():
        raise CompileError(f"{name}: error: the input is empty; expected a StableHLO module")
    try:
        return ir.Module.parse(text, context=context)
    except ir.MLIRError as e:
        raise CompileError("invalid MLIR", format_all(from_mlir_error(e), name)) from None


def _parse_bytecode(data: bytes, name: str, context: ir.Context, lean: bool = True) -> ir.Module:
    if lean and fast_paths.enabled() and len(data) >= _LEAN_PARSE_MIN_BYTES:
        if (module := _parse_lean(data, 0, len(data), name, context)) is not None:
            return module
    # A StableHLO portable artifact (VHLO) needs deserializing; plain MLIR
    # bytecode parses directly.
    # Its failure is no error of ours (plain bytecode is tried next), so its
    # diagnostics are swallowed instead of reaching stderr raw.
    handler = context.attach_diagnostic_handler(lambda info: True)
    try:
        return stablehlo.deserialize_portable_artifact(context, data)
    except Exception:  # noqa: BLE001 - not an artifact; try plain bytecode
        pass
    finally:
        handler.detach()
    try:
        return ir.Module.parse(data, context=context)
    except ir.MLIRError as e:
        raise CompileError("invalid MLIR bytecode", format_all(from_mlir_error(e), name)) from None


def _copy_module(module: ir.Module, context: ir.Context) -> ir.Module:
    if module.context is context:
        return module
    import io

    buffer = io.BytesIO()
    module.operation.write_bytecode(buffer)
    return ir.Module.parse(buffer.getvalue(), context=context)


def _require_jax(what: str):
    try:
        import jax
    except ImportError:
        raise CompileError(f"{what} needs jax (a dependency of hlo-coreml): pip install jax") from None
    return jax


def _is_exported(model) -> bool:
    cls = type(model)
    return cls.__name__ == "Exported" and cls.__module__.startswith("jax")


def _exported_name(exported) -> str:
    return getattr(exported, "fun_name", None) or "<jax.export>"


def _from_exported(exported, context: ir.Context) -> ir.Module:
    return _parse_bytecode(bytes(exported.mlir_module_serialized), _exported_name(exported), context)


def _from_serialized_export(data: bytes, name: str, context: ir.Context) -> ir.Module:
    jax = _require_jax("a serialized jax.export artifact")
    try:
        exported = jax.export.deserialize(data if isinstance(data, bytearray) else bytearray(data))
    except Exception as e:  # noqa: BLE001 - any failure means: not an artifact
        raise CompileError(
            f"{name}: not MLIR text, MLIR bytecode or a serialized jax.export artifact ({e})"
        ) from None
    return _from_exported(exported, context)


def _exclude_our_frames_from_jax_locations() -> None:
    """JAX records the innermost non-JAX Python frame as each op's location.
    When the user passes a jnp function itself (`compile(jnp.cbrt, x)`), that
    frame would be ours; exclude this package so errors point at user code
    or at nothing. Uses JAX's internal source_info_util (no public API)."""
    try:
        from jax._src import source_info_util

        source_info_util.register_exclusion(os.path.dirname(os.path.abspath(__file__)))
    except (ImportError, AttributeError):  # a newer jax moved it: locations only get worse
        pass


def _from_callable(fn, example_args, context: ir.Context, static_argnums=None, static_argnames=None) -> ir.Module:
    jax = _require_jax("compiling a JAX function")
    _exclude_our_frames_from_jax_locations()
    if not example_args:
        raise CompileError(
            "compiling a JAX function needs example arguments (arrays or "
            "jax.ShapeDtypeStruct) that give the input shapes and dtypes"
        )
    fn, static_argnums, static_argnames = _static_arguments(fn, example_args, static_argnums, static_argnames)
    name = getattr(fn, "__name__", "the function")
    _check_example_args(jax, fn, example_args, static_argnums, name)
    # keep_unused: every Python argument stays a model input, even one the
    # function ignores, so the interface matches the signature.
    jitted = jax.jit(fn, keep_unused=True, static_argnums=static_argnums, static_argnames=static_argnames)
    try:
        exported = jax.export.export(jitted)(*example_args)
    except Exception as e:  # noqa: BLE001 - the user's function failed to trace: their error, with JAX's words
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "Non-hashable static arguments" in str(e):
            message = "a static argument must be hashable (e.g. a tuple, not a list or an array)"
        raise CompileError(f"cannot trace {name} with JAX: {type(e).__name__}: {message}") from e
    return _from_exported(exported, context)


def _as_tuple(value, kind, what):
    if value is None:
        return ()
    items = (value,) if isinstance(value, kind) else value
    try:
        items = tuple(items)
    except TypeError:
        items = (items,)
    for item in items:
        if not isinstance(item, kind) or isinstance(item, bool):
            raise CompileError(f"{what} must be {kind.__name__} or a sequence of them, got {value!r}")
    return items


def _static_arguments(fn, example_args, static_argnums, static_argnames):
    """(function, static_argnums, static_argnames): the arguments given to
    compile() plus, for a `jax.jit`-wrapped function, its own (then the
    wrapped Python function is traced, so that keep_unused applies)."""
    import inspect

    nums = _as_tuple(static_argnums, int, "static_argnums")
    names = _as_tuple(static_argnames, str, "static_argnames")
    n = len(example_args)
    for i in nums:
        if not -n <= i < n:
            raise CompileError(f"static_argnums: {i} is not the index of one of the {n} example arguments")
    nums = {i % n for i in nums}
    info = getattr(fn, "_jit_info", None)  # jax.jit's PjitFunction (no public accessor)
    wrapped = getattr(fn, "__wrapped__", None)
    if info is not None and callable(wrapped):
        # The jit's own static parameters; those past the arguments given keep
        # their defaults (jnp.round's `decimals`).
        nums |= {i for i in (getattr(info, "static_argnums", ()) or ()) if 0 <= i < n}
        names = tuple(sorted(set(names) | set(getattr(info, "static_argnames", ()) or ())))
        fn = wrapped
    nums = tuple(sorted(nums))
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = None
    if names and parameters is not None:
        known = {p.name for p in parameters}
        for name in names:
            if name not in known:
                raise CompileError(
                    f"static_argnames: '{name}' is not a parameter of {getattr(fn, '__name__', 'the function')}"
                )
        positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        nums = tuple(sorted(set(nums) | {positional.index(x) for x in names if x in positional[:n]}))
    return fn, (nums or None), (names or None)


def _is_array_like(value) -> bool:
    import numpy as np

    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in "biufc" or value.dtype.name == "bfloat16"
    # jax.Array, jax.ShapeDtypeStruct and other array types carry both.
    return hasattr(value, "shape") and hasattr(value, "dtype")


def _check_example_args(jax, fn, example_args, static_argnums, name) -> None:
    """Every example argument that is not static must be a pytree of arrays
    (or jax.ShapeDtypeStructs); say how to pass anything else."""
    static = set(static_argnums or ())
    for i, arg in enumerate(example_args):
        if i in static:
            continue
        leaves = jax.tree_util.tree_leaves(arg)
        for leaf in leaves:
            if _is_array_like(leaf):
                continue
            where = f"example argument {i}" if leaf is arg else f"a leaf of example argument {i}"
            kind = type(leaf).__name__
            if isinstance(leaf, (bool, int, float, complex)):
                how = (
                    f"for a model input pass an array (np.asarray({leaf!r}, np.float32) or np.int32({leaf!r}), "
                    f"or jax.ShapeDtypeStruct((), dtype)); to fix its value at compile time pass "
                    f"static_argnums={i}"
                )
            else:
                how = (
                    "model inputs are arrays or jax.ShapeDtypeStruct (or pytrees of them); to fix a "
                    f"non-array value at compile time pass static_argnums={i} (it must be hashable)"
                )
            raise CompileError(f"{where} of {name} is a Python {kind} ({leaf!r:.40}): {how}")


def check_entry(source: Source) -> None:
    """The module must have a function @main, the program's entry point.
    Raises CompileError naming what is there instead."""
    from .diagnostics import Diagnostic, source_position

    functions = [op for op in source.module.body.operations if op.operation.name == "func.func"]
    if not functions:
        raise CompileError(
            f"{source.buffer_name}: error: the module has no functions; expected a StableHLO module "
            "with an entry function @main (e.g. from jax.export)"
        )
    if _main_of(source.module) is not None:
        return
    names = [ir.StringAttr(op.attributes["sym_name"]).value for op in functions]
    public = [
        name
        for op, name in zip(functions, names)
        if "sym_visibility" not in op.attributes or ir.StringAttr(op.attributes["sym_visibility"]).value == "public"
    ]
    listed = ", ".join(f"@{n}" for n in (public or names))
    message = (
        f"the module has no @main function (its {'public ' if public else ''}functions: {listed}); "
        "hlo-coreml compiles @main: rename the entry function to @main"
    )
    position = source_position(functions[0].location)
    if position is None:
        raise CompileError(f"{source.buffer_name}: error: {message}")
    raise CompileError("no @main function", Diagnostic("error", message, position).format(source.buffer_name))


def _main_of(module: ir.Module):
    for op in module.body.operations:
        if op.operation.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == "main":
            return op
    return None


def _name_arguments_from_wrapped_main(module: ir.Module) -> None:
    """jax.export with symbolic shapes wraps the function: @main (arguments
    without locations) checks the shapes and calls
    @_wrapped_jax_export_main, whose arguments carry the Python names. Copy
    those names onto @main's arguments (as `jax.arg_info`) so the model's
    inputs are named after them."""
    main = _main_of(module)
    if main is None:
        return
    block = main.regions[0].blocks[0]
    calls = [op for op in block.operations if op.operation.name == "func.call"]
    if len(calls) != 1:
        return
    callee_name = ir.FlatSymbolRefAttr(calls[0].attributes["callee"]).value
    callee = next(
        (
            op
            for op in module.body.operations
            if op.operation.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == callee_name
        ),
        None,
    )
    if callee is None or not callee_name.startswith("_wrapped_jax_export_main"):
        return
    from .diagnostics import location_name

    callee_args = callee.regions[0].blocks[0].arguments
    names: dict[int, str] = {}
    for j, operand in enumerate(calls[0].operands):
        for i, arg in enumerate(block.arguments):
            if operand == arg and j < len(callee_args):
                name = location_name(callee_args[j].location)
                if name:
                    names.setdefault(i, name)
    if not names:
        return
    n = len(block.arguments)
    old = ir.ArrayAttr(main.attributes["arg_attrs"]) if "arg_attrs" in main.attributes else None
    entries = []
    for i in range(n):
        attrs = {}
        if old is not None and i < len(old):
            d = ir.DictAttr(old[i])
            attrs = {d[k].name: d[k].attr for k in range(len(d))}
        if i in names and "jax.arg_info" not in attrs:
            attrs["jax.arg_info"] = ir.StringAttr.get(names[i])
        entries.append(ir.DictAttr.get(attrs))
    main.attributes["arg_attrs"] = ir.ArrayAttr.get(entries)


def argument_names(main) -> list[str]:
    """The feature names @main's arguments will get (before any renaming by
    the caller): see emit.program.interface_of."""
    from .emit.program import _argument_name, sanitize

    block = main.regions[0].blocks[0]
    return [sanitize(_argument_name(main, i, a) or f"input_{i}") for i, a in enumerate(block.arguments)]


def argument_index(key, names: list[str], what: str) -> int:
    """The position of @main's argument `key`: an index, an argument name,
    or a default name `input_<i>`. `what` starts the error message."""
    if isinstance(key, int):
        index = key
    elif key in names:
        index = names.index(key)
    elif isinstance(key, str) and key.startswith("input_") and key[6:].isdigit():
        index = int(key[6:])
    else:
        raise CompileError(f"{what} '{key}': @main has no such argument (arguments: {', '.join(names)})")
    if not 0 <= index < len(names):
        raise CompileError(f"{what} argument {index}: @main has {len(names)} arguments")
    return index


def specialize_arguments(module: ir.Module, shapes) -> None:
    """Give @main's arguments the static shapes in `shapes` ({name or index:
    shape}); dims already static must agree. Shape refinement (in the
    prepare pipeline) propagates the new types through the program."""
    main = _main_of(module)
    if main is None:
        raise CompileError("cannot specialize shapes: the module has no @main function")
    names = argument_names(main)
    ftype = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
    inputs = list(ftype.inputs)
    changed = False
    for key, shape in shapes.items():
        index = argument_index(key, names, "cannot specialize")
        old = ir.RankedTensorType(inputs[index])
        shape = [int(d) for d in shape]
        if old.has_static_shape and (shape == list(old.shape) or (old.rank == 0 and shape == [1])):
            continue  # nothing to specialize (a scalar travels as shape (1,))
        changed = True
        if len(shape) != old.rank:
            raise CompileError(
                f"cannot specialize '{names[index]}' to shape {tuple(shape)}: it has rank {old.rank} ({old})"
            )
        for d, (want, have) in enumerate(zip(shape, old.shape)):
            if want < 1 or (not ir.ShapedType.is_dynamic_size(have) and have != want):
                raise CompileError(
                    f"cannot specialize '{names[index]}' to shape {tuple(shape)}: dimension {d} is {have if not ir.ShapedType.is_dynamic_size(have) else '?'}"
                )
        inputs[index] = ir.RankedTensorType.get(shape, old.element_type)
    if not changed:
        return
    # StableHLO's own route: refine-arguments retypes @main (wrapping the
    # arguments so the IR stays valid), refine-shapes propagates the shapes
    # through the program, calls included, and folds the shape assertions;
    # canonicalize-dynamism turns dynamic ops with now-constant shapes
    # (dynamic_broadcast_in_dim, dynamic_reshape, ...) into static ones.
    from ._mlir import passmanager

    types = ",".join(str(t) for t in inputs)
    pm = passmanager.PassManager.parse(
        f"builtin.module(stablehlo-refine-arguments{{types={{{types}}}}},stablehlo-refine-shapes,"
        "func.func(stablehlo-canonicalize-dynamism))"
    )
    try:
        pm.run(module.operation)
    except ir.MLIRError as e:
        raise CompileError("cannot specialize the argument shapes", format_all(from_mlir_error(e), "<specialize>")) from None
