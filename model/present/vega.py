"""vl-convert, the charts' renderer, run in helper processes: vl-convert renders one chart at a time and holds
Python's lock meanwhile, so charts' SVGs are drawn side by side in helpers, started as soon as a command starts so
that their JavaScript runtimes start while the command imports, loads and models. The command's own process
rasterises each SVG to PNG as it arrives (which needs no JavaScript runtime), and makes its other files while the
helpers draw; a helper that would otherwise wait for its next chart (none is sent yet, or it drew the last one)
rasterises the PNG of the chart it drew itself, so whichever of the two is free does the work. Vega-Embed's bundle,
which a project's first run makes (over a second, and no JavaScript runtime needed), is made by a process of its
own beside them, so the charts do not wait behind it.

A helper is only an accelerator: a chart or a bundle it cannot make (the helper would not start, died, hung past
REPLY_TIMEOUT, or failed) is made by the command's own process, where a failure is reported as it always is.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

# Charts are few and each takes a tenth of a second: past two helpers, a runtime's start (0.6 s of processor) costs
# more than its share of the charts saves. One processor is left to the command itself, which is busy importing,
# loading and modelling while the helpers start, and rasterises the PNGs while they draw.
MAX_HELPERS = 2
# How long a command waits for one reply of a helper (a chart takes a tenth of a second, the bundle a second or two):
# a helper silent for longer is taken for hung, ended, and what it was asked is made in the command's own process.
REPLY_TIMEOUT = 120.0
# The smallest chart, drawn to start the runtime, Vega and Vega-Lite.
_EMPTY_VEGA_LITE = {"data": {"values": [{"x": 0}]}, "mark": "point",
                    "encoding": {"x": {"field": "x", "type": "quantitative"}}}

Rendered = tuple[str, bytes]  # a chart's SVG, and the PNG rasterised from that SVG


def _svg(spec: dict[str, Any], vl_version: str) -> str:
    """A chart's SVG without the network (an empty allow-list refuses any URL)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec, vl_version=vl_version, allowed_base_urls=[])


def _png(svg: str, scale: float) -> bytes:
    """The PNG of a chart's SVG: the same picture (vl-convert draws PNGs from its SVG too) for a third of the cost of
    a second render."""
    import vl_convert as vlc

    return vlc.svg_to_png(svg, scale=scale)


def _bundle(vl_version: str) -> str:
    """Vega-Embed's JavaScript with Vega and Vega-Lite `vl_version`, as vl-convert makes it (about 0.9 MB)."""
    import vl_convert as vlc

    return vlc.javascript_bundle(vl_version=vl_version)


def _render_here(spec: dict[str, Any], vl_version: str, scale: float) -> Rendered:
    """One chart in this process: its SVG, then the PNG of that SVG."""
    svg = _svg(spec, vl_version)
    return svg, _png(svg, scale)


# -------------------------------------------------------------------------------------------- the helper's side
class _Requests:
    """The lines of a file descriptor, read without Python's buffering, so that `waiting` can tell whether another
    request has come (in the lines read ahead, or on the descriptor) without blocking."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor, self.buffer = descriptor, b""

    def __iter__(self) -> Iterator[bytes]:
        while True:
            while b"\n" not in self.buffer:
                chunk = os.read(self.descriptor, 1 << 16)
                if not chunk:
                    return
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            yield line

    def waiting(self) -> bool:
        if self.buffer:
            return True
        try:
            return bool(select.select([self.descriptor], [], [], 0)[0])
        except (OSError, ValueError):  # a pipe select cannot watch (Windows): the command rasterises every PNG
            return True


def serve(requests: int, replies: BinaryIO) -> None:
    """A helper's loop over the requests on file descriptor `requests`, one JSON request a line, each answered by a
    JSON line and its bytes: a chart ({"spec", "vl_version", "png": the PNG's scale}) by {"svg": bytes, "png": bytes,
    or null when the command is to rasterise it} and the SVG's bytes, then the PNG's; a failure by {"error": text}. A
    PNG is rasterised here only when no other request is waiting: the helper is free, and the command may be busy.
    Ends at the end of `requests`."""
    import vl_convert as vlc

    # the runtime and the newest Vega-Lite start before the first chart arrives
    vlc.vegalite_to_svg(_EMPTY_VEGA_LITE, vl_version=vlc.get_vegalite_versions()[-1], allowed_base_urls=[])
    lines = _Requests(requests)
    for line in lines:
        try:
            request = json.loads(line)
            svg = _svg(request["spec"], request["vl_version"]).encode()
            png = None if lines.waiting() else _png(svg.decode(), request["png"])
            header, body = {"svg": len(svg), "png": None if png is None else len(png)}, svg + (png or b"")
        except Exception as error:  # noqa: BLE001 (told to the command, which makes it itself)
            replies.write(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode() + b"\n")
        else:
            replies.write(json.dumps(header).encode() + b"\n" + body)
        replies.flush()


# ------------------------------------------------------------------------------------------- the command's side
class _Broken(Exception):
    """The helper is gone or its replies cannot be read: nothing more is asked of it."""


Reply = tuple[str, bytes | None] | str | None  # a chart's SVG and PNG, a bundle's text, or None: make it here


class _Answer:
    """Where a helper's reader puts the reply to one request (concurrent.futures' Future, without its import of
    logging at every chart command's start)."""

    def __init__(self, reply: Reply = None, *, given: bool = False) -> None:
        self.reply, self.given = reply, threading.Event()
        if given:
            self.given.set()

    def give(self, reply: Reply) -> None:
        self.reply = reply
        self.given.set()


class _Helper:
    """A helper process: each request is written at once and answered in order, each reply read by the helper's own
    reader thread into the answer `ask` gave for it, so replies are never another request's, even for a request
    nobody waits for any more."""

    def __init__(self) -> None:
        # -P: the helper imports vl-convert, never a module of the working directory that happens to share a name
        self.process = subprocess.Popen([sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.asked: queue.SimpleQueue[_Answer | None] = queue.SimpleQueue()
        self.writing = threading.Lock()
        self.broken = False
        self.reader = threading.Thread(target=self._read, name="chart helper", daemon=True)
        self.reader.start()

    def ask(self, request: dict[str, Any]) -> _Answer:
        """Send the chart `request`; its answer is the reply, or None when the helper cannot give one (a spec JSON
        cannot hold, a broken helper, or a failure the helper reported)."""
        try:
            line = json.dumps(request).encode() + b"\n"
        except (TypeError, ValueError):  # nothing was written: the helper is still in step
            return _Answer(given=True)
        assert self.process.stdin is not None
        with self.writing:
            if not self.broken:
                try:
                    self.process.stdin.write(line)
                    self.process.stdin.flush()
                except (OSError, ValueError):  # a broken pipe, a closed helper
                    self.broken = True
                else:
                    answer = _Answer()
                    self.asked.put(answer)
                    return answer
        return _Answer(given=True)

    def wait(self, answer: _Answer) -> Reply:
        """The reply of `answer`, waited for at most REPLY_TIMEOUT; None, and the helper ended (its reader then
        answers every later request None), when it is silent for longer."""
        if not answer.given.wait(REPLY_TIMEOUT):
            self.broken = True
            self.process.kill()
            answer.given.wait()
        return answer.reply

    def _read(self) -> None:
        while (answer := self.asked.get()) is not None:
            reply = None
            if not self.broken:
                try:
                    reply = self._receive()
                except _Broken:
                    self.broken = True
            answer.give(reply)

    def _receive(self) -> Reply:
        """The next reply: a chart's SVG and PNG (None when the helper left the PNG to the command); None when the
        helper reported a failure (it goes on with the next request)."""
        assert self.process.stdout is not None
        try:
            header = json.loads(self.process.stdout.readline())
            if "error" in header:
                return None
            svg = self.process.stdout.read(header["svg"])
            png = None if header["png"] is None else self.process.stdout.read(header["png"])
            if len(svg) != header["svg"] or (png is not None and len(png) != header["png"]):
                raise _Broken
            return svg.decode(), png
        except (OSError, ValueError, KeyError, TypeError) as error:  # a reply cut short or garbled
            raise _Broken from error

    def close(self) -> None:
        """Let the helper end (its requests end), once every reply asked for is read, and reap it."""
        self.asked.put(None)
        try:
            if self.process.stdin is not None:
                with self.writing:
                    self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)


_helpers: list[_Helper] = []
_lock = threading.Lock()
_started = False


def _processors() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def start() -> None:
    """Start the helpers (once per process), so that their runtimes start beside the command's own work."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
        for _ in range(min(MAX_HELPERS, max(1, _processors() - 1))):
            try:
                _helpers.append(_Helper())
            except OSError:  # no process to be had: this process renders every chart
                break


def stop() -> None:
    """End the helpers; a later `start` starts new ones."""
    global _started
    with _lock:
        for helper in _helpers:
            helper.close()
        _helpers.clear()
        _started = False


def _retire_broken() -> None:
    """End the helpers that fell out of step with their replies: nothing more is asked of them."""
    with _lock:
        for helper in [helper for helper in _helpers if helper.broken]:
            _helpers.remove(helper)
            helper.process.kill()
            helper.close()


class Drawing:
    """Charts being drawn: made by `draw`, which has sent every spec to a helper (each in turn) as `specs` gave it;
    `result` waits for their SVGs and rasterises the PNGs the helpers left, so a command can make its other files
    meanwhile. A drawing nobody waits for costs only the helpers' time: its replies are read and dropped."""

    def __init__(self, specs: Iterable[dict[str, Any]], *, vl_version: str, scale: float) -> None:
        start()
        self.vl_version, self.scale = vl_version, scale
        helpers = list(_helpers)
        self.specs: list[dict[str, Any]] = []
        self.replies: list[_Answer | None] = []
        self.helpers: list[_Helper | None] = []
        for spec in specs:
            helper = helpers[len(self.specs) % len(helpers)] if helpers else None
            self.specs.append(spec)
            self.helpers.append(helper)
            self.replies.append(None if helper is None else helper.ask(
                {"spec": spec, "vl_version": vl_version, "png": scale}))
        self.drawn: list[Rendered] | None = None

    def result(self) -> list[Rendered]:
        """Each spec's SVG and PNG, in order: a PNG the helper did not rasterise is rasterised here once its SVG is
        back, and what the helpers could not draw is drawn here. The bytes are those of drawing here."""
        if self.drawn is None:
            drawn = []
            try:
                for spec, helper, answer in zip(self.specs, self.helpers, self.replies):
                    reply = None if helper is None or answer is None else helper.wait(answer)
                    if reply is None:
                        drawn.append(_render_here(spec, self.vl_version, self.scale))
                    else:
                        svg, png = reply  # type: ignore[misc]
                        drawn.append((svg, _png(svg, self.scale) if png is None else png))
            finally:
                _retire_broken()
            self.drawn = drawn
        return self.drawn


def draw(specs: Iterable[dict[str, Any]], *, vl_version: str, scale: float) -> Drawing:
    """Start drawing each Vega-Lite spec: each is sent to a helper (each in turn) as soon as `specs` gives it, and
    the helpers draw the SVGs side by side while the caller goes on (`Drawing.result`)."""
    return Drawing(specs, vl_version=vl_version, scale=scale)


def render(specs: Iterable[dict[str, Any]], *, vl_version: str, scale: float) -> list[Rendered]:
    """Each Vega-Lite spec's SVG and PNG, in order (`draw`, then its result)."""
    return draw(specs, vl_version=vl_version, scale=scale).result()


def bundle_ahead(vl_version: str) -> Callable[[], str]:
    """Start making Vega-Embed's bundle for Vega-Lite `vl_version` in a process of its own (`python -m
    model.present.vega --bundle VERSION` writes it to its output and ends), beside the charts' helpers; the function
    returned gives the bundle, made here when that process could not start, failed, or was silent past
    REPLY_TIMEOUT (it is then ended)."""
    try:
        process = subprocess.Popen([sys.executable, "-P", "-m", __name__, "--bundle", vl_version],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:  # no process to be had
        return lambda: _bundle(vl_version)
    answer = _Answer()

    def read() -> None:
        assert process.stdout is not None
        text = None
        try:
            made = process.stdout.read()
            if process.wait() == 0 and made:
                text = made.decode("utf-8")
        except (OSError, ValueError):  # a pipe broken, a text cut short
            pass
        answer.give(text)

    threading.Thread(target=read, name="bundle maker", daemon=True).start()

    def result() -> str:
        if not answer.given.wait(REPLY_TIMEOUT):
            process.kill()
            answer.given.wait()
        return answer.reply if isinstance(answer.reply, str) else _bundle(vl_version)

    return result


def bundle(vl_version: str) -> str:
    """Vega-Embed's bundle for Vega-Lite `vl_version` (`bundle_ahead`, waited for at once)."""
    return bundle_ahead(vl_version)()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bundle"]:
        sys.stdout.buffer.write(_bundle(sys.argv[2]).encode("utf-8"))
    else:
        serve(sys.stdin.fileno(), sys.stdout.buffer)
