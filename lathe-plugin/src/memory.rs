//! The editor's size and scale, kept in the plugin's state (`#[persist = "editor"]`), so a
//! project reopens with the editor as the user left it. nice-plug-egui's own editor state is not
//! serialisable, so the size lives here and is applied when the window opens.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};

/// Scales offered by the title bar's scale control.
pub const SCALES: [f32; 6] = [0.75, 1.0, 1.25, 1.5, 1.75, 2.0];

/// The persisted geometry: logical size (points at scale 1) and the user's scale.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorGeometry {
    pub width: f32,
    pub height: f32,
    pub scale: f32,
}

impl EditorGeometry {
    /// Clamps a restored geometry to sane values (a corrupt or hand-edited state must not open
    /// a 0 × 0 or 100 000-point window).
    pub fn sanitized(self, min: (f32, f32)) -> Self {
        let ok = |v: f32, lo: f32, hi: f32, d: f32| if v.is_finite() { v.clamp(lo, hi) } else { d };
        Self {
            width: ok(self.width, min.0, 4000.0, min.0),
            height: ok(self.height, min.1, 3000.0, min.1),
            scale: ok(self.scale, SCALES[0], SCALES[SCALES.len() - 1], 1.0),
        }
    }
}

/// What a plugin's params keep: `#[persist = "editor"] pub editor: Arc<EditorMemory>`.
pub type EditorMemory = RwLock<EditorGeometry>;

/// A new memory: the plugin's default size (stored as 0 × 0 until the user resizes) at scale 1,
/// or at `LATHE_GUI_SCALE` (for the screenshot tests).
pub fn editor_state() -> Arc<EditorMemory> {
    Arc::new(RwLock::new(EditorGeometry {
        width: 0.0,
        height: 0.0,
        scale: env_scale().unwrap_or(1.0),
    }))
}

/// The logical size forced by the environment (`LATHE_GUI_SIZE=1600x900`), used by the
/// screenshot tests to open an editor larger than its default.
pub fn env_size() -> Option<(f32, f32)> {
    let text = std::env::var("LATHE_GUI_SIZE").ok()?;
    let (w, h) = text.split_once('x')?;
    let (w, h) = (w.trim().parse::<f32>().ok()?, h.trim().parse::<f32>().ok()?);
    (w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0).then_some((w, h))
}

/// The scale forced by the environment (`LATHE_GUI_SCALE=2`), used by the screenshot tests.
pub fn env_scale() -> Option<f32> {
    std::env::var("LATHE_GUI_SCALE")
        .ok()
        .and_then(|s| s.parse::<f32>().ok())
        .filter(|z| *z > 0.25 && *z <= 4.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restored_geometry_is_clamped() {
        let g = EditorGeometry {
            width: f32::NAN,
            height: 1e9,
            scale: 9.0,
        }
        .sanitized((400.0, 300.0));
        assert_eq!(
            g,
            EditorGeometry {
                width: 400.0,
                height: 3000.0,
                scale: 2.0
            }
        );
        let fine = EditorGeometry {
            width: 800.0,
            height: 500.0,
            scale: 1.25,
        };
        assert_eq!(fine.sanitized((400.0, 300.0)), fine);
    }

    #[test]
    fn geometry_round_trips_through_json() {
        let g = EditorGeometry {
            width: 812.0,
            height: 540.5,
            scale: 1.5,
        };
        let s = serde_json::to_string(&g).unwrap();
        assert_eq!(serde_json::from_str::<EditorGeometry>(&s).unwrap(), g);
    }
}

/// The editor's size and scale survive a save/load of the plugin state through the framework's
/// own path: a `Params` struct declaring `#[persist = "editor"]`, `serialize_fields` on save and
/// `deserialize_fields` into a fresh instance on load (what a DAW project reopen does).
#[cfg(test)]
mod persisted {
    use super::*;
    use nice_plug::prelude::*;

    #[derive(Params)]
    struct TestParams {
        #[persist = "editor"]
        editor_state: Arc<EditorMemory>,
        #[id = "gain"]
        gain: FloatParam,
    }

    impl TestParams {
        fn new() -> Self {
            Self {
                editor_state: editor_state(),
                gain: FloatParam::new(
                    "Gain",
                    0.0,
                    FloatRange::Linear {
                        min: -1.0,
                        max: 1.0,
                    },
                ),
            }
        }
    }

    fn geometry(p: &TestParams) -> EditorGeometry {
        *p.editor_state.read().unwrap()
    }

    #[test]
    fn resized_editor_geometry_is_saved_and_restored() {
        let saved = TestParams::new();
        *saved.editor_state.write().unwrap() = EditorGeometry {
            width: 912.0,
            height: 587.5,
            scale: 1.5,
        };
        let fields = saved.serialize_fields();
        assert!(
            fields.contains_key("editor"),
            "no 'editor' field in {fields:?}"
        );

        let loaded = TestParams::new();
        assert_ne!(geometry(&loaded), geometry(&saved));
        loaded.deserialize_fields(&fields);
        assert_eq!(geometry(&loaded), geometry(&saved));
    }

    #[test]
    fn a_state_without_the_editor_field_keeps_the_default_size() {
        // States saved before the field existed (release 0.1.0) have no "editor" entry: the fresh
        // default (0 x 0 = "the plugin's default size") must stay.
        let loaded = TestParams::new();
        let before = geometry(&loaded);
        loaded.deserialize_fields(&Default::default());
        assert_eq!(geometry(&loaded), before);
        assert_eq!((before.width, before.height), (0.0, 0.0));
    }

    #[test]
    fn a_corrupt_editor_field_is_sanitized_when_used() {
        let loaded = TestParams::new();
        let mut fields = std::collections::BTreeMap::new();
        fields.insert(
            "editor".to_string(),
            r#"{"width":-5.0,"height":1e30,"scale":40.0}"#.to_string(),
        );
        loaded.deserialize_fields(&fields);
        let g = geometry(&loaded).sanitized((560.0, 360.0));
        assert_eq!(
            g,
            EditorGeometry {
                width: 560.0,
                height: 3000.0,
                scale: 2.0
            }
        );
    }
}
