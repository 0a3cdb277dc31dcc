"""Each plugin's standalone binary opens its editor under Xvfb with audio flowing; screenshots
prove it renders, fits and shows signal, and the standalones survive JACK at any period size in
every layout.

- Editors: every standalone runs on JACK (a dummy-driver server of the test's own, fed a tone by
  JACK's `jack_simple_client`) on its own virtual X display at 100 %, at 200 % and in a window
  larger than its default (`LATHE_GUI_SCALE`, `LATHE_GUI_SIZE`). A shot fails when the editor is
  missing, larger than the screen, too small for its scale, blank, one flat colour (an empty
  panel), or when tesseract OCR cannot read the plugin's name, the scale control's caption and
  the rightmost label of the layout in the right part of the window (nothing pushed off the
  edge).
- Small screen: at 200 % on a 1920 x 1200 screen the window must open within the screen with
  its scale control readable (the Channel Strip once opened 2540 px wide, its scale control off
  the edge).
- JACK: every layout of every plugin starts at 1,024-frame periods (the framework declares 512),
  and the stereo layout runs at 256 and 4,096 too: the process stays alive, logs no error or
  panic and registers its ports.

PNGs are kept in `target/screenshots/` to look at. Each Xvfb picks a free display itself
(`-displayfd`) and each JACK server has a name of its own, so the test never collides with
another X or JACK server on the machine.
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
# The last label at the right of each editor's layout: OCR must read one of them in the right
# part of the shot, or something pushed the layout past the window's edge.
RIGHT_WORDS = {
    "lathe_channel": ["bypass", "output", "out"],
    "lathe_eq": ["bypass", "band"],
    "lathe_limiter": ["output", "lufs", "out"],
    "lathe_meter": ["balance", "peaks", "peak"],
}
# Words each editor must show (OCR): controls the issue found missing or unlabelled.
REQUIRED_WORDS = {
    "lathe_channel": ["polarity", "law"],
    "lathe_eq": ["analyser", "freeze", "resolution"],
    "lathe_limiter": [],
    "lathe_meter": [],
}
# Large enough for every editor at 200 % (the Channel Strip opens at 2540 x 1120 pixels there).
SCREEN = (3840, 2160)
# A common laptop/desktop screen, too small for some editors at 200 %.
SMALL_SCREEN = (1920, 1200)
# The share of a screen an editor may take (shared-gui/src/screen.rs, USABLE).
USABLE = (0.95, 0.88)
TOOLS = ["Xvfb", "import", "identify", "convert", "xwininfo", "tesseract", "jackd", "jack_lsp",
         "jack_simple_client"]


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


def start_xvfb(screen: tuple[int, int] = SCREEN) -> tuple[subprocess.Popen, str]:
    """Starts Xvfb on a display number it chooses itself; returns the process and ':N'."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{screen[0]}x{screen[1]}x24",
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


class Jack:
    """A JACK server of the test's own (dummy driver, no audio hardware) at one period size,
    with `jack_simple_client` playing a tone on `jack_simple_client:output1/2`."""

    def __init__(self, period: int):
        self.name = f"lathe-test-{os.getpid()}-{period}"
        self.env = {**os.environ, "JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1"}
        self.server = subprocess.Popen(
            ["jackd", "--no-realtime", "-n", self.name, "-d", "dummy", "-r", "48000",
             "-p", str(period)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.tone = None
        deadline = time.time() + 15
        while time.time() < deadline:
            assert self.server.poll() is None, f"jackd -p {period} exited at start"
            if "system:playback_1" in self.ports():
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"jackd -p {period} did not come up in 15 s")
        self.tone = subprocess.Popen(
            ["jack_simple_client"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        while time.time() < deadline and "jack_simple_client:output1" not in self.ports():
            time.sleep(0.2)
        assert "jack_simple_client:output1" in self.ports(), "the test tone did not start"

    def ports(self) -> str:
        out = subprocess.run(["jack_lsp"], env=self.env, capture_output=True, text=True, timeout=10)
        return out.stdout

    def stop(self):
        for proc in [self.tone, self.server]:
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture(scope="module")
def jack():
    server = Jack(1024)
    yield server
    server.stop()


def check_tools():
    for tool in TOOLS:
        assert shutil.which(tool), f"{tool} is not installed (cargo xtask test installs it)"


def standalone(plugin: str) -> Path:
    binary = BIN_DIR / f"{plugin}_standalone"
    assert binary.exists(), (
        f"{binary} is missing: build it with "
        f"`cargo build -p {plugin}_bundle --features {plugin}_bundle/standalone`"
    )
    return binary


def run_editor(plugin: str, env: dict, args: list[str], log: Path, shot: Path, display: str):
    """Starts the standalone, waits for its window and a few frames, takes the shot; returns the
    window size and the process (still running; the caller stops it)."""
    log_file = open(log, "w")
    app = subprocess.Popen([str(standalone(plugin)), *args], env=env, stdout=log_file,
                           stderr=log_file)
    deadline = time.time() + 30
    size = None
    while time.time() < deadline:
        time.sleep(1.0)
        assert app.poll() is None, f"{plugin} exited early:\n{log.read_text()}"
        size = window_size(display)
        if size:
            break
    assert size, f"no editor window appeared for {plugin}:\n{log.read_text()}"
    # Frames with the tone flowing: meters, histories and analysers fill.
    time.sleep(4.0)
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["import", "-window", "root", "-crop", f"{size[0]}x{size[1]}+0+0", "+repage", str(shot)],
        env=env, check=True,
    )
    assert app.poll() is None, f"{plugin} crashed while drawing:\n{log.read_text()}"
    return size, app


def stop(app):
    if app and app.poll() is None:
        app.terminate()
        try:
            app.wait(5)
        except subprocess.TimeoutExpired:
            app.kill()


def right_part(png: Path, work: Path) -> Path:
    """The right 40 % of a shot."""
    out = work / "right.png"
    subprocess.run(["convert", str(png), "-gravity", "East", "-crop", "40%x100%+0+0", "+repage",
                    str(out)], check=True)
    return out


# (view name, LATHE_GUI_SCALE, window size as a factor of the default, or None)
VIEWS = [("100", 1, None), ("200", 2, None), ("large", 1, 1.4)]
DEFAULT_SIZES = {
    "lathe_channel": (1270, 560),
    "lathe_eq": (1140, 600),
    "lathe_limiter": (880, 480),
    "lathe_meter": (900, 600),
}


@pytest.mark.parametrize("view", [v[0] for v in VIEWS])
@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_editor_renders(plugin: str, view: str, jack: Jack, tmp_path: Path):
    check_tools()
    _, scale, grow = next(v for v in VIEWS if v[0] == view)
    xvfb, display = start_xvfb()
    env = {
        **jack.env,
        "DISPLAY": display,
        "LATHE_GUI_SCALE": str(scale),
        "LIBGL_ALWAYS_SOFTWARE": "1",
    }
    if grow:
        w, h = DEFAULT_SIZES[plugin]
        env["LATHE_GUI_SIZE"] = f"{round(w * grow)}x{round(h * grow)}"
    log = tmp_path / "standalone.log"
    shot = SHOT_DIR / f"{plugin}@{view}.png"
    app = None
    try:
        size, app = run_editor(
            plugin, env,
            ["--backend", "jack", "--connect-jack-inputs",
             "jack_simple_client:output1,jack_simple_client:output2"],
            log, shot, display,
        )
        errors = [l for l in log.read_text().splitlines() if "ERROR" in l or "panicked" in l]
        assert not errors, f"{plugin} logged errors with audio flowing:\n" + "\n".join(errors)
    finally:
        stop(app)
        xvfb.terminate()
        xvfb.wait(5)

    w, h = size
    assert w <= SCREEN[0] and h <= SCREEN[1], (
        f"{plugin} editor at {view} is {w}x{h}, larger than the screen: the shot is cut"
    )
    want_w, want_h = DEFAULT_SIZES[plugin]
    want_w, want_h = want_w * scale * (grow or 1), want_h * scale * (grow or 1)
    assert w >= want_w * 0.97 and h >= want_h * 0.97, (
        f"{plugin} editor at {view} is {w}x{h}, smaller than asked ({want_w:.0f}x{want_h:.0f})"
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
    assert "scale" in words, f"OCR did not read the scale control in {shot}: {words}"
    missing = [x for x in REQUIRED_WORDS[plugin] if x not in words]
    assert not missing, f"OCR did not read {missing} in {shot}: {words}"
    others = [x for x in words if len(x) >= 3 and x not in title.split()]
    assert len(others) >= 5, f"OCR read too little text besides the title in {shot}: {words}"
    right = [x.lower() for x in ocr_words(right_part(shot, tmp_path), tmp_path)]
    assert any(x in right for x in RIGHT_WORDS[plugin]), (
        f"OCR read none of {RIGHT_WORDS[plugin]} in the right part of {shot}: the layout "
        f"overflows the window? Read there: {right}"
    )


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_editor_fits_a_smaller_screen_at_200(plugin: str, tmp_path: Path):
    check_tools()
    xvfb, display = start_xvfb(SMALL_SCREEN)
    env = {**os.environ, "DISPLAY": display, "LATHE_GUI_SCALE": "2",
           "LIBGL_ALWAYS_SOFTWARE": "1"}
    shot = SHOT_DIR / f"{plugin}@200-on-1920x1200.png"
    app = None
    try:
        size, app = run_editor(plugin, env, ["--backend", "dummy"], tmp_path / "log.txt", shot,
                               display)
    finally:
        stop(app)
        xvfb.terminate()
        xvfb.wait(5)
    w, h = size
    limit = (SMALL_SCREEN[0] * USABLE[0], SMALL_SCREEN[1] * USABLE[1])
    assert w <= limit[0] + 1 and h <= limit[1] + 1, (
        f"{plugin} at 200 % opened {w}x{h} on a {SMALL_SCREEN[0]}x{SMALL_SCREEN[1]} screen"
    )
    words = [x.lower() for x in ocr_words(shot, tmp_path)]
    assert "scale" in words, f"the scale control is not readable in {shot}: {words}"


def layouts(plugin: str) -> list[str]:
    """The standalone's audio layouts, as it lists them (`-l` with an invalid value)."""
    out = subprocess.run([str(standalone(plugin)), "-b", "dummy", "-l", ""], capture_output=True,
                         text=True, timeout=30, env={**os.environ, "DISPLAY": ""})
    found = re.findall(r"^\s*(\d+): ", out.stdout + out.stderr, re.MULTILINE)
    assert found, f"{plugin} listed no layouts:\n{out.stdout}{out.stderr}"
    return found


@pytest.mark.parametrize("period", [256, 1024, 4096])
@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_standalone_survives_jack(plugin: str, period: int, tmp_path: Path):
    """Every layout at 1,024 frames (more than the 512 the framework declares), the first layout
    at 256 and 4,096 too: alive after 4 s of audio, no error or panic logged, ports registered."""
    check_tools()
    server = Jack(period)
    xvfb, display = start_xvfb((1280, 800))
    env = {**server.env, "DISPLAY": display, "LIBGL_ALWAYS_SOFTWARE": "1"}
    client = PLUGINS[plugin].lower().replace(" ", "_")
    try:
        for layout in layouts(plugin) if period == 1024 else ["1"]:
            log = tmp_path / f"jack-{layout}.log"
            with open(log, "w") as log_file:
                app = subprocess.Popen(
                    [str(standalone(plugin)), "-b", "jack", "-l", layout,
                     "--connect-jack-inputs", "jack_simple_client:output1,jack_simple_client:output2"],
                    env=env, stdout=log_file, stderr=log_file,
                )
                try:
                    time.sleep(4.0)
                    alive = app.poll() is None
                    ports = server.ports()
                finally:
                    stop(app)
            text = log.read_text()
            what = f"{plugin}, layout {layout}, {period}-frame periods"
            assert alive, f"{what}: the standalone stopped:\n{text}"
            bad = [l for l in text.splitlines() if "ERROR" in l or "panicked" in l]
            assert not bad, f"{what}: " + "\n".join(bad)
            assert f"{client}:output_1" in ports, f"{what}: no output port registered:\n{ports}"
    finally:
        server.stop()
        xvfb.terminate()
        xvfb.wait(5)
