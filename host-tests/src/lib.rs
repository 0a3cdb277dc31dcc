//! Shared host plumbing for the conformance tests.
//!
//! Every test loads a built `.clap` bundle from `$LATHE_BUNDLE_DIR` (default
//! `<workspace>/target/bundled`) through `clack-host`, the way a DAW does: the plugin factory
//! lists descriptors, an instance is created and initialised, activated with a sample rate and
//! block sizes, and `process` runs on a separate, persistent audio thread while every main-thread
//! call (params, state, latency, ports, `on_main_thread`) happens on the test's own thread.
//!
//! Threading: nice-plug asks the host's `thread-check` extension whether a call is on the main
//! thread (and uses that to decide whether to run GUI tasks inline or to post them and call
//! `request_callback`). The host here answers from a per-thread role flag: the thread that
//! created a [`PluginHost`] is "main", the [`PluginHost`]'s audio worker is "audio". The
//! worker is persistent (one per host, like a DAW's audio thread); each `process` call blocks the
//! test thread until the block is done, so buffers are borrowed, not copied.
//!
//! Host callbacks (`request_restart`, `request_process`, `request_callback`, params
//! `rescan`/`clear`/`request_flush`, latency `changed`, state `mark_dirty`, log lines) are recorded
//! in a [`Recorder`] the tests read. After every block the host runs `on_main_thread` if the
//! plugin asked for a callback, as a DAW's event loop would.

use clack_extensions::audio_ports::{
    AudioPortFlags, AudioPortInfoBuffer, AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl,
    PluginAudioPorts,
};
use clack_extensions::audio_ports_config::{
    AudioPortsConfigBuffer, HostAudioPortsConfig, HostAudioPortsConfigImpl, PluginAudioPortsConfig,
};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use lathe_plugin::PluginInfo;
use std::cell::Cell;
use std::ffi::CString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The command that builds the bundles the suite loads.
pub const BUNDLE_COMMAND: &str = "cargo xtask bundle -p lathe_channel_bundle -p lathe_eq_bundle -p lathe_limiter_bundle -p lathe_meter_bundle --release";

/// How a plugin's latency is expected to behave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LatencyRule {
    /// Always zero samples.
    Zero,
    /// `round(param_ms / 1000 * sample_rate) + round(extra_ms / 1000 * sample_rate) + fixed`
    /// samples: `param` is the look-ahead parameter's id, `extra_ms` a further fixed time (the
    /// limiter's true-peak safety stage) and `fixed` the rate-independent rest (oversampler,
    /// detector and band-limit filters at the default settings).
    LookaheadMs {
        param: &'static str,
        extra_ms: f64,
        fixed: u32,
    },
}

/// What the suite expects of one plugin: the small per-plugin table. Everything else (the
/// parameters, their ranges and texts) is read from the plugin itself, so the suite keeps
/// working as plugins grow.
#[derive(Debug)]
pub struct PluginSpec {
    /// Who the plugin is (ids, names, features), from the plugin crate itself: the suite checks
    /// that the bundle tells hosts exactly this.
    pub info: &'static PluginInfo,
    pub latency: LatencyRule,
    /// A gain-type parameter (stable id, nice-plug's CLAP param id is the hash of it) used for the
    /// sample-accuracy check and for "the same parameter changes" in the state check, with two
    /// plain dB values to jump between.
    pub gain_param: Option<(&'static str, f64, f64)>,
    /// Does the plugin have a stereo sidechain input (second input port)?
    pub sidechain: bool,
    /// At default settings, is the output equal to the input (bit-exact, after the latency)?
    pub bit_exact_at_default: bool,
}

pub const CHANNEL: PluginSpec = PluginSpec {
    info: &lathe_suite::lathe_channel::INFO,
    latency: LatencyRule::Zero,
    gain_param: Some(("out", 0.0, -12.0)),
    sidechain: true,
    bit_exact_at_default: true,
};

pub const EQ: PluginSpec = PluginSpec {
    info: &lathe_suite::lathe_eq::INFO,
    latency: LatencyRule::Zero,
    gain_param: Some(("out", 0.0, -12.0)),
    sidechain: false,
    bit_exact_at_default: true,
};

pub const LIMITER: PluginSpec = PluginSpec {
    info: &lathe_suite::lathe_limiter::INFO,
    // Default 4x true peak, per the limiter's README: look-ahead + 76 (oversampler round trip)
    // + 2 (true-peak detector) + 72 (output band limit, half its length) + 49 (the safety
    // stage's detector) + the safety stage's 1 ms look-ahead.
    latency: LatencyRule::LookaheadMs {
        param: "la",
        extra_ms: 1.0,
        fixed: 199,
    },
    // Input gain down: the limiter never makes a quiet signal louder than the ceiling allows,
    // so a cut is always audible.
    gain_param: Some(("in", 0.0, -12.0)),
    sidechain: false,
    // The default 4x oversampling filters even a quiet signal: not bit-exact.
    bit_exact_at_default: false,
};

pub const METER: PluginSpec = PluginSpec {
    info: &lathe_suite::lathe_meter::INFO,
    latency: LatencyRule::Zero,
    gain_param: None,
    sidechain: false,
    bit_exact_at_default: true,
};

pub const ALL: [&PluginSpec; 4] = [&CHANNEL, &EQ, &LIMITER, &METER];

/// The expectations for a plugin of the suite (every plugin must have some: a test checks).
pub fn spec_of(info: &PluginInfo) -> Option<&'static PluginSpec> {
    ALL.iter().copied().find(|s| s.info.clap_id == info.clap_id)
}

/// The workspace version every plugin reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the bundles are.
pub fn bundle_dir() -> PathBuf {
    match std::env::var_os("LATHE_BUNDLE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bundled"),
    }
}

/// The bundle's path; panics (the test FAILS, never skips) when it has not been built.
pub fn bundle_path(spec: &PluginSpec) -> PathBuf {
    let path = bundle_dir().join(format!("{}.clap", spec.info.name));
    assert!(
        path.exists(),
        "{}: bundle not found at {}. Build the bundles first: `{BUNDLE_COMMAND}` \
         (or set LATHE_BUNDLE_DIR to the directory holding them)",
        spec.info.name,
        path.display()
    );
    path
}

/// Loads a bundle's entry (`clap_entry.init` runs here, when the bundle is not loaded yet).
///
/// On Windows each bundle is loaded once per process and stays loaded, as a DAW keeps a plugin
/// DLL loaded: Rust's standard library for the MinGW target keeps `thread_local!` values in
/// Windows TLS slots (`TlsAlloc`) and never frees them when the DLL is unloaded, and a process
/// has 1088 slots, so the suite's hundreds of load/unload cycles in one test process run out of
/// them ("out of TLS indexes"). On Linux every test loads and unloads the bundle afresh.
pub fn load_entry(spec: &PluginSpec) -> PluginEntry {
    plugin_log();
    let path = bundle_path(spec);
    let load = || {
        // SAFETY: loading a CLAP bundle runs its initialisation code; these are our own bundles.
        unsafe { PluginEntry::load(&path) }.unwrap_or_else(|e| {
            panic!(
                "{}: could not load {}: {e:?}",
                spec.info.name,
                path.display()
            )
        })
    };
    if cfg!(windows) {
        static LOADED: Mutex<Vec<(PathBuf, PluginEntry)>> = Mutex::new(Vec::new());
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, entry)) = loaded.iter().find(|(p, _)| *p == path) {
            return entry.clone();
        }
        let entry = load();
        loaded.push((path, entry.clone()));
        return entry;
    }
    load()
}

/// Where the plugins' own log (nice-plug's logger: "Failed to load state", assertion messages)
/// goes in this test process: a file of its own, so the corrupt-state tests' expected errors do
/// not read as failures in the test output, and so those tests can check the plugins reported
/// what they rejected. `None` when the developer set `NICE_LOG` (their choice is kept). The path
/// is printed once per test binary.
pub fn plugin_log() -> Option<&'static std::path::Path> {
    static LOG: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        if std::env::var_os("NICE_LOG").is_some() {
            return None;
        }
        let exe = std::env::current_exe().ok();
        let stem = exe
            .as_deref()
            .and_then(|e| e.file_stem())
            .map_or("host-tests".into(), |s| s.to_string_lossy());
        // One file per test binary, emptied when it starts (not one per run).
        let path = std::env::temp_dir().join(format!("lathe-plugin-log-{stem}.txt"));
        let _ = std::fs::remove_file(&path);
        // SAFETY: every test reaches a plugin through `load_entry`, which waits here until the
        // variable is set; nothing else in the process reads the environment meanwhile (libtest
        // read its own settings before starting the test threads).
        unsafe { std::env::set_var("NICE_LOG", &path) };
        eprintln!(
            "host-tests: the plugins' own log (expected 'Failed to load state' lines of the \
             corrupt-state tests among it) goes to {}",
            path.display()
        );
        Some(path)
    })
    .as_deref()
}

/// How many lines of this process's plugin log contain `text` (0 without a log file).
pub fn plugin_log_count(text: &str) -> usize {
    plugin_log()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map_or(0, |s| s.lines().filter(|l| l.contains(text)).count())
}

/// One descriptor from the factory, as plain strings.
#[derive(Clone, Debug, PartialEq)]
pub struct Descriptor {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub features: Vec<String>,
}

/// Every plugin the bundle's factory lists.
pub fn descriptors(spec: &PluginSpec) -> Vec<Descriptor> {
    let entry = load_entry(spec);
    let factory = entry
        .get_plugin_factory()
        .unwrap_or_else(|| panic!("{}: the bundle has no plugin factory", spec.info.name));
    let s = |c: Option<&std::ffi::CStr>| c.map(|c| c.to_string_lossy().into_owned());
    factory
        .plugin_descriptors()
        .map(|d| Descriptor {
            id: s(d.id()).unwrap_or_default(),
            name: s(d.name()).unwrap_or_default(),
            vendor: s(d.vendor()).unwrap_or_default(),
            version: s(d.version()).unwrap_or_default(),
            features: d
                .features()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Host side
// ---------------------------------------------------------------------------------------------

const ROLE_NONE: u8 = 0;
const ROLE_MAIN: u8 = 1;
const ROLE_AUDIO: u8 = 2;

thread_local! {
    /// This thread's role, answered through `thread-check` (const-initialised: reading it never
    /// allocates, which matters inside the plugin's `assert_process_allocs` scope).
    static ROLE: Cell<u8> = const { Cell::new(ROLE_NONE) };
}

fn role() -> u8 {
    ROLE.with(Cell::get)
}

/// Everything the plugin told the host, for the tests to read.
#[derive(Default)]
pub struct Recorder {
    pub restart_requested: AtomicBool,
    pub process_requested: AtomicBool,
    pub callback_requested: AtomicBool,
    pub flush_requested: AtomicBool,
    pub latency_changed: AtomicU32,
    /// True while the host is inside `clap_plugin.activate` (CLAP: `latency.changed` is
    /// "[main-thread & being-activated]"; clap-validator checks the same).
    pub activating: AtomicBool,
    pub params_rescans: AtomicU32,
    pub params_clears: AtomicU32,
    pub state_dirty: AtomicU32,
    pub audio_ports_rescans: AtomicU32,
    /// Callbacks made from the wrong thread (e.g. a main-thread callback from the audio
    /// thread) or in the wrong state: CLAP thread/state-spec violations.
    pub thread_violations: Mutex<Vec<String>>,
    pub log: Mutex<Vec<String>>,
}

impl Recorder {
    fn main_thread_only(&self, what: &str) {
        if role() != ROLE_MAIN {
            self.thread_violations
                .lock()
                .unwrap()
                .push(format!("{what} called off the main thread"));
        }
    }

    /// The plugin's log lines so far, one per line (printed by failing checks).
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

pub struct Shared {
    rec: Arc<Recorder>,
}

impl<'a> SharedHandler<'a> for Shared {
    fn request_restart(&self) {
        self.rec.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {
        self.rec.process_requested.store(true, Ordering::SeqCst);
    }
    fn request_callback(&self) {
        self.rec.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        // The Lathe plugins do not log from the audio thread; if one did, this allocation would
        // trip `assert_process_allocs` in a debug bundle, which is the point.
        self.rec
            .log
            .lock()
            .unwrap()
            .push(format!("[{severity}] {message}"));
    }
}

impl HostThreadCheckImpl for Shared {
    fn is_main_thread(&self) -> bool {
        role() == ROLE_MAIN
    }
    fn is_audio_thread(&self) -> bool {
        role() == ROLE_AUDIO
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {
        self.rec.flush_requested.store(true, Ordering::SeqCst);
    }
}

pub struct MainThread<'a> {
    shared: &'a Shared,
}

impl<'a> MainThreadHandler<'a> for MainThread<'a> {}

impl HostParamsImplMainThread for MainThread<'_> {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.shared.rec.main_thread_only("params.rescan");
        self.shared
            .rec
            .params_rescans
            .fetch_add(1, Ordering::SeqCst);
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {
        self.shared.rec.main_thread_only("params.clear");
        self.shared.rec.params_clears.fetch_add(1, Ordering::SeqCst);
    }
}

impl HostLatencyImpl for MainThread<'_> {
    fn changed(&self) {
        self.shared.rec.main_thread_only("latency.changed");
        if !self.shared.rec.activating.load(Ordering::SeqCst) {
            self.shared.rec.thread_violations.lock().unwrap().push(
                "latency.changed called outside clap_plugin.activate (CLAP allows it only while \
                 being activated; request_restart and report it in the next activate instead)"
                    .into(),
            );
        }
        self.shared
            .rec
            .latency_changed
            .fetch_add(1, Ordering::SeqCst);
    }
}

impl HostStateImpl for MainThread<'_> {
    fn mark_dirty(&self) {
        self.shared.rec.main_thread_only("state.mark_dirty");
        self.shared.rec.state_dirty.fetch_add(1, Ordering::SeqCst);
    }
}

impl HostAudioPortsImpl for MainThread<'_> {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        true
    }
    fn rescan(&self, _flags: AudioPortRescanFlags) {
        self.shared.rec.main_thread_only("audio_ports.rescan");
        self.shared
            .rec
            .audio_ports_rescans
            .fetch_add(1, Ordering::SeqCst);
    }
}

impl HostAudioPortsConfigImpl for MainThread<'_> {
    fn rescan(&self) {
        self.shared
            .rec
            .main_thread_only("audio_ports_config.rescan");
    }
}

pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostThreadCheck>()
            .register::<HostParams>()
            .register::<HostLatency>()
            .register::<HostState>()
            .register::<HostAudioPorts>()
            .register::<HostAudioPortsConfig>();
    }
}

// ---------------------------------------------------------------------------------------------
// The audio thread
// ---------------------------------------------------------------------------------------------

/// A borrowed job for the audio thread. The sender blocks until the job has run, so the
/// borrow outlives its use (see [`AudioThread::run`]).
struct Job(*mut (dyn FnMut() + Send + 'static));
// SAFETY: the closure itself is `Send`; the pointer is only dereferenced while the sending thread
// waits for completion.
unsafe impl Send for Job {}

/// A persistent audio thread, as a DAW has: `process`, `start_processing`, `stop_processing`,
/// `reset` and active-state `params.flush` run here.
struct AudioThread {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<bool>,
    handle: Option<JoinHandle<()>>,
}

impl AudioThread {
    fn new(name: &str) -> Self {
        let (jobs_tx, jobs_rx) = sync_channel::<Job>(0);
        let (done_tx, done_rx) = sync_channel::<bool>(1);
        let handle = std::thread::Builder::new()
            .name(format!("audio: {name}"))
            .spawn(move || {
                ROLE.with(|r| r.set(ROLE_AUDIO));
                for job in jobs_rx {
                    // SAFETY: the sender keeps the closure alive until it receives `done`.
                    let f = unsafe { &mut *job.0 };
                    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_ok();
                    if done_tx.send(ok).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the audio thread");
        Self {
            jobs: Some(jobs_tx),
            done: done_rx,
            handle: Some(handle),
        }
    }

    /// Runs `f` on the audio thread and waits for it.
    fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let mut f = Some(f);
        let mut result: Option<R> = None;
        {
            let result_ref = &mut result;
            let mut job = move || {
                *result_ref = Some((f.take().unwrap())());
            };
            let job_ref: &mut (dyn FnMut() + Send) = &mut job;
            // SAFETY: erase the lifetime; we block below until the audio thread reports the job
            // finished (or panicked), and never return while it may still touch the borrow.
            let ptr: *mut (dyn FnMut() + Send + 'static) =
                unsafe { std::mem::transmute(job_ref as *mut (dyn FnMut() + Send)) };
            self.jobs
                .as_ref()
                .unwrap()
                .send(Job(ptr))
                .expect("audio thread is gone");
            let ok = self.done.recv().expect("audio thread is gone");
            assert!(ok, "a job on the audio thread panicked");
        }
        result.unwrap()
    }
}

impl Drop for AudioThread {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PluginHost
// ---------------------------------------------------------------------------------------------

/// A parameter as the plugin describes it.
#[derive(Clone, Debug)]
pub struct ParamDesc {
    pub id: u32,
    pub name: String,
    pub module: String,
    pub flags: ParamInfoFlags,
    pub min: f64,
    pub max: f64,
    pub default: f64,
}

impl ParamDesc {
    pub fn is_stepped(&self) -> bool {
        self.flags.contains(ParamInfoFlags::IS_STEPPED)
    }
    pub fn is_bypass(&self) -> bool {
        self.flags.contains(ParamInfoFlags::IS_BYPASS)
    }
}

/// An audio port as the plugin describes it.
#[derive(Clone, Debug)]
pub struct PortDesc {
    pub id: u32,
    pub name: String,
    pub channels: u32,
    pub flags: AudioPortFlags,
    pub port_type: Option<String>,
}

impl PortDesc {
    pub fn is_main(&self) -> bool {
        self.flags.contains(AudioPortFlags::IS_MAIN)
    }
}

/// An audio-ports-config entry.
#[derive(Clone, Debug)]
pub struct PortsConfigDesc {
    pub id: u32,
    pub name: String,
    pub input_ports: u32,
    pub output_ports: u32,
    pub main_input_channels: Option<u32>,
    pub main_output_channels: Option<u32>,
}

/// An event to send in a block.
#[derive(Clone, Copy, Debug)]
pub struct ParamEvent {
    pub time: u32,
    pub param_id: u32,
    pub value: f64,
    /// `None`: `CLAP_CORE_EVENT_SPACE_ID`; `Some(id)`: a foreign event space.
    pub space_id: Option<u16>,
}

impl ParamEvent {
    pub fn new(time: u32, param_id: u32, value: f64) -> Self {
        Self {
            time,
            param_id,
            value,
            space_id: None,
        }
    }
}

fn param_event_buffer(events: &[ParamEvent]) -> EventBuffer {
    let mut buf = EventBuffer::with_capacity(events.len());
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|e| e.time);
    for e in sorted {
        let mut ev =
            ParamValueEvent::new(e.time, ClapId::new(e.param_id), Pckn::match_all(), e.value);
        if let Some(space) = e.space_id {
            // clap_event_header is { size: u32, time: u32, space_id: u16, type: u16, flags: u32 }:
            // overwrite the space id in place to make a "same bytes, foreign namespace" event.
            // SAFETY: ParamValueEvent is repr(C) and begins with clap_event_header.
            unsafe {
                let bytes = &mut ev as *mut ParamValueEvent as *mut u8;
                (bytes.add(8) as *mut u16).write_unaligned(space);
            }
        }
        buf.push(&ev);
    }
    buf
}

/// The configuration the plugin is active with.
#[derive(Clone, Copy, Debug)]
pub struct ActiveConfig {
    pub sample_rate: f64,
    pub min_block: u32,
    pub max_block: u32,
}

/// One plugin instance in the test host.
pub struct PluginHost {
    pub spec: &'static PluginSpec,
    // Field order is drop order: the audio processor must go before the instance, the instance
    // before the entry, and the audio thread last.
    processor: Option<PluginAudioProcessor<TestHost>>,
    instance: PluginInstance<TestHost>,
    _entry: PluginEntry,
    pub rec: Arc<Recorder>,
    config: Option<ActiveConfig>,
    /// Channel counts of every input and output port while active.
    in_ports: Vec<u32>,
    out_ports: Vec<u32>,
    in_port_buf: AudioPorts,
    out_port_buf: AudioPorts,
    /// Scratch for input ports the test does not feed (e.g. an unconnected sidechain).
    aux_scratch: Vec<Vec<f32>>,
    steady_time: u64,
    /// Run requested main-thread callbacks after each block (what a DAW's event loop does soon
    /// after); off only inside [`PluginHost::process_without_callbacks`].
    auto_pump: bool,
    audio: AudioThread,
}

impl PluginHost {
    /// Creates and initialises an instance of the plugin (`factory.create_plugin` + `init`).
    pub fn load(spec: &'static PluginSpec) -> Self {
        ROLE.with(|r| r.set(ROLE_MAIN));
        let entry = load_entry(spec);
        let rec = Arc::new(Recorder::default());
        let info = HostInfo::new(
            "Lathe conformance host",
            "Lathe",
            "https://example.invalid/lathe",
            VERSION,
        )
        .unwrap();
        let id = CString::new(spec.info.clap_id).unwrap();
        let rec2 = rec.clone();
        let instance = PluginInstance::<TestHost>::new(
            move |_| Shared { rec: rec2 },
            |shared| MainThread { shared },
            &entry,
            &id,
            &info,
        )
        .unwrap_or_else(|e| panic!("{}: create/init failed: {e:?}", spec.info.name));
        Self {
            spec,
            processor: None,
            instance,
            _entry: entry,
            rec,
            config: None,
            in_ports: Vec::new(),
            out_ports: Vec::new(),
            in_port_buf: AudioPorts::with_capacity(0, 0),
            out_port_buf: AudioPorts::with_capacity(0, 0),
            aux_scratch: Vec::new(),
            steady_time: 0,
            auto_pump: true,
            audio: AudioThread::new(spec.info.name),
        }
    }

    /// `"<plugin>: "` for messages.
    pub fn who(&self) -> &'static str {
        self.spec.info.name
    }

    pub fn is_active(&self) -> bool {
        self.processor.is_some()
    }

    pub fn config(&self) -> Option<ActiveConfig> {
        self.config
    }

    /// Activates and starts processing (start_processing runs on the audio thread).
    pub fn activate(&mut self, sample_rate: f64, min_block: u32, max_block: u32) {
        self.try_activate(sample_rate, min_block, max_block)
            .unwrap_or_else(|e| {
                panic!(
                    "{}: activate({sample_rate} Hz, {min_block}..{max_block}) failed: {e}\n{}",
                    self.who(),
                    self.rec.log_text()
                )
            });
        self.start_processing();
    }

    /// Activates without starting processing.
    pub fn try_activate(
        &mut self,
        sample_rate: f64,
        min_block: u32,
        max_block: u32,
    ) -> Result<(), String> {
        assert!(self.processor.is_none(), "already active");
        let cfg = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: min_block,
            max_frames_count: max_block,
        };
        self.rec.activating.store(true, Ordering::SeqCst);
        let stopped = self.instance.activate(|_, _| (), cfg);
        self.rec.activating.store(false, Ordering::SeqCst);
        let stopped = stopped.map_err(|e| format!("{e:?}"))?;
        self.processor = Some(stopped.into());
        self.config = Some(ActiveConfig {
            sample_rate,
            min_block,
            max_block,
        });
        self.in_ports = self.audio_ports(true).iter().map(|p| p.channels).collect();
        self.out_ports = self.audio_ports(false).iter().map(|p| p.channels).collect();
        let total_in: usize = self.in_ports.iter().map(|&c| c as usize).sum();
        let total_out: usize = self.out_ports.iter().map(|&c| c as usize).sum();
        self.in_port_buf = AudioPorts::with_capacity(total_in, self.in_ports.len());
        self.out_port_buf = AudioPorts::with_capacity(total_out, self.out_ports.len());
        self.aux_scratch = vec![vec![0.0; max_block as usize]; total_in];
        self.pump_main_thread();
        Ok(())
    }

    pub fn start_processing(&mut self) {
        let who = self.who();
        let p = self.processor.as_mut().expect("not active");
        self.audio.run(|| {
            p.start_processing()
                .unwrap_or_else(|e| panic!("{who}: start_processing failed: {e:?}"));
        });
    }

    pub fn stop_processing(&mut self) {
        let p = self.processor.as_mut().expect("not active");
        self.audio.run(|| {
            if p.is_started() {
                p.stop_processing().unwrap();
            }
        });
    }

    pub fn is_processing(&self) -> bool {
        self.processor.as_ref().is_some_and(|p| p.is_started())
    }

    /// `reset` on the audio thread.
    pub fn reset(&mut self) {
        let p = self.processor.as_mut().expect("not active");
        self.audio.run(|| p.reset());
    }

    /// Stops processing if needed and deactivates (on the main thread).
    pub fn deactivate(&mut self) {
        if self.processor.is_none() {
            return;
        }
        self.stop_processing();
        let p = self.processor.take().unwrap();
        let stopped = match p {
            PluginAudioProcessor::Stopped(s) => s,
            PluginAudioProcessor::Started(_) => unreachable!(),
            #[allow(unreachable_patterns)]
            _ => panic!("processor in an unexpected state"),
        };
        self.instance.deactivate(stopped);
        self.config = None;
        self.pump_main_thread();
    }

    /// What a host does when the plugin asked for a restart: deactivate, activate with the same
    /// configuration, start processing. Returns whether a restart was requested.
    pub fn restart_if_requested(&mut self) -> bool {
        if !self.rec.restart_requested.swap(false, Ordering::SeqCst) {
            return false;
        }
        let cfg = self.config.expect("restart requested while inactive");
        self.deactivate();
        self.activate(cfg.sample_rate, cfg.min_block, cfg.max_block);
        true
    }

    /// Runs `on_main_thread` if the plugin requested a callback (as a DAW's event loop does).
    pub fn pump_main_thread(&mut self) {
        while self.rec.callback_requested.swap(false, Ordering::SeqCst) {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Processes one block: `input` and `output` hold the main port's channels (all the same
    /// length, ≤ max block); other input ports get silence (marked constant); other output
    /// ports are discarded. Runs on the audio thread; afterwards, main-thread callbacks the
    /// plugin asked for are run. Panics on a processing error.
    pub fn process(
        &mut self,
        input: &[Vec<f32>],
        output: &mut [Vec<f32>],
        events: &[ParamEvent],
    ) -> ProcessStatus {
        self.process_with_sidechain(input, None, output, events)
    }

    /// As [`PluginHost::process`], but leaves the plugin's main-thread callback requests
    /// pending (a host whose event loop has not got to them yet).
    pub fn process_without_callbacks(
        &mut self,
        input: &[Vec<f32>],
        output: &mut [Vec<f32>],
        events: &[ParamEvent],
    ) -> ProcessStatus {
        self.auto_pump = false;
        let status = self.process_with_sidechain(input, None, output, events);
        self.auto_pump = true;
        status
    }

    /// As [`PluginHost::process`], with the second input port fed from `sidechain`.
    pub fn process_with_sidechain(
        &mut self,
        input: &[Vec<f32>],
        sidechain: Option<&[Vec<f32>]>,
        output: &mut [Vec<f32>],
        events: &[ParamEvent],
    ) -> ProcessStatus {
        let frames = input.first().map_or(0, Vec::len);
        let who = self.who();
        assert!(self.is_processing(), "{who}: process while not processing");
        assert!(frames > 0, "{who}: empty block");
        assert!(
            input.iter().chain(output.iter()).all(|c| c.len() == frames),
            "{who}: channel lengths differ"
        );
        assert_eq!(
            Some(input.len() as u32),
            self.in_ports.first().copied(),
            "{who}: main input channel count"
        );
        assert_eq!(
            Some(output.len() as u32),
            self.out_ports.first().copied(),
            "{who}: main output channel count"
        );
        let mut out_scratch: Vec<Vec<f32>> = self
            .out_ports
            .iter()
            .skip(1)
            .flat_map(|&c| (0..c).map(|_| vec![0.0f32; frames]))
            .collect();
        let ev_buf = param_event_buffer(events);
        let mut out_ev = EventBuffer::with_capacity(64);

        // Input buffers: the main port from `input` (copied, as the host owns them), the rest
        // from the sidechain or silence.
        let mut main_in: Vec<Vec<f32>> = input.to_vec();
        let mut aux: Vec<Vec<f32>> = Vec::new();
        for (i, &ch) in self.in_ports.iter().enumerate().skip(1) {
            for c in 0..ch as usize {
                let src = match (i, sidechain) {
                    (1, Some(sc)) => sc[c.min(sc.len() - 1)].clone(),
                    _ => vec![0.0; frames],
                };
                aux.push(src);
            }
        }
        let sc_given = sidechain.is_some();
        let in_ports = self.in_ports.clone();
        let out_ports = self.out_ports.clone();
        let steady = self.steady_time;
        let p = self.processor.as_mut().unwrap();
        let in_buf = &mut self.in_port_buf;
        let out_buf = &mut self.out_port_buf;
        let status = self.audio.run(move || {
            let mut aux_iter = aux.iter_mut();
            let mut port_chans: Vec<Vec<InputChannel<f32>>> = Vec::with_capacity(in_ports.len());
            port_chans.push(
                main_in
                    .iter_mut()
                    .map(|c| InputChannel::variable(c.as_mut_slice()))
                    .collect(),
            );
            for (i, &ch) in in_ports.iter().enumerate().skip(1) {
                let constant = !(i == 1 && sc_given);
                port_chans.push(
                    (0..ch)
                        .map(|_| {
                            InputChannel::from_buffer(
                                aux_iter.next().unwrap().as_mut_slice(),
                                constant,
                            )
                        })
                        .collect(),
                );
            }
            let in_port_list: Vec<_> = port_chans
                .into_iter()
                .map(|chans| AudioPortBuffer {
                    latency: 0,
                    channels: AudioPortBufferType::f32_input_only(chans.into_iter()),
                })
                .collect();
            let inputs = in_buf.with_input_buffers(in_port_list);
            let mut out_iter = out_scratch.iter_mut();
            let mut out_port_list = Vec::with_capacity(out_ports.len());
            let mut main_out = Some(output);
            for &ch in out_ports.iter() {
                let chans: Vec<&mut [f32]> = match main_out.take() {
                    Some(o) => o.iter_mut().map(|c| c.as_mut_slice()).collect(),
                    None => (0..ch)
                        .map(|_| out_iter.next().unwrap().as_mut_slice())
                        .collect(),
                };
                out_port_list.push(AudioPortBuffer {
                    latency: 0,
                    channels: AudioPortBufferType::f32_output_only(chans.into_iter()),
                });
            }
            let mut outputs = out_buf.with_output_buffers(out_port_list);
            let started = p.as_started_mut().expect("processor not started");
            started
                .process(
                    &inputs,
                    &mut outputs,
                    &ev_buf.as_input(),
                    &mut out_ev.as_output(),
                    Some(steady),
                    None,
                )
                .unwrap_or_else(|e| panic!("{who}: process failed: {e:?}"))
        });
        self.steady_time += frames as u64;
        if self.auto_pump {
            self.pump_main_thread();
        }
        status
    }

    /// Processes a long signal in blocks of the given sizes (cycled), events at absolute sample
    /// positions delivered in the block that contains them. Returns the output.
    pub fn process_signal(
        &mut self,
        input: &[Vec<f32>],
        block_sizes: &[usize],
        events: &[(usize, u32, f64)],
    ) -> Vec<Vec<f32>> {
        let len = input.first().map_or(0, Vec::len);
        let mut out = vec![vec![0.0f32; len]; input.len()];
        let mut pos = 0;
        let mut bi = 0;
        while pos < len {
            let n = block_sizes[bi % block_sizes.len()].min(len - pos);
            bi += 1;
            let block_in: Vec<Vec<f32>> = input.iter().map(|c| c[pos..pos + n].to_vec()).collect();
            let mut block_out = vec![vec![0.0f32; n]; input.len()];
            let evs: Vec<ParamEvent> = events
                .iter()
                .filter(|(t, _, _)| *t >= pos && *t < pos + n)
                .map(|&(t, id, v)| ParamEvent::new((t - pos) as u32, id, v))
                .collect();
            self.process(&block_in, &mut block_out, &evs);
            for (o, b) in out.iter_mut().zip(&block_out) {
                o[pos..pos + n].copy_from_slice(b);
            }
            pos += n;
        }
        out
    }

    // --- params -------------------------------------------------------------------------------

    fn params_ext(&self) -> PluginParams {
        self.instance
            .plugin_shared_handle()
            .get_extension::<PluginParams>()
            .unwrap_or_else(|| panic!("{}: no params extension", self.spec.info.name))
    }

    pub fn params(&mut self) -> Vec<ParamDesc> {
        let ext = self.params_ext();
        let handle = self.instance.plugin_handle();
        let mut out = Vec::new();
        for i in 0..ext.count(&handle) {
            let mut buf = ParamInfoBuffer::new();
            let info = ext
                .get_info(&handle, i, &mut buf)
                .unwrap_or_else(|| panic!("{}: params.get_info({i}) failed", self.spec.info.name));
            out.push(ParamDesc {
                id: info.id.get(),
                name: String::from_utf8_lossy(info.name).into_owned(),
                module: String::from_utf8_lossy(info.module).into_owned(),
                flags: info.flags,
                min: info.min_value,
                max: info.max_value,
                default: info.default_value,
            });
        }
        out
    }

    /// The parameter whose stable string id is `string_id` (nice-plug hashes string ids into
    /// CLAP ids; the host only sees numbers, so match by the same hash).
    pub fn param_by_string_id(&mut self, string_id: &str) -> ParamDesc {
        let id = nice_plug_param_hash(string_id);
        self.params()
            .into_iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no parameter with id {string_id:?} (hash {id})",
                    self.spec.info.name
                )
            })
    }

    /// Moves every parameter except bypass to a seeded random in-range value through
    /// `params.flush` (stepped parameters to a random step). Returns the events sent.
    pub fn randomise_params(&mut self, seed: u64) -> Vec<ParamEvent> {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let events: Vec<ParamEvent> = self
            .params()
            .into_iter()
            .filter(|p| !p.is_bypass())
            .map(|p| {
                let v = if p.is_stepped() {
                    rng.random_range(p.min.round() as i64..=p.max.round() as i64) as f64
                } else {
                    p.min + (p.max - p.min) * rng.random::<f64>()
                };
                ParamEvent::new(0, p.id, v)
            })
            .collect();
        self.flush(&events);
        events
    }

    pub fn param_value(&mut self, id: u32) -> Option<f64> {
        let ext = self.params_ext();
        ext.get_value(&self.instance.plugin_handle(), ClapId::new(id))
    }

    pub fn value_to_text(&mut self, id: u32, value: f64) -> Option<String> {
        let ext = self.params_ext();
        let mut buf = [0u8; 256];
        ext.value_to_text(
            &self.instance.plugin_handle(),
            ClapId::new(id),
            value,
            &mut buf,
        )
        .ok()
        .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        let ext = self.params_ext();
        let c = CString::new(text).ok()?;
        ext.text_to_value(&self.instance.plugin_handle(), ClapId::new(id), &c)
    }

    /// `params.flush`: on the main thread while inactive, on the audio thread while active
    /// (CLAP's rule), then main-thread callbacks are pumped.
    pub fn flush(&mut self, events: &[ParamEvent]) {
        let ext = self.params_ext();
        let ev_buf = param_event_buffer(events);
        let mut out_ev = EventBuffer::with_capacity(64);
        match self.processor.as_mut() {
            None => {
                let mut handle = self.instance.inactive_plugin_handle().unwrap();
                ext.flush(&mut handle, &ev_buf.as_input(), &mut out_ev.as_output());
            }
            Some(p) => {
                self.audio.run(|| {
                    let mut handle = p.plugin_handle();
                    ext.flush_active(&mut handle, &ev_buf.as_input(), &mut out_ev.as_output());
                });
            }
        }
        self.pump_main_thread();
    }

    // --- state --------------------------------------------------------------------------------

    /// `state.save` through a stream accepting at most `chunk` bytes per write (None: any).
    pub fn save_state(&mut self, chunk: Option<usize>) -> Result<Vec<u8>, String> {
        let ext = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginState>()
            .ok_or("no state extension")?;
        let mut w = ShortWriter {
            data: Vec::new(),
            chunk,
        };
        ext.save(&self.instance.plugin_handle(), &mut w)
            .map_err(|e| format!("{e:?}"))?;
        Ok(w.data)
    }

    /// `state.load` through a stream handing over at most `chunk` bytes per read (None: all).
    pub fn load_state(&mut self, bytes: &[u8], chunk: Option<usize>) -> Result<(), String> {
        let ext = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginState>()
            .ok_or("no state extension")?;
        let mut r = ShortReader {
            data: bytes,
            pos: 0,
            chunk,
        };
        let res = ext
            .load(&self.instance.plugin_handle(), &mut r)
            .map_err(|e| format!("{e:?}"));
        self.pump_main_thread();
        res
    }

    // --- latency and ports --------------------------------------------------------------------

    pub fn latency(&mut self) -> u32 {
        let ext = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginLatency>()
            .unwrap_or_else(|| panic!("{}: no latency extension", self.spec.info.name));
        ext.get(&self.instance.plugin_handle())
    }

    pub fn audio_ports(&mut self, is_input: bool) -> Vec<PortDesc> {
        let Some(ext) = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginAudioPorts>()
        else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        (0..ext.count(&handle, is_input))
            .filter_map(|i| {
                let mut buf = AudioPortInfoBuffer::new();
                let info = ext.get(&handle, i, is_input, &mut buf)?;
                Some(PortDesc {
                    id: info.id.get(),
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    channels: info.channel_count,
                    flags: info.flags,
                    port_type: info.port_type.map(|t| t.0.to_string_lossy().into_owned()),
                })
            })
            .collect()
    }

    pub fn ports_configs(&mut self) -> Option<Vec<PortsConfigDesc>> {
        let ext = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginAudioPortsConfig>()?;
        let handle = self.instance.plugin_handle();
        Some(
            (0..ext.count(&handle))
                .filter_map(|i| {
                    let mut buf = AudioPortsConfigBuffer::new();
                    let c = ext.get(&handle, i, &mut buf)?;
                    Some(PortsConfigDesc {
                        id: c.id.get(),
                        name: String::from_utf8_lossy(c.name).into_owned(),
                        input_ports: c.input_port_count,
                        output_ports: c.output_port_count,
                        main_input_channels: c.main_input.map(|m| m.channel_count),
                        main_output_channels: c.main_output.map(|m| m.channel_count),
                    })
                })
                .collect(),
        )
    }

    /// `audio_ports_config.select` (only while inactive).
    pub fn select_ports_config(&mut self, id: u32) -> bool {
        let Some(ext) = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginAudioPortsConfig>()
        else {
            return false;
        };
        let ok = ext
            .select(&self.instance.plugin_handle(), ClapId::new(id))
            .is_ok();
        self.pump_main_thread();
        ok
    }

    /// Main input channel count while active.
    pub fn main_channels(&self) -> usize {
        self.in_ports.first().copied().unwrap_or(0) as usize
    }

    /// Thread-spec violations seen so far; a check fails on any.
    pub fn thread_violations(&self) -> Vec<String> {
        self.rec.thread_violations.lock().unwrap().clone()
    }
}

impl Drop for PluginHost {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Leave the instance (the plugin may be in any state); the process is failing anyway.
            if let Some(p) = self.processor.take() {
                std::mem::forget(p);
            }
            return;
        }
        self.deactivate();
    }
}

/// nice-plug's CLAP parameter id for a string id (its `hash_param_id`: Rabin–Karp style
/// `hash = hash * 31 + byte` over the UTF-8 bytes, wrapping u32, top bit cleared).
pub fn nice_plug_param_hash(id: &str) -> u32 {
    id.bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
        & !(1 << 31)
}

struct ShortWriter {
    data: Vec<u8>,
    chunk: Option<usize>,
}

impl Write for ShortWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.chunk.map_or(buf.len(), |c| c.min(buf.len()));
        self.data.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct ShortReader<'a> {
    data: &'a [u8],
    pos: usize,
    chunk: Option<usize>,
}

impl Read for ShortReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.data.len() - self.pos;
        let n = buf.len().min(left);
        let n = self.chunk.map_or(n, |c| c.min(n));
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Signals and checks
// ---------------------------------------------------------------------------------------------

/// A deterministic test signal: a mix of two sines and seeded noise at `amp` peak-ish level,
/// different per channel.
pub fn test_signal(
    channels: usize,
    len: usize,
    sample_rate: f64,
    amp: f32,
    seed: u64,
) -> Vec<Vec<f32>> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..channels)
        .map(|c| {
            let f1 = 220.0 * (1.0 + c as f64 * 0.5);
            let f2 = 3_100.0 + 400.0 * c as f64;
            (0..len)
                .map(|i| {
                    let t = i as f64 / sample_rate;
                    let s = 0.5 * (2.0 * std::f64::consts::PI * f1 * t).sin()
                        + 0.3 * (2.0 * std::f64::consts::PI * f2 * t).sin()
                        + 0.2 * (rng.random::<f64>() * 2.0 - 1.0);
                    (s as f32) * amp
                })
                .collect()
        })
        .collect()
}

/// The first non-finite or subnormal output sample, as `(channel, index, value)`.
pub fn first_bad_sample(out: &[Vec<f32>]) -> Option<(usize, usize, f32)> {
    for (c, ch) in out.iter().enumerate() {
        for (i, &x) in ch.iter().enumerate() {
            if !x.is_finite() || x.is_subnormal() {
                return Some((c, i, x));
            }
        }
    }
    None
}

pub use test_support::measure::rms;

/// Random block sizes in `1..=max` summing to at least `total`.
pub fn random_blocks(seed: u64, max: usize, total: usize) -> Vec<usize> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut v = Vec::new();
    let mut sum = 0;
    while sum < total {
        let n = rng.random_range(1..=max);
        v.push(n);
        sum += n;
    }
    v
}

/// Collects failures so one test reports every plugin's problems together.
#[derive(Default)]
pub struct Failures(Vec<String>);

impl Failures {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        eprintln!("FAIL: {msg}");
        self.0.push(msg);
    }
    pub fn check(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        if !ok {
            self.push(msg());
        }
    }
    /// Adds the plugin's log and thread violations (if any) and panics when anything failed.
    pub fn finish(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} failure(s):\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        );
    }
}

/// Checks a host's thread violations and log into `f` (call at the end of each plugin's check).
pub fn check_host(f: &mut Failures, host: &PluginHost) {
    for v in host.thread_violations() {
        f.push(format!("{}: thread-spec violation: {v}", host.who()));
    }
    if !f.0.is_empty() {
        let log = host.rec.log_text();
        if !log.is_empty() {
            eprintln!("--- {} log ---\n{log}", host.who());
        }
    }
}
