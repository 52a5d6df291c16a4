"""Image dimensions and responsive formats, with Pillow, as Strapi's image manipulation makes them.

Strapi's rules: a ``thumbnail`` fitting in 245×156 when the image is larger
than that, and for each breakpoint (``large: 1000``, ``medium: 750``, ``small:
500``) a copy fitting in a square of that size when the image is wider or
taller than it; aspect kept, never enlarged, same file format as the original.
Sizes are rounded to the nearest pixel (a 1200×800 image gives 234×156,
500×333, 750×500 and 1000×667). EXIF orientation is applied: the dimensions
reported are the upright ones and the formats are upright (the original is
stored as sent; browsers honour its orientation tag). Animated images, SVGs
and formats Pillow cannot write back are stored without formats.

These functions block (decoding a 20 MP JPEG takes a good part of a second):
the plugin runs them in its thread pool, never on the event loop. JPEGs are
decoded at a reduced scale when the largest format is much smaller (libjpeg's
draft mode), which makes a 20 MP photo several times cheaper.
"""

from __future__ import annotations

import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL = (245, 156)
#: Pillow's names of the formats Strapi resizes (sharp's jpeg, png, webp, tiff, gif, avif)
RESIZABLE = frozenset({"JPEG", "PNG", "WEBP", "TIFF", "GIF", "AVIF"})
_SAVE_OPTIONS = {"JPEG": {"quality": 80}, "WEBP": {"quality": 80}, "AVIF": {"quality": 80}}
_ORIENTATION = 0x0112
_SWAPPED = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class Variant:
    """One responsive format, written to ``path`` (a temp file) until stored."""

    key: str
    path: Path
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    variants: tuple[Variant, ...] = ()


def plan(width: int, height: int, breakpoints: dict[str, int], thumbnail: bool) -> list[tuple[str, int, int]]:
    """The formats an upright ``width``×``height`` image gets: ``(name, width, height)``."""
    targets = []
    if thumbnail and (width > THUMBNAIL[0] or height > THUMBNAIL[1]):
        targets.append(("thumbnail", *_inside(width, height, *THUMBNAIL)))
    for name, size in breakpoints.items():
        if size < width or size < height:
            targets.append((name, *_inside(width, height, size, size)))
    return targets


def _inside(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    scale = min(box_width / width, box_height / height, 1.0)
    return max(1, int(width * scale + 0.5)), max(1, int(height * scale + 0.5))


def analyse(path: Path, out_dir: Path, breakpoints: dict[str, int], thumbnail: bool,
            max_pixels: int) -> ImageInfo | None:
    """The upright size of the image at ``path`` and its formats (written under ``out_dir``);
    None when Pillow cannot read it as an image."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
            return None
    with image:
        raw_width, raw_height = image.size
        try:
            orientation = image.getexif().get(_ORIENTATION, 1)
        except Exception:  # noqa: BLE001 - a broken EXIF block is no orientation
            orientation = 1
        swapped = orientation in _SWAPPED
        width, height = (raw_height, raw_width) if swapped else (raw_width, raw_height)
        animated = bool(getattr(image, "is_animated", False))
        if image.format not in RESIZABLE or animated or raw_width * raw_height > max_pixels:
            return ImageInfo(width, height)
        targets = plan(width, height, breakpoints, thumbnail)
        if not targets:
            return ImageInfo(width, height)
        try:
            return ImageInfo(width, height, tuple(_formats(image, targets, swapped, out_dir)))
        except (OSError, ValueError, Image.DecompressionBombError):  # truncated or corrupt pixel data
            return ImageInfo(width, height)


def _formats(image: Image.Image, targets: list[tuple[str, int, int]], swapped: bool, out_dir: Path) -> list[Variant]:
    file_format = image.format or "PNG"
    if file_format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when the largest format allows it
        _, big_width, big_height = max(targets, key=lambda t: t[1] * t[2])
        image.draft(image.mode, (big_height, big_width) if swapped else (big_width, big_height))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        upright = ImageOps.exif_transpose(image) or image
    sources = [_workable(upright, file_format)]
    written: list[Variant] = []
    try:
        # largest first, each from the smallest picture made so far that covers it: the
        # thumbnail comes from `small`, not from a 20 MP original (a third of the time)
        for name, width, height in sorted(targets, key=lambda t: -t[1] * t[2]):
            source = min((s for s in sources if s.width >= width and s.height >= height), key=lambda s: s.width)
            resized = source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            sources.append(resized)
            target = out_dir / f"format-{secrets.token_hex(12)}"
            resized.save(target, format=file_format, **_SAVE_OPTIONS.get(file_format, {}))
            written.append(Variant(name, target, width, height, target.stat().st_size))
    except BaseException:
        for variant in written:
            variant.path.unlink(missing_ok=True)
        raise
    order = [name for name, _, _ in targets]
    return sorted(written, key=lambda v: order.index(v.key))


def _workable(image: Image.Image, file_format: str) -> Image.Image:
    """A mode that resizes smoothly (palette images resize only by nearest neighbour) and
    that ``file_format`` can write (JPEG has no alpha)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if file_format == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L"):
        return image
    return image.convert("RGBA" if has_alpha else "RGB")


_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE | re.DOTALL)
_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


def svg_size(head: bytes) -> tuple[int, int] | None:
    """Width and height of an SVG from its root element (pixel lengths, else the viewBox)."""
    tag = _SVG_TAG.search(head)
    if tag is None:
        return None
    attributes = dict(re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']', tag.group().decode("utf-8", "replace")))
    width, height = (_LENGTH.match(attributes.get(k, "")) for k in ("width", "height"))
    if width and height:
        return round(float(width.group(1))), round(float(height.group(1)))
    box = attributes.get("viewBox", "").replace(",", " ").split()
    try:
        return (round(float(box[2])), round(float(box[3]))) if len(box) == 4 else None
    except ValueError:
        return None
