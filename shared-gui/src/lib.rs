//! Lathe's look and the editor plumbing all four plugins share.
//!
//! - [`theme`]: the palette, one accent per plugin, text sizes;
//! - [`binding`]: every edit as a host gesture (begin/set/end), whatever the input;
//! - [`widgets`]: knob, slider, toggle, selector, section header with bypass;
//! - [`meters`]: level (peak hold, clip), gain reduction, loudness bar, correlation;
//! - [`plots`]: log-frequency response plot with handles and spectrum, history graph;
//! - [`editor`]: the shell (title bar, scale control, resize, size kept in the plugin state);
//! - [`generic`]: a body that lays out every parameter, for editors not hand-laid-out yet;
//! - [`mapping`]: the pure value ↔ position maths, unit-tested.
//!
//! `LATHE_GUI_SCALE=2` opens every editor at 200 % (the screenshot tests use it).

pub mod binding;
pub mod editor;
pub mod generic;
pub mod mapping;
pub mod meters;
pub mod plots;
pub mod screen;
pub mod theme;
pub mod widgets;

pub use editor::{Editor, EditorBody, EditorSpec, LatheApp, create_editor};
pub use egui;
pub use generic::GenericBody;
pub use lathe_plugin::memory::{EditorMemory, editor_state};
pub use nice_plug_egui;
pub use theme::Accent;

use nice_plug::prelude::Params;
use std::sync::Arc;

/// Builds an editor that lays out every parameter with the kit's widgets.
pub fn generic_editor<P: Params + 'static>(
    spec: EditorSpec,
    params: Arc<P>,
    memory: Arc<EditorMemory>,
) -> Option<Editor<GenericBody<P>>> {
    let accent = spec.accent;
    create_editor(spec, memory, GenericBody { params, accent })
}
