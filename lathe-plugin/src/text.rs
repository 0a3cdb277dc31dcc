//! Text entry shared by every Lathe parameter: what people type, parsed the same everywhere.

use nice_plug::prelude::{FloatParam, FloatRange, formatters};
use std::sync::Arc;

/// Parses a number followed by an optional unit from `units` (case-insensitive, with or
/// without a space): `"-3"`, `"-3 dB"`, `"-3dBTP"`, `"−3,5 db"`.
pub fn parse_with_units(text: &str, units: &[&str]) -> Option<f32> {
    let t = text.trim().replace('\u{2212}', "-").replace(',', ".");
    let lower = t.to_ascii_lowercase();
    let mut number = lower.as_str();
    // Longest unit first, so "dbtp" is not read as "db" + "tp".
    let mut sorted: Vec<&str> = units.to_vec();
    sorted.sort_by_key(|u| std::cmp::Reverse(u.len()));
    for unit in sorted {
        if let Some(stripped) = number.strip_suffix(&unit.to_ascii_lowercase()) {
            number = stripped;
            break;
        }
    }
    number.trim().parse::<f32>().ok().filter(|v| v.is_finite())
}

/// A parameter's text-to-value function, as the framework takes it.
pub type StringToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

/// String-to-value for any level in decibels: accepts dB, dBFS, dBTP or no unit.
pub fn s2v_db() -> StringToValue {
    Arc::new(|s| parse_with_units(s, &["dB", "dBFS", "dBTP"]))
}

/// A gain parameter in dB (default 0 dB) with the suite's formatting ("-3.00 dB") and
/// parsing ("-3", "-3 dB", "-3dBFS").
pub fn gain_db_param(name: impl Into<String>, min_db: f32, max_db: f32) -> FloatParam {
    FloatParam::new(
        name,
        0.0,
        FloatRange::Linear {
            min: min_db,
            max: max_db,
        },
    )
    .with_step_size(0.01)
    .with_unit(" dB")
    .with_value_to_string(formatters::v2s_f32_rounded(2))
    .with_string_to_value(s2v_db())
}

/// Parses a frequency as people type it: "1000", "1000 Hz", "1k", "1.2 kHz", "1,2k".
/// A host that appends the unit label to the displayed value ("1.20 kHz" + " Hz", seen with
/// pedalboard's VST3 text entry) is understood too.
pub fn parse_hz(text: &str) -> Option<f32> {
    let mut t: String = text
        .to_ascii_lowercase()
        .replace(',', ".")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.ends_with("hzhz") {
        t.truncate(t.len() - 2);
    }
    for (suffix, scale) in [("khz", 1000.0), ("k", 1000.0), ("hz", 1.0)] {
        if let Some(n) = t.strip_suffix(suffix) {
            return n
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| v * scale);
        }
    }
    t.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// String-to-value for frequencies in Hz (see [`parse_hz`]).
pub fn s2v_hz() -> StringToValue {
    Arc::new(parse_hz)
}

/// Value-to-string for frequencies: "85.0 Hz", "1.20 kHz", "12.5 kHz".
pub fn v2s_hz() -> Arc<dyn Fn(f32) -> String + Send + Sync> {
    // The unit and precision follow the value as the lower range would round it, so a
    // value just under a boundary (9999.996 Hz) is written as its text reads back
    // ("10.0 kHz", not "10.00 kHz"): value → text → value → text is stable.
    Arc::new(|hz| {
        if (hz / 10.0).round() / 100.0 >= 10.0 {
            format!("{:.1} kHz", hz / 1000.0)
        } else if (hz * 10.0).round() / 10.0 >= 1000.0 {
            format!("{:.2} kHz", hz / 1000.0)
        } else {
            format!("{hz:.1} Hz")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hertz_text_round_trips_across_the_unit_boundaries() {
        let (v2s, s2v) = (v2s_hz(), s2v_hz());
        let mut hz = 20.0f32;
        while hz < 24_000.0 {
            let text = v2s(hz);
            let back = s2v(&text).expect("parses");
            assert_eq!(v2s(back), text, "{hz}");
            hz *= 1.000_37;
        }
        for hz in [999.96f32, 999.94, 9_999.96, 9_999.4] {
            let text = v2s(hz);
            assert_eq!(v2s(s2v(&text).unwrap()), text, "{hz}");
        }
    }

    #[test]
    fn decibels_parse_with_and_without_units() {
        let p = s2v_db();
        for (text, want) in [
            ("-3", -3.0),
            ("-3 dB", -3.0),
            ("-3dB", -3.0),
            ("-1.5 dBTP", -1.5),
            (" -6 DBFS ", -6.0),
            ("\u{2212}2,5 db", -2.5),
            ("+4", 4.0),
        ] {
            assert_eq!(p(text), Some(want), "{text}");
        }
        for bad in ["", "dB", "loud", "nan", "inf dB", "-3 LUFS"] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn frequencies_parse_as_people_type_them() {
        for (text, want) in [
            ("1000", 1000.0),
            ("1000 Hz", 1000.0),
            ("1k", 1000.0),
            ("1.2 kHz", 1200.0),
            ("1,5K", 1500.0),
            (" 85hz ", 85.0),
            ("1.20 kHz Hz", 1200.0),
            ("21.8 Hz Hz", 21.8),
        ] {
            assert_eq!(parse_hz(text), Some(want), "{text}");
        }
        for bad in ["", "k", "hz", "loud", "1 dB"] {
            assert_eq!(parse_hz(bad), None, "{bad}");
        }
        let f = v2s_hz();
        assert_eq!(f(85.0), "85.0 Hz");
        assert_eq!(f(1200.0), "1.20 kHz");
        assert_eq!(f(12_500.0), "12.5 kHz");
    }
}
