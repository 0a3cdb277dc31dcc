//! `cargo xtask`: the framework's bundler plus Lathe's own commands.
//!
//! - `cargo xtask install [--standalone]`: release bundles into `~/.clap` and `~/.vst3`, the
//!   `lathe` CLI into `~/.cargo/bin` (and the standalone binaries with `--standalone`).
//! - `cargo xtask uninstall`: removes exactly what `install` put there.
//! - `cargo xtask test`: every check and test the project has (what CI runs).
//! - anything else (`bundle`, `bundle-universal`, `known-packages`) goes to nice-plug-xtask.

use anyhow::{Context, Result, bail};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One plugin bundle, as `bundler.toml` (the bundler's own list, checked against the suite's
/// plugin list by lathe-suite's tests) names it.
struct Bundle {
    /// The bundle crate (`lathe_limiter_bundle`).
    package: String,
    /// The bundle's file name without extension ("Lathe Limiter").
    name: String,
}

impl Bundle {
    /// The standalone binary the bundle crate builds (`lathe_limiter_standalone`).
    fn standalone(&self) -> String {
        format!("{}_standalone", self.package.trim_end_matches("_bundle"))
    }
}

/// Every bundle, in `bundler.toml`'s order.
fn bundles() -> Result<Vec<Bundle>> {
    let path = workspace_root()?.join("bundler.toml");
    let text = fs::read_to_string(&path).with_context(|| format!("reading {path:?}"))?;
    let tables: toml::Table = toml::from_str(&text).with_context(|| format!("parsing {path:?}"))?;
    tables
        .into_iter()
        .map(|(package, table)| {
            let name = table
                .get("name")
                .and_then(|n| n.as_str())
                .with_context(|| format!("bundler.toml: [{package}] has no name"))?;
            Ok(Bundle {
                package,
                name: name.to_string(),
            })
        })
        .collect()
}

/// Debian packages the standalone binaries need to build (cpal → ALSA, jack → JACK).
const STANDALONE_APT: [&str; 3] = ["pkg-config", "libasound2-dev", "libjack-jackd2-dev"];
/// Debian packages the GUI screenshot tests need (virtual X server, GL, screenshot tool, and
/// tesseract OCR, which must read each plugin's name in its editor to prove text renders; a JACK
/// server and its example clients, whose tone feeds the standalones while they are shot).
const GUI_APT: [&str; 8] = [
    "xvfb",
    "x11-utils",
    "imagemagick",
    "libgl1-mesa-dri",
    "libegl-mesa0",
    "tesseract-ocr",
    "tesseract-ocr-eng",
    "jackd2",
];

fn main() -> Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("install") => install(&args[1..]),
        Some("uninstall") => uninstall(),
        Some("test") => test(&args[1..]),
        _ => nice_plug_xtask::main(),
    }
}

fn workspace_root() -> Result<PathBuf> {
    nice_plug_xtask::chdir_workspace_root()?;
    Ok(env::current_dir()?)
}

fn home() -> Result<PathBuf> {
    env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set; set LATHE_CLAP_DIR, LATHE_VST3_DIR and LATHE_BIN_DIR")
}

fn dir_from_env(var: &str, default: impl FnOnce() -> Result<PathBuf>) -> Result<PathBuf> {
    match env::var_os(var) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => default(),
    }
}

struct InstallDirs {
    clap: PathBuf,
    vst3: PathBuf,
    bin: PathBuf,
    manifest: PathBuf,
}

fn install_dirs() -> Result<InstallDirs> {
    Ok(InstallDirs {
        clap: dir_from_env("LATHE_CLAP_DIR", || Ok(home()?.join(".clap")))?,
        vst3: dir_from_env("LATHE_VST3_DIR", || Ok(home()?.join(".vst3")))?,
        bin: dir_from_env("LATHE_BIN_DIR", || {
            Ok(dir_from_env("CARGO_HOME", || Ok(home()?.join(".cargo")))?.join("bin"))
        })?,
        manifest: dir_from_env("LATHE_MANIFEST_DIR", || {
            Ok(dir_from_env("XDG_DATA_HOME", || Ok(home()?.join(".local/share")))?.join("lathe"))
        })?
        .join("installed.txt"),
    })
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("+ {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn bundle_release() -> Result<()> {
    let mut args = vec!["bundle".to_string()];
    for b in bundles()? {
        args.push("-p".into());
        args.push(b.package);
    }
    args.push("--release".into());
    nice_plug_xtask::main_with_args("cargo xtask", args)
}

/// Copies a file or a directory tree (bundles are directories) to `to`, replacing it.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if to.is_dir() {
        fs::remove_dir_all(to)?;
    } else if to.exists() {
        fs::remove_file(to)?;
    }
    if from.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(from, to).with_context(|| format!("copying {from:?} to {to:?}"))?;
    }
    Ok(())
}

/// `cargo build` of every bundle crate's standalone binary, with `extra` arguments.
fn standalone_build(extra: &[&str]) -> Result<Command> {
    let mut cmd = cargo();
    cmd.arg("build").args(extra);
    for b in bundles()? {
        cmd.args(["-p", &b.package, "--features"]);
        cmd.arg(format!("{}/standalone", b.package));
    }
    Ok(cmd)
}

fn missing_apt_packages(packages: &[&str]) -> Vec<String> {
    packages
        .iter()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
                .unwrap_or(false)
        })
        .map(|p| p.to_string())
        .collect()
}

fn install(args: &[String]) -> Result<()> {
    let standalone = args.iter().any(|a| a == "--standalone");
    if let Some(other) = args.iter().find(|a| *a != "--standalone") {
        bail!("unknown option {other}; usage: cargo xtask install [--standalone]");
    }
    let root = workspace_root()?;
    let dirs = install_dirs()?;
    if standalone {
        let missing = missing_apt_packages(&STANDALONE_APT);
        if !missing.is_empty() {
            bail!(
                "the standalone binaries need these Debian packages: sudo apt-get install {}",
                missing.join(" ")
            );
        }
    }

    bundle_release()?;
    run(cargo().args(["build", "--release", "-p", "lathe-cli"]))?;
    if standalone {
        run(&mut standalone_build(&["--release"])?)?;
    }

    let mut installed = Vec::new();
    let bundled = root.join("target/bundled");
    for bundle in bundles()? {
        for (ext, dir) in [("clap", &dirs.clap), ("vst3", &dirs.vst3)] {
            let from = bundled.join(format!("{}.{ext}", bundle.name));
            let to = dir.join(format!("{}.{ext}", bundle.name));
            copy_tree(&from, &to)?;
            installed.push(to);
        }
    }
    let mut binaries = vec!["lathe".to_string()];
    if standalone {
        binaries.extend(bundles()?.iter().map(Bundle::standalone));
    }
    for bin in binaries {
        let to = dirs.bin.join(&bin);
        copy_tree(&root.join("target/release").join(&bin), &to)?;
        installed.push(to);
    }

    let mut manifest: Vec<PathBuf> = fs::read_to_string(&dirs.manifest)
        .map(|s| s.lines().map(PathBuf::from).collect())
        .unwrap_or_default();
    for path in &installed {
        if !manifest.contains(path) {
            manifest.push(path.clone());
        }
    }
    fs::create_dir_all(dirs.manifest.parent().unwrap())?;
    let text: String = manifest
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    fs::write(&dirs.manifest, text)?;

    println!("\nInstalled:");
    for path in &installed {
        println!("  {}", path.display());
    }
    println!("Record of what was installed: {}", dirs.manifest.display());
    if !env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .any(|p| Path::new(p) == dirs.bin)
    {
        println!(
            "Note: {} is not on your PATH; add it to run `lathe`.",
            dirs.bin.display()
        );
    }
    Ok(())
}

fn uninstall() -> Result<()> {
    let dirs = install_dirs()?;
    let Ok(text) = fs::read_to_string(&dirs.manifest) else {
        println!(
            "Nothing to uninstall: no install record at {}",
            dirs.manifest.display()
        );
        return Ok(());
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let path = Path::new(line);
        let result = if path.is_dir() {
            fs::remove_dir_all(path)
        } else {
            fs::remove_file(path)
        };
        match result {
            Ok(()) => println!("removed {}", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                println!("already gone: {}", path.display())
            }
            Err(e) => bail!("could not remove {}: {e}", path.display()),
        }
    }
    fs::remove_file(&dirs.manifest)?;
    Ok(())
}

/// Installs Debian packages the tests need, when missing (as root, or through sudo).
fn ensure_apt(packages: &[&str]) -> Result<()> {
    let missing = missing_apt_packages(packages);
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| -> Result<()> {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing.iter().map(String::as_str));
    apt(&args)
}

/// A Python virtual environment under `target/` with the VST3 host (pedalboard) and pytest.
fn ensure_python(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/pyenv");
    let python = venv.join("bin/python");
    let requirements = root.join("host-tests/vst3/requirements.txt");
    let stamp = venv.join("requirements.installed");
    let wanted = fs::read_to_string(&requirements)?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return Ok(python);
    }
    ensure_apt(&["python3-venv"]).ok();
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args(["-m", "pip", "install", "-q", "--upgrade", "pip"]))?;
    run(Command::new(&python)
        .args(["-m", "pip", "install", "-q", "-r"])
        .arg(&requirements))?;
    fs::write(&stamp, wanted)?;
    Ok(python)
}

fn test(args: &[String]) -> Result<()> {
    if let Some(other) = args.first() {
        bail!("unknown option {other}; usage: cargo xtask test");
    }
    let root = workspace_root()?;
    let start = Instant::now();
    let mut timings: Vec<(&str, f64)> = Vec::new();
    let mut stage = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        eprintln!("\n=== {name}");
        let t = Instant::now();
        f().with_context(|| format!("stage '{name}' failed"))?;
        timings.push((name, t.elapsed().as_secs_f64()));
        Ok(())
    };

    stage("system packages", &mut || {
        let mut all: Vec<&str> = STANDALONE_APT.to_vec();
        all.extend(GUI_APT);
        all.extend(["flac", "ffmpeg"]); // lathe-cli's tests decode files these encoders wrote
        ensure_apt(&all)
    })?;
    let mut python = PathBuf::new();
    stage("python VST3 host", &mut || {
        python = ensure_python(&root)?;
        Ok(())
    })?;
    stage("format", &mut || {
        run(cargo().args(["fmt", "--all", "--check"]))
    })?;
    stage("clippy", &mut || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    stage("release bundles", &mut bundle_release)?;
    // One `cargo test` for the whole workspace, the CLAP host suite included (it loads the
    // bundles just built): one feature resolution, so no crate is compiled twice.
    stage(
        "unit, reference and CLAP host tests (debug, assert_process_allocs)",
        &mut || {
            // With the bundles' `standalone` feature, so the test build also links the debug
            // standalone binaries (each bundle's test starts its own) with the dependency
            // features of the tests; the screenshots below run them. (A separate `cargo build`
            // of them resolves features without the dev-dependencies and compiles nice-plug and
            // every crate above it again: 3 minutes.)
            let mut cmd = cargo();
            cmd.args(["test", "--workspace"]);
            for b in bundles()? {
                cmd.arg("--features")
                    .arg(format!("{}/standalone", b.package));
            }
            run(cmd.env("LATHE_BUNDLE_DIR", root.join("target/bundled")))
        },
    )?;
    stage("VST3 host conformance (pedalboard)", &mut || {
        run(Command::new(&python)
            .args(["-m", "pytest", "-q", "host-tests/vst3"])
            .env("LATHE_BUNDLE_DIR", root.join("target/bundled")))
    })?;

    stage(
        "editors under Xvfb with audio (100 %, 200 %, large, small screen) and JACK periods",
        &mut || run(Command::new(&python).args(["-m", "pytest", "-q", "host-tests/gui"])),
    )?;

    eprintln!(
        "\n=== all stages passed in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    for (name, secs) in &timings {
        eprintln!("  {secs:7.1} s  {name}");
    }
    Ok(())
}
