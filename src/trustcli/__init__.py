"""trustcli: a calm, private companion for rebuilding trust in a relationship."""

__version__ = "0.1.0"
