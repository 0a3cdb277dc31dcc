//! `--set id=value` and `lathe params PLUGIN`: the plugins' own parameters, read and set
//! strictly through the framework's type-erased parameter pointers (`Params::param_map`).
//!
//! - Booleans take true/false, on/off, yes/no, 1/0 (any case).
//! - Choices take a variant's stable id or its display name, in any case.
//! - Numbers are parsed by the parameter's own text parser (so "1k", "-3 dB", "4:1" mean what
//!   they mean in the plugin); a value the parser clamps to the range's end is an error, not the
//!   end of the range.
//!
//! Every rejection names the parameter, the value and what is accepted.

use anyhow::Result;
use nice_plug::prelude::{ParamPtr, Params};
use std::fmt;
use std::io::{self, Write};

/// An error in what the user asked for (exit code 2), as opposed to a failure while working.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(msg: String) -> anyhow::Error {
    UsageError(msg).into()
}

/// What a parameter accepts.
#[derive(Clone, Debug, PartialEq)]
pub enum Accepts {
    Bool,
    /// (stable id, display name) of each choice.
    Choices(Vec<(String, String)>),
    /// The range's ends and the default, as the plugin displays them.
    Range {
        min: String,
        max: String,
    },
}

/// One parameter, described for `lathe params`.
#[derive(Clone, Debug)]
pub struct ParamInfo {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub accepts: Accepts,
    pub default: String,
}

const TRUE_WORDS: [&str; 4] = ["true", "on", "yes", "1"];
const FALSE_WORDS: [&str; 4] = ["false", "off", "no", "0"];

/// The choices of an enum parameter: (id, display name) per variant. The ids are read by
/// stepping the parameter through its variants (the framework exposes the current variant's id
/// only), then the parameter is put back.
///
/// # Safety
/// `ptr` must point into a live parameter object that nothing else uses concurrently.
unsafe fn choices(ptr: &ParamPtr) -> Vec<(String, String)> {
    unsafe {
        let ParamPtr::EnumParam(inner) = ptr else {
            return Vec::new();
        };
        let inner = &**inner;
        let n = inner.len();
        let saved = ptr.unmodulated_normalized_value();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let norm = if n > 1 {
                i as f32 / (n - 1) as f32
            } else {
                0.0
            };
            ptr._internal_set_normalized_value(norm);
            let name = ptr.normalized_value_to_string(norm, false);
            let id = inner
                .unmodulated_plain_id()
                .map_or_else(|| name.clone(), str::to_string);
            out.push((id, name));
        }
        ptr._internal_set_normalized_value(saved);
        out
    }
}

/// # Safety
/// As [`choices`].
unsafe fn describe_one(id: &str, ptr: &ParamPtr) -> ParamInfo {
    unsafe {
        let accepts = match ptr {
            ParamPtr::BoolParam(_) => Accepts::Bool,
            ParamPtr::EnumParam(_) => Accepts::Choices(choices(ptr)),
            _ => Accepts::Range {
                min: ptr.normalized_value_to_string(0.0, true),
                max: ptr.normalized_value_to_string(1.0, true),
            },
        };
        ParamInfo {
            id: id.to_string(),
            name: ptr.name().to_string(),
            unit: ptr.unit().trim().to_string(),
            accepts,
            default: ptr.normalized_value_to_string(ptr.default_normalized_value(), true),
        }
    }
}

/// Every parameter of a plugin, in the plugin's order.
pub fn describe(params: &dyn Params) -> Vec<ParamInfo> {
    params
        .param_map()
        .iter()
        // SAFETY: the pointers point into `params`, borrowed for this call; offline, nothing
        // else reads or writes them.
        .map(|(id, ptr, _)| unsafe { describe_one(id, ptr) })
        .collect()
}

impl ParamInfo {
    /// What is accepted, in words.
    pub fn accepted(&self) -> String {
        match &self.accepts {
            Accepts::Bool => "true/false, on/off, yes/no, 1/0".to_string(),
            Accepts::Choices(c) => c
                .iter()
                .map(|(id, name)| {
                    if id.eq_ignore_ascii_case(name) {
                        id.clone()
                    } else {
                        format!("{id} ({name})")
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
            Accepts::Range { min, max } => format!("{min} to {max}"),
        }
    }
}

/// Prints `lathe params PLUGIN`.
pub fn print_params(out: &mut dyn Write, params: &dyn Params) -> io::Result<()> {
    writeln!(
        out,
        "{:<12} {:<28} {:<6} {:<44} default",
        "id", "name", "unit", "accepts"
    )?;
    for p in describe(params) {
        writeln!(
            out,
            "{:<12} {:<28} {:<6} {:<44} {}",
            p.id,
            p.name,
            p.unit,
            p.accepted(),
            p.default
        )?;
    }
    Ok(())
}

/// The first number in a display or typed text, with a "k" right after it (or starting its unit)
/// taken as ×1000: enough to compare a typed value with a range end in the same unit.
fn leading_number(text: &str) -> Option<f64> {
    let t = text.trim().replace('\u{2212}', "-");
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0)))
        .map_or(t.len(), |(i, _)| i);
    let x: f64 = t[..end].parse().ok()?;
    let rest = t[end..].trim_start();
    Some(if rest.starts_with(['k', 'K']) {
        x * 1000.0
    } else {
        x
    })
}

/// The normalized value `text` sets on the parameter, or a [`UsageError`].
///
/// # Safety
/// As [`choices`].
unsafe fn parse_value(id: &str, ptr: &ParamPtr, text: &str) -> Result<f32> {
    unsafe {
        let info = describe_one(id, ptr);
        let reject = |why: &str| {
            usage(format!(
                "--set {id}={text}: {why}; {} ({}) accepts {}",
                id,
                info.name,
                info.accepted()
            ))
        };
        let key = text.trim().to_ascii_lowercase();
        match &info.accepts {
            Accepts::Bool => {
                if TRUE_WORDS.contains(&key.as_str()) {
                    Ok(1.0)
                } else if FALSE_WORDS.contains(&key.as_str()) {
                    Ok(0.0)
                } else {
                    Err(reject("not a boolean"))
                }
            }
            Accepts::Choices(c) => {
                let n = c.len();
                let index = c
                    .iter()
                    .position(|(cid, _)| cid.eq_ignore_ascii_case(text.trim()))
                    .or_else(|| {
                        c.iter()
                            .position(|(_, name)| name.eq_ignore_ascii_case(text.trim()))
                    })
                    .ok_or_else(|| reject("not one of the choices"))?;
                Ok(if n > 1 {
                    index as f32 / (n - 1) as f32
                } else {
                    0.0
                })
            }
            Accepts::Range { min, max } => {
                let norm = ptr
                    .string_to_normalized_value(text)
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| reject("not a value this parameter understands"))?;
                // The parser clamps to the range: at an end, the typed number must be that end.
                for (edge, shown) in [(0.0f32, min), (1.0, max)] {
                    if norm != edge {
                        continue;
                    }
                    if let (Some(typed), Some(end)) = (leading_number(text), leading_number(shown))
                    {
                        let tol = 1e-3 * end.abs().max(1.0);
                        if (typed - end).abs() > tol {
                            return Err(reject("out of range"));
                        }
                    }
                }
                Ok(norm)
            }
        }
    }
}

/// Sets each `id=value` on the plugin's parameters, strictly (see the module comment). Nothing is
/// set unless every assignment is valid.
pub fn apply_sets(params: &dyn Params, sets: &[String]) -> Result<()> {
    let map = params.param_map();
    let mut values = Vec::with_capacity(sets.len());
    for set in sets {
        let (id, text) = set
            .split_once('=')
            .ok_or_else(|| usage(format!("--set takes id=value, got {set:?}")))?;
        let id = id.trim();
        let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) else {
            let ids: Vec<&str> = map.iter().map(|(id, _, _)| id.as_str()).collect();
            return Err(usage(format!(
                "unknown parameter {id:?}; this plugin has: {} (see `lathe params PLUGIN`)",
                ids.join(", ")
            )));
        };
        // SAFETY: `ptr` points into `params`, which outlives this call; offline, nothing else
        // reads or writes the parameter concurrently.
        let norm = unsafe { parse_value(id, ptr, text)? };
        values.push((ptr, norm));
    }
    for (ptr, norm) in values {
        // SAFETY: as above.
        unsafe {
            ptr._internal_set_normalized_value(norm);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_numbers() {
        assert_eq!(leading_number("-12.0 dB"), Some(-12.0));
        assert_eq!(leading_number("22.0 kHz"), Some(22_000.0));
        assert_eq!(leading_number("1k"), Some(1000.0));
        assert_eq!(leading_number("\u{2212}3"), Some(-3.0));
        assert_eq!(leading_number("∞:1"), None);
    }
}
