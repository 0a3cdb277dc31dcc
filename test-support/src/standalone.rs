//! The bundle crates' check of their standalone binary: it starts, parses its command line and
//! names the plugin it hosts. (The editor screenshots under Xvfb then run the same binaries.)

use std::process::Command;

/// Runs `exe --help` and asserts that it exits successfully and names `plugin_name`.
pub fn assert_starts_and_names(exe: &str, plugin_name: &str) {
    let out = Command::new(exe)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{exe} --help failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(plugin_name),
        "{exe} --help does not name {plugin_name}:\n{text}"
    );
    assert!(
        text.contains("--backend"),
        "{exe} --help offers no audio backend choice:\n{text}"
    );
}
