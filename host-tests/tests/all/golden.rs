//! Check 7: states written by earlier releases still load (the suite's state promise: "states written by
//! earlier releases still load (keep golden files)").
//!
//! `host-tests/golden/<bundle>/<version>.state` is the CLAP state a released bundle saved after
//! every parameter was moved to a seeded random value; `<version>.params` lists, one per line,
//! `<clap param id> <value>` of that moment (ids are stable: they hash the parameters' string
//! ids). Today's bundle must load every stored state and restore every listed parameter to the
//! saved value (parameters added since then keep their defaults), then process finite audio.
//!
//! The files are written only on request, when a release is cut:
//! `LATHE_WRITE_GOLDEN=<version> cargo test -p lathe-host-tests -- golden::` (never silently:
//! without the variable a missing golden file is a failure).

use lathe_host_tests::*;
use std::path::PathBuf;

fn golden_dir(spec: &PluginSpec) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(spec.info.name.replace(' ', "-"))
}

fn write_golden(spec: &'static PluginSpec, version: &str) {
    let mut host = PluginHost::load(spec);
    host.randomise_params(0x601d);
    let state = host.save_state(None).expect("save");
    let mut params = String::new();
    for p in host.params() {
        let v = host.param_value(p.id).expect("value");
        params.push_str(&format!("{} {v:?}\n", p.id));
    }
    let dir = golden_dir(spec);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{version}.state")), state).unwrap();
    std::fs::write(dir.join(format!("{version}.params")), params).unwrap();
}

fn check_golden(spec: &'static PluginSpec) {
    if let Ok(version) = std::env::var("LATHE_WRITE_GOLDEN") {
        write_golden(spec, &version);
    }
    let dir = golden_dir(spec);
    let mut states: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: no golden states in {}: {e}",
                spec.info.name,
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "state"))
        .collect();
    states.sort();
    assert!(!states.is_empty(), "{}: no golden states", spec.info.name);

    let mut f = Failures::new();
    for state_path in states {
        let release = state_path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let bytes = std::fs::read(&state_path).unwrap();
        let listed = std::fs::read_to_string(state_path.with_extension("params")).unwrap();
        let mut host = PluginHost::load(spec);
        if let Err(e) = host.load_state(&bytes, None) {
            f.push(format!(
                "{}: the {release} state does not load: {e}",
                spec.info.name
            ));
            continue;
        }
        for line in listed.lines().filter(|l| !l.trim().is_empty()) {
            let mut it = line.split_whitespace();
            let id: u32 = it.next().unwrap().parse().unwrap();
            let want: f64 = it.next().unwrap().parse().unwrap();
            match host.param_value(id) {
                None => f.push(format!(
                    "{}: parameter {id} of the {release} state is gone",
                    spec.info.name
                )),
                Some(got) => f.check((got - want).abs() <= 1e-6 * want.abs().max(1.0), || {
                    format!(
                        "{}: parameter {id} from the {release} state: saved {want}, loaded {got}",
                        spec.info.name
                    )
                }),
            }
        }
        host.activate(48_000.0, 1, 512);
        let channels = host.main_channels();
        let input: Vec<Vec<f32>> = (0..channels)
            .map(|c| {
                (0..4096)
                    .map(|i| 0.25 * ((i * (c + 3)) as f32 * 0.01).sin())
                    .collect()
            })
            .collect();
        let out = host.process_signal(&input, &[512], &[]);
        f.check(out.iter().flatten().all(|x| x.is_finite()), || {
            format!(
                "{}: non-finite output after loading the {release} state",
                spec.info.name
            )
        });
        host.deactivate();
    }
    f.finish("golden states");
}

#[test]
fn channel_strip_loads_old_states() {
    check_golden(&CHANNEL);
}

#[test]
fn mastering_eq_loads_old_states() {
    check_golden(&EQ);
}

#[test]
fn limiter_loads_old_states() {
    check_golden(&LIMITER);
}

#[test]
fn loudness_meter_loads_old_states() {
    check_golden(&METER);
}
