//! Lathe Channel Strip parameters. Ids are stable: never rename one once shipped.
//!
//! Sections in signal order: `trim phl phr` | `hp_on hp_freq hp_slope lp_on lp_freq lp_slope` |
//! `gt_on gt_thr gt_range gt_ratio gt_att gt_hold gt_rel gt_schp gt_key` | `eq_on`, per band
//! `eq1_on eq1_type eq1_freq eq1_gain eq1_q` … `eq4_*` | `order` | `cp_on cp_thr cp_ratio cp_knee cp_att
//! cp_rel cp_auto cp_det cp_link cp_schp cp_ext cp_makeup cp_gain cp_mix` | `pan pan_law width
//! mono` | `out bypass`. Ranges as the strip promises them (README).

use nice_plug::prelude::*;
use shared_dsp::dynamics::{CompressorParams, DetectorMode, GateParams};
use shared_dsp::filter::{BandParams, BandType};
use shared_dsp::stereo::PanLaw;
use std::sync::Arc;

use crate::engine::{ChannelSettings, EQ_BANDS, Order, PassSettings};

/// A ratio parameter at its maximum means ∞:1 (compressor) or 1:∞, a gate (expander).
pub const RATIO_MAX: f32 = 30.0;
/// A sidechain high-pass at its minimum is off.
pub const SIDECHAIN_HP_OFF_HZ: f32 = 20.0;

/// High-/low-pass slope.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slope {
    #[id = "6"]
    #[name = "6 dB/oct"]
    S6,
    #[id = "12"]
    #[name = "12 dB/oct"]
    S12,
    #[id = "18"]
    #[name = "18 dB/oct"]
    S18,
    #[id = "24"]
    #[name = "24 dB/oct"]
    S24,
    #[id = "36"]
    #[name = "36 dB/oct"]
    S36,
    #[id = "48"]
    #[name = "48 dB/oct"]
    S48,
}

impl Slope {
    /// Butterworth order (6 dB/oct each).
    pub fn order(self) -> u8 {
        match self {
            Slope::S6 => 1,
            Slope::S12 => 2,
            Slope::S18 => 3,
            Slope::S24 => 4,
            Slope::S36 => 6,
            Slope::S48 => 8,
        }
    }
}

/// Band 1's shape.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowType {
    #[id = "shelf"]
    #[name = "Low Shelf"]
    Shelf,
    #[id = "bell"]
    #[name = "Bell"]
    Bell,
}

/// Band 4's shape.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighType {
    #[id = "shelf"]
    #[name = "High Shelf"]
    Shelf,
    #[id = "bell"]
    #[name = "Bell"]
    Bell,
}

/// Where the dynamics sit.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderChoice {
    #[id = "gate_eq_comp"]
    #[name = "Gate > EQ > Comp"]
    GateEqComp,
    #[id = "dyn_eq"]
    #[name = "Dynamics > EQ"]
    DynamicsEq,
    #[id = "eq_dyn"]
    #[name = "EQ > Dynamics"]
    EqDynamics,
}

impl OrderChoice {
    pub fn order(self) -> Order {
        match self {
            OrderChoice::GateEqComp => Order::GateEqComp,
            OrderChoice::DynamicsEq => Order::DynamicsEq,
            OrderChoice::EqDynamics => Order::EqDynamics,
        }
    }
}

/// Key source of a dynamics section.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    #[id = "int"]
    #[name = "Internal"]
    Internal,
    #[id = "ext"]
    #[name = "Sidechain"]
    External,
}

/// Compressor detector.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detector {
    #[id = "peak"]
    #[name = "Peak"]
    Peak,
    #[id = "rms"]
    #[name = "RMS"]
    Rms,
}

/// Pan laws by index of the `pan_law` parameter (an integer parameter rather than an enum so its
/// text entry understands "-3" as well as "-3 dB"): centre attenuation of a mono source; a stereo
/// track is balanced (see the engine).
/// The names are numbers; the unit " dB" is the parameter's own (hosts show it as its label).
pub const PAN_LAWS: [(PanLaw, &str); 3] = [
    (PanLaw::Minus3Db, "-3"),
    (PanLaw::Minus4_5Db, "-4.5"),
    (PanLaw::Minus6Db, "-6"),
];

fn pan_law_param() -> IntParam {
    IntParam::new("Pan Law", 0, IntRange::Linear { min: 0, max: 2 })
        .with_unit(" dB")
        .with_value_to_string(Arc::new(|i| PAN_LAWS[i.clamp(0, 2) as usize].1.to_string()))
        .with_string_to_value(Arc::new(|s| {
            let v = lathe_plugin::text::parse_with_units(s, &["dB"])?;
            PAN_LAWS
                .iter()
                .position(|(_, name)| {
                    lathe_plugin::text::parse_with_units(name, &["dB"]) == Some(-v.abs())
                })
                .map(|i| i as i32)
        }))
}

/// Text formatting and parsing of the strip's units.
pub mod text {
    use super::{RATIO_MAX, SIDECHAIN_HP_OFF_HZ};
    use lathe_plugin::text::parse_with_units;
    use std::sync::Arc;

    type V2s = Arc<dyn Fn(f32) -> String + Send + Sync>;
    type S2v = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

    /// "0.05", "2.50", "15.0", "250", "1200": milliseconds with the precision that matters at
    /// that size (the unit " ms" is the parameter's own, which hosts show as its label).
    pub fn format_ms(ms: f32) -> String {
        if ms >= 100.0 {
            format!("{ms:.0}")
        } else if ms >= 10.0 {
            format!("{ms:.1}")
        } else {
            format!("{ms:.2}")
        }
    }

    /// "15", "15 ms", "15ms", "1.2 s", "1.2s".
    pub fn parse_ms(text: &str) -> Option<f32> {
        let t = text.trim().to_ascii_lowercase();
        if let Some(ms) = parse_with_units(&t, &["ms"])
            && (t.ends_with("ms") || !t.ends_with('s'))
        {
            return Some(ms);
        }
        parse_with_units(&t, &["s", "sec"]).map(|s| s * 1000.0)
    }

    pub fn v2s_ms() -> V2s {
        Arc::new(format_ms)
    }

    pub fn s2v_ms() -> S2v {
        Arc::new(parse_ms)
    }

    /// Ratio "4.0:1", "∞:1" at the maximum.
    pub fn v2s_ratio() -> V2s {
        Arc::new(|r| {
            if shows_as_max(r) {
                "∞:1".to_string()
            } else {
                format!("{r:.1}:1")
            }
        })
    }

    /// Whether a ratio's one-decimal text would read back as the maximum (∞): such a value
    /// shows as ∞, so value → text → value → text is stable.
    fn shows_as_max(r: f32) -> bool {
        (r * 10.0).round() / 10.0 >= RATIO_MAX
    }

    /// Expander ratio "1:2.0", "1:∞" (a gate) at the maximum.
    pub fn v2s_expander_ratio() -> V2s {
        Arc::new(|r| {
            if shows_as_max(r) {
                "1:∞".to_string()
            } else {
                format!("1:{r:.1}")
            }
        })
    }

    /// "4", "4:1", "1:4" (the larger number is the ratio), "inf", "∞", "∞:1", "gate".
    pub fn parse_ratio(text: &str) -> Option<f32> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.trim_end_matches("(gate)").trim();
        if ["inf", "∞", "∞:1", "1:∞", "gate", "inf:1", "1:inf"].contains(&t) {
            return Some(RATIO_MAX);
        }
        let mut best: Option<f32> = None;
        for part in t.split(':') {
            let v = part.trim().replace(',', ".").parse::<f32>().ok()?;
            if !v.is_finite() {
                return None;
            }
            best = Some(best.map_or(v, |b| b.max(v)));
        }
        best
    }

    pub fn s2v_ratio() -> S2v {
        Arc::new(parse_ratio)
    }

    /// "75 %".
    pub fn v2s_percent() -> V2s {
        Arc::new(|p| format!("{p:.0}"))
    }

    pub fn s2v_percent() -> S2v {
        Arc::new(|s| parse_with_units(s, &["%", "percent"]))
    }

    /// Pan: "C", "L50", "R25" (−100 … +100).
    pub fn format_pan(p: f32) -> String {
        let r = p.round();
        if r == 0.0 {
            "C".to_string()
        } else if r < 0.0 {
            format!("L{:.0}", -r)
        } else {
            format!("R{r:.0}")
        }
    }

    /// "C", "center", "0", "L50", "50L", "l 50", "R25", "-50", "+25".
    pub fn parse_pan(text: &str) -> Option<f32> {
        let t: String = text
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if t == "c" || t == "center" || t == "centre" {
            return Some(0.0);
        }
        let (sign, num) = if let Some(n) = t.strip_prefix('l').or_else(|| t.strip_suffix('l')) {
            (-1.0, n)
        } else if let Some(n) = t.strip_prefix('r').or_else(|| t.strip_suffix('r')) {
            (1.0, n)
        } else {
            (1.0, t.as_str())
        };
        let v = num.trim_end_matches('%').parse::<f32>().ok()?;
        v.is_finite().then_some(sign * v)
    }

    pub fn v2s_pan() -> V2s {
        Arc::new(format_pan)
    }

    pub fn s2v_pan() -> S2v {
        Arc::new(parse_pan)
    }

    /// Sidechain high-pass: "Off" at the minimum, else Hz.
    pub fn v2s_sidechain_hz() -> V2s {
        let hz = lathe_plugin::text::v2s_hz();
        Arc::new(move |v| {
            // A value just above the off point whose text reads back as the off point ("20.0
            // Hz") shows as "Off" too, so value → text → value → text is stable.
            let text = hz(v);
            let reads_off =
                lathe_plugin::text::parse_hz(&text).is_some_and(|x| x <= SIDECHAIN_HP_OFF_HZ);
            if v <= SIDECHAIN_HP_OFF_HZ || reads_off {
                "Off".to_string()
            } else {
                text
            }
        })
    }

    pub fn s2v_sidechain_hz() -> S2v {
        Arc::new(|s| {
            if s.trim().eq_ignore_ascii_case("off") {
                Some(SIDECHAIN_HP_OFF_HZ)
            } else {
                lathe_plugin::text::parse_hz(s)
            }
        })
    }
}

fn freq_param(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_value_to_string(lathe_plugin::text::v2s_hz())
    .with_string_to_value(lathe_plugin::text::s2v_hz())
}

fn db_param(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_step_size(0.1)
        .with_unit(" dB")
        .with_value_to_string(formatters::v2s_f32_rounded(1))
        .with_string_to_value(lathe_plugin::text::s2v_db())
}

fn ms_param(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_unit(" ms")
    .with_value_to_string(text::v2s_ms())
    .with_string_to_value(text::s2v_ms())
}

fn ratio_param(name: impl Into<String>, default: f32, expander: bool) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min: 1.0,
            max: RATIO_MAX,
            factor: FloatRange::skew_factor(-1.6),
        },
    )
    .with_value_to_string(if expander {
        text::v2s_expander_ratio()
    } else {
        text::v2s_ratio()
    })
    .with_string_to_value(text::s2v_ratio())
}

fn percent_param(name: impl Into<String>, default: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max })
        .with_step_size(1.0)
        .with_unit(" %")
        .with_value_to_string(text::v2s_percent())
        .with_string_to_value(text::s2v_percent())
}

fn sidechain_hp_param(name: impl Into<String>) -> FloatParam {
    FloatParam::new(
        name,
        SIDECHAIN_HP_OFF_HZ,
        FloatRange::Skewed {
            min: SIDECHAIN_HP_OFF_HZ,
            max: 2000.0,
            factor: FloatRange::skew_factor(-1.5),
        },
    )
    .with_value_to_string(text::v2s_sidechain_hz())
    .with_string_to_value(text::s2v_sidechain_hz())
}

fn q_param(name: impl Into<String>, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min: 0.1,
            max: 10.0,
            factor: FloatRange::skew_factor(-1.5),
        },
    )
    .with_step_size(0.01)
    .with_value_to_string(formatters::v2s_f32_rounded(2))
}

/// One EQ band: on, frequency, gain, Q (type only on bands 1 and 4).
#[derive(Params)]
pub struct EqBandParams {
    #[id = "on"]
    pub on: BoolParam,
    #[id = "freq"]
    pub freq_hz: FloatParam,
    #[id = "gain"]
    pub gain_db: FloatParam,
    #[id = "q"]
    pub q: FloatParam,
}

impl EqBandParams {
    fn new(n: usize, freq_hz: f32, q: f32) -> Self {
        Self {
            on: BoolParam::new(format!("EQ {n} On"), true),
            freq_hz: freq_param(format!("EQ {n} Freq"), freq_hz, 20.0, 20_000.0),
            gain_db: db_param(format!("EQ {n} Gain"), 0.0, -18.0, 18.0),
            q: q_param(format!("EQ {n} Q"), q),
        }
    }

    fn band(&self, kind: BandType) -> BandParams {
        BandParams::new(
            kind,
            self.freq_hz.value(),
            self.gain_db.value(),
            self.q.value(),
        )
        .with_enabled(self.on.value())
    }
}

#[derive(Params)]
pub struct ChannelParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<lathe_plugin::EditorMemory>,

    // Input.
    #[id = "trim"]
    pub trim_db: FloatParam,
    #[id = "phl"]
    pub invert_left: BoolParam,
    #[id = "phr"]
    pub invert_right: BoolParam,

    // Filters.
    #[id = "hp_on"]
    pub hp_on: BoolParam,
    #[id = "hp_freq"]
    pub hp_freq: FloatParam,
    #[id = "hp_slope"]
    pub hp_slope: EnumParam<Slope>,
    #[id = "lp_on"]
    pub lp_on: BoolParam,
    #[id = "lp_freq"]
    pub lp_freq: FloatParam,
    #[id = "lp_slope"]
    pub lp_slope: EnumParam<Slope>,

    // Gate / expander.
    #[id = "gt_on"]
    pub gt_on: BoolParam,
    #[id = "gt_thr"]
    pub gt_thr: FloatParam,
    #[id = "gt_range"]
    pub gt_range: FloatParam,
    #[id = "gt_ratio"]
    pub gt_ratio: FloatParam,
    #[id = "gt_att"]
    pub gt_att: FloatParam,
    #[id = "gt_hold"]
    pub gt_hold: FloatParam,
    #[id = "gt_rel"]
    pub gt_rel: FloatParam,
    #[id = "gt_schp"]
    pub gt_schp: FloatParam,
    #[id = "gt_key"]
    pub gt_key: EnumParam<Key>,

    // EQ.
    #[id = "eq_on"]
    pub eq_on: BoolParam,
    #[id = "eq1_type"]
    pub e1_type: EnumParam<LowType>,
    #[nested(id_prefix = "eq1", group = "EQ 1")]
    pub e1: EqBandParams,
    #[nested(id_prefix = "eq2", group = "EQ 2")]
    pub e2: EqBandParams,
    #[nested(id_prefix = "eq3", group = "EQ 3")]
    pub e3: EqBandParams,
    #[id = "eq4_type"]
    pub e4_type: EnumParam<HighType>,
    #[nested(id_prefix = "eq4", group = "EQ 4")]
    pub e4: EqBandParams,

    #[id = "order"]
    pub order: EnumParam<OrderChoice>,

    // Compressor.
    #[id = "cp_on"]
    pub cp_on: BoolParam,
    #[id = "cp_thr"]
    pub cp_thr: FloatParam,
    #[id = "cp_ratio"]
    pub cp_ratio: FloatParam,
    #[id = "cp_knee"]
    pub cp_knee: FloatParam,
    #[id = "cp_att"]
    pub cp_att: FloatParam,
    #[id = "cp_rel"]
    pub cp_rel: FloatParam,
    #[id = "cp_auto"]
    pub cp_auto: BoolParam,
    #[id = "cp_det"]
    pub cp_det: EnumParam<Detector>,
    #[id = "cp_link"]
    pub cp_link: FloatParam,
    #[id = "cp_schp"]
    pub cp_schp: FloatParam,
    #[id = "cp_ext"]
    pub cp_ext: EnumParam<Key>,
    #[id = "cp_makeup"]
    pub cp_makeup: BoolParam,
    #[id = "cp_gain"]
    pub cp_gain: FloatParam,
    #[id = "cp_mix"]
    pub cp_mix: FloatParam,

    // Pan and width.
    #[id = "pan"]
    pub pan: FloatParam,
    #[id = "pan_law"]
    pub pan_law: IntParam,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "mono"]
    pub mono: BoolParam,

    // Output.
    #[id = "out"]
    pub output_db: FloatParam,
    #[id = "bypass"]
    pub bypass: BoolParam,
}

impl Default for ChannelParams {
    fn default() -> Self {
        let g = GateParams::default();
        let c = CompressorParams::default();
        Self {
            plugin_id: lathe_plugin::state::plugin_id_field(crate::INFO.clap_id),
            editor_state: lathe_plugin::editor_state(),
            trim_db: lathe_plugin::text::gain_db_param("Input Trim", -24.0, 24.0),
            invert_left: BoolParam::new("Invert Polarity L", false),
            invert_right: BoolParam::new("Invert Polarity R", false),

            hp_on: BoolParam::new("High-Pass On", false),
            hp_freq: freq_param("High-Pass Freq", 80.0, 20.0, 2000.0),
            hp_slope: EnumParam::new("High-Pass Slope", Slope::S12),
            lp_on: BoolParam::new("Low-Pass On", false),
            lp_freq: freq_param("Low-Pass Freq", 18_000.0, 1000.0, 22_000.0),
            lp_slope: EnumParam::new("Low-Pass Slope", Slope::S12),

            gt_on: BoolParam::new("Gate On", false),
            gt_thr: db_param("Gate Threshold", g.threshold_db, -80.0, 0.0),
            gt_range: db_param("Gate Range", 60.0, 0.0, 80.0),
            gt_ratio: ratio_param("Gate Ratio", RATIO_MAX, true),
            gt_att: ms_param("Gate Attack", g.attack_ms, 0.05, 50.0),
            gt_hold: ms_param("Gate Hold", g.hold_ms, 0.0, 500.0),
            gt_rel: ms_param("Gate Release", g.release_ms, 5.0, 2000.0),
            gt_schp: sidechain_hp_param("Gate Key High-Pass"),
            gt_key: EnumParam::new("Gate Key", Key::Internal),

            eq_on: BoolParam::new("EQ On", false),
            e1_type: EnumParam::new("EQ 1 Type", LowType::Shelf),
            e1: EqBandParams::new(1, 100.0, 0.707),
            e2: EqBandParams::new(2, 400.0, 1.0),
            e3: EqBandParams::new(3, 2000.0, 1.0),
            e4_type: EnumParam::new("EQ 4 Type", HighType::Shelf),
            e4: EqBandParams::new(4, 8000.0, 0.707),

            order: EnumParam::new("Dynamics Order", OrderChoice::GateEqComp),

            cp_on: BoolParam::new("Compressor On", false),
            cp_thr: db_param("Comp Threshold", c.threshold_db, -60.0, 0.0),
            cp_ratio: ratio_param("Comp Ratio", c.ratio, false),
            cp_knee: db_param("Comp Knee", c.knee_db, 0.0, 24.0),
            cp_att: ms_param("Comp Attack", c.attack_ms, 0.05, 250.0),
            cp_rel: ms_param("Comp Release", c.release_ms, 5.0, 5000.0),
            cp_auto: BoolParam::new("Comp Auto Release", false),
            cp_det: EnumParam::new("Comp Detector", Detector::Peak),
            cp_link: percent_param("Comp Stereo Link", 100.0, 100.0),
            cp_schp: sidechain_hp_param("Comp Key High-Pass"),
            cp_ext: EnumParam::new("Comp Key", Key::Internal),
            cp_makeup: BoolParam::new("Comp Auto Makeup", false),
            cp_gain: db_param("Comp Makeup", 0.0, -12.0, 24.0),
            cp_mix: percent_param("Comp Mix", 100.0, 100.0),

            pan: FloatParam::new(
                "Pan",
                0.0,
                FloatRange::Linear {
                    min: -100.0,
                    max: 100.0,
                },
            )
            .with_step_size(1.0)
            .with_value_to_string(text::v2s_pan())
            .with_string_to_value(text::s2v_pan()),
            pan_law: pan_law_param(),
            width: percent_param("Width", 100.0, 200.0),
            mono: BoolParam::new("Mono", false),

            output_db: lathe_plugin::text::gain_db_param("Output Gain", -24.0, 24.0),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
        }
    }
}

/// A ratio parameter's value as the DSP takes it (the maximum is ∞).
pub fn ratio_value(v: f32) -> f32 {
    if v >= RATIO_MAX { f32::INFINITY } else { v }
}

/// A sidechain high-pass parameter's value as the DSP takes it (0 = off).
pub fn sidechain_hp_value(v: f32) -> f32 {
    if v <= SIDECHAIN_HP_OFF_HZ { 0.0 } else { v }
}

impl ChannelParams {
    /// The four EQ bands with their shapes.
    pub fn eq_bands(&self) -> [BandParams; EQ_BANDS] {
        [
            self.e1.band(match self.e1_type.value() {
                LowType::Shelf => BandType::LowShelf,
                LowType::Bell => BandType::Bell,
            }),
            self.e2.band(BandType::Bell),
            self.e3.band(BandType::Bell),
            self.e4.band(match self.e4_type.value() {
                HighType::Shelf => BandType::HighShelf,
                HighType::Bell => BandType::Bell,
            }),
        ]
    }

    /// The gate settings as the DSP takes them.
    pub fn gate(&self) -> GateParams {
        GateParams {
            threshold_db: self.gt_thr.value(),
            range_db: self.gt_range.value(),
            ratio: ratio_value(self.gt_ratio.value()),
            attack_ms: self.gt_att.value(),
            hold_ms: self.gt_hold.value(),
            release_ms: self.gt_rel.value(),
            sidechain_hpf_hz: sidechain_hp_value(self.gt_schp.value()),
            ..GateParams::default()
        }
    }

    /// The compressor settings as the DSP takes them.
    pub fn comp(&self) -> CompressorParams {
        CompressorParams {
            threshold_db: self.cp_thr.value(),
            ratio: ratio_value(self.cp_ratio.value()),
            knee_db: self.cp_knee.value(),
            attack_ms: self.cp_att.value(),
            release_ms: self.cp_rel.value(),
            auto_release: self.cp_auto.value(),
            detector: match self.cp_det.value() {
                Detector::Peak => DetectorMode::Peak,
                Detector::Rms => DetectorMode::Rms,
            },
            stereo_link: self.cp_link.value() * 0.01,
            sidechain_hpf_hz: sidechain_hp_value(self.cp_schp.value()),
            makeup_db: self.cp_gain.value(),
            auto_makeup: self.cp_makeup.value(),
            mix: self.cp_mix.value() * 0.01,
            ..CompressorParams::default()
        }
    }

    /// The engine's plain settings from the current parameter values.
    pub fn settings(&self) -> ChannelSettings {
        ChannelSettings {
            bypass: self.bypass.value(),
            trim_db: self.trim_db.value(),
            invert: [self.invert_left.value(), self.invert_right.value()],
            high_pass: PassSettings {
                on: self.hp_on.value(),
                freq_hz: self.hp_freq.value(),
                order: self.hp_slope.value().order(),
            },
            low_pass: PassSettings {
                on: self.lp_on.value(),
                freq_hz: self.lp_freq.value(),
                order: self.lp_slope.value().order(),
            },
            gate_on: self.gt_on.value(),
            gate: self.gate(),
            gate_external: self.gt_key.value() == Key::External,
            eq_on: self.eq_on.value(),
            eq: self.eq_bands(),
            order: self.order.value().order(),
            comp_on: self.cp_on.value(),
            comp: self.comp(),
            comp_external: self.cp_ext.value() == Key::External,
            pan: self.pan.value() * 0.01,
            pan_law: PAN_LAWS[self.pan_law.value().clamp(0, 2) as usize].0,
            width_percent: self.width.value(),
            mono: self.mono.value(),
            output_db: self.output_db.value(),
        }
    }
}

impl lathe_plugin::PluginParams for ChannelParams {
    type Settings = ChannelSettings;
    fn settings(&self) -> ChannelSettings {
        ChannelParams::settings(self)
    }
}

#[cfg(test)]
mod tests {
    use super::text::*;
    use super::*;

    #[test]
    fn texts_parse_what_people_type() {
        for (t, v) in [
            ("15", 15.0),
            ("15 ms", 15.0),
            ("1.2 s", 1200.0),
            ("0.5s", 500.0),
        ] {
            assert_eq!(parse_ms(t), Some(v), "{t}");
        }
        for (t, v) in [("4", 4.0), ("4:1", 4.0), ("1:4", 4.0), ("inf", RATIO_MAX)] {
            assert_eq!(parse_ratio(t), Some(v), "{t}");
        }
        assert_eq!(parse_ratio("∞:1"), Some(RATIO_MAX));
        assert_eq!(parse_ratio("1:∞ (gate)"), Some(RATIO_MAX));
        for (t, v) in [
            ("C", 0.0),
            ("L50", -50.0),
            ("50L", -50.0),
            ("R 25", 25.0),
            ("-30", -30.0),
        ] {
            assert_eq!(parse_pan(t), Some(v), "{t}");
        }
        assert_eq!(format_pan(-50.0), "L50");
        assert_eq!(format_pan(0.2), "C");
        assert_eq!(format_ms(15.0), "15.0");
        assert_eq!(format_ms(1200.0), "1200");
        assert_eq!(parse_ms("1.2 s"), Some(1200.0));
        assert_eq!(parse_ms("15 ms"), Some(15.0));
        assert_eq!(parse_ratio("loud"), None);
        let law = super::pan_law_param();
        for (t, i) in [
            ("-3", 0),
            ("-3 dB", 0),
            ("-4.5", 1),
            ("4.5 dB", 1),
            ("-6 dB", 2),
        ] {
            assert_eq!(
                law.string_to_normalized_value(t),
                Some(i as f32 / 2.0),
                "{t}"
            );
        }
        assert_eq!(law.string_to_normalized_value("-5"), None);
        assert_eq!(parse_pan("x"), None);
    }

    #[test]
    fn defaults_are_neutral() {
        let p = ChannelParams::default();
        let s = p.settings();
        assert!(!s.gate_on && !s.comp_on && !s.eq_on && !s.high_pass.on && !s.low_pass.on);
        assert_eq!(s.pan, 0.0);
        assert_eq!(s.width_percent, 100.0);
        assert_eq!(s.comp.sidechain_hpf_hz, 0.0);
        assert!(s.gate.ratio.is_infinite());
    }
}
