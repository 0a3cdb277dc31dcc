//! Factory presets: sensible starting points, defined once as data (parameter id → the text a
//! user would type, parsed by the parameter itself). A preset is a whole setting: every
//! parameter it does not name returns to its default.
//!
//! nice-plug 0.4.2 has no CLAP preset-discovery factory (no `clap.preset-discovery` support in
//! its CLAP wrapper), so hosts cannot list these; the editor's preset menu applies them
//! everywhere, through begin/set/end gestures on every parameter so DAW automation records the
//! change like any other edit.

use nice_plug::context::gui::GuiContextInner;
use nice_plug::prelude::{ParamPtr, Params};

/// One factory preset.
pub struct Preset {
    pub name: &'static str,
    /// `(parameter id, value as typed)`.
    pub values: &'static [(&'static str, &'static str)],
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "Clean",
        values: &[],
    },
    Preset {
        name: "Vocal",
        values: &[
            ("hp_on", "On"),
            ("hp_freq", "90 Hz"),
            ("hp_slope", "18 dB/oct"),
            ("gt_on", "On"),
            ("gt_thr", "-55"),
            ("gt_range", "12"),
            ("gt_ratio", "2"),
            ("gt_att", "1 ms"),
            ("gt_hold", "50 ms"),
            ("gt_rel", "200 ms"),
            ("eq_on", "On"),
            ("eq1_type", "Bell"),
            ("eq1_freq", "250 Hz"),
            ("eq1_gain", "-2.5"),
            ("eq1_q", "1.2"),
            ("eq2_freq", "3.2 kHz"),
            ("eq2_gain", "1.5"),
            ("eq2_q", "0.9"),
            ("eq3_freq", "6.5 kHz"),
            ("eq3_gain", "-1.5"),
            ("eq3_q", "4"),
            ("eq4_freq", "12 kHz"),
            ("eq4_gain", "2"),
            ("cp_on", "On"),
            ("cp_thr", "-22"),
            ("cp_ratio", "3:1"),
            ("cp_knee", "8"),
            ("cp_att", "5 ms"),
            ("cp_rel", "120 ms"),
            ("cp_auto", "On"),
            ("cp_det", "RMS"),
            ("cp_makeup", "On"),
        ],
    },
    Preset {
        name: "Kick",
        values: &[
            ("hp_on", "On"),
            ("hp_freq", "30 Hz"),
            ("hp_slope", "24 dB/oct"),
            ("lp_on", "On"),
            ("lp_freq", "12 kHz"),
            ("gt_on", "On"),
            ("gt_thr", "-30"),
            ("gt_range", "40"),
            ("gt_att", "0.1 ms"),
            ("gt_hold", "80 ms"),
            ("gt_rel", "120 ms"),
            ("gt_schp", "40 Hz"),
            ("eq_on", "On"),
            ("eq1_type", "Bell"),
            ("eq1_freq", "60 Hz"),
            ("eq1_gain", "3"),
            ("eq1_q", "1.4"),
            ("eq2_freq", "350 Hz"),
            ("eq2_gain", "-5"),
            ("eq2_q", "1.5"),
            ("eq3_freq", "4 kHz"),
            ("eq3_gain", "3"),
            ("eq3_q", "1.2"),
            ("eq4_gain", "0"),
            ("cp_on", "On"),
            ("cp_thr", "-16"),
            ("cp_ratio", "4:1"),
            ("cp_knee", "4"),
            ("cp_att", "20 ms"),
            ("cp_rel", "80 ms"),
            ("cp_makeup", "On"),
        ],
    },
    Preset {
        name: "Snare",
        values: &[
            ("hp_on", "On"),
            ("hp_freq", "100 Hz"),
            ("hp_slope", "18 dB/oct"),
            ("gt_on", "On"),
            ("gt_thr", "-32"),
            ("gt_range", "25"),
            ("gt_att", "0.1 ms"),
            ("gt_hold", "60 ms"),
            ("gt_rel", "150 ms"),
            ("gt_schp", "150 Hz"),
            ("eq_on", "On"),
            ("eq1_type", "Bell"),
            ("eq1_freq", "200 Hz"),
            ("eq1_gain", "2.5"),
            ("eq1_q", "1.2"),
            ("eq2_freq", "800 Hz"),
            ("eq2_gain", "-3"),
            ("eq2_q", "2"),
            ("eq3_freq", "5 kHz"),
            ("eq3_gain", "2.5"),
            ("eq3_q", "1"),
            ("eq4_freq", "10 kHz"),
            ("eq4_gain", "1.5"),
            ("cp_on", "On"),
            ("cp_thr", "-18"),
            ("cp_ratio", "5:1"),
            ("cp_knee", "4"),
            ("cp_att", "8 ms"),
            ("cp_rel", "100 ms"),
            ("cp_makeup", "On"),
        ],
    },
    Preset {
        name: "Bass",
        values: &[
            ("hp_on", "On"),
            ("hp_freq", "35 Hz"),
            ("hp_slope", "24 dB/oct"),
            ("lp_on", "On"),
            ("lp_freq", "8 kHz"),
            ("eq_on", "On"),
            ("eq1_freq", "80 Hz"),
            ("eq1_gain", "2"),
            ("eq2_freq", "250 Hz"),
            ("eq2_gain", "-3"),
            ("eq2_q", "1.2"),
            ("eq3_freq", "900 Hz"),
            ("eq3_gain", "2"),
            ("eq3_q", "1.5"),
            ("eq4_gain", "0"),
            ("cp_on", "On"),
            ("cp_thr", "-20"),
            ("cp_ratio", "4:1"),
            ("cp_knee", "6"),
            ("cp_att", "15 ms"),
            ("cp_rel", "150 ms"),
            ("cp_auto", "On"),
            ("cp_det", "RMS"),
            ("cp_makeup", "On"),
        ],
    },
    Preset {
        name: "Acoustic Guitar",
        values: &[
            ("hp_on", "On"),
            ("hp_freq", "80 Hz"),
            ("hp_slope", "12 dB/oct"),
            ("eq_on", "On"),
            ("eq1_type", "Bell"),
            ("eq1_freq", "200 Hz"),
            ("eq1_gain", "-3"),
            ("eq1_q", "1"),
            ("eq2_freq", "1.2 kHz"),
            ("eq2_gain", "-1"),
            ("eq2_q", "1.5"),
            ("eq3_freq", "5 kHz"),
            ("eq3_gain", "1.5"),
            ("eq3_q", "0.8"),
            ("eq4_freq", "12 kHz"),
            ("eq4_gain", "2.5"),
            ("cp_on", "On"),
            ("cp_thr", "-24"),
            ("cp_ratio", "2.5:1"),
            ("cp_knee", "10"),
            ("cp_att", "10 ms"),
            ("cp_rel", "150 ms"),
            ("cp_det", "RMS"),
            ("cp_makeup", "On"),
        ],
    },
    Preset {
        name: "Drum Bus",
        values: &[
            ("hp_on", "On"),
            ("hp_freq", "25 Hz"),
            ("hp_slope", "12 dB/oct"),
            ("eq_on", "On"),
            ("eq1_freq", "70 Hz"),
            ("eq1_gain", "1.5"),
            ("eq2_freq", "400 Hz"),
            ("eq2_gain", "-1.5"),
            ("eq2_q", "0.8"),
            ("eq4_freq", "10 kHz"),
            ("eq4_gain", "1.5"),
            ("cp_on", "On"),
            ("cp_thr", "-20"),
            ("cp_ratio", "4:1"),
            ("cp_knee", "6"),
            ("cp_att", "10 ms"),
            ("cp_rel", "150 ms"),
            ("cp_auto", "On"),
            ("cp_schp", "90 Hz"),
            ("cp_makeup", "On"),
            ("cp_mix", "50 %"),
        ],
    },
];

/// Every parameter with its normalised value under `preset` (defaults for the ones it does not
/// name). Errors name the first id or text that does not parse.
pub fn resolve(params: &dyn Params, preset: &Preset) -> Result<Vec<(ParamPtr, f32)>, String> {
    let map = params.param_map();
    for (id, _) in preset.values {
        if !map.iter().any(|(pid, _, _)| pid == id) {
            return Err(format!("{}: unknown parameter id '{id}'", preset.name));
        }
    }
    let mut out = Vec::with_capacity(map.len());
    for (id, ptr, _) in &map {
        if id == "bypass" {
            continue;
        }
        // SAFETY: the pointers come from `params`, alive for this call.
        let normalized = match preset.values.iter().find(|(pid, _)| pid == id) {
            Some((_, text)) => unsafe { ptr.string_to_normalized_value(text) }
                .ok_or_else(|| format!("{}: '{text}' is not a value of '{id}'", preset.name))?,
            None => unsafe { ptr.default_normalized_value() },
        };
        out.push((*ptr, normalized));
    }
    Ok(out)
}

/// Whether every parameter holds its value in `values` (a preset [`resolve`]d once): the editor
/// shows that preset's name, and marks it modified once anything differs.
pub fn holds(values: &[(ParamPtr, f32)]) -> bool {
    values.iter().all(|(ptr, normalized)| {
        // Compared as the parameter holds them, snapped to its step: a default off the step
        // grid (Q 0.7071 on a 0.01 grid) is stored snapped once a preset is applied.
        // SAFETY: the pointers come from the plugin's parameters, which outlive the editor.
        let (now, want) = unsafe {
            (
                ptr.preview_plain(ptr.unmodulated_normalized_value()),
                ptr.preview_plain(*normalized),
            )
        };
        (now - want).abs() <= 1e-6 * want.abs().max(1.0)
    })
}

/// Applies `preset` from the editor: one begin/set/end gesture per parameter, so hosts record
/// it. GUI thread only.
pub fn apply(params: &dyn Params, context: &dyn GuiContextInner, preset: &Preset) {
    let Ok(values) = resolve(params, preset) else {
        return;
    };
    for (ptr, normalized) in values {
        // SAFETY: `ptr` belongs to this plugin's parameters, which outlive the editor.
        unsafe {
            context.raw_begin_set_parameter(ptr);
            context.raw_set_parameter_normalized(ptr, normalized);
            context.raw_end_set_parameter(ptr);
        }
    }
}

/// Applies `preset` directly to the parameter objects (offline: tests, the CLI). Not while a
/// host runs the plugin.
pub fn apply_offline(params: &dyn Params, preset: &Preset) -> Result<(), String> {
    for (ptr, normalized) in resolve(params, preset)? {
        // SAFETY: offline, nothing else reads or writes the parameters concurrently.
        unsafe {
            ptr._internal_set_normalized_value(normalized);
        }
    }
    Ok(())
}
