//! The latency handshake, written once for every plugin whose latency a parameter can change.
//!
//! The two formats want different things:
//! - CLAP lets the latency change only while the plugin is being activated. A new value asks the
//!   host for a restart and takes effect when the host activates the plugin again; until then
//!   the engine keeps the latency-deciding values it was activated with, so the audio's delay
//!   always equals the latency the host was told. (Reporting from the process call instead
//!   would reach the host through a main-thread task that may run after the host has
//!   deactivated the plugin, which CLAP forbids.)
//! - VST3 hosts (JUCE, Reaper) act on the latency-changed restart flag but may ignore a reload
//!   request, so the new values take effect at once and the new latency is reported.

use crate::engine::LatencySettings;
use nice_plug::prelude::PluginApi;

/// What the shell must do after a block's settings were taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatencyAction {
    /// Nothing changed latency.
    None,
    /// Ask the host to restart the plugin (CLAP): the new latency is reported on activation.
    RequestRestart,
    /// The latency changed now: report the engine's new latency (VST3, standalone).
    Report,
}

/// The latency-deciding values the host was told about.
#[derive(Clone, Copy, Debug)]
pub struct LatencyHandshake<K> {
    active: K,
}

impl<K: Copy + PartialEq> LatencyHandshake<K> {
    /// At activation: the host is told the latency of `settings`.
    pub fn activated<S: LatencySettings<Key = K>>(settings: &S) -> Self {
        Self {
            active: settings.latency_key(),
        }
    }

    /// The settings to apply to the engine for this block, and what to tell the host.
    /// `changed` is whether a latency-deciding parameter was touched since the last block.
    pub fn block<S: LatencySettings<Key = K>>(
        &mut self,
        settings: S,
        changed: bool,
        api: PluginApi,
    ) -> (S, LatencyAction) {
        let wanted = settings.latency_key();
        let mut action = LatencyAction::None;
        if changed && wanted != self.active {
            if api == PluginApi::Clap {
                action = LatencyAction::RequestRestart;
            } else {
                self.active = wanted;
                action = LatencyAction::Report;
            }
        }
        (settings.with_latency_key(self.active), action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings with one latency-deciding value (a lookahead) and one that is not (a gain).
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct S {
        lookahead: u32,
        gain: f32,
    }

    impl LatencySettings for S {
        type Key = u32;
        fn latency_key(&self) -> u32 {
            self.lookahead
        }
        fn with_latency_key(mut self, key: u32) -> Self {
            self.lookahead = key;
            self
        }
    }

    const A: S = S {
        lookahead: 64,
        gain: 0.0,
    };
    const B: S = S {
        lookahead: 128,
        gain: -3.0,
    };

    #[test]
    fn clap_asks_for_a_restart_and_keeps_the_reported_latency_until_then() {
        let mut h = LatencyHandshake::activated(&A);
        let (applied, action) = h.block(B, true, PluginApi::Clap);
        assert_eq!(action, LatencyAction::RequestRestart);
        // The gain follows at once; the lookahead stays what the host was told.
        assert_eq!(applied, S { lookahead: 64, ..B });
        // Later blocks neither ask again nor switch.
        assert_eq!(
            h.block(B, false, PluginApi::Clap),
            (applied, LatencyAction::None)
        );
        // The restart: activation takes the new value.
        let mut h = LatencyHandshake::activated(&B);
        assert_eq!(h.block(B, false, PluginApi::Clap), (B, LatencyAction::None));
    }

    #[test]
    fn vst3_and_standalone_switch_at_once_and_report() {
        for api in [PluginApi::Vst3, PluginApi::Standalone] {
            let mut h = LatencyHandshake::activated(&A);
            assert_eq!(h.block(B, true, api), (B, LatencyAction::Report));
            assert_eq!(h.block(B, false, api), (B, LatencyAction::None));
            assert_eq!(h.block(A, true, api), (A, LatencyAction::Report));
        }
    }

    #[test]
    fn a_touched_parameter_that_returns_to_the_active_value_changes_nothing() {
        for api in [PluginApi::Clap, PluginApi::Vst3] {
            let mut h = LatencyHandshake::activated(&A);
            let moved = S { gain: -6.0, ..A };
            assert_eq!(h.block(moved, true, api), (moved, LatencyAction::None));
        }
    }

    #[test]
    fn an_untouched_flag_never_switches() {
        // The flag is what the parameters' callbacks raise: without it nothing is compared.
        let mut h = LatencyHandshake::activated(&A);
        assert_eq!(
            h.block(B, false, PluginApi::Vst3),
            (S { lookahead: 64, ..B }, LatencyAction::None)
        );
    }
}
