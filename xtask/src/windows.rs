//! Windows (x86_64) from this Linux machine: the MinGW cross build, the Windows bundle layout,
//! the checks on the binaries' import and export tables, and the Wine prefix the tests run in.
//!
//! The bundles go to `target/bundled-windows/`, not to the framework bundler's `target/bundled/`:
//! a Windows `.clap` has the same name as the Linux one and would replace it.

use crate::{Bundle, cargo, ensure_apt, run};
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Rust target: MinGW-w64, so the linker comes from Debian (MSVC's needs Windows' SDK).
pub const TARGET: &str = "x86_64-pc-windows-gnu";
/// The MinGW C compiler rustc links with for [`TARGET`]; it also builds the test-only shim.
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";
/// The Debian package that provides it.
const MINGW_APT: &str = "gcc-mingw-w64-x86-64";
/// Wine 8 (Debian 12): `wine` is the launcher, `wine64` the 64-bit loader it starts.
const WINE_APT: [&str; 2] = ["wine", "wine64"];
/// Every Debian package the Windows stage needs.
pub const APT: [&str; 3] = [MINGW_APT, WINE_APT[0], WINE_APT[1]];

/// Each Windows `.clap` (the DLL) also exports the VST3 entry points; both formats are the same
/// file, as on Linux.
const PLUGIN_EXPORTS: [&str; 4] = ["clap_entry", "GetPluginFactory", "InitDll", "ExitDll"];

/// DLLs every Windows 10 and 11 installation has (lower case). Anything else a Lathe binary
/// imports would be a DLL the user has to install, e.g. MinGW's `libgcc_s_seh-1.dll`,
/// `libwinpthread-1.dll` or `libstdc++-6.dll`, so the check fails on it.
const SYSTEM_DLLS: [&str; 34] = [
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "combase.dll",
    "comctl32.dll",
    "comdlg32.dll",
    "crypt32.dll",
    "d3d11.dll",
    "dwmapi.dll",
    "dxgi.dll",
    "gdi32.dll",
    "imm32.dll",
    "kernel32.dll",
    "msvcrt.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "opengl32.dll",
    "propsys.dll",
    "rpcrt4.dll",
    "secur32.dll",
    "setupapi.dll",
    "shcore.dll",
    "shell32.dll",
    "shlwapi.dll",
    "synchronization.dll",
    "user32.dll",
    "userenv.dll",
    "uxtheme.dll",
    "version.dll",
    "winmm.dll",
    "ws2_32.dll",
    "avrt.dll",
    "dbghelp.dll",
];

/// Is `dll` (as a PE import table names it) part of every Windows installation?
pub fn is_system_dll(dll: &str) -> bool {
    let dll = dll.to_ascii_lowercase();
    // API sets (`api-ms-win-core-synch-l1-2-0.dll`, ...) are resolved by the Windows loader
    // itself, and the Universal CRT's are part of Windows 10 and later.
    dll.starts_with("api-ms-win-") || dll.starts_with("ext-ms-") || SYSTEM_DLLS.contains(&&*dll)
}

/// Installs the Rust target and the MinGW linker when missing, or says what to run.
pub fn ensure_toolchain() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l == TARGET)
        });
    match installed {
        Ok(true) => {}
        Ok(false) => {
            run(Command::new("rustup").args(["target", "add", TARGET])).with_context(|| {
                format!("could not add the Rust target {TARGET}; run `rustup target add {TARGET}`")
            })?
        }
        Err(_) => bail!(
            "the Windows build needs rustup (to add the Rust target {TARGET}); with another Rust \
             installation, install that target's standard library yourself"
        ),
    }
    let has_gcc = || Command::new(MINGW_GCC).arg("--version").output().is_ok();
    if !has_gcc() {
        ensure_apt(&[MINGW_APT]).with_context(|| {
            format!(
                "the Windows build links with {MINGW_GCC}: install it with \
                 `sudo apt-get install {MINGW_APT}` (or your system's MinGW-w64 package)"
            )
        })?;
        if !has_gcc() {
            bail!("{MINGW_APT} is installed but {MINGW_GCC} does not run");
        }
    }
    Ok(())
}

/// Where cargo puts the Windows binaries of a build profile (`release`, `debug`, ...).
pub fn target_profile_dir(target_dir: &Path, profile: &str) -> PathBuf {
    target_dir.join(TARGET).join(profile)
}

/// Where the Windows bundles and `lathe.exe` are laid out.
pub fn bundle_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("bundled-windows")
}

/// The profile directory cargo uses for these `cargo build` arguments.
pub fn profile_of(args: &[String]) -> String {
    let mut profile = "debug".to_string();
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--release" | "-r" => profile = "release".into(),
            "--profile" => {
                if let Some(p) = it.peek() {
                    profile = p.to_string();
                }
            }
            a if a.starts_with("--profile=") => profile = a["--profile=".len()..].into(),
            _ => {}
        }
    }
    match profile.as_str() {
        "dev" | "test" => "debug".into(),
        "bench" => "release".into(),
        _ => profile,
    }
}

/// Builds the plugins in `bundles` (and `lathe.exe` when `cli`) for Windows in one cargo run and
/// lays them out in [`bundle_dir`]: `<Name>.clap` (the DLL) and
/// `<Name>.vst3/Contents/x86_64-win/<Name>.vst3` (Steinberg's bundle layout for Windows). `args`
/// are further `cargo build` arguments (`--release`). Returns the bundle directory.
pub fn bundle(
    target_dir: &Path,
    bundles: &[Bundle],
    cli: bool,
    args: &[String],
) -> Result<PathBuf> {
    ensure_toolchain()?;
    let mut cmd = cargo();
    cmd.args(["build", "--target", TARGET]).args(args);
    for b in bundles {
        cmd.args(["-p", &b.package]);
    }
    if cli {
        cmd.args(["-p", "lathe-cli"]);
    }
    run(&mut cmd)?;

    let built = target_profile_dir(target_dir, &profile_of(args));
    let out = bundle_dir(target_dir);
    fs::create_dir_all(&out)?;
    for b in bundles {
        let dll = built.join(format!("{}.dll", b.package));
        let clap = out.join(format!("{}.clap", b.name));
        let vst3_dir = out.join(format!("{}.vst3", b.name));
        let vst3 = vst3_dir
            .join("Contents/x86_64-win")
            .join(format!("{}.vst3", b.name));
        crate::copy_tree(&dll, &clap)?;
        if vst3_dir.exists() {
            fs::remove_dir_all(&vst3_dir)?;
        }
        crate::copy_tree(&dll, &vst3)?;
        eprintln!(
            "Windows CLAP {}, VST3 {}",
            clap.display(),
            vst3_dir.display()
        );
    }
    if cli {
        let exe = out.join("lathe.exe");
        crate::copy_tree(&built.join("lathe.exe"), &exe)?;
        eprintln!("Windows CLI {}", exe.display());
    }
    Ok(out)
}

/// What a Windows binary's PE headers say.
#[derive(Debug)]
pub struct PeInfo {
    pub is_dll: bool,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// Reads a Windows binary's headers; fails unless it is a 64-bit x86 PE.
pub fn read_pe(path: &Path) -> Result<PeInfo> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let pe = goblin::pe::PE::parse(&bytes)
        .with_context(|| format!("{} is not a Windows PE binary", path.display()))?;
    if pe.header.coff_header.machine != goblin::pe::header::COFF_MACHINE_X86_64 {
        bail!(
            "{}: machine {:#x}, not x86_64",
            path.display(),
            pe.header.coff_header.machine
        );
    }
    let mut imports: Vec<String> = pe.libraries.iter().map(|s| s.to_string()).collect();
    imports.sort_by_key(|s| s.to_ascii_lowercase());
    imports.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    Ok(PeInfo {
        is_dll: pe.is_lib,
        imports,
        exports: pe
            .exports
            .iter()
            .filter_map(|e| e.name.map(str::to_string))
            .collect(),
    })
}

/// Every DLL `info` imports that a user's Windows lacks.
pub fn foreign_imports(info: &PeInfo) -> Vec<String> {
    info.imports
        .iter()
        .filter(|d| !is_system_dll(d))
        .cloned()
        .collect()
}

/// Checks the laid-out Windows bundles and `lathe.exe`: PE DLLs with the CLAP and VST3 entry
/// points, the VST3 bundle layout, and no import outside Windows' own DLLs. Prints each binary's
/// imports; returns an error listing every problem.
pub fn check_binaries(out: &Path, bundles: &[Bundle], cli: bool) -> Result<()> {
    let mut problems = Vec::new();
    let mut binaries: Vec<(PathBuf, bool)> = Vec::new();
    for b in bundles {
        let clap = out.join(format!("{}.clap", b.name));
        let vst3 = out
            .join(format!("{}.vst3", b.name))
            .join("Contents/x86_64-win")
            .join(format!("{}.vst3", b.name));
        if !vst3.is_file() {
            problems.push(format!("{}: no VST3 module at {}", b.name, vst3.display()));
        } else if fs::read(&vst3)? != fs::read(&clap)? {
            problems.push(format!(
                "{}: the VST3 module differs from the .clap",
                b.name
            ));
        }
        binaries.push((clap, true));
        binaries.push((vst3, true));
    }
    if cli {
        binaries.push((out.join("lathe.exe"), false));
    }
    for (path, plugin) in binaries.iter().filter(|(p, _)| p.exists()) {
        let info = match read_pe(path) {
            Ok(info) => info,
            Err(e) => {
                problems.push(format!("{e:#}"));
                continue;
            }
        };
        eprintln!(
            "{}: imports {}",
            path.strip_prefix(out).unwrap_or(path).display(),
            info.imports.join(", ")
        );
        if info.is_dll != *plugin {
            problems.push(format!(
                "{}: is_dll = {}, expected {plugin}",
                path.display(),
                info.is_dll
            ));
        }
        let foreign = foreign_imports(&info);
        if !foreign.is_empty() {
            problems.push(format!(
                "{} imports DLLs a user's Windows does not have: {} (link them statically, \
                 e.g. rustflags = [\"-C\", \"target-feature=+crt-static\"] under \
                 [target.{TARGET}] in .cargo/config.toml)",
                path.display(),
                foreign.join(", ")
            ));
        }
        if *plugin {
            for sym in PLUGIN_EXPORTS {
                if !info.exports.iter().any(|e| e == sym) {
                    problems.push(format!("{} does not export {sym}", path.display()));
                }
            }
        }
    }
    for (path, _) in binaries.iter().filter(|(p, _)| !p.exists()) {
        problems.push(format!("missing: {}", path.display()));
    }
    if !problems.is_empty() {
        bail!(
            "Windows binaries: {} problem(s):\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        );
    }
    eprintln!(
        "Windows binaries: {} checked; every import is a Windows system DLL; every plugin \
         exports {}",
        binaries.len(),
        PLUGIN_EXPORTS.join(", ")
    );
    Ok(())
}

/// A Wine prefix for running the Windows builds headless.
pub struct Wine {
    pub prefix: PathBuf,
}

/// How long Wine may take to create its prefix before the stage gives up.
const WINEBOOT_TIMEOUT_S: u32 = 300;

impl Wine {
    /// Installs Wine if missing, creates the prefix `target/wine-prefix` (with a timeout, so a
    /// Wine that cannot start fails the stage instead of hanging it) and puts the test-only
    /// `bcryptprimitives.dll` shim (see `host-tests/wine/bcryptprimitives.c`) into it.
    pub fn prepare(root: &Path, target_dir: &Path) -> Result<Wine> {
        ensure_apt(&WINE_APT).context("Wine is needed to run the Windows builds")?;
        ensure_toolchain()?;
        let wine = Wine {
            prefix: target_dir.join("wine-prefix"),
        };
        let system32 = wine.prefix.join("drive_c/windows/system32");
        if !wine.prefix.join("system.reg").exists() {
            let status = wine
                .command("wineboot", WINEBOOT_TIMEOUT_S)
                .arg("-i")
                .status()
                .context("could not start wine")?;
            // The wineserver writes the registry files when it exits, a few seconds later.
            let _ = Command::new("timeout")
                .args(["60", "wineserver", "-w"])
                .env("WINEPREFIX", &wine.prefix)
                .status();
            if !status.success() || !system32.join("kernel32.dll").exists() {
                bail!(
                    "Wine could not create its prefix {} ({}; exit code 124 is the {} s \
                     timeout); run `WINEPREFIX={} wine wineboot -i` to see why",
                    wine.prefix.display(),
                    status,
                    WINEBOOT_TIMEOUT_S,
                    wine.prefix.display()
                );
            }
        }
        let source = root.join("host-tests/wine/bcryptprimitives.c");
        let shim = system32.join("bcryptprimitives.dll");
        let stale = match (fs::metadata(&source), fs::metadata(&shim)) {
            (Ok(s), Ok(d)) => s.modified()? > d.modified()?,
            _ => true,
        };
        if stale {
            run(Command::new(MINGW_GCC)
                .args(["-O2", "-shared", "-Wl,--kill-at", "-o"])
                .arg(&shim)
                .arg(&source)
                .arg("-ladvapi32"))
            .context("building the test-only bcryptprimitives.dll shim")?;
        }
        Ok(wine)
    }

    /// The environment every Wine run gets: this prefix, no debug chatter, no Mono/Gecko
    /// install prompts, and no display (the checks are console programs; nothing may wait for
    /// an X server).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("WINEPREFIX", self.prefix.display().to_string()),
            ("WINEDEBUG", "-all".into()),
            ("WINEDLLOVERRIDES", "mscoree,mshtml=".into()),
        ]
    }

    /// `timeout SECONDS wine PROGRAM` with [`Wine::env`]; add the program's arguments.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, timeout_s: u32) -> Command {
        let mut cmd = Command::new("timeout");
        cmd.args(["--kill-after=10", &timeout_s.to_string(), "wine"])
            .arg(program)
            .envs(self.env())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        cmd
    }

    /// Stops this prefix's wineserver (started by the runs above).
    pub fn shutdown(&self) {
        let _ = Command::new("wineserver")
            .arg("-k")
            .env("WINEPREFIX", &self.prefix)
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_dlls_pass_and_mingw_runtimes_fail() {
        for dll in [
            "KERNEL32.dll",
            "bcryptprimitives.dll",
            "api-ms-win-core-synch-l1-2-0.dll",
            "OPENGL32.dll",
        ] {
            assert!(is_system_dll(dll), "{dll}");
        }
        for dll in [
            "libgcc_s_seh-1.dll",
            "libwinpthread-1.dll",
            "libstdc++-6.dll",
            "vcruntime140.dll",
        ] {
            assert!(!is_system_dll(dll), "{dll}");
        }
        let info = PeInfo {
            is_dll: true,
            imports: vec!["KERNEL32.dll".into(), "libwinpthread-1.dll".into()],
            exports: vec![],
        };
        assert_eq!(foreign_imports(&info), ["libwinpthread-1.dll"]);
    }

    #[test]
    fn profile_directories() {
        let p = |a: &[&str]| profile_of(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p(&[]), "debug");
        assert_eq!(p(&["--release"]), "release");
        assert_eq!(p(&["--profile", "profiling"]), "profiling");
        assert_eq!(p(&["--profile=dev"]), "debug");
    }
}
