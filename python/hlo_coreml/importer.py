"""Every way a StableHLO program reaches us, turned into an `ir.Module`.

Accepted: a path (str or os.PathLike) to `.mlir` text, `.mlirbc` bytecode
(plain or a StableHLO portable artifact) or a serialized `jax.export`
artifact; MLIR text (str) or bytes in memory; an `ir.Module`; a
`jax.export.Exported`; a JAX callable plus example arguments. Only the JAX
forms import jax.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ._mlir import ir, stablehlo
from .diagnostics import CompileError, format_all, from_mlir_error

_BYTECODE_MAGIC = b"ML\xefR"


@dataclass
class Source:
    module: ir.Module
    # Shown instead of MLIR's "-" buffer name in diagnostics.
    buffer_name: str


def load(model, example_args=(), *, context: ir.Context) -> Source:
    """Parse `model` into a module owned by `context` (see module docstring)."""
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
        return Source(_from_callable(model, example_args, context), getattr(model, "__name__", "<callable>"))
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
    try:
        return ir.Module.parse(text, context=context)
    except ir.MLIRError as e:
        raise CompileError("invalid MLIR", format_all(from_mlir_error(e), name)) from None


def _parse_bytecode(data: bytes, name: str, context: ir.Context) -> ir.Module:
    # A StableHLO portable artifact (VHLO) needs deserializing; plain MLIR
    # bytecode parses directly.
    try:
        return stablehlo.deserialize_portable_artifact(context, data)
    except Exception:  # noqa: BLE001 - not an artifact; try plain bytecode
        pass
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
        import jax  # noqa: F401
    except ImportError:
        raise CompileError(f"{what} needs jax: pip install 'hlo-coreml[jax]'") from None
    import jax

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


def _from_callable(fn, example_args, context: ir.Context) -> ir.Module:
    jax = _require_jax("compiling a JAX function")
    _exclude_our_frames_from_jax_locations()
    if not example_args:
        raise CompileError(
            "compiling a JAX function needs example arguments (arrays or "
            "jax.ShapeDtypeStruct) that give the input shapes and dtypes"
        )
    # keep_unused: every Python argument stays a model input, even one the
    # function ignores, so the interface matches the signature.
    exported = jax.export.export(jax.jit(fn, keep_unused=True))(*example_args)
    return _from_exported(exported, context)
