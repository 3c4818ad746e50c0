"""Run trustcli as ``python -m trustcli``."""

from trustcli.cli import main

raise SystemExit(main())
