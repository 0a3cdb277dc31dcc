//! Lathe Mastering EQ parameters. Ids are stable: never rename one once shipped.
//!
//! Eight bands, each a nested group with the id prefix `b1`…`b8`: `b1_on`, `b1_type`,
//! `b1_freq`, `b1_gain`, `b1_q`, `b1_slope`, `b1_ch`. Then `out`, `autogain`, `invert`,
//! `bypass`.

use nice_plug::prelude::*;
use shared_dsp::filter::{BandParams, BandType, Placement};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::{EqMode, EqSettings, NUM_BANDS};

/// The processing mode parameter.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    #[id = "zero"]
    #[name = "Zero Latency"]
    ZeroLatency,
    #[id = "linear"]
    #[name = "Linear Phase"]
    LinearPhase,
}

impl Mode {
    pub fn eq_mode(self) -> EqMode {
        match self {
            Mode::ZeroLatency => EqMode::ZeroLatency,
            Mode::LinearPhase => EqMode::LinearPhase,
        }
    }
}

/// A band's shape (the mastering EQ's subset of `shared_dsp::filter::BandType`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    #[id = "bell"]
    #[name = "Bell"]
    Bell,
    #[id = "lshelf"]
    #[name = "Low Shelf"]
    LowShelf,
    #[id = "hshelf"]
    #[name = "High Shelf"]
    HighShelf,
    #[id = "hpass"]
    #[name = "High Pass"]
    HighPass,
    #[id = "lpass"]
    #[name = "Low Pass"]
    LowPass,
    #[id = "notch"]
    #[name = "Notch"]
    Notch,
    #[id = "bpass"]
    #[name = "Band Pass"]
    BandPass,
    #[id = "tilt"]
    #[name = "Tilt"]
    Tilt,
}

impl Kind {
    pub fn band_type(self) -> BandType {
        match self {
            Kind::Bell => BandType::Bell,
            Kind::LowShelf => BandType::LowShelf,
            Kind::HighShelf => BandType::HighShelf,
            Kind::HighPass => BandType::HighPass,
            Kind::LowPass => BandType::LowPass,
            Kind::Notch => BandType::Notch,
            Kind::BandPass => BandType::BandPass,
            Kind::Tilt => BandType::Tilt,
        }
    }
}

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
    #[id = "72"]
    #[name = "72 dB/oct"]
    S72,
    #[id = "96"]
    #[name = "96 dB/oct"]
    S96,
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
            Slope::S72 => 12,
            Slope::S96 => 16,
        }
    }
}

/// Which part of the stereo signal a band processes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    #[id = "stereo"]
    #[name = "Stereo"]
    Stereo,
    #[id = "left"]
    #[name = "Left"]
    Left,
    #[id = "right"]
    #[name = "Right"]
    Right,
    #[id = "mid"]
    #[name = "Mid"]
    Mid,
    #[id = "side"]
    #[name = "Side"]
    Side,
}

impl Channel {
    pub fn placement(self) -> Placement {
        match self {
            Channel::Stereo => Placement::Stereo,
            Channel::Left => Placement::Left,
            Channel::Right => Placement::Right,
            Channel::Mid => Placement::Mid,
            Channel::Side => Placement::Side,
        }
    }
}

/// One band's parameters.
#[derive(Params)]
pub struct BandParamSet {
    #[id = "on"]
    pub on: BoolParam,
    #[id = "type"]
    pub kind: EnumParam<Kind>,
    #[id = "freq"]
    pub freq_hz: FloatParam,
    #[id = "gain"]
    pub gain_db: FloatParam,
    #[id = "q"]
    pub q: FloatParam,
    #[id = "slope"]
    pub slope: EnumParam<Slope>,
    #[id = "ch"]
    pub channel: EnumParam<Channel>,
}

impl BandParamSet {
    fn new(n: usize, kind: Kind, freq_hz: f32) -> Self {
        Self {
            on: BoolParam::new(format!("Band {n} On"), false),
            kind: EnumParam::new(format!("Band {n} Type"), kind),
            freq_hz: FloatParam::new(
                format!("Band {n} Freq"),
                freq_hz,
                FloatRange::Skewed {
                    min: 10.0,
                    max: 30_000.0,
                    factor: FloatRange::skew_factor(-2.5),
                },
            )
            .with_value_to_string(lathe_plugin::text::v2s_hz())
            .with_string_to_value(lathe_plugin::text::s2v_hz()),
            gain_db: lathe_plugin::text::gain_db_param(format!("Band {n} Gain"), -24.0, 24.0),
            q: FloatParam::new(
                format!("Band {n} Q"),
                0.707,
                FloatRange::Skewed {
                    min: 0.05,
                    max: 40.0,
                    factor: FloatRange::skew_factor(-2.0),
                },
            )
            .with_step_size(0.001)
            .with_value_to_string(formatters::v2s_f32_rounded(2)),
            slope: EnumParam::new(format!("Band {n} Slope"), Slope::S24),
            channel: EnumParam::new(format!("Band {n} Channel"), Channel::Stereo),
        }
    }

    /// The band as the DSP takes it.
    pub fn band(&self) -> BandParams {
        BandParams {
            enabled: self.on.value(),
            kind: self.kind.value().band_type(),
            freq_hz: self.freq_hz.value(),
            gain_db: self.gain_db.value(),
            q: self.q.value(),
            order: self.slope.value().order(),
            placement: self.channel.value().placement(),
        }
    }
}

#[derive(Params)]
pub struct EqParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<lathe_plugin::EditorMemory>,

    #[id = "out"]
    pub output_db: FloatParam,

    #[id = "bypass"]
    pub bypass: BoolParam,

    /// Keeps the perceived loudness equal while bands change, so A/B compares tone, not level.
    #[id = "autogain"]
    pub auto_gain: BoolParam,

    /// Polarity inversion of every channel.
    #[id = "invert"]
    pub invert: BoolParam,

    /// Zero latency (analog-matched filters) or linear phase (FFT convolution, with latency).
    #[id = "mode"]
    pub mode: EnumParam<Mode>,

    /// Set when the mode changes (its latency with it); the audio thread acts on it.
    pub latency_dirty: Arc<AtomicBool>,

    #[nested(id_prefix = "b1", group = "Band 1")]
    pub band1: BandParamSet,
    #[nested(id_prefix = "b2", group = "Band 2")]
    pub band2: BandParamSet,
    #[nested(id_prefix = "b3", group = "Band 3")]
    pub band3: BandParamSet,
    #[nested(id_prefix = "b4", group = "Band 4")]
    pub band4: BandParamSet,
    #[nested(id_prefix = "b5", group = "Band 5")]
    pub band5: BandParamSet,
    #[nested(id_prefix = "b6", group = "Band 6")]
    pub band6: BandParamSet,
    #[nested(id_prefix = "b7", group = "Band 7")]
    pub band7: BandParamSet,
    #[nested(id_prefix = "b8", group = "Band 8")]
    pub band8: BandParamSet,
}

impl Default for EqParams {
    fn default() -> Self {
        let latency_dirty = Arc::new(AtomicBool::new(true));
        let dirty = latency_dirty.clone();
        Self {
            mode: EnumParam::new("Processing Mode", Mode::ZeroLatency)
                .with_callback(Arc::new(move |_| dirty.store(true, Ordering::Release))),
            latency_dirty,
            plugin_id: lathe_plugin::state::plugin_id_field(crate::INFO.clap_id),
            editor_state: lathe_plugin::editor_state(),
            output_db: lathe_plugin::text::gain_db_param("Output Gain", -24.0, 24.0),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            auto_gain: BoolParam::new("Auto Gain", false),
            invert: BoolParam::new("Phase Invert", false),
            // A mastering layout: cuts at the ends, shelves, four bells between. All off: the
            // EQ starts transparent.
            band1: BandParamSet::new(1, Kind::HighPass, 30.0),
            band2: BandParamSet::new(2, Kind::LowShelf, 100.0),
            band3: BandParamSet::new(3, Kind::Bell, 250.0),
            band4: BandParamSet::new(4, Kind::Bell, 700.0),
            band5: BandParamSet::new(5, Kind::Bell, 2000.0),
            band6: BandParamSet::new(6, Kind::Bell, 5000.0),
            band7: BandParamSet::new(7, Kind::HighShelf, 10_000.0),
            band8: BandParamSet::new(8, Kind::LowPass, 20_000.0),
        }
    }
}

impl EqParams {
    /// The eight bands in order.
    pub fn bands(&self) -> [&BandParamSet; NUM_BANDS] {
        [
            &self.band1,
            &self.band2,
            &self.band3,
            &self.band4,
            &self.band5,
            &self.band6,
            &self.band7,
            &self.band8,
        ]
    }

    pub fn settings(&self) -> EqSettings {
        EqSettings {
            bands: self.bands().map(BandParamSet::band),
            bypass: self.bypass.value(),
            output_db: self.output_db.value(),
            auto_gain: self.auto_gain.value(),
            invert: self.invert.value(),
            mode: self.mode.value().eq_mode(),
        }
    }
}

impl lathe_plugin::PluginParams for EqParams {
    type Settings = EqSettings;
    fn settings(&self) -> EqSettings {
        EqParams::settings(self)
    }
    fn take_latency_change(&self) -> bool {
        self.latency_dirty
            .swap(false, std::sync::atomic::Ordering::AcqRel)
    }
}
