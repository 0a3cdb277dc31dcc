//! Host-free processing of the Channel Strip, shared by the plugin, `lathe render channel` and the
//! tests.
//!
//! Signal flow (SPEC.md, "Lathe Channel Strip"): input trim → polarity per channel → high-pass
//! and low-pass → [gate, 4-band EQ, compressor in the order chosen by [`Order`]] → width → pan
//! (balance) → output gain, inside the host bypass crossfade. Zero latency: no block looks ahead,
//! so the compressor's dry path (parallel compression) is simply its input, time-aligned.
//!
//! Click-free automation, section by section:
//! - trim and output glide in dB (`GainStage`, 10 ms); polarity flips glide the channel's sign
//!   through zero over [`SWITCH_FADE_MS`];
//! - filters and EQ glide frequency, gain and Q per sample, and crossfade on/off and slope
//!   changes (`shared_dsp::filter::EqBank`);
//! - the gate and the compressor glide their own settings (threshold, ratio, range or knee,
//!   link, make-up, mix: `shared_dsp::dynamics`); the engine hands them the plain targets, one
//!   call each; attack, release, hold, detector and key changes act through the attack/release
//!   smoothing of the gain reduction;
//! - a section switched on or off crossfades between its input and output over
//!   [`SWITCH_FADE_MS`] (`shared_dsp::section::SectionSwitch`; a section that is off costs
//!   nothing), the pass filters also crossfade slope changes (`shared_dsp::section::PassSection`);
//! - an order change dips the reorderable part to silence and back ([`SWITCH_FADE_MS`] each way,
//!   `shared_dsp::section::OrderDip`);
//! - width and pan glide (`shared_dsp::stereo`, 10 ms).
//!
//! Every fade follows the suite's one law, equal-gain along a raised cosine
//! (`shared_dsp::util::smoothing`). This file only composes the blocks.
//!
//! Allocation: `new` allocates (section states, scratch buffers of `max_block` frames);
//! `set_settings`, `process*` and `reset` never allocate, lock or block.

use shared_dsp::bypass::Bypass;
use shared_dsp::dynamics::{Compressor, CompressorParams, Gate, GateParams};
use shared_dsp::filter::{BandParams, ChainScratch, EqBank};
use shared_dsp::gain::{DEFAULT_SMOOTHING_MS, GainStage};
pub use shared_dsp::section::PassSettings;
use shared_dsp::section::{OrderDip, PassSection, SectionSwitch};
use shared_dsp::stereo::{PanLaw, Panner, StereoWidth};
use shared_dsp::util::{Fade, db_to_gain};

/// Crossfade time of section on/off switches, polarity flips and each half of an order change.
pub const SWITCH_FADE_MS: f32 = 10.0;
/// Number of EQ bands.
pub const EQ_BANDS: usize = 4;

/// Where the dynamics sit relative to the EQ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Order {
    /// Gate → EQ → compressor (the console order of SPEC.md: gate the raw track, compress the
    /// equalised one).
    #[default]
    GateEqComp,
    /// Gate → compressor → EQ (dynamics before the EQ).
    DynamicsEq,
    /// EQ → gate → compressor (dynamics after the EQ).
    EqDynamics,
}

/// Plain parameter values the engine runs with (no framework types, so the CLI can use it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelSettings {
    pub bypass: bool,
    pub trim_db: f32,
    pub invert: [bool; 2],
    pub high_pass: PassSettings,
    pub low_pass: PassSettings,
    pub gate_on: bool,
    pub gate: GateParams,
    /// Key the gate from the sidechain input instead of the program.
    pub gate_external: bool,
    pub eq_on: bool,
    /// The four bands (their `enabled` flags are the bands' own; `eq_on` switches all).
    pub eq: [BandParams; EQ_BANDS],
    pub order: Order,
    pub comp_on: bool,
    pub comp: CompressorParams,
    /// Key the compressor from the sidechain input instead of the program.
    pub comp_external: bool,
    /// −1 (left) … +1 (right).
    pub pan: f32,
    pub pan_law: PanLaw,
    pub width_percent: f32,
    pub mono: bool,
    pub output_db: f32,
}

impl Default for ChannelSettings {
    /// Every section off or neutral: the strip passes its input bit-exact.
    fn default() -> Self {
        Self {
            bypass: false,
            trim_db: 0.0,
            invert: [false; 2],
            high_pass: PassSettings {
                on: false,
                freq_hz: 80.0,
                order: 2,
            },
            low_pass: PassSettings {
                on: false,
                freq_hz: 18_000.0,
                order: 2,
            },
            gate_on: false,
            gate: GateParams::default(),
            gate_external: false,
            eq_on: false,
            eq: [
                BandParams::low_shelf(100.0, 0.0, 0.707),
                BandParams::bell(400.0, 0.0, 1.0),
                BandParams::bell(2000.0, 0.0, 1.0),
                BandParams::high_shelf(8000.0, 0.0, 0.707),
            ],
            order: Order::GateEqComp,
            comp_on: false,
            comp: CompressorParams::default(),
            comp_external: false,
            pan: 0.0,
            pan_law: PanLaw::Minus3Db,
            width_percent: 100.0,
            mono: false,
            output_db: 0.0,
        }
    }
}

/// Per-channel polarity: the sign fades through zero (-1 … 1) along the fade law.
#[derive(Clone, Copy, Debug)]
struct Polarity {
    sign: [Fade; 2],
}

/// The processing chain inside the host bypass.
struct Strip {
    num_channels: usize,
    sample_rate: f32,
    fade_samples: usize,
    settings: ChannelSettings,
    trim: GainStage,
    polarity: Polarity,
    high_pass: PassSection,
    low_pass: PassSection,
    gate: Gate,
    gate_switch: SectionSwitch,
    eq: EqBank,
    comp: Compressor,
    comp_switch: SectionSwitch,
    order: OrderDip<Order>,
    width: StereoWidth,
    panner: Panner,
    output: GainStage,
    /// A section's input while it crossfades on/off.
    dry: Vec<Vec<f32>>,
    /// Stages of the filters' (and EQ's) fused cascade run.
    chain_scratch: ChainScratch,
    gate_gr_db: f32,
    comp_gr_db: f32,
}

pub struct ChannelEngine {
    strip: Strip,
    bypass: Bypass,
    configured: bool,
}

impl ChannelEngine {
    /// May allocate: call from `activate`. `num_channels` 1 (mono) or 2 (stereo).
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let num_channels = num_channels.clamp(1, 2);
        let max_block = max_block.max(1);
        let fade_samples = Fade::samples_for_ms(SWITCH_FADE_MS, sample_rate);
        let d = ChannelSettings::default();
        let mut eq = EqBank::new(EQ_BANDS);
        eq.prepare(sample_rate, max_block);
        let strip = Strip {
            num_channels,
            sample_rate,
            fade_samples,
            settings: d,
            trim: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            polarity: Polarity {
                sign: [Fade::new(1.0); 2],
            },
            high_pass: PassSection::new(true, num_channels, sample_rate, max_block),
            low_pass: PassSection::new(false, num_channels, sample_rate, max_block),
            gate: Gate::new(num_channels, sample_rate, max_block),
            gate_switch: SectionSwitch::new(),
            eq,
            comp: Compressor::new(num_channels, sample_rate, max_block),
            comp_switch: SectionSwitch::new(),
            order: OrderDip::new(d.order, fade_samples),
            width: StereoWidth::new(sample_rate),
            panner: Panner::new(sample_rate),
            output: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            dry: vec![vec![0.0; max_block]; num_channels],
            // High- and low-pass of up to 4 sections each, 4 EQ bands of up to 4 each.
            chain_scratch: ChainScratch::new(4 + 4 + 4 * EQ_BANDS),
            gate_gr_db: 0.0,
            comp_gr_db: 0.0,
        };
        let mut engine = Self {
            strip,
            bypass: Bypass::new(num_channels, max_block, 0, sample_rate),
            configured: false,
        };
        engine.strip.apply(&d, true);
        engine.reset();
        engine
    }

    pub fn num_channels(&self) -> usize {
        self.strip.num_channels
    }

    pub fn sample_rate(&self) -> f32 {
        self.strip.sample_rate
    }

    /// The settings in effect (the targets the smoothed values glide to).
    pub fn settings(&self) -> &ChannelSettings {
        &self.strip.settings
    }

    /// Never allocates. Cheap when nothing changed (a comparison), so it can run every block.
    pub fn set_settings(&mut self, settings: &ChannelSettings) {
        if self.configured && *settings == self.strip.settings {
            return;
        }
        self.strip.apply(settings, !self.configured);
        self.configured = true;
        self.bypass.set_bypassed(settings.bypass);
    }

    /// Clears every state and jumps every glide to its target. Audio-thread safe.
    pub fn reset(&mut self) {
        self.strip.reset();
        self.bypass.reset();
    }

    /// Always 0: no section looks ahead.
    pub fn latency(&self) -> usize {
        0
    }

    /// Processes every channel in place, dynamics keyed internally (no sidechain input).
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.process_with_sidechain(channels, None);
    }

    /// Processes every channel in place; `sidechain` is the plugin's sidechain input (one or two
    /// slices as long as the block), used by the gate and/or compressor when they are set to an
    /// external key. Audio-thread safe.
    pub fn process_with_sidechain(
        &mut self,
        channels: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
    ) {
        let nch = channels.len().min(self.strip.num_channels);
        let channels = &mut channels[..nch];
        let strip = &mut self.strip;
        let mut offset = 0;
        self.bypass.process(channels, |chunk| {
            let n = chunk.first().map_or(0, |c| c.len());
            let mut key: [&[f32]; 2] = [&[]; 2];
            let mut key_len = 0;
            if let Some(sc) = sidechain {
                for (slot, k) in key.iter_mut().zip(sc.iter()) {
                    let end = (offset + n).min(k.len());
                    let start = offset.min(end);
                    *slot = &k[start..end];
                    key_len += 1;
                }
            }
            let key = if key_len > 0 {
                Some(&key[..key_len])
            } else {
                None
            };
            strip.process(chunk, key);
            offset += n;
        });
    }

    /// The most gate gain reduction (dB ≥ 0) since the last call.
    pub fn take_gate_gain_reduction_db(&mut self) -> f32 {
        std::mem::take(&mut self.strip.gate_gr_db)
    }

    /// The most compressor gain reduction (dB ≥ 0) since the last call.
    pub fn take_comp_gain_reduction_db(&mut self) -> f32 {
        std::mem::take(&mut self.strip.comp_gr_db)
    }

    /// The compressor detector's level now (dB, loudest channel): the transfer-curve dot.
    pub fn comp_input_level_db(&self) -> f32 {
        if self.strip.comp_switch.is_active() {
            self.strip.comp.current_input_level_db()
        } else {
            f32::NEG_INFINITY
        }
    }

    /// True while the gate is open (or off).
    pub fn gate_open(&self) -> bool {
        !self.strip.gate_switch.is_active() || self.strip.gate.is_open(0)
    }
}

impl Strip {
    fn apply(&mut self, s: &ChannelSettings, first: bool) {
        let old = self.settings;
        self.settings = *s;
        let fade = self.fade_samples;
        self.trim.set_gain_db(s.trim_db);
        for (c, ramp) in self.polarity.sign.iter_mut().enumerate() {
            ramp.set_target(if s.invert[c] { -1.0 } else { 1.0 }, fade);
        }
        self.high_pass.set(s.high_pass, fade, first);
        self.low_pass.set(s.low_pass, fade, first);
        for b in 0..EQ_BANDS {
            if first || s.eq[b] != old.eq[b] || s.eq_on != old.eq_on {
                let band = s.eq[b];
                self.eq
                    .set_band(b, band.with_enabled(band.enabled && s.eq_on));
            }
        }
        // Dynamics: plain targets, one call each; the blocks glide them.
        if first || s.gate != old.gate {
            self.gate.set_params(&s.gate);
        }
        if first || s.comp != old.comp {
            self.comp.set_params(&s.comp);
        }
        if self.gate_switch.set(s.gate_on, fade) {
            self.gate.reset();
        }
        if self.comp_switch.set(s.comp_on, fade) {
            self.comp.reset();
        }
        // The order matters only when two of gate, EQ and compressor are in: otherwise it
        // changes at once, without the dip.
        let eq_in = s.eq_on || old.eq_on;
        let reorderable = [
            self.gate_switch.is_active(),
            eq_in,
            self.comp_switch.is_active(),
        ];
        let audible = reorderable.iter().filter(|&&a| a).count() >= 2;
        self.order.set(s.order, audible);
        self.width.set_width_percent(s.width_percent);
        self.width.set_mono(s.mono);
        self.panner.set_law(s.pan_law);
        self.panner.set_pan(s.pan);
        self.output.set_gain_db(s.output_db);
    }

    fn reset(&mut self) {
        self.trim.reset();
        for r in &mut self.polarity.sign {
            r.reset(r.target());
        }
        self.high_pass.reset();
        self.low_pass.reset();
        self.eq.reset();
        self.gate.reset();
        self.comp.reset();
        self.gate_switch.jump();
        self.comp_switch.jump();
        self.order.reset();
        self.width.reset();
        self.panner.reset();
        self.output.reset();
        self.gate_gr_db = 0.0;
        self.comp_gr_db = 0.0;
    }

    /// One chunk (at most `max_block` frames).
    fn process(&mut self, ch: &mut [&mut [f32]], key: Option<&[&[f32]]>) {
        // Input: trim (its output is sanitised: NaN/inf never enter the chain's states) and
        // polarity.
        self.trim.process(ch);
        for (c, samples) in ch.iter_mut().enumerate() {
            let sign = &mut self.polarity.sign[c];
            if sign.is_fading() {
                for x in samples.iter_mut() {
                    *x *= sign.next();
                }
            } else if sign.current() < 0.0 {
                for x in samples.iter_mut() {
                    *x = -*x;
                }
            }
        }
        // The filters, and the EQ when it comes next (no gate between, no order change under
        // way), as one chain: steady, they run as one fused cascade.
        let eq_next = !self.order.is_dipping()
            && match self.order.active() {
                Order::EqDynamics => true,
                Order::GateEqComp => !self.gate_switch.is_active(),
                Order::DynamicsEq => false,
            };
        let mut eq_done = false;
        if let ([l, r], Some(hp), Some(lp)) =
            (&mut *ch, self.high_pass.steady(), self.low_pass.steady())
        {
            let mut chain: [Option<&mut EqBank>; 3] = [hp, lp, None];
            if eq_next {
                chain[2] = Some(&mut self.eq);
                eq_done = true;
            }
            EqBank::process_chain(&mut chain, l, r, &mut self.chain_scratch);
        } else {
            self.high_pass.process(ch);
            self.low_pass.process(ch);
        }
        // The reorderable part, in pieces cut where an order-change dip reaches silence.
        let n = ch.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < n {
            let end = start + self.order.frames_in_order(n - start);
            let nch = ch.len();
            let mut piece: [&mut [f32]; 2] = Default::default();
            for (slot, c) in piece.iter_mut().zip(ch.iter_mut()) {
                *slot = &mut c[start..end];
            }
            let piece = &mut piece[..nch];
            let mut keys: [&[f32]; 2] = [&[]; 2];
            let key_piece = key.map(|k| {
                for (slot, kc) in keys.iter_mut().zip(k.iter()) {
                    let e = end.min(kc.len());
                    *slot = &kc[start.min(e)..e];
                }
                &keys[..k.len().min(2)]
            });
            match self.order.active() {
                Order::GateEqComp => {
                    self.run_gate(piece, key_piece);
                    if !eq_done {
                        self.eq.process(piece);
                    }
                    self.run_comp(piece, key_piece);
                }
                Order::DynamicsEq => {
                    self.run_gate(piece, key_piece);
                    self.run_comp(piece, key_piece);
                    self.eq.process(piece);
                }
                Order::EqDynamics => {
                    if !eq_done {
                        self.eq.process(piece);
                    }
                    self.run_gate(piece, key_piece);
                    self.run_comp(piece, key_piece);
                }
            }
            self.order.apply(piece);
            start = end;
        }
        if ch.len() == 2 {
            let (l, r) = ch.split_at_mut(1);
            self.width.process(l[0], r[0]);
            self.panner.process(l[0], r[0]);
        }
        self.output.process(ch);
    }

    fn run_gate(&mut self, ch: &mut [&mut [f32]], key: Option<&[&[f32]]>) {
        if !self.gate_switch.is_active() {
            return;
        }
        let key = if self.settings.gate_external {
            key.or(Some(&[&[]]))
        } else {
            None
        };
        let gate = &mut self.gate;
        let gr_db = self.gate_switch.run(&mut self.dry, ch, |ch| {
            gate.process(ch, key);
            gate.take_max_gain_reduction_db()
        });
        self.gate_gr_db = self.gate_gr_db.max(gr_db);
    }

    fn run_comp(&mut self, ch: &mut [&mut [f32]], key: Option<&[&[f32]]>) {
        if !self.comp_switch.is_active() {
            return;
        }
        let key = if self.settings.comp_external {
            key.or(Some(&[&[]]))
        } else {
            None
        };
        let comp = &mut self.comp;
        let gr_db = self.comp_switch.run(&mut self.dry, ch, |ch| {
            comp.process(ch, key);
            comp.take_max_gain_reduction_db()
        });
        self.comp_gr_db = self.comp_gr_db.max(gr_db);
    }
}

/// Linear gain of a dB value (re-exported for the tests' references).
pub fn gain(db: f32) -> f32 {
    db_to_gain(db)
}

impl lathe_plugin::LatencySettings for ChannelSettings {
    /// The strip has no latency.
    type Key = ();
    fn latency_key(&self) {}
    fn with_latency_key(self, (): ()) -> Self {
        self
    }
}

impl lathe_plugin::Engine for ChannelEngine {
    type Settings = ChannelSettings;
    fn new(config: lathe_plugin::EngineConfig, settings: &ChannelSettings) -> Self {
        let mut engine = Self::new(config.num_channels, config.sample_rate, config.max_block);
        engine.set_settings(settings);
        engine.reset();
        engine
    }
    fn set_settings(&mut self, settings: &ChannelSettings) {
        self.set_settings(settings)
    }
    fn latency(&self) -> usize {
        self.latency()
    }
    fn reset(&mut self) {
        self.reset()
    }
    fn process(&mut self, main: &mut [&mut [f32]], sidechain: Option<&[&[f32]]>) {
        self.process_with_sidechain(main, sidechain)
    }
}
