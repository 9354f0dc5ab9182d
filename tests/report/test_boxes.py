"""The plain box table of `history show`: columns as wide as their widest cell, in terminal
columns (wide characters take two), right-aligned where asked."""

from __future__ import annotations

from perfgate.report.boxes import box_table, width


def test_columns_fit_the_widest_cell_and_align() -> None:
    text = box_table("title", ["name", "value"], [["a", "1 ms"], ["bbbbbb", "10.5 ms"]], right={1})
    lines = text.splitlines()
    assert lines[0] == "title"
    assert lines[1] == "┏━━━━━━━━┳━━━━━━━━━┓"
    assert lines[2] == "┃ name   ┃   value ┃"
    assert lines[3] == "┡━━━━━━━━╇━━━━━━━━━┩"
    assert lines[4] == "│ a      │    1 ms │"
    assert lines[5] == "│ bbbbbb │ 10.5 ms │"
    assert lines[6] == "└────────┴─────────┘"
    assert text.endswith("\n")


def test_wide_and_combining_characters_keep_the_borders_straight() -> None:
    assert width("日本") == 4
    assert width("e\u0301") == 1  # e and a combining acute accent
    text = box_table("t", ["x"], [["日本"], ["e\u0301"], ["abcd"]])
    body = text.splitlines()[4:7]
    assert {width(line) for line in body} == {width(text.splitlines()[1])}


def test_an_empty_table_still_has_its_header() -> None:
    assert box_table("t", ["a", "b"], []).splitlines()[2] == "┃ a ┃ b ┃"
