"""Start and stop the test OpenID provider (provider.mjs, panva's oidc-provider under Node).

Not a mock: the tests log in through its real authorization, token and JWKS endpoints. If Node or
the package is missing, or the provider does not come up, starting it raises: the tests that need
it fail, they never skip.
"""

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
PERSONAL_NUMBER_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
PERSONAL_NUMBER_SCOPE = "https://id.oidc.se/scope/naturalPersonNumber"
STAFF_CLIENT = {"client_id": "samverkan-personal", "client_secret": "staff-secret-for-tests-only-0123456789"}
RESIDENT_CLIENT = {"client_id": "samverkan-invanare", "client_secret": "resident-secret-for-tests-only-0123456"}


class ProviderFailed(RuntimeError):
    pass


def ensure_installed():
    """`npm ci` from the committed lock file when node_modules is missing (a fresh machine)."""
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if not npm:
        raise ProviderFailed("npm not found: the e-ID login tests need Node 20 and npm (see README).")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise ProviderFailed(f"npm ci in {HERE} failed:\n{result.stdout}\n{result.stderr}")


# How long one start may take, and how many starts. Locally it is up in about a second; one CI run
# (a fresh machine, cold disk) saw no discovery document within 30 s, so a start gets longer and a
# second start is tried, with the first one's output kept for the error.
START_SECONDS = 90
STARTS = 2


@contextmanager
def running_provider(redirect_uris, accounts, tls=None):
    """Run the provider with a staff and a resident client that may return to `redirect_uris`
    ({"staff": [...], "resident": [...]}) and the test `accounts` ({login: claims}); yields its
    issuer URL. With `tls` ({"cert": path, "key": path}) it serves HTTPS with that certificate."""
    ensure_installed()
    node = shutil.which("node")
    if not node:
        raise ProviderFailed("node not found: the e-ID login tests need Node 20 (see README).")
    config = {
        "clients": [dict(STAFF_CLIENT, redirect_uris=redirect_uris["staff"]),
                    dict(RESIDENT_CLIENT, redirect_uris=redirect_uris["resident"])],
        "accounts": accounts,
        "personalNumberClaim": PERSONAL_NUMBER_CLAIM,
        "personalNumberScope": PERSONAL_NUMBER_SCOPE,
    }
    if tls:
        config["tls"] = tls
    failures = []
    for _ in range(STARTS):
        output = _output_file()
        process = subprocess.Popen([node, str(HERE / "provider.mjs"), json.dumps(config)], cwd=HERE,
                                   stdout=output, stderr=subprocess.STDOUT, text=True,
                                   env={"PATH": "/usr/bin:/bin:/usr/local/bin", "NODE_ENV": "test"})
        try:
            try:
                issuer = _wait_until_published(process, output, tls)
            except ProviderFailed as failure:
                failures.append(str(failure))
                continue
            yield issuer
            return
        finally:
            _stop(process)
            output.close()
    raise ProviderFailed("\n\n".join(failures))


def _wait_until_published(process, output, tls):
    """The issuer once the provider has said "ready <issuer>" and serves its discovery document."""
    started = time.monotonic()
    issuer, last_error = None, "no \"ready\" line yet"
    while time.monotonic() - started < START_SECONDS:
        if process.poll() is not None:
            raise ProviderFailed(f"The test OpenID provider exited with {process.returncode}:\n{_read(output)}")
        issuer = issuer or _ready_issuer(_read(output))
        if issuer:
            try:
                response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5,
                                        verify=tls["cert"] if tls else True)
                if response.ok and response.json().get("issuer") == issuer:
                    return issuer
                last_error = f"discovery answered {response.status_code}"
            except (requests.RequestException, ValueError) as error:
                last_error = repr(error)
        time.sleep(0.1)
    raise ProviderFailed(f"The test OpenID provider did not publish its discovery document in {START_SECONDS} s "
                         f"(last: {last_error}). Its output:\n{_read(output)}")


def _output_file():
    """A file for the provider's output, never a pipe nobody reads (a full pipe would stall it). It
    appends (O_APPEND), so reading it here from the start never moves where the provider writes."""
    output = tempfile.TemporaryFile(mode="w+")
    flags = fcntl.fcntl(output.fileno(), fcntl.F_GETFL)
    fcntl.fcntl(output.fileno(), fcntl.F_SETFL, flags | os.O_APPEND)
    return output


def _ready_issuer(text):
    for line in text.splitlines():
        if line.startswith("ready "):
            return line.split(" ", 1)[1].strip()
    return None


def _read(output):
    output.flush()
    output.seek(0)
    return output.read()


def _stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The people who can log in at the test provider (login name: claims). Numbers are valid (Luhn).
STAFF_HSA_ID = "SE2321000016-A1B2"
UNKNOWN_HSA_ID = "SE2321000016-ZZ99"
NEW_RESIDENT_NUMBER = "194203142387"
KNOWN_RESIDENT_NUMBER = "193811249808"
ACCOUNTS = {
    "anna": {"employeeHsaId": STAFF_HSA_ID, "given_name": "Anna", "family_name": "Lind"},
    "okand": {"employeeHsaId": UNKNOWN_HSA_ID, "given_name": "Okänd", "family_name": "Person"},
    "nils": {PERSONAL_NUMBER_CLAIM: NEW_RESIDENT_NUMBER, "given_name": "Nils", "family_name": "Nyberg"},
    "karin": {PERSONAL_NUMBER_CLAIM: KNOWN_RESIDENT_NUMBER, "given_name": "Karin", "family_name": "Kvist"},
}


def redirect_uris(base_url):
    base_url = base_url.rstrip("/")
    return {"staff": [f"{base_url}/logga-in/e-id/personal/klar/"],
            "resident": [f"{base_url}/logga-in/e-id/invanare/klar/"]}


def provider_settings(issuer):
    """settings.OIDC_PROVIDERS for both kinds at the running test provider (the defaults' claims)."""
    return {
        "staff": dict(issuer=issuer, client_id=STAFF_CLIENT["client_id"], client_secret=STAFF_CLIENT["client_secret"],
                      claim="employeeHsaId", scopes="openid profile"),
        "resident": dict(issuer=issuer, client_id=RESIDENT_CLIENT["client_id"],
                         client_secret=RESIDENT_CLIENT["client_secret"], claim=PERSONAL_NUMBER_CLAIM,
                         scopes=f"openid profile {PERSONAL_NUMBER_SCOPE}"),
    }


def serve():
    """`python -m tests.oidc.provider --base URL --cert PEM --key PEM --staff-hsa-id ID`: run the provider
    over HTTPS for scripts/production_path.sh until terminated, with one staff login (`personal`, the
    given HSA-id) and one new resident (`invanare`); when it is up, prints one line:
    "issuer <url> <staff client id> <staff secret> <resident client id> <resident secret>"."""
    import argparse
    import signal

    parser = argparse.ArgumentParser()
    for name in ("--base", "--cert", "--key", "--staff-hsa-id"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    accounts = {
        "personal": {"employeeHsaId": args.staff_hsa_id, "given_name": "Anna", "family_name": "Svensson"},
        "invanare": {PERSONAL_NUMBER_CLAIM: NEW_RESIDENT_NUMBER, "given_name": "Nils", "family_name": "Nyberg"},
    }
    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with running_provider(redirect_uris(args.base), accounts, tls={"cert": args.cert, "key": args.key}) as issuer:
        print("issuer", issuer, STAFF_CLIENT["client_id"], STAFF_CLIENT["client_secret"],
              RESIDENT_CLIENT["client_id"], RESIDENT_CLIENT["client_secret"], flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    serve()
