"""The annual report's charts as PNG pictures (matplotlib's Agg renderer, no display), lettered in Debian's
Noto Sans CJK SC (fonts-noto-cjk) or WenQuanYi. A figure is made with ``Figure`` rather than pyplot, so no
global state is shared between requests; the same figures give the same bytes (no date in the PNG)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from reports.queries import TARGETS

from .figures import TARGET_LABELS, percent

FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "sans-serif"]
STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 10,
    "axes.unicode_minus": False,
    "svg.hashsalt": "banli",
}
COLOURS = {"reply_rate": "#0b5cad", "meeting_rate": "#2e8b57", "satisfaction_rate": "#c2410c"}
CLASS_COLOURS = {"A": "#2e8b57", "B": "#0b5cad", "C": "#a16207"}
DPI = 200


if TYPE_CHECKING:
    from matplotlib.figure import Figure


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    """A new figure (inches) in the charts' style. matplotlib (and numpy) load only when a chart is drawn,
    not with every process that imports the pages."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(STYLE):  # type: ignore[arg-type]
        yield Figure(figsize=(width, height))


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    # a tight box: the labels a ring or a long unit name puts outside the axes stay in the picture
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.08)
    return out.getvalue()


def rates_by_unit(units: list[dict[str, Any]]) -> bytes:
    """Horizontal bars: each unit's 办复率, 见面率 and 满意率 (percent), with the targets as dashed lines."""
    keys = list(TARGETS)
    names = [u["name"] for u in units][::-1]  # the table's first unit on top
    with _figure(6.2, 1.2 + 0.55 * max(len(names), 1)) as fig:
        ax = fig.add_subplot()
        bar = 0.8 / len(keys)
        for i, key in enumerate(keys):
            values = [(u[key] or 0) * 100 for u in units][::-1]
            positions = [n + (len(keys) - 1 - i - (len(keys) - 1) / 2) * bar for n in range(len(names))]
            ax.barh(positions, values, height=bar, color=COLOURS[key], label=TARGET_LABELS[key])
            for y, u in zip(positions, units[::-1], strict=True):
                # each bar's figure at its end, so that 0% shows as 0% and "nothing to count" as —
                value = u[key]
                ax.text((value or 0) * 100 + 1, y, percent(value), va="center", fontsize=7, color="#333333")
        for key in keys:
            if TARGETS[key] < 1:
                ax.axvline(TARGETS[key] * 100, color=COLOURS[key], linestyle="--", linewidth=0.8)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlim(0, 112)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_xlabel("%")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(keys), frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return _png(fig)


def class_shares(shares: list[tuple[str, int, float | None]]) -> bytes:
    """A ring of the replies by class (A 已解决或基本解决, B 列入计划, C 留作参考), each share written on it."""
    labels = {"A": "A类", "B": "B类", "C": "C类"}
    shown = [(c, n, share) for c, n, share in shares if n]
    with _figure(4.2, 3.0) as fig:
        ax = fig.add_subplot()
        if shown:
            ax.pie(
                [n for _, n, _ in shown],
                labels=[f"{labels[c]} {n}件（{percent(share)}）" for c, n, share in shown],
                colors=[CLASS_COLOURS[c] for c, _, _ in shown],
                startangle=90,
                counterclock=False,
                wedgeprops={"width": 0.42, "edgecolor": "white"},
            )
        else:
            ax.text(0.5, 0.5, "尚无答复", ha="center", va="center", transform=ax.transAxes)
        ax.set_aspect("equal")
        ax.axis("off")
        fig.tight_layout()
        return _png(fig)
