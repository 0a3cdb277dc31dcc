"""VST3 conformance of the four Lathe plugins in a real host: Spotify's pedalboard (JUCE's VST3
hosting inside), the way a DAW loads them.

What pedalboard does, and what these tests rely on (read from pedalboard 0.9.26's ExternalPlugin.h
and process.h, and checked by the tests where it matters):

* Parameter changes (``plugin.x = v``, ``plugin.parameters[k].raw_value = r``) go into JUCE's
  parameter cache and reach the VST3 processor as a parameter change at sample 0 of the NEXT
  ``process()`` call, like host automation. Until then ``raw_state`` still holds the old values.
  ``commit()`` below renders 64 silent samples so the change has arrived; the measured render that
  follows re-activates the plugin (``reset=True``), so smoothers start at the new value.
* ``process(..., reset=True)`` (the default) re-activates the plugin and compensates the latency
  the plugin reports: it drops the first ``getLatencySamples()`` output samples and feeds silence
  at the end to flush, so an impulse at input sample n comes out at output sample n. With
  ``reset=False`` (streaming, after a first call) nothing is dropped, so the impulse comes out at
  n + latency: that is how the raw latency is checked against the reported one.
* ``raw_state`` is JUCE's VST3 container: ``b"VC2!"`` + u32 size + XML whose ``<IComponent>`` holds
  the plugin's ``IComponent::getState`` bytes in JUCE's base64 variant (the nice-plug JSON with the
  stable parameter ids). Setting ``raw_state`` calls ``setStateInformation``, which returns
  nothing: pedalboard raises no error for a bad state. A blob that is not such a container is
  dropped by JUCE before the plugin sees it, so the garbage-state tests also wrap garbage in a
  well-formed container to make it reach the plugin's ``setState``.
"""

from __future__ import annotations

import json
import math
import re
import struct

import numpy as np
import pedalboard
import pytest

from conftest import PLUGINS, bundle_path_for, workspace_version

SPECS = {s.slug: s for s in PLUGINS}
F32_TINY = np.finfo(np.float32).tiny


# --------------------------------------------------------------------------------------------
# helpers


def commit(plugin, channels: int = 2, sr: float = 44100.0) -> None:
    """Deliver queued parameter changes to the processor (see module docstring)."""
    plugin(np.zeros((channels, 64), np.float32), sr, buffer_size=64)


def rms_db(x: np.ndarray) -> float:
    x = np.asarray(x, np.float64)
    return 10.0 * math.log10(float(np.mean(x * x)))


def sine(freq: float, sr: float, n: int, amp: float, channels: int = 2) -> np.ndarray:
    t = np.arange(n) / sr
    return np.stack([amp * np.sin(2 * np.pi * freq * t + 0.3 * c) for c in range(channels)]).astype(
        np.float32
    )


def program(channels: int, sr: float, seconds: float = 0.1, level_db: float = -12.0) -> np.ndarray:
    """Decorrelated multi-tone plus noise, peak about level_db: a stand-in for music."""
    n = int(sr * seconds)
    rng = np.random.default_rng(1234 + channels)
    t = np.arange(n) / sr
    out = []
    for c in range(channels):
        x = sum(
            np.sin(2 * np.pi * f * (1 + 0.01 * c) * t + c) / (k + 1)
            for k, f in enumerate((55.0, 220.0, 1000.0, 4500.0, 12000.0))
        )
        x = x + 0.1 * rng.standard_normal(n)
        out.append(x / np.max(np.abs(x)) * 10 ** (level_db / 20))
    return np.stack(out).astype(np.float32)


def check_audio(y: np.ndarray, x: np.ndarray, what: str) -> None:
    assert y.shape == x.shape, f"{what}: output shape expected {x.shape}, got {y.shape}"
    assert y.dtype == np.float32, f"{what}: dtype expected float32, got {y.dtype}"
    bad = ~np.isfinite(y)
    assert not bad.any(), (
        f"{what}: expected finite output, got {int(bad.sum())} NaN/inf samples, first at "
        f"{np.argwhere(bad)[0].tolist()}"
    )
    sub = (y != 0) & (np.abs(y) < F32_TINY)
    assert not sub.any(), (
        f"{what}: expected no subnormal output samples, got {int(sub.sum())}, first at "
        f"{np.argwhere(sub)[0].tolist()} = {y[tuple(np.argwhere(sub)[0])]!r}"
    )


def first_diff(a: np.ndarray, b: np.ndarray) -> str:
    d = np.argwhere(a != b)
    if len(d) == 0:
        return "identical"
    i = tuple(d[0])
    return (
        f"{len(d)} samples differ, first at [ch, n]={list(i)}: expected {b[i]!r}, got {a[i]!r}; "
        f"max |diff| {float(np.max(np.abs(a.astype(np.float64) - b))):.3g}"
    )


def set_value(plugin, key: str, value, via: str = "attribute") -> None:
    if via == "attribute":
        setattr(plugin, key, value)
    else:
        param = plugin.parameters[key]
        param.raw_value = param.get_raw_value_for(value)


def plain_value(plugin, key: str):
    """The value pedalboard reads back (float, bool or enum display string)."""
    v = getattr(plugin, key)
    p = plugin.parameters[key]
    if p.type is float:
        return float(v)
    if p.type is bool:
        return bool(v)
    return str(v)


def nondefault_raw(param) -> float:
    """A normalized value clearly different from the default (generic over any parameter)."""
    d = param.default_raw_value
    if param.type is bool or param.num_steps == 2:
        return 0.0 if d >= 0.5 else 1.0
    if param.type is str:  # enum: the next choice
        n = max(param.num_steps, 2)
        idx = (round(d * (n - 1)) + 1) % n
        return idx / (n - 1)
    return 0.3 if abs(d - 0.3) > 0.1 else 0.7


def set_all_nondefault(plugin, skip=("bypass",)) -> dict:
    """Moves every reported parameter (except ``skip``) away from its default; returns raw values."""
    raws = {}
    for key, param in plugin.parameters.items():
        if key in skip:
            continue
        raws[key] = nondefault_raw(param)
        param.raw_value = raws[key]
    return raws


# JUCE's MemoryBlock::toBase64Encoding: "<size>." + 6-bit groups, little-endian bit order.
JUCE_B64 = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"


def juce_b64_decode(s: str) -> bytes:
    size, enc = s.split(".", 1)
    v = 0
    for i, ch in enumerate(enc):
        v |= JUCE_B64.index(ch) << (6 * i)
    return v.to_bytes((len(enc) * 6 + 7) // 8 + 1, "little")[: int(size)]


def juce_b64_encode(data: bytes) -> str:
    v = int.from_bytes(data, "little")
    nchars = (len(data) * 8 + 5) // 6
    return f"{len(data)}." + "".join(JUCE_B64[(v >> (6 * i)) & 63] for i in range(nchars))


def component_bytes(state: bytes) -> bytes:
    assert state[:4] == b"VC2!", f"VST3 state: expected JUCE 'VC2!' container, got {state[:16]!r}"
    m = re.search(rb"<IComponent>([^<]*)</IComponent>", state)
    assert m, f"VST3 state: no <IComponent> element in {state[:200]!r}"
    return juce_b64_decode(m.group(1).decode())


def component_json(state: bytes) -> dict:
    raw = component_bytes(state)
    try:
        return json.loads(raw)
    except ValueError as e:
        raise AssertionError(f"IComponent state is not the expected JSON ({e}): {raw[:200]!r}")


def make_vst3_state(component: bytes) -> bytes:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?> <VST3PluginState><IComponent>'
        + juce_b64_encode(component)
        + "</IComponent><IEditController>0.</IEditController></VST3PluginState>"
    ).encode()
    return b"VC2!" + struct.pack("<I", len(xml)) + xml + b"\0"


def state_value(entry: dict):
    """nice-plug stores {"f32": x} / {"bool": b} / {"string": id} / {"i32": n}."""
    assert isinstance(entry, dict) and len(entry) == 1, f"unexpected param entry {entry!r}"
    return next(iter(entry.values()))


# --------------------------------------------------------------------------------------------
# identity


def test_plugin_names_for_file(spec, bundle):
    names = pedalboard.VST3Plugin.get_plugin_names_for_file(bundle)
    assert names == [spec.name], f"plugin names in {spec.bundle}: expected {[spec.name]}, got {names}"


def test_identity(spec, plugin):
    got = {
        "name": plugin.name,
        "descriptive_name": plugin.descriptive_name,
        "manufacturer_name": plugin.manufacturer_name,
        "is_effect": plugin.is_effect,
        "is_instrument": plugin.is_instrument,
    }
    want = {
        "name": spec.name,
        "descriptive_name": spec.name,
        "manufacturer_name": "Lathe",
        "is_effect": True,
        "is_instrument": False,
    }
    assert got == want, f"identity: expected {want}, got {got}"
    cats = plugin.category.split("|")
    assert cats[0] == "Fx", f"category: expected to start with 'Fx', got {plugin.category!r}"
    assert spec.subcategories <= set(cats), (
        f"category: expected subcategories {sorted(spec.subcategories)}, got {plugin.category!r}"
    )
    assert re.fullmatch(r"\d+\.\d+\.\d+([-+].*)?", plugin.version), f"version: got {plugin.version!r}"
    ws = workspace_version()
    if ws is not None:
        assert plugin.version == ws, (
            f"version: expected the workspace version {ws!r}, got {plugin.version!r} (stale bundle?)"
        )
    assert component_json(plugin.raw_state).get("version") == plugin.version, (
        f"state 'version' field: expected {plugin.version!r}, "
        f"got {component_json(plugin.raw_state).get('version')!r}"
    )


# --------------------------------------------------------------------------------------------
# parameters


def test_expected_parameters(spec, plugin):
    params = plugin.parameters
    missing = [p.key for p in spec.params if p.key not in params]
    assert not missing, f"parameters: expected {[p.key for p in spec.params]} present, missing {missing}; got {list(params)}"
    for p in spec.params:
        par = params[p.key]
        where = f"{spec.slug}.{p.key}"
        assert par.name == p.name, f"{where}: name expected {p.name!r}, got {par.name!r}"
        assert par.type is p.kind, f"{where}: type expected {p.kind.__name__}, got {par.type}"
        assert par.is_automatable, f"{where}: expected automatable"
        assert par.raw_value == pytest.approx(par.default_raw_value, abs=1e-6), (
            f"{where}: fresh instance should sit at its default: raw {par.raw_value} vs default "
            f"raw {par.default_raw_value}"
        )
        default_text = par.get_text_for_raw_value(par.default_raw_value)
        if p.kind is float:
            units = (par.units or "").strip()
            assert units == p.unit, f"{where}: units expected {p.unit!r}, got {par.units!r}"
            lo, hi, _ = par.range
            assert (lo, hi) == (pytest.approx(p.min), pytest.approx(p.max)), (
                f"{where}: range expected ({p.min}, {p.max}), got ({lo}, {hi})"
            )
            assert float(default_text) == pytest.approx(p.default, abs=1e-3), (
                f"{where}: default expected {p.default}, got {default_text!r}"
            )
            assert float(getattr(plugin, p.key)) == pytest.approx(p.default, abs=1e-3)
        elif p.kind is bool:
            assert list(par.valid_values) == [False, True], f"{where}: valid values {par.valid_values}"
            assert bool(getattr(plugin, p.key)) is p.default, (
                f"{where}: default expected {p.default}, got {getattr(plugin, p.key)!r}"
            )
        else:
            assert tuple(par.valid_values) == p.choices, (
                f"{where}: choices expected {p.choices}, got {tuple(par.valid_values)}"
            )
            assert default_text == p.default, f"{where}: default expected {p.default!r}, got {default_text!r}"
    bypass = params.get("bypass")
    assert bypass is not None and bypass.type is bool, "every plugin needs a boolean 'Bypass' parameter"


def test_stable_ids_in_state(spec, plugin):
    """pedalboard shows names, not ids; the ids are visible in the state blob. They must never change."""
    state = component_json(plugin.raw_state)
    stored = state.get("params", {})
    for p in spec.params:
        assert p.id in stored, (
            f"state: expected parameter id {p.id!r} ({p.name}) in the saved state, got ids "
            f"{sorted(stored)}"
        )
        v = state_value(stored[p.id])
        if p.kind is str:
            want = p.choice_ids[p.choices.index(p.default)]
            assert v == want, f"state[{p.id!r}]: expected {want!r}, got {v!r}"
        else:
            assert v == pytest.approx(p.default), f"state[{p.id!r}]: expected {p.default!r}, got {v!r}"
    # Enum variants are stored by id: every choice must map to its stable id.
    for p in spec.params:
        if p.kind is not str:
            continue
        for choice, cid in zip(p.choices, p.choice_ids):
            setattr(plugin, p.key, choice)
            commit(plugin)
            got = state_value(component_json(plugin.raw_state)["params"][p.id])
            assert got == cid, f"state[{p.id!r}] for {choice!r}: expected {cid!r}, got {got!r}"


def test_every_parameter_displays_and_parses(spec, plugin):
    """Generic over all reported parameters: display text parses back to the same value."""
    problems = []
    for key, par in plugin.parameters.items():
        for r in (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0):
            text = par.get_text_for_raw_value(r)
            if not text.strip():
                problems.append(f"{key}: empty display text at raw {r}")
                continue
            r2 = par.get_raw_value_for_text(text)
            if not 0.0 <= r2 <= 1.0:
                problems.append(f"{key}: display text {text!r} (raw {r}) does not parse (host fell back to {r2})")
                continue
            text2 = par.get_text_for_raw_value(r2)
            if text2 != text:
                problems.append(f"{key}: {text!r} -> raw {r2} -> {text2!r} (expected {text!r})")
    assert not problems, "display/parse round trip:\n  " + "\n  ".join(problems)


def _unit_variants(par):
    units = (par.units or "").strip()
    variants = [lambda t: t, lambda t: f"{t} {units}" if units else t]
    if "dB" in units:
        variants.append(lambda t: f"{t} dB")
    return units, variants


def test_text_entry_with_units(spec, plugin):
    """Every plugin promises: text entry parses what people type ("-3", "-3 dB"): the bare number, the number with
    the parameter's own unit, and for any dB-family unit (dB, dBTP, ...) the number with "dB"."""
    problems = []
    for key, par in plugin.parameters.items():
        if par.type is not float:
            continue
        units, variants = _unit_variants(par)
        for r in (0.25, 0.75):
            shown = par.get_text_for_raw_value(r)
            want = par.get_raw_value_for_text(shown)
            numbers = {shown}
            if re.fullmatch(r"-?\d+\.0+", shown):
                numbers.add(shown.split(".")[0])  # "-3" for "-3.00"
            for number in numbers:
                for make in variants:
                    typed = make(number)
                    got = par.get_raw_value_for_text(typed)
                    if got != pytest.approx(want, abs=1e-6):
                        problems.append(
                            f"{key} (units {units!r}): typing {typed!r} expected raw {want:.6f}, "
                            f"got {got} ({'host fallback: plugin refused the text' if not 0 <= got <= 1 else par.get_text_for_raw_value(got)})"
                        )
    assert not problems, "text entry:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("via", ["attribute", "parameters_dict"])
def test_set_and_read_back(spec, plugin, via):
    """Set every expected parameter to a non-default value by name, read it back through
    pedalboard AND through the plugin's own state (proves the value reached the plugin)."""
    targets = {}
    for p in spec.params:
        if p.key == "bypass":
            continue
        if p.kind is float:
            targets[p.key] = round(p.min + 0.3 * (p.max - p.min), 1)
        elif p.kind is bool:
            targets[p.key] = not p.default
        else:
            targets[p.key] = p.choices[-1] if p.default != p.choices[-1] else p.choices[0]
    for key, value in targets.items():
        set_value(plugin, key, value, via)
    for key, value in targets.items():
        got = plain_value(plugin, key)
        if isinstance(value, float):
            assert got == pytest.approx(value, abs=0.006), f"{key}: set {value}, read back {got}"
        else:
            assert got == value, f"{key}: set {value!r}, read back {got!r}"
    commit(plugin)
    stored = component_json(plugin.raw_state)["params"]
    for p in spec.params:
        if p.key not in targets:
            continue
        v = state_value(stored[p.id])
        want = targets[p.key]
        if p.kind is str:
            want = p.choice_ids[p.choices.index(want)]
            assert v == want, f"state[{p.id!r}]: expected {want!r}, got {v!r}"
        else:
            assert v == pytest.approx(want, abs=0.006), f"state[{p.id!r}]: expected {want!r}, got {v!r}"
    with pytest.raises(ValueError):
        fl = next(p for p in spec.params if p.kind is float)
        set_value(plugin, fl.key, fl.max + 1000.0, via)


def test_parameter_extremes_keep_audio_finite(spec, load):
    """Generic: every reported parameter at 0, 1 and mid raw value still gives finite output."""
    x = program(2, 44100, 0.05, level_db=-1.0)
    p = load()
    for key, par in p.parameters.items():
        for r in (0.0, 1.0, 0.5):
            par.raw_value = r
            commit(p)
            y = p(x, 44100, buffer_size=256)
            check_audio(y, x, f"{key} at raw {r}")
        par.raw_value = par.default_raw_value



# The channel strip refuses a mono main bus in JUCE-based VST3 hosts: VST3 bus counts are fixed,
# and its mono layout has no sidechain bus because nice-plug 0.4.2's VST3 wrapper aborts on the
# null channel pointers JUCE passes for a disabled mono sidechain bus (and checks the sidechain
# arrangement against the main bus). A known framework limitation, recorded in the closing notes:
# strict, so these tests fail the day the mono case starts working and the mark must go.
MONO_STRIP_VST3 = pytest.mark.xfail(
    strict=True,
    reason="nice-plug 0.4.2 VST3: no mono channel strip with a sidechain bus in JUCE hosts",
)

# --------------------------------------------------------------------------------------------
# processing


@pytest.mark.parametrize("sr", [44100, 96000])
@pytest.mark.parametrize("channels", [2, 1])
def test_process_formats_and_block_sizes(spec, plugin, channels, sr, request):
    """Mono and stereo, two rates, block sizes 1..8192: right shape, finite, no subnormals, and the
    same result at every block size (the suite promises: within float rounding)."""
    if spec.slug == "channel" and channels == 1:
        request.applymarker(MONO_STRIP_VST3)
    x = program(channels, sr, 0.06)
    ref = None
    for bs in (512, 1, 37, 64, 1000, 8192):
        y = plugin(x, sr, buffer_size=bs)
        check_audio(y, x, f"{channels} ch, {sr} Hz, block {bs}")
        if spec.bit_exact_at_default:
            assert np.array_equal(y, x), f"bit-exact pass-through, block {bs}: {first_diff(y, x)}"
        if ref is None:
            ref = y
        else:
            err = float(np.max(np.abs(y.astype(np.float64) - ref)))
            assert err <= 1e-6, (
                f"block size {bs} vs 512 at {sr} Hz, {channels} ch: expected same output within "
                f"1e-6, got max |diff| {err:.3g} ({first_diff(y, ref)})"
            )


@pytest.mark.parametrize("sr", [22050, 48000, 88200, 192000, 384000])
def test_other_sample_rates_and_silent_tail(spec, plugin, sr):
    """Every plugin promises any rate 22.05-384 kHz. A burst, then a quarter second of silence: finite, no
    subnormals in the decaying tail (hosts' fuzzers reject them)."""
    burst = program(2, sr, 0.03, level_db=-1.0)
    x = np.concatenate([burst, np.zeros((2, sr // 4), np.float32)], axis=1)
    for bs in (64, 2048):
        y = plugin(x, sr, buffer_size=bs)
        check_audio(y, x, f"{sr} Hz, block {bs}")
        if spec.bit_exact_at_default:
            assert np.array_equal(y, x), f"bit-exact pass-through at {sr} Hz: {first_diff(y, x)}"


def test_varying_block_sizes_while_streaming(spec, load):
    """Every plugin promises: block sizes varying block to block give the same result within float rounding.
    Streams the same audio as chunks of 1..4096 samples (reset=False: one block per call) and
    as 512-sample blocks, from identically primed instances."""
    sr = 48000
    x = program(2, sr, 0.15, level_db=-6.0)
    sizes = [1, 7, 512, 3, 4096, 64, 1000, 2, 333, 128, 1]
    outs = []
    for chunked in (False, True):
        p = load()
        p(np.zeros((2, 8192), np.float32), sr, buffer_size=8192)  # activate with the largest block
        if chunked:
            parts, i, k = [], 0, 0
            while i < x.shape[1]:
                n = min(sizes[k % len(sizes)], x.shape[1] - i)
                parts.append(p(x[:, i : i + n], sr, buffer_size=n, reset=False))
                i, k = i + n, k + 1
            y = np.concatenate(parts, axis=1)
        else:
            y = p(x, sr, buffer_size=512, reset=False)
        check_audio(y, x, "streamed" + (" in varying chunks" if chunked else ""))
        outs.append(y)
    err = float(np.max(np.abs(outs[1].astype(np.float64) - outs[0])))
    assert err <= 1e-6, (
        f"varying block sizes vs fixed 512: expected the same output within 1e-6, got max |diff| "
        f"{err:.3g} ({first_diff(outs[1], outs[0])})"
    )


@pytest.mark.parametrize("bypass", [False, True], ids=["active", "bypassed"])
def test_non_finite_input(spec, load, bypass):
    """Every plugin promises: NaN/inf input never produces NaN/inf output (bypassed too: hosts' validators check
    the output whatever the plugin state) and never poisons the state for longer than one block.
    A plugin that passes audio bit-exact (the meter) must keep every finite sample bit-exact."""
    sr, bs = 44100, 256
    x = program(2, sr, 0.3, level_db=-6.0)
    bad = x.copy()
    bad[0, 1000] = np.nan
    bad[1, 1100] = np.inf
    bad[0, 1200:1210] = -np.inf
    bad[1, 1300] = np.nan
    instances = []
    for _ in range(2):
        p = load()
        if bypass:
            p.bypass = True
            commit(p, 2, sr)
        instances.append(p)
    clean = instances[0](x, sr, buffer_size=bs)
    y = instances[1](bad, sr, buffer_size=bs)
    check_audio(y, x, "NaN/inf in the input" + (" (bypassed)" if bypass else ""))
    if spec.bit_exact_at_default:
        ok = np.isfinite(bad)
        assert np.array_equal(y[ok], bad[ok]), (
            f"finite samples around NaN/inf input should pass bit-exact: "
            f"{int(np.sum(y[ok] != bad[ok]))} differ"
        )
    after = (1300 // bs + 2) * bs  # one full block after the block holding the last bad sample
    for c in range(2):
        got = rms_db(y[c, after:]) - rms_db(clean[c, after:])
        assert abs(got) < 0.5, (
            f"channel {c}: from sample {after} (a block after the last NaN/inf) the output should be "
            f"back to normal: level vs a clean render expected 0 dB ±0.5, got {got:+.2f} dB"
        )


def test_channel_layouts(spec, load, request):
    sr = 48000
    if spec.slug == "channel":
        request.applymarker(MONO_STRIP_VST3)
    for ch in spec.channels_ok:
        p = load()
        x = program(ch, sr, 0.05)
        y = p(x, sr)
        check_audio(y, x, f"{ch}-channel main bus")
        if spec.bit_exact_at_default:
            assert np.array_equal(y, x), f"{ch}-channel bit-exact pass-through: {first_diff(y, x)}"
    for ch in spec.channels_refused:
        p = load()
        with pytest.raises(ValueError, match="does not support"):
            p(program(ch, sr, 0.01), sr)


GAIN_CASES = [
    pytest.param(s.slug, key, value, expect, id=f"{s.slug}-{key}{value:+g}")
    for s in PLUGINS
    for key, value, expect in s.gain_checks
]


@pytest.mark.parametrize("via", ["attribute", "parameters_dict"])
@pytest.mark.parametrize("slug,key,value,expect_db", GAIN_CASES)
def test_gain_parameter_level(slug, key, value, expect_db, via):
    """A -20 dBFS 1 kHz sine; the level change against the same plugin at defaults, measured over
    the WHOLE render (from sample 0: after activation the gain must already be there)."""
    spec = SPECS[slug]
    path = bundle_path_for(spec)
    sr = 44100
    x = sine(1000.0, sr, sr // 4, 0.1)
    ref = pedalboard.load_plugin(path)(x, sr)
    p = pedalboard.load_plugin(path)
    set_value(p, key, value, via)
    assert plain_value(p, key) == pytest.approx(value, abs=0.006)
    commit(p)
    y = p(x, sr)
    check_audio(y, x, f"{key}={value}")
    for c in range(2):
        got = rms_db(y[c]) - rms_db(ref[c])
        assert abs(got - expect_db) <= 0.05, (
            f"{slug}.{key}={value:+g}: channel {c} level change expected {expect_db:+.2f} dB "
            f"±0.05, got {got:+.3f} dB (first 10 ms: {rms_db(y[c, :441]) - rms_db(ref[c, :441]):+.3f} dB)"
        )


@pytest.mark.parametrize(
    "flip,channels",
    [
        (("invert_polarity_l",), 2),
        (("invert_polarity_r",), 2),
        (("invert_polarity_l", "invert_polarity_r"), 2),
        pytest.param(("invert_polarity_l",), 1, marks=MONO_STRIP_VST3),
    ],
    ids=["stereo-L", "stereo-R", "stereo-LR", "mono-L"],
)
def test_channel_strip_polarity(flip, channels):
    """Polarity invert flips the sign of that channel only (compared with the strip at defaults)."""
    spec = SPECS["channel"]
    path = bundle_path_for(spec)
    sr = 44100
    x = program(channels, sr, 0.1, level_db=-20.0)
    ref = pedalboard.load_plugin(path)(x, sr)
    p = pedalboard.load_plugin(path)
    for key in flip:
        setattr(p, key, True)
    commit(p, channels)
    y = p(x, sr)
    check_audio(y, x, f"polarity {flip}")
    for c in range(channels):
        inverted = ("invert_polarity_l" if c == 0 else "invert_polarity_r") in flip
        want = -ref[c] if inverted else ref[c]
        err = float(np.max(np.abs(y[c].astype(np.float64) - want)))
        assert err <= 1e-6, (
            f"polarity {flip}, {channels} ch: channel {c} expected {'inverted' if inverted else 'unchanged'}, "
            f"max |diff| {err:.3g}; first samples expected {want[:4]}, got {y[c, :4]}"
        )


# --------------------------------------------------------------------------------------------
# limiter


LIMITER = SPECS["limiter"]


@pytest.mark.parametrize("sr", [44100, 96000])
@pytest.mark.parametrize(
    "drive,amp,ceiling",
    [(12.0, 1.0, None), (0.0, 10 ** (12 / 20), None), (12.0, 1.0, -6.0), (24.0, 1.0, 0.0)],
    ids=["drive+12", "hot-input+12dBFS", "drive+12-ceil-6", "drive+24-ceil0"],
)
def test_limiter_never_exceeds_ceiling(sr, drive, amp, ceiling):
    p = pedalboard.load_plugin(bundle_path_for(LIMITER))
    p.input_gain_db = drive
    if ceiling is not None:
        p.ceiling_dbtp = ceiling
    ceil_db = LIMITER.param("ceiling_dbtp").default if ceiling is None else ceiling
    commit(p, 2, sr)
    x = sine(997.0, sr, sr // 5, amp)
    for bs in (512, 61):
        y = p(x, sr, buffer_size=bs)
        check_audio(y, x, f"limiter drive {drive} dB")
        peak = float(np.max(np.abs(y)))
        limit = float(np.float32(10 ** (ceil_db / 20))) * (1 + 1e-6)
        assert peak <= limit, (
            f"limiter, ceiling {ceil_db} dBFS, drive {drive:+g} dB, input peak {20 * math.log10(amp):+.1f} "
            f"dBFS, {sr} Hz, block {bs}: sample peak expected <= {20 * math.log10(limit):.4f} dBFS, "
            f"got {20 * math.log10(peak):.4f} dBFS at {np.unravel_index(np.argmax(np.abs(y)), y.shape)}"
        )
        assert peak >= 10 ** ((ceil_db - 1.0) / 20), (
            f"limiter output should reach the ceiling on a driven sine: peak {20 * math.log10(peak):.2f} dBFS, "
            f"ceiling {ceil_db}"
        )


# --------------------------------------------------------------------------------------------
# latency


LATENCY_CASES = [
    pytest.param(s.slug, settings, id=f"{s.slug}-" + ("-".join(f"{k}={v}" for k, v in settings.items()) or "default"))
    for s in PLUGINS
    for settings in s.extra.get("latency_settings", ({},))
]


@pytest.mark.parametrize("bs", [32, 512])
@pytest.mark.parametrize("sr", [44100, 96000])
@pytest.mark.parametrize("slug,settings", LATENCY_CASES)
def test_latency_reported_and_compensated(slug, settings, sr, bs):
    """The reported latency is the expected one; pedalboard compensates it (documented:
    "Pedalboard automatically compensates for this latency during processing"), so the impulse at
    input sample n comes out at n with reset=True; while streaming (reset=False, no compensation)
    it comes out at exactly n + reported latency (the promise: it lands exactly at the reported latency)."""
    spec = SPECS[slug]
    p = pedalboard.load_plugin(bundle_path_for(spec))
    for key, value in settings.items():
        setattr(p, key, value)
    n, amp = 300, 0.25
    imp = np.zeros((2, 4096), np.float32)
    imp[:, n] = amp

    y = p(imp, sr, buffer_size=bs)  # also delivers the settings (they arrive at sample 0)
    check_audio(y, imp, "impulse")
    latency = p.reported_latency_samples
    values = {q.key: q.default for q in spec.params if q.kind is float}
    values.update(settings)
    want = spec.latency(values, sr)
    assert abs(latency - want) <= 0.5 + 1e-9, (
        f"{slug} {settings} at {sr} Hz: reported latency expected {want:g} samples (rounded), got {latency}"
    )
    for c in range(2):
        at = int(np.argmax(np.abs(y[c])))
        assert at == n, (
            f"{slug} {settings}, {sr} Hz, block {bs}: with pedalboard's compensation of the reported "
            f"{latency} samples the impulse should land at {n}, got {at} (so the true latency is "
            f"{latency + at - n}, reported {latency})"
        )
    y2 = p(imp, sr, buffer_size=bs, reset=False)
    for c in range(2):
        at = int(np.argmax(np.abs(y2[c])))
        assert at == n + latency, (
            f"{slug} {settings}, {sr} Hz, block {bs}, streaming: impulse expected at "
            f"{n} + reported latency {latency} = {n + latency}, got {at}"
        )


# --------------------------------------------------------------------------------------------
# state


def test_state_container_codec(spec, plugin):
    """Our JUCE-container encoder reproduces the host's bytes (the garbage tests rely on it)."""
    s = plugin.raw_state
    assert make_vst3_state(component_bytes(s)) == s, (
        f"re-encoding the state container changed it:\n  host: {s!r}\n  ours: {make_vst3_state(component_bytes(s))!r}"
    )


def test_state_round_trip(spec, load):
    sr = 44100
    x = program(2, sr, 0.1, level_db=-6.0)
    a = load()
    default_state = a.raw_state
    raws = set_all_nondefault(a)
    commit(a)
    state = a.raw_state
    assert state != default_state, "state did not change after moving every parameter off its default"
    b = load()
    b.raw_state = state
    assert b.raw_state == state, (
        f"state round trip: expected identical bytes\n  saved:    {component_bytes(state)!r}\n"
        f"  reloaded: {component_bytes(b.raw_state)!r}"
    )
    for key in raws:
        assert b.parameters[key].string_value == a.parameters[key].string_value, (
            f"{key} after state load: expected {a.parameters[key].string_value!r}, "
            f"got {b.parameters[key].string_value!r}"
        )
    ya = a(x, sr)
    yb = b(x, sr)
    check_audio(yb, x, "after state load")
    assert np.array_equal(ya, yb), f"audio after state round trip: {first_diff(yb, ya)}"
    assert b.raw_state == state, "state changed by processing after load"


def _bad_state(spec, load, kind: str) -> bytes:
    rng = np.random.default_rng(7)
    if kind == "not-a-vst3-container":
        return bytes(rng.integers(0, 256, 300, dtype=np.uint8))
    if kind == "random-component-bytes":
        return make_vst3_state(bytes(rng.integers(0, 256, 300, dtype=np.uint8)))
    if kind == "empty-component":
        return make_vst3_state(b"")
    if kind == "truncated-json":
        good = component_bytes(load().raw_state)
        return make_vst3_state(good[: len(good) // 2])
    if kind == "json-wrong-shape":
        return make_vst3_state(b'{"version":"0.1.0","params":[1,2,3],"fields":7}')
    assert kind == "foreign"
    # The state of the next Lathe plugin in the table, everything moved and bypass on.
    other = PLUGINS[(PLUGINS.index(spec) + 1) % len(PLUGINS)]
    o = pedalboard.load_plugin(bundle_path_for(other))
    set_all_nondefault(o, skip=())
    o.bypass = True
    commit(o)
    return o.raw_state


CORRUPT_KINDS = [
    "not-a-vst3-container",
    "random-component-bytes",
    "empty-component",
    "truncated-json",
    "json-wrong-shape",
]


def _check_rejected(spec, load, p, blob, kind, default_state, ref, x, sr) -> list:
    """Loads ``blob`` into ``p`` and returns the problems (empty: rejected as promised)."""
    problems = []
    try:
        p.raw_state = blob
    except Exception as e:  # noqa: BLE001 - any exception is an acceptable way to refuse
        print(f"pedalboard raised on a {kind} state: {type(e).__name__}: {e}")
    y = p(x, sr)
    try:
        check_audio(y, x, f"after {kind} state")
    except AssertionError as e:
        problems.append(str(e))
    got = component_json(p.raw_state)["params"]
    want = component_json(default_state)["params"]
    changed = {k: (want.get(k), got.get(k)) for k in set(want) | set(got) if want.get(k) != got.get(k)}
    if changed:
        problems.append(f"{kind}: state should be rejected; parameters changed (default, got): {changed}")
    elif not np.array_equal(y, ref):
        problems.append(f"{kind}: audio should equal the defaults' audio: {first_diff(y, ref)}")
    return problems


def test_corrupt_state_rejected(spec, load):
    """Promised: a corrupt state blob is rejected, the plugin keeps its defaults and keeps running.
    pedalboard's raw_state setter returns nothing (JUCE's setStateInformation is void), so
    'rejected' is observed as: parameters and saved state unchanged, audio as at defaults, and a
    good state still loads afterwards. Each kind on its own fresh instance."""
    sr = 44100
    x = program(2, sr, 0.05)
    fresh = load()
    default_state = fresh.raw_state
    ref = fresh(x, sr)
    problems = []
    for kind in CORRUPT_KINDS:
        p = load()
        problems += _check_rejected(spec, load, p, _bad_state(spec, load, kind), kind, default_state, ref, x, sr)
        if kind == CORRUPT_KINDS[-1]:  # the plugin still accepts a good state afterwards
            a = load()
            set_all_nondefault(a)
            commit(a)
            p.raw_state = a.raw_state
            if p.raw_state != a.raw_state:
                problems.append(f"after corrupt states, a good state no longer loads")
    assert not problems, "corrupt states:\n  " + "\n  ".join(problems)


def test_foreign_state_rejected(spec, load):
    """Promised: a foreign state blob is rejected too. The foreign blob is another Lathe plugin's
    state (everything moved, bypass on): ids such as "out" and "bypass" exist in several plugins,
    so loading it must not apply them."""
    sr = 44100
    x = program(2, sr, 0.05)
    fresh = load()
    default_state = fresh.raw_state
    ref = fresh(x, sr)
    problems = _check_rejected(spec, load, load(), _bad_state(spec, load, "foreign"), "foreign", default_state, ref, x, sr)
    assert not problems, "foreign state:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------------------------
# bypass


@pytest.mark.parametrize("sr", [44100, 96000])
def test_bypass_passes_input(spec, load, sr):
    """Bypass on (with every other parameter moved off its default): output == input, aligned by
    the latency pedalboard compensates (the plugin must keep its latency while bypassed)."""
    x = program(2, sr, 0.1, level_db=-3.0)
    p = load()
    set_all_nondefault(p)
    p.bypass = True
    commit(p, 2, sr)
    y = p(x, sr)
    check_audio(y, x, "bypassed")
    assert np.array_equal(y, x), (
        f"bypassed (latency {p.reported_latency_samples} samples reported): output should equal "
        f"input: {first_diff(y, x)}"
    )


BYPASS_SWITCH = [pytest.param(s.slug, id=s.slug) for s in PLUGINS if s.audible_setting]


@pytest.mark.parametrize("slug", BYPASS_SWITCH)
def test_bypass_switch_is_smooth(slug):
    """Promised: switching bypass crossfades. With an audible setting (e.g. -12 dB) a 100 Hz sine is
    streamed, bypass switches on at a waveform peak; no sample-to-sample jump may be much larger
    than the sine's own steepest slope, and afterwards the level is the input's."""
    spec = SPECS[slug]
    key, value, level_db = spec.audible_setting
    sr, f, amp = 44100, 100.0, 0.5
    p = pedalboard.load_plugin(bundle_path_for(spec))
    setattr(p, key, value)
    commit(p, 2, sr)  # activates with the setting (reset=True)
    n1 = 441 * 30 + 110  # the switch lands ~90 degrees into a period: at a peak
    x = sine(f, sr, n1 + sr // 5, amp)
    x[1] = x[0]
    y1 = p(x[:, :n1], sr, buffer_size=128, reset=False)
    p.bypass = True
    y2 = p(x[:, n1:], sr, buffer_size=128, reset=False)
    y = np.concatenate([y1, y2], axis=1)
    check_audio(y, x, "bypass switch")
    before = rms_db(y1[0, -4410:]) - rms_db(x[0, n1 - 4410 : n1])
    assert abs(before - level_db) < 0.1, f"setup: level before the switch expected {level_db} dB, got {before:.2f}"
    after = rms_db(y2[0, -4410:]) - rms_db(x[0, -4410:])
    assert abs(after) < 0.05, f"bypassed level expected 0 dB re input, got {after:+.3f} dB"
    slope = amp * 2 * math.pi * f / sr
    jump = float(np.max(np.abs(np.diff(y[0].astype(np.float64)))))
    at = int(np.argmax(np.abs(np.diff(y[0].astype(np.float64)))))
    assert jump <= 4 * slope, (
        f"bypass switch: largest sample-to-sample step expected <= {4 * slope:.4f} (4x the sine's "
        f"slope: a crossfade), got {jump:.4f} at sample {at} (switch at {n1}, latency "
        f"{p.reported_latency_samples}): a hard switch, not a crossfade"
    )
