"""`worksheet new --edit`: the editor works on a copy in the runtime folder
($XDG_RUNTIME_DIR/trustcli, a tmpfs of the person's own), never on a disk; the copy is
gone when trustcli ends, and one left by a crash is gone at trustcli's next start.

The editors here are real programs (small Python scripts on $VISUAL) that record what
they were given and then append, fail, kill themselves or wait."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import trustcli_executable

COPY_NAME = re.compile(r"\Aedit-[0-9a-f]{16}-(?P<pid>\d+)-[0-9a-f]+\.md\Z")


def fake_editor(tmp_path: Path, then: str = "") -> tuple[str, Path]:
    """$VISUAL for an editor that records the path it got (and that file's mode and
    text), leaves a swap file and a backup beside it as vim and emacs do, appends a line
    to it, then runs ``then`` (Python). Returns (VISUAL, record)."""
    script, record = tmp_path / "editor.py", tmp_path / "editor.json"
    script.write_text(
        "import json, os, signal, stat, sys\n"
        "path = sys.argv[-1]\n"
        "seen = {'argv': sys.argv[1:], 'pid': os.getpid(),\n"
        "        'mode': stat.S_IMODE(os.stat(path).st_mode), 'text': open(path).read()}\n"
        f"json.dump(seen, open({str(record)!r}, 'w'))\n"
        "folder, name = os.path.split(path)\n"
        "open(os.path.join(folder, '.' + name + '.swp'), 'w').write('swap')\n"
        "open(path + '~', 'w').write(seen['text'])\n"
        "open(path, 'a').write('edited by hand\\n')\n" + then
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} --wait", record


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$TMPDIR pointed at an empty folder, to show that nothing lands there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def leftovers(runtime_dir: Path) -> list[str]:
    ours = runtime_dir / "trustcli"
    return sorted(os.listdir(ours)) if ours.exists() else []


def test_the_editor_works_on_a_private_copy_in_the_runtime_folder(
    sh, tmp_path, runtime_dir, tmpdir_env, monkeypatch
):
    visual, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", visual)
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit")
    assert result.code == 0, result.err
    seen = json.loads(record.read_text())
    given = Path(seen["argv"][-1])
    assert seen["argv"][:-1] == ["--wait"]
    assert given.parent == runtime_dir / "trustcli" and COPY_NAME.match(given.name), given
    assert seen["mode"] == 0o600 and seen["text"].startswith("# ")
    assert target.read_text() == seen["text"] + "edited by hand\n"
    assert leftovers(runtime_dir) == []
    assert list(tmpdir_env.iterdir()) == []
    assert "Traceback" not in result.err


def test_an_editor_that_changes_nothing_leaves_the_file_as_written(
    sh, tmp_path, runtime_dir, monkeypatch
):
    script = tmp_path / "look.py"
    script.write_text("import sys\nopen(sys.argv[-1]).read()\n")
    monkeypatch.setenv("VISUAL", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit")
    assert result.code == 0, result.err
    assert target.read_text().startswith("# ")
    assert leftovers(runtime_dir) == []


def test_an_editor_that_saves_a_new_file_keeps_its_text(sh, tmp_path, runtime_dir, monkeypatch):
    """Some editors save by writing a new file and renaming it over the old one, with
    the default mode (0644): the text still counts, and nothing is left."""
    script = tmp_path / "rename.py"
    script.write_text(
        "import os, sys\n"
        "os.umask(0o022)\n"
        "path = sys.argv[-1]\n"
        "text = open(path).read()\n"
        "open(path + '.new', 'w').write(text + 'saved anew\\n')\n"
        "os.replace(path + '.new', path)\n"
    )
    monkeypatch.setenv("VISUAL", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit")
    assert result.code == 0, result.err
    assert target.read_text().endswith("saved anew\n")
    assert leftovers(runtime_dir) == []


def test_an_editor_that_fails_leaves_the_sheet_unedited_and_no_copy(
    sh, tmp_path, runtime_dir, monkeypatch
):
    visual, _ = fake_editor(tmp_path, then="sys.exit(3)\n")
    monkeypatch.setenv("VISUAL", visual)
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit")
    assert result.code == 1
    assert "status 3" in result.err and "Traceback" not in result.err
    assert len(result.err.splitlines()) == 2  # "Wrote …", then the one line
    assert target.read_text().startswith("# ") and "edited by hand" not in target.read_text()
    assert leftovers(runtime_dir) == []


def test_an_editor_that_is_killed_leaves_nothing_behind(
    sh, tmp_path, runtime_dir, tmpdir_env, monkeypatch
):
    visual, record = fake_editor(tmp_path, then="os.kill(os.getpid(), signal.SIGKILL)\n")
    monkeypatch.setenv("VISUAL", visual)
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit")
    assert record.exists()
    assert result.code == 1 and "SIGKILL" in result.err, result.err
    assert "edited by hand" not in target.read_text()
    assert leftovers(runtime_dir) == []
    assert list(tmpdir_env.iterdir()) == []


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not path.exists() or not path.read_text().endswith("}"):
        if process.poll() is not None:
            pytest.fail(f"trustcli ended first (exit {process.returncode})")
        assert time.monotonic() < deadline, "the editor never started"
        time.sleep(0.02)


def release(fifo: Path) -> None:
    """Let an editor waiting on ``fifo`` go on (if it is still there)."""
    with contextlib.suppress(OSError):  # ENXIO: nobody is waiting any more
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_copy_left_by_a_killed_trustcli_is_removed_by_the_next_command(
    sh, tmp_path, runtime_dir, monkeypatch
):
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    # The editor waits until the test lets it go (at most a minute, should it fail).
    visual, record = fake_editor(tmp_path, then=f"signal.alarm(60)\nopen({str(fifo)!r}).read()\n")
    monkeypatch.setenv("VISUAL", visual)
    target = tmp_path / "sheet.md"
    process = subprocess.Popen(  # no pipes: the editor outlives trustcli and would hold them
        [trustcli_executable(), "worksheet", "new", "empathy", "-o", str(target), "--edit"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_for(record, process)
        process.kill()  # trustcli itself dies while the editor is open: no finally runs
        process.wait()
    finally:
        release(fifo)  # the editor goes on and ends
    left = leftovers(runtime_dir)
    (copy,) = [name for name in left if COPY_NAME.match(name)]
    assert left == sorted([copy, f".{copy}.swp", f"{copy}~"])  # the editor's, beside it
    assert COPY_NAME.match(copy).group("pid") == str(process.pid)  # type: ignore[union-attr]
    # A copy of a trustcli that is still running (this test's own pid) is not touched.
    alive = re.sub(r"-\d+-", f"-{os.getpid()}-", copy)
    (runtime_dir / "trustcli" / alive).write_text("still being edited\n")
    (runtime_dir / "trustcli" / alive).chmod(0o600)
    # One of another home whose trustcli has ended goes too: it serves nobody.
    other = f"edit-{'0' * 16}-{process.pid}-{'c' * 16}.md"
    (runtime_dir / "trustcli" / other).write_text("from another home\n")
    assert sh("--version").code == 0  # any command at all
    assert leftovers(runtime_dir) == [alive]
    assert target.read_text().startswith("# ")


def _editor_held_open(tmp_path, monkeypatch):
    """``worksheet new empathy --edit`` whose editor waits until ``release(fifo)``:
    (the trustcli process, the editor's record file, the fifo, the -o target)."""
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    visual, record = fake_editor(tmp_path, then=f"signal.alarm(60)\nopen({str(fifo)!r}).read()\n")
    monkeypatch.setenv("VISUAL", visual)
    target = tmp_path / "sheet.md"
    process = subprocess.Popen(
        [trustcli_executable(), "worksheet", "new", "empathy", "-o", str(target), "--edit"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, record, fifo, target


def test_ctrl_c_while_the_editor_is_open_belongs_to_the_editor(
    sh, tmp_path, runtime_dir, monkeypatch
):
    """Ctrl-C reaches every process of the terminal: an editor takes it as a key (vim
    cancels a command), and trustcli must not end, or kill the editor, because of it."""
    process, record, fifo, target = _editor_held_open(tmp_path, monkeypatch)
    try:
        _wait_for(record, process)
        process.send_signal(signal.SIGINT)
        time.sleep(0.5)  # long enough for Python's own wait-then-kill of a child
    finally:
        release(fifo)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert target.read_text().endswith("edited by hand\n")
    assert leftovers(runtime_dir) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_trustcli_stopped_while_the_editor_is_open_removes_the_copy(
    sh, tmp_path, runtime_dir, monkeypatch, signum
):
    """A logout or a closed terminal (SIGHUP), a shutdown (SIGTERM): trustcli ends
    through its finally, so the copy goes at once, not only at the next start."""
    process, record, fifo, target = _editor_held_open(tmp_path, monkeypatch)
    try:
        _wait_for(record, process)
        process.send_signal(signum)
        assert process.wait(timeout=30) == 1
    finally:
        release(fifo)
    assert process.stderr is not None
    err = process.stderr.read()
    process.stderr.close()
    assert "while the editor was open" in err and "Traceback" not in err, err
    assert leftovers(runtime_dir) == []
    assert "edited by hand" not in target.read_text()


def test_without_a_runtime_folder_edit_is_refused_before_anything_is_written(
    sh, tmp_path, monkeypatch
):
    visual, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", visual)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit")
    assert result.code == 1
    assert len(result.err.splitlines()) == 1 and "XDG_RUNTIME_DIR" in result.err, result.err
    assert not target.exists() and not record.exists()


def test_a_runtime_folder_others_can_read_is_refused(sh, tmp_path, runtime_dir, monkeypatch):
    visual, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", visual)
    runtime_dir.chmod(0o755)
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit")
    assert result.code == 1
    assert len(result.err.splitlines()) == 1 and "private" in result.err, result.err
    assert not target.exists() and not record.exists()
    assert not (runtime_dir / "trustcli").exists()


def test_no_editor_set_is_refused_before_anything_is_written(sh, tmp_path, runtime_dir):
    target = tmp_path / "sheet.md"
    result = sh("worksheet", "new", "empathy", "-o", str(target), "--edit", env={
        "VISUAL": "", "EDITOR": ""})  # fmt: skip
    assert result.code == 1 and "EDITOR" in result.err and len(result.err.splitlines()) == 1
    assert not target.exists()


# --- the vault: a sheet written out is not encrypted, and says so ----------------------


def test_with_the_vault_on_a_sheet_written_out_says_it_is_not_encrypted(
    cli, tmp_path, turn_vault_on
):
    target = tmp_path / "sheet.md"
    assert cli("worksheet", "new", "empathy", "-o", str(target)).err == f"Wrote {target}\n"
    turn_vault_on()
    result = cli("worksheet", "new", "empathy", "-o", str(tmp_path / "other.md"))
    assert result.code == 0, result.err
    wrote, notice = result.err.splitlines()
    assert wrote.startswith("Wrote ") and "not encrypted" in notice
    assert cli("worksheet", "new", "empathy", "-o", "-").err == ""  # stdout: the person's pipe
