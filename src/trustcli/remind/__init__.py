"""Reminders, as one part: when a reminder falls due (``schedules``), the reminders
themselves and what became of them (``reminders``), the desktop notification
(``notify``), the daemon that shows them (``daemon``; ``pidfile``: one daemon a home,
and the signal that tells it of a change), the unit that starts it with the session
(``service``), and the shell prompt's status file (``status``).

The daemon and the prompt's status need to know what else is due (a promise to record,
news from the partner) and to share sealed answers' keys: the command layer passes
those in, so nothing here reaches up to ``today`` or the couple folder.
"""
