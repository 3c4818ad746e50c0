"""The one error type users see, and the exit codes every command keeps."""

EXIT_OK = 0
EXIT_RUNTIME = 1  # something failed that the user's input did not cause
EXIT_BAD_INPUT = 2  # bad usage or input: a wrong id, date, flag or file
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class TrustError(Exception):
    """A failure the CLI shows as one line on stderr, then exits with ``exit_code``.

    The message says what is wrong and, where it can, how to fix it.
    """

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class Locked(TrustError):
    """The vault is on and no key is at hand: one line, exit 1. Code that must work on a
    locked home (the daemon, the prompt's status) catches it around reads of sealed data."""

    def __init__(self) -> None:
        super().__init__("locked: run trustcli unlock", EXIT_RUNTIME)
