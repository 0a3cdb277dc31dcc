//! `cargo xtask`: the framework's bundler plus Lathe's own commands.
//!
//! - `cargo xtask install [--standalone]`: release bundles into `~/.clap` and `~/.vst3`, the
//!   `lathe` CLI into `~/.cargo/bin` (and the standalone binaries with `--standalone`).
//! - `cargo xtask uninstall`: removes exactly what `install` put there.
//! - `cargo xtask test`: every check and test the project has (what CI runs).
//! - `cargo xtask test-windows`: only the Windows stage of `test` (cross build, Wine checks).
//! - `cargo xtask dist`: release archives for Linux and Windows in `target/dist/` (see dist.rs).
//! - `cargo xtask bundle [-p PACKAGE...] --target x86_64-pc-windows-gnu [--release]`: Windows
//!   bundles (and `lathe.exe` when no package is named) in `target/bundled-windows/` (see
//!   windows.rs).
//! - anything else (`bundle`, `bundle-universal`, `known-packages`) goes to nice-plug-xtask.

mod dist;
mod windows;

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
        Some("test-windows") => test_windows(&args[1..]),
        Some("dist") => dist(&args[1..]),
        Some("bundle") if wants_windows(&args) => bundle_windows(&args[1..]),
        _ => nice_plug_xtask::main(),
    }
}

fn workspace_root() -> Result<PathBuf> {
    nice_plug_xtask::chdir_workspace_root()?;
    Ok(env::current_dir()?)
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `<workspace>/target`).
fn target_dir(root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// Do these `bundle` arguments ask for the Windows target?
fn wants_windows(args: &[String]) -> bool {
    args.windows(2)
        .any(|w| w[0] == "--target" && w[1] == windows::TARGET)
        || args
            .iter()
            .any(|a| a.strip_prefix("--target=") == Some(windows::TARGET))
}

/// The workspace version (`[workspace.package] version`), which every crate and archive carries.
fn workspace_version(root: &Path) -> Result<String> {
    let text = fs::read_to_string(root.join("Cargo.toml"))?;
    let table: toml::Table = toml::from_str(&text)?;
    table
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .context("Cargo.toml has no [workspace.package] version")
}

/// `cargo xtask bundle [-p PACKAGE...] --target x86_64-pc-windows-gnu [cargo build options]`:
/// the named bundles, or every bundle and `lathe.exe` when none is named, laid out for Windows
/// in `target/bundled-windows/`.
fn bundle_windows(args: &[String]) -> Result<()> {
    let root = workspace_root()?;
    let all = bundles()?;
    let mut wanted: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-p" | "--package" => wanted.push(it.next().context("-p needs a package")?.clone()),
            "--target" => {
                it.next();
            }
            a if a.starts_with("--target=") => {}
            a if !a.starts_with('-') && rest.is_empty() && wanted.is_empty() => {
                wanted.push(a.to_string())
            }
            _ => rest.push(arg.clone()),
        }
    }
    let cli = wanted.is_empty() || wanted.iter().any(|p| p == "lathe-cli");
    let chosen: Vec<Bundle> = all
        .into_iter()
        .filter(|b| wanted.is_empty() || wanted.contains(&b.package))
        .collect();
    if let Some(unknown) = wanted
        .iter()
        .find(|p| *p != "lathe-cli" && !chosen.iter().any(|b| &b.package == *p))
    {
        bail!("{unknown} is not a bundle in bundler.toml (nor lathe-cli)");
    }
    let out = windows::bundle(&target_dir(&root), &chosen, cli, &rest)?;
    windows::check_binaries(&out, &chosen, cli)
}

/// `cargo xtask dist`: release builds for Linux and Windows, then one archive per platform in
/// `target/dist/` (see dist.rs), each opened again and checked.
fn dist(args: &[String]) -> Result<()> {
    if let Some(other) = args.first() {
        bail!("unknown option {other}; usage: cargo xtask dist");
    }
    let root = workspace_root()?;
    bundle_release()?;
    let all = bundles()?;
    let win = windows::bundle(&target_dir(&root), &all, true, &["--release".into()])?;
    windows::check_binaries(&win, &all, true)?;
    write_dist(&root)?;
    Ok(())
}

/// The archives from what is built (the Linux bundles and `target/release/lathe`, the Windows
/// bundles and `lathe.exe` in `target/bundled-windows/`).
fn write_dist(root: &Path) -> Result<Vec<PathBuf>> {
    let target = target_dir(root);
    let names: Vec<String> = bundles()?.into_iter().map(|b| b.name).collect();
    let readme = fs::read_to_string(root.join("README.md"))?;
    let licence = root.join("LICENSE");
    let linux_bundles = target.join("bundled");
    let linux_cli = target.join("release/lathe");
    let win_bundles = windows::bundle_dir(&target);
    let win_cli = win_bundles.join("lathe.exe");
    let inputs = [
        (
            dist::Platform::Linux,
            dist::Inputs {
                bundle_dir: &linux_bundles,
                names: &names,
                cli: &linux_cli,
                readme: &readme,
                licence: &licence,
            },
        ),
        (
            dist::Platform::Windows,
            dist::Inputs {
                bundle_dir: &win_bundles,
                names: &names,
                cli: &win_cli,
                readme: &readme,
                licence: &licence,
            },
        ),
    ];
    let written = dist::write_all(&target.join("dist"), &workspace_version(root)?, &inputs)?;
    for path in &written {
        println!("{}", path.display());
    }
    Ok(written)
}

/// `cargo xtask test-windows`: the Windows stage of `cargo xtask test` alone.
fn test_windows(args: &[String]) -> Result<()> {
    if let Some(other) = args.first() {
        bail!("unknown option {other}; usage: cargo xtask test-windows");
    }
    let root = workspace_root()?;
    let t = Instant::now();
    // Alone, the CLI comparison needs only lathe-cli's test build.
    let mut cli_test = cargo();
    cli_test.args(["test", "-p", "lathe-cli"]);
    windows_stage(&root, cli_test)?;
    eprintln!(
        "\n=== Windows stage passed in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
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

/// The release build of every bundle and of the `lathe` command in one cargo run, then the
/// framework's bundler lays out the bundles in `target/bundled/`. One run is one feature
/// resolution: `lathe` links the plugin crates the bundles compile instead of compiling them a
/// second time without their editors (the linker drops the editor code it never calls).
fn bundle_release() -> Result<()> {
    let root = workspace_root()?;
    let packages: Vec<String> = bundles()?.into_iter().map(|b| b.package).collect();
    let args = ["--release".to_string()];
    let mut with_cli = packages.clone();
    with_cli.push("lathe-cli".into());
    nice_plug_xtask::build(&with_cli, &args)?;
    for package in &packages {
        nice_plug_xtask::bundle(&target_dir(&root), package, &args, false)?;
    }
    Ok(())
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

/// The test profile of the Windows host suite's build (see `windows_stage`).
const WINDOWS_HOST_TESTS_PROFILE: [&str; 3] = [
    "profile.test.debug=0",
    "profile.test.package.\"*\".opt-level=0",
    "profile.test.package.\"*\".debug=0",
];

/// How long the whole CLAP host suite may run under Wine (it takes a few minutes).
const WINE_HOST_TESTS_TIMEOUT_S: u32 = 1800;

/// The Windows stage: one release cross build of every plugin and `lathe.exe`, the checks of
/// their PE import/export tables and bundle layout, then under Wine (headless, with timeouts):
/// the CLAP host suite (`host-tests`, cross-compiled) against every Windows `.clap`, and
/// lathe-cli's `windows` test, which compares `lathe.exe analyze` and `render` with the Linux
/// `lathe` on the same files. `cli_test` is the `cargo test` command to run that test with (the
/// workspace test stage's own arguments inside `cargo xtask test`, so nothing is rebuilt).
fn windows_stage(root: &Path, mut cli_test: Command) -> Result<()> {
    let target = target_dir(root);
    let all = bundles()?;
    let out = windows::bundle(&target, &all, true, &["--release".into()])?;
    windows::check_binaries(&out, &all, true)?;
    let wine = windows::Wine::prepare(root, &target)?;
    let result = (|| -> Result<()> {
        // Smoke test first: a Rust program starts under this Wine (a missing DLL fails here,
        // with Wine's message, not in the middle of the suite).
        let exe = out.join("lathe.exe");
        let smoke = wine.command(&exe, 120).arg("--version").output()?;
        let said = String::from_utf8_lossy(&smoke.stdout);
        if !smoke.status.success() || !said.starts_with("lathe ") {
            bail!(
                "lathe.exe does not run under Wine ({}): {said}{}",
                smoke.status,
                String::from_utf8_lossy(&smoke.stderr)
            );
        }
        eprintln!("Wine runs {}: {}", exe.display(), said.trim());
        run(cargo()
            .args([
                "test",
                "--target",
                windows::TARGET,
                "-p",
                "lathe-host-tests",
            ])
            // The test binary only drives the plugins, which are the release DLLs above: its
            // own dependencies need neither optimisation nor debug info (2.3x less to compile,
            // and the suite runs as fast).
            .args(
                WINDOWS_HOST_TESTS_PROFILE
                    .iter()
                    .flat_map(|c| ["--config", c]),
            )
            .env(
                "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER",
                format!("timeout --kill-after=10 {WINE_HOST_TESTS_TIMEOUT_S} wine"),
            )
            .envs(wine.env())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("LATHE_BUNDLE_DIR", &out))
        .context("the CLAP host suite against the Windows bundles, under Wine")?;
        run(cli_test
            .args(["--test", "windows", "--", "--nocapture"])
            .envs(wine.env())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("LATHE_WINDOWS_TESTS", "1")
            .env("LATHE_WINDOWS_EXE", &exe))
        .context("lathe.exe against the Linux lathe")
    })();
    wine.shutdown();
    result
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

/// The workspace test run's `cargo test` (one feature resolution for every crate).
fn workspace_test_command() -> Result<Command> {
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]);
    for b in bundles()? {
        cmd.arg("--features")
            .arg(format!("{}/standalone", b.package));
    }
    Ok(cmd)
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
        all.extend(windows::APT); // the Windows stage: MinGW linker and Wine
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
    stage("release bundles and the lathe command", &mut bundle_release)?;
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
            run(workspace_test_command()?.env("LATHE_BUNDLE_DIR", root.join("target/bundled")))
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
    stage("Windows cross-build and Wine checks", &mut || {
        // The same arguments as the workspace test run above: its `windows` test binary is
        // already built, so this only runs it (with Wine now ready).
        windows_stage(&root, workspace_test_command()?)
    })?;
    stage("release archives (cargo xtask dist)", &mut || {
        // Everything in them was built (and tested) above: the Linux bundles and `lathe` by
        // the release bundles stage, the Windows ones by the Windows stage.
        write_dist(&root).map(drop)
    })?;

    eprintln!(
        "\n=== all stages passed in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    for (name, secs) in &timings {
        eprintln!("  {secs:7.1} s  {name}");
    }
    Ok(())
}
