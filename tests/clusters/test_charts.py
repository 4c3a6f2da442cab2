"""The server-side SVG charts: accessible, escaped, well-formed, and drawn to scale."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from clusters import charts, number_format
from clusters.charts import Series, bar_chart, column_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    """Well-formed XML, or the test fails here."""
    return ET.fromstring(str(markup))


def bars(markup: str) -> list[ET.Element]:
    return parse(markup).findall(f".//{SVG}g[@class='bar']/{SVG}rect")


def columns(markup: str) -> list[ET.Element]:
    return parse(markup).findall(f".//{SVG}g/{SVG}rect[@data-value]")


# --- ticks and numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (None, [0, 1]),
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (100, [0, 20, 40, 60, 80, 100]),
        (101, [0, 25, 50, 75, 100, 125]),
        (10250, [0, 2500, 5000, 7500, 10000, 12500]),
        (17000, [0, 5000, 10000, 15000, 20000]),
    ],
)
def test_nice_ticks_for_counts(maximum, expected):
    assert nice_ticks(maximum) == expected


def test_nice_ticks_for_fractions_and_huge_values():
    assert nice_ticks(0.6, integer=False) == [0, 0.2, 0.4, 0.6]
    assert nice_ticks(2.4, integer=False) == [0, 0.5, 1, 1.5, 2, 2.5]
    huge = nice_ticks(4.3e15)
    assert huge[0] == 0 and huge[-1] >= 4.3e15 and len(huge) <= 6
    steps = {b - a for a, b in itertools.pairwise(huge)}
    assert steps == {1e15}
    assert nice_ticks(Decimal("4300000.00")) == [0, 1e6, 2e6, 3e6, 4e6, 5e6]


@pytest.mark.parametrize("maximum", [1, 9, 11, 55, 999, 12345, 7_654_321, 10**12])
def test_ticks_always_cover_the_maximum_with_few_even_steps(maximum):
    ticks = nice_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert 2 <= len(ticks) <= 11
    assert len({b - a for a, b in itertools.pairwise(ticks)}) == 1
    assert all(t == int(t) for t in ticks)


def test_number_formats():
    assert number_format.format_number(10250) == "10,250"
    assert number_format.format_number(Decimal("4300000.00")) == "4,300,000"
    assert number_format.format_number(2.5) == "2.50"
    assert number_format.format_number(None) == "\u2013"
    assert number_format.format_euro(Decimal("5790000.00")) == "€5,790,000"
    assert number_format.format_euro_short(Decimal("4300000.00")) == "€4.30 M"
    assert number_format.format_euro_short(Decimal("12560000")) == "€12.56 M"
    assert number_format.format_euro_short(Decimal("999999")) == "€999,999"
    assert number_format.format_compact(2500) == "2.5k"
    assert number_format.format_compact(4_300_000) == "4.3M"
    assert number_format.format_compact(10**12) == "1T"
    assert number_format.format_compact(0) == "0"


# --- bar chart ---------------------------------------------------------------------------


def test_bar_chart_is_accessible_and_states_every_value():
    svg = bar_chart([("Clusters Go International", 38), ("INNOSUP-1", 13)], title="By programme")
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "By programme"
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert "Clusters Go International 38" in desc.text and "INNOSUP-1 13" in desc.text


def test_bar_chart_escapes_every_label():
    evil = "<script>alert(\"x\")</script> & 'co'"
    svg = str(bar_chart([(evil, 5)], title=f"Title {evil}", description=evil))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg and "&quot;" in svg
    root = parse(svg)  # still well-formed
    assert root.find(f"{SVG}title").text == f"Title {evil}"
    assert evil in root.find(f".//{SVG}g[@class='bar']/{SVG}title").text


def test_bar_lengths_are_proportional_to_the_values():
    rows = [("a", 10), ("b", 5), ("c", 2.5), ("d", 0)]
    svg = bar_chart(rows, title="t")
    widths = [float(rect.get("width")) for rect in bars(svg)]
    # Coordinates are rounded to 0.1: a doubled length may be off by twice that.
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2)
    assert widths[1] == pytest.approx(2 * widths[2], abs=0.2)
    assert widths[3] == 0
    layout = charts.bar_layout(rows)
    assert widths[0] == pytest.approx(layout.plot_width * 10 / layout.ticks[-1], abs=0.1)
    # Values are written, zero included.
    texts = [t.text for t in parse(svg).findall(f".//{SVG}g[@class='bar']/{SVG}text")]
    assert "0" in texts and "10" in texts


def test_one_value_and_huge_values():
    one = bars(bar_chart([("only", 7)], title="t"))
    assert len(one) == 1 and float(one[0].get("width")) > 0
    huge = bar_chart([("big", 4.3e15), ("small", 1)], title="t")
    widths = [float(r.get("width")) for r in bars(huge)]
    assert widths[0] > 300 and widths[1] < 0.1
    assert "4,300,000,000,000,000" in str(huge)
    assert ">5000T</text>" in str(huge)  # the last tick, written short


def test_all_zero_values_still_draw_an_axis():
    svg = bar_chart([("a", 0), ("b", 0)], title="t")
    assert [r.get("width") for r in bars(svg)] == ["0", "0"]
    assert parse(svg).find(f".//{SVG}g[@class='axis']") is not None


def test_negative_and_missing_values_draw_nothing():
    widths = [
        r.get("width") for r in bars(bar_chart([("a", -5), ("b", None), ("c", 3)], title="t"))
    ]
    assert widths[:2] == ["0", "0"] and float(widths[2]) > 0


def test_empty_data_gives_a_no_data_chart():
    svg = bar_chart([], title="Nothing", empty_message="No partnerships match.")
    root = parse(svg)
    assert root.get("role") == "img"
    assert "No partnerships match." in root.find(f"{SVG}desc").text
    assert not bars(svg)


def test_budget_formatter_is_used_for_values_and_description():
    svg = str(
        bar_chart([("2014", Decimal("4300000.00"))], title="t", fmt=number_format.format_euro)
    )
    assert "€4,300,000" in svg


def test_long_labels_are_shortened_on_screen_but_complete_in_titles():
    label = "COSME Clusters Go International: Clusters Go International 2014 (2014) extra"
    svg = bar_chart([(label, 1)], title="t")
    group = parse(svg).find(f".//{SVG}g[@class='bar']")
    assert group.find(f"{SVG}title").text.startswith(label)
    assert group.find(f"{SVG}text").text.endswith("…")


def test_labels_that_fit_are_not_shortened():
    svg = bar_chart([("ESCP-4i (going international)", 1), ("Other", 2)], title="t")
    texts = [t.text for t in parse(svg).findall(f".//{SVG}g[@class='bar']/{SVG}text")]
    assert "ESCP-4i (going international)" in texts


def test_chart_ids_are_stable_and_distinct():
    a = bar_chart([("a", 1)], title="t")
    assert a == bar_chart([("a", 1)], title="t")
    b = bar_chart([("a", 2)], title="t")
    assert parse(a).get("aria-labelledby") != parse(b).get("aria-labelledby")
    named = parse(bar_chart([("a", 1)], title="t", chart_id="chart programme<>"))
    assert named.get("aria-labelledby") == "chart-programme-title chart-programme-desc"


# --- column chart --------------------------------------------------------------------------


def test_column_heights_are_proportional_and_provisional_periods_are_marked():
    svg = column_chart(
        ["2024 H1", "2024 H2", "2025 H1"],
        [Series("SMEs reached", [100, 50, 25]), Series("SMEs supported", [40, None, 0])],
        title="SMEs",
        notes=["", "submitted", "draft"],
        provisional=[False, True, True],
    )
    root = parse(svg)
    rects = columns(svg)
    heights = [float(r.get("height")) for r in rects]
    # Order: period by period, series by series.
    assert heights[0] == pytest.approx(2 * heights[2], abs=0.2)
    assert heights[2] == pytest.approx(2 * heights[4], abs=0.2)
    assert heights[3] == 0 and rects[3].get("data-value") == "" and heights[5] == 0
    assert rects[0].get("stroke-dasharray") is None
    assert rects[2].get("stroke-dasharray") and rects[4].get("fill-opacity") == "0.35"
    text = "".join(root.itertext())
    assert "submitted" in text and "draft" in text and "not approved yet" in text
    assert "SMEs reached" in text and "SMEs supported" in text  # legend
    desc = root.find(f"{SVG}desc").text
    assert "2024 H2 (submitted): SMEs reached 50, SMEs supported \u2013" in desc


def test_single_series_columns_are_labelled_with_values():
    svg = column_chart(["2014", "2015", "2016"], [Series("Partnerships", [15, 0, 23])], title="t")
    texts = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert "15" in texts and "23" in texts
    assert parse(svg).find(f".//{SVG}g[@class='legend']") is None


def test_column_chart_escapes_and_handles_empty_input():
    svg = str(column_chart(["<b>"], [Series("<i>", [1])], title="<t>", notes=["<n>"]))
    assert "<b>" not in svg and "<i>" not in svg and "<n>" not in svg
    parse(svg)
    empty = column_chart([], [Series("x", [])], title="Impact", empty_message="No reports yet.")
    assert "No reports yet." in str(empty) and not columns(empty)


def test_column_chart_refuses_series_of_the_wrong_length():
    with pytest.raises(ValueError, match="2 values for 3 periods"):
        column_chart(["a", "b", "c"], [Series("x", [1, 2])], title="t")


def test_many_series_wrap_the_legend_inside_the_chart():
    names = [f"A rather long measure name {i}" for i in range(6)]
    svg = column_chart(["p"], [Series(n, [i]) for i, n in enumerate(names)], title="t")
    root = parse(svg)
    width = float(root.get("viewBox").split()[2])
    legend_x = [float(r.get("x")) for r in root.findall(f".//{SVG}g[@class='legend']/{SVG}rect")]
    assert max(legend_x) < width
    assert len({r.get("y") for r in root.findall(f".//{SVG}g[@class='legend']/{SVG}rect")}) > 1


def test_coordinates_use_a_dot_whatever_the_numbers():
    svg = str(bar_chart([("a", 1 / 3), ("b", 2 / 3)], title="t"))
    assert not re.search(r'(?:width|x|y)="\d+,\d', svg)
