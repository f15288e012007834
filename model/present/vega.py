"""vl-convert, the charts' renderer, run in helper processes: vl-convert renders one chart at a time and holds
Python's lock meanwhile, so charts' SVGs are drawn side by side in helpers, started as soon as a command starts so
that their JavaScript runtimes start while the command imports, loads and models. The command's own process
rasterises each SVG to PNG as it arrives (which needs no JavaScript runtime), and makes its other files while the
helpers draw; a helper that would otherwise wait for its next chart (none is sent yet, or it drew the last one)
rasterises the PNG of the chart it drew itself, so whichever of the two is free does the work.

A helper is only an accelerator: a chart it cannot render (the helper would not start, died, or failed on the chart)
is rendered by the command's own process, where a failure is reported as it always is.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

# Charts are few and each takes a tenth of a second: past two helpers, a runtime's start (0.6 s of processor) costs
# more than its share of the charts saves. One processor is left to the command itself, which is busy importing,
# loading and modelling while the helpers start, and rasterises the PNGs while they draw.
MAX_HELPERS = 2
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
    """A helper's loop over the requests on file descriptor `requests`: one JSON request a line ({"spec",
    "vl_version", "png": the PNG's scale}), each answered by a JSON line ({"svg": bytes, "png": bytes, or null when
    the command is to rasterise it}, or {"error": text}) followed by the SVG's bytes, then the PNG's. A PNG is
    rasterised here only when no other request is waiting: the helper is free, and the command may be busy. Ends
    at the end of `requests`."""
    import vl_convert as vlc

    # the runtime and the newest Vega-Lite start before the first chart arrives
    vlc.vegalite_to_svg(_EMPTY_VEGA_LITE, vl_version=vlc.get_vegalite_versions()[-1], allowed_base_urls=[])
    lines = _Requests(requests)
    for line in lines:
        try:
            request = json.loads(line)
            svg = _svg(request["spec"], request["vl_version"])
            png = None if lines.waiting() else _png(svg, request["png"])
        except Exception as error:  # noqa: BLE001 (told to the command, which renders the chart itself)
            replies.write(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode() + b"\n")
        else:
            header = {"svg": len(svg.encode()), "png": None if png is None else len(png)}
            replies.write(json.dumps(header).encode() + b"\n" + svg.encode() + (png or b""))
        replies.flush()


# ------------------------------------------------------------------------------------------- the command's side
class _Broken(Exception):
    """The helper is gone or its replies cannot be read: nothing more is asked of it."""


class _Helper:
    """A helper process, sent a command's charts at once and read back one SVG at a time, in order."""

    def __init__(self) -> None:
        # -P: the helper imports vl-convert, never a module of the working directory that happens to share a name
        self.process = subprocess.Popen([sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def send(self, spec: dict[str, Any], vl_version: str, png: float) -> None:
        """Ask for the spec's SVG (and its PNG at scale `png`, if the helper is free); the helper draws in order
        while the replies are read."""
        assert self.process.stdin is not None
        try:
            request = {"spec": spec, "vl_version": vl_version, "png": png}
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except (OSError, ValueError, TypeError) as error:  # a broken pipe, a closed helper, a spec JSON cannot hold
            raise _Broken from error

    def receive(self) -> tuple[str, bytes | None] | None:
        """The next chart's SVG and PNG (None when the helper left it to the command), or None when the helper could
        not draw that chart (it goes on with the next)."""
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
        """Let the helper end (its requests end) and reap it."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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


class Drawing:
    """Charts being drawn: made by `draw`, which has sent every spec to a helper; `result` waits for their SVGs and
    rasterises the PNGs, so a command can make its other files meanwhile. A drawing must be ended, by `result` or
    `close`, before the next one is drawn: until then its helpers' replies are its own."""

    def __init__(self, specs: Iterable[dict[str, Any]], *, vl_version: str, scale: float) -> None:
        start()
        self.vl_version, self.scale = vl_version, scale
        self.helpers = list(_helpers)
        self.specs: list[dict[str, Any]] = []
        self.replies: dict[int, tuple[str, bytes | None] | None] = {}
        self.arrived: list[threading.Event] = []
        self.broken: set[_Helper] = set()  # out of step with their replies: they draw no more, and are ended below
        self.waiting = [queue.SimpleQueue() for _ in self.helpers]  # each helper's charts, in the order sent
        self.threads = [threading.Thread(target=self._read, args=pair, name="chart helper", daemon=True)
                        for pair in zip(self.helpers, self.waiting)]
        self.drawn: list[Rendered] | None = None
        for thread in self.threads:
            thread.start()
        try:
            for spec in specs:
                self._send(spec)
        except BaseException:
            self.close()
            raise
        for positions in self.waiting:
            positions.put(None)

    def _read(self, helper: _Helper, positions: queue.SimpleQueue) -> None:
        while (position := positions.get()) is not None:
            try:
                if helper not in self.broken:
                    self.replies[position] = helper.receive()
            except _Broken:
                self.broken.add(helper)
            finally:  # whatever happens there, a chart it did not draw is drawn here
                self.arrived[position].set()

    def _send(self, spec: dict[str, Any]) -> None:
        position = len(self.specs)
        self.specs.append(spec)
        self.arrived.append(threading.Event())
        if not self.helpers:
            self.arrived[position].set()
            return
        helper = self.helpers[position % len(self.helpers)]
        try:
            if helper not in self.broken:
                helper.send(spec, self.vl_version, self.scale)
        except _Broken:
            self.broken.add(helper)
        self.waiting[position % len(self.helpers)].put(position)

    def result(self) -> list[Rendered]:
        """Each spec's SVG and PNG, in order: a PNG the helper did not rasterise is rasterised here once its SVG is
        back, and what the helpers could not draw is drawn here. The bytes are those of drawing here."""
        if self.drawn is None:
            try:
                drawn = []
                for position, spec in enumerate(self.specs):
                    self.arrived[position].wait()
                    reply = self.replies.get(position)
                    if reply is None:
                        drawn.append(_render_here(spec, self.vl_version, self.scale))
                    else:
                        svg, png = reply
                        drawn.append((svg, _png(svg, self.scale) if png is None else png))
                self.drawn = drawn
            finally:
                self.close()
        return self.drawn

    def close(self) -> None:
        """End the drawing: its replies are read (and dropped), so that no later drawing reads them, and a helper
        that fell out of step is ended."""
        for positions in self.waiting:
            positions.put(None)
        for thread in self.threads:
            thread.join()
        if self.broken:
            with _lock:
                for helper in self.broken:
                    if helper in _helpers:
                        _helpers.remove(helper)
                        helper.process.kill()
                        helper.close()


def draw(specs: Iterable[dict[str, Any]], *, vl_version: str, scale: float) -> Drawing:
    """Start drawing each Vega-Lite spec: each is sent to a helper (each in turn) as soon as `specs` gives it, and
    the helpers draw the SVGs side by side while the caller goes on (`Drawing.result`)."""
    return Drawing(specs, vl_version=vl_version, scale=scale)


def render(specs: Iterable[dict[str, Any]], *, vl_version: str, scale: float) -> list[Rendered]:
    """Each Vega-Lite spec's SVG and PNG, in order (`draw`, then its result)."""
    return draw(specs, vl_version=vl_version, scale=scale).result()


if __name__ == "__main__":
    serve(sys.stdin.fileno(), sys.stdout.buffer)
