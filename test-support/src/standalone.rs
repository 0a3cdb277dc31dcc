//! The bundle crates' check of their standalone binary: it starts, parses its command line and
//! knows the plugin it hosts. (The editor screenshots under Xvfb then run the same binaries.)

use std::process::Command;

/// Asserts that `exe --help` succeeds and offers a standalone's options, and that asking the
/// dummy backend for an unknown layout makes the framework list exactly the plugin's layouts,
/// numbered from 1, with `input_channels[i]` main inputs each.
pub fn assert_starts_with_layouts(exe: &str, input_channels: &[u32]) {
    let out = Command::new(exe)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{exe} --help failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    for option in ["--backend", "--audio-layout", "--sample-rate"] {
        assert!(
            help.contains(option),
            "{exe} --help offers no {option}:\n{help}"
        );
    }

    // An invalid layout makes the standalone list the plugin's layouts and stop.
    let out = Command::new(exe)
        .args(["--backend", "dummy", "--audio-layout", "none"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "{exe} accepted an unknown layout:\n{text}"
    );
    let listed: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split_once(": ")
                .is_some_and(|(n, _)| n.parse::<usize>().is_ok())
        })
        .collect();
    assert_eq!(
        listed.len(),
        input_channels.len(),
        "{exe} lists other layouts than the plugin declares:\n{text}"
    );
    for (i, (line, &inputs)) in listed.iter().zip(input_channels).enumerate() {
        let plural = if inputs == 1 { "" } else { "s" };
        let want = format!("{}: ", i + 1);
        let channels = format!("({inputs} input channel{plural},");
        assert!(
            line.starts_with(&want) && line.contains(&channels),
            "{exe}: layout {} should have {inputs} input(s): {line}",
            i + 1
        );
    }
}

/// The test each bundle crate runs on its standalone binary `$bin`, hosting the plugin crate
/// `$plugin`: [`assert_starts_with_layouts`] with the plugin's own `PluginInfo` layouts.
#[macro_export]
macro_rules! standalone_test {
    ($plugin:ident, $bin:literal) => {
        #[test]
        fn the_standalone_starts_and_hosts_its_plugin() {
            let inputs: Vec<u32> = $plugin::INFO
                .layouts
                .iter()
                .map(|l| l.main_input_channels.map_or(0, |c| c.get()))
                .collect();
            $crate::standalone::assert_starts_with_layouts(
                env!(concat!("CARGO_BIN_EXE_", $bin)),
                &inputs,
            );
        }
    };
}
