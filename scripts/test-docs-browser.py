#!/usr/bin/env python3
"""The reference site in a real browser: headless Chromium driven through chromedriver's
WebDriver HTTP API (standard library only).

    scripts/test-docs-browser.py SITE_DIR COVERAGE_JSON SCREENSHOT_DIR

Loads SITE_DIR/index.html from file://, types into the filter and picks options as a user
would, and checks what is displayed (by layout, not by our own attributes): the name filter
"GetOptionalAttr" shows exactly the four names that have it; "refused on 3.10" over the C API
shows as many rows as `capi-compat coverage` counts refused on CPython 3.10, and on PyPy 3.11
(CPython's documented additions only) as many as it counts there; no console errors; every
resource the page loaded is a local file. Screenshots go to SCREENSHOT_DIR. Exit 1 on a
failed check, 2 when chromium or chromedriver is missing or does not start.
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Flags known to work on this machine image: without the background-networking ones Chromium
# keeps trying to reach Google's hosts through a closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]
EXPECTED_OPTIONAL_ATTR = [
    "PyObject_GetOptionalAttr",
    "PyObject_GetOptionalAttrString",
    "PySys_GetOptionalAttr",
    "PySys_GetOptionalAttrString",
]
W3C_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class Driver:
    """The few WebDriver commands the test needs."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, body=None):
        url = self.base + (f"/session/{self.session}" if self.session else "") + path
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.code} {e.read().decode()[:500]}") from None

    def start(self, user_data_dir):
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": CHROMIUM_FLAGS + [f"--user-data-dir={user_data_dir}"]},
            "goog:loggingPrefs": {"browser": "ALL"},
        }
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = value["sessionId"]

    def quit(self):
        if self.session:
            try:
                self.call("DELETE", "")
            finally:
                self.session = None

    def find(self, css):
        found = self.call("POST", "/element", {"using": "css selector", "value": css})
        if W3C_ELEMENT not in found:
            raise RuntimeError(f"WebDriver found no element {css}: {found}")
        return found[W3C_ELEMENT]

    def type_into(self, css, text):
        element = self.find(css)
        self.call("POST", f"/element/{element}/clear", {})
        self.call("POST", f"/element/{element}/value", {"text": text})

    def click(self, css):
        self.call("POST", f"/element/{self.find(css)}/click", {})

    def script(self, code):
        return self.call("POST", "/execute/sync", {"script": code, "args": []})

    def console(self):
        return self.call("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("GET", "/screenshot")))


# The names of the rows the browser lays out (a hidden row has no offsetParent).
VISIBLE_NAMES = """
return Array.from(document.querySelectorAll('#name-table tbody tr'))
  .filter(r => r.offsetParent !== null).map(r => r.dataset.name);
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_driver(port, process):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as response:
                if json.load(response)["value"]["ready"]:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what):
        print(("ok      " if ok else "FAILED  ") + what, flush=True)
        if not ok:
            self.failed += 1


def set_filters(driver, text="", layer="", status="", version="3.10", counted=False):
    driver.type_into("#filter-text", text)
    driver.click(f"#filter-layer option[value='{layer}']")
    driver.click(f"#filter-status option[value='{status}']")
    driver.click(f"#filter-version option[value='{version}']")
    if driver.script("return document.getElementById('filter-counted').checked;") != counted:
        driver.click("#filter-counted")


def run(site, coverage, shots):
    checks = Checks()
    by_interpreter = dict(coverage["by_interpreter"])
    port = free_port()
    user_data = tempfile.mkdtemp(prefix="capi-compat-chromium-")
    driver_log = open(os.path.join(shots, "chromedriver.log"), "w")
    process = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=driver_log, stderr=subprocess.STDOUT)
    driver = Driver(port)
    try:
        if not wait_for_driver(port, process):
            print(f"error: chromedriver did not start (see {driver_log.name})", file=sys.stderr)
            return 2
        try:
            driver.start(user_data)
        except (RuntimeError, OSError) as e:
            print(f"error: Chromium did not start under chromedriver: {e}", file=sys.stderr)
            return 2
        page = "file://" + os.path.abspath(os.path.join(site, "index.html"))
        driver.call("POST", "/url", {"url": page})
        total = driver.script("return document.querySelectorAll('#name-table tbody tr').length;")
        shown = driver.script("return document.getElementById('shown').value;")
        checks.check(shown == f"{total} of {total} names", f"every name shown at first ({shown!r}, {total} rows)")
        widths = driver.script("return [document.documentElement.scrollWidth, window.innerWidth];")
        checks.check(widths[0] <= widths[1], f"no horizontal scrolling at 1400 px (page {widths[0]} px wide)")
        driver.screenshot(os.path.join(shots, "docs-top.png"))

        set_filters(driver, text="GetOptionalAttr")
        names = driver.script(VISIBLE_NAMES)
        checks.check(sorted(names) == EXPECTED_OPTIONAL_ATTR,
                     f"filter 'GetOptionalAttr' shows exactly {EXPECTED_OPTIONAL_ATTR} (shown: {names})")
        driver.script("window.scrollTo(0, document.getElementById('names').offsetTop);")
        driver.screenshot(os.path.join(shots, "docs-filtered.png"))

        set_filters(driver, text="getoptionalattr")
        checks.check(sorted(driver.script(VISIBLE_NAMES)) == EXPECTED_OPTIONAL_ATTR,
                     "the name filter ignores case")

        set_filters(driver, layer="api", status="refused", version="3.10")
        names = driver.script(VISIBLE_NAMES)
        want = by_interpreter["CPython 3.10"]["refused"]
        checks.check(len(names) == want, f"C API refused on 3.10: {len(names)} rows, coverage counts {want}")

        set_filters(driver, layer="api", status="native", version="3.15", counted=True)
        names = driver.script(VISIBLE_NAMES)
        want = by_interpreter["CPython 3.15"]["native"]
        checks.check(len(names) == want,
                     f"documented additions native on 3.15: {len(names)} rows, coverage counts {want}")

        set_filters(driver, layer="api", status="refused", version="pypy", counted=True)
        names = driver.script(VISIBLE_NAMES)
        want = by_interpreter["PyPy 3.11"]["refused"]
        checks.check(len(names) == want,
                     f"documented additions refused on PyPy 3.11: {len(names)} rows, coverage counts {want}")

        set_filters(driver, layer="hpy")
        names = driver.script(VISIBLE_NAMES)
        checks.check(len(names) > 250 and all(n.startswith(("HPy", "_HPy", "h_")) for n in names),
                     f"the HPy layer filter shows only HPy names ({len(names)})")

        # Nothing fetched from elsewhere: every src and stylesheet is a relative file, and the
        # stylesheet did apply (its body background).
        outside = driver.script(
            "return Array.from(document.querySelectorAll('[src], link[href]'))"
            ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
            ".filter(u => /^[a-z]+:|^\\/\\//i.test(u));")
        background = driver.script("return getComputedStyle(document.body).backgroundColor;")
        checks.check(not outside and background == "rgb(250, 250, 250)",
                     f"only local files, the stylesheet applied (outside: {outside}; background {background})")

        errors = [e for e in driver.console() if e.get("level") == "SEVERE"]
        checks.check(not errors, f"no console errors ({errors})")
    finally:
        try:
            driver.quit()
        except (RuntimeError, OSError):
            pass  # chromedriver is gone already (stopped with us by `timeout`)
        process.terminate()
        process.wait(timeout=10)
        driver_log.close()
        shutil.rmtree(user_data, ignore_errors=True)
    print(f"screenshots: {os.path.join(shots, 'docs-top.png')}, {os.path.join(shots, 'docs-filtered.png')}")
    return 1 if checks.failed else 0


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    site, coverage_json, shots = sys.argv[1:]
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            print(f"error: {tool} is missing (Debian packages chromium and chromium-driver)", file=sys.stderr)
            return 2
    # Stopped by `timeout`: still quit the browser and chromedriver (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with open(coverage_json) as f:
        coverage = json.load(f)
    os.makedirs(shots, exist_ok=True)
    return run(site, coverage, shots)


if __name__ == "__main__":
    sys.exit(main())
