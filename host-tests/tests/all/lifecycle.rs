//! Check 1: the factory lists each plugin correctly; create/init/activate/destroy work, destroy
//! without activate works, 100 activate/deactivate cycles (with start/stop processing in some).
//! Also: audio ports (stereo in/out, the channel strip's stereo sidechain) and mono through
//! audio-ports-config (and ≥ 6 channels for plugins with the "surround" feature).

use lathe_host_tests::*;

fn factory_lists(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let all = descriptors(spec);
    f.check(all.len() == 1, || {
        format!(
            "{}: factory lists {} plugins, expected 1: {all:?}",
            spec.info.name,
            all.len()
        )
    });
    match all.iter().find(|d| d.id == spec.info.clap_id) {
        None => f.push(format!(
            "{}: factory does not list id {:?}; it lists {:?}",
            spec.info.name,
            spec.info.clap_id,
            all.iter().map(|d| &d.id).collect::<Vec<_>>()
        )),
        Some(d) => {
            f.check(d.name == spec.info.name, || {
                format!(
                    "{}: name: expected {:?}, got {:?}",
                    spec.info.name, spec.info.name, d.name
                )
            });
            f.check(d.vendor == lathe_plugin::info::VENDOR, || {
                format!(
                    "{}: vendor: expected {:?}, got {:?}",
                    spec.info.name,
                    lathe_plugin::info::VENDOR,
                    d.vendor
                )
            });
            f.check(d.version == VERSION, || {
                format!(
                    "{}: version: expected {VERSION:?}, got {:?}",
                    spec.info.name, d.version
                )
            });
            let mut want: Vec<&str> = spec.info.clap_features.iter().map(|f| f.as_str()).collect();
            let mut got: Vec<&str> = d.features.iter().map(String::as_str).collect();
            want.sort_unstable();
            got.sort_unstable();
            f.check(want == got, || {
                format!(
                    "{}: features: expected {want:?}, got {got:?}",
                    spec.info.name
                )
            });
        }
    }
    f.finish(spec.info.name);
}

#[test]
fn factory_channel() {
    factory_lists(&CHANNEL);
}
#[test]
fn factory_eq() {
    factory_lists(&EQ);
}
#[test]
fn factory_limiter() {
    factory_lists(&LIMITER);
}
#[test]
fn factory_meter() {
    factory_lists(&METER);
}

fn lifecycle(spec: &'static PluginSpec) {
    let mut f = Failures::new();

    // Create, init, destroy without ever activating.
    {
        let host = PluginHost::load(spec);
        check_host(&mut f, &host);
    }

    // Create, init, activate, process a little, deactivate, destroy.
    {
        let mut host = PluginHost::load(spec);
        host.activate(48_000.0, 1, 512);
        let input = test_signal(2, 512, 48_000.0, 0.25, 1);
        let mut out = vec![vec![0.0; 512]; 2];
        host.process(&input, &mut out, &[]);
        f.check(first_bad_sample(&out).is_none(), || {
            format!("{}: non-finite output after activate", spec.info.name)
        });
        host.deactivate();
        check_host(&mut f, &host);
    }

    // Destroy while active (the host tears down: stop, deactivate, destroy in Drop).
    {
        let mut host = PluginHost::load(spec);
        host.activate(44_100.0, 1, 256);
        check_host(&mut f, &host);
    }

    // 100 activate/deactivate cycles; every third with processing started and a block run,
    // every fifth activated without start_processing at all; rates alternate.
    {
        let mut host = PluginHost::load(spec);
        let input = test_signal(2, 64, 48_000.0, 0.25, 2);
        for i in 0..100 {
            let rate = [44_100.0, 48_000.0, 96_000.0][i % 3];
            if i % 5 == 0 {
                host.try_activate(rate, 1, 64).unwrap_or_else(|e| {
                    panic!("{}: cycle {i}: activate failed: {e}", spec.info.name)
                });
            } else {
                host.activate(rate, 1, 64);
                if i % 3 == 0 {
                    let mut out = vec![vec![0.0; 64]; 2];
                    host.process(&input, &mut out, &[]);
                    f.check(first_bad_sample(&out).is_none(), || {
                        format!(
                            "{}: cycle {i}: bad output {:?}",
                            spec.info.name,
                            first_bad_sample(&out)
                        )
                    });
                    host.stop_processing();
                    host.start_processing();
                    host.process(&input, &mut out, &[]);
                }
            }
            host.deactivate();
        }
        check_host(&mut f, &host);
    }
    f.finish(spec.info.name);
}

#[test]
fn lifecycle_channel() {
    lifecycle(&CHANNEL);
}
#[test]
fn lifecycle_eq() {
    lifecycle(&EQ);
}
#[test]
fn lifecycle_limiter() {
    lifecycle(&LIMITER);
}
#[test]
fn lifecycle_meter() {
    lifecycle(&METER);
}

/// Stereo main in/out; the channel strip's second input port is a stereo sidechain; mono works
/// through audio-ports-config (and processes a block).
fn ports(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let mut host = PluginHost::load(spec);
    let ins = host.audio_ports(true);
    let outs = host.audio_ports(false);
    let main_in = ins.first();
    let main_out = outs.first();
    f.check(
        main_in.is_some_and(|p| p.channels == 2 && p.is_main()),
        || {
            format!(
                "{}: first input port should be the stereo main: {ins:?}",
                spec.info.name
            )
        },
    );
    f.check(
        main_out.is_some_and(|p| p.channels == 2 && p.is_main()),
        || {
            format!(
                "{}: first output port should be the stereo main: {outs:?}",
                spec.info.name
            )
        },
    );
    f.check(
        main_in.is_some_and(|p| p.port_type.as_deref() == Some("stereo")),
        || {
            format!(
                "{}: main input port type should be \"stereo\": {ins:?}",
                spec.info.name
            )
        },
    );
    f.check(outs.len() == 1, || {
        format!(
            "{}: expected exactly one output port: {outs:?}",
            spec.info.name
        )
    });
    if spec.sidechain {
        f.check(ins.len() == 2, || {
            format!(
                "{}: expected main + sidechain input ports: {ins:?}",
                spec.info.name
            )
        });
        if let Some(sc) = ins.get(1) {
            f.check(sc.channels == 2 && !sc.is_main(), || {
                format!(
                    "{}: sidechain should be a stereo non-main port: {sc:?}",
                    spec.info.name
                )
            });
            f.check(sc.name.to_lowercase().contains("sidechain"), || {
                format!("{}: sidechain port name: {:?}", spec.info.name, sc.name)
            });
        }
    } else {
        f.check(ins.len() == 1, || {
            format!(
                "{}: expected exactly one input port: {ins:?}",
                spec.info.name
            )
        });
    }

    // Process with the sidechain fed (a connected sidechain) and with it silent/constant (an
    // unconnected one): both give finite output.
    host.activate(48_000.0, 1, 256);
    let input = test_signal(2, 256, 48_000.0, 0.25, 3);
    let mut out = vec![vec![0.0; 256]; 2];
    if spec.sidechain {
        let sc = test_signal(2, 256, 48_000.0, 0.9, 4);
        host.process_with_sidechain(&input, Some(&sc), &mut out, &[]);
        f.check(first_bad_sample(&out).is_none(), || {
            format!("{}: bad output with sidechain fed", spec.info.name)
        });
    }
    host.process(&input, &mut out, &[]);
    f.check(first_bad_sample(&out).is_none(), || {
        format!("{}: bad output with sidechain silent", spec.info.name)
    });
    host.deactivate();

    // Mono through audio-ports-config.
    match host.ports_configs() {
        None => f.push(format!(
            "{}: no audio-ports-config extension: a host cannot pick the mono layout",
            spec.info.name
        )),
        Some(configs) => {
            let mono = configs
                .iter()
                .find(|c| c.main_input_channels == Some(1) && c.main_output_channels == Some(1));
            match mono {
                None => f.push(format!(
                    "{}: no mono config among {configs:?}",
                    spec.info.name
                )),
                Some(mono) => {
                    let mono = mono.clone();
                    f.check(host.select_ports_config(mono.id), || {
                        format!("{}: selecting mono config {mono:?} failed", spec.info.name)
                    });
                    let ins = host.audio_ports(true);
                    let outs = host.audio_ports(false);
                    f.check(
                        ins.first().is_some_and(|p| p.channels == 1)
                            && outs.first().is_some_and(|p| p.channels == 1),
                        || {
                            format!(
                                "{}: after selecting mono: in {ins:?} out {outs:?}",
                                spec.info.name
                            )
                        },
                    );
                    // (The sidechain is optional in mono: the channel strip's mono layout has
                    // none. Any extra input port still gets silence from the host.)
                    host.activate(48_000.0, 1, 256);
                    let input = test_signal(1, 256, 48_000.0, 0.25, 5);
                    let mut out = vec![vec![0.0; 256]; 1];
                    for _ in 0..4 {
                        host.process(&input, &mut out, &[]);
                    }
                    f.check(first_bad_sample(&out).is_none(), || {
                        format!("{}: bad mono output", spec.info.name)
                    });
                    if spec.bit_exact_at_default && spec.latency == LatencyRule::Zero {
                        f.check(out[0] == input[0], || {
                            format!(
                                "{}: mono output differs from input at defaults",
                                spec.info.name
                            )
                        });
                    }
                    host.deactivate();
                }
            }
        }
    }
    // A plugin that claims "surround" must offer a layout of at least 5.1 (6 channels) and
    // process it (bit-exact at defaults for pass-through plugins).
    if spec
        .info
        .clap_features
        .iter()
        .any(|f| f.as_str() == "surround")
    {
        let configs = host.ports_configs().unwrap_or_default();
        match configs
            .iter()
            .find(|c| c.main_input_channels.unwrap_or(0) >= 6)
        {
            None => f.push(format!(
                "{}: features say surround but no config has ≥ 6 channels: {configs:?}",
                spec.info.name
            )),
            Some(c) => {
                let (id, ch) = (c.id, c.main_input_channels.unwrap() as usize);
                f.check(host.select_ports_config(id), || {
                    format!(
                        "{}: selecting the {ch}-channel config failed",
                        spec.info.name
                    )
                });
                host.activate(48_000.0, 1, 256);
                let input = test_signal(ch, 256, 48_000.0, 0.25, 6);
                let mut out = vec![vec![0.0; 256]; ch];
                host.process(&input, &mut out, &[]);
                f.check(first_bad_sample(&out).is_none(), || {
                    format!("{}: bad {ch}-channel output", spec.info.name)
                });
                if spec.bit_exact_at_default && spec.latency == LatencyRule::Zero {
                    f.check(out == input, || {
                        format!("{}: {ch}-channel output differs from input", spec.info.name)
                    });
                }
                host.deactivate();
            }
        }
    }
    check_host(&mut f, &host);
    f.finish(spec.info.name);
}

#[test]
fn ports_channel() {
    ports(&CHANNEL);
}
#[test]
fn ports_eq() {
    ports(&EQ);
}
#[test]
fn ports_limiter() {
    ports(&LIMITER);
}
#[test]
fn ports_meter() {
    ports(&METER);
}
