"""Chart geometry for server-rendered SVG: numbers in, coordinates out, no HTML.

``templates/analytics/_chart.html`` draws the result with ordinary template escaping, so the page
needs no JavaScript, no chart library and no CDN, and prints and scales cleanly.
"""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
MAX_X_LABELS = 8
TICKS = 5


@dataclass
class Series:
    name: str
    values: list[float | None]
    css: str  # the class that colours it (wendao.css: .series-1 ...)


@dataclass
class Chart:
    title: str
    kind: str  # "bars" or "lines"
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    legend: list[Series] = field(default_factory=list)
    empty: bool = False
    plot: dict = field(default_factory=dict)


def _nice_max(value: float) -> float:
    """A round upper bound for the y axis (1, 2, 5 x 10^n) at or above ``value``."""
    if value <= 1e-9:  # nothing to show, or too small to draw: a plain 0..1 axis
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _format(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _frame(chart: Chart, labels: list[str], y_max: float, percent: bool) -> tuple[float, float]:
    plot_w = chart.width - LEFT - RIGHT
    plot_h = chart.height - TOP - BOTTOM
    chart.plot = {"x": LEFT, "y": TOP, "w": plot_w, "h": plot_h, "bottom": TOP + plot_h, "right": LEFT + plot_w}
    # Five intervals: a 1, 2, 5 or 10 x 10^n maximum then gives round ticks (0.2, 0.4, 1, 2 x 10^n).
    for n in range(TICKS + 1):
        value = y_max * n / TICKS
        chart.y_ticks.append({"y": TOP + plot_h - plot_h * n / TICKS, "label": _format(value, percent)})
    step = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    slot = plot_w / max(1, len(labels))
    for index in range(0, len(labels), step):
        chart.x_labels.append({"x": LEFT + slot * (index + 0.5), "label": labels[index]})
    return plot_w, plot_h


def bar_chart(title: str, labels: list[str], series: list[Series], *, percent: bool = False) -> Chart:
    """Stacked bars, one stack per label."""
    chart = Chart(title=title, kind="bars", legend=series)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    chart.empty = not any(totals)
    y_max = 1.0 if percent else _nice_max(max(totals, default=0))
    plot_w, plot_h = _frame(chart, labels, y_max, percent)
    slot = plot_w / max(1, len(labels))
    bar_w = max(2.0, slot * 0.7)
    for index, label in enumerate(labels):
        base = TOP + plot_h
        for s in series:
            value = s.values[index] or 0
            if not value:
                continue
            height = plot_h * value / y_max
            base -= height
            chart.bars.append(
                {
                    "x": round(LEFT + slot * index + (slot - bar_w) / 2, 1),
                    "y": round(base, 1),
                    "w": round(bar_w, 1),
                    "h": round(height, 1),
                    "css": s.css,
                    "title": f"{label} · {s.name}: {_format(value, percent)}",
                }
            )
    return chart


def line_chart(title: str, labels: list[str], series: list[Series], *, percent: bool = False) -> Chart:
    """One line per series; a missing value (None) breaks the line rather than faking a zero."""
    chart = Chart(title=title, kind="lines", legend=series)
    values = [v for s in series for v in s.values if v is not None]
    chart.empty = not values
    y_max = 1.0 if percent else _nice_max(max(values, default=0))
    plot_w, plot_h = _frame(chart, labels, y_max, percent)
    slot = plot_w / max(1, len(labels))
    for s in series:
        segments, current, points = [], [], []
        for index, value in enumerate(s.values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            x = round(LEFT + slot * (index + 0.5), 1)
            y = round(TOP + plot_h - plot_h * min(value, y_max) / y_max, 1)
            current.append(f"{x},{y}")
            points.append({"x": x, "y": y, "title": f"{labels[index]} · {s.name}: {_format(value, percent)}"})
        if current:
            segments.append(current)
        chart.lines.append({"css": s.css, "segments": [" ".join(seg) for seg in segments], "points": points})
    return chart
