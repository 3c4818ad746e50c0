"""The data home and the only door to the disk: every read and write of user data goes
through ``trustcli.store``.

Two kinds of file live in the data home:

* small documents (promises, reminders, config) that are read whole and rewritten
  atomically under the lock (``documents``);
* append-only logs (follow-ups, check-ins) that grow with every use: one record is added
  with a single write under the lock (``logs``), read through a cache (``cache``).

A file that does not parse is never written to; the error names file, line and column.
Nothing escapes the home (``home``, ``names``), and with the vault on everything is
sealed on its way to the disk (``sealing``, ``vault_key``).

This module is the door's face: it hands on what everyday commands use, from the rooms
every command needs. Rooms a few commands need are imported by name where they are
used, so the others never pay for them:

* ``store.runtime``: ``$XDG_RUNTIME_DIR/trustcli`` and the prompt's status file;
* ``store.vault_key``: the vault's key, its derivation and the cipher;
* ``store.conversion``: sealing and opening a whole home (``vault enable``/``disable``);
* ``store.couple_folder``: the couple folder's files;
* ``store.removal``: overwriting and removing (``wipe``).
"""

from trustcli.store.cache import load_cache, save_cache
from trustcli.store.documents import (
    names_in,
    read,
    read_bytes,
    updating,
    write_document,
    write_text,
)
from trustcli.store.files import (
    ensure_folder_outside,
    is_file_outside,
    link_points_to,
    lock,
    read_given,
    read_outside,
    read_private,
    refuse_to_replace,
    remove,
    write_atomic,
)
from trustcli.store.home import (
    VAULT_FILE,
    UnsafeHome,
    ensure_home,
    folder,
    has,
    home,
    home_exists,
    home_tag,
    open_file,
    path_of,
    peek,
    vault_on,
)
from trustcli.store.logs import LOG_TABLES, Log, append, append_many, header_lines, read_log
from trustcli.store.names import MAX_NAME, name_problem, plain_name
from trustcli.store.toml import Record, dump_toml

__all__ = [
    "LOG_TABLES",
    "MAX_NAME",
    "VAULT_FILE",
    "Log",
    "Record",
    "UnsafeHome",
    "append",
    "append_many",
    "dump_toml",
    "ensure_folder_outside",
    "ensure_home",
    "folder",
    "has",
    "header_lines",
    "home",
    "home_exists",
    "home_tag",
    "is_file_outside",
    "link_points_to",
    "load_cache",
    "lock",
    "name_problem",
    "names_in",
    "open_file",
    "path_of",
    "peek",
    "plain_name",
    "read",
    "read_bytes",
    "read_given",
    "read_log",
    "read_outside",
    "read_private",
    "refuse_to_replace",
    "remove",
    "save_cache",
    "updating",
    "vault_on",
    "write_atomic",
    "write_document",
    "write_text",
]
