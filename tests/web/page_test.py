#!/usr/bin/python3
"""zablab in the browser, tried as a student would (ctest label "web", docs/web.md).

  page_test.py PAGE_DIR [OUT_DIR] [--bench] [--bench-trace=TRACE.db]

Serves PAGE_DIR (scripts/build-web's output) on 127.0.0.1, opens it in headless Chromium and
checks, each a line PASS/FAIL with its name:
  - the default scenario loads (first frame drawn, its records indexed), and how long it took;
  - a step (the Right key) advances the event counter (the cursor's record);
  - a step back (Left) moves it back;
  - a click on the control bar's "crash" crashes a server of a live world, one on "manual
    delivery" switches it on;
  - a screenshot of the canvas is not blank (tests/viz/png_tool.py check);
  - a .scn with a mistake shows its error as editor.scn:LINE:COLUMN and keeps the page alive;
  - a file that is not a trace.db or .scn is refused with a message; a failing .scn (a fuzz
    failure's) dropped on the page opens at its invariant violation;
  - "download recording" saves a trace.db, which opens in the page again; one of a newer trace
    format, given through the file picker, is refused with a message;
  - Space typed into the .scn editor stays there (it does not start the run), and after a
    toolbar button the keys step the visualizer again;
  - the client console: a path typed in and "create" clicked, the answer comes back;
  - the link then keeps those actions (crash, manual delivery, the console's create), and opened
    in a HiDPI browser (--force-device-scale-factor=2) it shows the same records at the same
    record, on a canvas of 2 pixels per CSS pixel, not blank;
  - a link with scenario, seed and position opens at that record;
  - a browser without WebGL2 (--disable-3d-apis) gets a message instead of a blank canvas.
--bench also measures frames per second with a live ensemble of 7 playing; --bench-trace=FILE
how long a trace.db takes to open and to be indexed whole.
Exit 77 (ctest SKIP) when chromium or the page is missing.
"""
import base64
import os
import shutil
import sqlite3
import subprocess
import sys
import time


SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
PNG_TOOL = os.path.join(HERE, "..", "viz", "png_tool.py")  # its `check`: a real picture, not a blank one
# Where the visualizer draws (CSS pixels from the canvas's corner, window 1280x800): the
# inspector's Clients tab, the client console's path field and its "create" button.
CLIENTS_TAB = (785, 124)
CONSOLE_PATH = (790, 252)  # right of "/a": the text cursor lands at its end
CONSOLE_CREATE = (618, 274)
CONSOLE_ROW_SHIFTS = (19, 0)  # the clients table's row: two lines (a long "pending" cell), or one
sys.path.insert(0, HERE)  # cdp.py


def open_bytes(browser, path, name):
    """Gives the page a file as the file picker or a drop would; returns the page's complaint."""
    data = base64.b64encode(open(path, "rb").read()).decode()
    return browser.evaluate(f"zablab.openFile(new File([Uint8Array.from(atob('{data}'), c => c.charCodeAt(0))], "
                            f"'{name}'))", await_promise=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    bench = "--bench" in sys.argv
    bench_trace = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--bench-trace=")), None)
    if not args:
        print(__doc__)
        return 64
    page_dir = args[0]
    out_dir = args[1] if len(args) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    try:
        import cdp
    except ImportError as e:
        print(f"SKIP: {e} (Debian: python3-websocket)")
        return SKIP
    chromium = cdp.find_chromium()
    if not chromium:
        print("SKIP: no chromium (./scripts/install-deps.sh installs it)")
        return SKIP
    if not os.path.isfile(os.path.join(page_dir, "zablab.wasm")):
        print(f"SKIP: no page in {page_dir} (scripts/build-web builds it)")
        return SKIP

    serve = os.path.join(HERE, "..", "..", "web", "serve.py")
    server = subprocess.Popen(["/usr/bin/python3", serve, page_dir, "0"], stdout=subprocess.PIPE, text=True)
    base = server.stdout.readline().strip()
    browser = None
    failures, passed = [], []

    started = time.time()

    def check(name, ok, detail=""):
        print(f"{'PASS' if ok else 'FAIL'}: {name}{': ' + detail if detail else ''} [{time.time() - started:.1f} s]",
              flush=True)
        (passed if ok else failures).append(name)
        return ok

    try:
        browser = cdp.Browser(chromium)
        state = lambda: browser.evaluate("JSON.stringify(zablab.state())")  # noqa: E731

        # --- the default scenario loads ---
        browser.navigate(base)
        first = browser.wait_for("window.zablab && zablab.timing.firstFrameMs", timeout=60)
        st = browser.evaluate("zablab.state()") if first else {}
        check("default scenario loads", bool(first) and "leader-crash-committed-on-some" in st.get("source", "")
              and st.get("records", 0) > 10, f"{st.get('source')}, {st.get('records')} records")
        if first:
            ready = browser.evaluate("zablab.timing.runtimeReadyMs")
            print(f"time: page load to first frame {first:.0f} ms (wasm compiled and files loaded at {ready:.0f} ms)",
                  flush=True)
        message = browser.evaluate("document.getElementById('message').hidden ? '' : "
                                   "document.getElementById('message-text').textContent")
        check("no error message on a good start", not message, message or "")

        # --- a step advances the event counter ---
        time.sleep(0.3)
        before = browser.evaluate("zablab.state().cursor")
        frames = browser.evaluate("zablab.state().frames")
        browser.press("ArrowRight", "ArrowRight", 39, held_while=f"zablab.state().frames >= {frames + 2}")
        after = browser.wait_for(f"zablab.state().cursor > {before} && zablab.state().cursor", timeout=10)
        check("a step (Right key) advances the event counter", bool(after), f"record {before} -> {after}")
        frames = browser.evaluate("zablab.state().frames")
        browser.press("ArrowLeft", "ArrowLeft", 37, held_while=f"zablab.state().frames >= {frames + 2}")
        back = browser.wait_for(f"zablab.state().cursor < {after} && String(zablab.state().cursor)", timeout=10)
        check("a step back (Left key) moves the event counter back", back is not None, f"record {after} -> {back}")

        # --- a screenshot is not blank ---
        time.sleep(0.3)
        # Only the canvas: the HTML toolbar above it would make even a blank canvas look drawn.
        shot = os.path.join(out_dir, "web-canvas.png")
        rect = browser.evaluate("(r => ({x: r.x, y: r.y, width: r.width, height: r.height, scale: 1}))"
                                "(document.getElementById('canvas').getBoundingClientRect())")
        browser.screenshot(shot, clip=rect)
        browser.screenshot(os.path.join(out_dir, "web-page.png"))
        verdict = subprocess.run(["/usr/bin/python3", PNG_TOOL, "check", shot], capture_output=True, text=True)
        check("a screenshot of the canvas is not blank", verdict.returncode == 0, verdict.stdout.strip())

        # --- a fault by clicking: the control bar's "crash" (for the selected server, s1) ---
        browser.evaluate("zablab.openLink('live=3&at=400')")  # a leader elected, c1 connected
        canvas = browser.evaluate("(r => [r.x, r.y])(document.getElementById('canvas').getBoundingClientRect())")
        # --- the client console: a command typed in, its answer shown (in the Clients tab) ---
        browser.click(canvas[0] + CLIENTS_TAB[0], canvas[1] + CLIENTS_TAB[1])
        st = {}
        # The console sits below the clients table, whose row is one or two lines high depending
        # on what the client is doing at that record: try the console's place for each.
        for dy in CONSOLE_ROW_SHIFTS:
            browser.click(canvas[0] + CONSOLE_PATH[0], canvas[1] + CONSOLE_PATH[1] + dy)
            for _ in range(4):  # "/a" and the cursor's slack: erase it, then type the path
                frames = browser.evaluate("zablab.state().frames")
                browser.press("Backspace", "Backspace", 8, held_while=f"zablab.state().frames >= {frames + 2}")
            for ch in "/zab":
                browser.send("Input.dispatchKeyEvent", type="keyDown", key=ch, text=ch)
                browser.send("Input.dispatchKeyEvent", type="keyUp", key=ch)
                time.sleep(0.05)
            browser.click(canvas[0] + CONSOLE_CREATE[0], canvas[1] + CONSOLE_CREATE[1] + dy)
            st = browser.wait_for("zablab.state().console_asked.includes('/zab') && zablab.state()", timeout=5) or {}
            if st:
                break
            browser.press("Escape", "Escape", 27)  # a miss may have opened the client picker
        if st:  # its answer comes once the world has run on: 10 steps a Page Down
            for _ in range(20):
                if "/zab" in browser.evaluate("zablab.state().console_answer"):
                    break
                frames = browser.evaluate("zablab.state().frames")
                browser.press("PageDown", "PageDown", 34, held_while=f"zablab.state().frames >= {frames + 2}")
        answer = browser.evaluate("zablab.state().console_answer")
        check("the client console: a typed command gets its answer", "/zab" in answer and "Ok" in answer,
              f"asked {st.get('console_asked')!r}, answer {answer!r}")
        browser.click(canvas[0] + 140, canvas[1] + 39)  # row 2 of the control bar: "server [s1] crash"
        status = browser.wait_for("zablab.state().status === 'crash s1' && zablab.state().status", timeout=10)
        check("a fault by clicking: the crash button crashes s1 in a live world", bool(status),
              repr(browser.evaluate("zablab.state().status")))
        browser.click(canvas[0] + 122, canvas[1] + 64)  # row 3: the "manual delivery" checkbox
        status = browser.wait_for("zablab.state().status.startsWith('manual delivery') && zablab.state().status",
                                  timeout=10)
        check("manual delivery switched on by clicking", bool(status), repr(browser.evaluate("zablab.state().status")))

        # The address now keeps every action: the crash, manual delivery, the console's create.
        acted = browser.evaluate("zablab.state()")
        check("the link keeps the faults, manual delivery and console commands clicked into a live world",
              all(part in acted["link"] for part in ("crash.1", "hold", "client_op.")), acted["link"])

        # --- keys typed into the editor stay there (Space must not start the run) ---
        browser.evaluate("document.getElementById('edit').click(); document.getElementById('scn').focus()")
        browser.send("Input.dispatchKeyEvent", type="keyDown", key=" ", code="Space", text=" ",
                     windowsVirtualKeyCode=32)
        browser.send("Input.dispatchKeyEvent", type="keyUp", key=" ", code="Space", windowsVirtualKeyCode=32)
        time.sleep(0.5)
        st = browser.evaluate("zablab.state()")
        typed = browser.evaluate("document.getElementById('scn').value.includes(' ')")
        check("Space typed in the editor goes into the text, not to the visualizer", typed and not st["playing"],
              f"typed {typed}, playing {st['playing']}")
        browser.evaluate("document.getElementById('edit').click()")

        # --- a bad .scn shows its error line ---
        error = browser.evaluate("""(() => {
            document.getElementById('edit').click();
            document.getElementById('scn').value =
                'ensemble 3\\nseed 1\\nwhen leader elected within 10s: explode s1\\n';
            document.getElementById('run-scn').click();
            return document.getElementById('scn-error').textContent; })()""")
        alive = browser.evaluate("zablab.state().frames")
        time.sleep(0.2)
        check("a bad .scn shows its error as editor.scn:LINE:COLUMN", "editor.scn:3:" in (error or "")
              and browser.evaluate("zablab.state().frames") > alive, repr(error))
        good = browser.evaluate("""(() => {
            document.getElementById('scn').value = 'ensemble 3\\nseed 2\\nexpect leader elected within 10s\\n';
            document.getElementById('run-scn').click();
            return document.getElementById('scn-error').textContent + '|' + zablab.state().records; })()""")
        check("a good .scn from the editor runs", good.startswith("|") and int(good[1:]) > 10, repr(good))

        # --- a file that is not a trace.db or .scn ---
        refused = browser.evaluate(
            "zablab.openFile(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255, 0])], 'photo.db'))",
            await_promise=True)
        shown = browser.evaluate("document.getElementById('message-text').textContent")
        check("a file that is not a trace.db or .scn is refused with a message",
              bool(refused) and "not a trace.db" in shown, repr(shown))

        # --- a fuzz failure's .scn, dropped on the page, opens at its violation ---
        scn = os.path.abspath(os.path.join(HERE, "..", "..", "scenarios", "bug-split-brain.scn"))
        dragged = {"items": [], "files": [scn], "dragOperationsMask": 1}
        for kind in ("dragEnter", "dragOver", "drop"):
            browser.send("Input.dispatchDragEvent", type=kind, x=600, y=400, data=dragged)
        st = browser.wait_for("zablab.state().status.startsWith('at the invariant violation') && zablab.state()",
                              timeout=20) or browser.evaluate("zablab.state()")
        check("a failing .scn dropped on the page opens at its invariant violation",
              "bug-split-brain.scn" in st["source"] and st["cursor"] > 0
              and st["status"].startswith("at the invariant violation"), f"{st['source']!r}, {st['status']!r}")

        # --- download a recording, open it again (a trace.db), and one from a newer format ---
        download = os.path.join(out_dir, "zablab-session.db")
        if os.path.exists(download):
            os.remove(download)
        browser.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=os.path.abspath(out_dir))
        records = browser.evaluate("document.getElementById('download').click(), zablab.state().records")
        deadline = time.time() + 20
        while time.time() < deadline and not (os.path.exists(download) and os.path.getsize(download) > 0):
            time.sleep(0.1)
        time.sleep(0.3)  # let Chromium finish writing it
        ok = os.path.exists(download) and open(download, "rb").read(16) == b"SQLite format 3\0"
        check("download recording gives a trace.db", ok, download)
        cursor, frames = browser.evaluate("[zablab.state().cursor, zablab.state().frames]")
        browser.press("ArrowRight", "ArrowRight", 39, held_while=f"zablab.state().frames >= {frames + 2}")
        moved = browser.wait_for(f"zablab.state().cursor > {cursor}", timeout=10)
        check("after a toolbar button the keys step the visualizer again", bool(moved), f"record {cursor}")
        if ok:
            reopened = open_bytes(browser, download, "zablab-session.db")
            st = browser.evaluate("zablab.state()")
            check("the downloaded trace.db opens in the page", not reopened and st["records"] == records,
                  f"{reopened!r}, {st['records']} of {records} records")
            newer = os.path.join(out_dir, "newer-format.db")
            shutil.copy(download, newer)
            with sqlite3.connect(newer) as db:
                db.execute("UPDATE runs SET format_version = format_version + 100")
            # Through the file picker, as a person would pick it.
            root = browser.send("DOM.getDocument")["root"]["nodeId"]
            picker = browser.send("DOM.querySelector", nodeId=root, selector="#file")["nodeId"]
            browser.send("DOM.setFileInputFiles", nodeId=picker, files=[os.path.abspath(newer)])
            shown = browser.wait_for("document.getElementById('message-text').textContent.includes('format version')"
                                     " && document.getElementById('message-text').textContent", timeout=20)
            check("a trace.db of a newer format, picked with the file picker, is refused with a message",
                  "format version" in (shown or ""), repr(shown))

        # --- a link opens at its scenario, seed and record ---
        browser.navigate("about:blank")
        browser.navigate(base + "#scenario=minority-partition&seed=3&at=40")
        browser.wait_for("window.zablab && zablab.timing.firstFrameMs", timeout=60)
        st = browser.wait_for("zablab.state().cursor >= 0 && zablab.state()", timeout=10) or {}
        check("a link opens its scenario at its record", "minority-partition" in st.get("source", "")
              and st.get("cursor") == 40 and "seed=3" in st.get("link", ""), str(st))

        # --- a browser without WebGL2 ---
        browser.close()
        browser = cdp.Browser(chromium, extra_flags=["--disable-3d-apis"])
        browser.navigate(base)
        shown = browser.wait_for("!document.getElementById('message').hidden && "
                                 "document.getElementById('message-text').textContent", timeout=20)
        check("a browser without WebGL2 gets a message", "WebGL2" in (shown or ""), repr(shown))
        browser.close()

        # --- a HiDPI screen (devicePixelRatio 2), opening the link with the actions above ---
        # (a small window: SwiftShader fills four times the pixels, and a full-size 2x screenshot
        # alone took 16 s under load)
        browser = cdp.Browser(chromium, width=800, height=500, extra_flags=["--force-device-scale-factor=2"])
        browser.navigate(base + "#" + acted["link"])
        browser.wait_for("window.zablab && zablab.timing.firstFrameMs", timeout=60)
        st = browser.wait_for("zablab.state().cursor >= 0 && zablab.state()", timeout=10) or {}
        same = {k: st.get(k) for k in ("records", "cursor", "link")} == {k: acted[k] for k in ("records", "cursor", "link")}
        check("a link with actions reopens at the same record, with the same records", same,
              f"{st.get('records')} records at {st.get('cursor')} (was {acted['records']} at {acted['cursor']})")
        size = browser.evaluate("(c => [c.width, c.height, c.clientWidth, c.clientHeight])"
                                "(document.getElementById('canvas'))")
        check("on a HiDPI screen the canvas has 2 pixels per CSS pixel", st.get("pixel_ratio") == 2
              and abs(size[0] - 2 * size[2]) <= 1 and abs(size[1] - 2 * size[3]) <= 1, f"canvas {size}")
        shot = os.path.join(out_dir, "web-canvas-hidpi.png")
        rect = browser.evaluate("(r => ({x: r.x, y: r.y, width: r.width, height: r.height, scale: 1}))"
                                "(document.getElementById('canvas').getBoundingClientRect())")
        browser.screenshot(shot, clip=rect)
        verdict = subprocess.run(["/usr/bin/python3", PNG_TOOL, "check", shot], capture_output=True, text=True)
        check("a HiDPI screenshot of the canvas is not blank", verdict.returncode == 0, verdict.stdout.strip())

        if bench or bench_trace:  # measured at 1280x800 and a ratio of 1
            browser.close()
            browser = cdp.Browser(chromium)
        if bench:
            browser.navigate("about:blank")
            browser.navigate(base + "#live=7&play=1")
            browser.wait_for("window.zablab && zablab.timing.firstFrameMs", timeout=60)
            time.sleep(2)
            f0, t0 = browser.evaluate("zablab.state().frames"), time.time()
            time.sleep(10)
            f1, t1 = browser.evaluate("zablab.state().frames"), time.time()
            st = browser.evaluate("zablab.state()")
            print(f"bench: live ensemble of 7, playing: {(f1 - f0) / (t1 - t0):.1f} frames/s "
                  f"({st['records']} records so far, lean drawing {'on' if st['lean'] else 'off'})", flush=True)
        if bench_trace:
            # Dropped on the page as a person would drop it (a file-backed File), timed from the drop.
            browser.navigate(base)
            browser.wait_for("window.zablab && zablab.timing.firstFrameMs", timeout=60)
            name = os.path.basename(bench_trace)
            dragged = {"items": [], "files": [os.path.abspath(bench_trace)], "dragOperationsMask": 1}
            browser.send("Input.dispatchDragEvent", type="dragEnter", x=600, y=400, data=dragged)
            t0 = time.time()
            browser.send("Input.dispatchDragEvent", type="drop", x=600, y=400, data=dragged)
            browser.wait_for(f"zablab.state().source.startsWith('{name}')", timeout=120, poll=0.02)
            t1 = time.time()
            browser.wait_for("!zablab.state().loading", timeout=300, poll=0.02)
            t2 = time.time()
            st = browser.evaluate("zablab.state()")
            parts = browser.evaluate("zablab.timing.lastOpen") or {}
            print(f"bench: {bench_trace} dropped on the page: its first records shown after {t1 - t0:.2f} s, every "
                  f"record ({st['records']}) indexed after {t2 - t0:.2f} s; reading the file "
                  f"{parts.get('readMs', 0) / 1000:.2f} s, copying it in {parts.get('copyMs', 0) / 1000:.2f} s, "
                  f"opening it {parts.get('openMs', 0) / 1000:.2f} s", flush=True)
            # The same through the file picker (Chromium hands a dropped file over more slowly).
            browser.navigate("about:blank")
            browser.navigate(base)
            browser.wait_for("window.zablab && zablab.timing.firstFrameMs", timeout=60)
            root = browser.send("DOM.getDocument")["root"]["nodeId"]
            picker = browser.send("DOM.querySelector", nodeId=root, selector="#file")["nodeId"]
            t0 = time.time()
            browser.send("DOM.setFileInputFiles", nodeId=picker, files=[os.path.abspath(bench_trace)])
            browser.wait_for(f"zablab.state().source.startsWith('{name}')", timeout=120, poll=0.02)
            t1 = time.time()
            browser.wait_for("!zablab.state().loading", timeout=300, poll=0.02)
            t2 = time.time()
            parts = browser.evaluate("zablab.timing.lastOpen") or {}
            print(f"bench: {bench_trace} picked with the file picker: its first records shown after {t1 - t0:.2f} s, "
                  f"every record indexed after {t2 - t0:.2f} s; reading the file {parts.get('readMs', 0) / 1000:.2f} s, "
                  f"opening it {parts.get('openMs', 0) / 1000:.2f} s", flush=True)
    finally:
        if browser:
            for line in browser.console[-10:]:
                print(f"console: {line}")
            browser.close()
        server.terminate()
    print(f"{len(passed)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
