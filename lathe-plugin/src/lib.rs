//! Lathe's one plugin shell: everything between the framework (nice-plug) and a plugin's
//! host-free engine, written once for every plugin of the suite. It depends on no GUI crate, so
//! the `lathe` command line links the plugins' engines and parameters without egui or X11.
//!
//! - [`info`]: [`PluginInfo`], a plugin's identity (ids, names, features, layouts) in one constant;
//! - [`engine`]: the [`Engine`] trait every plugin's processing implements (also what the command
//!   line and the tests drive) and [`LatencySettings`], the part of a settings snapshot that
//!   decides latency;
//! - [`latency`]: the latency handshake (CLAP asks for a restart, VST3 switches at once);
//! - [`shell`]: [`Shell`], the one generic type that implements the framework's plugin traits
//!   for a [`LathePlugin`];
//! - [`offline`]: a type-erased entry per plugin for the command line ([`Entry`]);
//! - [`state`], [`text`], [`memory`]: state filtering, parameter text, editor geometry.
//!
//! The architecture as a whole is written down in `docs/ARCHITECTURE.md`.

pub mod engine;
pub mod info;
pub mod latency;
pub mod memory;
pub mod offline;
pub mod shell;
pub mod state;
pub mod text;

pub use engine::{Engine, EngineConfig, LatencySettings};
pub use info::PluginInfo;
pub use memory::{EditorGeometry, EditorMemory, editor_state};
pub use offline::{Entry, EntryFor, OfflineEngine};
pub use shell::{Block, LathePlugin, PluginParams, Shell};
