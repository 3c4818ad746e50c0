"""Small documents of the data home (promises, reminders, config, sessions): read whole,
changed under the lock, written back atomically; sealed when the vault is on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.files import lock, write_atomic
from trustcli.store.home import locate, read_file
from trustcli.store.names import part_problem
from trustcli.store.sealing import sealed_file, seals, unseal
from trustcli.store.toml import ParseError, Record, dump_toml, parse


def read(name: str) -> Record:
    """Parse a TOML document from the data home; a missing file reads as empty."""
    path = locate(name)
    raw = read_file(path)
    if raw is None:
        return {}
    try:
        return parse(path, unseal(name, raw))
    except ParseError as error:
        raise TrustError(error.message) from None


@contextlib.contextmanager
def updating(name: str) -> Iterator[Record]:
    """Read a document under the lock, let the caller change it, write it back atomically.

    If the block raises, nothing is written.
    """
    with lock():
        data = read(name)
        yield data
        write_text(name, dump_toml(data))


def write_document(name: str, data: Record) -> None:
    """Write a whole TOML document (for example a new session). Hold ``lock()`` around it
    when another process could write the same file."""
    write_text(name, dump_toml(data))


def write_text(name: str, text: str, durable: bool = True) -> None:
    """Write a text file in the data home atomically, creating private folders as needed.

    ``durable=False`` skips fsync, for caches that can be rebuilt. With the vault on,
    what reaches the disk is sealed (see ``trustcli.vault``)."""
    path = locate(name, create=True)
    write_atomic(path, sealed_file(name, text.encode("utf-8")) if seals(name) else text, durable)


def names_in(folder: str, suffix: str) -> list[str]:
    """Names (relative to the data home) of the files in ``folder`` ending in ``suffix``;
    hidden files (temp files) and names that could not be ours are left out."""
    path = locate(folder, folder=True)
    try:
        entries = sorted(
            entry.name
            for entry in path.iterdir()
            if entry.name.endswith(suffix) and not part_problem(entry.name)
        )
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror}", EXIT_RUNTIME) from None
    return [f"{folder}/{entry}" for entry in entries]


def read_bytes(name: str) -> bytes | None:
    """The bytes of a data-home file (opened, if the vault sealed it), or None."""
    raw = read_file(locate(name))
    return None if raw is None else unseal(name, raw)
