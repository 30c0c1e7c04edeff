"""Atomic file writes and setting corrupt files aside: nothing is half-written or silently lost.

Writes go through a `Folder`, a directory held open rather than named, so a writer whose
directory was deleted (or replaced by a new one of the same name) fails instead of recreating it
or overwriting the new owner's files. JSON is read with limits, so a damaged or
hostile file is refused with one line instead of exhausting the stack or the memory.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any

MAX_JSON_DEPTH = 32
"""Deeper nesting than any file or request of ours has; json's own limit is the C stack's."""
INT64 = 2**63
"""Integers must fit 64 bits, as every number in ECS's API (Integer, Long) does."""



class FolderLost(OSError):
    """The folder was deleted, or replaced by another of the same name, since it was opened."""


class Unreadable(ValueError):
    """A file that is not the JSON we accept; `str()` says what is wrong, on one line."""


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


class Folder:
    """A directory, held open from the moment this object is made.

    The descriptor pins the directory itself: writes through it land there or, once it is
    deleted, nowhere (FolderLost). While it is held, no new directory can take its inode number,
    so a replacement of the same name is always told apart.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.fd: int | None = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            self.fd = None
        self._closer = weakref.finalize(self, _close, self.fd)

    def close(self) -> None:
        self._closer()

    @property
    def lost(self) -> bool:
        """Deleted or replaced since it was opened (or missing from the start)."""
        if self.fd is None or not self._closer.alive:
            return True
        held = os.fstat(self.fd)
        return held.st_nlink == 0 or _identity(self.path) != (held.st_dev, held.st_ino)

    def _descriptor(self) -> int:
        if self.lost:
            raise FolderLost(f"{self.path} was deleted or replaced by another folder of the same name")
        return self.fd

    def write_text(self, name: str, text: str) -> None:
        """As the module's write_text, with every name taken relative to the held directory."""
        fd = self._descriptor()
        tmp = f".{name}.{secrets.token_hex(6)}"
        try:
            _write_synced(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=fd), text)
            os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException as exc:
            _unlink_quietly(tmp, dir_fd=fd)
            if isinstance(exc, FileNotFoundError):  # deleted since `lost` was asked: nothing can be made in it
                raise FolderLost(f"{self.path} was deleted") from None
            raise

    def write_json(self, name: str, data: Any) -> None:
        self.write_text(name, _dumps(data))

    def remove(self, name: str) -> None:
        """Remove `name` from this folder; FolderLost if it is no longer this folder."""
        _unlink_quietly(name, dir_fd=self._descriptor())


def _close(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def _write_synced(handle: int, text: str) -> None:
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _unlink_quietly(path: Path | str, dir_fd: int | None = None) -> None:
    try:
        os.unlink(path, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same directory, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        _write_synced(handle, text)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True)


def write_json(path: Path, data: Any) -> None:
    write_text(path, _dumps(data))


def set_aside(path: Path) -> Path:
    """Rename a file we could not read to `<name>.corrupt-<timestamp>` and return the new path."""
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    os.replace(path, target)
    return target


def _refuse_constant(name: str) -> Any:
    raise Unreadable(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Unreadable(f"the number {text[:20]}{'...' if len(text) > 20 else ''} is too large")
    return value


def _int64(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not -INT64 <= int(text) < INT64:
        raise Unreadable(f"the integer {text[:20]}{'...' if len(text) > 20 else ''} does not fit 64 bits")
    return int(text)


def nesting_depth(data: Any) -> int:
    """How deep arrays and objects nest in parsed JSON (a scalar is 0), without recursing."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON as json.loads reads it, or Unreadable when it is not UTF-8, not JSON, nests deeper
    than `max_depth`, or holds a number no double or 64-bit integer can (NaN, 1e400, 30 digits)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (byte {exc.start})") from None
    too_deep = f"nested deeper than {max_depth} levels"
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite, parse_int=_int64)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:  # past the parser's own limit, which is far past ours
        raise Unreadable(too_deep) from None
    if nesting_depth(data) > max_depth:
        raise Unreadable(too_deep)
    return data


def load_json(path: Path, max_bytes: int | None = None) -> Any | None:
    """The file's JSON; None when it is absent; Unreadable (one line) when it is not usable."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1 if max_bytes is not None else -1)
    except FileNotFoundError:
        return None
    if max_bytes is not None and len(raw) > max_bytes:
        raise Unreadable(f"larger than {max_bytes // (1 << 20)} MiB")
    return parse_json(raw)


def read_json(path: Path) -> tuple[Any | None, Path | None]:
    """(data, None) when readable; (None, set-aside path) when corrupt; (None, None) when absent."""
    try:
        return load_json(path), None
    except Unreadable:
        return None, set_aside(path)
