//! `lathe`: loudness analysis and offline rendering with the plugins' own DSP.

mod render;

use lathe_cli::analyze;
use lathe_cli::audio::SampleFormat;
use lathe_cli::layout::Layout;
use lathe_cli::params::UsageError;

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use shared_dsp::true_peak::TruePeakMode;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes (when several apply, the first in this list wins; --json gives every file's status):
  2  bad arguments (unknown option, target, layout, parameter or value; output = input)
  1  a file could not be read or written (named on stderr; the other files are still reported)
  4  a file holds non-finite samples (NaN or infinite: a broken master)
  3  a file misses the --target
  0  everything read and within the target";

#[derive(Parser)]
#[command(
    name = "lathe",
    version,
    about = "Lathe: loudness analysis and offline rendering",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum TruePeak {
    /// ITU-R BS.1770 Annex 2 (4x, 48 taps)
    Bs1770,
    /// 8x interpolation, under-reads at most ~0.2 dB near Nyquist
    Accurate,
}

#[derive(Subcommand)]
enum Command {
    /// Print the loudness report of each file (and album figures for several files).
    ///
    /// Reads WAV (PCM 8-32 bit, float 32/64, EXTENSIBLE), RF64/BW64, AIFF/AIFC, FLAC, MP3,
    /// AAC/ALAC (MP4/M4A), Ogg Vorbis, CAF and Matroska. Files are analysed in parallel, one per
    /// core, and reported in argument order.
    #[command(after_help = EXIT_CODES)]
    Analyze {
        /// Audio files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// True-peak interpolator.
        #[arg(long, value_enum, default_value = "bs1770")]
        true_peak: TruePeak,
        /// Check every file against a delivery spec: ebu/r128/ebu-r128 (-23 LUFS ±0.2, -1 dBTP),
        /// atsc/a85/atsc-a85 (-24 ±2, -2 dBTP), spotify/youtube/tidal/amazon/streaming (-14 ±1,
        /// -1 dBTP), apple/apple-music or aes/td1008 (-16 ±1, -1 dBTP), or a loudness such as -18
        /// (±0.5, -1 dBTP). Exit code 3 if a file misses it.
        #[arg(long, allow_hyphen_values = true, value_name = "PRESET|LUFS")]
        target: Option<String>,
        /// Override the target's loudness tolerance, ± LU.
        #[arg(long, value_name = "LU")]
        tolerance: Option<f64>,
        /// The true-peak ceiling, dBTP: the target's, and the threshold above which the
        /// streaming tables mark a normalised track OVER (default: the target's, else -1).
        #[arg(long, allow_hyphen_values = true, value_name = "DBTP")]
        max_true_peak: Option<f64>,
        /// The channel layout of every file, overriding what the files declare: mono,
        /// dual-mono, stereo, 3.0, 2.1, quad, lcrs, 4.0, 5.0, 5.1, 6.1, 7.0, 7.1, or a list
        /// such as L,R,C,LFE,Ls,Rs (Lrs/Rrs rear, Cs back centre, M dual mono, - left out).
        #[arg(long, value_name = "LAYOUT")]
        layout: Option<String>,
    },
    /// Run a file through a plugin's processing, latency-compensated. Never harms a file: an
    /// output that is the input is refused, and the output is written to a temporary file
    /// renamed into place only when complete.
    #[command(after_help = EXIT_CODES)]
    Render {
        /// channel, eq, limiter or meter.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(
            lathe_suite::PLUGINS.iter().map(|p| p.info().cli_name)
        ))]
        plugin: String,
        input: PathBuf,
        /// .wav (RF64 past 4 GB) or .flac.
        output: PathBuf,
        /// Parameter values by id (see `lathe params PLUGIN`): `--set ceil=-1`.
        #[arg(long = "set", value_name = "ID=VALUE")]
        sets: Vec<String>,
        /// Output word length: 16, 24 or 32f (float). Default: the input's (float stays float;
        /// FLAC from float input: 24). Integer output is TPDF-dithered.
        #[arg(long, value_name = "16|24|32f")]
        bits: Option<String>,
    },
    /// List a plugin's parameters: id, name, unit, range or choices, default.
    Params {
        /// channel, eq, limiter or meter.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(
            lathe_suite::PLUGINS.iter().map(|p| p.info().cli_name)
        ))]
        plugin: String,
    },
}

/// Ends quietly when stdout is a closed pipe (`lathe analyze ... | head`); any other write error
/// is reported.
fn output_error(e: io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("lathe: cannot write the report: {e}");
    ExitCode::FAILURE
}

fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<UsageError>().is_some())
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE; the usual behaviour of a Unix filter is to end on it, quietly.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match Cli::parse().command {
        Command::Analyze {
            files,
            json,
            true_peak,
            target,
            tolerance,
            max_true_peak,
            layout,
        } => analyze_command(
            files,
            json,
            true_peak,
            target,
            tolerance,
            max_true_peak,
            layout,
        ),
        Command::Render {
            plugin,
            input,
            output,
            sets,
            bits,
        } => {
            let bits = match bits.as_deref().map(SampleFormat::parse).transpose() {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("lathe: {e:#}");
                    return ExitCode::from(2);
                }
            };
            match render::plugin(&plugin)
                .and_then(|plugin| render::render(plugin, &input, &output, &sets, bits))
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("lathe: {e:#}");
                    if is_usage(&e) {
                        ExitCode::from(2)
                    } else {
                        ExitCode::FAILURE
                    }
                }
            }
        }
        Command::Params { plugin } => {
            let plugin = match render::plugin(&plugin) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("lathe: {e:#}");
                    return ExitCode::from(2);
                }
            };
            match render::print_params(plugin, &mut io::stdout().lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => output_error(e),
            }
        }
    }
}

fn analyze_command(
    files: Vec<PathBuf>,
    json: bool,
    true_peak: TruePeak,
    target: Option<String>,
    tolerance: Option<f64>,
    max_true_peak: Option<f64>,
    layout: Option<String>,
) -> ExitCode {
    let mode = match true_peak {
        TruePeak::Bs1770 => TruePeakMode::Bs1770,
        TruePeak::Accurate => TruePeakMode::Accurate,
    };
    let spec = match target
        .as_deref()
        .map(|t| analyze::parse_target(t, tolerance, max_true_peak))
        .transpose()
    {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("lathe: {e:#}");
            return ExitCode::from(2);
        }
    };
    let layout = match layout.as_deref().map(Layout::parse).transpose() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("lathe: {e:#}");
            return ExitCode::from(2);
        }
    };
    let options = analyze::Options {
        mode,
        layout,
        clip_threshold_dbtp: spec
            .as_ref()
            .map(|s| s.max_true_peak_dbtp)
            .or(max_true_peak)
            .unwrap_or(-1.0),
    };
    let bar = progress_bar();

    // Files are measured in parallel and printed in argument order as soon as each one and all
    // before it are done.
    let (tx, rx) = std::sync::mpsc::channel();
    let results: Vec<Result<analyze::TrackReport, String>> = std::thread::scope(|scope| {
        let (files, options, bar) = (&files, &options, &bar);
        scope.spawn(move || {
            files
                .par_iter()
                .enumerate()
                .for_each_with(tx, |tx, (i, file)| {
                    let r = analyze::analyze_file(file, options, Some(bar))
                        .map_err(|e| format!("{e:#}"));
                    let _ = tx.send((i, r));
                });
        });
        let mut slots: Vec<Option<Result<analyze::TrackReport, String>>> =
            (0..files.len()).map(|_| None).collect();
        let mut next = 0;
        let mut out = io::stdout().lock();
        let mut broken = false;
        for (i, mut r) in rx {
            if let (Ok(report), Some(s)) = (&mut r, &spec) {
                report.target_check = Some(analyze::check_target(report, s));
                if report.target_check.as_ref().is_some_and(|c| !c.pass) && report.status == "ok" {
                    report.status = "target missed".to_string();
                }
            }
            slots[i] = Some(r);
            while next < slots.len() && slots[next].is_some() {
                if let Some(Err(e)) = &slots[next] {
                    bar.suspend(|| eprintln!("lathe: {}: {e}", files[next].display()));
                } else if !json && !broken {
                    let res = bar.suspend(|| -> io::Result<()> {
                        match slots[next].as_ref().expect("filled") {
                            Ok(report) => {
                                analyze::print_track(
                                    &mut out,
                                    report,
                                    options.clip_threshold_dbtp,
                                )?;
                                if let (Some(c), Some(s)) = (&report.target_check, &spec) {
                                    analyze::print_check(&mut out, c, s)?;
                                }
                                out.flush()
                            }
                            Err(_) => Ok(()),
                        }
                    });
                    if let Err(e) = res {
                        if e.kind() == io::ErrorKind::BrokenPipe {
                            broken = true;
                        } else {
                            eprintln!("lathe: cannot write the report: {e}");
                        }
                    }
                }
                next += 1;
            }
        }
        slots
            .into_iter()
            .map(|s| s.expect("every file answered"))
            .collect()
    });
    bar.finish_and_clear();

    let reports: Vec<analyze::TrackReport> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    let names: Vec<String> = files
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_ok())
        .map(|(f, _)| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let album = (reports.len() > 1).then(|| analyze::album(&reports, options.clip_threshold_dbtp));
    let unreadable = results.iter().filter(|r| r.is_err()).count();
    let non_finite = reports.iter().filter(|r| r.non_finite.is_some()).count();
    let missed = reports
        .iter()
        .filter(|r| r.target_check.as_ref().is_some_and(|c| !c.pass))
        .count();
    let code: u8 = if unreadable > 0 {
        1
    } else if non_finite > 0 {
        4
    } else if missed > 0 {
        3
    } else {
        0
    };
    let write = |out: &mut dyn Write| -> io::Result<()> {
        if json {
            let statuses: Vec<serde_json::Value> = files
                .iter()
                .zip(&results)
                .map(|(f, r)| match r {
                    Ok(t) => {
                        serde_json::json!({"file": f.display().to_string(), "status": t.status})
                    }
                    Err(e) => serde_json::json!({
                        "file": f.display().to_string(),
                        "status": "error",
                        "error": e,
                    }),
                })
                .collect();
            let errors: Vec<serde_json::Value> = files
                .iter()
                .zip(&results)
                .filter_map(|(f, r)| {
                    r.as_ref()
                        .err()
                        .map(|e| serde_json::json!({"file": f.display().to_string(), "error": e}))
                })
                .collect();
            let doc = serde_json::json!({
                "files": statuses,
                "tracks": reports,
                "album": album,
                "target": spec,
                "clip_threshold_dbtp": options.clip_threshold_dbtp,
                "errors": errors,
                "exit_code": code,
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).expect("serialisable")
            )?;
        } else if let Some(album) = &album {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            analyze::print_album(out, album, &names)?;
        }
        out.flush()
    };
    if let Err(e) = write(&mut io::stdout().lock())
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        return output_error(e);
    }
    if !json {
        if unreadable > 0 {
            eprintln!(
                "lathe: {unreadable} of {} file(s) could not be read",
                files.len()
            );
        }
        if non_finite > 0 {
            eprintln!("lathe: {non_finite} file(s) hold non-finite samples");
        }
        if missed > 0 {
            eprintln!(
                "lathe: {missed} of {} file(s) miss the target",
                reports.len()
            );
        }
    }
    ExitCode::from(code)
}

/// A progress bar on stderr when stderr is a terminal; hidden otherwise (pipes, logs, tests).
fn progress_bar() -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("[{bar:30}] {percent:>3}% {elapsed}<{eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}
