"""vl-convert, the charts' renderer, run in helper processes: vl-convert renders one chart at a time and holds
Python's lock meanwhile, so charts' SVGs are drawn side by side in helpers, started as soon as a command starts so
that their JavaScript runtimes start while the command imports, loads and models. The command's own process, idle
while it waits, rasterises each SVG to PNG as it arrives (which needs no JavaScript runtime), so drawing the next
SVG and rasterising the last overlap.

A helper is only an accelerator: a chart it cannot render (the helper would not start, died, or failed on the chart)
is rendered by the command's own process, where a failure is reported as it always is.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

# Charts are few and each takes a tenth of a second: past two helpers, a runtime's start (0.6 s of processor) costs
# more than its share of the charts saves. One processor is left to the command itself, which is busy importing,
# loading and modelling while the helpers start, and rasterises the PNGs while they draw.
MAX_HELPERS = 2
# The smallest spec that starts the runtime and Vega; Vega-Lite's own module then loads with the first chart.
_EMPTY_VEGA = {"$schema": "https://vega.github.io/schema/vega/v6.json", "width": 1, "height": 1}

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
def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """A helper's loop: one JSON request a line ({"spec", "vl_version"}), each answered by a JSON line ({"svg":
    bytes}, or {"error": text}) followed by the SVG's bytes; ends at the end of `requests`."""
    import vl_convert as vlc

    vlc.vega_to_svg(_EMPTY_VEGA, allowed_base_urls=[])  # the runtime starts before the first chart arrives
    for line in requests:
        try:
            request = json.loads(line)
            svg = _svg(request["spec"], request["vl_version"]).encode()
        except Exception as error:  # noqa: BLE001 (told to the command, which renders the chart itself)
            replies.write(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode() + b"\n")
        else:
            replies.write(json.dumps({"svg": len(svg)}).encode() + b"\n" + svg)
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

    def send(self, specs: Sequence[dict[str, Any]], vl_version: str) -> None:
        """Ask for each spec's SVG; the helper draws them in order while the replies are read."""
        assert self.process.stdin is not None
        try:
            for spec in specs:
                self.process.stdin.write(json.dumps({"spec": spec, "vl_version": vl_version}).encode() + b"\n")
            self.process.stdin.flush()
        except (OSError, ValueError, TypeError) as error:  # a broken pipe, a closed helper, a spec JSON cannot hold
            raise _Broken from error

    def receive(self) -> str | None:
        """The next chart's SVG, or None when the helper could not draw that chart (it goes on with the next)."""
        assert self.process.stdout is not None
        try:
            header = json.loads(self.process.stdout.readline())
            if "error" in header:
                return None
            svg = self.process.stdout.read(header["svg"])
            if len(svg) != header["svg"]:
                raise _Broken
            return svg.decode()
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


def render(specs: Iterable[dict[str, Any]], *, vl_version: str, scale: float) -> list[Rendered]:
    """Each Vega-Lite spec's SVG and PNG, in order: each spec is sent to a helper (each in turn) as soon as `specs`
    gives it, the helpers draw the SVGs side by side, and each PNG is rasterised here once its SVG is back; what the
    helpers could not draw is drawn here. The bytes are those of drawing here."""
    start()
    helpers = list(_helpers)
    made: list[dict[str, Any]] = []
    svgs: dict[int, str | None] = {}
    arrived: list[threading.Event] = []
    broken: set[_Helper] = set()  # out of step with their replies: they draw no more, and are ended below
    waiting = [queue.SimpleQueue() for _ in helpers]  # each helper's charts, in the order they were sent

    def work(helper: _Helper, positions: queue.SimpleQueue) -> None:
        while (position := positions.get()) is not None:
            try:
                if helper not in broken:
                    svgs[position] = helper.receive()
            except _Broken:
                broken.add(helper)
            finally:  # whatever happens there, a chart it did not draw is drawn here
                arrived[position].set()

    threads = [threading.Thread(target=work, args=pair, name="chart helper", daemon=True)
               for pair in zip(helpers, waiting)]
    for thread in threads:
        thread.start()
    try:
        for position, spec in enumerate(specs):
            made.append(spec)
            arrived.append(threading.Event())
            if not helpers:
                arrived[position].set()
                continue
            helper = helpers[position % len(helpers)]
            try:
                if helper not in broken:
                    helper.send([spec], vl_version)
            except _Broken:
                broken.add(helper)
            waiting[position % len(helpers)].put(position)
        for positions in waiting:
            positions.put(None)
        drawn = []
        for position, spec in enumerate(made):
            arrived[position].wait()
            svg = svgs.get(position)
            drawn.append(_render_here(spec, vl_version, scale) if svg is None else (svg, _png(svg, scale)))
        return drawn
    finally:  # a chart that fails here leaves no helper still reading replies that the next call would read
        for positions in waiting:
            positions.put(None)
        for thread in threads:
            thread.join()
        if broken:
            with _lock:
                for helper in broken:
                    _helpers.remove(helper)
                    helper.process.kill()
                    helper.close()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
