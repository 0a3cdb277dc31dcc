//! `lathe`: loudness analysis and offline rendering with the plugins' own DSP.

mod analyze;
mod audio;
mod render;

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
    },
    /// Run a file through a plugin's processing; output is 32-bit float WAV, latency-compensated.
    Render {
        #[arg(value_enum)]
        plugin: render::PluginKind,
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
        } => {
            let mode = match true_peak {
                TruePeak::Bs1770 => TruePeakMode::Bs1770,
                TruePeak::Accurate => TruePeakMode::Accurate,
            };
            let mut reports = Vec::new();
            let mut errors = Vec::new();
            for file in &files {
                match analyze::analyze_file(file, mode) {
                    Ok(report) => {
                        if !json {
                            analyze::print_track(&report);
                        }
                        reports.push(report);
                    }
                    Err(e) => {
                        eprintln!("lathe: {}: {e:#}", file.display());
                        errors.push(serde_json::json!({
                            "file": file.display().to_string(),
                            "error": format!("{e:#}"),
                        }));
                    }
                }
            }
            let album = (reports.len() > 1).then(|| analyze::album(&reports));
            if json {
                let doc = serde_json::json!({
                    "tracks": reports,
                    "album": album,
                    "errors": errors,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&doc).expect("serialisable")
                );
            } else if let Some(album) = &album {
                analyze::print_album(album);
            }
            if errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Render {
            plugin,
            input,
            output,
            sets,
        } => match render::render(plugin, &input, &output, &sets) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lathe: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
