"""Screenshot the wiring of the seed's broken example from reports/seed-broken.html, for README.

    python tools/screenshot_report.py   # writes docs/images/seed-broken-wiring.png

Uses Debian's chromium and chromedriver through selenium (the test extra), headless and offline.
Pixels differ between Chromium versions, so this file is not part of the stale check.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--window-size=1400,1000"]


def main() -> int:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in FLAGS + [f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
        try:
            driver.get((ROOT / "reports" / "seed-broken.html").as_uri())
            article = driver.find_element("id", "api-0")
            driver.execute_script("arguments[0].scrollIntoView()", article)
            target = ROOT / "docs" / "images" / "seed-broken-wiring.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(article.screenshot_as_png)
            print(f"wrote {target.relative_to(ROOT)}")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
