"""Screenshots of the statistics report (issue 14): the simulated month of bench.simulate_month, its HTML
report (what `solibot stats` writes and `/stats` serves) opened in Debian's headless Chromium, one PNG
per chart and one of the page's top, for docs/indicators.md.

    .venv/bin/python -m bench.screenshots [--searches 3000] [--seed 14] [--out docs/img]
    .venv/bin/python -m bench.screenshots --report stats-simulated/report.html   # a report already written

Needs the `chromium` package (or SOLIBOT_CHROMIUM) and playwright (dev extra); Playwright's own browsers
are never downloaded. A PNG over --max-kb is reported and not written (docs/img stays small).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import unicodedata
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from playwright.sync_api import sync_playwright

from bench.simulate_month import MONTH, simulate
from bot.report import build, html_report
from db.sql import make_engine, prepare
from tests.e2e.browser import chromium_path, launch_args

ROOT = Path(__file__).resolve().parents[1]


def report_html(searches: int, seed: int) -> str:
    with TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'simulated.db'}"
        prepare(url, now=MONTH).dispose()
        turns, written, seconds = asyncio.run(simulate(url, searches, seed))
        print(f"{turns} turns replayed in {seconds:.0f} s, {written} events recorded")
        engine = make_engine(url)
        report = build(engine, ("67", "68"), "2026-11", "2026-11", MONTH + timedelta(days=30))
        engine.dispose()
    return html_report(report)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48]


def shoot(page_html: Path, out: Path, max_kb: int) -> list[Path]:
    path = chromium_path()
    if path is None:
        sys.exit("no Chromium: apt-get install chromium, or set SOLIBOT_CHROMIUM")
    written: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=launch_args())
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(page_html.resolve().as_uri())
        top = page.screenshot()
        page.add_style_tag(content="figure { display: table; }")  # each chart cut to its own width
        shots: list[tuple[str, bytes]] = [("stats-report-top", top)]
        for n, figure in enumerate(page.locator("figure").all(), 1):
            caption = figure.locator("figcaption").inner_text()
            shots.append((f"stats-{n}-{slug(caption)}", figure.screenshot()))
        for name, image in shots:
            target = out / f"{name}.png"
            kb = len(image) / 1024
            if kb > max_kb:
                print(f"{target.name}: {kb:.0f} KB > {max_kb} KB, not written")
                continue
            target.write_bytes(image)
            written.append(target)
            print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {kb:.0f} KB")
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--html", type=Path, default=ROOT / "build" / "screenshots" / "stats-report.html")
    parser.add_argument("--max-kb", type=int, default=300)
    parser.add_argument("--report", type=Path, help="an HTML report already written: no simulation")
    args = parser.parse_args()
    if args.report is None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(report_html(args.searches, args.seed), encoding="utf-8")
        print(f"report: {args.html}")
    shoot(args.report or args.html, args.out, args.max_kb)


if __name__ == "__main__":
    main()
