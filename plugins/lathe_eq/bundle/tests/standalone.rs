// Built by `cargo test` with the `standalone` feature (the workspace test run enables it), with
// the same dependency features as every other test binary, so nothing is compiled twice for it.
#![cfg(feature = "standalone")]

test_support::standalone_test!(lathe_eq, "lathe_eq_standalone");
