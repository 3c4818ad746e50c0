"""`trustcli today`: what is mine to record today, reminders due, and what is new from
my partner since I last looked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer

from trustcli import dates
from trustcli.output import emit, emit_json, say

app = typer.Typer(add_completion=False)


@app.command(name="today")
def today_command(
    as_json: bool = typer.Option(False, "--json", help="The same as JSON on stdout."),
) -> None:
    """One calm screen: what is yours to record today, reminders due, and what is new
    from your partner since you last looked (new promises to you, days to confirm, a
    joint question set waiting for your answers).

    Showing it counts as looking: the next 'today' says only what is newer. Nothing
    sealed (a joint set's answers) ever appears here.

    \b
    Examples:
      trustcli today
      trustcli today --json | jq '.to_record | length'
    """
    from trustcli import today as gathering
    from trustcli.remind import status

    now = dates.now()
    found, made = gathering.gather_with_promises(now.date(), now)
    partner = found["partner"]
    if partner is not None:
        gathering.mark_seen(partner)
    seen = gathering.as_seen(found)  # for the prompt's status, written below
    if partner is not None:
        partner = {key: value for key, value in partner.items() if key not in ("device", "seq")}
        found["partner"] = partner
    problems = found.pop("problems")
    if as_json:
        emit_json(found)
    else:
        emit(_screen(found, now))
    for problem in problems:
        say(problem)
    status.refresh_from(seen, now, bool(made))


def _screen(found: dict[str, Any], now: datetime) -> str:
    lines = [f"Today, {now:%A %d %B}"]
    if found["to_record"]:
        lines += ["", "Yours to record today:"]
        for row in found["to_record"]:
            when = row["every"] or (f"due {row['due']}" if row["due"] else "")
            lines.append(
                f"  {row['id']}  {row['text']}"
                + (f"  ({when})" if when else "")
                + f"   trustcli promise kept {row['id']}"
            )
    else:
        lines += ["", "Nothing of yours to record today."]
    if found["reminders"]:
        lines += ["", "Reminders due:"]
        for item in found["reminders"]:
            at = datetime.fromisoformat(item["at"]).astimezone()
            lines.append(f"  {at:%Y-%m-%d %H:%M}  {item['message']}")
    partner = found["partner"]
    if partner is not None:
        name = partner["name"] or "your partner"
        moments = partner.get("hard_moments", [])
        if not (
            partner["new_promises"] or partner["to_confirm"] or partner["sets_waiting"] or moments
        ):
            lines += ["", f"Nothing new from {name}."]
        else:
            lines += ["", f"From {name}:"]
            if moments:
                at = datetime.fromisoformat(moments[-1]["at"]).astimezone()
                lines.append(
                    f"  {name} is having a hard moment (since {at:%a %H:%M}). A kind, "
                    "quiet word may help more than questions."
                )
            for promise in partner["new_promises"]:
                lines.append(f"  new promise {promise['id']} to you: {promise['text']}")
            for waiting in partner["sets_waiting"]:
                lines.append(
                    f"  {name} finished round {waiting['round']} of {waiting['set']}; it opens "
                    f"once you have answered too: trustcli ask {waiting['set']}"
                )
            for day in partner["to_confirm"]:
                mark = "new: " if day["new"] else ""
                lines.append(
                    f"  {mark}{day['promise']} kept on {day['on']} ({day['text']}): "
                    f"trustcli promise confirm {day['promise']} --on {day['on']}"
                )
    return "\n".join(lines)
