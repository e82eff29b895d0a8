"""The statistics report (`solibot stats`, `/stats`): tables from the search events and the directory,
small counts suppressed, CSV files and one self-contained HTML page with its charts (issue 14)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import hmac
import html
import io
import logging
import math
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.report_text import CHANNELS, COLUMNS, NEEDS, OTHER, SUPPRESSED, TEXT
from bot.settings import Settings
from db import PARIS, communes, taxonomy
from db.sql import (
    QualityIndex,
    StatCell,
    make_engine,
    migrate,
    open_reports,
    quality_index,
    read_cells,
    read_places,
)

log = logging.getLogger(__name__)

THRESHOLD = 5  # a count under this, for a commune and a month, is merged into "autres"


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # file name and key of its title in TEXT
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(slots=True)
class Report:
    departments: tuple[str, ...]
    start: str
    end: str
    generated: datetime
    tables: list[Table] = field(default_factory=list)
    cells: list[StatCell] = field(default_factory=list)
    quality: dict[str, QualityIndex] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def need_label(category: str) -> str:
    known = taxonomy().by_id.get(category)
    return known.label("fr") if known else category


def commune_label(insee: str) -> str:
    if insee == OTHER:
        return OTHER
    known = communes().get(insee)
    return f"{known.name} ({insee})" if known else (insee or "hors commune")


def hours_label(hour: int) -> str:
    return f"{hour:02d}h-{hour + 3:02d}h"


def suppress(
    rows: Iterable[tuple[tuple[object, ...], str, int]],
) -> list[tuple[tuple[object, ...], str, int | None]]:
    """(key, commune, count) where key holds the month among the other dimensions: a commune's count
    under THRESHOLD joins "autres" of the same key; an "autres" still under it shows as None ("< 5")."""
    merged: dict[tuple[tuple[object, ...], str], int] = defaultdict(int)
    for key, commune, count in rows:
        merged[(key, commune if count >= THRESHOLD else OTHER)] += count
    return [
        (key, commune, None if commune == OTHER and count < THRESHOLD else count)
        for (key, commune), count in sorted(
            merged.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] == OTHER, -kv[1])
        )
    ]


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _searches(cells: Iterable[StatCell]) -> list[StatCell]:
    return [c for c in cells if c.kind == "search"]


def build(engine: Engine, departments: Sequence[str], start: str, end: str, now: datetime) -> Report:
    """Every table of the report; the quality index reads the directory as it is now."""
    with engine.connect() as conn:
        cells = read_cells(conn, start, end, departments)
        places = read_places(conn, _with_neighbours(departments))
        reported: dict[int, int] = {}
        for (_, lieu_id), n in open_reports(conn, now).items():
            reported[lieu_id] = reported.get(lieu_id, 0) + n
    report = Report(tuple(departments), start, end, now, cells=cells)
    # A strong success: a result opened, or sent to a person by SMS, once per search.
    searches, details = _searches(cells), [c for c in cells if c.kind in ("details", "sent")]

    monthly: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in searches:
        monthly[(c.month, c.department)][0] += c.events
        monthly[(c.month, c.department)][2] += c.unmet
    for c in details:
        monthly[(c.month, c.department)][1] += c.events
    report.tables.append(
        Table(
            "monthly",
            ("month", "department", "searches", "successes", "success_rate", "unmet", "unmet_rate"),
            tuple(
                (m, d, s, ok, _rate(ok, s), u, _rate(u, s)) for (m, d), (s, ok, u) in sorted(monthly.items())
            ),
        )
    )

    by_need: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in searches:
        for need in c.categories.split(","):
            by_need[need][0] += c.events
            by_need[need][1] += c.unmet
            by_need[need][2] += c.nothing_found
    report.tables.append(
        Table(
            "categories",
            ("need", "searches", "unmet", "unmet_rate", "nothing"),
            tuple(
                (need_label(n), s, u, _rate(u, s), z)
                for n, (s, u, z) in sorted(by_need.items(), key=lambda kv: -kv[1][0])
            ),
        )
    )

    by_channel: dict[tuple[str, str], int] = defaultdict(int)
    for c in searches:
        by_channel[(CHANNELS.get(c.channel, c.channel), c.lang)] += c.events
    report.tables.append(
        Table(
            "channels",
            ("channel", "lang", "searches"),
            tuple((ch, lang, n) for (ch, lang), n in sorted(by_channel.items(), key=lambda kv: -kv[1])),
        )
    )

    # Unmet needs, published by commune and month: small counts merged before anything is summed.
    unmet_rows: dict[tuple[tuple[object, ...], str], int] = defaultdict(int)
    for c in searches:
        if c.unmet:
            for need in c.categories.split(","):
                unmet_rows[((c.month, c.department, need, c.hour), c.commune)] += c.unmet
    published = suppress((key, commune, n) for (key, commune), n in unmet_rows.items())
    report.tables.append(
        Table(
            "unmet",
            ("month", "department", "commune", "need", "hours", "unmet"),
            tuple(
                (
                    k[0],
                    k[1],
                    commune_label(commune),
                    need_label(str(k[2])),
                    hours_label(int(str(k[3]))),
                    _shown(n),
                )
                for k, commune, n in sorted(published, key=lambda r: (str(r[0][0]), -(r[2] or 0)))
            ),
        )
    )

    per_commune: dict[tuple[tuple[object, ...], str], int] = defaultdict(int)
    for c in searches:
        per_commune[((c.month, c.department), c.commune)] += c.events
    report.tables.append(
        Table(
            "communes",
            ("month", "department", "commune", "searches"),
            tuple(
                (k[0], k[1], commune_label(commune), _shown(n))
                for k, commune, n in suppress((key, commune, n) for (key, commune), n in per_commune.items())
            ),
        )
    )

    demand: dict[tuple[str, str], int] = defaultdict(int)
    for c in searches:
        for need in c.categories.split(","):
            demand[(c.commune, need)] += c.events
    tax = taxonomy()
    absent = []
    for department in departments:
        mine = {s.category for p in places if p.department == department for s in p.services}
        asked: dict[str, int] = defaultdict(int)
        for c in searches:
            if c.department == department:
                for need in c.categories.split(","):
                    asked[need] += c.events
        for need, n in sorted(asked.items(), key=lambda kv: -kv[1]):
            if not mine & tax.expand([need]):
                absent.append((department, need_label(need), n))
    report.tables.append(Table("absent", ("department", "need", "searches"), tuple(absent)))

    for department in departments:
        report.quality[department] = quality_index(places, department, now, demand, reported)
    report.tables.append(
        Table(
            "quality",
            ("department", "exhaustivite", "completude", "recence", "places", "services", "population")
            + ("di_score",),
            tuple(
                (d, q.department.exhaustivite, q.department.completude, q.department.recence,
                 q.department.places, q.department.services, q.department.population,
                 q.department.di_score)
                for d, q in report.quality.items()
            ),
        )
    )  # fmt: skip
    report.tables.append(
        Table(
            "quality_communes",
            ("department", "commune", "exhaustivite", "completude", "recence", "places", "population"),
            tuple(
                (d, commune_label(insee), s.exhaustivite, s.completude, s.recence, s.places, s.population)
                for d, q in report.quality.items()
                for insee, s in sorted(q.communes.items(), key=lambda kv: -kv[1].population)
            ),
        )
    )
    report.tables.append(
        Table(
            "priorities",
            ("department", "lieu_id", "name", "commune", "months_stale", "demand", "reports", "score"),
            tuple(
                (d, p.lieu_id, p.name, commune_label(p.commune),
                 "-" if p.months_stale is None else round(p.months_stale, 1), p.demand, p.reports, p.score)
                for d, q in report.quality.items()
                for p in q.priorities
            ),
        )
    )  # fmt: skip
    return report


def _shown(n: int | None) -> object:
    return SUPPRESSED if n is None else n


def _with_neighbours(departments: Sequence[str]) -> tuple[str, ...]:
    """Places across a department's border serve its communes too: the departments whose communes lie
    within reach of this one's."""
    towns = communes().values()
    mine = [c for c in towns if c.dept in departments]
    if not mine:
        return tuple(departments)
    south, north = min(c.lat for c in mine) - 0.15, max(c.lat for c in mine) + 0.15
    west, east = min(c.lon for c in mine) - 0.2, max(c.lon for c in mine) + 0.2
    return tuple(sorted({c.dept for c in towns if south <= c.lat <= north and west <= c.lon <= east}))


# Output: text, CSV, HTML


def text_table(table: Table) -> str:
    header = [COLUMNS[c] for c in table.columns]
    body = [[str(v) for v in row] for row in table.rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(header)]
    lines = [TEXT[table.name], "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in body] or [TEXT["none"]]
    return "\n".join(lines)


def write_csv(report: Report, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in report.tables:
        path = folder / f"{table.name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(COLUMNS[c] for c in table.columns)
            out.writerows(table.rows)
        written.append(path)
    return written


def _svg(figure: object) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[arg-type]
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def charts(report: Report) -> list[tuple[str, str]]:
    """(title, inline SVG): matplotlib without a display, so the page needs no script or network."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    out: list[tuple[str, str]] = []

    monthly = report.table("monthly").rows
    months = sorted({str(r[0]) for r in monthly})
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / max(len(report.departments), 1)
    for i, d in enumerate(report.departments):
        counts = {str(r[0]): int(str(r[2])) for r in monthly if r[1] == d}
        ax.bar(
            [m + i * width for m in range(len(months))], [counts.get(m, 0) for m in months], width, label=d
        )
    ax.set_xticks([m + width * (len(report.departments) - 1) / 2 for m in range(len(months))], months)
    ax.legend(title=COLUMNS["department"])
    ax.set_ylabel(COLUMNS["searches"])
    out.append((TEXT["chart_months"], _svg(fig)))

    needs = report.table("categories").rows[:12]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(needs) + 1))
    labels = [str(r[0]) for r in needs][::-1]
    ax.barh(labels, [int(str(r[1])) for r in needs][::-1], label=COLUMNS["searches"], color="#4c78a8")
    ax.barh(labels, [int(str(r[2])) for r in needs][::-1], label=COLUMNS["unmet"], color="#e45756")
    ax.legend()
    out.append((TEXT["chart_needs"], _svg(fig)))

    towns = communes()
    for d in report.departments:
        unmet: dict[str, int] = defaultdict(int)
        for c in _searches(report.cells):
            if c.department == d and c.unmet:
                unmet[c.commune] += c.unmet
        fig, ax = plt.subplots(figsize=(6, 6))
        mine = [t for t in towns.values() if t.dept == d]
        if mine:
            ax.scatter([t.lon for t in mine], [t.lat for t in mine], s=3, color="#bbbbbb")
            shown = [(towns[k], n) for k, n in unmet.items() if k in towns and n >= THRESHOLD]
            ax.scatter([t.lon for t, _ in shown], [t.lat for t, _ in shown], s=[8 * n**0.8 for _, n in shown],
                       color="#e45756", alpha=0.6, edgecolors="#8b1a1a")  # fmt: skip
            for t, n in sorted(shown, key=lambda x: -x[1])[:8]:
                ax.annotate(f"{t.name} ({n})", (t.lon, t.lat), fontsize=7)
            mid = sum(t.lat for t in mine) / len(mine)
            ax.set_aspect(1 / max(math.cos(math.radians(mid)), 0.1))
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        out.append((TEXT["chart_map"].format(department=d), _svg(fig)))

    fig, ax = plt.subplots(figsize=(6, 3))
    names = ("exhaustivite", "completude", "recence")
    for i, (d, q) in enumerate(report.quality.items()):
        values = [getattr(q.department, n) for n in names]
        ax.bar([k + i * 0.35 for k in range(3)], values, 0.35, label=d)
    ax.set_xticks([k + 0.35 * (len(report.quality) - 1) / 2 for k in range(3)], [COLUMNS[n] for n in names])
    ax.set_ylim(0, 5)
    ax.legend(title=COLUMNS["department"])
    out.append((TEXT["chart_quality"], _svg(fig)))
    return out


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 2em;font-size:.9em}"
    "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f2f2f2}"
    "figure{margin:1em 0 2em}figcaption{font-weight:bold;margin-bottom:.3em}"
    ".note{color:#555;font-size:.9em}details{margin-bottom:2em}"
)


def html_report(report: Report, *, with_charts: bool = True) -> str:
    e = html.escape
    parts = [
        f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>{e(TEXT['title'])}</title>"
        f"<style>{STYLE}</style></head><body><h1>{e(TEXT['title'])}</h1>",
        "<p>"
        + e(
            TEXT["period"].format(
                departments=", ".join(report.departments),
                start=report.start,
                end=report.end,
                generated=report.generated.strftime("%Y-%m-%d %H:%M"),
            )
        )
        + "</p>",
        f"<p class='note'>{e(TEXT['privacy'])}</p><p class='note'>{e(TEXT['success_note'])}</p>",
    ]
    for title, svg in charts(report) if with_charts else ():
        parts.append(f"<figure><figcaption>{e(title)}</figcaption>{svg}</figure>")
    long = {"communes", "unmet", "quality_communes"}
    for table in report.tables:
        head = "".join(f"<th>{e(COLUMNS[c])}</th>" for c in table.columns)
        body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in table.rows)
        block = f"<table><tr>{head}</tr>{body}</table>" if table.rows else f"<p>{e(TEXT['none'])}</p>"
        if table.name in long and len(table.rows) > 30:
            parts.append(
                f"<h2>{e(TEXT[table.name])}</h2><details><summary>{len(table.rows)}</summary>{block}</details>"
            )
        else:
            parts.append(f"<h2>{e(TEXT[table.name])}</h2>{block}")
        if table.name == "quality":
            for d, q in report.quality.items():
                covered = ", ".join(f"{NEEDS[n]} {100 * v:.0f} %" for n, v in q.department.covered.items())
                ages = ", ".join(f"{k} : {v}" for k, v in q.department.ages.items())
                parts.append(f"<p class='note'>{e(d)} — {e(COLUMNS['covered'])} : {e(covered)}. "
                             f"{e(COLUMNS['ages'])} : {e(ages)}.</p>")  # fmt: skip
            parts.append(f"<p class='note'>{e(TEXT['method'])}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def report_page(settings: Settings, departments: Sequence[str], start: str, end: str, now: datetime) -> str:
    """The HTML of /stats (synchronous: the web service runs it in a thread)."""
    engine = make_engine(settings.database_url)
    try:
        return html_report(build(engine, departments, start, end, now))
    finally:
        engine.dispose()


def month(value: str) -> str:
    parsed = datetime.strptime(value, "%Y-%m")  # noqa: DTZ007 - a month, no instant
    return f"{parsed.year:04d}-{parsed.month:02d}"


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    departments = tuple(args.department or settings.home_departments)
    start, end = month(args.start), month(args.end)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        report = build(engine, departments, start, end, datetime.now(PARIS))
    finally:
        engine.dispose()
    for table in report.tables:
        print(text_table(table), end="\n\n")  # noqa: T201
    folder = Path(args.out or f"stats-{'-'.join(departments)}-{start}-{end}")
    written = write_csv(report, folder)
    page = folder / "report.html"
    page.write_text(html_report(report), encoding="utf-8")
    print(f"{len(written)} CSV et {page}")  # noqa: T201
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = sub.add_parser(
        "stats", help="searches, unmet needs and the data-quality index: tables, CSV, HTML"
    )
    stats.add_argument("--department", nargs="+", metavar="CODE", help="e.g. 68 (default: HOME_DEPARTMENTS)")
    stats.add_argument("--from", dest="start", required=True, metavar="YYYY-MM")
    stats.add_argument("--to", dest="end", required=True, metavar="YYYY-MM")
    stats.add_argument("--out", metavar="DIR", help="where the CSV files and report.html go")


def stats_endpoint(
    settings: Settings, clock: Callable[[], datetime]
) -> Callable[[Request], Awaitable[Response]]:
    """GET /stats?department=68&from=2026-01&to=2026-11, with STATS_TOKEN as a Bearer token or
    `token=`; without STATS_TOKEN set the page does not exist (404)."""

    async def stats(request: Request) -> Response:
        expected = settings.stats_token
        if expected is None:
            return Response("not found", status_code=404, media_type="text/plain")
        given = request.query_params.get("token") or ""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            given = header[7:].strip()
        if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            return Response("forbidden", status_code=403, media_type="text/plain")
        now = clock()
        params = request.query_params
        departments = [d for v in params.getlist("department") for d in v.split(",") if d]
        try:
            end = month(params.get("to") or f"{now.year:04d}-{now.month:02d}")
            start = month(params.get("from") or f"{now.year - 1:04d}-{now.month:02d}")
        except ValueError:
            return Response("from and to are YYYY-MM", status_code=400, media_type="text/plain")
        if any(not d.isalnum() or len(d) > 3 for d in departments):
            return Response("department is a code like 68", status_code=400, media_type="text/plain")
        page = await asyncio.to_thread(
            report_page, settings, departments or settings.home_departments, start, end, now
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    return stats
