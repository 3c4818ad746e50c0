"""The couple folder's layout: what each name in it is, which names are not ours (a sync
tool's, a conflict copy, a temp file) and why, and the small public files each device
writes once (``couple.toml`` at the top, ``device.toml`` in each device's folder).

```
DIR/couple.toml                  written once by the first device: format, couple id, its device id
DIR/<device>/device.toml         written once by each device: its id and public keys
DIR/<device>/records             only that device appends to it: one sealed record a line
DIR/<first-device>/grant-<dev>   written once, on accept: the couple key wrapped for <dev>
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from trustcli.couple.keys import unb64
from trustcli.errors import EXIT_BAD_INPUT, TrustError
from trustcli.store import couple_folder

FORMAT = 1
FOLDER_FILE = "couple.toml"  # at the top of the couple folder
DEVICE_FILE = "device.toml"  # in each device's folder
RECORDS = "records"  # each device's append-only log
GRANT = "grant-"  # grant-<device>: the couple key wrapped for that device
ID = re.compile(r"\A[0-9a-f]{16}\Z")

# Names sync tools and people leave in a shared folder that are not ours: skipped, and
# counted in `pair status` with the reason.
_CONFLICT = re.compile(r"\.sync-conflict-|\(conflicted copy|\(Case Conflict|conflict", re.I)
# What sync tools and systems keep in a folder they share (Syncthing's marker and
# ignore list, Dropbox, Nextcloud/ownCloud journals, macOS and Windows leftovers).
SYNC_OWN = re.compile(
    r"\A(\.stfolder|\.stignore|\.stversions|\.dropbox.*|\._?sync_.*\.db.*|\.sync"
    r"|\.(nextcloud|owncloud)sync\.log|\.DS_Store|desktop\.ini|Thumbs\.db)\Z",
    re.I,
)
_TEMP = re.compile(r"\A[.~]|\.(tmp|part|partial|crdownload|download)\Z|\A~\$", re.I)


def toml_text(data: dict[str, Any]) -> bytes:
    import tomli_w

    return tomli_w.dumps(data).encode("utf-8")


def read_toml(root: Path, *parts: str) -> dict[str, Any] | None:
    raw = couple_folder.read(root, *parts)
    if raw is None:
        return None
    import tomllib  # only when the folder is read: 2 ms every other command would pay

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise TrustError(
            f"{root.joinpath(*parts)} is not a couple-folder file trustcli wrote"
        ) from None


def folder_header(root: Path) -> tuple[str, str]:
    """(couple id, creator device) from DIR/couple.toml; a clear error if it is not one."""
    header = read_toml(root, FOLDER_FILE)
    if header is None:
        raise TrustError(
            f"{root} is not a couple folder (no {FOLDER_FILE}); the first person runs "
            "'trustcli pair create DIR', or the sync has not brought it yet"
        )
    couple, creator = header.get("couple"), header.get("creator")
    if (
        header.get("format") != FORMAT
        or not isinstance(couple, str)
        or not isinstance(creator, str)
    ):
        raise TrustError(f"{root / FOLDER_FILE} is not a couple folder this trustcli can read")
    if not ID.match(couple) or not ID.match(creator):
        raise TrustError(f"{root / FOLDER_FILE} has ids trustcli never writes; it was not used")
    return couple, creator


def arrived_toml(root: Path, *parts: str) -> dict[str, Any] | None:
    """A file each device writes once, or None while it is missing or still arriving
    (a sync tool that copies in place shows it half-written for a while)."""
    try:
        return read_toml(root, *parts)
    except TrustError as error:
        if error.exit_code != EXIT_BAD_INPUT:
            raise
        return None


def device_public(root: Path, device: str) -> bytes | None:
    try:
        data = arrived_toml(root, device, DEVICE_FILE)
    except TrustError:  # a link or something odd in its place: this device is not read
        return None
    if data is None:
        return None
    try:
        public = unb64(data.get("public"), "public")
    except ValueError:
        return None
    return public if len(public) == 64 and data.get("device") == device else None


def why_ignored(name: str, kind: str) -> str:
    """Why a name in the couple folder is not ours to read ('' when it may be)."""
    if name == ".git":
        return "a git repository's own folder"
    if SYNC_OWN.match(name):
        return "a sync tool's or the system's own file"
    if _CONFLICT.search(name):
        return "a copy the sync tool made when two changes met"
    if _TEMP.search(name):
        return "a temp file (a sync tool or an editor is still writing it)"
    if kind == "other":
        return "not a plain file or folder (links are never followed)"
    return ""
