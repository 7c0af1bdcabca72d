"""Where a compile writes, and how it cleans up: the output path check,
staging folders, coremltools' temporary files, signals.

Promises (docs/errors.md, "Errors and guarantees"):

- The output path is replaced only if it is absent or a Core ML package (a
  folder holding `Manifest.json`); a file, a symbolic link or any other
  folder is refused before any work is done.
- Every file a compile creates, including coremltools' temporary packages
  and weight folders, lives in one staging folder named
  `.hlo-coreml-<pid>-<host>-<random>`: next to the output (so the finished package
  is moved into place by a rename on the same file system), or in the
  system temp folder when no output path is given.
- While a compile runs in the main thread, SIGINT and SIGTERM first remove
  every staging folder of this process, then go to the handler that was
  installed before (Ctrl-C still raises KeyboardInterrupt; SIGTERM still
  ends the process).
- A compile removes staging folders, in the output's folder and in the
  system temp folder, whose process (on this host) no longer exists (left
  by SIGKILL or a power cut).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
import weakref

from .diagnostics import CompileError

STAGING_PREFIX = ".hlo-coreml-"
# .hlo-coreml-<pid>-<host tag>-<random>: the host tag keeps a compile on one
# machine from taking a live compile's folder on another (a shared network
# folder) for stale.
_STAGING_NAME = re.compile(r"^\.hlo-coreml-(\d+)-([0-9a-f]{6})-")


def _host_tag() -> str:
    import hashlib
    import socket

    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


def name_prefix(pid: int | None = None) -> str:
    """The start of the staging folder names of process `pid` (default: this one) on this host."""
    return f"{STAGING_PREFIX}{os.getpid() if pid is None else pid}-{_host_tag()}-"
MANIFEST = "Manifest.json"

# Staging folders of this process that still exist; removed on signals and at exit.
_LIVE: set[str] = set()
_LIVE_LOCK = threading.RLock()


def is_package(path: str) -> bool:
    """True if `path` is a Core ML package: a real folder with Manifest.json."""
    return not os.path.islink(path) and os.path.isdir(path) and os.path.isfile(os.path.join(path, MANIFEST))


def check_output_path(output_path) -> str:
    """The absolute output path, after checking that writing there loses no
    user data. Raises CompileError (nothing is created) otherwise."""
    try:
        path = os.fsdecode(os.fspath(output_path))
    except TypeError:
        raise CompileError(
            f"output_path must be a str or os.PathLike, got {type(output_path).__name__}"
        ) from None
    if not path.endswith(".mlpackage"):
        raise CompileError(f"output path must end in .mlpackage: {path}")
    path = os.path.abspath(os.path.expanduser(path))
    _check_replaceable(path)
    return path


def _check_replaceable(path: str) -> None:
    if os.path.islink(path):
        raise CompileError(
            f"{path} is a symbolic link; refusing to replace it (give the path of the package itself, "
            "or remove the link)"
        )
    if os.path.isdir(path) and not is_package(path):
        raise CompileError(
            f"{path} is a folder that is not a Core ML package (it has no {MANIFEST}); refusing to "
            "replace it. Remove it or choose another output path"
        )
    if os.path.lexists(path) and not os.path.isdir(path):
        raise CompileError(
            f"{path} exists and is not a Core ML package; refusing to replace it. Remove it or "
            "choose another output path"
        )


def stage_parent(path: str) -> str:
    """The folder to stage `path` in: its parent, or, if that does not exist
    yet (it is created when the package is moved into place), the nearest
    existing ancestor. Raises CompileError if that is not a folder."""
    parent = os.path.dirname(path)
    while not os.path.lexists(parent):
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    if not os.path.isdir(parent):
        raise CompileError(f"cannot write {path}: {parent} is not a folder")
    return parent


def _register(path: str) -> None:
    with _LIVE_LOCK:
        _LIVE.add(path)


def remove(path: str) -> None:
    """Remove a staging folder of ours (no error if it is gone)."""
    shutil.rmtree(path, ignore_errors=True)
    with _LIVE_LOCK:
        _LIVE.discard(path)


def remove_all() -> None:
    """Remove every staging folder of this process."""
    with _LIVE_LOCK:
        paths = list(_LIVE)
    for path in paths:
        remove(path)


atexit.register(remove_all)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's live process (or a number we cannot check): keep it
    return True


def remove_stale(folder: str) -> list[str]:
    """Remove the staging folders in `folder` whose process is gone; returns them."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _STAGING_NAME.match(entry.name)
        if match is None or match.group(2) != _host_tag() or not entry.is_dir(follow_symlinks=False):
            continue
        if not _pid_alive(int(match.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def new_staging(parent: str | None = None) -> str:
    """A new staging folder `.hlo-coreml-<pid>-<random>` in `parent` (default:
    the system temp folder), created after removing stale ones there.
    Raises CompileError if the folder cannot be created."""
    where = parent if parent is not None else _system_tempdir()
    if not os.path.isdir(where):
        raise CompileError(f"cannot write into {where}: not a folder")
    remove_stale(where)
    if parent is not None:
        remove_stale(_system_tempdir())  # left by in-memory compiles
    try:
        path = tempfile.mkdtemp(prefix=name_prefix(), dir=where)
    except OSError as e:
        raise CompileError(f"cannot write into {where}: {e.strerror or e}") from None
    _register(path)
    return path


def _system_tempdir() -> str:
    # Read past our own redirection (coremltools_temp_files) if it is active.
    return _REAL_TEMPFILE.gettempdir()


def remove_with(obj, path: str) -> None:
    """Remove the staging folder `path` when `obj` is garbage collected (or at exit)."""
    weakref.finalize(obj, remove, path)


def move_into_place(staged: str, path: str, staging: str) -> None:
    """Rename the finished package `staged` (inside `staging`) to `path`,
    moving a package already there aside first (into `staging`, removed with
    it). Checks again that `path` may be replaced."""
    _check_replaceable(path)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.replace(path, os.path.join(staging, "previous.mlpackage"))
        os.replace(staged, path)
    except OSError as e:
        raise CompileError(f"cannot write {path}: {e.strerror or e}") from None


# ---------------------------------------------------------------------------
# coremltools' temporary files
# ---------------------------------------------------------------------------

_REAL_TEMPFILE = tempfile
# The coremltools modules that create temporary files during ct.convert and
# MLModel.save, each through its own `_tempfile` name (coremltools 9.0).
_COREMLTOOLS_TEMPFILE_USERS = (
    "coremltools.converters.mil.converter",
    "coremltools.models.model",
    "coremltools.models.utils",
)
_redirect = threading.local()
_redirect_lock = threading.Lock()
_redirect_depth = 0


class _RedirectedTempfile:
    """`tempfile` as coremltools sees it inside coremltools_temp_files():
    files go to the calling thread's staging folder unless `dir=` is given."""

    def __getattr__(self, name):
        return getattr(_REAL_TEMPFILE, name)

    @staticmethod
    def _dir(kwargs):
        folder = getattr(_redirect, "folder", None)
        if folder is not None and kwargs.get("dir") is None:
            kwargs["dir"] = folder
        return kwargs

    def mkdtemp(self, *args, **kwargs):
        if args:
            return _REAL_TEMPFILE.mkdtemp(*args, **kwargs)
        return _REAL_TEMPFILE.mkdtemp(**self._dir(kwargs))

    def mkstemp(self, *args, **kwargs):
        if args:
            return _REAL_TEMPFILE.mkstemp(*args, **kwargs)
        return _REAL_TEMPFILE.mkstemp(**self._dir(kwargs))

    def NamedTemporaryFile(self, *args, **kwargs):  # noqa: N802 - tempfile's name
        if args:
            return _REAL_TEMPFILE.NamedTemporaryFile(*args, **kwargs)
        return _REAL_TEMPFILE.NamedTemporaryFile(**self._dir(kwargs))

    def TemporaryDirectory(self, *args, **kwargs):  # noqa: N802 - tempfile's name
        if args:
            return _REAL_TEMPFILE.TemporaryDirectory(*args, **kwargs)
        # coremltools' weight folder: a signal handler may remove it first.
        kwargs.setdefault("ignore_cleanup_errors", True)
        return _REAL_TEMPFILE.TemporaryDirectory(**self._dir(kwargs))


_SHIM = _RedirectedTempfile()


@contextlib.contextmanager
def coremltools_temp_files(folder: str):
    """Inside the block, the temporary files and packages coremltools makes
    in this thread go into `folder` (the compile's staging folder) instead of
    the system temp folder. Only coremltools' own modules are redirected;
    the `tempfile` module itself is untouched."""
    import importlib

    global _redirect_depth
    modules = [importlib.import_module(name) for name in _COREMLTOOLS_TEMPFILE_USERS]
    previous = getattr(_redirect, "folder", None)
    _redirect.folder = folder
    with _redirect_lock:
        if _redirect_depth == 0:
            for module in modules:
                if getattr(module, "_tempfile", None) is _REAL_TEMPFILE:
                    module._tempfile = _SHIM
        _redirect_depth += 1
    try:
        yield
    finally:
        _redirect.folder = previous
        with _redirect_lock:
            _redirect_depth -= 1
            if _redirect_depth == 0:
                for module in modules:
                    if getattr(module, "_tempfile", None) is _SHIM:
                        module._tempfile = _REAL_TEMPFILE


# ---------------------------------------------------------------------------
# signals
# ---------------------------------------------------------------------------

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_previous_handlers: dict[int, object] = {}
_signal_depth = 0


def _on_signal(signum, frame):
    remove_all()
    previous = _previous_handlers.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)  # e.g. Python's default SIGINT handler: KeyboardInterrupt
        return
    if previous == signal.SIG_IGN:
        return
    # SIG_DFL: restore it and deliver the signal again, so the process ends
    # the way it would have without us (killed by SIGTERM, exit status -15).
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@contextlib.contextmanager
def signals_clean_up():
    """While active, SIGINT and SIGTERM remove this process's staging
    folders before the previous handler runs. Installed only in the main
    thread (Python delivers signals there); a no-op elsewhere, and for a
    signal the program ignores."""
    global _signal_depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _signal_depth == 0:
        for signum in _SIGNALS:
            previous = signal.getsignal(signum)
            if previous == signal.SIG_IGN or previous is None:
                continue  # ignored, or installed outside Python: leave it alone
            _previous_handlers[signum] = previous
            signal.signal(signum, _on_signal)
    _signal_depth += 1
    try:
        yield
    finally:
        _signal_depth -= 1
        if _signal_depth == 0:
            for signum, previous in list(_previous_handlers.items()):
                if signal.getsignal(signum) is _on_signal:
                    signal.signal(signum, previous)
            _previous_handlers.clear()
