"""Desktop notifications, best effort: the freedesktop Notifications service on the
session D-Bus (jeepney, pure Python), else notify-send; osascript on macOS.

Arguments always travel as lists, never through a shell. ``send`` never raises: it
returns None when delivered, or why it was not, for the daemon's log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

APP_NAME = "trustcli"
TIMEOUT = 10  # seconds for any one attempt


def send(summary: str, body: str, app: str = APP_NAME) -> str | None:
    """Show a notification; None if it was shown, else the reasons it was not. ``app``
    is the name a notification server may show with it ('' for none)."""
    if sys.platform == "darwin":
        backends = [_osascript]
    elif sys.platform.startswith("win"):
        return "desktop notifications are not supported on Windows yet"
    else:
        backends = [_dbus, _notify_send]
        body = as_text(body)  # both reach a freedesktop server, which reads markup
    reasons = []
    for backend in backends:
        try:
            backend(app, summary, body)
            return None
        except Exception as exc:  # any failure: try the next way, never crash the daemon
            name = backend.__name__.strip("_").replace("_", "-")
            reasons.append(f"{name}: {exc or type(exc).__name__}")
    return "; ".join(reasons)


def as_text(body: str) -> str:
    """A body for a freedesktop notification server, shown as written: servers render
    a subset of HTML in bodies (links, images from file:// URLs), so ``&``, ``<`` and
    ``>`` are sent as entities."""
    return body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dbus(app: str, summary: str, body: str) -> None:
    """Ask the session's notification server; shown only when it answers with an id.

    jeepney returns an error reply (no server on the bus, a refusal) as a message
    rather than raising, so the reply's type is checked here.
    """
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise RuntimeError("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
    from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    address = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    message = new_method_call(
        address,
        "Notify",
        "susssasa{sv}i",
        (app, 0, "", summary, body, [], {}, -1),
    )
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(message, timeout=TIMEOUT)
    if reply.header.message_type == MessageType.error:
        name = reply.header.fields.get(HeaderFields.error_name, "an error")
        detail = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        raise RuntimeError(f"{name}{': ' + detail if detail else ''}")


def _notify_send(app: str, summary: str, body: str) -> None:
    program = shutil.which("notify-send")
    if program is None:
        raise RuntimeError("notify-send is not installed")
    _run([program, f"--app-name={app}", "--", summary, body])


def _osascript(app: str, summary: str, body: str) -> None:
    """macOS shows the app that sent it (Script Editor), never ``app``."""
    script = [
        "-e", "on run argv",
        "-e", "display notification (item 2 of argv) with title (item 1 of argv)",
        "-e", "end run",
    ]  # fmt: skip
    _run(["osascript", *script, summary, body])


def _run(command: list[str]) -> None:
    """Run a notifier. Its failure is said without the command line: the reasons go to
    the daemon's log, which names reminders by id and never holds their words."""
    try:
        finished = subprocess.run(command, check=False, timeout=TIMEOUT, capture_output=True)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"did not finish within {TIMEOUT} s") from None
    except OSError as exc:
        raise RuntimeError(f"did not start ({exc.strerror})") from None
    if finished.returncode != 0:
        raise RuntimeError(f"exited with status {finished.returncode}")
