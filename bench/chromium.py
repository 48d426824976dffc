"""Headless Chromium, driven over its DevTools pipe with the standard library.

bench/test_report.py opens the HTML report in Debian's `chromium` (installed by
tools/deps.sh) to see that its charts really lay out and paint. The browser
runs headless (no display server), with a temporary profile, no GPU and every
host name resolving to nothing, so a page can load only local files. It speaks
the Chrome DevTools Protocol over --remote-debugging-pipe: commands go in on
its fd 3 and answers and events come out of its fd 4, one JSON object per
message, each ended by a NUL byte. No port is opened.

    with Browser() as b:
        page = b.open("file:///tmp/report.html")     # waits for the load event
        value = b.evaluate(page, "document.title")

Every wait has a deadline; leaving the `with` block kills the browser's whole
process group and removes the profile.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
         "--force-color-profile=srgb", "--force-device-scale-factor=1",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,900"]


class BrowserError(Exception):
    """The browser is missing, did not start, answered with an error or timed out."""


def find_chromium():
    """The path of Debian's chromium, or None when it is not installed."""
    return shutil.which("chromium")


def _moved_high(fd):
    """fd duplicated to a number >= 10 (so that placing it at 3 or 4 in the
    child cannot overwrite the other pipe end); the original is closed."""
    import fcntl
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Browser:
    """One headless Chromium process and its DevTools pipe."""

    def __init__(self, timeout=30):
        """Starts the browser; raises BrowserError when chromium is not
        installed or does not answer within timeout seconds."""
        binary = find_chromium()
        if not binary:
            raise BrowserError("chromium is not installed: tools/deps.sh installs Debian's chromium package")
        self.timeout = timeout
        self.events = []          # every event seen, in order: {"method", "params", "sessionId"}
        self._next_id = 0
        self._buffer = b""
        self._targets = {}        # session id -> target id of every open tab
        self.profile = tempfile.mkdtemp(prefix="faultline-chromium-")
        to_child_r, self._to_child = (_moved_high(fd) for fd in os.pipe())
        self._from_child, from_child_w = (_moved_high(fd) for fd in os.pipe())

        def place_pipe():         # in the child, before exec: its fd 3 reads, fd 4 writes
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self._log = open(os.path.join(self.profile, "stderr.log"), "wb")
        try:
            self.proc = subprocess.Popen(
                [binary] + FLAGS + ["--user-data-dir=" + self.profile, "--remote-debugging-pipe", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, close_fds=False,
                preexec_fn=place_pipe, start_new_session=True)
        except (OSError, subprocess.SubprocessError) as e:
            for fd in (self._to_child, self._from_child):
                os.close(fd)
            self._log.close()
            shutil.rmtree(self.profile, ignore_errors=True)
            raise BrowserError("cannot start %s: %s" % (binary, e))
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        try:
            self.call("Browser.getVersion")
        except BrowserError:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Kills the browser and every process it started, removes the profile."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def stderr_tail(self, n=1500):
        """The end of what the browser wrote on stdout and stderr."""
        self._log.flush()
        with open(self._log.name, "rb") as f:
            return f.read().decode("utf-8", "replace")[-n:]

    # ---- the protocol ----

    def call(self, method, params=None, session=None):
        """Sends one command and returns its result; events that arrive in
        between go to self.events. Raises BrowserError on an error answer,
        a closed pipe or the deadline."""
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._to_child, data):]
        except OSError as e:
            raise BrowserError("%s: cannot write to the browser (%s)\n%s" % (method, e, self.stderr_tail()))
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method, session=None):
        """Returns the first event named method (for session) not yet waited
        for, reading until it comes or the deadline passes."""
        deadline = time.monotonic() + self.timeout
        seen = 0
        while True:
            for i in range(seen, len(self.events)):
                e = self.events[i]
                if e.get("method") == method and (session is None or e.get("sessionId") == session):
                    del self.events[i]
                    return e
            seen = len(self.events)
            msg = self._receive(deadline, method)
            if "method" in msg:
                self.events.append(msg)

    def _receive(self, deadline, what):
        """The next message from the browser, as a dict."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("%s: no answer from the browser in %d s" % (what, self.timeout))
            ready, _w, _x = select.select([self._from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                try:
                    status = self.proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    status = "still running"
                raise BrowserError("%s: the browser closed its pipe (exit %s)\n%s"
                                   % (what, status, self.stderr_tail()))
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    # ---- pages ----

    def open(self, url):
        """Opens url in a new tab and waits for its load event; returns the
        tab's session id. Network requests are recorded from before the
        navigation on (see requested_urls)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self._targets[session] = target
        self.call("Page.enable", session=session)
        self.call("Network.enable", session=session)
        nav = self.call("Page.navigate", {"url": url}, session=session)
        if nav.get("errorText"):
            raise BrowserError("cannot open %s: %s" % (url, nav["errorText"]))
        self.wait_event("Page.loadEventFired", session)
        return session

    def close_page(self, session):
        """Closes a tab that open returned."""
        self.call("Target.closeTarget", {"targetId": self._targets.pop(session)})

    def requested_urls(self, session):
        """Every URL the tab asked the network stack for, in order."""
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == session]

    def evaluate(self, session, expression):
        """The value of a JavaScript expression in the tab (JSON-able);
        raises BrowserError when it throws."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise BrowserError("script failed: %s" % (d.get("exception", {}).get("description") or d.get("text")))
        return r["result"].get("value")

    def screenshot(self, session, x, y, width, height, fast=True):
        """PNG bytes of a region of the page in CSS pixels (scale 1), also
        below the visible window; fast trades size for encoding speed (and
        changes which PNG row filters Chromium uses)."""
        clip = {"x": x, "y": y, "width": width, "height": height, "scale": 1}
        r = self.call("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True,
                                                 "optimizeForSpeed": fast}, session=session)
        return base64.b64decode(r["data"])
