//! The parameters of one equaliser band: its type, frequency, gain, Q, slope and channel
//! placement, with the ranges the Lathe plugins expose.
//!
//! Ranges follow `SPEC.md` (Mastering EQ: 10 Hz–30 kHz, ±24 dB, Q 0.05–40, 6–96 dB/oct;
//! Channel Strip: ±18 dB, Q 0.1–10, 6–48 dB/oct). Values outside the ranges are clamped by the
//! designer, never rejected, so automation can never produce an unstable filter.

/// The response shape of a band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BandType {
    /// Peaking (bell) filter: `gain_db` at `freq_hz`, bandwidth set by `q`.
    #[default]
    Bell,
    /// Low shelf: `gain_db` below `freq_hz` (half of it at `freq_hz`), `q` shapes the knee
    /// (0.707 = steepest without overshoot).
    LowShelf,
    /// High shelf: `gain_db` above `freq_hz` (half of it at `freq_hz`).
    HighShelf,
    /// Butterworth high-pass of `order` (1–16, 6–96 dB/oct), −3 dB at `freq_hz`. Gain and Q unused.
    HighPass,
    /// Butterworth low-pass of `order` (1–16, 6–96 dB/oct), −3 dB at `freq_hz`. Gain and Q unused.
    LowPass,
    /// Notch (band-reject) at `freq_hz`, width set by `q`. Gain unused.
    Notch,
    /// Band-pass, 0 dB peak at `freq_hz`, width set by `q`. Gain unused.
    BandPass,
    /// First-order tilt pivoting at `freq_hz`: `+gain_db` at high frequencies, `−gain_db` at low
    /// frequencies, 0 dB at the pivot. Q unused.
    Tilt,
    /// Second-order all-pass at `freq_hz` (phase only, magnitude 0 dB), width set by `q`.
    AllPass,
}

impl BandType {
    /// Every type, in the order a GUI would list them.
    pub const ALL: [BandType; 9] = [
        BandType::Bell,
        BandType::LowShelf,
        BandType::HighShelf,
        BandType::HighPass,
        BandType::LowPass,
        BandType::Notch,
        BandType::BandPass,
        BandType::Tilt,
        BandType::AllPass,
    ];

    /// True for the types whose `gain_db` matters (bell, shelves, tilt).
    pub fn uses_gain(self) -> bool {
        matches!(
            self,
            BandType::Bell | BandType::LowShelf | BandType::HighShelf | BandType::Tilt
        )
    }

    /// True for the types whose `order` matters (high-pass, low-pass).
    pub fn uses_order(self) -> bool {
        matches!(self, BandType::HighPass | BandType::LowPass)
    }

    /// True for the types whose `q` matters.
    pub fn uses_q(self) -> bool {
        !matches!(
            self,
            BandType::HighPass | BandType::LowPass | BandType::Tilt
        )
    }
}

/// Which part of a stereo signal a band processes.
///
/// Mid/side use `M = (L + R)/2`, `S = (L − R)/2`, decoded by `L = M + S`, `R = M − S` (unity
/// round trip; a mid-only band with gain `G` changes a mono signal by exactly `G`). On a mono
/// signal every placement except `Side` processes the signal; `Side` leaves it untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Placement {
    /// Both channels, identically.
    #[default]
    Stereo,
    /// Left channel only.
    Left,
    /// Right channel only.
    Right,
    /// The mid (sum) signal only.
    Mid,
    /// The side (difference) signal only.
    Side,
}

/// Frequency range of every band, in Hz.
pub const FREQ_RANGE_HZ: (f32, f32) = (10.0, 30_000.0);
/// Gain range of gain-using bands, in dB.
pub const GAIN_RANGE_DB: (f32, f32) = (-24.0, 24.0);
/// Q range.
pub const Q_RANGE: (f32, f32) = (0.05, 40.0);
/// Highest Q of a shelf: beyond it the resonant shelf's bump and dip cannot be matched to the
/// analog curve near Nyquist by one section, so the range stops where the match holds.
pub const SHELF_Q_MAX: f32 = 2.0;
/// Order range of high-/low-pass bands (6 dB/oct per order).
pub const ORDER_RANGE: (u8, u8) = (1, 16);
/// Most state-variable sections one band can use (a 16th-order pass filter).
pub const MAX_SECTIONS_PER_BAND: usize = 8;

/// Everything that defines one band. `Copy`, so a GUI/parameter thread can build one and the
/// audio thread can take it with [`super::EqBank::set_band`] without allocating.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandParams {
    /// Band on (true) or bypassed (false). Switching crossfades.
    pub enabled: bool,
    /// Response shape.
    pub kind: BandType,
    /// Centre / corner / pivot frequency in Hz (clamped to 10 Hz–30 kHz, and below Nyquist for
    /// pass filters and notches).
    pub freq_hz: f32,
    /// Gain in dB for bell, shelves and tilt (clamped to ±24 dB).
    pub gain_db: f32,
    /// Quality factor (clamped to 0.05–40, shelves to 0.05–2); bandwidth for bell/notch/band-pass/all-pass, knee for
    /// shelves.
    pub q: f32,
    /// Order of high-/low-pass (1–16 = 6–96 dB/oct; clamped).
    pub order: u8,
    /// Which part of the stereo signal the band processes.
    pub placement: Placement,
}

impl Default for BandParams {
    /// An off bell at 1 kHz, 0 dB, Q 0.707, order 2, stereo.
    fn default() -> Self {
        Self {
            enabled: false,
            kind: BandType::Bell,
            freq_hz: 1000.0,
            gain_db: 0.0,
            q: std::f32::consts::FRAC_1_SQRT_2,
            order: 2,
            placement: Placement::Stereo,
        }
    }
}

impl BandParams {
    /// An enabled stereo band of `kind`; the other fields at their defaults.
    pub fn new(kind: BandType, freq_hz: f32, gain_db: f32, q: f32) -> Self {
        Self {
            enabled: true,
            kind,
            freq_hz,
            gain_db,
            q,
            ..Self::default()
        }
    }

    /// An enabled stereo bell.
    pub fn bell(freq_hz: f32, gain_db: f32, q: f32) -> Self {
        Self::new(BandType::Bell, freq_hz, gain_db, q)
    }

    /// An enabled stereo low shelf.
    pub fn low_shelf(freq_hz: f32, gain_db: f32, q: f32) -> Self {
        Self::new(BandType::LowShelf, freq_hz, gain_db, q)
    }

    /// An enabled stereo high shelf.
    pub fn high_shelf(freq_hz: f32, gain_db: f32, q: f32) -> Self {
        Self::new(BandType::HighShelf, freq_hz, gain_db, q)
    }

    /// An enabled stereo Butterworth high-pass of `order` (slope `6·order` dB/oct).
    pub fn high_pass(freq_hz: f32, order: u8) -> Self {
        Self {
            order,
            ..Self::new(
                BandType::HighPass,
                freq_hz,
                0.0,
                std::f32::consts::FRAC_1_SQRT_2,
            )
        }
    }

    /// An enabled stereo Butterworth low-pass of `order` (slope `6·order` dB/oct).
    pub fn low_pass(freq_hz: f32, order: u8) -> Self {
        Self {
            order,
            ..Self::new(
                BandType::LowPass,
                freq_hz,
                0.0,
                std::f32::consts::FRAC_1_SQRT_2,
            )
        }
    }

    /// The same band on another placement.
    pub fn with_placement(self, placement: Placement) -> Self {
        Self { placement, ..self }
    }

    /// The same band switched on or off.
    pub fn with_enabled(self, enabled: bool) -> Self {
        Self { enabled, ..self }
    }

    /// Slope of a pass filter in dB/octave (6 per order).
    pub fn slope_db_per_oct(&self) -> f32 {
        6.0 * self.order.clamp(ORDER_RANGE.0, ORDER_RANGE.1) as f32
    }

    /// Order from a slope in dB/octave (6 → 1, 12 → 2, …, 96 → 16), rounded and clamped.
    pub fn order_from_slope(slope_db_per_oct: f32) -> u8 {
        ((slope_db_per_oct / 6.0).round() as i32).clamp(1, 16) as u8
    }

    /// The values the designer actually uses: every field clamped to its range, NaN replaced
    /// by the default.
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        let fix = |v: f32, dv: f32, lo: f32, hi: f32| {
            if v.is_finite() { v.clamp(lo, hi) } else { dv }
        };
        Self {
            enabled: self.enabled,
            kind: self.kind,
            freq_hz: fix(self.freq_hz, d.freq_hz, FREQ_RANGE_HZ.0, FREQ_RANGE_HZ.1),
            gain_db: fix(self.gain_db, 0.0, GAIN_RANGE_DB.0, GAIN_RANGE_DB.1),
            q: match self.kind {
                BandType::LowShelf | BandType::HighShelf => {
                    fix(self.q, d.q, Q_RANGE.0, SHELF_Q_MAX)
                }
                _ => fix(self.q, d.q, Q_RANGE.0, Q_RANGE.1),
            },
            order: self.order.clamp(ORDER_RANGE.0, ORDER_RANGE.1),
            placement: self.placement,
        }
    }
}
