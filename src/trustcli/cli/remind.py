"""`trustcli remind …`: scheduled check-ins and the daemon that delivers them."""

from __future__ import annotations

from typing import Any

import typer

from trustcli import promises
from trustcli.output import emit, emit_json, paint, saved, say, table

app = typer.Typer(
    add_completion=False,
    help="""Scheduled check-ins and follow-through reminders, as desktop notifications.

    \b
    Examples:
      trustcli remind add "weekly sun 19:00" --message "Our weekly talk"
      trustcli remind list
      trustcli remind --daemon                   runs in the foreground
      trustcli remind install                    start it with your session
      trustcli remind due                        for cron and scripts (prompts: shell-init)
    """,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def remind(
    ctx: typer.Context,
    daemon: bool = typer.Option(
        False, "--daemon", help="Run the reminder daemon in the foreground (Ctrl-C stops it)."
    ),
) -> None:
    if daemon:
        if ctx.invoked_subcommand is not None:
            raise typer.BadParameter("--daemon takes no subcommand", param_hint="--daemon")
        from trustcli import today
        from trustcli.couple import sealed
        from trustcli.remind import daemon as daemon_module

        jobs = daemon_module.Jobs(gather=today.for_the_prompt, share=sealed.share_due)
        raise typer.Exit(daemon_module.run(jobs))
    if ctx.invoked_subcommand is None:
        say(ctx.get_help())
        raise typer.Exit(2)


def _reloaded() -> None:
    from trustcli.remind import pidfile

    if pidfile.signal_reload():
        say("The running reminder daemon picked up the change.")


@app.command()
def add(
    when: str = typer.Argument(..., metavar="WHEN", help="When: 'daily 21:00', 'mon,thu 20:00' …"),
    message: str = typer.Option("", "--message", "-m", metavar="TEXT", help="What to show."),
    kind: str = typer.Option(
        "", "--kind", metavar="KIND", help="checkin (default), promise or custom."
    ),
    promise: str = typer.Option(
        None, "--promise", metavar="ID", help="Remind about this open promise."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the reminder as JSON."),
) -> None:
    """Schedule a reminder; prints its id and the next three times it fires.

    WHEN is one of: daily 21:00, weekdays 08:30, weekends 10:00, weekly sun 19:00,
    mon,thu 20:00, every 2 weeks sat 10:00, fortnightly sat 10:00, monthly 10:00 (on
    today's day of the month), a cron expression ('30 8 * * 1-5'), or one date and time
    (2026-12-01T19:00). Times stay local across daylight saving: a time that happens
    twice comes once, and one that does not exist comes when the clocks jump.

    \b
    Examples:
      trustcli remind add "daily 21:00"                     a daily check-in
      trustcli remind add "weekly sun 19:00" -m "Our weekly talk"
      trustcli remind add "every 2 weeks sat 10:00" -m "Walk together" --kind custom
      trustcli remind add "mon,thu 20:00" --promise 3
    """
    from trustcli.remind import reminders

    promise_id = promises.parse_id(promise) if promise is not None else None
    reminder = reminders.add(when, message, kind.lower(), promise_id)
    saved(f"reminder {reminder['id']}")
    upcoming = reminders.next_times(reminder)
    if as_json:
        emit_json(reminders.as_json(reminder, upcoming))
    else:
        emit(str(reminder["id"]))
        times = ", ".join(f"{moment.astimezone():%a %Y-%m-%d %H:%M}" for moment in upcoming)
        say(f"Reminder {reminder['id']} saved. Next: {times}")
    reminders.cache_added(reminder)
    _reloaded()


@app.command(name="list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout.")) -> None:
    """List reminders with their schedule as written and the next time each fires.

    A stored reminder that cannot be read is named (file and line); the others are
    still listed, and the exit code is 2.

    \b
    Examples:
      trustcli remind list
      trustcli remind list --json
    """
    from trustcli.remind import reminders

    rows: list[dict[str, Any]] = []
    found, problems = reminders.read()
    for reminder in found:
        upcoming = [] if reminder["paused"] else reminders.next_times(reminder, 1)
        rows.append(reminders.as_json(reminder, upcoming))
    if as_json:
        emit_json(rows)
    elif not rows and not problems:
        say('No reminders yet. Try: trustcli remind add "daily 21:00"')
    elif rows:
        _table(rows)
    _name_problems(problems)


def _name_problems(problems: list[str]) -> None:
    """A bad stored entry is named (one line each) and makes the exit code 2; the
    others still work."""
    for problem in problems:
        say(problem)
    if problems:
        raise typer.Exit(2)


def _table(rows: list[dict[str, Any]]) -> None:
    emit(
        table(
            ["id", "when", "message", "kind", "next"],
            [
                [
                    str(r["id"]),
                    r["when"],
                    r["message"],
                    r["kind"],
                    paint("paused", "yellow")
                    if r["paused"]
                    else (_local(r["next"][0]) if r["next"] else "never again"),
                ]
                for r in rows
            ],
            wide_column=2,
        )
    )


def _local(moment: str) -> str:
    from datetime import datetime

    return f"{datetime.fromisoformat(moment).astimezone():%a %Y-%m-%d %H:%M}"


@app.command()
def rm(ident: str = typer.Argument(..., metavar="ID", help="The reminder's id.")) -> None:
    """Delete a reminder.

    \b
    Examples:
      trustcli remind rm 2
    """
    from trustcli.remind import reminders

    say(f"Reminder {reminders.remove(ident)} deleted.")
    _reloaded()


@app.command()
def pause(ident: str = typer.Argument(..., metavar="ID", help="The reminder's id.")) -> None:
    """Pause a reminder (it stays in the list, and resume brings it back).

    \b
    Examples:
      trustcli remind pause 2
    """
    from trustcli.remind import reminders

    reminders.set_paused(ident, True)
    say(f"Reminder {ident} paused.")
    _reloaded()


@app.command()
def resume(ident: str = typer.Argument(..., metavar="ID", help="The reminder's id.")) -> None:
    """Resume a paused reminder.

    \b
    Examples:
      trustcli remind resume 2
    """
    from trustcli.remind import reminders

    reminders.set_paused(ident, False)
    say(f"Reminder {ident} resumed.")
    _reloaded()


@app.command()
def due(
    ack: bool = typer.Option(False, "--ack", help="Mark everything shown as seen."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
) -> None:
    """What fired or fell due since you last acknowledged (no daemon needed).

    Made for shell prompts and cron: fast, and silent when nothing is due.

    \b
    Examples:
      trustcli remind due
      trustcli remind due --ack
      trustcli remind due --json | jq length
    """
    from trustcli import dates
    from trustcli.remind import reminders, status

    now = dates.now()
    items, problems = reminders.due(now)
    if as_json:
        emit_json(items)
    else:
        for item in items:
            unseen = (
                "  (not shown: no notification service)" if item["delivery"] == "failed" else ""
            )
            emit(f"{_local(item['at'])}  {item['message']}{unseen}")
    if ack:
        reminders.acknowledge(now)
    _name_problems(problems)
    if status.used():  # the prompt's status, from what was found here (none after --ack)
        from trustcli import today

        found, made = today.gather_with_promises(now.date(), now, ([] if ack else items, problems))
        status.refresh_from(found, now, bool(made))


@app.command()
def install(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be written."),
    force: bool = typer.Option(False, "--force", help="Replace one set up for another data home."),
) -> None:
    """Start the daemon with your session: a systemd user unit or a launchd agent.

    \b
    Examples:
      trustcli remind install --dry-run
      trustcli remind install
    """
    from trustcli.remind import service

    path, text, command = service.plan()
    if dry_run:
        emit(text.rstrip("\n"))
        say(f"Would write {path}; then run: {command}")
        return
    service.write(path, text, force)
    say(f"Wrote {path}. To start it now and at every login, run:\n  {command}")
