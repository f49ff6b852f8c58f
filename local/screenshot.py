"""Screenshot an HTML preview with headless Chromium (Debian's ``chromium``) for the README's pictures, cropped
to what the page shows (Pillow), so a message is never cut off and no empty page follows it.

Not used by the demo or the tests; ``make docs/message.png`` installs what it needs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def screenshot(page: Path, target: Path, width: int = 960, height: int = 6000, margin: int = 12) -> None:
    """``page`` rendered ``width`` wide in a window taller than any preview, then cropped to its content."""
    _capture(page, target, width, height)
    _crop(target, margin)


def _crop(target: Path, margin: int) -> None:
    from PIL import Image, ImageChops

    with Image.open(target) as shot:
        image = shot.convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((0, 0)))
    box = ImageChops.difference(image, background).getbbox()
    if box is None:
        raise SystemExit(f"{target}: the page rendered nothing")
    left, top, right, bottom = box
    image.crop(
        (
            max(0, left - margin),
            max(0, top - margin),
            min(image.width, right + margin),
            min(image.height, bottom + margin),
        )
    ).save(target, optimize=True)


def _capture(page: Path, target: Path, width: int, height: int) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("chromium is not installed (apt-get install chromium fonts-noto-color-emoji)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={target.resolve()}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
