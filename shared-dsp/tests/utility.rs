//! Cross-thread, reference and allocation tests of the utility blocks: GUI exchange, delay line,
//! crossfader, stereo tools and dither.

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use assert_no_alloc::assert_no_alloc;
use shared_dsp::exchange::{MeterValue, SharedValue, sample_fifo, triple_buffer};
use std::sync::Arc;
use std::thread;

// ---------------------------------------------------------------------------------------------
// exchange

/// A writer publishes frames where every element equals the generation number; a concurrent
/// reader must only ever see complete frames (all elements equal) with increasing generations.
/// The writer runs until the reader has checked enough frames (or a bounded maximum).
#[test]
fn triple_buffer_reader_never_sees_torn_frames() {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    const LEN: usize = 512;
    const MAX_FRAMES: u32 = 2_000_000;
    const WANTED: u32 = 2_000;
    let (mut w, mut r) = triple_buffer(vec![0.0f32; LEN]);
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU32::new(0));
    let (stop2, written2) = (stop.clone(), written.clone());
    let writer = thread::spawn(move || {
        let mut g = 1u32;
        while g <= MAX_FRAMES && !stop2.load(Ordering::Relaxed) {
            assert_no_alloc(|| w.write_with(|buf| buf.fill(g as f32)));
            written2.store(g, Ordering::Release);
            g += 1;
        }
    });
    let mut last = 0.0f32;
    let mut seen = 0u32;
    while seen < WANTED && !writer.is_finished() {
        if let Some(frame) = r.read() {
            let g = frame[0];
            assert!(
                frame.iter().all(|&x| x == g),
                "torn frame at generation {g}"
            );
            assert!(g > last, "went back in time: {g} after {last}");
            last = g;
            seen += 1;
        } else {
            std::hint::spin_loop();
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let final_gen = written.load(Ordering::Acquire) as f32;
    assert_eq!(
        *r.latest(),
        vec![final_gen; LEN],
        "reader must end on the newest frame"
    );
    assert!(seen >= 100, "reader saw only {seen} frames");
}

/// Producer pushes a counting sequence in random-sized blocks; the consumer pops concurrently.
/// Every sample that arrives is in order, and what arrived plus what was dropped equals what was
/// pushed.
#[test]
fn fifo_concurrent_stream_is_ordered_and_accounted() {
    const TOTAL: u32 = 2_000_000;
    let (mut p, mut c) = sample_fifo(4096);
    let producer = thread::spawn(move || {
        let mut next = 0u32;
        let mut pushed = 0usize;
        let mut block = [0.0f32; 97];
        while next < TOTAL {
            let n = (1 + (next as usize * 7919) % 97).min((TOTAL - next) as usize);
            for (i, x) in block[..n].iter_mut().enumerate() {
                *x = (next + i as u32) as f32;
            }
            pushed += assert_no_alloc(|| p.push_slice(&block[..n]));
            next += n as u32;
        }
        pushed
    });
    let mut received = 0usize;
    let mut dropped = 0usize;
    let mut last = -1.0f32;
    let mut buf = [0.0f32; 300];
    let mut idle = 0u64;
    // Bounded: ends when everything is accounted for, or after many idle polls.
    while received + dropped < TOTAL as usize && idle < 200_000_000 {
        let n = c.pop_slice(&mut buf);
        dropped += c.take_dropped();
        if n == 0 {
            idle += 1;
            std::hint::spin_loop();
            continue;
        }
        for &x in &buf[..n] {
            assert!(x > last, "out of order: {x} after {last}");
            last = x;
        }
        received += n;
    }
    let pushed = producer.join().unwrap();
    dropped += c.take_dropped();
    assert_eq!(received, pushed);
    assert_eq!(received + dropped, TOTAL as usize);
}

/// The audio thread raises a peak many times between GUI reads; each `take` returns exactly the
/// maximum written since the previous one, even under concurrency.
#[test]
fn meter_peak_hold_under_concurrency() {
    let m = Arc::new(MeterValue::new(0.0));
    let loud = Arc::new(SharedValue::new(-70.0));
    let (m2, loud2) = (m.clone(), loud.clone());
    // Writer: values rise within each of 1000 rounds (round r peaks at r+1 exactly once).
    let writer = thread::spawn(move || {
        for r in 0..1000u32 {
            for k in 0..100u32 {
                let v = r as f32 + (k as f32) / 100.0;
                assert_no_alloc(|| m2.update_max(v));
            }
            assert_no_alloc(|| m2.update_max(r as f32 + 1.0));
            loud2.store(r as f32);
        }
    });
    let mut max_taken = 0.0f32;
    for _ in 0..100_000 {
        max_taken = max_taken.max(m.take());
    }
    writer.join().unwrap();
    max_taken = max_taken.max(m.take());
    assert_eq!(max_taken, 1000.0, "the overall peak must reach the GUI");
    assert_eq!(m.take(), 0.0);
    assert_eq!(loud.load(), 999.0);
    // Sequential semantics: max since last take.
    m.update_max(0.5);
    m.update_max(0.25);
    assert_eq!(m.peek(), 0.5);
    assert_eq!(m.take(), 0.5);
    m.update_max(0.25);
    assert_eq!(m.take(), 0.25);
}

#[test]
fn exchange_halves_are_send() {
    fn is_send<T: Send>() {}
    is_send::<shared_dsp::exchange::FifoProducer>();
    is_send::<shared_dsp::exchange::FifoConsumer>();
    is_send::<shared_dsp::exchange::TripleWriter<Vec<f32>>>();
    is_send::<shared_dsp::exchange::TripleReader<Vec<f32>>>();
    fn is_sync<T: Sync>() {}
    is_sync::<MeterValue>();
    is_sync::<SharedValue>();
}
