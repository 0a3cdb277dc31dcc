//! `lathe`: loudness analysis and offline rendering with the plugins' own DSP.

mod render;

use lathe_cli::{analyze, audio};

use clap::{Parser, Subcommand, ValueEnum};
use shared_dsp::true_peak::TruePeakMode;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "lathe",
    version,
    about = "Lathe: loudness analysis and offline rendering"
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
    /// Exit code: 0 all files read (and within --target), 1 a file could not be read (the
    /// others are still reported), 3 a file misses the --target.
    Analyze {
        /// WAV or FLAC files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// True-peak interpolator.
        #[arg(long, value_enum, default_value = "bs1770")]
        true_peak: TruePeak,
        /// Check every file against a delivery spec: ebu (-23 LUFS ±0.2, -1 dBTP), atsc (-24
        /// ±2, -2 dBTP), spotify/youtube/tidal/amazon (-14 ±1, -1 dBTP), apple or aes (-16 ±1,
        /// -1 dBTP), or a loudness such as -18 (±0.5, -1 dBTP). Exit code 3 if a file misses it.
        #[arg(long, allow_hyphen_values = true, value_name = "PRESET|LUFS")]
        target: Option<String>,
        /// Override the target's loudness tolerance, ± LU.
        #[arg(long, value_name = "LU")]
        tolerance: Option<f64>,
        /// Override the target's true-peak ceiling, dBTP.
        #[arg(long, allow_hyphen_values = true, value_name = "DBTP")]
        max_true_peak: Option<f64>,
    },
    /// Run a file through a plugin's processing; output is 32-bit float WAV, latency-compensated.
    Render {
        /// channel, eq, limiter or meter.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(
            lathe_suite::PLUGINS.iter().map(|p| p.info().cli_name)
        ))]
        plugin: String,
        input: PathBuf,
        output: PathBuf,
        /// Parameter values by id, parsed as the plugin parses typed text: `--set ceil=-1`.
        #[arg(long = "set", value_name = "ID=VALUE")]
        sets: Vec<String>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Analyze {
            files,
            json,
            true_peak,
            target,
            tolerance,
            max_true_peak,
        } => {
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
            let bar = progress_bar();
            let mut reports = Vec::new();
            let mut errors = Vec::new();
            for file in &files {
                bar.set_message(file.display().to_string());
                match analyze::analyze_file(file, mode, Some(&bar)) {
                    Ok(mut report) => {
                        report.target_check =
                            spec.as_ref().map(|s| analyze::check_target(&report, s));
                        if !json {
                            bar.suspend(|| {
                                analyze::print_track(&report);
                                if let (Some(c), Some(s)) = (&report.target_check, &spec) {
                                    analyze::print_check(c, s);
                                }
                            });
                        }
                        reports.push(report);
                    }
                    Err(e) => {
                        bar.suspend(|| eprintln!("lathe: {}: {e:#}", file.display()));
                        errors.push(serde_json::json!({
                            "file": file.display().to_string(),
                            "error": format!("{e:#}"),
                        }));
                    }
                }
            }
            bar.finish_and_clear();
            let album = (reports.len() > 1).then(|| analyze::album(&reports));
            let missed = reports
                .iter()
                .filter(|r| r.target_check.as_ref().is_some_and(|c| !c.pass))
                .count();
            if json {
                let doc = serde_json::json!({
                    "tracks": reports,
                    "album": album,
                    "target": spec,
                    "errors": errors,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&doc).expect("serialisable")
                );
            } else if let Some(album) = &album {
                analyze::print_album(album);
            }
            if !errors.is_empty() {
                ExitCode::FAILURE
            } else if missed > 0 {
                if !json {
                    eprintln!(
                        "lathe: {missed} of {} file(s) miss the target",
                        reports.len()
                    );
                }
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Render {
            plugin,
            input,
            output,
            sets,
        } => match render::plugin(&plugin)
            .and_then(|plugin| render::render(plugin, &input, &output, &sets))
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lathe: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// A progress bar on stderr when stderr is a terminal; hidden otherwise (pipes, logs, tests).
fn progress_bar() -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:.bold} [{bar:30}] {percent:>3}% {elapsed}<{eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}
