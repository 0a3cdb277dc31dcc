//! How a widget edits a parameter: every change is one host gesture (begin, set…, end) so DAW
//! touch/latch automation records it, whatever the input — drag, fine drag, double-click to
//! default, mouse wheel, typed text. The logic is a small state machine over a [`ParamSink`]
//! so it is tested without a window or a host.

use crate::mapping;
use nice_plug::prelude::{FloatParam, Param, ParamSetter};

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
    /// The plain value at `normalized`, for continuous parameters (`None`: the widget moves the
    /// parameter in fractions of its range).
    fn plain(&self, _normalized: f32) -> Option<f32> {
        None
    }
    /// The normalized value of a plain value (clamped to the range); only called when
    /// [`plain`](Self::plain) gives `Some`.
    fn normalize(&self, _plain: f32) -> f32 {
        0.0
    }
}

/// A borrowed sink is a sink (widgets take theirs by value).
impl<T: ParamSink + ?Sized> ParamSink for &T {
    fn name(&self) -> String {
        (**self).name()
    }
    fn normalized(&self) -> f32 {
        (**self).normalized()
    }
    fn default_normalized(&self) -> f32 {
        (**self).default_normalized()
    }
    fn step_count(&self) -> Option<usize> {
        (**self).step_count()
    }
    fn display(&self, normalized: f32) -> String {
        (**self).display(normalized)
    }
    fn parse(&self, text: &str) -> Option<f32> {
        (**self).parse(text)
    }
    fn begin(&self) {
        (**self).begin()
    }
    fn set(&self, normalized: f32) {
        (**self).set(normalized)
    }
    fn end(&self) {
        (**self).end()
    }
    fn plain(&self, normalized: f32) -> Option<f32> {
        (**self).plain(normalized)
    }
    fn normalize(&self, plain: f32) -> f32 {
        (**self).normalize(plain)
    }
}

/// How a continuous parameter moves under the mouse, by what it measures: the same steps for
/// every parameter of a kind in every Lathe editor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StepKind {
    /// Levels and gains (dB, dBTP, LUFS): 0.1 dB per pixel of drag (0.01 dB fine), on a 0.1 dB
    /// grid (0.01 fine); a wheel notch 0.5 dB (0.1 dB fine).
    Decibels,
    /// Frequencies: a quarter semitone per pixel of drag (a fortieth fine); a wheel notch one
    /// semitone (a tenth fine).
    Frequency,
    /// Everything else: a full-range drag over the widget's travel, a wheel notch 1 % (0.1 %).
    Range,
}

/// dB per pixel of coarse drag (fine: a tenth of it).
pub const DB_PER_PX: f32 = 0.1;
/// dB per wheel notch, coarse and fine.
pub const DB_PER_NOTCH: [f32; 2] = [0.5, 0.1];
/// Semitones per pixel of coarse drag (fine: a tenth of it).
pub const SEMITONES_PER_PX: f32 = 0.25;
/// Semitones per wheel notch, coarse and fine.
pub const SEMITONES_PER_NOTCH: [f32; 2] = [1.0, 0.1];

impl StepKind {
    /// The kind of `sink`, from its unit as it displays its value ("-3.0 dB", "1.20 kHz").
    pub fn of(sink: &dyn ParamSink) -> Self {
        if sink.step_count().is_some() || sink.plain(sink.normalized()).is_none() {
            return Self::Range;
        }
        let text = sink.display(sink.normalized());
        let unit = text.trim_end().to_ascii_lowercase();
        if unit.ends_with("hz") {
            Self::Frequency
        } else if unit.ends_with("db") || unit.ends_with("dbtp") || unit.ends_with("lufs") {
            Self::Decibels
        } else {
            Self::Range
        }
    }
}

/// `x` rounded to a multiple of `step`.
fn round_to(x: f32, step: f32) -> f32 {
    (x / step).round() * step
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

impl<P: Param + 'static> ParamSink for Bound<'_, P> {
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
    fn plain(&self, normalized: f32) -> Option<f32> {
        self.float().map(|p| p.preview_plain(normalized))
    }
    fn normalize(&self, plain: f32) -> f32 {
        self.float().map_or(0.0, |p| p.preview_normalized(plain))
    }
}

impl<P: Param + 'static> Bound<'_, P> {
    /// The parameter as a [`FloatParam`] (the only continuous kind), if it is one.
    fn float(&self) -> Option<&FloatParam> {
        (self.param as &dyn std::any::Any).downcast_ref::<FloatParam>()
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
                let v = match (StepKind::of(sink), sink.plain(self.start_normalized)) {
                    (StepKind::Decibels, Some(start)) => {
                        let db = start
                            + DB_PER_PX * (self.coarse_px + self.fine_px * mapping::FINE_FACTOR);
                        let grid = if self.fine_px != 0.0 { 0.01 } else { 0.1 };
                        sink.normalize(round_to(db, grid))
                    }
                    (StepKind::Frequency, Some(start)) => {
                        let semitones = SEMITONES_PER_PX
                            * (self.coarse_px + self.fine_px * mapping::FINE_FACTOR);
                        sink.normalize(start * (semitones / 12.0).exp2())
                    }
                    _ => mapping::snap(
                        mapping::drag_to_normalized(
                            self.start_normalized,
                            self.coarse_px,
                            self.fine_px,
                            range_px,
                        ),
                        sink.step_count(),
                    ),
                };
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
                let now = sink.normalized();
                let v = match (StepKind::of(sink), sink.plain(now)) {
                    (StepKind::Decibels, Some(db)) => {
                        // To the next point of the notch grid, so -0.37 dB goes to 0.0, not 0.13.
                        let step = DB_PER_NOTCH[usize::from(fine)];
                        let from = if notches > 0.0 {
                            (db / step + 1e-3).floor()
                        } else {
                            (db / step - 1e-3).ceil()
                        };
                        sink.normalize((from + notches) * step)
                    }
                    (StepKind::Frequency, Some(hz)) => {
                        let semitones = notches * SEMITONES_PER_NOTCH[usize::from(fine)];
                        sink.normalize(hz * (semitones / 12.0).exp2())
                    }
                    _ => mapping::snap(
                        (now + notches * mapping::wheel_step(sink.step_count(), fine))
                            .clamp(0.0, 1.0),
                        sink.step_count(),
                    ),
                };
                if v == now {
                    return false;
                }
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
        /// Unit the value displays with and its plain range: `None` for a normalized-only
        /// parameter.
        pub plain: Option<(&'static str, f32, f32)>,
    }

    impl Recorder {
        pub fn new(value: f32, steps: Option<usize>) -> Self {
            Self {
                value: RefCell::new(value),
                default: 0.5,
                steps,
                log: RefCell::new(Vec::new()),
                plain: None,
            }
        }

        /// A continuous parameter over `min..max` (linear for dB, logarithmic for Hz).
        pub fn plain(value: f32, unit: &'static str, min: f32, max: f32) -> Self {
            let mut r = Self::new(0.0, None);
            r.plain = Some((unit, min, max));
            *r.value.borrow_mut() = r.normalize(value);
            r
        }
        pub fn take(&self) -> Vec<String> {
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
            match self.plain {
                Some((unit, ..)) => {
                    format!("{:.2} {unit}", ParamSink::plain(self, normalized).unwrap())
                }
                None => format!("{:.1} dB", normalized * 20.0 - 10.0),
            }
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
        fn plain(&self, normalized: f32) -> Option<f32> {
            let (unit, min, max) = self.plain?;
            Some(if unit == "Hz" {
                min * (max / min).powf(normalized)
            } else {
                min + normalized * (max - min)
            })
        }
        fn normalize(&self, plain: f32) -> f32 {
            let Some((unit, min, max)) = self.plain else {
                return 0.0;
            };
            let plain = plain.clamp(min, max);
            if unit == "Hz" {
                (plain / min).ln() / (max / min).ln()
            } else {
                (plain - min) / (max - min)
            }
        }
    }

    /// Drags `px` (fine or not) as one gesture and returns the plain value after it.
    fn drag(p: &Recorder, px: f32, fine: bool) -> f32 {
        let mut g = Gesture::default();
        g.apply(p, Action::Press);
        g.apply(
            p,
            Action::Drag {
                px,
                range_px: 150.0,
                fine,
            },
        );
        g.apply(p, Action::Release);
        ParamSink::plain(p, p.normalized()).unwrap()
    }

    fn wheel(p: &Recorder, notches: f32, fine: bool) -> f32 {
        Gesture::default().apply(p, Action::Wheel { notches, fine });
        ParamSink::plain(p, p.normalized()).unwrap()
    }

    /// The steps of the issue that found 9.72 dB per 60 px of drag on the limiter's input gain
    /// (0..+24 dB over a 150 px travel), 0.12 dB per wheel notch on its ceiling and 10.5 dB per 30
    /// px on the EQ's output: decibels move 0.1 dB per pixel on a 0.1 dB grid (fine: 0.01),
    /// 0.5 dB per notch (fine 0.1) to the next grid point, whatever the range.
    #[test]
    fn decibels_move_in_steps_a_person_can_hit() {
        assert_eq!(
            StepKind::of(&Recorder::plain(0.0, "dB", 0.0, 24.0)),
            StepKind::Decibels
        );
        let gain = Recorder::plain(0.0, "dB", 0.0, 24.0);
        assert!((drag(&gain, 60.0, false) - 6.0).abs() < 1e-4);
        let wide = Recorder::plain(0.0, "dB", -60.0, 24.0);
        assert!(
            (drag(&wide, 60.0, false) - 6.0).abs() < 1e-4,
            "the range does not matter"
        );
        let fine = Recorder::plain(-1.0, "dB", -12.0, 0.0);
        assert!((drag(&fine, 37.0, true) - -0.63).abs() < 1e-4);
        let ceiling = Recorder::plain(-1.0, "dBTP", -12.0, 0.0);
        assert!((wheel(&ceiling, 1.0, false) - -0.5).abs() < 1e-5);
        assert!((wheel(&ceiling, -2.0, true) - -0.7).abs() < 1e-5);
        let odd = Recorder::plain(-0.37, "dB", -12.0, 12.0);
        assert!(
            (wheel(&odd, 1.0, false) - 0.0).abs() < 1e-5,
            "to the grid, not 0.13"
        );
        // At the end of the range a notch changes nothing and sends nothing.
        let top = Recorder::plain(0.0, "dB", -12.0, 0.0);
        top.take();
        assert!(!Gesture::default().apply(
            &top,
            Action::Wheel {
                notches: 1.0,
                fine: false
            }
        ));
        assert!(top.take().is_empty());
    }

    #[test]
    fn frequencies_move_in_semitones() {
        let f = Recorder::plain(1000.0, "Hz", 20.0, 20_000.0);
        assert_eq!(StepKind::of(&f), StepKind::Frequency);
        // 48 px = 12 semitones = one octave.
        assert!((drag(&f, 48.0, false) - 2000.0).abs() < 0.5);
        assert!((wheel(&f, -12.0, false) - 1000.0).abs() < 0.5);
        let semitone = 2f32.powf(1.0 / 12.0);
        assert!((wheel(&f, 1.0, false) / 1000.0 - semitone).abs() < 1e-4);
        let tenth = 2f32.powf(0.1 / 12.0);
        assert!((wheel(&f, 1.0, true) / (1000.0 * semitone) - tenth).abs() < 1e-4);
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
