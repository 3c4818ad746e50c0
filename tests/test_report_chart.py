"""The report's SVG chart, checked as a picture: rendered to PNG with rsvg-convert on a
white and on a black page, then pixels of known regions are compared.

Regions come from the chart's own geometry where the chart names it (the plot area, one
tick per week); colours are the ones a person sees.
"""

from __future__ import annotations

import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import require_binary
from tests.helpers.people import Person
from tests.test_pair import pair_in_one_folder

NOW = "2026-11-26T20:00:00+01:00"  # a Thursday; its week starts 2026-11-23
NS = "{http://www.w3.org/2000/svg}"
WIDTH, HEIGHT = 720, 360
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
Pixel = tuple[int, int, int]


# --- a PNG, read back without an image library -------------------------------------------


class Picture:
    def __init__(self, path: Path) -> None:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        chunks, pos = {}, 8
        idat = b""
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos : pos + 4])
            kind = data[pos + 4 : pos + 8]
            body = data[pos + 8 : pos + 8 + length]
            if kind == b"IDAT":
                idat += body
            else:
                chunks[kind] = body
            pos += 12 + length
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
        assert (depth, interlace) == (8, 0) and colour in (2, 6)
        channels = 4 if colour == 6 else 3
        raw = zlib.decompress(idat)
        stride = width * channels
        rows: list[bytearray] = []
        previous = bytearray(stride)
        for y in range(height):
            start = y * (stride + 1)
            kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                if kind == 1:
                    line[i] = (line[i] + a) & 255
                elif kind == 2:
                    line[i] = (line[i] + b) & 255
                elif kind == 3:
                    line[i] = (line[i] + (a + b) // 2) & 255
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                    line[i] = (line[i] + pred) & 255
            rows.append(line)
            previous = line
        self.width, self.height, self.rows, self.channels = width, height, rows, channels

    def pixel(self, x: int, y: int) -> Pixel:
        at = x * self.channels
        row = self.rows[y]
        return (row[at], row[at + 1], row[at + 2])

    def region(self, x0: float, y0: float, x1: float, y1: float) -> list[Pixel]:
        """Every pixel with x0 <= x < x1 and y0 <= y < y1 (clipped to the picture)."""
        xs = range(max(0, int(x0)), min(self.width, int(x1)))
        ys = range(max(0, int(y0)), min(self.height, int(y1)))
        return [self.pixel(x, y) for y in ys for x in xs]


def render(svg: Path, page: str, tmp_path: Path, height: int = HEIGHT) -> Picture:
    """The chart as a viewer on a page of this colour shows it, at its own size."""
    png = tmp_path / f"{svg.stem}-{page}.png"
    subprocess.run(
        [
            require_binary("rsvg-convert"),
            "--background-color",
            page,
            "--width",
            str(WIDTH),
            "--height",
            str(height),
            "--output",
            str(png),
            str(svg),
        ],
        check=True,
    )
    picture = Picture(png)
    assert (picture.width, picture.height) == (WIDTH, height)
    return picture


def distance(a: Pixel, b: Pixel) -> int:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def is_green(p: Pixel) -> bool:
    """A pixel of a follow-through bar (solid or hatched): green clearly above red and blue."""
    r, g, b = p
    return g - r >= 25 and g - b >= 25


def mean(pixels: list[Pixel]) -> Pixel:
    n = len(pixels)
    r, g, b = (sum(p[i] for p in pixels) // n for i in range(3))
    return (r, g, b)


# --- the chart's own geometry ----------------------------------------------------------


class Chart:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = ET.parse(path).getroot()
        plot = self.by_class("rect", "plot-area")[0]
        self.left = float(plot.get("x", 0))
        self.top = float(plot.get("y", 0))
        self.right = self.left + float(plot.get("width", 0))
        self.bottom = self.top + float(plot.get("height", 0))
        ticks = self.by_class("line", "tick")
        self.x_of = {t.get("data-week"): float(t.get("x1", 0)) for t in ticks}
        weeks = sorted(self.x_of)
        self.slot = (self.right - self.left) / len(weeks)

    def by_class(self, tag: str, klass: str) -> list[ET.Element]:
        return [e for e in self.root.iter(f"{NS}{tag}") if klass in (e.get("class") or "")]

    def column(self, week: str) -> tuple[float, float]:
        """The middle of a week's slot, as x0, x1: inside its bar, if it has one."""
        x, half = self.x_of[week], min(self.slot * 0.3, 10)
        return x - half, x + half


def write_report(cli, tmp_path: Path, *args: str) -> Chart:
    target = tmp_path / "report.md"
    result = cli("report", "-o", str(target), "--force", *args)
    assert result.code == 0, result.err
    return Chart(tmp_path / "report.svg")


# --- a known data home --------------------------------------------------------------------


@pytest.fixture
def weeks_of_records(cli, monkeypatch):
    """A daily promise from 2026-10-05 to the week of 2026-11-23 (8 weeks): a week all
    kept, a mixed week, a week with no records at all (10-19), a week all missed
    (0 %, 10-26), and kept days in this week, the last of the chart."""
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-10-05T08:00:00+02:00")
    assert cli("init", "--me", "alex").code == 0
    assert cli("promise", "add", "Walk together after dinner", "--every", "daily").code == 0
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    record = [(date(2026, 10, 5) + timedelta(days=i), "kept") for i in range(7)]
    record += [(date(2026, 10, 12) + timedelta(days=i), "kept") for i in range(3)]
    record += [(date(2026, 10, 15) + timedelta(days=i), "missed") for i in range(2)]
    record += [(date(2026, 10, 26) + timedelta(days=i), "missed") for i in range(3)]
    record += [(date(2026, 11, 2) + timedelta(days=i), "kept") for i in range(4)]
    record += [(date(2026, 11, 23) + timedelta(days=i), "kept") for i in range(3)]
    for day, result in record:
        assert cli("promise", result, "1", "--on", day.isoformat()).code == 0
    for on, rating in [("2026-10-13", 5), ("2026-10-27", 6), ("2026-11-03", 7), ("2026-11-24", 7)]:
        assert cli("checkin", "-r", str(rating), "--on", on).code == 0


def test_bars_stay_inside_the_plot_and_off_the_axis_labels(cli, weeks_of_records, tmp_path):
    chart = write_report(cli, tmp_path)
    picture = render(chart.path, "white", tmp_path)
    assert chart.left >= 30 and chart.right <= WIDTH - 30  # room for the labels either side
    label_column = picture.region(0, chart.top, chart.left, chart.bottom)
    assert not any(is_green(p) for p in label_column)
    past_the_plot = picture.region(chart.right, 0, WIDTH, HEIGHT)
    assert not any(is_green(p) for p in past_the_plot)
    # the last week (this one) has its bar, all of it inside the plot
    x0, x1 = chart.column("2026-11-23")
    assert sum(map(is_green, picture.region(x0, chart.top, x1, chart.bottom))) > 20
    assert chart.x_of["2026-11-23"] + chart.slot / 2 <= chart.right + 0.01


def test_an_empty_week_is_a_gap_and_a_zero_week_shows_its_baseline(cli, weeks_of_records, tmp_path):
    chart = write_report(cli, tmp_path)
    assert sorted(chart.x_of) == [
        (date(2026, 10, 5) + timedelta(weeks=i)).isoformat() for i in range(8)
    ]
    picture = render(chart.path, "white", tmp_path)
    background = picture.pixel(int(chart.left) + 2, int(chart.top) + 2)
    x0, x1 = chart.column("2026-10-19")  # nothing recorded: only the background
    empty = picture.region(x0, chart.top + 1, x1, chart.bottom - 1)
    assert empty and all(distance(p, background) <= 8 for p in empty)
    x0, x1 = chart.column("2026-10-26")  # all missed: no bar, but a mark on the baseline
    above = picture.region(x0, chart.top + 1, x1, chart.bottom - 6)
    assert not any(map(is_green, above))  # (its check-in's point is there, not a bar)
    baseline = picture.region(x0, chart.bottom - 5, x1, chart.bottom - 1)
    marked = [p for p in baseline if distance(p, background) > 60]
    assert len(marked) >= len(baseline) // 2
    # the rating line does not bridge the empty week either (weeks 10-12 → 10-26)
    x0, x1 = chart.x_of["2026-10-12"] + 6, chart.x_of["2026-10-26"] - 6
    between = picture.region(x0, chart.top + 1, x1, chart.bottom - 6)
    assert not any(p[2] - p[1] > 40 for p in between)  # no blue of alex's line


def test_week_labels_never_collide_whatever_the_number_of_weeks(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTCLI_NOW", "2023-11-27T08:00:00+01:00")
    assert cli("init", "--me", "alex").code == 0
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    seen_labels = {}
    for weeks in (1, 4, 26, 156):
        first = date(2026, 11, 23) - timedelta(weeks=weeks - 1)
        assert cli("checkin", "-r", "6", "--on", first.isoformat()).code == 0
        chart = write_report(cli, tmp_path, "--since", first.isoformat())
        assert len(chart.x_of) == weeks
        labels = chart.by_class("text", "week-label")
        xs = [float(t.get("x", 0)) for t in labels]
        widths = [len(t.text or "") * 6.5 for t in labels]  # 11 px sans: under 6.5 px a glyph
        assert labels and xs == sorted(xs)
        for i in range(len(xs) - 1):
            assert xs[i + 1] - xs[i] >= (widths[i] + widths[i + 1]) / 2 + 4, (weeks, i)
        assert min(xs) - widths[0] / 2 >= 0 and max(xs) + widths[-1] / 2 <= WIDTH
        seen_labels[weeks] = len(labels)
        picture = render(chart.path, "white", tmp_path)
        row = picture.region(chart.left, chart.bottom + 4, chart.right, chart.bottom + 30)
        assert sum(distance(p, WHITE) > 100 for p in row) > 30 * len(labels)
    assert seen_labels[4] == 4  # every week when there is room
    assert 4 <= seen_labels[156] <= 16  # every Nth week when there is not


def test_the_legend_shows_only_what_the_chart_draws(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    assert cli("init", "--me", "alex").code == 0
    for on, rating in [("2026-11-03", 5), ("2026-11-10", 6), ("2026-11-17", 7)]:
        assert cli("checkin", "-r", str(rating), "--on", on).code == 0
    chart = write_report(cli, tmp_path)
    legend = [t.text for t in chart.by_class("text", "legend")]
    assert legend == ["your check-ins"]  # alex alone: spoken to, not named
    picture = render(chart.path, "white", tmp_path)
    legend_region = (150, 4, WIDTH - 8, chart.top - 2)
    assert all(distance(p, WHITE) <= 8 for p in picture.region(*legend_region))

    assert cli("promise", "add", "Tell you when I'm late", "--every", "daily").code == 0
    assert cli("promise", "kept", "1").code == 0
    chart = write_report(cli, tmp_path)
    legend = [t.text for t in chart.by_class("text", "legend")]
    assert "your check-ins" in legend and any("kept" in (text or "") for text in legend)
    picture = render(chart.path, "white", tmp_path)
    assert sum(distance(p, WHITE) > 100 for p in picture.region(*legend_region)) > 50


def test_the_chart_reads_on_a_light_and_on_a_dark_page(cli, weeks_of_records, tmp_path):
    chart = write_report(cli, tmp_path)
    text = chart.path.read_text()
    assert chart.root.find(f"{NS}title") is not None and chart.root.find(f"{NS}desc") is not None
    desc = chart.root.find(f"{NS}desc")
    assert desc is not None and "2026-10-05" in (desc.text or "")
    assert "no records" in (desc.text or "")
    for page in ("white", "black"):
        picture = render(chart.path, page, tmp_path)
        regions = {
            "rating labels": (0, chart.top - 6, chart.left - 2, chart.bottom + 6),
            "per cent labels": (chart.right + 2, chart.top - 6, WIDTH, chart.bottom + 6),
            "week labels": (chart.left - 20, chart.bottom + 4, chart.right + 20, HEIGHT - 2),
            "plot": (chart.left, chart.top, chart.right, chart.bottom),
        }
        for name, box in regions.items():
            pixels = picture.region(*box)
            ground = Counter(pixels).most_common(1)[0][0]
            # whatever the page, what lies behind the text is the chart's own light card
            assert distance(ground, WHITE) <= 16, (page, name, ground)
            ink = [p for p in pixels if distance(p, ground) > 100]
            assert len(ink) > 40, (page, name, len(ink))
    assert text == write_report(cli, tmp_path).path.read_text()  # the same records, same bytes


def test_milestones_are_marked_and_named(cli, weeks_of_records, monkeypatch, tmp_path):
    chart = write_report(cli, tmp_path)
    marks = {(m.get("data-week"), m.get("data-kind")) for m in chart.by_class("g", "mark")}
    assert ("2026-10-05", "first-promise") in marks
    assert ("2026-10-05", "first-perfect-week") in marks
    legend = " ".join(t.text or "" for t in chart.by_class("text", "legend"))
    assert "first promise" in legend and "every day kept" in legend
    assert "question session" not in legend  # none finished: not in the legend
    picture = render(chart.path, "white", tmp_path)
    x0, x1 = chart.column("2026-10-05")
    strip = picture.region(x0 - 4, chart.top - 24, x1 + 4, chart.top - 2)
    assert sum(distance(p, WHITE) > 100 for p in strip) > 10
    x0, x1 = chart.column("2026-11-02")
    assert all(p == WHITE for p in picture.region(x0, chart.top - 24, x1, chart.top - 2))

    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-04T20:00:00+01:00")
    done = cli("ask", "weekly-checkin", "--answers", "-", stdin="a calm week\n\n\n7\n\n")
    assert done.code == 0, done.err
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    chart = write_report(cli, tmp_path)
    marks = {(m.get("data-week"), m.get("data-kind")) for m in chart.by_class("g", "mark")}
    assert ("2026-11-02", "session") in marks
    assert "question session finished" in [t.text for t in chart.by_class("text", "legend")]
    picture = render(chart.path, "white", tmp_path)
    strip = picture.region(x0 - 4, chart.top - 24, x1 + 4, chart.top - 2)
    assert sum(distance(p, WHITE) > 100 for p in strip) > 10


def test_confirmed_and_self_reported_follow_through_look_different(tmp_path):
    alex = Person(tmp_path / "alex-home", NOW)
    sam = Person(tmp_path / "sam-home", NOW)
    alex.ok("init", "--me", "Alex", "--partner", "Sam")
    sam.ok("init", "--me", "Sam", "--partner", "Alex")
    pair_in_one_folder(alex, sam, tmp_path / "us")
    made = alex(
        "promise",
        "add",
        "Phone at lunch",
        "--to",
        "Sam",
        "--every",
        "daily",
        "--since",
        "2026-11-02",
    )
    assert made.code == 0, made.err
    for i in range(5):
        on = (date(2026, 11, 2) + timedelta(days=i)).isoformat()
        assert alex("promise", "kept", "1", "--on", on).code == 0
        assert sam("promise", "confirm", "a1", "--on", on).code == 0
    for i in range(5):
        on = (date(2026, 11, 9) + timedelta(days=i)).isoformat()
        assert alex("promise", "kept", "1", "--on", on).code == 0  # not confirmed
    result = alex("report", "-o", str(tmp_path / "report.md"))
    assert result.code == 0, result.err
    chart = Chart(tmp_path / "report.svg")
    legend = [t.text or "" for t in chart.by_class("text", "legend")]
    assert any("confirmed" in t for t in legend) and any("your own record" in t for t in legend)
    picture = render(chart.path, "white", tmp_path)
    lower = chart.bottom - (chart.bottom - chart.top) * 0.5  # the bars' lower half
    x0, x1 = chart.column("2026-11-02")
    confirmed = picture.region(x0, lower, x1, chart.bottom - 6)
    x0, x1 = chart.column("2026-11-09")
    own = picture.region(x0, lower, x1, chart.bottom - 6)
    assert all(map(is_green, confirmed))  # solid
    assert 0.2 < sum(map(is_green, own)) / len(own) < 0.8  # hatched: green and light
    assert distance(mean(confirmed), mean(own)) > 40

    unpaired = Person(tmp_path / "solo-home", NOW)
    assert unpaired("promise", "add", "Phone at lunch", "--since", "2026-11-20").code == 0
    assert unpaired("promise", "kept", "1", "--on", "2026-11-20").code == 0
    assert unpaired("report", "-o", str(tmp_path / "solo.md")).code == 0
    solo = Chart(tmp_path / "solo.svg")
    legend = [t.text or "" for t in solo.by_class("text", "legend")]
    assert not any("confirmed" in t or "your own record" in t for t in legend)


def test_a_check_in_line_breaks_only_across_a_week_with_no_records(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-02T08:00:00+01:00")
    assert cli("init", "--me", "alex").code == 0
    assert cli("promise", "add", "Cook on Sundays", "--every", "weekly").code == 0
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    for on in ("2026-11-03", "2026-11-17"):  # weeks 11-02 and 11-16, not 11-09
        assert cli("checkin", "-r", "6", "--on", on).code == 0

    def blue_between() -> int:
        chart = write_report(cli, tmp_path)
        picture = render(chart.path, "white", tmp_path)
        x0, x1 = chart.x_of["2026-11-02"] + 8, chart.x_of["2026-11-16"] - 8
        between = picture.region(x0, chart.top + 1, x1, chart.bottom - 6)
        return sum(p[2] - p[1] > 40 and p[2] - p[0] > 40 for p in between)

    assert blue_between() == 0  # nothing at all recorded in the week of 11-09: a gap
    assert cli("promise", "kept", "1", "--on", "2026-11-09").code == 0
    assert blue_between() > 50  # that week has a record now: the line goes on through it


def test_the_markdown_shows_the_chart_whenever_it_is_written(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    assert cli("promise", "add", "Tell you when I'm late", "--every", "daily").code == 0
    assert cli("promise", "kept", "1").code == 0  # follow-through, and no check-in yet
    write_report(cli, tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "![Weekly check-ins and follow-through](report.svg)" in text


def test_a_name_with_control_characters_still_makes_a_readable_chart(cli, home, tmp_path):
    assert cli("checkin", "-r", "5", "--as", "sam").code == 0
    records = home / "checkins.toml"  # edited by hand: a bell and a right-to-left override
    records.write_text(records.read_text().replace('"sam"', '"s\\u0007am\\u202e"'))
    chart = write_report(cli, tmp_path)  # parses as XML
    assert [t.text for t in chart.by_class("text", "legend")] == ["s\\x07am\\u202e"]
    picture = render(chart.path, "white", tmp_path)  # and rsvg-convert reads it
    assert sum(distance(p, WHITE) > 100 for p in picture.region(0, 0, WIDTH, 40)) > 50


def test_many_people_with_long_names_get_a_taller_chart_not_a_squashed_one(
    cli, monkeypatch, tmp_path
):
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    names = [f"{letter * 60} {index}" for index, letter in enumerate("abcdefgh")]
    for index, name in enumerate(names):
        assert cli("checkin", "-r", str(index + 2), "--as", name, "--on", "2026-11-24").code == 0
    chart = write_report(cli, tmp_path)
    height = int(chart.root.get("height", 0))
    assert height > HEIGHT and chart.root.get("viewBox") == f"0 0 {WIDTH} {height}"
    assert chart.bottom - chart.top >= 200  # the plot keeps its height
    for text in chart.by_class("text", "legend"):
        assert len(text.text or "") <= 40  # long names are cut, with "…"
        assert float(text.get("y", 0)) < chart.top - 24  # above the milestone strip
        assert float(text.get("x", 0)) + 6.5 * len(text.text or "") <= WIDTH - 8
    picture = render(chart.path, "black", tmp_path, height)
    for text in chart.by_class("text", "legend"):  # a clear gap before each item
        x, y = float(text.get("x", 0)) - 28, float(text.get("y", 0))
        if x > 20:
            assert all(p == WHITE for p in picture.region(x - 10, y - 10, x - 1, y + 3)), x
    labels = picture.region(chart.left, chart.bottom + 4, chart.right, height - 4)
    assert sum(distance(p, WHITE) > 100 for p in labels) > 30
    assert picture.pixel(WIDTH // 2, height - 3) == WHITE  # the card reaches the bottom


def test_the_chart_begins_with_the_week_the_first_promise_was_made(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTCLI_NOW", "2026-11-03T08:00:00+01:00")
    assert cli("promise", "add", "Sleep at home", "--every", "daily").code == 0
    monkeypatch.setenv("TRUSTCLI_NOW", NOW)
    assert cli("promise", "kept", "1", "--on", "2026-11-17").code == 0
    chart = write_report(cli, tmp_path)
    assert sorted(chart.x_of) == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    picture = render(chart.path, "white", tmp_path)
    x0, x1 = chart.column("2026-11-02")
    strip = picture.region(x0, chart.top - 24, x1, chart.top - 2)
    assert sum(distance(p, WHITE) > 100 for p in strip) > 10  # its P badge
    assert all(p == WHITE for p in picture.region(x0, chart.top + 1, x1, chart.bottom - 1))
