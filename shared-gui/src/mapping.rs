//! Pure mappings between values and screen positions, shared by every widget, meter and plot
//! (no window needed, so they are unit-tested).

/// Maps `value` in `[min, max]` to `[0, 1]`, clamped.
pub fn to_unit(value: f32, min: f32, max: f32) -> f32 {
    if max <= min || !value.is_finite() {
        return if value == f32::INFINITY { 1.0 } else { 0.0 };
    }
    ((value - min) / (max - min)).clamp(0.0, 1.0)
}

/// Inverse of [`to_unit`].
pub fn from_unit(unit: f32, min: f32, max: f32) -> f32 {
    min + unit.clamp(0.0, 1.0) * (max - min)
}

/// Log-frequency position of `freq_hz` in `[f_min, f_max]`, `[0, 1]` (clamped).
pub fn freq_to_unit(freq_hz: f64, f_min: f64, f_max: f64) -> f32 {
    if freq_hz <= 0.0 {
        return 0.0;
    }
    ((freq_hz / f_min).ln() / (f_max / f_min).ln()).clamp(0.0, 1.0) as f32
}

/// Inverse of [`freq_to_unit`].
pub fn unit_to_freq(unit: f32, f_min: f64, f_max: f64) -> f64 {
    f_min * (f_max / f_min).powf(unit.clamp(0.0, 1.0) as f64)
}

/// How far a drag moves a parameter: `pixels` of drag over a full range of `range_px`, ten
/// times finer with the fine modifier. Up/right is positive.
pub const FINE_FACTOR: f32 = 0.1;

/// The normalized value after dragging `total_px` (accumulated since the press) from
/// `start_normalized`, with `fine_px` of it dragged with the fine modifier held.
pub fn drag_to_normalized(
    start_normalized: f32,
    coarse_px: f32,
    fine_px: f32,
    range_px: f32,
) -> f32 {
    let range_px = range_px.max(1.0);
    (start_normalized + (coarse_px + fine_px * FINE_FACTOR) / range_px).clamp(0.0, 1.0)
}

/// Snaps a normalized value to a stepped parameter's grid (`step_count` steps: `step_count + 1`
/// values); continuous parameters (`None`) are unchanged.
pub fn snap(normalized: f32, step_count: Option<usize>) -> f32 {
    match step_count {
        Some(n) if n > 0 => (normalized * n as f32).round() / n as f32,
        _ => normalized,
    }
    .clamp(0.0, 1.0)
}

/// One mouse-wheel notch: a step for stepped parameters, 1 % of the range (0.1 % fine) for
/// continuous ones.
pub fn wheel_step(step_count: Option<usize>, fine: bool) -> f32 {
    match step_count {
        Some(n) if n > 0 => 1.0 / n as f32,
        _ if fine => 0.001,
        _ => 0.01,
    }
}

/// Angle (radians, 0 = pointing right, counter-clockwise positive in maths convention) of a
/// knob at `unit` in `[0, 1]`: a 270° sweep from 225° (bottom left) to -45° (bottom right).
pub fn knob_angle(unit: f32) -> f32 {
    let start = 225f32.to_radians();
    let sweep = 270f32.to_radians();
    start - unit.clamp(0.0, 1.0) * sweep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_mapping_round_trips_and_clamps() {
        for v in [-60.0f32, -23.0, 0.0, 6.0] {
            let u = to_unit(v, -60.0, 6.0);
            assert!((from_unit(u, -60.0, 6.0) - v).abs() < 1e-4);
        }
        assert_eq!(to_unit(-100.0, -60.0, 6.0), 0.0);
        assert_eq!(to_unit(10.0, -60.0, 6.0), 1.0);
        assert_eq!(to_unit(f32::NEG_INFINITY, -60.0, 6.0), 0.0);
        assert_eq!(to_unit(f32::NAN, -60.0, 6.0), 0.0);
        assert_eq!(to_unit(-23.0, -18.0 - 23.0, 9.0 - 23.0), 18.0 / 27.0);
    }

    #[test]
    fn frequency_axis_is_logarithmic() {
        // 20 Hz .. 20 kHz: 200 Hz and 2 kHz sit at 1/3 and 2/3.
        assert!((freq_to_unit(200.0, 20.0, 20_000.0) - 1.0 / 3.0).abs() < 1e-6);
        assert!((freq_to_unit(2_000.0, 20.0, 20_000.0) - 2.0 / 3.0).abs() < 1e-6);
        for f in [20.0, 63.0, 1_000.0, 15_000.0] {
            let u = freq_to_unit(f, 20.0, 20_000.0);
            assert!((unit_to_freq(u, 20.0, 20_000.0) - f).abs() / f < 1e-5);
        }
        assert_eq!(freq_to_unit(0.0, 20.0, 20_000.0), 0.0);
        assert_eq!(freq_to_unit(40_000.0, 20.0, 20_000.0), 1.0);
    }

    #[test]
    fn drags_move_by_range_and_fine_is_ten_times_slower() {
        assert_eq!(drag_to_normalized(0.5, 100.0, 0.0, 200.0), 1.0);
        assert!((drag_to_normalized(0.5, 0.0, 100.0, 200.0) - 0.55).abs() < 1e-6);
        assert_eq!(drag_to_normalized(0.5, -400.0, 0.0, 200.0), 0.0);
        assert!((drag_to_normalized(0.2, 20.0, -50.0, 200.0) - 0.275).abs() < 1e-6);
    }

    #[test]
    fn stepped_parameters_snap_and_wheel_by_one_step() {
        assert_eq!(snap(0.4, Some(4)), 0.5);
        assert_eq!(snap(0.37, None), 0.37);
        assert_eq!(snap(1.2, Some(2)), 1.0);
        assert_eq!(wheel_step(Some(5), false), 0.2);
        assert_eq!(wheel_step(None, false), 0.01);
        assert_eq!(wheel_step(None, true), 0.001);
    }

    #[test]
    fn knob_sweeps_270_degrees() {
        assert!((knob_angle(0.0) - 225f32.to_radians()).abs() < 1e-6);
        assert!((knob_angle(1.0) - (-45f32).to_radians()).abs() < 1e-6);
        assert!((knob_angle(0.5) - 90f32.to_radians()).abs() < 1e-6);
    }
}
