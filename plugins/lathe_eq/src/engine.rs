//! Host-free processing of the Mastering EQ, shared by the plugin, the CLI and the tests.
//!
//! Eight bands in `shared_dsp::filter::EqBank` (analog-matched zero-latency designs, trapezoidal
//! state-variable filters that glide frequency, gain and Q over 20 ms and crossfade band
//! on/off; stereo, left, right, mid or side per band), then the output gain with auto gain and
//! polarity (`shared_dsp::gain::GainStage`, smoothed), all inside the host bypass crossfade.
//!
//! Auto gain: when on, the output is corrected by the EQ curve's loudness change, computed
//! analytically whenever a band changes: the power gain of the summed response over pink
//! noise (equal energy per octave, 48 points 20 Hz–20 kHz) weighted by the BS.1770
//! K-weighting curve (what a loudness meter hears). Bands on one channel or on mid/side count
//! at half their power change (they touch half the signal). So a +3 dB bell and its auto gain
//! leave the integrated loudness of pink noise unchanged within a fraction of a LU.

use shared_dsp::bypass::Bypass;
use shared_dsp::filter::{BandParams, EqBank, Placement};
use shared_dsp::gain::{DEFAULT_SMOOTHING_MS, GainStage};
use shared_dsp::loudness::k_weighting;

/// Number of bands.
pub const NUM_BANDS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EqSettings {
    pub bands: [BandParams; NUM_BANDS],
    pub output_db: f32,
    pub auto_gain: bool,
    pub invert: bool,
    pub bypass: bool,
}

impl Default for EqSettings {
    fn default() -> Self {
        Self {
            bands: [BandParams::default(); NUM_BANDS],
            output_db: 0.0,
            auto_gain: false,
            invert: false,
            bypass: false,
        }
    }
}

/// Points of the auto-gain estimate.
const AUTO_GAIN_POINTS: usize = 48;

pub struct EqEngine {
    num_channels: usize,
    sample_rate: f32,
    bank: EqBank,
    output: GainStage,
    bypass: Bypass,
    bands: [BandParams; NUM_BANDS],
    auto_gain_db: f32,
    /// K-weighting × pink-noise weight of each auto-gain point (normalised), and its frequency.
    weights: [(f64, f64); AUTO_GAIN_POINTS],
}

impl EqEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let mut bank = EqBank::new(NUM_BANDS);
        bank.prepare(sample_rate, max_block);
        let top = 20_000f64.min(sample_rate as f64 * 0.45);
        let mut weights = [(0.0, 0.0); AUTO_GAIN_POINTS];
        let mut total = 0.0;
        for (i, w) in weights.iter_mut().enumerate() {
            let f = 20.0 * (top / 20.0).powf(i as f64 / (AUTO_GAIN_POINTS - 1) as f64);
            let k = 10f64.powf(k_weighting::response_db(f, sample_rate as f64) / 10.0);
            *w = (f, k);
            total += k;
        }
        for w in &mut weights {
            w.1 /= total;
        }
        let mut engine = Self {
            num_channels,
            sample_rate,
            bank,
            output: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            bypass: Bypass::new(num_channels, max_block, 0, sample_rate),
            bands: [BandParams::default(); NUM_BANDS],
            auto_gain_db: 0.0,
            weights,
        };
        engine.set_settings(&EqSettings::default());
        engine
    }

    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Never allocates. Bands are handed to the bank only when they change.
    pub fn set_settings(&mut self, settings: &EqSettings) {
        let mut changed = false;
        for (i, (band, old)) in settings.bands.iter().zip(self.bands.iter_mut()).enumerate() {
            if band != old {
                *old = *band;
                self.bank.set_band(i, *band);
                changed = true;
            }
        }
        if changed {
            self.auto_gain_db = self.loudness_change_db();
        }
        let auto = if settings.auto_gain {
            -self.auto_gain_db
        } else {
            0.0
        };
        self.output.set_gain_db(settings.output_db + auto);
        for ch in 0..self.num_channels {
            self.output.set_invert(ch, settings.invert);
        }
        self.bypass.set_bypassed(settings.bypass);
    }

    /// The loudness change of the current curve on pink noise, dB (see the module docs).
    pub fn loudness_change_db(&self) -> f32 {
        let mut power = 0.0;
        for &(f, w) in &self.weights {
            let mut g = 1.0;
            for (i, b) in self.bands.iter().enumerate() {
                if !b.enabled {
                    continue;
                }
                let p = 10f64.powf(self.bank.band_response_db(i, f) / 10.0);
                g *= match b.placement {
                    Placement::Stereo => p,
                    _ => 0.5 * (p + 1.0),
                };
            }
            power += w * g;
        }
        (10.0 * power.max(1e-12).log10()) as f32
    }

    /// The bank, for the editor's curves and the tests.
    pub fn bank(&self) -> &EqBank {
        &self.bank
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {
        self.bank.reset();
        self.output.reset();
        self.bypass.reset();
    }

    pub fn latency(&self) -> usize {
        0
    }

    /// Audio-thread safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let (bank, output) = (&mut self.bank, &mut self.output);
        self.bypass.process(channels, |c| {
            bank.process(c);
            output.process(c);
        });
    }
}
