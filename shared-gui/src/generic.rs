//! An editor body laying out every parameter of a plugin with the kit's widgets (knobs for
//! continuous values, toggles for switches, selectors for choices), for plugins whose own layout
//! is not written yet.

use crate::editor::EditorBody;
use crate::theme::Accent;
use crate::widgets::{Knob, Selector, Toggle};
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::{Param, ParamFlags, ParamSetter, Params};
use std::sync::Arc;

pub struct GenericBody<P: Params + 'static> {
    pub params: Arc<P>,
    pub accent: Accent,
}

fn widget<Q: Param + 'static>(
    ui: &mut egui::Ui,
    param: &Q,
    setter: &ParamSetter,
    accent: Accent,
    kind: Kind,
) {
    match kind {
        Kind::Knob => {
            Knob::new(param, setter, accent).show(ui);
        }
        Kind::Toggle => {
            Toggle::new(param, setter, accent).show(ui);
        }
        Kind::Selector => {
            ui.vertical(|ui| {
                ui.label(
                    egui::RichText::new(param.name())
                        .font(crate::theme::font(crate::theme::SIZE_SMALL))
                        .color(crate::theme::TEXT_DIM),
                );
                Selector::new(param, setter).width(120.0).show(ui);
            });
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Knob,
    Toggle,
    Selector,
}

impl<P: Params + 'static> EditorBody for GenericBody<P> {
    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        ui.horizontal_wrapped(|ui| {
            for (_, ptr, _) in self.params.param_map() {
                // SAFETY: the pointers come from the plugin's own params object, which `self`
                // keeps alive for as long as this editor exists.
                unsafe {
                    if ptr.flags().contains(ParamFlags::HIDE_IN_GENERIC_UI) {
                        continue;
                    }
                    match ptr {
                        ParamPtr::FloatParam(p) => widget(ui, &*p, setter, self.accent, Kind::Knob),
                        ParamPtr::IntParam(p) => widget(ui, &*p, setter, self.accent, Kind::Knob),
                        ParamPtr::BoolParam(p) => {
                            widget(ui, &*p, setter, self.accent, Kind::Toggle)
                        }
                        ParamPtr::EnumParam(p) => {
                            widget(ui, &*p, setter, self.accent, Kind::Selector)
                        }
                    }
                }
            }
        });
    }
}
