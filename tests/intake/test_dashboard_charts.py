"""The dashboard's SVG charts on their own: every bar labelled with its value, text escaped, no styles."""

import re
from datetime import date, timedelta

from intake.dashboard_charts import Bar, bar_rows, day_bars


def widths(svg: str) -> list[float]:
    return [float(width) for width in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]


def test_it_draws_rows_in_proportion_with_each_value_printed():
    bars = [Bar("Booked", 4, "4"), Bar("No-shows", 1, "1", "cross"), Bar("None", 0, "0")]

    svg = bar_rows("c", "Steps", bars)

    assert widths(svg) == [240.0, 60.0, 0.0]
    assert re.findall(r'class="value">([^<]*)<', svg) == ["4", "1", "0"]
    assert 'fill="url(#c-cross)"' in svg and '<pattern id="c-cross"' in svg
    assert "style" not in svg and "<script" not in svg


def test_it_escapes_the_words_it_draws():
    svg = bar_rows("c", "<b>Title</b>", [Bar("<script>x</script>", 1, "<1 h")])

    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg and "&lt;1 h" in svg
    assert "&lt;b&gt;Title&lt;/b&gt;" in svg


def test_it_draws_a_bar_per_day_with_its_count_and_an_empty_chart_without_dividing_by_zero():
    first = date(2026, 3, 1)
    counts = {first + timedelta(days=n): n for n in range(7)}

    svg = day_bars("d", "Intakes per day", counts)
    empty = day_bars("e", "Stops per day", dict.fromkeys(counts, 0))

    assert svg.count("<rect x=") == 7 and "<title>07 Mar: 6</title>" in svg
    assert re.findall(r'text-anchor="middle">(\d+)</text>', svg) == ["1", "2", "3", "4", "5", "6"]
    assert empty.count('height="0.0"') == 7
