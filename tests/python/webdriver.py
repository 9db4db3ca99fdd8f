"""A minimal W3C WebDriver client for the system's chromedriver and chromium, with the standard
library only: start a headless browser, open pages, run scripts in them, take screenshots and
read the browser's console. The inspector's tests need no more, and nothing is fetched.

`find()` says where the browser and the driver are; `Browser` starts and drives them.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)
# The direct opener: the driver listens on loopback and no proxy may stand in between.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def find():
    """(browser, driver) paths, or None for what is missing."""
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    driver = next((shutil.which(d) for d in DRIVERS if shutil.which(d)), None)
    return browser, driver


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebDriverError(RuntimeError):
    pass


class Browser:
    """One headless chromium session through its own chromedriver process."""

    def __init__(self, browser, driver, width=1100, height=760, log_path=None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        log = open(log_path, "wb") if log_path else subprocess.DEVNULL
        self.driver = subprocess.Popen([driver, f"--port={self.port}"], stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline or self.driver.poll() is not None:
                self.driver.kill()
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.05)
        options = {
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-proxy-server", "--hide-scrollbars", f"--window-size={width},{height}"],
        }
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options, "goog:loggingPrefs": {"browser": "ALL"}}
        try:
            session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        except Exception:
            self.driver.kill()
            raise
        self.session = f"/session/{session['sessionId']}"

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with _OPENER.open(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as e:
            raise WebDriverError(f"{method} {path}: {e.code} {e.read()[:2000]!r}") from None

    def open(self, url):
        self._call("POST", f"{self.session}/url", {"url": url})

    def js(self, script, *args):
        """Runs `script` (a function body; `arguments` holds args) and returns its value."""
        return self._call("POST", f"{self.session}/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, *args, timeout=15.0, what=None):
        """Runs `script` until it returns something truthy, and returns that."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                shown = self.js("const s = document.getElementById('status'); return s ? s.textContent : ''")
                raise AssertionError(f"timed out waiting for {what or script} (the page says: {shown!r})")
            time.sleep(0.1)

    def screenshot(self, path):
        png = base64.b64decode(self._call("GET", f"{self.session}/screenshot"))
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as out:
            out.write(png)
        return len(png)

    def console(self):
        """The browser console's entries since the last call: [{level, message, …}]."""
        return self._call("POST", f"{self.session}/se/log", {"type": "browser"})

    def quit(self):
        try:
            self._call("DELETE", self.session)
        except Exception:
            pass
        self.driver.terminate()
        try:
            self.driver.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.driver.kill()
