"""ECharts options built in the view and drawn by app.js (``data-chart``); a table beside each says the same."""

from __future__ import annotations

from typing import Any


def stacked_bar(names: list[str], series: list[tuple[str, str, list[int]]], *, stack: bool = True) -> dict[str, Any]:
    """Horizontal bars, one row per unit; ``series`` is (label, colour, one value per name)."""
    bars = []
    for label, colour, data in series:
        bar: dict[str, Any] = {
            "name": label,
            "type": "bar",
            "data": data,
            "barMaxWidth": 24,
            "itemStyle": {"color": colour},
        }
        if stack:
            bar["stack"] = "total"
        bars.append(bar)
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"width": 150, "overflow": "truncate"},
        },
        "series": bars,
    }


def chart_height(rows: int, per_row: int = 26) -> int:
    """Pixels for a bar chart of ``rows`` bars (room for the legend and axis; never too small to read)."""
    return max(200, 60 + per_row * rows)


def line_chart(categories: list[str], series: list[tuple[str, str, list[int]]]) -> dict[str, Any]:
    """Lines over ``categories`` (months); ``series`` is (label, colour, one value per category)."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": categories, "boundaryGap": False},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": label, "type": "line", "data": data, "itemStyle": {"color": colour}, "symbolSize": 6}
            for label, colour, data in series
        ],
    }


def pie_chart(items: list[tuple[str, str, int]]) -> dict[str, Any]:
    """Shares of a whole; ``items`` is (label, colour, value). Labels carry the value and the percentage."""
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}（{d}%）"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "label": {"formatter": "{b}\n{c}（{d}%）"},
                "data": [
                    {"name": label, "value": value, "itemStyle": {"color": colour}} for label, colour, value in items
                ],
            }
        ],
    }
