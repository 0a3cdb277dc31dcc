//! Meters: level (peak hold, clip latch), gain reduction, loudness bar with a target, and
//! correlation. They draw plain numbers the editor reads each frame from `shared-dsp`'s exchange
//! types (`MeterValue::take`, `SharedValue::load`); the timing logic (peak hold, clip latch) is
//! a small pure struct with an explicit clock so it is tested without a window.

pub mod correlation;
pub mod gain_reduction;
pub mod hold;
pub mod level;
pub mod loudness_bar;
pub mod scale;

pub use correlation::correlation_meter;
pub use gain_reduction::gain_reduction_meter;
pub use hold::PeakHold;
pub use level::{LevelMeter, dbfs_scale_marks};
pub use loudness_bar::LoudnessBar;

/// Keeps meters moving: ask egui for another frame at display rate while a meter is shown.
pub fn keep_repainting(ui: &egui::Ui) {
    ui.ctx().request_repaint();
}
