//! Plots: a log-frequency response plot (grid, analytic curves, a spectrum trace, draggable band
//! handles) and a scrolling history graph.

pub mod freq_plot;
pub mod history;

pub use freq_plot::{BandHandle, FreqPlot, HandleEvent};
pub use history::HistoryGraph;
