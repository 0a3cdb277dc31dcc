//! Peak hold and clip latch for a level meter, driven by an explicit clock (seconds).

/// How long a peak is held before it falls, seconds.
pub const HOLD_S: f64 = 1.5;
/// How fast a released hold falls, dB per second.
pub const FALL_DB_PER_S: f32 = 20.0;

/// The held peak and the clip latch of one meter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeakHold {
    held_db: f32,
    held_at_s: f64,
    last_s: f64,
    clipped: bool,
}

impl Default for PeakHold {
    fn default() -> Self {
        Self {
            held_db: f32::NEG_INFINITY,
            held_at_s: 0.0,
            last_s: 0.0,
            clipped: false,
        }
    }
}

impl PeakHold {
    /// Feeds the level (dB) seen at time `now_s` and the clip threshold (dB); returns the held
    /// peak to draw. A new peak above the held one takes its place and is held [`HOLD_S`], then
    /// falls at [`FALL_DB_PER_S`]. Any level above `clip_db` latches the clip flag until
    /// [`PeakHold::clear_clip`].
    pub fn update(&mut self, level_db: f32, clip_db: f32, now_s: f64) -> f32 {
        // Fall only for the time past the hold's expiry.
        let fall_from = (self.held_at_s + HOLD_S).max(self.last_s);
        if now_s > fall_from {
            self.held_db -= FALL_DB_PER_S * (now_s - fall_from) as f32;
        }
        self.last_s = now_s;
        if level_db >= self.held_db {
            self.held_db = level_db;
            self.held_at_s = now_s;
        }
        if level_db > clip_db {
            self.clipped = true;
        }
        self.held_db
    }

    pub fn held_db(&self) -> f32 {
        self.held_db
    }

    pub fn clipped(&self) -> bool {
        self.clipped
    }

    /// Clears the clip latch (a click on the indicator).
    pub fn clear_clip(&mut self) {
        self.clipped = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_hold_then_fall() {
        let mut h = PeakHold::default();
        assert_eq!(h.update(-6.0, 0.0, 0.0), -6.0);
        assert_eq!(h.update(-20.0, 0.0, 1.0), -6.0);
        // Held 1.5 s, then falling: at 2.0 s it has fallen for 0.5 s.
        let v = h.update(-40.0, 0.0, 2.0);
        assert!((v - (-6.0 - FALL_DB_PER_S * 0.5)).abs() < 1e-4, "{v}");
        let v = h.update(-40.0, 0.0, 2.05);
        assert!((v - (-6.0 - FALL_DB_PER_S * 0.55)).abs() < 1e-4, "{v}");
        // A new higher peak takes over at once.
        assert_eq!(h.update(-3.0, 0.0, 2.1), -3.0);
        assert_eq!(h.update(-9.0, 0.0, 3.5), -3.0);
        assert!(!h.clipped());
    }

    #[test]
    fn clip_latches_until_cleared() {
        let mut h = PeakHold::default();
        h.update(0.5, 0.0, 0.0);
        h.update(-30.0, 0.0, 10.0);
        assert!(h.clipped());
        h.clear_clip();
        assert!(!h.clipped());
        h.update(-0.1, 0.0, 11.0);
        assert!(!h.clipped());
    }
}
