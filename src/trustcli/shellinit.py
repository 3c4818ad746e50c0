"""`trustcli shell-init`: the snippet a shell's rc file evaluates once at start-up. At
each prompt it reads the status file (see trustcli.status) with the shell's own
builtins: no trustcli, no Python, no program at all is started per prompt."""

from __future__ import annotations

SHELLS = ("bash", "zsh", "fish")
DEFAULT_MARKER = "•"
MARKER_MAX = 16

_BASH = r"""# trustcli shell-init bash: a quiet marker in the prompt when something is due.
# Each prompt reads one small file with bash builtins; no program is started.
# The status file ({where}):
__trustcli_status={path}
__trustcli_marker={marker}
__trustcli_prompt() {{
    TRUSTCLI_MARK=
    local count= next= now=${{EPOCHSECONDS-}}
    [[ -f $__trustcli_status ]] || return 0
    read -r count next < "$__trustcli_status"
    [[ $count =~ ^[0-9]+$ && $next =~ ^[0-9]+$ ]] || return 0
    [[ -n $now ]] || printf -v now '%(%s)T' -1
    if (( count > 0 || (next > 0 && now >= next) )); then
        TRUSTCLI_MARK="$__trustcli_marker "
    fi
    return 0
}}
if [[ ";${{PROMPT_COMMAND-}};" != *";__trustcli_prompt;"* ]]; then
    PROMPT_COMMAND="__trustcli_prompt${{PROMPT_COMMAND:+;$PROMPT_COMMAND}}"
fi
# Put ${{TRUSTCLI_MARK}} in PS1 yourself (before this line) to place it elsewhere.
[[ $PS1 == *TRUSTCLI_MARK* ]] || PS1='${{TRUSTCLI_MARK}}'"$PS1"
"""

_ZSH = r"""# trustcli shell-init zsh: a quiet marker in the prompt when something is due.
# Each prompt reads one small file with zsh builtins; no program is started.
zmodload zsh/datetime
# The status file ({where}):
typeset -g __trustcli_status={path}
typeset -g __trustcli_marker={marker}
__trustcli_prompt() {{
    typeset -g TRUSTCLI_MARK=
    local count next
    [[ -f $__trustcli_status ]] || return 0
    read -r count next < $__trustcli_status
    [[ $count == <-> && $next == <-> ]] || return 0
    if (( count > 0 || (next > 0 && EPOCHSECONDS >= next) )); then
        TRUSTCLI_MARK="$__trustcli_marker "
    fi
    return 0
}}
(( ${{precmd_functions[(Ie)__trustcli_prompt]}} )) || precmd_functions+=(__trustcli_prompt)
setopt prompt_subst
# Put ${{TRUSTCLI_MARK}} in PROMPT yourself (before this line) to place it elsewhere.
[[ $PROMPT == *TRUSTCLI_MARK* ]] || PROMPT='${{TRUSTCLI_MARK}}'"$PROMPT"
"""

_FISH = r"""# trustcli shell-init fish: a quiet marker in the prompt when something is due.
# Each prompt reads one small file with fish builtins (fish 3.5 or later for `path`);
# no program is started.
# The status file ({where}):
set -g __trustcli_status {path}
set -g __trustcli_marker {marker}
function __trustcli_prompt
    set -g TRUSTCLI_MARK ''
    test -f $__trustcli_status; or return 0
    read -l count next < $__trustcli_status
    string match -qr '^[0-9]+ [0-9]+$' -- "$count $next"; or return 0
    # now = the file's change time + the seconds since then: both builtins, no `date`
    set -l now (math (path mtime -- $__trustcli_status) + (path mtime -R -- $__trustcli_status))
    if test $count -gt 0; or begin; test $next -gt 0; and test $now -ge $next; end
        set -g TRUSTCLI_MARK "$__trustcli_marker "
    end
    return 0
end
# Call __trustcli_prompt and print $TRUSTCLI_MARK in your own fish_prompt to place it
# elsewhere; otherwise it goes before the prompt you have.
if not functions -q __trustcli_prompt_before; and functions -q fish_prompt
    functions -c fish_prompt __trustcli_prompt_before
    function fish_prompt
        __trustcli_prompt
        printf '%s' $TRUSTCLI_MARK
        __trustcli_prompt_before
    end
end
"""


def marker_problem(marker: str) -> str:
    """Why ``marker`` cannot be a prompt marker ('' if it can)."""
    if not marker.strip():
        return "the marker is empty"
    if len(marker) > MARKER_MAX:
        return f"the marker is longer than {MARKER_MAX} characters"
    if any(ord(char) < 32 or ord(char) == 127 for char in marker):
        return "the marker has a control character (a new line, a tab, an escape)"
    return ""


def _posix_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def snippet(shell: str, path: str, where: str, marker: str) -> str:
    """The snippet for ``shell``, with the status file's absolute ``path`` written in."""
    place = (
        "the runtime folder, emptied at logout"
        if where == "runtime"
        else "the data home's cache/, as there is no $XDG_RUNTIME_DIR"
    )
    if shell == "fish":
        return _FISH.format(where=place, path=_fish_quote(path), marker=_fish_quote(marker))
    if shell == "zsh":
        # prompt_subst expands the marker, then % starts a prompt escape: keep it literal
        return _ZSH.format(
            where=place, path=_posix_quote(path), marker=_posix_quote(marker.replace("%", "%%"))
        )
    return _BASH.format(where=place, path=_posix_quote(path), marker=_posix_quote(marker))
