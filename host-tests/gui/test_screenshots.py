"""Each plugin's standalone binary opens its editor under Xvfb; a screenshot proves it renders.

Runs every standalone (dummy audio backend) on its own virtual X display at 100 % and 200 %
(`LATHE_GUI_SCALE`), grabs the root window with ImageMagick's `import`, and fails when the
editor is missing, too small for its scale, blank, one flat colour (an empty panel), or shows
no readable text: tesseract OCR must read the plugin's name from the title bar and a handful of
other words (parameter labels, meter scales). PNGs are kept in `target/screenshots/` to look at.

Each Xvfb picks a free display itself (`-displayfd`), so the test never collides with another
X server on the machine (a developer's session, a parallel run).
"""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bin_dir() -> Path:
    if "LATHE_STANDALONE_DIR" in os.environ:
        return Path(os.environ["LATHE_STANDALONE_DIR"])
    if "CARGO_TARGET_DIR" in os.environ:
        return Path(os.environ["CARGO_TARGET_DIR"]) / "debug"
    return ROOT / "target" / "debug"


BIN_DIR = _bin_dir()
SHOT_DIR = ROOT / "target" / "screenshots"
# Binary stem -> the title its editor shows (EditorSpec::title in plugins/*/src/editor.rs).
PLUGINS = {
    "lathe_channel": "Lathe Channel Strip",
    "lathe_eq": "Lathe Mastering EQ",
    "lathe_limiter": "Lathe Limiter",
    "lathe_meter": "Lathe Loudness Meter",
}
# Large enough for a 200 % editor (the limiter opens at 1760 x 960 pixels there).
SCREEN = (2560, 1600)
TOOLS = ["Xvfb", "import", "identify", "convert", "xwininfo", "tesseract"]


def unique_colours(png: Path) -> int:
    out = subprocess.run(
        ["identify", "-format", "%k", str(png)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def dominant_share(png: Path) -> float:
    """Fraction of the pixels that have the single most common colour (1.0 = one flat colour)."""
    out = subprocess.run(
        ["convert", str(png), "-format", "%c", "histogram:info:-"],
        capture_output=True,
        text=True,
        check=True,
    )
    counts = [int(m.group(1)) for m in re.finditer(r"^\s*(\d+):", out.stdout, re.MULTILINE)]
    return max(counts) / sum(counts)


def ocr_words(png: Path, work: Path) -> list[str]:
    """Words tesseract reads in the screenshot. The dark theme is inverted to dark-on-light
    grey and upscaled to 2x (tesseract wants ~20-30 px glyphs; 100 % text is ~13 px)."""
    prepared = work / "ocr.png"
    subprocess.run(
        [
            "convert",
            str(png),
            "-colorspace",
            "Gray",
            "-negate",
            "-resize",
            "200%",
            str(prepared),
        ],
        check=True,
    )
    out = subprocess.run(
        ["tesseract", str(prepared), "-", "--psm", "11"],
        capture_output=True,
        text=True,
        check=True,
    )
    return re.findall(r"[A-Za-z]{2,}", out.stdout)


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """Starts Xvfb on a display number it chooses itself; returns the process and ':N'."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
            "-nolisten",
            "tcp",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as r:
        number = r.readline().strip()
    assert number.isdigit(), "Xvfb did not report a display number"
    return xvfb, f":{number}"


def window_size(display: str) -> tuple[int, int] | None:
    """Size of the largest top-level window on the display (the editor), via xwininfo."""
    out = subprocess.run(
        ["xwininfo", "-root", "-children"],
        capture_output=True,
        text=True,
        env={**os.environ, "DISPLAY": display},
    )
    best = None
    for line in out.stdout.splitlines():
        parts = line.split()
        for p in parts:
            if "x" in p and "+" in p:
                dims = p.split("+")[0]
                try:
                    w, h = (int(v) for v in dims.split("x"))
                except ValueError:
                    continue
                if w > 10 and h > 10 and (best is None or w * h > best[0] * best[1]):
                    best = (w, h)
    return best


@pytest.mark.parametrize("scale", [1, 2])
@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_editor_renders(plugin: str, scale: int, tmp_path: Path):
    binary = BIN_DIR / f"{plugin}_standalone"
    assert binary.exists(), (
        f"{binary} is missing: build it with "
        f"`cargo build -p {plugin}_bundle --features {plugin}_bundle/standalone`"
    )
    for tool in TOOLS:
        assert shutil.which(tool), f"{tool} is not installed (cargo xtask test installs it)"

    xvfb, display = start_xvfb()
    env = {
        **os.environ,
        "DISPLAY": display,
        "LATHE_GUI_SCALE": str(scale),
        "LIBGL_ALWAYS_SOFTWARE": "1",
    }
    log = tmp_path / "standalone.log"
    app = None
    try:
        with open(log, "w") as log_file:
            app = subprocess.Popen(
                [str(binary), "--backend", "dummy"], env=env, stdout=log_file, stderr=log_file
            )
            # Wait for the editor window to map and draw a few frames.
            deadline = time.time() + 30
            size = None
            while time.time() < deadline:
                time.sleep(1.0)
                assert app.poll() is None, f"{plugin} exited early:\n{log.read_text()}"
                size = window_size(display)
                if size:
                    break
            assert size, f"no editor window appeared for {plugin}:\n{log.read_text()}"
            time.sleep(3.0)
            SHOT_DIR.mkdir(parents=True, exist_ok=True)
            shot = SHOT_DIR / f"{plugin}@{scale * 100}.png"
            subprocess.run(
                [
                    "import",
                    "-window",
                    "root",
                    "-crop",
                    f"{size[0]}x{size[1]}+0+0",
                    "+repage",
                    str(shot),
                ],
                env=env,
                check=True,
            )
            assert app.poll() is None, f"{plugin} crashed while drawing:\n{log.read_text()}"

        w, h = size
        assert w <= SCREEN[0] and h <= SCREEN[1], (
            f"{plugin} editor at {scale * 100} % is {w}x{h}, larger than the screen: the shot is cut"
        )
        assert w >= 400 * scale * 0.9 and h >= 300 * scale * 0.9, (
            f"{plugin} editor at {scale * 100} % is {w}x{h}, too small for its scale"
        )
        # A blank or one-colour window has 1-2 colours; anti-aliased text and widgets give
        # hundreds.
        colours = unique_colours(shot)
        assert colours >= 64, f"{shot} looks blank: only {colours} colours"
        # An editor that draws only its title bar and a row of controls over an empty panel is
        # still ~97 % one colour (measured: the generic placeholder editors, 0.97-0.99); a
        # laid-out editor with meters and plots is far below that (the limiter's: 0.38-0.41).
        share = dominant_share(shot)
        assert share < 0.85, f"{shot} is {share:.0%} one colour: an empty editor?"

        words = [x.lower() for x in ocr_words(shot, tmp_path)]
        text = " ".join(words)
        title = PLUGINS[plugin].lower()
        assert title in text, f"OCR did not read the title '{PLUGINS[plugin]}' in {shot}: {words}"
        others = [x for x in words if len(x) >= 3 and x not in title.split()]
        assert len(others) >= 5, f"OCR read too little text besides the title in {shot}: {words}"
    finally:
        if app and app.poll() is None:
            app.terminate()
            try:
                app.wait(5)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(5)
