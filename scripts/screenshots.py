"""Take screenshots of the main pages of a running demo (make run), for looking at them.

    .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
PASSWORD = "Samverkan-demo-2026"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def login(page, username):
    page.goto(f"{BASE}/logga-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button.primary")


def shoot(page, name, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def main():
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{BASE}/logga-in/")
        shoot(page, "01-login")
        login(page, "sjukskoterska")
        shoot(page, "02-choose-unit")
        page.check("input[name=membership] >> nth=0")
        page.click("#main button.primary")
        shoot(page, "03-home")
        shoot(page, "03b-home-tablet", width=800)
        page.goto(f"{BASE}/patienter/")
        page.fill("#id_personal_number", "19121212-1213")
        page.click("#main button.primary")
        shoot(page, "04-search-bad-number")
        page.goto(f"{BASE}/administration/")
        shoot(page, "05-admin-forbidden")
        browser.close()


if __name__ == "__main__":
    main()
