"""vl-convert, the charts' renderer, run in helper processes: vl-convert renders one chart at a time and holds
Python's lock meanwhile, so charts are drawn side by side in helpers, started as soon as a command's inputs are
checked so that their JavaScript runtimes start while the command imports, loads and models.

A helper is only an accelerator: a chart it cannot render (the helper would not start, died, or failed on the chart)
is rendered by the command's own process, where a failure is reported as it always is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any, BinaryIO

# Charts are few and each takes a tenth of a second: past two helpers, a runtime's start (0.6 s of processor) costs
# more than its share of the charts saves. One processor is left to the command itself, which is busy importing,
# loading and modelling while the helpers start.
MAX_HELPERS = 2
# The smallest spec that starts the runtime and Vega; Vega-Lite's own module then loads with the first chart.
_EMPTY_VEGA = {"$schema": "https://vega.github.io/schema/vega/v6.json", "width": 1, "height": 1}

Rendered = tuple[str, bytes]  # a chart's SVG, and the PNG rasterised from that SVG


def _render_here(spec: dict[str, Any], vl_version: str, scale: float) -> Rendered:
    """One chart in this process: its SVG without the network (an empty allow-list refuses any URL), then the PNG of
    that SVG, the same picture (vl-convert draws PNGs from its SVG too) for a third of the cost of a second render."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec, vl_version=vl_version, allowed_base_urls=[])
    return svg, vlc.svg_to_png(svg, scale=scale)


# -------------------------------------------------------------------------------------------- the helper's side
def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """A helper's loop: one JSON request a line ({"spec", "vl_version", "scale"}), each answered by a JSON line
    ({"svg": bytes, "png": bytes}, or {"error": text}) followed by the SVG's and the PNG's bytes; ends at the end of
    `requests`."""
    import vl_convert as vlc

    vlc.vega_to_svg(_EMPTY_VEGA, allowed_base_urls=[])  # the runtime starts before the first chart arrives
    for line in requests:
        try:
            request = json.loads(line)
            svg, png = _render_here(request["spec"], request["vl_version"], request["scale"])
            svg_bytes = svg.encode()
        except Exception as error:  # noqa: BLE001 (told to the command, which renders the chart itself)
            replies.write(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode() + b"\n")
        else:
            replies.write(json.dumps({"svg": len(svg_bytes), "png": len(png)}).encode() + b"\n" + svg_bytes + png)
        replies.flush()


# ------------------------------------------------------------------------------------------- the command's side
class _Helper:
    """A helper process, sent one chart at a time."""

    def __init__(self) -> None:
        # -P: the helper imports vl-convert, never a module of the working directory that happens to share a name
        self.process = subprocess.Popen([sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def render(self, spec: dict[str, Any], vl_version: str, scale: float) -> Rendered | None:
        """The chart from the helper, or None when the helper could not render it (or is gone)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            request = json.dumps({"spec": spec, "vl_version": vl_version, "scale": scale})
            self.process.stdin.write(request.encode() + b"\n")
            self.process.stdin.flush()
            header = json.loads(self.process.stdout.readline())
            if "error" in header:
                return None
            svg, png = self.process.stdout.read(header["svg"]), self.process.stdout.read(header["png"])
            if len(svg) != header["svg"] or len(png) != header["png"]:
                return None
            return svg.decode(), png
        except (OSError, ValueError, KeyError, TypeError):  # a broken pipe, a reply cut short or garbled
            return None

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


def render(specs: Sequence[dict[str, Any]], *, vl_version: str, scale: float) -> list[Rendered]:
    """Each Vega-Lite spec's SVG and PNG, in order: drawn by the helpers side by side, each taking the next chart
    when it is free; what they could not draw is drawn here, after them. The bytes are those of drawing here."""
    start()
    pending = deque(enumerate(specs))
    results: list[Rendered | None] = [None] * len(specs)
    lock = threading.Lock()

    def work(helper: _Helper, done: Future) -> None:
        try:
            while True:
                with lock:
                    if not pending:
                        break
                    position, spec = pending.popleft()
                results[position] = helper.render(spec, vl_version, scale)
                if results[position] is None:  # a helper that failed once gets no more charts
                    break
        finally:  # whatever happens here, the command goes on and draws what is left itself
            done.set_result(None)

    finished = []
    for helper in list(_helpers):
        done: Future = Future()
        threading.Thread(target=work, args=(helper, done), name="chart helper", daemon=True).start()
        finished.append(done)
    for done in finished:
        done.result()
    return [_render_here(spec, vl_version, scale) if result is None else result
            for spec, result in zip(specs, results)]


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
