//! `cargo xtask dist`: one release archive per platform in `target/dist/`.
//!
//! - `lathe-<version>-linux-x86_64.tar.gz`
//! - `lathe-<version>-windows-x86_64.zip`
//!
//! Each holds, under one top folder `lathe-<version>-<platform>/`: `CLAP/<Name>.clap`,
//! `VST3/<Name>.vst3/...`, the `lathe` command (`lathe.exe`), `INSTALL.txt` (the README's
//! install section for that platform), `LICENSE`, and `SHA256SUMS` (every other file's SHA-256,
//! in `sha256sum -c` format). `target/dist/SHA256SUMS` lists the archives themselves.
//!
//! Archives are reproducible: entries sorted, timestamps fixed (1980-01-01, zip's epoch).

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A platform's archive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Platform {
    Linux,
    Windows,
}

impl Platform {
    fn slug(self) -> &'static str {
        match self {
            Platform::Linux => "linux-x86_64",
            Platform::Windows => "windows-x86_64",
        }
    }

    /// The README heading whose section becomes `INSTALL.txt`.
    pub fn readme_heading(self) -> &'static str {
        match self {
            Platform::Linux => "### Install on Linux",
            Platform::Windows => "### Install on Windows",
        }
    }

    pub fn cli_name(self) -> &'static str {
        match self {
            Platform::Linux => "lathe",
            Platform::Windows => "lathe.exe",
        }
    }

    pub fn archive_name(self, version: &str) -> String {
        match self {
            Platform::Linux => format!("lathe-{version}-{}.tar.gz", self.slug()),
            Platform::Windows => format!("lathe-{version}-{}.zip", self.slug()),
        }
    }

    pub fn top_dir(self, version: &str) -> String {
        format!("lathe-{version}-{}", self.slug())
    }
}

/// One file of an archive: its path inside the top folder, its bytes, and whether it is a
/// program (mode 755 in the tar; zip keeps the same Unix mode for unzip on Linux/macOS).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub path: String,
    pub data: Vec<u8>,
    pub executable: bool,
}

/// Where a platform's built files are.
pub struct Inputs<'a> {
    /// The directory with `<Name>.clap` and `<Name>.vst3` of this platform.
    pub bundle_dir: &'a Path,
    /// The display names of the bundles (`bundler.toml`).
    pub names: &'a [String],
    /// The command-line binary.
    pub cli: &'a Path,
    pub readme: &'a str,
    pub licence: &'a Path,
}

/// The section of `readme` under `heading`, up to the next heading of any level.
pub fn readme_section(readme: &str, heading: &str) -> Result<String> {
    let mut lines = readme.lines().skip_while(|l| l.trim_end() != heading);
    let title = lines
        .next()
        .with_context(|| format!("README.md has no section {heading:?}"))?;
    let body: Vec<&str> = lines.take_while(|l| !l.starts_with('#')).collect();
    Ok(format!(
        "{}\n{}\n",
        title.trim_start_matches('#').trim(),
        body.join("\n").trim_end()
    ))
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file of a file or directory tree, with paths relative to `base` joined by `/`.
fn files_under(path: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    if path.is_dir() {
        for entry in fs::read_dir(path)? {
            files_under(&entry?.path(), base, out)?;
        }
    } else {
        let rel = path.strip_prefix(base)?;
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        out.push((rel.join("/"), path.to_path_buf()));
    }
    Ok(())
}

/// The files of a platform's archive (without the top folder), sorted, `SHA256SUMS` last.
pub fn entries(platform: Platform, inputs: &Inputs) -> Result<Vec<Entry>> {
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let mut add = |path: String, data: Vec<u8>, executable: bool| {
        files.insert(
            path.clone(),
            Entry {
                path,
                data,
                executable,
            },
        );
    };
    for name in inputs.names {
        for (ext, folder) in [("clap", "CLAP"), ("vst3", "VST3")] {
            let bundle = inputs.bundle_dir.join(format!("{name}.{ext}"));
            if !bundle.exists() {
                bail!("{platform:?}: {} has not been built", bundle.display());
            }
            let mut found = Vec::new();
            files_under(&bundle, inputs.bundle_dir, &mut found)?;
            for (rel, path) in found {
                // Plugin libraries are loaded, not run; the Linux ones keep the bundler's mode.
                add(format!("{folder}/{rel}"), fs::read(&path)?, false);
            }
        }
    }
    add(
        platform.cli_name().to_string(),
        fs::read(inputs.cli).with_context(|| format!("reading {}", inputs.cli.display()))?,
        true,
    );
    add(
        "INSTALL.txt".into(),
        readme_section(inputs.readme, platform.readme_heading())?.into_bytes(),
        false,
    );
    add(
        "LICENSE".into(),
        fs::read(inputs.licence)
            .with_context(|| format!("reading {}", inputs.licence.display()))?,
        false,
    );
    let sums: String = files
        .values()
        .map(|e| format!("{}  {}\n", sha256_hex(&e.data), e.path))
        .collect();
    let mut out: Vec<Entry> = files.into_values().collect();
    out.push(Entry {
        path: "SHA256SUMS".into(),
        data: sums.into_bytes(),
        executable: false,
    });
    Ok(out)
}

/// Writes the archive of `entries` under the top folder `top`.
pub fn write_archive(platform: Platform, path: &Path, top: &str, entries: &[Entry]) -> Result<()> {
    let tmp = path.with_extension("partial");
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    match platform {
        Platform::Linux => {
            let gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
            let mut tar = tar::Builder::new(gz);
            for e in entries {
                let mut header = tar::Header::new_gnu();
                header.set_size(e.data.len() as u64);
                header.set_mode(if e.executable { 0o755 } else { 0o644 });
                header.set_mtime(315_532_800); // 1980-01-01, as in the zip
                header.set_entry_type(tar::EntryType::Regular);
                tar.append_data(&mut header, format!("{top}/{}", e.path), &e.data[..])?;
            }
            tar.into_inner()?.finish()?.sync_all()?;
        }
        Platform::Windows => {
            let mut zip = zip::ZipWriter::new(file);
            for e in entries {
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .last_modified_time(zip::DateTime::default())
                    .unix_permissions(if e.executable { 0o755 } else { 0o644 });
                zip.start_file(format!("{top}/{}", e.path), options)?;
                zip.write_all(&e.data)?;
            }
            zip.finish()?.sync_all()?;
        }
    }
    fs::rename(&tmp, path)?;
    Ok(())
}

/// Reads an archive back: every file's path (top folder included) and bytes.
pub fn read_archive(platform: Platform, path: &Path) -> Result<Vec<(String, Vec<u8>, u32)>> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    match platform {
        Platform::Linux => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
            for entry in tar.entries()? {
                let mut entry = entry?;
                let name = entry.path()?.to_string_lossy().into_owned();
                let mode = entry.header().mode()?;
                let mut data = Vec::new();
                entry.read_to_end(&mut data)?;
                out.push((name, data, mode));
            }
        }
        Platform::Windows => {
            let mut zip = zip::ZipArchive::new(file)?;
            for i in 0..zip.len() {
                let mut f = zip.by_index(i)?;
                let name = f.name()?.to_string();
                let mode = f.unix_mode().unwrap_or(0) & 0o777;
                let mut data = Vec::new();
                f.read_to_end(&mut data)?;
                out.push((name, data, mode));
            }
        }
    }
    Ok(out)
}

/// Opens a written archive and checks it against what it was made from: exactly the expected
/// files under one top folder, the same bytes, programs executable, every `SHA256SUMS` line
/// right, and an `INSTALL.txt` that names the platform's plugin folders.
pub fn verify_archive(
    platform: Platform,
    path: &Path,
    top: &str,
    expected: &[Entry],
) -> Result<()> {
    let found = read_archive(platform, path)?;
    let mut problems = Vec::new();
    let prefix = format!("{top}/");
    let mut by_path: BTreeMap<String, (Vec<u8>, u32)> = BTreeMap::new();
    for (name, data, mode) in found {
        match name.strip_prefix(&prefix) {
            Some(rel) => {
                by_path.insert(rel.to_string(), (data, mode));
            }
            None => problems.push(format!("{name} is outside the top folder {top}/")),
        }
    }
    for e in expected {
        match by_path.remove(&e.path) {
            None => problems.push(format!("missing {}", e.path)),
            Some((data, mode)) => {
                if data != e.data {
                    problems.push(format!("{} differs from the built file", e.path));
                }
                if e.executable && mode & 0o111 == 0 {
                    problems.push(format!("{} is not executable (mode {mode:o})", e.path));
                }
            }
        }
    }
    for extra in by_path.keys() {
        problems.push(format!("unexpected {extra}"));
    }
    let text = |p: &str| {
        expected
            .iter()
            .find(|e| e.path == p)
            .map(|e| String::from_utf8_lossy(&e.data).into_owned())
            .unwrap_or_default()
    };
    let sums = text("SHA256SUMS");
    let listed = sums.lines().count();
    if listed + 1 != expected.len() {
        problems.push(format!(
            "SHA256SUMS lists {listed} files, the archive has {} others",
            expected.len() - 1
        ));
    }
    for line in sums.lines() {
        let Some((sum, file)) = line.split_once("  ") else {
            problems.push(format!("SHA256SUMS: bad line {line:?}"));
            continue;
        };
        match expected.iter().find(|e| e.path == file) {
            Some(e) if sha256_hex(&e.data) == sum => {}
            _ => problems.push(format!("SHA256SUMS: {file} does not match")),
        }
    }
    let install = text("INSTALL.txt");
    let must_name: &[&str] = match platform {
        Platform::Linux => &["~/.clap", "~/.vst3"],
        Platform::Windows => &[
            r"C:\Program Files\Common Files\CLAP",
            r"C:\Program Files\Common Files\VST3",
        ],
    };
    for folder in must_name {
        if !install.contains(folder) {
            problems.push(format!("INSTALL.txt does not name {folder}"));
        }
    }
    if !text("LICENSE").contains("GNU GENERAL PUBLIC LICENSE") {
        problems.push("LICENSE is not the GPL text".into());
    }
    if !problems.is_empty() {
        bail!(
            "{}: {} problem(s):\n  - {}",
            path.display(),
            problems.len(),
            problems.join("\n  - ")
        );
    }
    Ok(())
}

/// Writes and verifies both archives and `SHA256SUMS` in `dist_dir`. Returns the archives.
pub fn write_all(
    dist_dir: &Path,
    version: &str,
    inputs: &[(Platform, Inputs)],
) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dist_dir)?;
    let mut written = Vec::new();
    let mut sums = String::new();
    for (platform, inputs) in inputs {
        let entries = entries(*platform, inputs)?;
        let path = dist_dir.join(platform.archive_name(version));
        let top = platform.top_dir(version);
        write_archive(*platform, &path, &top, &entries)?;
        verify_archive(*platform, &path, &top, &entries)?;
        sums.push_str(&format!(
            "{}  {}\n",
            sha256_hex(&fs::read(&path)?),
            platform.archive_name(version)
        ));
        eprintln!(
            "{}: {} files, {:.1} MB, checked",
            path.display(),
            entries.len(),
            fs::metadata(&path)?.len() as f64 / 1e6
        );
        written.push(path);
    }
    fs::write(dist_dir.join("SHA256SUMS"), sums)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# Lathe\n\n## Install from a release archive\n\n### Install on Linux\n\n\
        Copy `CLAP/*` into `~/.clap` and `VST3/*` into `~/.vst3`.\n\n### Install on Windows\n\n\
        Copy `CLAP\\*` into `C:\\Program Files\\Common Files\\CLAP` and `VST3\\*` into \
        `C:\\Program Files\\Common Files\\VST3`.\n\n## Layout\n\nother text\n";

    /// A small fake build of both platforms in a temporary directory.
    fn fake_build(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
        let bundles = dir.join("bundled");
        fs::create_dir_all(bundles.join("Lathe Test.vst3/Contents/x86_64-win")).unwrap();
        fs::write(bundles.join("Lathe Test.clap"), b"clap library").unwrap();
        fs::write(
            bundles.join("Lathe Test.vst3/Contents/x86_64-win/Lathe Test.vst3"),
            b"clap library",
        )
        .unwrap();
        let cli = dir.join("lathe.exe");
        fs::write(&cli, b"program").unwrap();
        let licence = dir.join("LICENSE");
        fs::write(&licence, "GNU GENERAL PUBLIC LICENSE\nVersion 3\n").unwrap();
        (bundles, cli, licence)
    }

    #[test]
    fn readme_sections_end_at_the_next_heading() {
        let s = readme_section(README, "### Install on Windows").unwrap();
        assert!(s.starts_with("Install on Windows\n"));
        assert!(s.contains(r"C:\Program Files\Common Files\CLAP"));
        assert!(!s.contains("other text") && !s.contains("~/.clap"));
        assert!(readme_section(README, "### Install on macOS").is_err());
    }

    #[test]
    fn both_archives_round_trip_and_a_changed_file_is_caught() {
        let dir = std::env::temp_dir().join(format!("lathe-xtask-dist-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let (bundles, cli, licence) = fake_build(&dir);
        let names = vec!["Lathe Test".to_string()];
        let inputs = |_| Inputs {
            bundle_dir: &bundles,
            names: &names,
            cli: &cli,
            readme: README,
            licence: &licence,
        };
        let dist = dir.join("dist");
        let written = write_all(
            &dist,
            "9.9.9",
            &[
                (Platform::Linux, inputs(())),
                (Platform::Windows, inputs(())),
            ],
        )
        .unwrap();
        assert_eq!(written.len(), 2);
        assert!(written[0].ends_with("lathe-9.9.9-linux-x86_64.tar.gz"));
        assert!(written[1].ends_with("lathe-9.9.9-windows-x86_64.zip"));
        let sums = fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
        assert_eq!(sums.lines().count(), 2);

        let zip = read_archive(Platform::Windows, &written[1]).unwrap();
        let names: Vec<&str> = zip.iter().map(|(n, _, _)| n.as_str()).collect();
        let top = "lathe-9.9.9-windows-x86_64";
        for want in [
            "CLAP/Lathe Test.clap",
            "VST3/Lathe Test.vst3/Contents/x86_64-win/Lathe Test.vst3",
            "lathe.exe",
            "INSTALL.txt",
            "LICENSE",
            "SHA256SUMS",
        ] {
            assert!(names.contains(&format!("{top}/{want}").as_str()), "{want}");
        }
        let exe = zip
            .iter()
            .find(|(n, _, _)| n.ends_with("lathe.exe"))
            .unwrap();
        assert_eq!(exe.1, b"program");
        assert_eq!(exe.2 & 0o111, 0o111);

        // The verification is not a formality: a different file, a missing one or a wrong
        // install text fails it.
        let mut entries = entries(Platform::Windows, &inputs(())).unwrap();
        let good = entries.clone();
        entries[0].data.push(b'!');
        assert!(verify_archive(Platform::Windows, &written[1], top, &entries).is_err());
        assert!(verify_archive(Platform::Windows, &written[1], top, &good[1..]).is_err());
        let linux_top = "lathe-9.9.9-linux-x86_64";
        let linux = super::entries(Platform::Linux, &inputs(())).unwrap();
        assert!(verify_archive(Platform::Linux, &written[0], linux_top, &linux).is_ok());
        assert!(verify_archive(Platform::Windows, &written[1], top, &linux).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
