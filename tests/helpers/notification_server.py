"""A tiny freedesktop notification server for the tests and bench/daemon.py: owns
org.freedesktop.Notifications on the session bus given in DBUS_SESSION_BUS_ADDRESS and
records every Notify call as one JSON line, with ``received``, the wall-clock time
(time.time()) it arrived, so the bench can tell how late a reminder was.

Usage: python notification_server.py RECORD_FILE READY_FILE"""

from __future__ import annotations

import json
import sys
import time

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"
INTROSPECTION = """<node>
 <interface name="org.freedesktop.Notifications">
  <method name="Notify">
   <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
   <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
   <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
   <arg type="u" direction="out"/>
  </method>
  <method name="GetCapabilities"><arg type="as" direction="out"/></method>
  <method name="GetServerInformation">
   <arg type="s" direction="out"/><arg type="s" direction="out"/>
   <arg type="s" direction="out"/><arg type="s" direction="out"/>
  </method>
 </interface>
</node>"""


def main(record_path: str, ready_path: str) -> None:
    connection = open_dbus_connection(bus="SESSION")
    reply = connection.send_and_get_reply(message_bus.RequestName(NAME))
    if reply.body[0] != 1:  # 1: we are the primary owner
        raise SystemExit(f"could not own {NAME}: {reply.body}")
    with open(ready_path, "w") as ready:
        ready.write("ready\n")
    count = 0
    while True:
        message = connection.receive()
        received = time.time()
        if message.header.message_type != MessageType.method_call:
            continue
        member = message.header.fields.get(HeaderFields.member)
        if member == "Notify":
            app, _replaces, _icon, summary, body, *_rest = message.body
            count += 1
            with open(record_path, "a") as record:
                line = {"app": app, "summary": summary, "body": body, "received": received}
                record.write(json.dumps(line) + "\n")
            connection.send(new_method_return(message, "u", (count,)))
        elif member == "GetCapabilities":
            connection.send(new_method_return(message, "as", (["body"],)))
        elif member == "GetServerInformation":
            info = ("trustcli-test-server", "trustcli", "1.0", "1.2")
            connection.send(new_method_return(message, "ssss", info))
        elif member == "Introspect":
            connection.send(new_method_return(message, "s", (INTROSPECTION,)))
        else:
            error = "org.freedesktop.DBus.Error.UnknownMethod"
            connection.send(new_error(message, error, "s", (f"no method {member}",)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
