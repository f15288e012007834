"""`scenario run` inlines Vega-Embed's JavaScript in report.html, made once and kept in the project's outputs/.cache/;
a cache that cannot be kept never stops a run."""

from __future__ import annotations

import errno
import hashlib

import pytest
from typer.testing import CliRunner

from model.cli import app
from model.io import bundle_cache
from model.io.outputs import cannot_write
from model.present import report

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def bundle() -> str:
    return report.vega_embed_bundle()


def refuse_to_make() -> str:
    raise AssertionError("the bundle was made again instead of read from outputs/.cache/")


def test_a_run_keeps_the_bundle_in_the_projects_cache_and_the_next_run_reads_it(small, bundle, monkeypatch):
    result = invoke("run", "base")
    assert result.exit_code == 0, result.output
    name = f"{report.bundle_name()}-{hashlib.sha256(bundle.encode()).hexdigest()}.js"
    assert [p.name for p in small.path("outputs/.cache").iterdir()] == [name]
    assert small.path(f"outputs/.cache/{name}").read_text(encoding="utf-8") == bundle
    first = small.path("outputs/base/report.html").read_bytes()
    assert f'<script type="module">{bundle}</script>'.encode() in first

    monkeypatch.setattr(report, "vega_embed_bundle", refuse_to_make)
    monkeypatch.setattr(report, "vega_embed_bundle_ahead", refuse_to_make)
    again = invoke("run", "base")
    assert again.exit_code == 0, again.output
    assert small.path("outputs/base/report.html").read_bytes() == first  # the same page, byte for byte


def test_a_run_elsewhere_uses_the_cache_but_makes_no_outputs_folder(small, tmp_path):
    result = invoke("run", "base", "--out", str(tmp_path / "elsewhere"))
    assert result.exit_code == 0, result.output
    assert not small.path("outputs").exists()
    assert '<script type="module">' in (tmp_path / "elsewhere" / "report.html").read_text()


def test_a_cache_that_cannot_be_written_still_gives_an_interactive_report(small, tmp_path, bundle, monkeypatch):
    def full_disk(path, text):
        raise cannot_write(path, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(bundle_cache, "write_atomically", full_disk)
    result = invoke("run", "base")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # nothing to report: the cache only saves time
    assert list(small.path("outputs/.cache").iterdir()) == []
    assert f'<script type="module">{bundle}</script>' in small.path("outputs/base/report.html").read_text()


def test_a_damaged_cache_is_made_again(small, bundle):
    assert invoke("run", "base").exit_code == 0
    cached = next(small.path("outputs/.cache").iterdir())
    cached.write_text(bundle[: len(bundle) // 2], encoding="utf-8")  # a disk filled up while it was written
    result = invoke("run", "base")
    assert result.exit_code == 0, result.output
    assert cached.read_text(encoding="utf-8") == bundle
    assert f'<script type="module">{bundle}</script>' in small.path("outputs/base/report.html").read_text()
