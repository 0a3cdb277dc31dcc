//! Uniformly partitioned overlap-save convolution with a frequency-domain delay line (UPOLS).
//!
//! Technique: the kernel is cut into `P` partitions of `B` taps, each zero-padded and
//! transformed with a `2 B`-point real FFT. Every `B` input samples, the last `2 B` inputs are
//! transformed once and pushed into a delay line of input spectra; the output spectrum is
//! `Σ_p X_{k-p} · H_p`, and one inverse FFT gives `B` new output samples (the last half, the
//! first half being the circular wrap that overlap-save discards). References: Stockham, "High-
//! speed convolution and correlation" (AFIPS 1966); Wefers, *Partitioned convolution algorithms
//! for real-time auralization* (PhD thesis, RWTH Aachen 2014), ch. 5 ("UPOLS"); Oppenheim &
//! Schafer, *Discrete-Time Signal Processing*, 3rd ed., §8.7.3 (overlap-save).
//!
//! Latency: input is collected into whole partitions, so every output sample leaves exactly
//! `B` samples after the convolution defines it; [`PartitionedConvolver::latency`] adds the
//! kernels' declared group delay (`(N - 1) / 2` for the linear-phase designs of
//! [`super::design`]). Host blocks of any size 1..∞ are split internally, so the output never
//! depends on the block size.
//!
//! Kernel changes: kernels are transformed off the audio thread by a [`KernelSender`] into a
//! preallocated slot and handed over lock-free (see `kernel_slots`). The audio thread picks a new
//! kernel up at the next partition boundary and, for that one partition, runs both the old and
//! the new kernel on the same input spectra (the delay line holds input only, so the new
//! kernel's output is exactly what it would have produced had it always been running) and
//! crossfades them with complementary `sin²`/`cos²` gains, which sum to one and so keep a
//! correlated signal's level constant. Crossfade length: one partition (`B` samples, 10.7 ms for
//! `B = 512` at 48 kHz).

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::kernel_slots::{FdKernel, SlotReader, SlotWriter, kernel_slots};
use crate::util::sanitize;

/// Inputs are clamped to this magnitude (≈ +180 dBFS) so that no finite input can overflow the
/// FFT sums into infinity and poison the delay line.
const INPUT_LIMIT: f32 = 1.0e9;
/// Inputs below this magnitude (−400 dBFS) are flushed to zero so products with small kernel
/// taps never become subnormal.
const INPUT_FLOOR: f32 = 1.0e-20;

/// The convolver's audio-thread half: one kernel per channel, partitioned FFT convolution, with
/// click-free kernel changes handed over from a [`KernelSender`].
///
/// Allocation: [`PartitionedConvolver::new`] allocates everything; [`PartitionedConvolver::process`]
/// and [`PartitionedConvolver::reset`] never allocate, lock or make syscalls.
pub struct PartitionedConvolver {
    num_channels: usize,
    block: usize,
    bins: usize,
    max_partitions: usize,
    kernel_delay: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn ComplexToReal<f32>>,
    /// Per channel `2 B` inputs: the previous partition then the one being filled.
    input: Vec<f32>,
    /// Per channel `B` outputs being played out.
    output: Vec<f32>,
    /// Write position inside the current partition, shared by all channels.
    pos: usize,
    /// Per channel, `max_partitions` input spectra (ring), split real/imaginary.
    fdl_re: Vec<f32>,
    fdl_im: Vec<f32>,
    /// Ring index of the newest spectrum.
    fdl_head: usize,
    acc_re: Vec<f32>,
    acc_im: Vec<f32>,
    time: Vec<f32>,
    time_new: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// `sin²` fade-in gain per sample of one partition.
    fade_in: Vec<f32>,
    kernels: SlotReader,
}

/// The convolver's design-thread half: transforms time-domain kernels into the preallocated
/// slot and publishes them. Owned by whatever thread designs kernels (never the audio thread:
/// [`KernelSender::send`] runs FFTs over the whole kernel).
pub struct KernelSender {
    num_channels: usize,
    block: usize,
    bins: usize,
    max_partitions: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    buf: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    slots: SlotWriter,
}

/// Why [`KernelSender::send`] refused a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelError {
    /// One kernel per channel is needed; this many were given.
    ChannelCount(usize),
    /// A kernel had more taps than the `max_kernel_len` given at construction.
    TooLong(usize),
    /// A kernel held NaN or infinity.
    NotFinite,
}

impl std::fmt::Display for KernelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ChannelCount(n) => write!(f, "{n} kernels given, one per channel needed"),
            Self::TooLong(n) => write!(f, "kernel of {n} taps exceeds the prepared length"),
            Self::NotFinite => write!(f, "kernel holds NaN or infinity"),
        }
    }
}

impl std::error::Error for KernelError {}

/// Transforms `taps` into the partitioned spectra of one channel of `dst`.
#[allow(clippy::too_many_arguments)]
fn transform_kernel(
    fft: &dyn RealToComplex<f32>,
    block: usize,
    bins: usize,
    max_partitions: usize,
    channel: usize,
    taps: &[f32],
    buf: &mut [f32],
    spectrum: &mut [Complex<f32>],
    scratch: &mut [Complex<f32>],
    dst: &mut FdKernel,
) -> usize {
    let used = taps.len().div_ceil(block).min(max_partitions);
    // Fold the inverse FFT's 1/(2B) into the kernel.
    let scale = 1.0 / (2 * block) as f32;
    for p in 0..max_partitions {
        let base = (channel * max_partitions + p) * bins;
        let re = &mut dst.re[base..base + bins];
        let im = &mut dst.im[base..base + bins];
        if p >= used {
            re.fill(0.0);
            im.fill(0.0);
            continue;
        }
        let start = p * block;
        let end = (start + block).min(taps.len());
        buf.fill(0.0);
        for (b, &t) in buf.iter_mut().zip(&taps[start..end]) {
            *b = t * scale;
        }
        fft.process_with_scratch(buf, spectrum, scratch)
            .expect("buffers sized by the plan");
        for ((r, i), c) in re.iter_mut().zip(im.iter_mut()).zip(spectrum.iter()) {
            *r = c.re;
            *i = c.im;
        }
    }
    used
}

impl PartitionedConvolver {
    /// Prepares a convolver for `num_channels` channels with partitions of `block_size` samples
    /// (any size ≥ 1; powers of two are fastest: 256–1024 are good for kernels of 4k–32k taps)
    /// and kernels of up to `max_kernel_len` taps, starting with `initial` (one kernel per
    /// channel, e.g. [`super::design::identity_kernel`]). `kernel_delay_samples` is the group
    /// delay every kernel sent will have (`(N - 1) / 2` for a linear-phase kernel of `N` taps,
    /// `0` for a minimum-phase or measured response); it is only reported by
    /// [`PartitionedConvolver::latency`]. Allocates; call off the audio thread.
    ///
    /// # Panics
    /// If `num_channels` or `block_size` is zero, or `initial` is refused (see [`KernelError`]).
    pub fn new(
        num_channels: usize,
        block_size: usize,
        max_kernel_len: usize,
        kernel_delay_samples: usize,
        initial: &[&[f32]],
    ) -> (Self, KernelSender) {
        assert!(num_channels > 0 && block_size > 0);
        let block = block_size;
        let bins = block + 1;
        let max_partitions = max_kernel_len.max(1).div_ceil(block);
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(2 * block);
        let ifft = planner.plan_fft_inverse(2 * block);
        let scratch_len = fft.get_scratch_len().max(ifft.get_scratch_len());

        let (writer, reader) = kernel_slots(|| FdKernel::new(num_channels, max_partitions, bins));
        let mut sender = KernelSender {
            num_channels,
            block,
            bins,
            max_partitions,
            fft: fft.clone(),
            buf: vec![0.0; 2 * block],
            spectrum: vec![Complex::default(); bins],
            scratch: vec![Complex::default(); scratch_len],
            slots: writer,
        };
        let mut convolver = Self {
            num_channels,
            block,
            bins,
            max_partitions,
            kernel_delay: kernel_delay_samples,
            fft,
            ifft,
            input: vec![0.0; num_channels * 2 * block],
            output: vec![0.0; num_channels * block],
            pos: 0,
            fdl_re: vec![0.0; num_channels * max_partitions * bins],
            fdl_im: vec![0.0; num_channels * max_partitions * bins],
            fdl_head: 0,
            acc_re: vec![0.0; bins],
            acc_im: vec![0.0; bins],
            time: vec![0.0; 2 * block],
            time_new: vec![0.0; 2 * block],
            spectrum: vec![Complex::default(); bins],
            scratch: vec![Complex::default(); scratch_len],
            fade_in: (0..block)
                .map(|i| {
                    let s = (std::f64::consts::FRAC_PI_2 * (i as f64 + 0.5) / block as f64).sin();
                    (s * s) as f32
                })
                .collect(),
            kernels: reader,
        };
        // Fill every slot with the initial kernel, so whichever slot ends up in front holds it.
        for _ in 0..4 {
            sender.send(initial).expect("initial kernel refused");
            convolver.kernels.try_take();
            convolver.kernels.finish_swap();
        }
        (convolver, sender)
    }

    /// Samples the convolver delays its output, including the kernels' declared group delay:
    /// `block_size + kernel_delay_samples`. This is the figure a plugin reports to the host; an
    /// impulse through a linear-phase kernel of `N` taps lands exactly here.
    pub fn latency(&self) -> usize {
        self.block + self.kernel_delay
    }

    /// The partition size `B` (also the crossfade length of a kernel change).
    pub fn block_size(&self) -> usize {
        self.block
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Clears all signal state (the kernel in use stays). Audio-thread safe.
    pub fn reset(&mut self) {
        self.input.fill(0.0);
        self.output.fill(0.0);
        self.fdl_re.fill(0.0);
        self.fdl_im.fill(0.0);
        self.pos = 0;
        self.fdl_head = 0;
    }

    /// Convolves every channel in place. All slices must have the same length (any length; the
    /// convolver buffers internally). Channels beyond `num_channels` are left untouched, missing
    /// ones are treated as silent. Audio-thread safe: no allocation, lock or syscall.
    /// NaN/infinite input samples are treated as silence, so they never reach the state.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let mut done = 0;
        while done < len {
            let n = (self.block - self.pos).min(len - done);
            for ch in 0..self.num_channels {
                let inp = &mut self.input[ch * 2 * self.block + self.block + self.pos..][..n];
                let out = &self.output[ch * self.block + self.pos..][..n];
                match channels.get_mut(ch) {
                    Some(io) => {
                        for ((x, i), o) in io[done..done + n].iter_mut().zip(inp).zip(out) {
                            let v = if x.is_finite() && x.abs() >= INPUT_FLOOR {
                                x.clamp(-INPUT_LIMIT, INPUT_LIMIT)
                            } else {
                                0.0
                            };
                            *i = v;
                            *x = *o;
                        }
                    }
                    None => inp.fill(0.0),
                }
            }
            self.pos += n;
            done += n;
            if self.pos == self.block {
                self.pos = 0;
                self.run_partition();
            }
        }
    }

    /// One partition: transform the newest `2 B` inputs, accumulate over the delay line, inverse
    /// transform, and (on a kernel change) crossfade old and new outputs.
    fn run_partition(&mut self) {
        let b = self.block;
        let bins = self.bins;
        let mp = self.max_partitions;
        self.fdl_head = (self.fdl_head + 1) % mp;
        let switching = self.kernels.try_take();
        for ch in 0..self.num_channels {
            let inp = &mut self.input[ch * 2 * b..(ch + 1) * 2 * b];
            self.time.copy_from_slice(inp);
            inp.copy_within(b.., 0);
            self.fft
                .process_with_scratch(&mut self.time, &mut self.spectrum, &mut self.scratch)
                .expect("buffers sized by the plan");
            let slot = (ch * mp + self.fdl_head) * bins;
            for ((r, i), c) in self.fdl_re[slot..slot + bins]
                .iter_mut()
                .zip(&mut self.fdl_im[slot..slot + bins])
                .zip(&self.spectrum)
            {
                *r = c.re;
                *i = c.im;
            }

            let fdl = Fdl {
                re: &self.fdl_re,
                im: &self.fdl_im,
                head: self.fdl_head,
                max_partitions: mp,
                bins,
                channel: ch,
            };
            let mut acc = (&mut self.acc_re[..], &mut self.acc_im[..]);
            fdl.accumulate(self.kernels.front(), &mut acc);
            inverse(
                &*self.ifft,
                acc,
                &mut self.spectrum,
                &mut self.time,
                &mut self.scratch,
            );
            let out = &mut self.output[ch * b..(ch + 1) * b];
            if switching {
                let mut acc = (&mut self.acc_re[..], &mut self.acc_im[..]);
                fdl.accumulate(self.kernels.incoming(), &mut acc);
                inverse(
                    &*self.ifft,
                    acc,
                    &mut self.spectrum,
                    &mut self.time_new,
                    &mut self.scratch,
                );
                for (((o, &a), &n), &g) in out
                    .iter_mut()
                    .zip(&self.time[b..])
                    .zip(&self.time_new[b..])
                    .zip(&self.fade_in)
                {
                    *o = sanitize(a + g * (n - a));
                }
            } else {
                for (o, &a) in out.iter_mut().zip(&self.time[b..]) {
                    *o = sanitize(a);
                }
            }
        }
        if switching {
            self.kernels.finish_swap();
        }
    }
}

/// One channel's view of the frequency-domain delay line.
struct Fdl<'a> {
    re: &'a [f32],
    im: &'a [f32],
    head: usize,
    max_partitions: usize,
    bins: usize,
    channel: usize,
}

impl Fdl<'_> {
    /// `acc = Σ_p X[head - p] · H_p`.
    #[inline]
    fn accumulate(&self, kernel: &FdKernel, acc: &mut (&mut [f32], &mut [f32])) {
        let (acc_re, acc_im) = (&mut *acc.0, &mut *acc.1);
        let bins = self.bins;
        let mp = self.max_partitions;
        acc_re.fill(0.0);
        acc_im.fill(0.0);
        for p in 0..kernel.used_partitions {
            let x = (self.channel * mp + (self.head + mp - p) % mp) * bins;
            let h = (self.channel * mp + p) * bins;
            let xr = &self.re[x..x + bins];
            let xi = &self.im[x..x + bins];
            let hr = &kernel.re[h..h + bins];
            let hi = &kernel.im[h..h + bins];
            for ((((ar, ai), (&xr, &xi)), &hr), &hi) in acc_re
                .iter_mut()
                .zip(acc_im.iter_mut())
                .zip(xr.iter().zip(xi))
                .zip(hr)
                .zip(hi)
            {
                *ar += xr * hr - xi * hi;
                *ai += xr * hi + xi * hr;
            }
        }
    }
}

/// Inverse transform of the accumulator into `time`.
#[inline]
fn inverse(
    ifft: &dyn ComplexToReal<f32>,
    acc: (&mut [f32], &mut [f32]),
    spectrum: &mut [Complex<f32>],
    time: &mut [f32],
    scratch: &mut [Complex<f32>],
) {
    for ((c, &r), &i) in spectrum.iter_mut().zip(acc.0.iter()).zip(acc.1.iter()) {
        *c = Complex::new(r, i);
    }
    // A real signal's spectrum has real DC and Nyquist bins; rounding can leave a trace.
    let last = spectrum.len() - 1;
    spectrum[0].im = 0.0;
    spectrum[last].im = 0.0;
    ifft.process_with_scratch(spectrum, time, scratch)
        .expect("buffers sized by the plan");
}

impl KernelSender {
    /// Transforms one kernel per channel (each at most `max_kernel_len` taps) into the free slot
    /// and publishes it; the audio thread crossfades to it at its next partition boundary. If
    /// several are sent before the audio thread looks, only the newest is used. Never blocks;
    /// does not allocate, but costs `P` FFTs per channel: call it from a design thread, not the
    /// audio thread.
    pub fn send(&mut self, kernels: &[&[f32]]) -> Result<(), KernelError> {
        if kernels.len() != self.num_channels {
            return Err(KernelError::ChannelCount(kernels.len()));
        }
        let max_len = self.max_partitions * self.block;
        for k in kernels {
            if k.len() > max_len {
                return Err(KernelError::TooLong(k.len()));
            }
            if !k.iter().all(|x| x.is_finite()) {
                return Err(KernelError::NotFinite);
            }
        }
        let dst = self.slots.back_mut();
        let mut used = 0;
        for (ch, taps) in kernels.iter().enumerate() {
            used = used.max(transform_kernel(
                &*self.fft,
                self.block,
                self.bins,
                self.max_partitions,
                ch,
                taps,
                &mut self.buf,
                &mut self.spectrum,
                &mut self.scratch,
                dst,
            ));
        }
        dst.used_partitions = used;
        self.slots.publish();
        Ok(())
    }

    /// Longest kernel accepted, in taps (`max_kernel_len` rounded up to whole partitions).
    pub fn max_kernel_len(&self) -> usize {
        self.max_partitions * self.block
    }

    /// Number of channels (kernels per [`KernelSender::send`]).
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }
}
