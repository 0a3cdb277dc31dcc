//! Check 5: state.
//!
//! - save → load into a fresh instance → save again gives identical bytes, after moving every
//!   parameter to a seeded random value (through `params.flush`, as a host restoring automation
//!   would);
//! - both instances then give identical audio for the same input and the same parameter change
//!   (an event on the gain-type parameter in the middle of a block, or on every parameter for
//!   plugins without one), bit-exact;
//! - loading through a stream that hands over 1..=17 bytes per read works, and saving through a
//!   stream that accepts 1..=17 bytes per write gives the same bytes;
//! - random garbage, truncated state (every cut of the first 64 bytes, then a sample of longer
//!   cuts), an empty stream and a wrong length prefix are rejected (load returns an error), the
//!   instance keeps its previous state (save again = the same bytes) and still processes finite
//!   audio. Loads happen while inactive and while active-but-not-processing (both allowed on
//!   the main thread).

use lathe_host_tests::*;
use rand::{RngExt, SeedableRng};

const RATE: f64 = 48_000.0;

fn randomise(host: &mut PluginHost, seed: u64) {
    host.randomise_params(seed);
}

fn values(host: &mut PluginHost) -> Vec<(u32, Option<f64>)> {
    host.params()
        .into_iter()
        .map(|p| (p.id, host.param_value(p.id)))
        .collect()
}

fn roundtrip(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let mut a = PluginHost::load(spec);
    randomise(&mut a, 11);
    let saved = a
        .save_state(None)
        .unwrap_or_else(|e| panic!("{}: save failed: {e}", spec.info.name));
    f.check(!saved.is_empty(), || {
        format!("{}: empty state", spec.info.name)
    });

    let mut b = PluginHost::load(spec);
    if let Err(e) = b.load_state(&saved, None) {
        f.push(format!(
            "{}: loading its own state failed: {e}",
            spec.info.name
        ));
    }
    let again = b.save_state(None).unwrap();
    f.check(again == saved, || {
        format!(
            "{}: save → load → save differs:\n  first:  {}\n  second: {}",
            spec.info.name,
            String::from_utf8_lossy(&saved),
            String::from_utf8_lossy(&again)
        )
    });
    let (va, vb) = (values(&mut a), values(&mut b));
    f.check(va == vb, || {
        format!(
            "{}: parameter values differ after load: {va:?} vs {vb:?}",
            spec.info.name
        )
    });

    // Short reads and short writes.
    for chunk in 1..=17 {
        let mut c = PluginHost::load(spec);
        if let Err(e) = c.load_state(&saved, Some(chunk)) {
            f.push(format!(
                "{}: load with {chunk}-byte reads failed: {e}",
                spec.info.name
            ));
            continue;
        }
        let s = c.save_state(Some(chunk));
        f.check(s.as_ref() == Ok(&saved), || {
            format!(
                "{}: {chunk}-byte reads then {chunk}-byte writes gave different state: {:?}",
                spec.info.name,
                s.as_ref().map(|s| String::from_utf8_lossy(s).into_owned())
            )
        });
    }

    // Identical audio after the same parameter change.
    let change: Vec<ParamEvent> = match spec.gain_param {
        Some((id, _, to_db)) => {
            let p = a.param_by_string_id(id);
            let v = a.text_to_value(p.id, &format!("{to_db}")).unwrap();
            vec![ParamEvent::new(100, p.id, v)]
        }
        None => a
            .params()
            .into_iter()
            .filter(|p| !p.is_bypass())
            .map(|p| ParamEvent::new(100, p.id, p.default))
            .collect(),
    };
    a.activate(RATE, 1, 512);
    b.activate(RATE, 1, 512);
    for blk in 0..8 {
        let input = test_signal(2, 512, RATE, 0.25, 300 + blk);
        let mut oa = vec![vec![0.0; 512]; 2];
        let mut ob = vec![vec![0.0; 512]; 2];
        let ev: &[ParamEvent] = if blk == 3 { &change } else { &[] };
        a.process(&input, &mut oa, ev);
        b.process(&input, &mut ob, ev);
        f.check(oa == ob, || {
            format!(
                "{}: block {blk}: saved and restored instances give different audio",
                spec.info.name
            )
        });
    }
    // After the change both save the same state again.
    let (sa, sb) = (a.save_state(None).unwrap(), b.save_state(None).unwrap());
    f.check(sa == sb, || {
        format!(
            "{}: after the same change the states differ",
            spec.info.name
        )
    });
    check_host(&mut f, &a);
    check_host(&mut f, &b);
    f.finish(spec.info.name);
}

#[test]
fn roundtrip_channel() {
    roundtrip(&CHANNEL);
}
#[test]
fn roundtrip_eq() {
    roundtrip(&EQ);
}
#[test]
fn roundtrip_limiter() {
    roundtrip(&LIMITER);
}
#[test]
fn roundtrip_meter() {
    roundtrip(&METER);
}

fn rejects_garbage(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let mut host = PluginHost::load(spec);
    randomise(&mut host, 23);
    let good = host.save_state(None).unwrap();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(99);

    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    blobs.push(("empty".into(), Vec::new()));
    for n in [1usize, 7, 8, 9, 64, 1000, 5000] {
        let mut v = vec![0u8; n];
        rng.fill(&mut v[..]);
        blobs.push((format!("{n} random bytes"), v));
    }
    // Random bytes behind a plausible length prefix.
    for n in [16usize, 200] {
        let mut v = (n as u64).to_le_bytes().to_vec();
        let mut body = vec![0u8; n];
        rng.fill(&mut body[..]);
        v.extend(body);
        blobs.push((format!("length prefix + {n} random bytes"), v));
    }
    // Valid JSON that is not this plugin's state, behind a correct prefix.
    for json in [&b"{}"[..], b"[]", b"null", b"{\"params\": 5}", b"\"x\""] {
        let mut v = (json.len() as u64).to_le_bytes().to_vec();
        v.extend_from_slice(json);
        blobs.push((
            format!("foreign JSON {:?}", String::from_utf8_lossy(json)),
            v,
        ));
    }
    // Truncations: every cut in the first 64 bytes, then every 97th.
    for cut in (0..good.len().min(64)).chain((64..good.len()).step_by(97)) {
        blobs.push((
            format!("state truncated to {cut} of {} bytes", good.len()),
            good[..cut].to_vec(),
        ));
    }
    // A length prefix claiming more than there is, and one claiming less.
    if good.len() > 8 {
        // (A prefix announcing more bytes than the stream holds, in front of a complete state,
        // is accepted by nice-plug's wrapper, which parses whatever arrived before the end of
        // the stream: not corrupt data, so only "state unchanged" is required; see below.)
        let mut v = good.clone();
        v[..8].copy_from_slice(&((good.len() as u64) * 2).to_le_bytes());
        blobs.push(("complete state behind a length prefix too long".into(), v));
        let mut v = good.clone();
        v[..8].copy_from_slice(&((good.len() as u64 - 8) / 2).to_le_bytes());
        blobs.push(("length prefix too short".into(), v));
        let mut v = good.clone();
        v[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        blobs.push(("length prefix u64::MAX".into(), v));
    }
    // Flipped bytes in the body.
    for _ in 0..20 {
        let mut v = good.clone();
        let i = rng.random_range(8..v.len());
        v[i] ^= 0xff;
        blobs.push((format!("byte {i} inverted"), v));
    }

    let logged_before = plugin_log_count("Failed to load state");
    // Blobs too short to hold the 8-byte length prefix: the framework's wrapper logs each one.
    let mut rejected_short = 0;
    for (active, label) in [(false, "inactive"), (true, "active")] {
        if active {
            host.activate(RATE, 1, 256);
            host.stop_processing();
        }
        for (what, blob) in &blobs {
            let res = host.load_state(blob, Some(13));
            let now = host.save_state(None).unwrap();
            // A blob that still parses is only acceptable if it is a complete state (the check
            // below then requires that nothing changed).
            let may_parse = what.starts_with("byte ") || what.starts_with("complete state");
            rejected_short += usize::from(res.is_err() && blob.len() < 8);
            if res.is_ok() && !may_parse {
                f.push(format!(
                    "{} ({label}): load accepted {what}",
                    spec.info.name
                ));
            }
            f.check(now == good, || {
                format!(
                    "{} ({label}): state changed by rejected load of {what}:\n  before: {}\n  after:  {}",
                    spec.info.name,
                    String::from_utf8_lossy(&good),
                    String::from_utf8_lossy(&now)
                )
            });
        }
        if active {
            host.start_processing();
            let input = test_signal(2, 256, RATE, 0.25, 5);
            let mut out = vec![vec![0.0; 256]; 2];
            for _ in 0..4 {
                host.process(&input, &mut out, &[]);
            }
            f.check(first_bad_sample(&out).is_none(), || {
                format!("{}: bad output after rejected loads", spec.info.name)
            });
            f.check(out.iter().flatten().any(|&x| x != 0.0), || {
                format!("{}: silent output after rejected loads", spec.info.name)
            });
        }
    }
    // The plugin says what it rejected, in its own log (kept out of the test output: see
    // `plugin_log`). Other tests of this binary log there too, so the count can only grow more.
    if plugin_log().is_some() {
        // The framework's logger writes from a worker thread: give it a moment to catch up.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut logged = plugin_log_count("Failed to load state") - logged_before;
        while logged < rejected_short && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            logged = plugin_log_count("Failed to load state") - logged_before;
        }
        f.check(rejected_short > 0 && logged >= rejected_short, || {
            format!(
                "{}: {rejected_short} short blobs rejected but {logged} 'Failed to load state' \
                 lines logged",
                spec.info.name
            )
        });
    }
    check_host(&mut f, &host);
    f.finish(spec.info.name);
}

#[test]
fn rejects_garbage_channel() {
    rejects_garbage(&CHANNEL);
}
#[test]
fn rejects_garbage_eq() {
    rejects_garbage(&EQ);
}
#[test]
fn rejects_garbage_limiter() {
    rejects_garbage(&LIMITER);
}
#[test]
fn rejects_garbage_meter() {
    rejects_garbage(&METER);
}
