//! How a widget edits a parameter: every change is one host gesture (begin, set…, end) so DAW
//! touch/latch automation records it, whatever the input — drag, fine drag, double-click to
//! default, mouse wheel, typed text. The logic is a small state machine over a [`ParamSink`]
//! so it is tested without a window or a host.

use crate::mapping;
use nice_plug::prelude::{Param, ParamSetter};

/// What a widget needs of a parameter. [`Bound`] implements it for any nice-plug parameter; tests
/// implement it with a recorder.
pub trait ParamSink {
    fn name(&self) -> String;
    fn normalized(&self) -> f32;
    fn default_normalized(&self) -> f32;
    fn step_count(&self) -> Option<usize>;
    /// The value as the parameter formats it, with its unit.
    fn display(&self, normalized: f32) -> String;
    /// The parameter's own text-to-value.
    fn parse(&self, text: &str) -> Option<f32>;
    fn begin(&self);
    fn set(&self, normalized: f32);
    fn end(&self);
}

/// A nice-plug parameter and the editor's setter.
pub struct Bound<'a, P: Param> {
    pub param: &'a P,
    pub setter: &'a ParamSetter<'a>,
}

impl<'a, P: Param> Bound<'a, P> {
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>) -> Self {
        Self { param, setter }
    }
}

impl<P: Param> ParamSink for Bound<'_, P> {
    fn name(&self) -> String {
        self.param.name().to_string()
    }
    fn normalized(&self) -> f32 {
        self.param.unmodulated_normalized_value()
    }
    fn default_normalized(&self) -> f32 {
        self.param.default_normalized_value()
    }
    fn step_count(&self) -> Option<usize> {
        self.param.step_count()
    }
    fn display(&self, normalized: f32) -> String {
        self.param.normalized_value_to_string(normalized, true)
    }
    fn parse(&self, text: &str) -> Option<f32> {
        self.param.string_to_normalized_value(text)
    }
    fn begin(&self) {
        self.setter.begin_set_parameter(self.param);
    }
    fn set(&self, normalized: f32) {
        self.setter.set_parameter_normalized(self.param, normalized);
    }
    fn end(&self) {
        self.setter.end_set_parameter(self.param);
    }
}

/// One user action on a widget.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Mouse pressed on the widget (a drag may follow).
    Press,
    /// Mouse moved while pressed: pixels along the widget's axis (up/right positive) over a
    /// full-range travel of `range_px`; `fine` with the fine modifier (Shift) held.
    Drag { px: f32, range_px: f32, fine: bool },
    /// Mouse released.
    Release,
    /// Double-click (or Ctrl/Cmd-click): back to the default.
    Reset,
    /// Wheel notches (positive up).
    Wheel { notches: f32, fine: bool },
    /// Typed text, committed with Enter.
    Text(String),
    /// Toggle a two-state parameter / pick a value directly (normalized).
    Pick(f32),
}

/// The per-widget drag state (kept in egui's memory between frames).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gesture {
    active: bool,
    start_normalized: f32,
    coarse_px: f32,
    fine_px: f32,
}

impl Gesture {
    /// Whether a drag gesture is open (begin sent, end not yet).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Applies one action to `sink`, sending exactly one begin before and one end after any
    /// set. Returns whether the value was changed.
    pub fn apply(&mut self, sink: &dyn ParamSink, action: Action) -> bool {
        match action {
            Action::Press => {
                if !self.active {
                    self.active = true;
                    self.start_normalized = sink.normalized();
                    self.coarse_px = 0.0;
                    self.fine_px = 0.0;
                    sink.begin();
                }
                false
            }
            Action::Drag { px, range_px, fine } => {
                if !self.active {
                    self.apply(sink, Action::Press);
                }
                if fine {
                    self.fine_px += px;
                } else {
                    self.coarse_px += px;
                }
                let v = mapping::drag_to_normalized(
                    self.start_normalized,
                    self.coarse_px,
                    self.fine_px,
                    range_px,
                );
                let v = mapping::snap(v, sink.step_count());
                if v != sink.normalized() {
                    sink.set(v);
                    return true;
                }
                false
            }
            Action::Release => {
                if self.active {
                    self.active = false;
                    sink.end();
                }
                false
            }
            Action::Reset => self.single(sink, sink.default_normalized()),
            Action::Wheel { notches, fine } => {
                let step = mapping::wheel_step(sink.step_count(), fine);
                let v = mapping::snap(
                    (sink.normalized() + notches * step).clamp(0.0, 1.0),
                    sink.step_count(),
                );
                self.single(sink, v)
            }
            Action::Text(text) => match sink.parse(&text) {
                Some(v) => self.single(sink, v.clamp(0.0, 1.0)),
                None => false,
            },
            Action::Pick(v) => self.single(sink, mapping::snap(v, sink.step_count())),
        }
    }

    /// A one-shot change as its own gesture (or inside an open drag gesture).
    fn single(&mut self, sink: &dyn ParamSink, normalized: f32) -> bool {
        if self.active {
            sink.set(normalized);
            return true;
        }
        sink.begin();
        sink.set(normalized);
        sink.end();
        true
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::RefCell;

    /// A parameter that records what a host would receive.
    pub struct Recorder {
        pub value: RefCell<f32>,
        pub default: f32,
        pub steps: Option<usize>,
        pub log: RefCell<Vec<String>>,
    }

    impl Recorder {
        pub fn new(value: f32, steps: Option<usize>) -> Self {
            Self {
                value: RefCell::new(value),
                default: 0.5,
                steps,
                log: RefCell::new(Vec::new()),
            }
        }
        fn take(&self) -> Vec<String> {
            std::mem::take(&mut *self.log.borrow_mut())
        }
    }

    impl ParamSink for Recorder {
        fn name(&self) -> String {
            "Gain".into()
        }
        fn normalized(&self) -> f32 {
            *self.value.borrow()
        }
        fn default_normalized(&self) -> f32 {
            self.default
        }
        fn step_count(&self) -> Option<usize> {
            self.steps
        }
        fn display(&self, normalized: f32) -> String {
            format!("{:.1} dB", normalized * 20.0 - 10.0)
        }
        fn parse(&self, text: &str) -> Option<f32> {
            lathe_plugin::text::parse_with_units(text, &["dB"]).map(|db| (db + 10.0) / 20.0)
        }
        fn begin(&self) {
            self.log.borrow_mut().push("begin".into());
        }
        fn set(&self, normalized: f32) {
            *self.value.borrow_mut() = normalized;
            self.log.borrow_mut().push(format!("set {normalized:.3}"));
        }
        fn end(&self) {
            self.log.borrow_mut().push("end".into());
        }
    }

    #[test]
    fn a_drag_is_one_gesture() {
        let p = Recorder::new(0.25, None);
        let mut g = Gesture::default();
        g.apply(&p, Action::Press);
        for _ in 0..3 {
            g.apply(
                &p,
                Action::Drag {
                    px: 10.0,
                    range_px: 100.0,
                    fine: false,
                },
            );
        }
        g.apply(&p, Action::Release);
        g.apply(&p, Action::Release);
        assert_eq!(
            p.take(),
            ["begin", "set 0.350", "set 0.450", "set 0.550", "end"]
        );
        assert!(!g.is_active());
    }

    #[test]
    fn fine_drag_moves_ten_times_less() {
        let p = Recorder::new(0.5, None);
        let mut g = Gesture::default();
        g.apply(
            &p,
            Action::Drag {
                px: 50.0,
                range_px: 100.0,
                fine: true,
            },
        );
        g.apply(&p, Action::Release);
        assert!((p.normalized() - 0.55).abs() < 1e-6);
        assert_eq!(p.take(), ["begin", "set 0.550", "end"]);
    }

    #[test]
    fn reset_wheel_and_text_are_single_gestures() {
        let p = Recorder::new(0.9, Some(10));
        let mut g = Gesture::default();
        g.apply(&p, Action::Reset);
        assert_eq!(p.take(), ["begin", "set 0.500", "end"]);
        g.apply(
            &p,
            Action::Wheel {
                notches: 2.0,
                fine: false,
            },
        );
        assert_eq!(p.take(), ["begin", "set 0.700", "end"]);
        let q = Recorder::new(0.5, None);
        g.apply(&q, Action::Text("-4 dB".into()));
        assert_eq!(q.take(), ["begin", "set 0.300", "end"]);
        // Text the parameter cannot parse changes nothing and sends nothing.
        assert!(!g.apply(&q, Action::Text("loud".into())));
        assert!(q.take().is_empty());
        assert!((q.normalized() - 0.3).abs() < 1e-6);
    }

    #[test]
    fn stepped_drags_snap_and_send_only_changes() {
        let p = Recorder::new(0.0, Some(4));
        let mut g = Gesture::default();
        g.apply(&p, Action::Press);
        g.apply(
            &p,
            Action::Drag {
                px: 5.0,
                range_px: 100.0,
                fine: false,
            },
        );
        g.apply(
            &p,
            Action::Drag {
                px: 10.0,
                range_px: 100.0,
                fine: false,
            },
        );
        g.apply(&p, Action::Release);
        assert_eq!(p.take(), ["begin", "set 0.250", "end"]);
    }

    #[test]
    fn a_reset_during_a_drag_stays_in_that_gesture() {
        let p = Recorder::new(0.1, None);
        let mut g = Gesture::default();
        g.apply(&p, Action::Press);
        g.apply(&p, Action::Reset);
        g.apply(&p, Action::Release);
        assert_eq!(p.take(), ["begin", "set 0.500", "end"]);
    }
}
