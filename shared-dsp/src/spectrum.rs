//! Real-time spectrum analyser (short-time Fourier transform) for the editors: calibrated in
//! dBFS, averaged, peak-held and fractional-octave smoothed for a log-frequency display.
//!
//! # Threads
//!
//! The audio thread owns a [`SpectrumTap`] and only pushes samples (mono, or the mean of the
//! channels) into the lock-free SPSC ring of [`crate::exchange::sample_fifo`]: no allocation,
//! lock or FFT there, and when the ring is full the newest samples are dropped, never waited
//! for. The GUI (or an analysis) thread owns the [`SpectrumAnalyzer`] and calls
//! [`SpectrumAnalyzer::update`] once per frame: it pops whatever arrived, runs one FFT per hop,
//! and the display then reads [`SpectrumAnalyzer::display_db`]. If the analysis should run on a
//! thread other than the one drawing, publish `display_db`'s output through
//! [`crate::exchange::triple_buffer`]. Skipping the pushes while the editor is closed is the
//! plugin's job (the SPEC's "GUI-only analysis runs only while the editor is open").
//!
//! # Calibration (Harris 1978, see [`window`])
//!
//! Bin power is `P_k = (2 |X_k| / Σw)²` (DC and Nyquist without the factor 2): dividing by the
//! window's sum removes its coherent gain (Hann 0.5 = −6.02 dB, Blackman-Harris 0.35875 =
//! −8.90 dB), and the factor 2 folds in the negative frequencies. So a sine of amplitude `A`
//! centred on a bin reads `20 log10 A` dBFS there: a full-scale sine reads 0 dBFS. Between two
//! bins it reads lower by up to the window's scalloping loss (Hann 1.42 dB, Blackman-Harris
//! 0.83 dB).
//!
//! White noise of variance `σ²` then reads, per bin, `E[P_k] = 4 σ² · ENBW / N` (ENBW the
//! window's equivalent noise bandwidth in bins: Hann 1.5, Blackman-Harris 2.0044; `N` the FFT
//! size): for example full-scale uniform noise (`σ² = 1/3`) with N = 4096 and Hann reads
//! −33.1 dB per bin. Noise levels therefore depend on the FFT size (−3 dB per doubling) while
//! tones do not — the usual behaviour of an amplitude-calibrated analyser. Averaging is done on
//! power, so noise reads its mean, not the −2.5 dB-biased mean of its dB values.
//!
//! # Averaging, peak hold, smoothing
//!
//! - Exponential averaging of the bin powers with a time constant in ms, converted to a per-hop
//!   coefficient from the hop rate (`util::one_pole_coef(avg_ms, sample_rate / hop)`): the same
//!   ballistics at every FFT size, overlap and sample rate. The first frames form a cumulative
//!   mean until the exponential's memory takes over, so the display does not rise from silence.
//! - Peak hold per bin on the averaged power: held `hold_ms`, then falling at
//!   `decay_db_per_s`.
//! - Display: fractional-octave smoothing (see [`smoothing`]) at any frequencies, typically a
//!   log grid from [`log_frequencies`], plus an optional display tilt in dB/octave around
//!   1 kHz (4.5 dB/oct makes pink-ish music look flat).
//!
//! Smoothing averages power over a constant fraction of an octave, so it keeps the level of
//! noise-like content (white noise stays flat, at the per-bin level above) and a tone's
//! frequency (the smoothed curve peaks at the tone), but spreads a tone's power over the band:
//! measured for a −6.02 dBFS sine, N = 8192 at 48 kHz, Hann, 1/6 octave: −8.5 dB at 97 Hz,
//! −17.6 dB at 1 kHz, −27.4 dB at 9.9 kHz (1/3 octave: −10.7, −20.6, −30.5 dB). Unsmoothed
//! (`set_smoothing_octaves(0.0)`), each display point shows the loudest bin between the
//! geometric midpoints to its neighbours, so tones keep their level (down to the scalloping
//! loss) even where display points are sparser than bins.

pub mod smoothing;
pub mod window;

pub use smoothing::log_frequencies;
pub use window::Window;

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::exchange::{FifoConsumer, FifoProducer, sample_fifo};
use crate::util::{MIN_GAIN, MINUS_INFINITY_DB, one_pole_coef};

/// The audio thread's end of an analyser: pushes samples into the lock-free ring. Never
/// allocates, locks or blocks; when the ring is full (the GUI fell behind) the samples are
/// dropped and the analyser restarts its frame cleanly.
pub struct SpectrumTap {
    producer: FifoProducer,
}

impl SpectrumTap {
    /// Pushes mono samples. Audio-thread safe.
    #[inline]
    pub fn push(&mut self, samples: &[f32]) {
        self.producer.push_slice(samples);
    }

    /// Pushes the mono sum `(L + R) / 2` of a stereo block (a full-scale sine on both channels
    /// still reads 0 dBFS). Uses the shorter length if they differ. Audio-thread safe.
    #[inline]
    pub fn push_stereo(&mut self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len());
        self.producer.push_mean_of(&[left, right], n);
    }

    /// Pushes the per-frame mean of any number of channels (all at least `num_frames` long).
    /// Audio-thread safe.
    #[inline]
    pub fn push_mean(&mut self, channels: &[&[f32]], num_frames: usize) {
        self.producer.push_mean_of(channels, num_frames);
    }
}

/// STFT spectrum analyser (GUI / analysis thread). See the module docs.
///
/// Allocation: [`SpectrumAnalyzer::new`] / [`SpectrumAnalyzer::with_tap`] allocate for every
/// FFT size up front; every other method, including [`SpectrumAnalyzer::set_fft_size`],
/// [`SpectrumAnalyzer::update`] and [`SpectrumAnalyzer::display_db`], does not.
pub struct SpectrumAnalyzer {
    sample_rate: f32,
    fft_size: usize,
    window: Window,
    overlap: f32,
    hop: usize,
    averaging_ms: f32,
    avg_coef: f32,
    hold_ms: f32,
    decay_db_per_s: f32,
    smoothing_octaves: f32,
    tilt_db_per_octave: f32,
    /// Plans for 1024, 2048, …, 16384.
    plans: Vec<Arc<dyn RealToComplex<f32>>>,
    window_table: Vec<f32>,
    /// `(2 / Σw)²`, the power calibration.
    power_scale: f32,
    /// Newest input samples; a frame is complete at `fill == fft_size`.
    frame: Vec<f32>,
    fill: usize,
    windowed: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Averaged bin power (calibrated, linear).
    average: Vec<f32>,
    /// Peak-held bin power and the seconds of hold left per bin.
    peak: Vec<f32>,
    hold_left_s: Vec<f32>,
    frames: u64,
    consumer: Option<FifoConsumer>,
    pop_buf: Vec<f32>,
}

impl SpectrumAnalyzer {
    /// Smallest FFT size accepted.
    pub const MIN_FFT_SIZE: usize = 1024;
    /// Largest FFT size accepted.
    pub const MAX_FFT_SIZE: usize = 16384;

    /// An analyser without a tap, fed directly with [`SpectrumAnalyzer::feed`] (offline
    /// analysis, tests). `fft_size` is rounded to a power of two within
    /// [`Self::MIN_FFT_SIZE`]..=[`Self::MAX_FFT_SIZE`]. Defaults: Hann, 75 % overlap, 300 ms
    /// averaging, 1 s peak hold then 12 dB/s decay, 1/6-octave smoothing, no tilt. Allocates.
    pub fn new(sample_rate: f32, fft_size: usize) -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let plans: Vec<_> = (10..=14)
            .map(|p| planner.plan_fft_forward(1usize << p))
            .collect();
        let scratch_len = plans.iter().map(|p| p.get_scratch_len()).max().unwrap_or(0);
        let max = Self::MAX_FFT_SIZE;
        let mut a = Self {
            sample_rate,
            fft_size: 0,
            window: Window::Hann,
            overlap: 0.75,
            hop: 0,
            averaging_ms: 300.0,
            avg_coef: 0.0,
            hold_ms: 1000.0,
            decay_db_per_s: 12.0,
            smoothing_octaves: 1.0 / 6.0,
            tilt_db_per_octave: 0.0,
            plans,
            window_table: vec![0.0; max],
            power_scale: 0.0,
            frame: vec![0.0; max],
            fill: 0,
            windowed: vec![0.0; max],
            spectrum: vec![Complex::default(); max / 2 + 1],
            scratch: vec![Complex::default(); scratch_len],
            average: vec![0.0; max / 2 + 1],
            peak: vec![0.0; max / 2 + 1],
            hold_left_s: vec![0.0; max / 2 + 1],
            frames: 0,
            consumer: None,
            pop_buf: vec![0.0; 4096],
        };
        a.set_fft_size(fft_size);
        a
    }

    /// An analyser plus the [`SpectrumTap`] the audio thread pushes into. The ring holds half a
    /// second of audio (at least two of the largest frames), so the GUI may stall that long
    /// without losing samples. Allocates.
    pub fn with_tap(sample_rate: f32, fft_size: usize) -> (Self, SpectrumTap) {
        let capacity = ((sample_rate.max(1.0) * 0.5) as usize).max(2 * Self::MAX_FFT_SIZE);
        let (producer, consumer) = sample_fifo(capacity);
        let mut a = Self::new(sample_rate, fft_size);
        a.consumer = Some(consumer);
        (a, SpectrumTap { producer })
    }

    /// Sets the sample rate of the pushed audio (after the host changed it). Clears the state.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.recompute();
        self.reset();
    }

    /// Sets the FFT size: a power of two from 1024 to 16384 (others are rounded to the next
    /// power of two and clamped). Clears the state if it changed. Does not allocate.
    pub fn set_fft_size(&mut self, fft_size: usize) {
        let n = fft_size
            .clamp(Self::MIN_FFT_SIZE, Self::MAX_FFT_SIZE)
            .next_power_of_two();
        if n != self.fft_size {
            self.fft_size = n;
            self.rebuild_window();
            self.reset();
        }
    }

    /// Sets the analysis window. Clears the state if it changed.
    pub fn set_window(&mut self, window: Window) {
        if window != self.window {
            self.window = window;
            self.rebuild_window();
            self.reset();
        }
    }

    /// Sets the frame overlap as a fraction, clamped to 0–0.9375 (0.5 = 50 %, 0.875 = 87.5 %);
    /// the hop is `fft_size · (1 − overlap)` samples. More overlap: smoother time response,
    /// more FFTs.
    pub fn set_overlap(&mut self, overlap: f32) {
        self.overlap = overlap.clamp(0.0, 0.9375);
        self.recompute();
    }

    /// Sets the averaging time constant in ms (0 = no averaging). The averaged power of a
    /// stopped tone falls by 1/e (−4.3 dB) after this time.
    pub fn set_averaging_ms(&mut self, averaging_ms: f32) {
        self.averaging_ms = averaging_ms.max(0.0);
        self.recompute();
    }

    /// Sets the peak hold: each bin's peak is held `hold_ms`, then falls at `decay_db_per_s`
    /// (an infinite hold: `f32::INFINITY`).
    pub fn set_peak_hold(&mut self, hold_ms: f32, decay_db_per_s: f32) {
        self.hold_ms = hold_ms.max(0.0);
        self.decay_db_per_s = decay_db_per_s.max(0.0);
    }

    /// Sets the display smoothing width in octaves (e.g. `1.0 / 6.0`, `1.0 / 3.0`; 0 = none).
    pub fn set_smoothing_octaves(&mut self, octaves: f32) {
        self.smoothing_octaves = octaves.max(0.0);
    }

    /// Sets a display tilt in dB per octave, pivoting at 1 kHz (0 = none, 4.5 typical for music).
    pub fn set_tilt_db_per_octave(&mut self, tilt_db_per_octave: f32) {
        self.tilt_db_per_octave = tilt_db_per_octave;
    }

    /// Clears the averages, peaks and the partial frame (e.g. on transport start).
    pub fn reset(&mut self) {
        self.fill = 0;
        self.frame.fill(0.0);
        self.average.fill(0.0);
        self.peak.fill(0.0);
        self.hold_left_s.fill(0.0);
        self.frames = 0;
    }

    /// FFT size in samples.
    pub fn fft_size(&self) -> usize {
        self.fft_size
    }

    /// Hop between frames in samples.
    pub fn hop_size(&self) -> usize {
        self.hop
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Width of one bin in Hz (`sample_rate / fft_size`).
    pub fn bin_hz(&self) -> f32 {
        self.sample_rate / self.fft_size as f32
    }

    /// Number of bins, `fft_size / 2 + 1` (DC to Nyquist).
    pub fn num_bins(&self) -> usize {
        self.fft_size / 2 + 1
    }

    /// Frames analysed since the last reset.
    pub fn frame_count(&self) -> u64 {
        self.frames
    }

    /// The window in use.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Averaged, calibrated power per bin (linear, `num_bins()` long; see module docs).
    pub fn power(&self) -> &[f32] {
        &self.average[..self.num_bins()]
    }

    /// Peak-held power per bin (linear, `num_bins()` long).
    pub fn peak_power(&self) -> &[f32] {
        &self.peak[..self.num_bins()]
    }

    /// Averaged level of one bin in dBFS (no smoothing, no tilt).
    pub fn bin_db(&self, bin: usize) -> f32 {
        power_to_db(self.average[bin.min(self.num_bins() - 1)])
    }

    /// Pops everything the tap pushed and analyses every complete hop. Returns `true` when at
    /// least one new frame was analysed. Does nothing without a tap. Never allocates; bounded
    /// by the ring's capacity.
    pub fn update(&mut self) -> bool {
        let Some(mut consumer) = self.consumer.take() else {
            return false;
        };
        if consumer.take_dropped() > 0 {
            // The GUI fell behind and the ring overflowed: the waiting audio has a gap. Start
            // over from fresh audio rather than analyse a frame with a hole in it.
            consumer.clear();
            self.fill = 0;
        }
        let before = self.frames;
        let mut buf = std::mem::take(&mut self.pop_buf);
        loop {
            let n = consumer.pop_slice(&mut buf);
            if n == 0 {
                break;
            }
            self.feed(&buf[..n]);
        }
        self.pop_buf = buf;
        self.consumer = Some(consumer);
        self.frames != before
    }

    /// Discards every sample waiting in the tap's ring without analysing it (e.g. when the
    /// editor reopens and the waiting audio is stale). Never allocates.
    pub fn discard_pending(&mut self) {
        if let Some(c) = self.consumer.as_mut() {
            c.clear();
            c.take_dropped();
        }
        self.fill = 0;
    }

    /// Analyses `samples` directly (no ring): every time a hop completes, one frame is
    /// transformed and folded into the average and peaks. Non-finite samples count as silence.
    /// Returns the number of frames analysed. Never allocates.
    pub fn feed(&mut self, mut samples: &[f32]) -> usize {
        let mut frames = 0;
        while !samples.is_empty() {
            let n = (self.fft_size - self.fill).min(samples.len());
            for (d, &s) in self.frame[self.fill..self.fill + n].iter_mut().zip(samples) {
                *d = if s.is_finite() { s } else { 0.0 };
            }
            self.fill += n;
            samples = &samples[n..];
            if self.fill == self.fft_size {
                self.analyse_frame();
                frames += 1;
                self.frame.copy_within(self.hop..self.fft_size, 0);
                self.fill = self.fft_size - self.hop;
            }
        }
        frames
    }

    /// Writes the displayed level in dB at each of `freqs_hz` (averaged spectrum, smoothed and
    /// tilted) into `out` (same length). Does not allocate.
    pub fn display_db(&self, freqs_hz: &[f32], out: &mut [f32]) {
        self.display(&self.average, freqs_hz, out);
    }

    /// Like [`SpectrumAnalyzer::display_db`] for the peak-hold spectrum.
    pub fn display_peak_db(&self, freqs_hz: &[f32], out: &mut [f32]) {
        self.display(&self.peak, freqs_hz, out);
    }

    fn display(&self, power: &[f32], freqs_hz: &[f32], out: &mut [f32]) {
        let power = &power[..self.num_bins()];
        let bin_hz = self.bin_hz() as f64;
        let half = self.smoothing_octaves as f64;
        let n = freqs_hz.len().min(out.len());
        for i in 0..n {
            let f = freqs_hz[i];
            let x = f as f64 / bin_hz;
            let p = if half > 0.0 {
                smoothing::smoothed_power(power, x, half)
            } else {
                // Unsmoothed: each point shows the loudest bin of its display cell (from the
                // geometric midpoints to its neighbours), so no tone falls between points.
                let lo = if i > 0 {
                    (freqs_hz[i - 1] as f64 * f as f64).max(0.0).sqrt() / bin_hz
                } else {
                    x
                };
                let hi = if i + 1 < n {
                    (freqs_hz[i + 1] as f64 * f as f64).max(0.0).sqrt() / bin_hz
                } else {
                    x
                };
                smoothing::cell_max_power(power, lo.min(hi), x, hi.max(lo))
            };
            let o = &mut out[i];
            let tilt = if self.tilt_db_per_octave != 0.0 && f > 0.0 {
                self.tilt_db_per_octave * (f / 1000.0).log2()
            } else {
                0.0
            };
            *o = power_to_db(p as f32) + tilt;
        }
    }

    fn rebuild_window(&mut self) {
        let n = self.fft_size;
        self.window.fill(&mut self.window_table[..n]);
        let sum: f64 = self.window_table[..n].iter().map(|&w| w as f64).sum();
        self.power_scale = ((2.0 / sum) * (2.0 / sum)) as f32;
        self.recompute();
    }

    fn recompute(&mut self) {
        self.hop = ((self.fft_size as f32 * (1.0 - self.overlap)).round() as usize)
            .clamp(1, self.fft_size);
        let hops_per_s = self.sample_rate / self.hop as f32;
        self.avg_coef = one_pole_coef(self.averaging_ms, hops_per_s);
    }

    fn analyse_frame(&mut self) {
        let n = self.fft_size;
        for ((d, &x), &w) in self.windowed[..n]
            .iter_mut()
            .zip(&self.frame[..n])
            .zip(&self.window_table[..n])
        {
            *d = x * w;
        }
        let plan = &self.plans[n.trailing_zeros() as usize - 10];
        let bins = n / 2 + 1;
        plan.process_with_scratch(
            &mut self.windowed[..n],
            &mut self.spectrum[..bins],
            &mut self.scratch,
        )
        .expect("buffers sized by the plan");

        // Cumulative mean for the first frames, then the exponential average.
        let coef = self
            .avg_coef
            .min(self.frames as f32 / (self.frames as f32 + 1.0));
        self.frames += 1;
        let hop_s = self.hop as f32 / self.sample_rate;
        let decay = 10f32.powf(-self.decay_db_per_s * hop_s * 0.1);
        let hold_s = self.hold_ms * 0.001;
        for k in 0..bins {
            let c = self.spectrum[k];
            let edge = if k == 0 || k == bins - 1 { 0.25 } else { 1.0 };
            let p = (c.re * c.re + c.im * c.im) * self.power_scale * edge;
            let avg = p + coef * (self.average[k] - p);
            // Keep the average free of subnormals on silence.
            let avg = if avg > MIN_GAIN * MIN_GAIN { avg } else { 0.0 };
            self.average[k] = avg;
            if avg >= self.peak[k] {
                self.peak[k] = avg;
                self.hold_left_s[k] = hold_s;
            } else if self.hold_left_s[k] > 0.0 {
                self.hold_left_s[k] -= hop_s;
            } else {
                // Flushed like the average, so a long decay never turns subnormal.
                let p = (self.peak[k] * decay).max(avg);
                self.peak[k] = if p > MIN_GAIN * MIN_GAIN { p } else { 0.0 };
            }
        }
    }
}

/// Power (linear) to dB, floored at [`MINUS_INFINITY_DB`].
#[inline]
fn power_to_db(p: f32) -> f32 {
    if p <= MIN_GAIN * MIN_GAIN {
        MINUS_INFINITY_DB
    } else {
        10.0 * p.log10()
    }
}
