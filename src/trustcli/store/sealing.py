"""The vault's codec: what reaches the disk of a home whose vault is on is sealed here,
and what is read is opened here.

With the vault on (``vault.toml`` in the home), every file the store writes is sealed
with the vault's data key (``trustcli.store.vault_key``): a document or a cache as one
sealed file, each record of a log on its own, so appending stays one small write. Both
stay valid TOML, so the lock, the torn-record checks and the caches work as before, and
each sealed piece carries its file's name (and a record its place in the file) as
associated data: it opens only where it was written. Reads open whatever is sealed and
take plain files as they are (a template a person drops in, a file not yet converted
when turning the vault on was interrupted). The key and ``cryptography`` are reached
only when a sealed byte is read or written: a plain home never pays for them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trustcli.errors import EXIT_RUNTIME, TrustError
from trustcli.store.home import CACHE_DIR, LOCK_NAME, VAULT_FILE, path_of, vault_on
from trustcli.store.toml import header_line

SEALED_MAGIC = b"# trustcli vault: encrypted"
_SEALED_HEAD = SEALED_MAGIC + b". Run trustcli unlock; it opens only with your passphrase.\n"
_SEALED_RAW = SEALED_MAGIC + b" (a cache: raw bytes follow)\n"  # not TOML: caches are JSON
_SEALED_LINE = rb'\Asealed = "([A-Za-z0-9+/=]*)"\n?\Z'
NEVER_SEALED = {LOCK_NAME, VAULT_FILE, "daemon.pid"}


def seals(name: str) -> bool:
    """Whether a write of ``name`` is sealed: checked at every write (one stat), so a
    writer that started before the vault was turned on never adds plain text after."""
    return name not in NEVER_SEALED and vault_on()


def _file_ad(name: str) -> bytes:
    return b"trustcli vault file v1\0" + name.encode("utf-8")


def _record_ad(name: str, offset: int) -> bytes:
    return _record_ad_start(name) + str(offset).encode()


def _record_ad_start(name: str) -> bytes:
    return b"trustcli vault record v1\0" + name.encode("utf-8") + b"\0"


def _data_key() -> bytes:
    from trustcli.store import vault_key as vault

    key = vault.data_key()
    assert key is not None
    return key


def sealed_file(name: str, plain: bytes) -> bytes:
    import base64

    from trustcli.store import vault_key as vault

    sealed = vault.seal_bytes(_data_key(), plain, _file_ad(name))
    if name.startswith(f"{CACHE_DIR}/"):  # nobody reads a cache: raw bytes load faster
        return _SEALED_RAW + sealed
    return _SEALED_HEAD + b'sealed = "' + base64.b64encode(sealed) + b'"\n'


def unseal(name: str, raw: bytes, allow_plain: bool = False) -> bytes:
    """``raw`` as written before sealing: opened if sealed, else as it is. A file that is
    never sealed (vault.toml, which opening needs) is never opened either; a plain one
    where the vault seals everything is refused (see ``refuse_plain``)."""
    if name in NEVER_SEALED:
        return raw
    if not raw.startswith(SEALED_MAGIC):
        if not allow_plain and raw.strip():
            refuse_plain(name)
        return raw
    import base64
    import binascii

    from trustcli.store import vault_key as vault

    where = path_of(name)
    if raw.startswith(_SEALED_RAW):
        sealed = raw[len(_SEALED_RAW) :]
    else:
        match = re.match(_SEALED_LINE, raw.partition(b"\n")[2])
        if match is None:
            raise TrustError(
                f"{where}: this sealed file is damaged (cut short or changed)", EXIT_RUNTIME
            )
        try:
            sealed = base64.b64decode(match.group(1), validate=True)
        except (binascii.Error, ValueError):
            raise TrustError(f"{where}: this sealed file is damaged", EXIT_RUNTIME) from None
    plain = vault.open_bytes(_data_key(), sealed, _file_ad(name))
    if plain is None:
        raise TrustError(
            f"{where}: does not open with this vault's key: it was changed, damaged, or "
            "comes from another home",
            EXIT_RUNTIME,
        )
    return plain


def sealed_records(name: str, table: str, plains: list[bytes], at: int) -> bytes:
    """Records as sealed ``[[table]]`` entries for a file whose end is at byte ``at``."""
    import base64

    from trustcli.store import vault_key as vault

    key, parts = _data_key(), []
    for plain in plains:
        header = at + 1  # after the blank line's newline
        sealed = vault.seal_bytes(key, plain, _record_ad(name, header))
        part = f'\n[[{table}]]\nsealed = "'.encode() + base64.b64encode(sealed) + b'"\n'
        parts.append(part)
        at += len(part)
    return b"".join(parts)


def refuse_plain(name: str) -> None:
    """With the vault on, every file and record trustcli writes is sealed: a plain one
    was put there by someone else (or by hand), and is not trusted until ``vault enable``
    seals it. Your own templates may be plain; so may anything while the vault is being
    turned on or off. A plain home pays one stat."""
    if name.startswith("templates/") or not vault_on():
        from_elsewhere = False
    else:
        from trustcli.store import vault_key as vault

        from_elsewhere = vault.sealing_everything()
    if from_elsewhere:
        raise TrustError(
            f"{path_of(name)}: not encrypted, though the vault is on, so trustcli did not "
            "write it; if you put it there yourself, trustcli vault enable encrypts it",
            EXIT_RUNTIME,
        )


def open_records(
    path: Path,
    name: str,
    table: str,
    data: bytes,
    offset: int,
    raw_records: list[Any],
    allow_plain: bool = False,
) -> list[Any]:
    """The records of ``data[offset:]`` with every sealed one opened (it must open at
    the place in the file it was written for); plain ones as ``unseal`` takes them."""
    found = open_sealed(path, name, table, data, offset, raw_records, allow_plain)
    if found is None:
        return raw_records
    return _parse_opened(path, table, *found)


def open_sealed(
    path: Path,
    name: str,
    table: str,
    data: bytes,
    offset: int,
    raw_records: list[Any],
    allow_plain: bool = False,
) -> tuple[list[Any], Callable[[int], int]] | None:
    """``open_records`` before the parse: each sealed record's plain bytes (the plain
    records as they are), and how to find a record's line; None if none was sealed."""
    # is_sealed_record, inline: this runs once per record of a log
    sealed = [
        isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("sealed"), str)
        for raw in raw_records
    ]
    sealed_count = sum(sealed)
    if sealed_count < len(raw_records) and not allow_plain:
        refuse_plain(name)
    if not sealed_count:
        return None
    import binascii

    from trustcli.store import vault_key as vault

    starts = _header_starts(data, table, offset)

    def line(index: int) -> int:  # only when a record must be named: it scans the file
        return data.count(b"\n", 0, offset) + header_line(data[offset:], table, index + 1)

    # One cipher and one start of the associated data for all; base64.b64decode(text,
    # validate=True) is a2b_base64(text, strict_mode=True) (binascii.Error is a ValueError).
    open_one, ad_start, opened = vault.opener(_data_key()), _record_ad_start(name), []
    a2b, placed = binascii.a2b_base64, len(starts) == len(raw_records)
    for index, raw in enumerate(raw_records):
        if not sealed[index]:
            opened.append(raw)
            continue
        plain = None
        if placed:
            try:
                sealed_bytes = a2b(raw["sealed"], strict_mode=True)
            except ValueError:  # not base64
                sealed_bytes = b""  # opens as nothing
            plain = open_one(sealed_bytes, b"%b%d" % (ad_start, starts[index]))
        if plain is None:
            raise TrustError(
                f"{path}: the record at line {line(index)} does not open with this vault's "
                "key: it was moved, changed or damaged",
                EXIT_RUNTIME,
            )
        opened.append(plain)
    return opened, line


def _header_starts(data: bytes, table: str, offset: int) -> list[int]:
    """Where each ``[[table]]`` header line of ``data[offset:]`` starts (its ``[[``),
    absolute: a line that holds, after any spaces or tabs, ``[[``, the table's name and
    ``]]`` (spaces or tabs around the name). Found from each ``[[`` (a literal search,
    in C), not by a multi-line pattern tried at every byte: the same places, about a
    third of the time.
    """
    header = re.compile(rb"\[\[[ \t]*" + re.escape(table.encode()) + rb"[ \t]*\]\]")
    starts = []
    for match in header.finditer(data, offset):
        start = match.start()
        if data[start - 1 : start] == b"\n":  # as written: at the start of its line
            starts.append(start)
            continue
        line_start = data.rfind(b"\n", 0, start) + 1
        if line_start >= offset and not data[line_start:start].strip(b" \t"):
            starts.append(start)
    return starts


def _parse_opened(
    path: Path, table: str, opened: list[Any], line: Callable[[int], int]
) -> list[Any]:
    """Parse the opened records (bytes) among the plain ones: all in one document when
    they make one (one parse of ten thousand records is far cheaper than ten thousand),
    else one by one."""
    import tomllib as toml

    from trustcli import logscan

    texts = [item for item in opened if isinstance(item, bytes)]
    with contextlib.suppress(UnicodeDecodeError, toml.TOMLDecodeError):
        joined = b"".join(b"\n[[" + table.encode() + b"]]\n" + text for text in texts)
        document = joined.decode("utf-8")
        # As the vault seals them (tomli_w's text of each record): the fast reader.
        parsed = logscan.scan(document, table) or toml.loads(document)
        records = parsed.get(table)
        if list(parsed) == [table] and isinstance(records, list) and len(records) == len(texts):
            if len(texts) == len(opened):  # all were sealed
                return records
            found = iter(records)
            return [next(found) if isinstance(item, bytes) else item for item in opened]
    result = []
    for index, item in enumerate(opened):
        if not isinstance(item, bytes):
            result.append(item)
            continue
        try:
            result.append(toml.loads(item.decode("utf-8")))
        except (UnicodeDecodeError, toml.TOMLDecodeError):
            raise TrustError(
                f"{path}: the record at line {line(index)} is damaged", EXIT_RUNTIME
            ) from None
    return result


_SEALED_RECORDS: dict[str, re.Pattern[bytes]] = {}


def sealed_only(tail: bytes, table: str) -> list[Any] | None:
    """The records of ``tail`` as ``{"sealed": …}`` when it holds nothing but sealed
    records exactly as the vault writes them (a regular expression reads those in a
    fraction of what tomllib needs); None otherwise (mixed, hand-touched, cut off)."""
    if not tail.startswith((b"\n[[", b"[[")):
        return None
    if table not in _SEALED_RECORDS:
        name = re.escape(table.encode())
        _SEALED_RECORDS[table] = re.compile(
            rb"(?:\n?\[\[" + name + rb'\]\]\nsealed = "[A-Za-z0-9+/=]*"\n)*'
        )
    if _SEALED_RECORDS[table].fullmatch(tail) is None:
        return None
    return [{"sealed": blob.decode("ascii")} for blob in re.findall(rb'sealed = "([^"]*)"', tail)]


def is_sealed_record(raw: Any) -> bool:
    return isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("sealed"), str)
