"""The HTML report in a real headless Chromium (Debian's `chromium` and `chromium-driver`, driven by
selenium over /usr/bin/chromedriver: nothing is downloaded). It loads offline with no console error
and no network request, its findings table filters and sorts, clicking a finding highlights its
edge, hostile input stays text, 1,000 routes stay usable, and screenshots show the broken edges red,
in a wide and in a narrow window."""

import io
import json
import os
import shutil
import subprocess

import pytest

from tests.graph.conftest import HOSTILE_HTML, big_api, write
from tests.seed import EXAMPLES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def _browser_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            return f"{path} is missing (Debian: apt-get install chromium chromium-driver; .ci/run installs them)"
    try:
        import selenium  # noqa: F401
        from PIL import Image  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1400,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def report(tmp_path, source, name="report.html") -> str:
    """`apigw-auditor audit SOURCE --format html -o FILE` as a user runs it; the file's URL."""
    target = tmp_path / name
    done = subprocess.run(["apigw-auditor", "audit", str(source), "--format", "html", "-o", str(target)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return target.as_uri()


def open_page(driver, url, width=1400, height=1000):
    driver.set_window_size(width, height)
    driver.get_log("browser"), driver.get_log("performance")  # drop what earlier pages left
    driver.get(url)
    driver.execute_script("return document.readyState")
    return driver


def problems(driver, url) -> tuple[list, list]:
    """(console messages of level WARNING or worse, requests for anything but the page itself)."""
    console = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested = message["params"]["request"]["url"]
            if requested != url:
                requests.append(requested)
    return console, requests


def red_pixels(png: bytes) -> int:
    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB")
    data = image.tobytes()
    return sum(1 for i in range(0, len(data), 3) if data[i] > 170 and data[i + 1] < 90 and data[i + 2] < 90)


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory):
    return report(tmp_path_factory.mktemp("broken"), EXAMPLES / "seed-broken.json")


def test_the_page_loads_offline_without_console_error_or_request(browser, broken_report):
    open_page(browser, broken_report)
    assert browser.title == "apigw-auditor: failed"
    assert len(browser.find_elements("css selector", "#svg-0 svg .edge")) > 0
    console, requests = problems(browser, broken_report)
    assert console == [] and requests == []


def test_the_findings_table_filters_and_sorts(browser, broken_report):
    from selenium.webdriver.support.ui import Select
    open_page(browser, broken_report)

    def shown():
        return [row for row in browser.find_elements("css selector", "#findings-table tbody tr") if row.is_displayed()]

    assert len(shown()) == 15
    Select(browser.find_element("id", "f-severity")).select_by_value("high")
    assert len(shown()) == 6 and {r.get_attribute("data-severity") for r in shown()} == {"high"}
    assert browser.find_element("id", "f-count").text == "6 of 15 shown"
    Select(browser.find_element("id", "f-api")).select_by_value("function legacy-worker")
    assert [r.get_attribute("data-rule") for r in shown()] == ["AGW301"]
    Select(browser.find_element("id", "f-severity")).select_by_value("")
    Select(browser.find_element("id", "f-api")).select_by_value("")
    Select(browser.find_element("id", "f-rule")).select_by_value("AGW304")
    assert len(shown()) == 5
    Select(browser.find_element("id", "f-rule")).select_by_value("")
    browser.find_element("id", "f-text").send_keys("PUT /items")
    assert {r.get_attribute("data-rule") for r in shown()} == {"AGW203", "AGW304"}
    browser.find_element("id", "f-text").clear()
    browser.execute_script("document.getElementById('f-text').dispatchEvent(new Event('input'))")
    header = browser.find_element("css selector", 'th[data-sort="severity"]')
    header.click()
    header.click()  # second click: ascending severity, info first
    assert shown()[0].get_attribute("data-severity") == "info"
    browser.find_element("css selector", 'th[data-sort="n"]').click()
    assert [r.get_attribute("data-n") for r in shown()][:3] == ["1", "2", "3"]


def test_clicking_a_finding_highlights_its_edge(browser, broken_report):
    open_page(browser, broken_report)
    row = browser.find_element("css selector", '#findings-table tr[data-rule="AGW203"]')
    row.find_element("css selector", "button.show-edge").click()
    [highlighted] = browser.find_elements("css selector", "svg .edge.hl")
    assert highlighted.get_attribute("data-edge") == row.get_attribute("data-edge")
    assert "broken" in highlighted.get_attribute("class")
    assert "AGW203" in highlighted.find_element("css selector", "text").get_attribute("textContent")


def test_fix_commands_are_copyable(browser, broken_report):
    from selenium.webdriver.support.ui import WebDriverWait
    open_page(browser, broken_report)
    row = browser.find_element("css selector", '#findings-table tr[data-rule="AGW203"]')
    button = row.find_element("css selector", "button.copy")
    button.click()
    WebDriverWait(browser, 10).until(lambda _: button.text != "copy")
    if button.text == "selected: copy it":  # no clipboard here: the command is selected whole instead
        assert browser.execute_script("return window.getSelection().toString()").startswith("aws lambda add-permission")
    else:
        assert button.text == "copied"


@pytest.mark.parametrize("width", [1400, 420], ids=["wide", "narrow"])
def test_a_screenshot_shows_the_broken_edges_red(browser, broken_report, tmp_path_factory, width):
    open_page(browser, broken_report, width=width, height=1100)
    holder = browser.find_element("id", "svg-0")
    browser.execute_script("arguments[0].scrollIntoView()", holder)
    broken_edges = browser.find_elements("css selector", "#svg-0 .edge.broken")
    assert len(broken_edges) == 4
    shot = holder.screenshot_as_png
    assert red_pixels(shot) > 400 * (1 if width > 1000 else 0.4)
    stroke = browser.execute_script("return getComputedStyle(arguments[0].querySelector('path')).stroke",
                                    broken_edges[0])
    assert stroke == "rgb(211, 47, 47)"
    healthy = report(tmp_path_factory.mktemp("healthy"), EXAMPLES / "seed-correct.json")
    open_page(browser, healthy, width=width, height=1100)
    holder = browser.find_element("id", "svg-0")
    browser.execute_script("arguments[0].scrollIntoView()", holder)
    assert red_pixels(holder.screenshot_as_png) < 20  # the same picture of the healthy setup: no red
    if width < 1000:  # the page itself does not scroll sideways; only the drawing's own box may
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_hostile_input_stays_text(browser, tmp_path, hostile_doc):
    url = report(tmp_path, write(tmp_path, hostile_doc))
    open_page(browser, url)
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.find_elements("css selector", "img") == []
    texts = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg .node text')).map(t => t.textContent)")
    assert any(t.startswith("POST /</script>") for t in texts)
    assert HOSTILE_HTML in browser.find_element("tag name", "body").text
    console, requests = problems(browser, url)
    assert console == [] and requests == []


def test_a_thousand_routes_fold_per_integration_and_unfold(browser, tmp_path):
    url = report(tmp_path, write(tmp_path, big_api(1000)))
    open_page(browser, url)
    drawn = browser.find_elements("css selector", "#svg-0 .node.route")
    folds = browser.find_elements("css selector", "#svg-0 .node.fold")
    assert len(folds) == 10 and len(drawn) == 10
    [details] = browser.find_elements("css selector", "#api-0 .verdicts details")  # the 989 routes that reach
    assert details.get_attribute("open") is None and "989 route(s)" in details.text
    first = browser.find_element("css selector", "#api-0 .verdicts tbody tr")
    assert "fails" in first.text  # failing verdicts come first
    assert len(browser.find_elements("css selector", "#svg-0 .edge.broken")) == 10  # each fold holds one broken
    folds[0].click()
    assert len(browser.find_elements("css selector", "#svg-0 .node.route")) == 9 + 100
    # a finding on a folded route unfolds its group and highlights its own edge
    [row] = [r for r in browser.find_elements("css selector", '#findings-table tr[data-rule="AGW101"]')
             if "GET /res97/" in r.get_attribute("textContent")]  # res97 leads to int0007, still folded
    assert len(browser.find_elements("css selector", "#svg-0 .node.fold")) == 9
    browser.execute_script("arguments[0].querySelector('button.show-edge').click()", row)
    assert len(browser.find_elements("css selector", "#svg-0 .node.fold")) == 8
    [highlighted] = browser.find_elements("css selector", "svg .edge.hl")
    assert highlighted.get_attribute("data-edge") == row.get_attribute("data-edge")
    console, requests = problems(browser, url)
    assert console == [] and requests == []


def test_print_hides_the_controls_and_keeps_the_red_edges(browser, broken_report):
    import base64
    from selenium.webdriver.support.ui import Select
    open_page(browser, broken_report)
    Select(browser.find_element("id", "f-severity")).select_by_value("high")  # a filter left on screen...
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element("id", "filters").is_displayed()
        assert not browser.find_element("css selector", "button.copy").is_displayed()
        rows = browser.find_elements("css selector", "#findings-table tbody tr")
        assert all(row.is_displayed() for row in rows)  # ...does not cut rows from the printout
        edge = browser.find_element("css selector", "#svg-0 .edge.broken path")
        assert browser.execute_script("return getComputedStyle(arguments[0]).stroke", edge) == "rgb(211, 47, 47)"
        pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"])
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
