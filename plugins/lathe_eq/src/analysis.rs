//! The editor's pre- and post-EQ spectrum: the audio thread's ends of the two analysers, fed
//! only while the editor is open (analysis nobody sees costs nothing), and the analysers
//! themselves until the editor takes them.

use shared_dsp::spectrum::{SpectrumAnalyzer, SpectrumTap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// FFT size of the editor's analyser at 48 kHz (5.9 Hz bins).
const ANALYZER_FFT: usize = 8192;

pub struct Analysis {
    taps: [SpectrumTap; 2],
    /// Until the editor takes them.
    pub analyzers: Option<[SpectrumAnalyzer; 2]>,
    pub editor_open: Arc<AtomicBool>,
}

impl Default for Analysis {
    fn default() -> Self {
        let (pre, pre_tap) = SpectrumAnalyzer::with_tap(48_000.0, ANALYZER_FFT);
        let (post, post_tap) = SpectrumAnalyzer::with_tap(48_000.0, ANALYZER_FFT);
        Self {
            taps: [pre_tap, post_tap],
            analyzers: Some([pre, post]),
            editor_open: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Analysis {
    /// The mean of the channels into the pre (`0`) or post (`1`) tap, while the editor is open.
    /// Audio-thread safe.
    pub fn push(&mut self, which: usize, channels: &[&mut [f32]]) {
        if !self.editor_open.load(Ordering::Relaxed) {
            return;
        }
        let tap = &mut self.taps[which];
        match channels {
            [a, b, ..] => tap.push_mean(&[&**a, &**b], a.len()),
            [a] => tap.push(a),
            [] => {}
        }
    }
}
