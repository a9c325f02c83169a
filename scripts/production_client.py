"""Use a freshly installed Samverkan over HTTPS as people would: called by scripts/production_path.sh.

`--phase admin`: the bootstrapped administrator logs in, adds a unit, a user with a password and the
user's membership in the unit through the registers' forms, and logs out; then the new user logs in
and sees the start page. Checks HSTS and secure cookies on the way.
`--phase eid` (after the day-one imports): an imported staff member logs in with e-ID and sees their
unit; a resident with no record logs in with e-ID and lands on Mina sidor. The browser's side of the
OpenID provider (its login and consent forms) is played here too.
Standard library only. Exits non-zero, naming the step, at the first thing that is wrong.
"""

import argparse
import html
import http.cookiejar
import json
import re
import secrets
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

REGISTER = "/administration/register"


class Failure(Exception):
    pass


class Forms(HTMLParser):
    """The fields of the page's forms: [{"action", "fields": [(name, value)], "selects": {name: [values]}}]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.select, self.links, self.stylesheets = [], None, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": (a.get("method") or "get").lower(),
                               "fields": [], "selects": {}, "checkboxes": {}})
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href"))
        elif not self.forms:
            return
        form = self.forms[-1] if self.forms else None
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                form["checkboxes"].setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    form["fields"].append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "file"):
                form["fields"].append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            form["selects"][self.select] = []
        elif tag == "option" and self.select:
            form["selects"][self.select].append(a.get("value", ""))
            if "selected" in a:
                form["fields"].append((self.select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            form["fields"].append((a["name"], ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base, cafile):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        context = ssl.create_default_context(cafile=cafile)
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                                  urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path, data=None, referer=None):
        url = urllib.parse.urljoin(self.base, path)
        if not url.startswith(self.base):
            raise Failure(f"{url} is not on {self.base}")
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        if data is not None:
            request.add_header("Origin", self.base)
            request.add_header("Referer", urllib.parse.urljoin(self.base, referer or path))
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx
            response = error
        text = response.read().decode("utf-8", "replace")
        return response.status, response.headers, text

    def get(self, path, expect=200):
        status, headers, text = self.request(path)
        if status != expect:
            raise Failure(f"GET {path} answered {status}, expected {expect}:\n{text[:2000]}")
        return headers, text

    def cookie(self, name):
        return next((c for c in self.jar if c.name == name), None)

    def form(self, path, index=-1):
        """GET `path` and return its form's fields as a dict of lists (with the CSRF token)."""
        _, text = self.get(path)
        parser = Forms()
        parser.feed(text)
        posts = [f for f in parser.forms if f["method"] == "post"]
        if not posts:
            raise Failure(f"{path} has no form")
        form = posts[index]
        fields = {}
        for name, value in form["fields"]:
            fields.setdefault(name, []).append(value)
        return form, fields

    def submit(self, path, values, expect_redirect=True, index=-1):
        form, fields = self.form(path, index)
        for name, value in values.items():
            fields[name] = value if isinstance(value, list) else [value]
        action = form["action"] or path
        status, headers, text = self.request(action, fields, referer=path)
        if expect_redirect and status != 302:
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
            note = re.findall(r'class="errornote"[^>]*>(.*?)</p>', text, re.S)
            raise Failure(f"POST {action} answered {status}, not a redirect. Errors: "
                          f"{[re.sub('<[^>]+>', ' ', e).strip() for e in note + errors] or text[:2000]}")
        return status, headers.get("Location", ""), text


def autocomplete(browser, model, field, term):
    query = urllib.parse.urlencode({"app_label": "core", "model_name": model, "field_name": field, "term": term})
    _, text = browser.get(f"{REGISTER}/autocomplete/?{query}")
    results = json.loads(text)["results"]
    if not results:
        raise Failure(f"the {model}.{field} search for {term!r} found nothing")
    return results[0]["id"]


def log_in(browser, username, password):
    _, location, _ = browser.submit("/logga-in/", {"username": username, "password": password})
    if "/logga-in/" in location:
        raise Failure(f"logging in as {username} went back to the login page")
    session = browser.cookie("sessionid")
    if session is None or not session.secure or not session.has_nonstandard_attr("HttpOnly"):
        raise Failure(f"the session cookie must be Secure and HttpOnly: {session}")
    _, home = browser.get(location)
    return home


def through_provider(app, slug, login, cafile):
    """Start the e-ID login at /logga-in/e-id/<slug>/, log in at the provider as `login` (its
    development login form takes any password) and consent; return the address it sends the browser
    back to on the app."""
    status, headers, text = app.request(f"/logga-in/e-id/{slug}/")
    location = headers.get("Location", "")
    if status != 302 or location.startswith(app.base):
        raise Failure(f"starting the e-ID login answered {status} {location!r}:\n{text[:1000]}")
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(location))
    provider = Browser(origin, cafile)
    url, data = location, None
    for _ in range(12):
        status, headers, text = provider.request(url, data, referer=url)
        if status in (301, 302, 303):
            url, data = urllib.parse.urljoin(url, headers["Location"]), None
            if url.startswith(app.base):
                return url[len(app.base):]
            continue
        if status != 200:
            raise Failure(f"the provider answered {status} at {url}:\n{text[:1000]}")
        forms = Forms()
        forms.feed(text)
        form = next(f for f in forms.forms if f["method"] == "post")
        data = dict(form["fields"])
        if "login" in data:
            data.update(login=login, password="any")
        url = urllib.parse.urljoin(url, form["action"])
    raise Failure("the provider never sent the browser back")


def eid_phase(args, say):
    say("the login page offers e-ID for staff and residents")
    staff = Browser(args.base, args.cafile)
    _, page = staff.get("/logga-in/")
    for slug in ("personal", "invanare"):
        if f"/logga-in/e-id/{slug}/" not in page:
            raise Failure(f"the login page has no e-ID login for {slug}")

    say(f"log in with e-ID as the imported {args.eid_staff_name} and see {args.eid_staff_unit!r}")
    back = through_provider(staff, "personal", "personal", args.cafile)
    headers, _ = staff.get(back, expect=302)
    location = headers.get("Location", "")
    if location != "/":
        raise Failure(f"after the e-ID login the app sent the staff member to {location!r}")
    _, home = staff.get("/")
    if f"Hej {args.eid_staff_name}" not in home or html.escape(args.eid_staff_unit) not in home:
        raise Failure(f"the staff member's start page does not show their unit:\n{home[:2000]}")

    say("log in with e-ID as a resident without a record, and land on Mina sidor")
    resident = Browser(args.base, args.cafile)
    back = through_provider(resident, "invanare", "invanare", args.cafile)
    headers, _ = resident.get(back, expect=302)
    portal = headers.get("Location", "")
    _, page = resident.get(portal)
    if "Mina sidor" not in page:
        raise Failure(f"the resident landed on {portal!r} without Mina sidor:\n{page[:2000]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--phase", choices=["admin", "eid"], default="admin")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--first-name", default="")
    parser.add_argument("--eid-staff-name", help="the first name of the imported staff member")
    parser.add_argument("--eid-staff-unit", help="the name of their unit")
    args = parser.parse_args()
    step = "setup"

    def say(text):
        nonlocal step
        step = text
        print(f"    {text}", flush=True)

    try:
        if args.phase == "eid":
            eid_phase(args, say)
        else:
            admin_phase(args, say)
    except (Failure, OSError, ValueError, KeyError, StopIteration) as error:
        print(f"production client FAILED at: {step}: {error!r}", file=sys.stderr)
        return 1
    print("    all steps passed")
    return 0


def admin_phase(args, say):
    admin = Browser(args.base, args.cafile)
    say("GET /healthz and /readyz")
    headers, text = admin.get("/healthz")
    if json.loads(text) != {"status": "ok"}:
        raise Failure(f"/healthz: {text}")
    hsts = headers.get("Strict-Transport-Security", "")
    if not re.search(r"max-age=[1-9]", hsts):
        raise Failure(f"no HSTS header over HTTPS: {hsts!r}")
    _, text = admin.get("/readyz")
    ready = json.loads(text)
    if ready.get("database") != "ok" or ready.get("migrations") != "ok":
        raise Failure(f"/readyz: {text}")

    say("the login page, its stylesheet (collectstatic) and the CSRF cookie")
    _, page = admin.get("/logga-in/")
    styles = Forms()
    styles.feed(page)
    if not styles.stylesheets:
        raise Failure("the login page links no stylesheet")
    for href in styles.stylesheets:
        admin.get(href)
    csrf = admin.cookie("csrftoken")
    if csrf is None or not csrf.secure:
        raise Failure(f"the CSRF cookie must be Secure: {csrf}")

    say(f"log in as the bootstrapped administrator {args.username}")
    home = log_in(admin, args.username, args.password)
    if args.first_name and f"Hej {args.first_name}" not in home:
        raise Failure("the administrator's start page does not greet them")

    suffix = secrets.randbelow(10**4)
    unit_name = f"Avdelning {suffix} Produktionstest"
    unit_hsa = f"SE2321000032-P{suffix}"
    say(f"add the unit {unit_name!r} in Region Skåne")
    organisation = autocomplete(admin, "unit", "organisation", "Region Skåne")
    admin.submit(f"{REGISTER}/core/unit/add/", {
        "organisation": str(organisation), "name": unit_name, "hsa_id": unit_hsa, "kind": "ward",
        "active": "on", "_save": "Spara"})
    unit = autocomplete(admin, "membership", "unit", unit_hsa)

    username = f"ssk{suffix}"
    password = f"Nytt-{secrets.token_urlsafe(12)}"
    say(f"add the user {username} with a password")
    _, location, _ = admin.submit(f"{REGISTER}/core/user/add/", {
        "username": username, "first_name": "Sara", "last_name": "Sjuksköterska",
        "email": f"{username}@region.example", "password1": password, "password2": password,
        "usable_password": "true", "_save": "Spara"})
    user = re.search(r"/core/user/(\d+)/change/", location)
    if not user:
        raise Failure(f"adding the user did not lead to the user's page: {location!r}")

    say(f"give {username} a membership in the unit")
    form, _ = admin.form(f"{REGISTER}/core/membership/add/")
    professions = [value for value in form["selects"].get("profession", []) if value]
    roles = form["checkboxes"].get("roles", [])
    if not professions or "clinical" not in roles:
        raise Failure(f"the membership form offers professions {professions} and roles {roles}")
    admin.submit(f"{REGISTER}/core/membership/add/", {
        "user": user.group(1), "unit": str(unit), "profession": professions[0], "roles": ["clinical"],
        "active": "on", "_save": "Spara"})

    say("log out")
    status, headers, _ = admin.request("/logga-ut/", {"csrfmiddlewaretoken": admin.cookie("csrftoken").value})
    if status != 302 or admin.cookie("sessionid") is not None:
        raise Failure(f"logging out answered {status}; the session cookie is still there")
    admin.get("/", expect=302)

    say(f"log in as {username} and see the start page")
    nurse = Browser(args.base, args.cafile)
    home = log_in(nurse, username, password)
    if "Hej Sara" not in home or unit_name not in home:
        raise Failure(f"the new user's start page does not show their unit:\n{home[:2000]}")


if __name__ == "__main__":
    sys.exit(main())
