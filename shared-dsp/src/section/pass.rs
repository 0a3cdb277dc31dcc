//! A high- or low-pass section of a channel strip: a Butterworth band (6 … 48 dB/oct) in one of
//! two [`EqBank`]s. The cutoff glides inside the bank (its own smoothing); a slope change starts
//! the other bank, fresh at the new order, and crossfades to it; on/off crossfades with the
//! unfiltered signal ([`SectionSwitch`]). Both fades follow the suite's fade law (equal-gain,
//! raised cosine: [`crate::util::smoothing`]), so the new bank's start-up transient is weighted
//! by a fade that starts with zero slope.
//!
//! Allocation: [`PassSection::new`] allocates (two banks, two scratch buffers of `max_block`
//! frames per channel); everything else never does.

use super::switch::{SectionSwitch, save_dry};
use crate::filter::{BandParams, EqBank};
use crate::util::smoothing::Fade;

/// A high- or low-pass section's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PassSettings {
    pub on: bool,
    pub freq_hz: f32,
    /// Butterworth order (1, 2, 3, 4, 6, 8 = 6 … 48 dB/oct).
    pub order: u8,
}

/// A high- or low-pass section (see the module doc).
pub struct PassSection {
    high_pass: bool,
    banks: [EqBank; 2],
    orders: [u8; 2],
    /// The bank in use (or being faded to).
    cur: usize,
    /// 0 → 1 while crossfading from the other bank to `cur`; 1 at rest.
    xfade: Fade,
    switch: SectionSwitch,
    settings: PassSettings,
    /// Input copy and the other bank's output while fading.
    dry: Vec<Vec<f32>>,
    other: Vec<Vec<f32>>,
}

impl PassSection {
    /// A high-pass (`high_pass`) or low-pass section, off, for up to two channels and blocks of
    /// up to `max_block` frames. Allocates.
    pub fn new(high_pass: bool, num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let bank = || {
            let mut b = EqBank::new(1);
            b.prepare(sample_rate, max_block);
            b
        };
        Self {
            high_pass,
            banks: [bank(), bank()],
            orders: [0; 2],
            cur: 0,
            xfade: Fade::new(1.0),
            switch: SectionSwitch::new(),
            settings: PassSettings {
                on: false,
                freq_hz: 1000.0,
                order: 0,
            },
            dry: vec![vec![0.0; max_block]; num_channels],
            other: vec![vec![0.0; max_block]; num_channels],
        }
    }

    fn band(&self, freq_hz: f32, order: u8) -> BandParams {
        if self.high_pass {
            BandParams::high_pass(freq_hz, order)
        } else {
            BandParams::low_pass(freq_hz, order)
        }
    }

    /// New settings; on/off and slope changes crossfade over `fade_samples`. `first`: the
    /// first settings after `new` (nothing audible yet: everything is set at once). Never
    /// allocates.
    pub fn set(&mut self, s: PassSettings, fade_samples: usize, first: bool) {
        let old = self.settings;
        self.settings = s;
        if first || !self.switch.is_active() {
            // Nothing audible: configure the bank in use directly (reset when it starts).
            self.orders[self.cur] = s.order;
            let b = self.band(s.freq_hz, s.order);
            self.banks[self.cur].set_band(0, b);
            self.xfade.reset(1.0);
        } else if s.order != old.order {
            if self.xfade.is_fading() {
                // A second change within one fade: the bank in use takes it (its own glide).
                self.orders[self.cur] = s.order;
                let b = self.band(s.freq_hz, s.order);
                self.banks[self.cur].set_band(0, b);
            } else {
                let next = 1 - self.cur;
                self.orders[next] = s.order;
                let b = self.band(s.freq_hz, s.order);
                self.banks[next].set_band(0, b);
                self.banks[next].reset();
                self.cur = next;
                self.xfade.reset(0.0);
                self.xfade.set_target(1.0, fade_samples);
            }
        } else if s.freq_hz != old.freq_hz {
            for i in 0..2 {
                let b = self.band(s.freq_hz, self.orders[i]);
                self.banks[i].set_band(0, b);
            }
        }
        if self.switch.set(s.on, fade_samples) || first {
            self.banks[self.cur].reset();
            self.xfade.reset(1.0);
        }
    }

    /// Clears the filter states and ends any fade. Never allocates.
    pub fn reset(&mut self) {
        for b in &mut self.banks {
            b.reset();
        }
        self.xfade.reset(1.0);
        self.switch.jump();
    }

    /// Off (costs nothing, passes the signal: `Some(None)`), or fully on with no switch or
    /// slope crossfade running: its bank is then all there is to it, and can join a chain
    /// ([`EqBank::process_chain`]): `Some(Some(bank))`. `None` while fading.
    pub fn steady(&mut self) -> Option<Option<&mut EqBank>> {
        if !self.switch.is_active() {
            Some(None)
        } else if self.switch.is_fading() || self.xfade.is_fading() {
            None
        } else {
            Some(Some(&mut self.banks[self.cur]))
        }
    }

    /// Filters `ch` in place (one or two channels, at most `max_block` frames). Never allocates.
    pub fn process(&mut self, ch: &mut [&mut [f32]]) {
        if !self.switch.is_active() {
            return;
        }
        let n = ch.first().map_or(0, |c| c.len());
        let switching = self.switch.is_fading();
        let crossfading = self.xfade.is_fading();
        if switching {
            save_dry(&mut self.dry, ch);
        }
        if crossfading {
            save_dry(&mut self.other, ch);
            let mut other: [&mut [f32]; 2] = Default::default();
            for (slot, o) in other.iter_mut().zip(self.other.iter_mut()) {
                *slot = &mut o[..n];
            }
            self.banks[1 - self.cur].process(&mut other[..ch.len()]);
        }
        self.banks[self.cur].process(ch);
        if crossfading {
            for i in 0..n {
                let w = self.xfade.next();
                for (c, o) in ch.iter_mut().zip(self.other.iter()) {
                    c[i] = o[i] + w * (c[i] - o[i]);
                }
            }
        }
        if switching {
            self.switch.crossfade(&self.dry, ch);
        }
    }
}
