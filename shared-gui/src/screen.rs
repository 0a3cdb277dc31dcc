//! The screen an editor opens on, and the geometry that fits it: a window never opens larger than
//! the screen allows (a 200 % Channel Strip was 2540 px wide on a 1920 px screen, its scale
//! control off the edge with no way back).

use lathe_plugin::memory::{EditorGeometry, SCALES};

/// The share of the screen a window may take: room for a taskbar, a DAW's plugin-window frame
/// and title.
pub const USABLE: (f32, f32) = (0.95, 0.88);

/// The size of the screen in physical pixels, when the platform can tell (the X server's root
/// window on Linux, the primary monitor on Windows). Asked on the GUI thread when an editor opens.
pub fn screen_px() -> Option<(f32, f32)> {
    platform_screen_px().filter(|(w, h)| *w >= 320.0 && *h >= 240.0)
}

#[cfg(target_os = "linux")]
fn platform_screen_px() -> Option<(f32, f32)> {
    use x11rb::connection::Connection;
    let (conn, screen) = x11rb::connect(None).ok()?;
    let root = conn.setup().roots.get(screen)?;
    Some((root.width_in_pixels as f32, root.height_in_pixels as f32))
}

#[cfg(windows)]
fn platform_screen_px() -> Option<(f32, f32)> {
    use windows_sys::Win32::UI::WindowsAndMessaging::{GetSystemMetrics, SM_CXSCREEN, SM_CYSCREEN};
    // SAFETY: GetSystemMetrics only reads system settings.
    let (w, h) = unsafe { (GetSystemMetrics(SM_CXSCREEN), GetSystemMetrics(SM_CYSCREEN)) };
    Some((w as f32, h as f32))
}

#[cfg(not(any(target_os = "linux", windows)))]
fn platform_screen_px() -> Option<(f32, f32)> {
    None
}

/// The largest scale at which a window of `min` logical size fits `screen` (physical pixels).
pub fn max_scale(min: (f32, f32), screen: (f32, f32)) -> f32 {
    let (w, h) = (screen.0 * USABLE.0, screen.1 * USABLE.1);
    (w / min.0).min(h / min.1)
}

/// Whether the editor at `scale` fits `screen` at its minimum size.
pub fn scale_fits(scale: f32, min: (f32, f32), screen: Option<(f32, f32)>) -> bool {
    screen.is_none_or(|s| scale <= max_scale(min, s) + 1e-4)
}

/// `g` made to fit `screen`: the user's scale is kept when the editor fits at it (the window
/// shrinks toward its minimum size first); otherwise the largest offered scale that fits (the
/// smallest offered one on a screen too small for any).
pub fn fit(g: EditorGeometry, min: (f32, f32), screen: Option<(f32, f32)>) -> EditorGeometry {
    let Some(screen) = screen else {
        return g;
    };
    let limit = max_scale(min, screen);
    let scale = if g.scale <= limit + 1e-4 {
        g.scale
    } else {
        SCALES
            .iter()
            .copied()
            .filter(|s| *s <= limit + 1e-4)
            .fold(SCALES[0], f32::max)
    };
    let (w, h) = (screen.0 * USABLE.0 / scale, screen.1 * USABLE.1 / scale);
    EditorGeometry {
        width: g.width.min(w).max(min.0),
        height: g.height.min(h).max(min.1),
        scale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRIP_MIN: (f32, f32) = (1270.0, 540.0);

    fn g(width: f32, height: f32, scale: f32) -> EditorGeometry {
        EditorGeometry {
            width,
            height,
            scale,
        }
    }

    fn px(g: EditorGeometry) -> (f32, f32) {
        (g.width * g.scale, g.height * g.scale)
    }

    #[test]
    fn a_window_never_opens_larger_than_the_screen() {
        let screen = (1920.0, 1200.0);
        for scale in SCALES {
            for size in [(1300.0, 560.0), (1270.0, 540.0), (3000.0, 2000.0)] {
                let f = fit(g(size.0, size.1, scale), STRIP_MIN, Some(screen));
                let (w, h) = px(f);
                assert!(
                    w <= 1920.0 * USABLE.0 + 0.01 && h <= 1200.0 * USABLE.1 + 0.01,
                    "{f:?}"
                );
                assert!(f.width >= STRIP_MIN.0 && f.height >= STRIP_MIN.1, "{f:?}");
                assert!(f.scale <= scale, "{f:?}");
            }
        }
        // The Channel Strip at 200 % (2540 x 1120 px) on 1920 x 1200: the largest offered scale
        // that fits its minimum size, 1.25 (1550 px wide); at 100 % nothing changes.
        assert_eq!(
            fit(g(1270.0, 560.0, 2.0), STRIP_MIN, Some(screen)).scale,
            1.25
        );
        let same = g(1270.0, 560.0, 1.0);
        assert_eq!(fit(same, STRIP_MIN, Some(screen)), same);
        // A bigger screen keeps 200 % and shrinks the window to what fits.
        let f = fit(g(1400.0, 700.0, 2.0), STRIP_MIN, Some((3840.0, 2160.0)));
        assert_eq!(f.scale, 2.0);
        assert!(f.width * 2.0 <= 3840.0 * USABLE.0 + 0.01 && f.width >= STRIP_MIN.0);
        // Unknown screen: as saved.
        assert_eq!(fit(same, STRIP_MIN, None), same);
        assert!(scale_fits(1.25, STRIP_MIN, Some(screen)));
        assert!(!scale_fits(1.5, STRIP_MIN, Some(screen)));
    }
}
