// Built by `cargo test` with the `standalone` feature (the workspace test run enables it), with
// the same dependency features as every other test binary, so nothing is compiled twice for it.
#![cfg(feature = "standalone")]

#[test]
fn the_standalone_starts_and_hosts_its_plugin() {
    let inputs: Vec<u32> = lathe_eq::INFO
        .layouts
        .iter()
        .map(|l| l.main_input_channels.map_or(0, |c| c.get()))
        .collect();
    test_support::standalone::assert_starts_with_layouts(
        env!("CARGO_BIN_EXE_lathe_eq_standalone"),
        &inputs,
    );
}
