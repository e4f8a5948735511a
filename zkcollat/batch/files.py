"""A batch's files: the inputs it reads and the proofs it writes.

Inputs are either a folder of ``input.json`` files (``NAME.json``, one statement input each,
PROTOCOL.md s.4 signal names) or one JSON-lines file (one input object per line; blank lines
are skipped). Each input has a name: the file's stem, or ``STEM-LINE`` for line ``LINE``
(from 1) of ``STEM.jsonl``, zero-padded to 6 digits so that names sort in line order.

For input ``NAME`` the output folder gets ``NAME.public.json`` and then ``NAME.proof.json``,
each written to a temporary file and moved into place, so a reader never sees half a file.
An input is *done* when both exist. The proof is linked into place only if no proof of that
name is there yet: a proof is never written twice, even by two runs sharing the folder. A
failed input leaves ``NAME.error.txt`` with the reason (removed when a later run proves it).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkcollat.batch.errors import BatchError
from zkcollat.formats import limits

PROOF_SUFFIX = ".proof.json"
PUBLIC_SUFFIX = ".public.json"
ERROR_SUFFIX = ".error.txt"
_OUTPUT_SUFFIXES = (PROOF_SUFFIX, PUBLIC_SUFFIX)


@dataclass(frozen=True)
class InputItem:
    """One input of a batch: its name, where it came from, and its JSON object, or why it
    could not be read (``inputs`` is then None)."""

    name: str
    source: str
    inputs: dict[str, Any] | None
    error: str | None = None


def _parse(text: str | bytes, source: str, name: str) -> InputItem:
    try:
        obj = limits.loads(text, source, limits.SMALL_JSON)
    except limits.LimitError as e:  # not UTF-8, not JSON, too deep, too many digits
        return InputItem(name, source, None, f"not valid JSON: {e}")
    if not isinstance(obj, dict):
        return InputItem(name, source, None, f"a JSON object of signals, got {type(obj).__name__}")
    return InputItem(name, source, obj)


def _input_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix == ".json"
        and p.is_file()
        and not p.name.startswith(".")
        and not p.name.endswith(_OUTPUT_SUFFIXES)
    )


def count_inputs(path: str | os.PathLike[str]) -> int:
    """How many inputs :func:`iter_inputs` will yield (cheap: no JSON is parsed)."""
    p = Path(path)
    if p.is_dir():
        return len(_input_files(p))
    with _open(p) as f:
        return sum(1 for line in f if line.strip())


def _open(p: Path) -> Any:
    try:
        return p.open("rb")
    except FileNotFoundError as e:
        raise BatchError(f"inputs {os.fspath(p)!r}: no such file or folder") from e
    except OSError as e:
        raise BatchError(f"inputs {os.fspath(p)!r} cannot be read: {e}") from e


def iter_inputs(path: str | os.PathLike[str]) -> Iterator[InputItem]:
    """The inputs of a folder of ``*.json`` files or of a ``.jsonl`` file (a single ``.json``
    file is one input), in name order; read lazily, one at a time."""
    p = Path(path)
    if p.is_dir():
        for f in _input_files(p):
            try:
                text = f.read_bytes()
            except OSError as e:
                yield InputItem(f.stem, os.fspath(f), None, f"cannot be read: {e}")
                continue
            yield _parse(text, os.fspath(f), f.stem)
        return
    if p.suffix == ".json":
        with _open(p) as f:
            yield _parse(f.read(), os.fspath(p), p.stem)
        return
    if p.suffix != ".jsonl":
        raise BatchError(
            f"inputs {os.fspath(p)!r}: expected a folder of .json files or a .jsonl file"
        )
    with _open(p) as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():  # bytes: each line's UTF-8 is checked by _parse
                yield _parse(line, f"{os.fspath(p)}:{lineno}", f"{p.stem}-{lineno:06d}")


class OutputDir:
    """The output folder of a batch (created if missing)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise BatchError(f"output folder {os.fspath(path)!r} cannot be created: {e}") from e
        if not self.path.is_dir():
            raise BatchError(f"output {os.fspath(path)!r} is not a folder")

    def proof_path(self, name: str) -> Path:
        return self.path / f"{name}{PROOF_SUFFIX}"

    def public_path(self, name: str) -> Path:
        return self.path / f"{name}{PUBLIC_SUFFIX}"

    def error_path(self, name: str) -> Path:
        return self.path / f"{name}{ERROR_SUFFIX}"

    def is_done(self, name: str) -> bool:
        """Both files are there. A proof without its public signals (the folder was tampered
        with: the public file is written first) is removed, so the input is proved again."""
        proof, public = self.proof_path(name), self.public_path(name)
        if proof.exists() and not public.exists():
            proof.unlink()
        return proof.exists()

    def write_result(self, name: str, proof: Any, public: Any) -> None:
        """Write the public signals, then the proof (never over an existing proof: raises
        :class:`BatchError` if one is already there), then clear an old error file."""
        self._write(self.public_path(name), public, replace=True)
        self._write(self.proof_path(name), proof, replace=False)
        self.error_path(name).unlink(missing_ok=True)

    def write_failure(self, name: str, reason: str) -> None:
        path = self.error_path(name)
        self._write_bytes(path, (reason.rstrip() + "\n").encode(), replace=True)

    def _write(self, target: Path, obj: Any, *, replace: bool) -> None:
        data = (json.dumps(obj, indent=1) + "\n").encode()
        self._write_bytes(target, data, replace=replace)

    def _write_bytes(self, target: Path, data: bytes, *, replace: bool) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=self.path)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            if replace:
                os.replace(tmp, target)
            else:
                try:
                    os.link(tmp, target)  # fails if the target exists: never overwrite
                except FileExistsError as e:
                    raise BatchError(
                        f"{os.fspath(target)} already exists: another run wrote this proof"
                    ) from e
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
