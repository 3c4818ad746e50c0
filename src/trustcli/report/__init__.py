"""The progress report: follow-through, check-in trends, sessions, small victories.

``data.figures`` is pure: records in, one dict out, the same dict that ``--json`` prints
and the terminal, the Markdown page (``page``) and the SVG chart (``chart``) draw. This
face hands on what the ``report`` command uses.
"""

from trustcli.report.chart import svg_chart
from trustcli.report.data import STUCK_ADVICE, figures, known_people, one_person
from trustcli.report.page import markdown

__all__ = ["STUCK_ADVICE", "figures", "known_people", "markdown", "one_person", "svg_chart"]
