"""Fixtures for the VST3 real-host conformance tests (host: Spotify's pedalboard, JUCE inside).

Bundles are looked up in ``$LATHE_BUNDLE_DIR`` (``cargo xtask test`` sets it to
``<workspace>/target/bundled``); when the variable is unset the same default is used. A missing
bundle FAILS the test (never skips): a conformance run that silently tests nothing is worse than
a red one.

The per-plugin expectations live in ``PLUGINS`` below. They list only what must hold for good
(stable ids, names, units, ranges, defaults, latency); the tests themselves iterate over whatever
parameters pedalboard reports, so new parameters are exercised without editing this table.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import pytest

WORKSPACE = pathlib.Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Param:
    """One parameter as the host must see it. ``key`` is pedalboard's sanitised name."""

    key: str
    id: str  # the stable nice-plug id (visible through VST3 only inside the state blob)
    name: str
    kind: type  # float, bool or str (enum)
    default: object
    unit: Optional[str] = None  # VST3 units label, stripped
    min: Optional[float] = None
    max: Optional[float] = None
    choices: Optional[tuple] = None  # enum display names, in order
    choice_ids: Optional[tuple] = None  # enum variant ids as stored in the state, same order


@dataclass(frozen=True)
class PluginSpec:
    slug: str
    bundle: str
    name: str
    subcategories: frozenset
    params: tuple
    # Channel counts the main bus must accept (and others it must refuse).
    channels_ok: tuple = (1, 2)
    channels_refused: tuple = (6,)
    # Latency in samples the plugin must report for (parameter values by key, sample rate).
    latency: Callable[[dict, float], float] = lambda values, sr: 0.0
    # Audio must come out bit-identical at default settings.
    bit_exact_at_default: bool = False
    # (parameter key, value, expected level change in dB on a -20 dBFS 1 kHz sine)
    gain_checks: tuple = ()
    # A parameter setting that makes bypass audible: (key, value, level change in dB)
    audible_setting: Optional[tuple] = None
    extra: dict = field(default_factory=dict)

    def param(self, key: str) -> Param:
        return next(p for p in self.params if p.key == key)


# The limiter at its default 4x true-peak settings, per shared-dsp's limiter documentation:
# look-ahead + 76 (oversampler) + 2 (true-peak detector) + 72 (output band limit, half its
# length) + 49 (the safety stage's detector) samples, plus the safety stage's 1 ms look-ahead. Each
# time is rounded to whole samples on its own (half away from zero, as the plugin rounds).
LIMITER_FIXED_LATENCY = 199
LIMITER_SAFETY_LOOKAHEAD_MS = 1.0


def _samples(ms: float, sr: float) -> int:
    return math.floor(ms * sr / 1000.0 + 0.5)


def _lookahead_latency(values: dict, sr: float) -> float:
    return (
        _samples(values.get("lookahead_ms", 1.5), sr)
        + _samples(LIMITER_SAFETY_LOOKAHEAD_MS, sr)
        + LIMITER_FIXED_LATENCY
    )


PLUGINS = [
    PluginSpec(
        slug="channel",
        bundle="Lathe Channel Strip.vst3",
        name="Lathe Channel Strip",
        subcategories=frozenset({"Fx", "Dynamics", "EQ"}),
        params=(
            Param("input_trim_db", "trim", "Input Trim", float, 0.0, "dB", -24.0, 24.0),
            Param("invert_polarity_l", "phl", "Invert Polarity L", bool, False),
            Param("invert_polarity_r", "phr", "Invert Polarity R", bool, False),
            Param("output_gain_db", "out", "Output Gain", float, 0.0, "dB", -24.0, 24.0),
            Param("bypass", "bypass", "Bypass", bool, False),
        ),
        gain_checks=(("input_trim_db", 6.0, 6.0), ("output_gain_db", -6.0, -6.0)),
        audible_setting=("output_gain_db", -12.0, -12.0),
    ),
    PluginSpec(
        slug="eq",
        bundle="Lathe Mastering EQ.vst3",
        name="Lathe Mastering EQ",
        subcategories=frozenset({"Fx", "EQ", "Mastering"}),
        params=(
            Param("output_gain_db", "out", "Output Gain", float, 0.0, "dB", -24.0, 24.0),
            Param("bypass", "bypass", "Bypass", bool, False),
        ),
        gain_checks=(("output_gain_db", -6.0, -6.0),),
        audible_setting=("output_gain_db", -12.0, -12.0),
    ),
    PluginSpec(
        slug="limiter",
        bundle="Lathe Limiter.vst3",
        name="Lathe Limiter",
        subcategories=frozenset({"Fx", "Dynamics", "Mastering"}),
        params=(
            Param("input_gain_db", "in", "Input Gain", float, 0.0, "dB", -12.0, 24.0),
            Param("ceiling_dbtp", "ceil", "Ceiling", float, -1.0, "dBTP", -12.0, 0.0),
            Param("lookahead_ms", "la", "Lookahead", float, 1.5, "ms", 0.5, 10.0),
            Param("release_ms", "rel", "Release", float, 100.0, "ms", 1.0, 1000.0),
            Param("bypass", "bypass", "Bypass", bool, False),
        ),
        latency=_lookahead_latency,
        extra={"latency_settings": ({}, {"lookahead_ms": 0.5}, {"lookahead_ms": 10.0})},
        gain_checks=(("input_gain_db", 6.0, 6.0),),
        audible_setting=("input_gain_db", -12.0, -12.0),
    ),
    PluginSpec(
        slug="meter",
        bundle="Lathe Loudness Meter.vst3",
        name="Lathe Loudness Meter",
        subcategories=frozenset({"Fx", "Analyzer", "Mastering"}),
        params=(
            Param(
                "target",
                "target",
                "Target",
                str,
                "EBU R128 (-23 LUFS)",
                choices=(
                    "EBU R128 (-23 LUFS)",
                    "ATSC A/85 (-24 LKFS)",
                    "Spotify / YouTube / Tidal / Amazon (-14 LUFS)",
                    "Apple Music (-16 LUFS)",
                    "AES streaming (-16 LUFS)",
                    "Custom",
                ),
                choice_ids=("ebu", "atsc", "stream14", "apple", "aes", "custom"),
            ),
            Param("custom_target_lufs", "custom", "Custom Target", float, -23.0, "LUFS", -40.0, 0.0),
            Param("dual_mono", "dualmono", "Dual Mono", bool, False),
            Param("bypass", "bypass", "Bypass", bool, False),
        ),
        channels_ok=(1, 2, 6),
        channels_refused=(),
        bit_exact_at_default=True,
    ),
]

PLUGIN_IDS = [p.slug for p in PLUGINS]


def bundle_dir() -> pathlib.Path:
    env = os.environ.get("LATHE_BUNDLE_DIR")
    return pathlib.Path(env) if env else WORKSPACE / "target" / "bundled"


def bundle_path_for(spec: PluginSpec) -> str:
    directory = bundle_dir()
    path = directory / spec.bundle
    if not path.exists():
        source = "LATHE_BUNDLE_DIR" if os.environ.get("LATHE_BUNDLE_DIR") else "default"
        present = sorted(p.name for p in directory.glob("*.vst3")) if directory.is_dir() else []
        pytest.fail(
            f"VST3 bundle missing: {path}\n"
            f"  bundle dir ({source}): {directory} (exists: {directory.is_dir()})\n"
            f"  .vst3 bundles present: {present or 'none'}\n"
            f"  build them with: cargo xtask bundle -p lathe_{spec.slug}_bundle"
            " (or `cargo xtask test`, which bundles all four)",
            pytrace=False,
        )
    return str(path)


@pytest.fixture(params=PLUGINS, ids=PLUGIN_IDS)
def spec(request) -> PluginSpec:
    return request.param


@pytest.fixture
def bundle(spec) -> str:
    return bundle_path_for(spec)


@pytest.fixture
def load(spec):
    """A factory of fresh plugin instances (a fresh instance has every parameter at default)."""
    import pedalboard

    path = bundle_path_for(spec)

    def _load():
        return pedalboard.load_plugin(path)

    return _load


@pytest.fixture
def plugin(load):
    return load()


def workspace_version() -> Optional[str]:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        return None
    with open(WORKSPACE / "Cargo.toml", "rb") as f:
        data = tomllib.load(f)
    return data.get("workspace", {}).get("package", {}).get("version")


def db(x: float) -> float:
    return 20.0 * math.log10(x)


# --------------------------------------------------------------------------------------------
# Crash isolation: every test runs in a forked child (like pytest-forked, which is not a
# requirement). A plugin that aborts or segfaults inside the host then fails only its own test,
# with the signal and the plugin's own last words (re-run once in a subprocess to capture them),
# instead of killing the whole run. LATHE_VST3_NO_FORK=1 runs tests in-process (for debugging).

import marshal
import signal
import subprocess
import sys
import time

FORK = hasattr(os, "fork") and os.environ.get("LATHE_VST3_NO_FORK") != "1"
TEST_TIMEOUT_S = float(os.environ.get("LATHE_VST3_TEST_TIMEOUT", "120"))


def _run_in_child(item):
    from _pytest.runner import runtestprotocol

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        import faulthandler

        faulthandler.disable()  # a plugin abort is reported by the parent; no Python stack dump
        code = 0
        try:
            reports = runtestprotocol(item, log=False)
            data = marshal.dumps(
                [item.config.hook.pytest_report_to_serializable(config=item.config, report=x) for x in reports]
            )
            with os.fdopen(w, "wb") as f:
                f.write(data)
        except BaseException:  # noqa: BLE001
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + TEST_TIMEOUT_S
    status = None
    import select

    with os.fdopen(r, "rb") as f:
        while True:
            ready, _, _ = select.select([f], [], [], 0.5)
            if ready:
                chunk = os.read(f.fileno(), 1 << 16)
                if chunk:
                    chunks.append(chunk)
                    continue
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                rest = f.read()
                if rest:
                    chunks.append(rest)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                status = None
                break
    data = b"".join(chunks)
    if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and data:
        return [
            item.config.hook.pytest_report_from_serializable(config=item.config, data=x)
            for x in marshal.loads(data)
        ]
    if status is None:
        why = f"timed out after {TEST_TIMEOUT_S:.0f} s (the plugin or host hung)"
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        why = f"the host process CRASHED: signal {sig} ({signal.Signals(sig).name})"
    else:
        why = f"the test process exited with status {os.WEXITSTATUS(status)}"
    return [_crash_report(item, why)]


_RERUNS = {"left": int(os.environ.get("LATHE_VST3_CRASH_RERUNS", "2"))}


def _crash_output(item) -> str:
    """Re-run the crashed test in a subprocess, in-process mode, to capture the plugin's message
    (only for the first few crashes of a session, to keep the run short)."""
    if _RERUNS["left"] <= 0:
        return "(not re-run: see the first crash report above; LATHE_VST3_CRASH_RERUNS raises the cap)"
    _RERUNS["left"] -= 1
    env = dict(os.environ, LATHE_VST3_NO_FORK="1")
    env.pop("PYTHONFAULTHANDLER", None)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:faulthandler", item.nodeid],
            cwd=str(item.config.rootpath),
            env=env,
            capture_output=True,
            text=True,
            timeout=TEST_TIMEOUT_S,
        )
        text = out.stdout + out.stderr
    except subprocess.TimeoutExpired as e:
        text = f"(re-run timed out) {e}"
    lines = [l for l in text.splitlines() if "Debug assertion failed: input_channel_pointers" not in l]
    # Keep the plugin's/framework's own words: the panic, the frames in nice-plug's wrapper or in a
    # Lathe crate (with their source lines), other errors and warnings, and the abort notice.
    keep, take_next = [], False
    for l in lines:
        if take_next and l.strip().startswith("at "):
            keep.append(l)
            take_next = False
            continue
        take_next = False
        if ("panicked at" in l or " ERROR " in l or " WARN " in l or "aborting" in l
                or "Segmentation" in l or "': /" in l):
            keep.append(l)
        elif re.search(r"^\s+(\d+: )?.*(nice_plug::wrapper|lathe)", l) and "log_panics" not in l:
            keep.append(l)
            take_next = True
    return "\n".join(keep[:40]) or "\n".join(lines[-30:])


def _crash_report(item, why: str):
    from _pytest.reports import TestReport

    output = _crash_output(item)
    longrepr = f"{item.nodeid}: {why}\n--- re-run in a subprocess (LATHE_VST3_NO_FORK=1) ---\n{output}"
    return TestReport(
        nodeid=item.nodeid,
        location=item.location,
        keywords={k: 1 for k in item.keywords},
        outcome="failed",
        longrepr=longrepr,
        when="call",
        sections=[],
        duration=0.0,
        user_properties=[],
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if not FORK:
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for rep in _run_in_child(item):
        item.ihook.pytest_runtest_logreport(report=rep)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
