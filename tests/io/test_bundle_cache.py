"""The report's JavaScript bundle kept in outputs/.cache/: read back, made again when damaged or foreign, and never
a reason for a run to fail."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest

from model.io import bundle_cache
from model.io.bundle_cache import MAX_BYTES, cached_text

NAME = "vega-embed-1.9.0-vl6.4"
TEXT = "window.vegaEmbed=embed; // a stand-in for the bundle, é included\n"
FILE = f"{NAME}-{hashlib.sha256(TEXT.encode()).hexdigest()}.js"


class Maker:
    """A bundle maker that counts its calls."""

    def __init__(self, text: str = TEXT):
        self.text, self.calls = text, 0

    def __call__(self) -> str:
        self.calls += 1
        return self.text


def cached(outputs, make, **options) -> str:
    return cached_text(outputs, NAME, make, valid=lambda text: text.startswith("window.vegaEmbed="), **options)


def never() -> str:
    raise AssertionError("the bundle was made again instead of read from the cache")


@pytest.fixture
def outputs(tmp_path):
    folder = tmp_path / "outputs"
    folder.mkdir()
    return folder


def test_the_first_run_keeps_the_bundle_under_its_hash_and_the_next_reads_it(outputs):
    make = Maker()
    assert cached(outputs, make) == TEXT
    assert make.calls == 1
    assert sorted(p.name for p in (outputs / ".cache").iterdir()) == [FILE]
    assert (outputs / ".cache" / FILE).read_text(encoding="utf-8") == TEXT
    assert cached(outputs, never) == TEXT


@pytest.mark.parametrize("damage", [TEXT[:20], TEXT + "alert(1);\n", ""], ids=["truncated", "edited", "empty"])
def test_a_damaged_bundle_is_made_again_and_repaired(outputs, damage):
    (outputs / ".cache").mkdir()
    (outputs / ".cache" / FILE).write_text(damage, encoding="utf-8")
    make = Maker()
    assert cached(outputs, make) == TEXT
    assert make.calls == 1
    assert (outputs / ".cache" / FILE).read_text(encoding="utf-8") == TEXT


def test_a_foreign_file_is_neither_read_nor_replaced(outputs):
    cache = outputs / ".cache"
    cache.mkdir()
    other = f"{NAME}-{hashlib.sha256(b'other').hexdigest()}.js"
    (cache / other).write_text("other", encoding="utf-8")  # its name's hash is right, but it is no bundle
    (cache / f"{NAME}-notahash.js").write_text(TEXT, encoding="utf-8")
    (cache / f"vega-embed-0.1.0-vl5.0-{hashlib.sha256(TEXT.encode()).hexdigest()}.js").write_text(TEXT)
    make = Maker()
    assert cached(outputs, make) == TEXT
    assert make.calls == 1
    assert (cache / other).read_text() == "other"
    assert sorted(p.name for p in cache.iterdir()) == sorted([other, f"{NAME}-notahash.js", FILE,
                                                              f"vega-embed-0.1.0-vl5.0-{FILE.rsplit('-', 1)[1]}"])


def test_a_file_that_is_not_text_or_too_large_is_made_again(outputs):
    cache = outputs / ".cache"
    cache.mkdir()
    (cache / FILE).write_bytes(b"\xff\xfe not utf-8")
    assert cached(outputs, Maker()) == TEXT
    huge = "window.vegaEmbed=" + "x" * MAX_BYTES  # a bundle but for its size
    huge_file = cache / f"{NAME}-{hashlib.sha256(huge.encode()).hexdigest()}.js"
    huge_file.write_text(huge)
    (cache / FILE).unlink()
    make = Maker()
    assert cached(outputs, make) == TEXT
    assert make.calls == 1


def test_a_symbolic_link_is_neither_followed_nor_replaced(outputs, tmp_path):
    elsewhere = tmp_path / "elsewhere.js"
    elsewhere.write_text(TEXT)
    (outputs / ".cache").mkdir()
    (outputs / ".cache" / FILE).symlink_to(elsewhere)
    make = Maker()
    assert cached(outputs, make) == TEXT
    assert make.calls == 1
    assert (outputs / ".cache" / FILE).is_symlink() and elsewhere.read_text() == TEXT


def test_a_cache_folder_that_links_elsewhere_is_not_used(outputs, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (outputs / ".cache").symlink_to(elsewhere)
    make = Maker()
    assert cached(outputs, make) == TEXT
    assert cached(outputs, make) == TEXT
    assert make.calls == 2
    assert list(elsewhere.iterdir()) == []


def test_a_file_in_the_way_of_the_cache_folder_is_left_alone(outputs):
    (outputs / ".cache").write_text("mine")
    assert cached(outputs, Maker()) == TEXT
    assert (outputs / ".cache").read_text() == "mine"


def test_outputs_is_made_only_when_allowed(tmp_path):
    outputs = tmp_path / "outputs"
    assert cached(outputs, Maker(), create=False) == TEXT
    assert not outputs.exists()
    assert cached(outputs, Maker(), create=True) == TEXT
    assert (outputs / ".cache" / FILE).read_text(encoding="utf-8") == TEXT


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_cache_that_cannot_be_written_still_gives_the_bundle(outputs, monkeypatch, code):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", refuse)  # the last step of the atomic write
    make = Maker()
    assert cached(outputs, make) == TEXT
    assert list((outputs / ".cache").iterdir()) == []  # no temporary file left behind
    monkeypatch.setattr(bundle_cache.Path, "mkdir", refuse)
    assert cached(outputs.parent / "new-outputs", make) == TEXT
    assert make.calls == 2


def test_a_text_made_ahead_is_started_at_once_and_kept_when_asked_for(outputs):
    events = []

    def start():
        events.append("started")
        return lambda: events.append("waited") or TEXT

    text = bundle_cache.cached_ahead(outputs, NAME, start, valid=lambda text: text.startswith("window.vegaEmbed="))
    assert events == ["started"] and not (outputs / ".cache" / FILE).exists()
    assert text() == TEXT and events == ["started", "waited"]
    assert (outputs / ".cache" / FILE).read_text(encoding="utf-8") == TEXT
    again = bundle_cache.cached_ahead(outputs, NAME, lambda: never, valid=lambda text: True)
    assert again() == TEXT  # read back: nothing started
