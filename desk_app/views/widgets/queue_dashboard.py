"""A small dashboard of the work queue, drawn with QPainter (QtCharts is not shipped).

Three charts: arrivals and completions per day (paired columns), the age of open work (bars,
the buckets past the SLA in red) and arrivals per channel. Figures come as a
:class:`~desk_app.services.queue.dto.QueueStats` computed off the GUI thread.
"""

from __future__ import annotations

from typing import Any

from desk_app.qt import QColor, QFont, QGridLayout, QLabel, QPainter, QRectF, Qt, QWidget
from desk_app.services.queue.dto import QueueStats

ARRIVALS = QColor(46, 110, 182)
COMPLETIONS = QColor(67, 160, 71)
LATE = QColor(198, 40, 40)
NEUTRAL = QColor(120, 120, 120)


class BarChart(QWidget):
    """Bars (or pairs of bars) with labels under them and values on top."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.labels: list[str] = []
        self.series: list[tuple[str, QColor, list[int]]] = []
        self.bar_colours: list[QColor] | None = None
        self.setMinimumSize(150, 130)  # two side by side fit beside the queue at 1280 px
        self.setAccessibleName(title)

    def set_data(
        self,
        labels: list[str],
        series: list[tuple[str, QColor, list[int]]],
        bar_colours: list[QColor] | None = None,
    ) -> None:
        self.labels, self.series, self.bar_colours = labels, series, bar_colours
        total = ", ".join(f"{name} {sum(values)}" for name, _c, values in series)
        self.setAccessibleDescription(f"{self.title}: {total}")
        self.update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        fm = self.fontMetrics()
        title_font = QFont(self.font())
        title_font.setBold(True)
        p.setFont(title_font)
        p.setPen(self.palette().text().color())
        p.drawText(6, fm.ascent() + 4, self.title)
        p.setFont(self.font())
        top, bottom = fm.height() * 2 + 8, self.height() - fm.height() - 6
        self._legend(p, fm)
        if not self.labels or not self.series:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No data yet")
            p.end()
            return
        peak = max(max(values) for _n, _c, values in self.series) or 1
        slot = (self.width() - 12) / len(self.labels)
        bar_w = max(slot * 0.8 / len(self.series), 2)
        every = max(1, int(len(self.labels) / max(self.width() / 42, 1)))
        for i, label in enumerate(self.labels):
            x0 = 6 + i * slot + slot * 0.1
            for k, (_name, colour, values) in enumerate(self.series):
                h = (bottom - top) * values[i] / peak
                rect = QRectF(x0 + k * bar_w, bottom - h, bar_w - 1, h)
                fill = self.bar_colours[i] if self.bar_colours and len(self.series) == 1 else colour
                p.fillRect(rect, fill)
                if values[i] and bar_w > fm.horizontalAdvance("000"):
                    p.drawText(
                        QRectF(rect.x(), rect.y() - fm.height(), bar_w, fm.height()),
                        Qt.AlignmentFlag.AlignCenter,
                        str(values[i]),
                    )
            if i % every == 0:
                p.drawText(
                    QRectF(6 + i * slot, bottom + 2, slot * every, fm.height()),
                    Qt.AlignmentFlag.AlignLeft,
                    label,
                )
        p.setPen(NEUTRAL)
        p.drawLine(6, int(bottom), self.width() - 6, int(bottom))
        p.end()

    def _legend(self, p: QPainter, fm: Any) -> None:
        if len(self.series) < 2:
            return
        x = self.width() - 6
        for name, colour, _values in reversed(self.series):
            x -= fm.horizontalAdvance(name) + 22
            p.fillRect(QRectF(x, fm.height() + 6, 10, 10), colour)
            p.drawText(int(x + 14), fm.height() + 6 + fm.ascent() - 2, name)


class QueueDashboard(QWidget):
    """The three charts and a line of totals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queue-dashboard")
        self.per_day = BarChart("Arrivals and completions per day", self)
        self.aging = BarChart("Age of open work", self)
        self.channels = BarChart("Arrivals per channel", self)
        self.totals = QLabel("", self)
        self.totals.setAccessibleName("Queue totals")
        grid = QGridLayout(self)
        grid.addWidget(self.totals, 0, 0, 1, 2)
        grid.addWidget(self.per_day, 1, 0, 1, 2)
        grid.addWidget(self.aging, 2, 0)
        grid.addWidget(self.channels, 2, 1)
        self.stats: QueueStats | None = None

    def set_stats(self, stats: QueueStats, sla_days: int) -> None:
        self.stats = stats
        self.totals.setText(
            f"{stats.open_total:,} open, {stats.overdue:,} past the SLA of "
            f"{sla_days} business day{'s' if sla_days != 1 else ''}"
        )
        days = [d.day.strftime("%m/%d") for d in stats.days]
        self.per_day.set_data(
            days,
            [
                ("Arrivals", ARRIVALS, [d.arrivals for d in stats.days]),
                ("Completions", COMPLETIONS, [d.completions for d in stats.days]),
            ],
        )
        names = [name for name, _n in stats.aging]
        late = [LATE if _past_sla(name, sla_days) else ARRIVALS for name in names]
        self.aging.set_data(names, [("Open", ARRIVALS, [n for _name, n in stats.aging])], late)
        self.channels.set_data(
            [c for c, _n in stats.channels],
            [("Arrivals", ARRIVALS, [n for _c, n in stats.channels])],
        )


def _past_sla(bucket: str, sla_days: int) -> bool:
    """Aging buckets are titled "2-5 days", "over 10 days"...: past the SLA if they start at it."""
    digits = [int(t) for t in bucket.replace("-", " ").split() if t.isdigit()]
    return bool(digits) and digits[0] >= sla_days
