"""The plugin's pure parts on their own: sniffing, names, format sizes, settings."""

from __future__ import annotations

import re

import pytest

from cms.config import ConfigError, EnvValue
from plugins.upload.config import load_config
from plugins.upload.images import plan, svg_size
from plugins.upload.naming import clean_name, new_hash, slug
from plugins.upload.sniff import allowed, serving, sniff
from tests.plugins.upload.support import HTML, SVG, animated_gif, image


@pytest.mark.parametrize(("head", "filename", "mime", "ext"), [
    (image(4, 4), "x.gif", "image/png", ".png"),
    (image(4, 4, "JPEG"), "x.jpeg", "image/jpeg", ".jpeg"),
    (image(4, 4, "JPEG"), "x.png", "image/jpeg", ".jpg"),
    (image(4, 4, "WEBP"), "x", "image/webp", ".webp"),
    (animated_gif(8, 8), "x.gif", "image/gif", ".gif"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "doc.exe", "application/pdf", ".pdf"),
    (HTML, "a.png", "text/html", ".html"),
    (b"  \n<html><body>hi</body></html>", "a.txt", "text/html", ".html"),
    (b"<script>alert(1)</script>", "a.txt", "text/html", ".html"),
    (SVG, "a.png", "image/svg+xml", ".svg"),
    (b"<!-- c --><svg xmlns='http://www.w3.org/2000/svg'/>", "a", "image/svg+xml", ".svg"),
    (b'<?xml version="1.0"?><feed/>', "a.xml", "application/xml", ".xml"),
    (b"hello\nworld\n", "notes.md", "text/markdown", ".md"),
    (b"hello", "x.html", "text/plain", ".txt"),
    ("h\u00e9llo w\u00f6rld".encode(), "a.csv", "text/csv", ".csv"),
    (b"\x00\x01\x02binary", "blob.dat", "application/octet-stream", ".dat"),
    (b"\x00\x01\x02binary", "blob.html", "application/octet-stream", ".bin"),
    (b"\x00\x01\x02binary", "blob.svg", "application/octet-stream", ".bin"),
    (b"", "empty.png", "application/octet-stream", ".bin"),
])
def test_sniffing(head: bytes, filename: str, mime: str, ext: str) -> None:
    found = sniff(head, filename)
    assert (found.mime, found.ext) == (mime, ext)
    assert serving("x" + found.ext)[0] == mime  # what is served is what was sniffed


def test_serving_types_and_dispositions() -> None:
    assert serving("a.png") == ("image/png", True)
    assert serving("a.mp4") == ("video/mp4", True)
    assert serving("a.svg") == ("image/svg+xml", False)
    assert serving("a.html") == ("text/html", False)
    assert serving("a.xml") == ("application/xml", False)
    assert serving("a.unknown") == ("application/octet-stream", False)
    assert serving("noext") == ("application/octet-stream", False)
    assert allowed("image/png", ["image/*"]) and allowed("x/y", ["*"]) and not allowed("text/html", ["image/*"])


def test_names() -> None:
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("C:\\Users\\me\\photo.jpg") == "photo.jpg"
    assert clean_name("a\x00b\r\n.png") == "ab.png"
    assert clean_name("..") == "file" and clean_name("") == "file"
    long = clean_name("x" * 400 + ".jpeg")
    assert len(long) == 255 and long.endswith(".jpeg")
    assert slug("Héros d'été") == "Heros_d_ete"
    assert slug("../..") == "file" and slug("日本") == "file"
    assert re.fullmatch(r"Hero_Image_[0-9a-f]{10}", new_hash("Hero Image.png"))
    assert re.fullmatch(r"archive_tar_[0-9a-f]{10}", new_hash("archive.tar.gz"))


def test_format_sizes_follow_strapis_rules() -> None:
    breakpoints = {"large": 1000, "medium": 750, "small": 500}
    assert plan(1200, 800, breakpoints, True) == [
        ("thumbnail", 234, 156), ("large", 1000, 667), ("medium", 750, 500), ("small", 500, 333)]
    assert plan(100, 80, breakpoints, True) == []
    assert plan(800, 1200, breakpoints, True) == [
        ("thumbnail", 104, 156), ("large", 667, 1000), ("medium", 500, 750), ("small", 333, 500)]
    assert plan(600, 100, breakpoints, False) == [("small", 500, 83)]
    assert plan(245, 156, {}, True) == []  # exactly the thumbnail box: nothing to make
    assert svg_size(SVG) == (640, 480)
    assert svg_size(b'<svg viewBox="0 0 24 12"></svg>') == (24, 12)
    assert svg_size(b'<svg width="100%"></svg>') is None


def test_settings() -> None:
    config = load_config({})
    assert (config.provider, config.size_limit, config.breakpoints) == (
        "local", 200 * 1024 * 1024, {"large": 1000, "medium": 750, "small": 500})
    assert load_config({"breakpoints": EnvValue("xl=1920,sm=480", "CMS_PLUGINS_UPLOAD_BREAKPOINTS")}).breakpoints == {
        "xl": 1920, "sm": 480}
    assert load_config({"breakpoints": {}}).breakpoints == {}
    for bad in ({"breakpoints": {"thumbnail": 100}}, {"breakpoints": {"big": "x"}}, {"size_limit": 0},
                {"provider": "ftp"}, {"provider": "s3"}, {"nope": 1},
                {"breakpoints": EnvValue("large", "CMS_PLUGINS_UPLOAD_BREAKPOINTS")}):
        with pytest.raises(ConfigError):
            load_config(bad)
