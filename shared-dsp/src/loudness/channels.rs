//! Channel layouts and the BS.1770 channel weights of the loudness sum.
//!
//! Sources: ITU-R BS.1770-4/5, Annex 1, Table 3 (L, R, C weight 1.0; Ls, Rs 1.41, i.e. +1.5 dB;
//! LFE not measured); EBU Tech 3341 §2.5 and BS.1770-4 note on dual mono: a mono programme
//! reproduced on two loudspeakers is measured as if it were on both, i.e. its single channel is
//! counted twice (+3.01 dB over plain mono). Channel order of 5.1 is the SMPTE/ITU order hosts and
//! WAV files use (L, R, C, LFE, Ls, Rs).

/// What one input channel is, for the loudness sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelRole {
    /// Front left, front right or centre: weight 1.0.
    Front,
    /// Left or right surround: weight 10^(1.5/10) ≈ 1.41 (+1.5 dB).
    Surround,
    /// Low-frequency effects: not measured (weight 0, the channel is not even filtered).
    Lfe,
    /// A mono programme meant for two loudspeakers: weight 2.0 (+3.01 dB), as if heard on both.
    DualMono,
    /// A channel present in the input but left out of the measurement.
    Unused,
}

impl ChannelRole {
    /// The BS.1770 weight `G_i` of this channel in the loudness sum.
    pub fn weight(self) -> f64 {
        match self {
            ChannelRole::Front => 1.0,
            // Exactly +1.5 dB in power, which BS.1770 rounds to 1.41 in its table.
            ChannelRole::Surround => SURROUND_WEIGHT,
            ChannelRole::Lfe | ChannelRole::Unused => 0.0,
            ChannelRole::DualMono => 2.0,
        }
    }
}

/// `10^(1.5/10)`: BS.1770's surround weight (+1.5 dB), printed as 1.41 in its table.
pub const SURROUND_WEIGHT: f64 = 1.412_537_544_622_754_4;

/// The channel layouts the Lathe plugins and the `lathe` CLI meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelLayout {
    /// One channel, weight 1.0 (a mono programme on one loudspeaker).
    Mono,
    /// One channel counted twice (weight 2.0): a mono programme on two loudspeakers
    /// (BS.1770 / Tech 3341 "dual mono"). A stereo input whose two channels are identical reads
    /// the same as this.
    DualMono,
    /// L, R.
    Stereo,
    /// L, R, C, Ls, Rs.
    Surround50,
    /// L, R, C, LFE, Ls, Rs (the LFE is excluded from the measurement).
    Surround51,
}

impl ChannelLayout {
    /// The role of each channel, in input order.
    pub fn roles(self) -> &'static [ChannelRole] {
        use ChannelRole::*;
        match self {
            ChannelLayout::Mono => &[Front],
            ChannelLayout::DualMono => &[DualMono],
            ChannelLayout::Stereo => &[Front, Front],
            ChannelLayout::Surround50 => &[Front, Front, Front, Surround, Surround],
            ChannelLayout::Surround51 => &[Front, Front, Front, Lfe, Surround, Surround],
        }
    }

    /// Number of input channels of this layout.
    pub fn num_channels(self) -> usize {
        self.roles().len()
    }

    /// The natural layout for a channel count (1 → mono, 2 → stereo, 5 → 5.0, 6 → 5.1), if any.
    pub fn from_num_channels(num_channels: usize) -> Option<Self> {
        match num_channels {
            1 => Some(ChannelLayout::Mono),
            2 => Some(ChannelLayout::Stereo),
            5 => Some(ChannelLayout::Surround50),
            6 => Some(ChannelLayout::Surround51),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_bs1770() {
        assert!((SURROUND_WEIGHT - 10f64.powf(0.15)).abs() < 1e-15);
        assert!((ChannelRole::Surround.weight() - 1.41).abs() < 0.005);
        let w: Vec<f64> = ChannelLayout::Surround51
            .roles()
            .iter()
            .map(|r| r.weight())
            .collect();
        assert_eq!(
            w,
            vec![1.0, 1.0, 1.0, 0.0, SURROUND_WEIGHT, SURROUND_WEIGHT]
        );
        assert_eq!(ChannelLayout::DualMono.roles()[0].weight(), 2.0);
        for n in [1, 2, 5, 6] {
            assert_eq!(
                ChannelLayout::from_num_channels(n).unwrap().num_channels(),
                n
            );
        }
        assert_eq!(ChannelLayout::from_num_channels(3), None);
    }
}
