//! The key path shared by the compressor and the gate: sidechain high-pass, then level
//! detection, one per channel.
//!
//! The high-pass keeps low frequencies (kick, rumble, bass) from driving the gain, the usual
//! sidechain filter of channel-strip dynamics. It is a second-order (12 dB/oct) Butterworth
//! high-pass: [`crate::filter::ButterworthFilter`] (its design is not duplicated here).

use super::detector::{DetectorMode, LevelDetector, rectify};
use crate::filter::{ButterworthFilter, PassKind};

/// Order of the sidechain high-pass (2 = 12 dB/oct).
pub const SIDECHAIN_HPF_ORDER: usize = 2;

/// Sidechain high-pass, off when the cutoff is 0. Never allocates.
#[derive(Clone, Debug)]
pub struct SidechainHighPass {
    filter: ButterworthFilter,
    sample_rate: f32,
    on: bool,
}

impl Default for SidechainHighPass {
    fn default() -> Self {
        Self::new()
    }
}

impl SidechainHighPass {
    /// A high-pass that is off (a wire), at 48 kHz until [`SidechainHighPass::set_cutoff_hz`]
    /// gives the rate.
    pub fn new() -> Self {
        Self {
            filter: ButterworthFilter::new(PassKind::HighPass, SIDECHAIN_HPF_ORDER, 20.0, 48_000.0),
            sample_rate: 48_000.0,
            on: false,
        }
    }

    /// Cutoff in Hz (-3 dB point) at `sample_rate`; 0 or less switches the filter off (and
    /// clears its state, so switching it on starts from rest). Never allocates.
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f32, sample_rate: f32) {
        if sample_rate != self.sample_rate && sample_rate > 0.0 {
            self.sample_rate = sample_rate;
            self.filter.set_sample_rate(sample_rate);
        }
        if cutoff_hz > 0.0 && cutoff_hz.is_finite() {
            self.filter.set_cutoff_hz(cutoff_hz);
            self.on = true;
        } else {
            if self.on {
                self.filter.reset();
            }
            self.on = false;
        }
    }

    /// The cutoff in Hz (0 = off).
    pub fn cutoff_hz(&self) -> f32 {
        if self.on {
            self.filter.cutoff_hz()
        } else {
            0.0
        }
    }

    /// Magnitude response in dB at `freq_hz` (0 when off).
    pub fn response_db(&self, freq_hz: f64) -> f64 {
        if self.on {
            self.filter.response_db(freq_hz)
        } else {
            0.0
        }
    }

    /// Clears the filter state.
    pub fn reset(&mut self) {
        self.filter.reset();
    }

    /// Filters a block of key samples in place (NaN/inf read as silence), exactly as
    /// [`Self::process_sample`] one at a time; nothing to do when off.
    pub fn process_block(&mut self, samples: &mut [f32]) {
        if self.on {
            for x in samples.iter_mut() {
                let k = if x.is_finite() { *x } else { 0.0 };
                *x = self.process_sample(k);
            }
        }
    }

    /// Filters one key sample.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        if self.on {
            // The one-sample block form flushes the f64 states every sample, so a long silence
            // never leaves them subnormal and the result does not depend on block boundaries.
            let mut y = x;
            self.filter.process(std::slice::from_mut(&mut y));
            y
        } else {
            x
        }
    }
}

/// One channel of key processing: high-pass then level detector.
#[derive(Clone, Debug, Default)]
pub struct KeyChannel {
    /// The sidechain high-pass.
    pub high_pass: SidechainHighPass,
    /// The level detector.
    pub detector: LevelDetector,
}

impl KeyChannel {
    /// Configures filter and detector. Never allocates.
    pub fn configure(
        &mut self,
        sample_rate: f32,
        high_pass_hz: f32,
        mode: DetectorMode,
        rms_window_ms: f32,
        peak_release_ms: f32,
    ) {
        self.high_pass.set_cutoff_hz(high_pass_hz, sample_rate);
        self.detector.set_mode(mode);
        self.detector.set_rms_window_ms(rms_window_ms, sample_rate);
        self.detector
            .set_peak_release_ms(peak_release_ms, sample_rate);
    }

    /// Clears filter and detector.
    pub fn reset(&mut self) {
        self.high_pass.reset();
        self.detector.reset();
    }

    /// Feeds one key sample; returns its level as a linear, sine-calibrated amplitude
    /// ([`LevelDetector::process_sample_linear`]).
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        let x = if x.is_finite() { x } else { 0.0 };
        self.detector
            .process_sample_linear(self.high_pass.process_sample(x))
    }

    /// A block of key samples up to the detector's recursion
    /// ([`LevelDetector::run_rectified`]): the sidechain filter, then rectifying.
    pub(crate) fn prepare_block(&mut self, samples: &mut [f32]) {
        self.high_pass.process_block(samples);
        rectify(samples);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn high_pass_measured_on_sines_matches_its_response() {
        let sr = 48_000.0f32;
        let mut hp = SidechainHighPass::new();
        hp.set_cutoff_hz(200.0, sr);
        assert!((hp.response_db(200.0) + 3.01).abs() < 0.05);
        for f in [50.0f64, 200.0, 1000.0] {
            hp.reset();
            let n = 48_000;
            let mut sum = 0.0f64;
            for i in 0..n {
                let y = hp.process_sample((2.0 * PI * f * i as f64 / sr as f64).sin() as f32);
                if i >= n / 2 {
                    sum += (y as f64) * (y as f64);
                }
            }
            let db = 10.0 * (2.0 * sum / (n / 2) as f64).log10();
            assert!((db - hp.response_db(f)).abs() < 0.05, "{f}: {db}");
        }
        // 12 dB/oct: two octaves below the corner ≈ -24 dB.
        assert!(
            (hp.response_db(50.0) + 24.1).abs() < 0.3,
            "{}",
            hp.response_db(50.0)
        );
        hp.set_cutoff_hz(0.0, sr);
        assert_eq!(hp.process_sample(0.25), 0.25);
    }
}
