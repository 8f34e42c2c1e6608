"""A small client of the Chrome DevTools Protocol over Debian's python3-websocket: start headless
Chromium, open a page, evaluate JavaScript, press keys, take screenshots. Used by page_test.py."""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket  # Debian: python3-websocket

# Headless Chromium with nothing talking to the network but the page, and WebGL2 drawn in
# software (SwiftShader through ANGLE: there is no GPU on CI).
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu-sandbox", "--no-first-run",
    "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-default-browser-check",
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, chromium, width=1280, height=800, extra_flags=()):
        self.profile = tempfile.mkdtemp(prefix="zablab-chromium-")
        args = [chromium, *CHROMIUM_FLAGS, *extra_flags, f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}", "--remote-debugging-port=0", "about:blank"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.close()
            raise RuntimeError("chromium did not start its DevTools endpoint")
        # Chromium keeps writing to stderr; read it away so it never blocks on a full pipe.
        import threading
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=300, suppress_origin=True)
        self.next_id = 0
        self.console = []
        self.send("Runtime.enable")
        self.send("Page.enable")

    def send(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Runtime.consoleAPICalled":
                self.console.append(" ".join(str(a.get("value", "")) for a in message["params"]["args"]))
            if message.get("id") == my_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def navigate(self, url):
        self.send("Page.navigate", url=url)

    def evaluate(self, expression, await_promise=False):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=30, poll=0.05):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:  # the page is not there yet (still loading, or the last one)
                value = None
            if value:
                return value
            time.sleep(poll)
        return None

    def press(self, key, code, key_code, held_while=None):
        """Presses and releases a key; `held_while`: an expression to wait for before releasing
        (ImGui 1.86 sees a key only if it is down when a frame starts: a slow frame misses a tap)."""
        self.send("Input.dispatchKeyEvent", type="rawKeyDown", key=key, code=code, windowsVirtualKeyCode=key_code,
                  nativeVirtualKeyCode=key_code)
        if held_while:
            self.wait_for(held_while, timeout=10)
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=key_code,
                  nativeVirtualKeyCode=key_code)

    def click(self, x, y, button="left"):
        """Moves there and clicks, a frame's time apart each (ImGui reads the mouse once a frame)."""
        for kind, pressed in (("mouseMoved", "none"), ("mousePressed", button), ("mouseReleased", button)):
            clicks = 0 if kind == "mouseMoved" else 1
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button=pressed, clickCount=clicks)
            time.sleep(0.2)

    def screenshot(self, path, clip=None):
        params = {"format": "png"}
        if clip:
            params["clip"] = clip
        data = base64.b64decode(self.send("Page.captureScreenshot", **params)["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
