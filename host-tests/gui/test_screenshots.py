"""Each plugin's standalone binary opens its editor under Xvfb; a screenshot proves it renders.

Runs every standalone (dummy audio backend) on its own virtual X display at 100 % and 200 %
(`LATHE_GUI_SCALE`), grabs the root window with ImageMagick's `import`, and fails when the
editor is missing, blank or all one colour. PNGs are kept in `target/screenshots/` to look at.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("LATHE_STANDALONE_DIR", ROOT / "target" / "debug"))
SHOT_DIR = ROOT / "target" / "screenshots"
PLUGINS = ["lathe_channel", "lathe_eq", "lathe_limiter", "lathe_meter"]
SCREEN = (1600, 1200)


def unique_colours(png: Path) -> int:
    out = subprocess.run(
        ["identify", "-format", "%k", str(png)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


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
@pytest.mark.parametrize("plugin", PLUGINS)
def test_editor_renders(plugin: str, scale: int, tmp_path: Path):
    binary = BIN_DIR / f"{plugin}_standalone"
    assert binary.exists(), (
        f"{binary} is missing: build it with "
        f"`cargo build -p {plugin} --features {plugin}/standalone`"
    )
    for tool in ["Xvfb", "import", "identify", "xwininfo"]:
        assert shutil.which(tool), f"{tool} is not installed (cargo xtask test installs it)"

    display = f":{90 + PLUGINS.index(plugin) * 2 + scale}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "DISPLAY": display,
        "LATHE_GUI_SCALE": str(scale),
        "LIBGL_ALWAYS_SOFTWARE": "1",
    }
    log = tmp_path / "standalone.log"
    app = None
    try:
        time.sleep(1.0)
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
                ["import", "-window", "root", "-crop", f"{size[0]}x{size[1]}+0+0", str(shot)],
                env=env,
                check=True,
            )
            assert app.poll() is None, f"{plugin} crashed while drawing:\n{log.read_text()}"
        colours = unique_colours(shot)
        # A blank or one-colour window has 1-2 colours; anti-aliased text and widgets give
        # hundreds.
        assert colours >= 64, f"{shot} looks blank: only {colours} colours"
        w, h = size
        assert w >= 400 * scale * 0.9 and h >= 300 * scale * 0.9, (
            f"{plugin} editor at {scale * 100} % is {w}x{h}, too small for its scale"
        )
    finally:
        if app and app.poll() is None:
            app.terminate()
            try:
                app.wait(5)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(5)
