//! Keeps the plugin library resident once a host has loaded it (`-z nodelete`, ELF only).
//!
//! Rust's standard library registers a pthread-key destructor (its thread-local guard) on any
//! host thread that calls into code using `std::thread::current` or a thread-local with a
//! destructor. If the host then `dlclose`s the plugin while that thread lives, the thread's exit
//! jumps into unmapped code and the host crashes (rust-lang/rust#91979, #88737; seen here as a
//! SIGSEGV in `__nptl_deallocate_tsd` when the CLAP host tests unload the bundle). With
//! `nodelete` the code stays mapped after `dlclose`, so the destructor still runs.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" || os == "freebsd" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
}
