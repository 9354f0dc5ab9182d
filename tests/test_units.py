from __future__ import annotations

import pytest

from perfgate.units import UnitError, format_value, parse_quantity


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("1.5us", 1.5e-6, "s"),
        ("1.5µs", 1.5e-6, "s"),
        ("200ms", 0.2, "s"),
        ("2s", 2.0, "s"),
        ("2 s", 2.0, "s"),
        ("1min", 60.0, "s"),
        ("500MB", 5e8, "B"),
        ("500mb", 5e8, "B"),
        ("1GiB", 2.0**30, "B"),
        ("10%", 0.1, "%"),
        ("0.25", 0.25, ""),
        (3, 3.0, ""),
    ],
)
def test_parse(text: str | float, value: float, unit: str) -> None:
    parsed, parsed_unit = parse_quantity(text)
    assert parsed == pytest.approx(value)
    assert parsed_unit == unit


@pytest.mark.parametrize("text", ["fast", "2 parsecs", "nan", "inf", "", "1e999ms", True])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(UnitError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.0123, "s", "12.3 ms"),
        (2.5, "s", "2.50 s"),
        (4.2e-7, "s", "420 ns"),
        (1.5e-6, "s", "1.50 us"),
        (24_682_496, "B", "24.7 MB"),
        (812, "B", "812 B"),
        (42, "widgets", "42.0 widgets"),
        (0.0, "s", "0 ns"),
    ],
)
def test_format(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text
