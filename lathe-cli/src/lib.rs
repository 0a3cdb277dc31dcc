//! The `lathe` command line's library half: loudness analysis and audio file I/O, shared by the
//! binary, its tests and its benchmark.

pub mod analyze;
pub mod audio;
