"""What the browser tests share: logging in and out through the real pages."""

from core.tests.factories import PASSWORD


def log_in(page, username):
    page.goto("/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.locator("#main").get_by_role("button", name="Logga in").click()


def log_out(page):
    page.locator("header").get_by_role("button", name="Logga ut").click()
