//! The linear-phase mode: the eight bands' analog-prototype magnitudes as one zero-phase
//! response, realised by FFT convolution (`shared_dsp::convolution`).
//!
//! Stereo with mid/side or single-channel bands is not two independent channels: a mid band
//! mixes left into right. Each band is a real 2×2 matrix per frequency (`h` its magnitude):
//! stereo `h·I`, left `diag(h, 1)`, right `diag(1, h)`, mid `½[[h+1, h−1], [h−1, h+1]]`, side
//! `½[[1+h, 1−h], [1−h, 1+h]]`; the cascade is their product in band order, and its four
//! entries become four linear-phase kernels `K_LL, K_LR, K_RL, K_RR`:
//! `L' = K_LL∗L + K_LR∗R`, `R' = K_RL∗L + K_RR∗R`. Mono uses one kernel (every band but side
//! ones, as the zero-latency mode does). Zero-phase matrices commute with nothing in general, so
//! the band order is kept.
//!
//! Kernel length: `recommended_num_taps(sr, 8191)` (8191 taps at 44.1/48 kHz, doubling with the
//! rate), partitions of [`PARTITION`] samples. Latency = `PARTITION + (N − 1)/2`: 4607 samples
//! (96.0 ms) at 48 kHz. Pre-ringing and low-frequency resolution are measured in
//! `shared_dsp::convolution`'s docs.
//!
//! Threads: [`LinearPhaseAudio`] runs on the audio thread (convolution, no allocation), and
//! publishes the newest band settings through a triple buffer; [`LinearPhaseDesign`] runs
//! wherever kernels may be designed (a background task in the plugin, the calling thread in
//! the CLI and tests): it reads the newest settings, designs the four kernels and hands them to
//! the convolver, which crossfades to them at a partition boundary.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use shared_dsp::convolution::{
    KernelSender, LinearPhaseDesigner, PartitionedConvolver, identity_kernel, recommended_num_taps,
};
use shared_dsp::exchange::{TripleReader, TripleWriter, triple_buffer};
use shared_dsp::filter::analog::AnalogPrototype;
use shared_dsp::filter::{BandParams, Placement};

use crate::engine::NUM_BANDS;

/// Convolution partition size in samples.
pub const PARTITION: usize = 512;
/// Kernel length at 48 kHz (scaled with the sample rate).
pub const TAPS_AT_48K: usize = 8191;

type Bands = [BandParams; NUM_BANDS];

/// The audio-thread half.
pub struct LinearPhaseAudio {
    stereo: bool,
    conv: PartitionedConvolver,
    requests: TripleWriter<Bands>,
    /// Set by the audio side when it publishes a request, cleared by the design side.
    pending: Arc<AtomicBool>,
    /// Four channels of scratch (`[L, L, R, R]` in, `[LL, RL, LR, RR]` out).
    scratch: Vec<Vec<f32>>,
}

/// The design half (see the module docs).
pub struct LinearPhaseDesign {
    stereo: bool,
    sample_rate: f64,
    designer: LinearPhaseDesigner,
    sender: KernelSender,
    requests: TripleReader<Bands>,
    pending: Arc<AtomicBool>,
    /// Per grid bin: the band magnitudes' matrix entries `[LL, LR, RL, RR]`.
    matrix: [Vec<f64>; 4],
    taps: [Vec<f32>; 4],
}

/// Both halves for `num_channels` (1 or 2) at `sample_rate`, starting with `bands` designed
/// (so the first output is already right). Allocates and designs: call off the audio thread.
pub fn linear_phase(
    num_channels: usize,
    sample_rate: f32,
    max_block: usize,
    bands: &Bands,
) -> (LinearPhaseAudio, LinearPhaseDesign) {
    let stereo = num_channels >= 2;
    let n = recommended_num_taps(sample_rate as f64, TAPS_AT_48K);
    let designer = LinearPhaseDesigner::new(sample_rate as f64, n);
    let n = designer.num_taps();
    let kernels = if stereo { 4 } else { 1 };
    let identity = identity_kernel(n);
    let initial: Vec<&[f32]> = (0..kernels).map(|_| identity.as_slice()).collect();
    let (conv, sender) = PartitionedConvolver::new(
        kernels,
        PARTITION,
        n,
        designer.group_delay_samples(),
        &initial,
    );
    let (writer, reader) = triple_buffer(*bands);
    let pending = Arc::new(AtomicBool::new(false));
    let (bins, _) = designer.grid();
    let mut design = LinearPhaseDesign {
        stereo,
        sample_rate: sample_rate as f64,
        designer,
        sender,
        requests: reader,
        pending: pending.clone(),
        matrix: std::array::from_fn(|_| vec![0.0; bins]),
        taps: std::array::from_fn(|_| vec![0.0; n]),
    };
    design.design(bands);
    let audio = LinearPhaseAudio {
        stereo,
        conv,
        requests: writer,
        pending,
        scratch: (0..4).map(|_| vec![0.0; max_block.max(1)]).collect(),
    };
    (audio, design)
}

impl LinearPhaseAudio {
    /// Latency in samples: partition + kernel group delay.
    pub fn latency(&self) -> usize {
        self.conv.latency()
    }

    /// Publishes new band settings for the design side. Returns true when a design should be
    /// scheduled (none is pending yet). Audio-thread safe.
    pub fn request(&mut self, bands: &Bands) -> bool {
        self.requests.write(bands);
        !self.pending.swap(true, Ordering::AcqRel)
    }

    /// Clears the convolution history. Audio-thread safe.
    pub fn reset(&mut self) {
        self.conv.reset();
    }

    /// Convolves `channels` in place (1 or 2 channels, blocks of any length). Audio-thread safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        if !self.stereo {
            if let Some(mono) = channels.first_mut() {
                self.conv.process(&mut [&mut **mono]);
            }
            return;
        }
        let [left, right, ..] = channels else {
            return;
        };
        let max = self.scratch[0].len();
        let n = left.len().min(right.len());
        let mut pos = 0;
        while pos < n {
            let len = (n - pos).min(max);
            let (l, r) = (&mut left[pos..pos + len], &mut right[pos..pos + len]);
            let [a, b, c, d] = &mut self.scratch[..] else {
                unreachable!("four scratch channels")
            };
            a[..len].copy_from_slice(l);
            b[..len].copy_from_slice(l);
            c[..len].copy_from_slice(r);
            d[..len].copy_from_slice(r);
            self.conv
                .process(&mut [&mut a[..len], &mut b[..len], &mut c[..len], &mut d[..len]]);
            for i in 0..len {
                l[i] = a[i] + c[i];
                r[i] = b[i] + d[i];
            }
            pos += len;
        }
    }
}

impl LinearPhaseDesign {
    /// Designs and sends kernels for the newest published settings, if any arrived since the
    /// last call. Returns whether it designed. Never allocates; costs a few large FFTs.
    pub fn design_latest(&mut self) -> bool {
        self.pending.store(false, Ordering::Release);
        let Some(bands) = self.requests.read().copied() else {
            return false;
        };
        self.design(&bands);
        true
    }

    /// Designs and sends the kernels of `bands`.
    pub fn design(&mut self, bands: &Bands) {
        let (_, hz) = self.designer.grid();
        let protos: [Option<(AnalogPrototype, Placement)>; NUM_BANDS] = std::array::from_fn(|i| {
            let b = &bands[i];
            b.enabled
                .then(|| (AnalogPrototype::new(b), b.clamped().placement))
        });
        let [ll, lr, rl, rr] = &mut self.matrix;
        for k in 0..ll.len() {
            let f = k as f64 * hz;
            // The running product M = M_b · … · M_1, row-major [[ll, lr], [rl, rr]].
            let mut m = [1.0, 0.0, 0.0, 1.0];
            for (proto, placement) in protos.iter().flatten() {
                let h = proto.magnitude_sq(f).max(0.0).sqrt();
                let b = if self.stereo {
                    band_matrix(*placement, h)
                } else if *placement == Placement::Side {
                    continue;
                } else {
                    [h, 0.0, 0.0, 1.0]
                };
                m = [
                    b[0] * m[0] + b[1] * m[2],
                    b[0] * m[1] + b[1] * m[3],
                    b[2] * m[0] + b[3] * m[2],
                    b[2] * m[1] + b[3] * m[3],
                ];
            }
            (ll[k], lr[k], rl[k], rr[k]) = (m[0], m[1], m[2], m[3]);
        }
        // Convolver channels: inputs [L, L, R, R], kernels [LL, RL, LR, RR].
        let order = if self.stereo {
            &[0, 2, 1, 3][..]
        } else {
            &[0][..]
        };
        for (slot, &entry) in order.iter().enumerate() {
            self.designer
                .design_from_amplitudes(&self.matrix[entry], &mut self.taps[slot]);
        }
        let kernels: [&[f32]; 4] = std::array::from_fn(|i| self.taps[i].as_slice());
        let used = if self.stereo { 4 } else { 1 };
        // Finite by construction and of the prepared length; a refusal would keep the old one.
        let _ = self.sender.send(&kernels[..used]);
    }

    /// The sample rate the kernels are designed for.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }
}

/// One band's left/right matrix at magnitude `h`, row-major.
fn band_matrix(placement: Placement, h: f64) -> [f64; 4] {
    match placement {
        Placement::Stereo => [h, 0.0, 0.0, h],
        Placement::Left => [h, 0.0, 0.0, 1.0],
        Placement::Right => [1.0, 0.0, 0.0, h],
        Placement::Mid => {
            let (a, b) = (0.5 * (h + 1.0), 0.5 * (h - 1.0));
            [a, b, b, a]
        }
        Placement::Side => {
            let (a, b) = (0.5 * (1.0 + h), 0.5 * (1.0 - h));
            [a, b, b, a]
        }
    }
}
