// Built by `cargo test` with the `standalone` feature (the workspace test run enables it), with
// the same dependency features as every other test binary, so nothing is compiled twice for it.
#![cfg(feature = "standalone")]

#[test]
fn the_standalone_starts_and_names_its_plugin() {
    test_support::standalone::assert_starts_and_names(
        env!("CARGO_BIN_EXE_lathe_meter_standalone"),
        lathe_meter::INFO.name,
    );
}
