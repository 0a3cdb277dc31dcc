//! Plots: a log-frequency response plot (grid, analytic curves, a spectrum trace, draggable band
//! handles), a scrolling history graph and a dynamics transfer-curve plot.

pub mod freq_plot;
pub mod headless;
pub mod history;
pub mod transfer;

pub use freq_plot::{BandHandle, FreqPlot, HandleEvent};
pub use history::HistoryGraph;
pub use transfer::TransferPlot;
