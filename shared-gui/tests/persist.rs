//! The editor's size and scale survive a save/load of the plugin state through the framework's
//! own path: a `Params` struct declaring `#[persist = "editor"]`, `serialize_fields` on save and
//! `deserialize_fields` into a fresh instance on load (what a DAW project reopen does).

use nice_plug::prelude::*;
use shared_gui::size::EditorGeometry;
use std::sync::Arc;

#[derive(Params)]
struct TestParams {
    #[persist = "editor"]
    editor_state: Arc<shared_gui::EditorMemory>,
    #[id = "gain"]
    gain: FloatParam,
}

impl TestParams {
    fn new() -> Self {
        Self {
            editor_state: shared_gui::editor_state(),
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
