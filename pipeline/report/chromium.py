"""Headless Chromium driven over the DevTools protocol on a pipe: no extra Python package.

The PDF for the Bupati is the report's own HTML printed by Chromium (``Page.printToPDF``), so
the charts are drawn by the same plotly.js as in the HTML report. The tests use the same door
to open the HTML with the network off and read the console. Chromium is Debian's ``chromium``
package (``apt-get install chromium``); ``SOPMINE_CHROMIUM`` names another binary.

Messages are JSON objects separated by NUL bytes on file descriptors 3 (to the browser) and 4
(from it), as ``--remote-debugging-pipe`` defines them.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

INSTALL_HINT = ("Chromium is not installed, so no PDF was made; install it with "
                "'apt-get install chromium' (or set SOPMINE_CHROMIUM to a Chromium binary).")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-pipe")


def find_chromium() -> str | None:
    """The Chromium binary: ``SOPMINE_CHROMIUM``, else ``chromium`` or ``chromium-browser``."""
    chosen = os.environ.get("SOPMINE_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else shutil.which(chosen)
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(ConfigError):
    """Chromium failed to start, answered with an error, or took too long."""


class Browser:
    """One headless Chromium process; use as a context manager."""

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError(INSTALL_HINT)
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="sopmine-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends on fds 3 and 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self._proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    # -- protocol -----------------------------------------------------------------------------
    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Call ``method`` and wait for its result; events meanwhile go to :attr:`events`."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == self._next_id, timeout or self.timeout,
                           method)
        if "error" in reply:
            raise BrowserError(f"Chromium could not do {method}: {reply['error'].get('message')}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def _wait(self, match: Any, timeout: float, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if match(message):
                    return dict(message)
                self.events.append(message)
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not finish {what} within {timeout:.0f} s.")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise BrowserError(f"Chromium stopped during {what}.")
                self._buffer += chunk

    # -- pages --------------------------------------------------------------------------------
    def open(self, url: str, *, offline: bool = True, width: int = 1280,
             height: int = 900) -> Page:
        """A new tab showing ``url``, the network off unless ``offline`` is False."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for method in ("Page.enable", "Runtime.enable", "Network.enable", "Log.enable"):
            page.send(method)
        if offline:
            page.send("Network.emulateNetworkConditions",
                      {"offline": True, "latency": 0, "downloadThroughput": -1,
                       "uploadThroughput": -1})
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        page.send("Page.navigate", {"url": url})
        self._wait(lambda m: m.get("method") == "Page.loadEventFired"
                   and m.get("sessionId") == session, self.timeout, f"loading {url}")
        return page

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                try:
                    os.write(self._to_chrome, json.dumps(
                        {"id": 0, "method": "Browser.close", "params": {}}).encode() + b"\0")
                    self._proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    self._proc.kill()
                    self._proc.wait()
        finally:
            for fd in (self._to_chrome, self._from_chrome):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab of a :class:`Browser`."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict[str, Any] | None = None,
             timeout: float | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session, timeout)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        found = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True})
        if "exceptionDetails" in found:
            raise BrowserError(f"JavaScript failed: {found['exceptionDetails'].get('text')}")
        return found.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"the page never made '{expression}' true "
                                   f"within {timeout:.0f} s.")
            time.sleep(0.05)

    def messages(self) -> list[dict[str, Any]]:
        """Console calls, uncaught exceptions, log entries and network requests of this tab:
        ``{"kind": "console"|"exception"|"log"|"request", "level", "text"}``."""
        out = []
        for m in self.browser.events:
            if m.get("sessionId") != self.session:
                continue
            p = m.get("params", {})
            method = m.get("method")
            if method == "Runtime.consoleAPICalled":
                words = " ".join(str(a.get("value", a.get("description", "")))
                                 for a in p.get("args", []))
                out.append({"kind": "console", "level": p.get("type"), "text": words})
            elif method == "Runtime.exceptionThrown":
                details = p.get("exceptionDetails", {})
                out.append({"kind": "exception", "level": "error",
                            "text": details.get("exception", {}).get("description")
                            or details.get("text", "")})
            elif method == "Log.entryAdded":
                entry = p.get("entry", {})
                out.append({"kind": "log", "level": entry.get("level"),
                            "text": entry.get("text", "")})
            elif method == "Network.requestWillBeSent":
                out.append({"kind": "request", "level": "info",
                            "text": p.get("request", {}).get("url", "")})
        return out

    def pdf(self, timeout: float = 60.0) -> bytes:
        """The page printed as PDF, with the page size and margins of its CSS ``@page``."""
        found = self.send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True,
                                              "displayHeaderFooter": False}, timeout=timeout)
        return base64.b64decode(found["data"])

    def screenshot(self, *, full_page: bool = True) -> bytes:
        """A PNG of the page (the whole page, or the viewport)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": min(size["height"], 16000), "scale": 1}
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
