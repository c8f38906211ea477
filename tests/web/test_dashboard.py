"""The dashboard in a real browser (Debian's Chromium through Playwright), on a small demo database.

Logs in, opens every page, checks key elements render from real data, runs a network scenario as a
job and follows its progress, releases a held lot after recording a deviation, shows hub stock and
second-life KPIs and disposes of a graded item from the form, and checks the browser
never asked another origin for anything. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.demo_server import ADMIN, build_demo_database, running_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason=f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium; `make test` "
        "installs it)",
    ),
]


@pytest.fixture(scope="module")
def base_url(module_database_url: str) -> Iterator[str]:
    """A Uvicorn server on a freshly built demo database."""
    build_demo_database(module_database_url)
    with running_server(module_database_url, solver_seconds=5, workers=1) as url:
        yield url


def test_dashboard_end_to_end(base_url: str, backend: str) -> None:
    """Log in, every page renders from real data, a scenario runs as a job, a held lot is released."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    foreign: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"], headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(base_url) else None)

            def shot(name: str) -> None:
                page.screenshot(path=str(ARTIFACTS / f"dashboard-{backend}-{name}.png"), full_page=True)

            page.goto(base_url + "/ui/")
            page.wait_for_url(re.compile(r".*/login\.html"))
            page.fill("#username", ADMIN[0])
            page.fill("#password", "wrong-password")
            page.click("#login-button")
            expect(page.locator("#login-error")).to_contain_text("wrong username or password")
            page.fill("#password", ADMIN[1])
            page.click("#login-button")
            page.wait_for_url(re.compile(r".*/ui/#/network"))
            expect(page.locator("#who")).to_contain_text("ada (admin)")

            # Network: GB map with sites and coverage links, the open sites of the stored scenario.
            expect(page.locator("#network-map svg rect").first).to_be_visible()
            assert page.locator("#network-map svg line.link").count() > 0
            assert page.locator("#network-sites tbody tr").count() > 0
            shot("network")

            # Demand heat-zones: the density map and the top zones.
            page.click("a[href='#/heat-zones']")
            expect(page.locator("#heat-map svg").first).to_be_visible()
            assert page.locator("#heat-top tbody tr").count() > 0
            shot("heat-zones")

            # Production Gantt: operations drawn, zoom changes the viewBox.
            page.click("a[href='#/gantt']")
            expect(page.locator("#gantt svg rect").first).to_be_visible()
            before = page.locator("#gantt svg").get_attribute("viewBox")
            page.click("#zoom-in")
            assert page.locator("#gantt svg").get_attribute("viewBox") != before
            assert page.locator("#runs tbody tr").count() > 0
            expect(page.locator("#late-count")).to_be_visible()
            shot("gantt")

            # Delivery routes of one day on the map.
            page.click("a[href='#/routes']")
            expect(page.locator("#routes-map svg").first).to_be_visible()
            assert page.locator("#routes-table tbody tr").count() > 0
            assert page.locator("#routes-map svg line.link").count() > 0
            shot("routes")

            # Emissions per site.
            page.click("a[href='#/emissions']")
            expect(page.locator("#emissions-sites tbody tr").first).to_be_visible()
            shot("emissions")

            # Scenario comparison, then run a scenario as a job and follow it to the end.
            page.click("a[href='#/scenarios']")
            expect(page.locator("#compare tbody tr").first).to_be_visible()
            assert page.locator("#compare tbody tr").count() >= 3
            page.fill("#run-brand", "KITCHEN")
            page.select_option("#run-scenario-name", "centralised")
            page.fill("#run-seconds", "2")
            page.click("#run-scenario")
            expect(page.locator("#job-progress")).to_be_visible()
            expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded", timeout=180_000)
            shot("scenario-job")

            # Job view lists the job; its detail shows the result.
            page.click("a[href='#/jobs']")
            expect(page.locator("#jobs tbody tr").first).to_be_visible()
            page.locator("#jobs tbody tr a").first.click()
            expect(page.locator("#job-detail")).to_contain_text("succeeded")
            shot("jobs")

            # QA holds: release is refused until a deviation covers the failed checks.
            page.click("a[href='#/qa']")
            rows = page.locator("#holds tbody tr")
            expect(rows.first).to_be_visible()
            held = rows.count()
            shot("qa-queue")
            lot = page.locator("#holds button.release").first.get_attribute("data-lot")
            page.locator("#holds button.release").first.click()
            expect(page.locator("#qa-message")).to_contain_text("409")
            page.locator("#holds button.deviation").first.click()
            expect(page.locator("#deviation-dialog")).to_be_visible()
            assert page.input_value("#dev-checks") != ""
            page.fill("#dev-description", "probe reading below limit on the first check")
            page.fill("#dev-action", "re-processed and re-checked; within limits")
            page.fill("#dev-approver", "Head of Quality")
            page.click("#dev-submit")
            expect(page.locator("#qa-message")).to_contain_text("deviation")
            page.locator(f"#holds button.release[data-lot='{lot}']").click()
            expect(page.locator("#qa-message")).to_contain_text("released")
            page.wait_for_function(
                f"document.querySelectorAll('#holds tbody tr').length < {held}"
                " || !!document.getElementById('no-holds')"
            )
            shot("qa")

            # Hub stock: hubs, fill-rate and waste bars per policy, lots on hand of the chosen hub.
            page.click("a[href='#/stock']")
            expect(page.locator("#stock-hubs tbody tr").first).to_be_visible()
            assert page.locator("#stock-kpi-chart svg rect.fill-bar").count() >= 2
            assert page.locator("#stock-kpi-chart svg rect.waste-bar").count() >= 2
            assert page.locator("#stock-kpis tbody tr").count() >= 2
            assert page.locator("#stock-on-hand tbody tr").count() > 0
            assert page.locator("#stock-policies tbody tr").count() > 0
            hubs = page.locator("#stock-hub option").count()
            if hubs > 1:
                second = page.locator("#stock-hub option").nth(1).get_attribute("value") or ""
                page.select_option("#stock-hub", second)
                expect(page.locator("h3", has_text=f"On hand at {second}")).to_be_visible()
            shot("stock")

            # Second life: KPIs with definitions and the CO2e source, items, one item's history, then a
            # disposition from the form; a second disposition is refused with the reason.
            page.click("a[href='#/second-life']")
            expect(page.locator("#sl-kpis tbody tr").first).to_be_visible()
            expect(page.locator("#sl-kpis")).to_contain_text("reclamation rate count")
            expect(page.locator("#sl-co2e-source")).to_contain_text("DESNZ")
            assert page.locator("#sl-items tbody tr").count() > 0
            page.select_option("#sl-status", "graded")
            page.wait_for_function(
                "(() => { const rows = [...document.querySelectorAll('#sl-items tbody tr')];"
                " return rows.length > 0 && rows.every((r) => r.cells[5].textContent === 'graded'); })()"
            )
            # The oldest graded item: the demo's newest steps may lie after the wall clock (the plan date is
            # the coming Monday), and a disposition is dated now and may not precede the item's last step.
            link = page.locator("#sl-items a.sl-item").last
            item = link.get_attribute("data-item")
            link.click()
            expect(page.locator("#sl-detail")).to_contain_text(f"{item}")
            assert page.locator("#sl-history tbody tr").count() >= 2
            shot("second-life")
            page.select_option("#sl-channel", "recycle")
            page.fill("#sl-stream", "weee_large")
            page.click("#sl-dispose-submit")
            expect(page.locator("#sl-message")).to_contain_text("disposed: recycle")
            expect(page.locator("#sl-history tbody tr").last).to_contain_text("dispose")
            page.click("#sl-dispose-submit")
            expect(page.locator("#sl-message")).to_contain_text("409")
            expect(page.locator("#sl-message")).to_contain_text("already disposed")
            shot("second-life-item")
            page.click("a[href='#/forecasts']")
            expect(page.locator("#forecast-runs tbody tr").first).to_be_visible()
            assert page.locator("#forecast-chart svg polyline").count() == 1
            assert page.locator("#forecast-points tbody tr").count() > 0
            shot("forecasts")
        finally:
            browser.close()
    assert foreign == [], f"the dashboard asked other origins for {foreign}"
