//! `lathe render` links the four plugin crates for their engines and parameters. Each of them
//! also carries the CLAP/VST3 entry points (`clap_entry`, `GetPluginFactory`, ...) from the
//! framework's export macros; in a plugin binary each is unique, but linked together into one
//! executable they clash. The CLI never calls them, so the linker may keep any one copy.
fn main() {
    println!("cargo:rustc-link-arg=-Wl,--allow-multiple-definition");
}
