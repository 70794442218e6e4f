"""Monitor reports: per outlet and month, how many articles carry a note and which laws they name.

Input is the output of ``pressctx tag``: one record per article with its labels and
spans (``censorship_law`` spans list the registry laws they name), and an outlet and
a date, either as fields of the record (``pressctx tag --keep-fields outlet,date``)
or from the page's metadata when the input was HTML (site name, else the address's
host; publication date).
"""
from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import DataError

__all__ = ["OutletMonth", "MonitorReport", "monitor_report", "write_monitor_report"]


@dataclass
class OutletMonth:
    """The figures of one outlet in one month.

    Attributes:
        outlet: the outlet.
        month: ``YYYY-MM``.
        articles: tagged articles.
        with_disclaimer: articles carrying a ``disclaimer`` (a note of the outlet's own).
        with_law: articles with a ``censorship_law`` mention.
        laws: ``{(law_id, law_name): articles naming it}``.
    """

    outlet: str
    month: str
    articles: int = 0
    with_disclaimer: int = 0
    with_law: int = 0
    laws: Counter = field(default_factory=Counter)

    @property
    def disclaimer_share(self) -> float:
        """Share of articles with a disclaimer."""
        return self.with_disclaimer / self.articles if self.articles else 0.0

    @property
    def law_share(self) -> float:
        """Share of articles with a law mention."""
        return self.with_law / self.articles if self.articles else 0.0

    def top_laws(self, n: int = 3) -> list[tuple[str, str, int]]:
        """The ``n`` laws named in most articles: ``(law_id, law_name, articles)``."""
        return [(i, name, c) for (i, name), c in sorted(self.laws.items(), key=lambda kv: (-kv[1], kv[0][0]))[:n]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "outlet": self.outlet,
            "month": self.month,
            "articles": self.articles,
            "with_disclaimer": self.with_disclaimer,
            "disclaimer_share": round(self.disclaimer_share, 4),
            "with_law": self.with_law,
            "law_share": round(self.law_share, 4),
            "laws": [{"id": i, "name": name, "articles": c} for i, name, c in self.top_laws(n=len(self.laws))],
        }


@dataclass
class MonitorReport:
    """Per-outlet, per-month figures.

    Attributes:
        rows: one :class:`OutletMonth` per outlet and month, sorted by outlet then month.
        skipped: ``{reason: records}`` for records left out (failed, no outlet, no date).
    """

    rows: list[OutletMonth]
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def outlets(self) -> list[str]:
        """The outlets, sorted."""
        return sorted({r.outlet for r in self.rows})

    @property
    def months(self) -> list[str]:
        """Every month with at least one article, sorted."""
        return sorted({r.month for r in self.rows})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"rows": [r.to_dict() for r in self.rows], "skipped": dict(self.skipped)}

    def to_markdown(self, top: int = 3) -> str:
        """A Markdown table per outlet, one row per month."""
        out = ["# Press-freedom notes by outlet and month", ""]
        for outlet in self.outlets:
            out += [f"## {outlet}", "", "| month | articles | with disclaimer | with law mention | laws named most |",
                    "| --- | ---: | ---: | ---: | --- |"]
            for r in (r for r in self.rows if r.outlet == outlet):
                laws = "; ".join(f"{name} (`{i}`, {c})" for i, name, c in r.top_laws(top)) or "-"
                out.append(
                    f"| {r.month} | {r.articles} | {r.with_disclaimer} ({r.disclaimer_share:.0%}) | "
                    f"{r.with_law} ({r.law_share:.0%}) | {laws} |"
                )
            out.append("")
        if self.skipped:
            out.append("Records left out: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.skipped.items())) + ".")
            out.append("")
        return "\n".join(out)


def _month(value: Any) -> str | None:
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m")
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m")
    except ValueError:
        pass
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return text  # already YYYY-MM
    return None


def _outlet_and_date(rec: Mapping[str, Any], outlet_field: str, date_field: str) -> tuple[str | None, Any]:
    meta = rec.get("metadata") or {}
    outlet = rec.get(outlet_field) or meta.get("sitename")
    if not outlet and meta.get("url"):
        outlet = urlparse(meta["url"]).netloc.removeprefix("www.") or None
    return (str(outlet) if outlet else None), rec.get(date_field) or meta.get("date")


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    if not path.is_file():
        raise DataError(f"no such tags file: {path}")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}, line {lineno}: invalid JSON ({exc.msg}); expected the output of `pressctx tag`") from exc


def monitor_report(
    records: Iterable[Mapping[str, Any]] | str | Path, outlet_field: str = "outlet", date_field: str = "date"
) -> MonitorReport:
    """Count notes and law mentions per outlet and month.

    Args:
        records: ``pressctx tag`` output records, or the path of a JSONL file of them.
        outlet_field: the records' outlet field (fallback: the page's site name, then its host).
        date_field: the records' date field, ISO 8601 (fallback: the page's date).

    Returns:
        A :class:`MonitorReport`. Failed records and records without an outlet or a
        readable date are counted in ``skipped``, not raised.

    Raises:
        DataError: if the file is missing or not JSONL, or no record has an outlet and a date.

    Example:
        >>> report = monitor_report("tags.jsonl")  # doctest: +SKIP
        >>> [(r.outlet, r.month, r.disclaimer_share) for r in report.rows]  # doctest: +SKIP
    """
    if isinstance(records, (str, Path)):
        records = _read_jsonl(Path(records))
    cells: dict[tuple[str, str], OutletMonth] = {}
    skipped: Counter = Counter()
    for rec in records:
        if not isinstance(rec, Mapping):
            skipped["not an object"] += 1
            continue
        if rec.get("error"):
            skipped["failed in tagging"] += 1
            continue
        outlet, when = _outlet_and_date(rec, outlet_field, date_field)
        month = _month(when)
        if outlet is None:
            skipped["no outlet"] += 1
            continue
        if month is None:
            skipped["no readable date"] += 1
            continue
        cell = cells.setdefault((outlet, month), OutletMonth(outlet, month))
        labels = set(rec.get("labels") or [])
        cell.articles += 1
        cell.with_disclaimer += "disclaimer" in labels
        cell.with_law += "censorship_law" in labels
        named = {
            (law["law_id"], law.get("law_name", law["law_id"]))
            for span in rec.get("spans") or []
            if span.get("label") == "censorship_law"
            for law in span.get("laws") or []
        }
        cell.laws.update(named)
    if not cells:
        raise DataError(
            "no record has both an outlet and a date "
            f"(left out: {dict(skipped)}); tag with `--keep-fields {outlet_field},{date_field}` or from HTML pages"
        )
    return MonitorReport(sorted(cells.values(), key=lambda r: (r.outlet, r.month)), dict(skipped))


def _share_chart(report: MonitorReport, attr: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    months = report.months
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(months) + 3), 4.2), layout="constrained")
    for outlet in report.outlets:
        rows = {r.month: r for r in report.rows if r.outlet == outlet}
        xs = [i for i, m in enumerate(months) if m in rows]
        ys = [100 * getattr(rows[months[i]], attr) for i in xs]
        ax.plot(xs, ys, marker="o", label=outlet)
    ax.set_xticks(range(len(months)), months, rotation=45 if len(months) > 6 else 0, ha="right" if len(months) > 6 else "center")
    ax.set_ylim(-3, 103)
    ax.set_xlabel("month")
    ax.set_ylabel("share of articles (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(title="outlet", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_monitor_report(report: MonitorReport, out_dir: str | Path, top: int = 3) -> dict[str, Path]:
    """Write the report's tables and charts into a folder.

    Files: ``report.md`` (a table per outlet), ``report.csv`` (one row per outlet and
    month), ``laws.csv`` (articles naming each law, per outlet and month),
    ``disclaimer_share.png`` and ``law_share.png`` (shares over time, a line per outlet).

    Args:
        report: from :func:`monitor_report`.
        out_dir: the folder (created if missing).
        top: laws listed per month in the Markdown and ``report.csv``.

    Returns:
        ``{name: path}`` of the files written.

    Example:
        >>> write_monitor_report(monitor_report("tags.jsonl"), "report/")  # doctest: +SKIP
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": out / "report.md",
        "csv": out / "report.csv",
        "laws_csv": out / "laws.csv",
        "disclaimer_chart": out / "disclaimer_share.png",
        "law_chart": out / "law_share.png",
    }
    paths["markdown"].write_text(report.to_markdown(top), encoding="utf-8")
    with paths["csv"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["outlet", "month", "articles", "with_disclaimer", "disclaimer_share", "with_law", "law_share",
                    "top_law_ids", "top_law_names"])
        for r in report.rows:
            top_laws = r.top_laws(top)
            w.writerow([r.outlet, r.month, r.articles, r.with_disclaimer, f"{r.disclaimer_share:.4f}", r.with_law,
                        f"{r.law_share:.4f}", ";".join(i for i, _, _ in top_laws), ";".join(n for _, n, _ in top_laws)])
    with paths["laws_csv"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["outlet", "month", "law_id", "law_name", "articles"])
        for r in report.rows:
            for i, name, c in r.top_laws(len(r.laws)):
                w.writerow([r.outlet, r.month, i, name, c])
    _share_chart(report, "disclaimer_share", "Articles carrying the outlet's press note (disclaimer)", paths["disclaimer_chart"])
    _share_chart(report, "law_share", "Articles naming a censorship law", paths["law_chart"])
    return paths
