//! 2x / 4x / 8x oversampling with linear-phase polyphase FIR filters, for blocks that create
//! harmonics (the limiter's gain stage) or must see between the samples (true-peak detection).
//!
//! Design (one direct polyphase stage per factor, coefficients computed in [`Oversampler::new`]):
//! a Kaiser-windowed sinc (Kaiser 1974; Oppenheim & Schafer §7.6.1) with
//! - pass band to [`PASSBAND_EDGE`] × fs (20.0 kHz at 44.1 kHz, 21.77 kHz at 48 kHz),
//!   ripple below ±0.0001 dB per filter (Kaiser windows ripple equally in both bands, 10^(-A/20));
//! - stop band from [`STOPBAND_EDGE`] × fs (24.1 kHz at 44.1 kHz): images of the pass band that
//!   upsampling leaves and anything the oversampled process puts there before downsampling are
//!   rejected by at least [`STOPBAND_ATTEN_DB`] (designed 110 dB, measured ≥ 100 dB in the tests);
//! - the band between (20–24.1 kHz at 44.1 kHz) is the transition: content there is attenuated
//!   (-6 dB at fs/2) and its images are only partly rejected, as in every linear-phase
//!   oversampler that keeps the full audio band.
//!
//! The same prototype of length `L = factor * T` interpolates (polyphase, Crochiere & Rabiner
//! 1983, ch. 3) and, scaled by `1/factor`, decimates. The round trip is a symmetric FIR of
//! `2L - 1` taps centred on high-rate sample `L - 1`; the decimator keeps high-rate sample
//! `factor * n + factor - 1`, so an impulse lands exactly `T - 1` base-rate samples late:
//! [`Oversampler::latency`] is always an integer (76 samples at every factor with these specs).
//!
//! Allocation: `new` allocates for 8x and `max_block` frames; `set_factor`, `upsample`,
//! `downsample` and `reset` never allocate.

pub mod fir;

use fir::{
    FirHistory, PolyphaseBank, dot, fir_response, kaiser_beta, kaiser_length, kaiser_lowpass,
};

/// Upper edge of the pass band as a fraction of the base sample rate (20 kHz at 44.1 kHz).
pub const PASSBAND_EDGE: f64 = 0.4535;
/// Lower edge of the stop band as a fraction of the base sample rate (mirror of the pass band
/// edge about fs/2, so images of pass-band content always land in the stop band).
pub const STOPBAND_EDGE: f64 = 1.0 - PASSBAND_EDGE;
/// Designed stop-band attenuation in dB.
pub const STOPBAND_ATTEN_DB: f64 = 110.0;
/// The largest supported factor; `new` preallocates for it.
pub const MAX_FACTOR: usize = 8;

/// The supported factors, in the order of [`Oversampler`]'s design table.
pub(crate) const FACTORS: [usize; 4] = [1, 2, 4, 8];

/// Index into [`FACTORS`] of the supported factor a request rounds down to (0 and 1 → 1x).
pub(crate) fn factor_index(factor: usize) -> usize {
    match factor {
        0 | 1 => 0,
        2 | 3 => 1,
        4..=5 => 2,
        _ => 3,
    }
}

/// One factor's filters.
#[derive(Clone, Debug)]
struct Design {
    up: PolyphaseBank,
    /// The prototype divided by the factor (symmetric, so no reversal is needed).
    down: Vec<f32>,
    /// The prototype in f64, for the analytic response.
    prototype: Vec<f64>,
}

impl Design {
    fn new(factor: usize) -> Self {
        let transition = (STOPBAND_EDGE - PASSBAND_EDGE) / factor as f64;
        let taps = kaiser_length(STOPBAND_ATTEN_DB, transition).div_ceil(factor);
        let h = kaiser_lowpass(factor, taps, 0.5, kaiser_beta(STOPBAND_ATTEN_DB));
        Self {
            up: PolyphaseBank::from_prototype(&h, factor),
            down: h.iter().map(|&c| (c / factor as f64) as f32).collect(),
            prototype: h,
        }
    }
}

/// A multichannel up/down sampler by 1 (bypass), 2, 4 or 8.
///
/// Use: [`Oversampler::upsample`] a block, process [`Oversampler::oversampled_mut`] of every
/// channel (length `block * factor`), then [`Oversampler::downsample`] into the output.
#[derive(Clone, Debug)]
pub struct Oversampler {
    num_channels: usize,
    max_block: usize,
    factor: usize,
    designs: Vec<Design>,
    up_hist: Vec<FirHistory>,
    down_hist: Vec<FirHistory>,
    buffers: Vec<Vec<f32>>,
    len: usize,
}

impl Oversampler {
    /// An oversampler for `num_channels` channels and blocks of up to `max_block` base-rate
    /// frames, starting at `factor` (1, 2, 4 or 8; other values snap to the nearest lower
    /// supported one). Designs every factor's filters and preallocates for 8x. Allocates.
    pub fn new(num_channels: usize, factor: usize, max_block: usize) -> Self {
        let designs: Vec<Design> = FACTORS.iter().map(|&f| Design::new(f)).collect();
        let max_taps = designs
            .iter()
            .map(|d| d.up.taps_per_phase())
            .max()
            .unwrap_or(1);
        let max_len = designs.iter().map(|d| d.down.len()).max().unwrap_or(1);
        let max_block = max_block.max(1);
        let mut s = Self {
            num_channels,
            max_block,
            factor: 1,
            designs,
            up_hist: (0..num_channels)
                .map(|_| FirHistory::new(max_taps))
                .collect(),
            down_hist: (0..num_channels)
                .map(|_| FirHistory::new(max_len))
                .collect(),
            buffers: vec![vec![0.0; max_block * MAX_FACTOR]; num_channels],
            len: 0,
        };
        s.set_factor(factor);
        s
    }

    /// Switches the factor (1, 2, 4 or 8) and clears the filter states. Never allocates.
    /// The latency changes: read [`Oversampler::latency`] again.
    pub fn set_factor(&mut self, factor: usize) {
        let idx = factor_index(factor);
        self.factor = FACTORS[idx];
        let d = &self.designs[idx];
        for h in &mut self.up_hist {
            h.set_len(d.up.taps_per_phase());
        }
        for h in &mut self.down_hist {
            h.set_len(d.down.len());
        }
        self.len = 0;
    }

    /// The current factor.
    pub fn factor(&self) -> usize {
        self.factor
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Largest base-rate block `upsample` takes.
    pub fn max_block(&self) -> usize {
        self.max_block
    }

    /// Round-trip (up then down) latency in base-rate samples at the current factor.
    pub fn latency(&self) -> usize {
        Self::latency_for(self.factor)
    }

    /// Round-trip latency in base-rate samples the oversampler has at `factor`, without
    /// switching (0 at factor 1). Allocates nothing but designs nothing either: it uses the same
    /// length formula as the filters.
    pub fn latency_for(factor: usize) -> usize {
        let factor = FACTORS[factor_index(factor)];
        if factor == 1 {
            return 0;
        }
        let transition = (STOPBAND_EDGE - PASSBAND_EDGE) / factor as f64;
        kaiser_length(STOPBAND_ATTEN_DB, transition).div_ceil(factor) - 1
    }

    /// Magnitude response in dB of ONE pass (the interpolator alone, normalised to unity DC
    /// gain) at `freq_hz`, for a base rate `sample_rate`. The round trip is twice this.
    pub fn response_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        let idx = factor_index(self.factor);
        if idx == 0 {
            return 0.0;
        }
        let d = &self.designs[idx];
        let m = fir_response(&d.prototype, freq_hz, sample_rate * self.factor as f64);
        20.0 * (m / self.factor as f64).log10()
    }

    /// Upsamples one block (one slice per channel, each at most `max_block` long and all the
    /// same length) into the internal buffers. Returns the oversampled length. Never allocates.
    pub fn upsample(&mut self, input: &[&[f32]]) -> usize {
        for (ch, inp) in input.iter().enumerate().take(self.num_channels) {
            self.upsample_channel(ch, inp);
        }
        self.len
    }

    /// Upsamples one block of channel `ch` (at most `max_block` long; every channel of a block
    /// must get the same length). Returns the oversampled length. Never allocates.
    pub fn upsample_channel(&mut self, ch: usize, input: &[f32]) -> usize {
        let n = input.len();
        assert!(
            n <= self.max_block,
            "block of {n} exceeds max_block {}",
            self.max_block
        );
        let m = self.factor;
        self.len = n * m;
        let d = &self.designs[factor_index(m)];
        let (hist, buf) = (&mut self.up_hist[ch], &mut self.buffers[ch]);
        if m == 1 {
            buf[..n].copy_from_slice(input);
        } else {
            for (&x, out) in input.iter().zip(buf.chunks_exact_mut(m)) {
                hist.push(crate::util::sanitize(x));
                d.up.interpolate(hist.window(), out);
            }
        }
        self.len
    }

    /// Length of the oversampled block produced by the last `upsample`.
    pub fn oversampled_len(&self) -> usize {
        self.len
    }

    /// The oversampled block of channel `ch`.
    pub fn oversampled(&self, ch: usize) -> &[f32] {
        &self.buffers[ch][..self.len]
    }

    /// The oversampled block of channel `ch`, to process in place before `downsample`.
    pub fn oversampled_mut(&mut self, ch: usize) -> &mut [f32] {
        &mut self.buffers[ch][..self.len]
    }

    /// Filters and decimates the oversampled buffers into `output` (one slice per channel, each
    /// `oversampled_len / factor` long). Never allocates.
    pub fn downsample(&mut self, output: &mut [&mut [f32]]) {
        for (ch, out) in output.iter_mut().enumerate().take(self.num_channels) {
            self.downsample_channel(ch, out);
        }
    }

    /// Filters and decimates channel `ch`'s oversampled buffer into `output[..oversampled_len /
    /// factor]`. Never allocates.
    pub fn downsample_channel(&mut self, ch: usize, output: &mut [f32]) {
        let m = self.factor;
        let n = self.len / m;
        let d = &self.designs[factor_index(m)];
        let (hist, buf) = (&mut self.down_hist[ch], &self.buffers[ch]);
        if m == 1 {
            output[..n].copy_from_slice(&buf[..n]);
            return;
        }
        for (o, frame) in output[..n].iter_mut().zip(buf[..self.len].chunks_exact(m)) {
            for &x in frame {
                hist.push(crate::util::sanitize(x));
            }
            *o = dot(&d.down, hist.window());
        }
    }

    /// Clears all filter states. Never allocates.
    pub fn reset(&mut self) {
        for h in self.up_hist.iter_mut().chain(self.down_hist.iter_mut()) {
            h.reset();
        }
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_formula_matches_designs() {
        let o = Oversampler::new(1, 2, 16);
        for (i, &f) in FACTORS.iter().enumerate().skip(1) {
            assert_eq!(
                Oversampler::latency_for(f),
                o.designs[i].prototype.len() / f - 1
            );
        }
        assert_eq!(Oversampler::latency_for(1), 0);
    }

    #[test]
    fn analytic_response_is_flat_in_pass_band_and_deep_in_stop_band() {
        for f in [2, 4, 8] {
            let o = Oversampler::new(1, f, 16);
            for k in 0..=100 {
                let hz = 20_000.0 * k as f64 / 100.0;
                assert!(o.response_db(hz, 44_100.0).abs() < 0.001, "{f}x {hz}");
            }
            let mut hz = 24_100.0;
            while hz < 22_050.0 * f as f64 {
                assert!(o.response_db(hz, 44_100.0) < -100.0, "{f}x {hz}");
                hz += 97.0;
            }
        }
    }
}
