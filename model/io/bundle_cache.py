"""The JavaScript bundle an interactive report inlines, kept in the project's outputs/.cache/ so that a run reads it
back instead of making it again (seconds); a damaged or foreign file is known by the sha256 in its name and made
again, and a cache that cannot be written costs only the time."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path

from model.errors import ScenarioError
from model.io.outputs import glob_escape, write_atomically

CACHE = ".cache"
# The bundle is about 0.9 MB; a file of its name far larger is not one the tool wrote, and is not read whole.
MAX_BYTES = 16 * 2**20


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _folder(outputs: Path, create: bool, *, make: bool = True) -> Path | None:
    """outputs/.cache/, made when absent (with `make`) if `create` (outputs/ too) or when outputs/ is there; None
    when it cannot be used: a symbolic link (it could lead out of the project), a file, a folder that cannot be
    made, or (without `make`) none yet."""
    folder = outputs / CACHE
    if outputs.is_symlink() or folder.is_symlink():
        return None
    if not make:
        return folder if folder.is_dir() else None
    if not folder.is_dir():
        if folder.exists() or not (create or outputs.is_dir()):
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
    return folder


def _read(path: Path, name: str, valid: Callable[[str], bool]) -> str | None:
    """The text of `path` when it is a regular file of at most MAX_BYTES named `<name>-<its text's sha256>.js`
    and `valid`, else None."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text if path.name == f"{name}-{_digest(text)}.js" and valid(text) else None


def cached_text(outputs: Path, name: str, make: Callable[[], str], *, valid: Callable[[str], bool],
                create: bool = True) -> str:
    """The text `make` gives, kept as outputs/.cache/<name>-<sha256>.js: read back when a file of that name holds
    exactly the text its hash names and that text is `valid` (of the kind `make` makes), else made and written
    atomically (a truncated or edited file is made again, a foreign one left alone; a symbolic link is neither read
    nor replaced).

    `name` must say what decides the text (the versions that made it). `create`: whether outputs/ may be made when
    absent (a command writing elsewhere with --out leaves a project without outputs/ as it is). A read-only or full
    disk keeps no cache, and the text is returned all the same.
    """
    return cached_ahead(outputs, name, lambda: make, valid=valid, create=create)()


def cached_ahead(outputs: Path, name: str, start: Callable[[], Callable[[], str]], *,
                 valid: Callable[[str], bool], create: bool = True) -> Callable[[], str]:
    """`cached_text`, its cache looked up now and, when it holds no valid text, the text's making started now
    (`start()` starts it and gives what waits for it): the function returned gives the text, kept in the cache on
    the way, so the making overlaps whatever the caller does before it asks."""
    folder = _folder(outputs, create, make=False)  # looked in: nothing is made before the text is
    if folder is not None:
        for candidate in sorted(folder.glob(f"{glob_escape(name)}-*.js")):
            if (text := _read(candidate, name, valid)) is not None:
                return lambda: text
    finish = start()

    def made() -> str:
        text = finish()
        folder = _folder(outputs, create)  # made only now: a run that fails before its report leaves none
        if folder is not None:
            path = folder / f"{name}-{_digest(text)}.js"
            if not path.is_symlink():
                with contextlib.suppress(ScenarioError):  # write_atomically's one line for a failed write
                    write_atomically(path, text)
        return text

    return made
