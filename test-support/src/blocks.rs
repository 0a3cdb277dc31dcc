//! The block-split harness: runs a processor over a signal cut into blocks of chosen sizes, and
//! checks that any cut gives the same output ("any block size from 1 to 8192, varying block to
//! block, gives the same result").
//!
//! A processor is any `FnMut(&mut [&mut [f32]], usize)`: it gets one block of every channel, in
//! place, and the position of the block's first frame (for parameter changes at a fixed sample).

use crate::alloc::no_alloc;
use crate::signals::rng;
use rand::RngExt;

/// How a signal is cut into blocks.
#[derive(Clone, Debug)]
pub enum Split {
    /// One block holding the whole signal.
    Whole,
    /// Blocks of this many frames (the last one shorter).
    Fixed(usize),
    /// Seeded random sizes, uniform in `1..=max`.
    Random { seed: u64, max: usize },
    /// These sizes in turn, cycling.
    Cycle(Vec<usize>),
}

impl Split {
    /// One frame per block.
    pub const PER_SAMPLE: Split = Split::Fixed(1);

    /// The block sizes for `len` frames: all at least 1, summing to `len`.
    pub fn sizes(&self, len: usize) -> Vec<usize> {
        let mut next: Box<dyn FnMut() -> usize> = match self {
            Split::Whole => Box::new(move || len),
            Split::Fixed(n) => {
                let n = *n;
                Box::new(move || n)
            }
            Split::Random { seed, max } => {
                let (mut r, max) = (rng(*seed), *max);
                Box::new(move || r.random_range(1..=max))
            }
            Split::Cycle(sizes) => {
                let mut it = sizes.clone().into_iter().cycle();
                Box::new(move || it.next().unwrap_or(len))
            }
        };
        let mut out = Vec::new();
        let mut done = 0;
        while done < len {
            let n = next().max(1).min(len - done);
            out.push(n);
            done += n;
        }
        out
    }

    /// [`sizes`](Self::sizes) with extra cuts so that a block starts exactly at each of `cuts`
    /// (for parameter changes that must land on a fixed sample at every split).
    pub fn sizes_cut_at(&self, len: usize, cuts: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        let mut pos = 0;
        for n in self.sizes(len) {
            let end = pos + n;
            let mut cuts: Vec<usize> = cuts
                .iter()
                .copied()
                .filter(|&c| c > pos && c < end)
                .collect();
            cuts.sort_unstable();
            for c in cuts {
                out.push(c - pos);
                pos = c;
            }
            out.push(end - pos);
            pos = end;
        }
        out
    }
}

/// Runs `process` over `channels` in place, in blocks of `sizes` (which must sum to the channel
/// length), passing each block and the position of its first frame.
pub fn run_in_place<C: AsMut<[f32]>>(
    channels: &mut [C],
    sizes: &[usize],
    process: impl FnMut(&mut [&mut [f32]], usize),
) {
    run_blocks(channels, sizes, process, |run| run());
}

/// [`run_in_place`] with allocation forbidden for the whole run (the harness's own bookkeeping
/// is allocated before): the processor must not allocate.
pub fn run_in_place_no_alloc<C: AsMut<[f32]>>(
    channels: &mut [C],
    sizes: &[usize],
    process: impl FnMut(&mut [&mut [f32]], usize),
) {
    run_blocks(channels, sizes, process, |run| no_alloc(run));
}

/// The block loop, run through `wrap` once its block list is allocated.
fn run_blocks<C: AsMut<[f32]>>(
    channels: &mut [C],
    sizes: &[usize],
    mut process: impl FnMut(&mut [&mut [f32]], usize),
    wrap: impl FnOnce(&mut dyn FnMut()),
) {
    let mut rest: Vec<&mut [f32]> = channels.iter_mut().map(|c| c.as_mut()).collect();
    let mut block: Vec<&mut [f32]> = Vec::with_capacity(rest.len());
    wrap(&mut || {
        let mut pos = 0;
        for &n in sizes {
            block.clear();
            for r in rest.iter_mut() {
                let (head, tail) = std::mem::take(r).split_at_mut(n);
                *r = tail;
                block.push(head);
            }
            process(&mut block, pos);
            pos += n;
        }
    });
}

/// Runs `process` over a copy of `input` in blocks of `sizes` (e.g. from [`Split::sizes`]),
/// allocation forbidden, and returns the output.
pub fn process_split<C: AsRef<[f32]>>(
    input: &[C],
    sizes: &[usize],
    process: impl FnMut(&mut [&mut [f32]], usize),
) -> Vec<Vec<f32>> {
    let mut out: Vec<Vec<f32>> = input.iter().map(|c| c.as_ref().to_vec()).collect();
    run_in_place_no_alloc(&mut out, sizes, process);
    out
}

/// Runs a fresh processor from `make` over `input` with every split of `splits` (each with block
/// boundaries forced at `cuts`, the positions where the processor changes its parameters),
/// allocation forbidden, and asserts that every output equals the first within `tolerance`
/// (0.0: bit-identical). Returns the first output.
pub fn assert_split_invariant<C: AsRef<[f32]>, P: FnMut(&mut [&mut [f32]], usize)>(
    input: &[C],
    splits: &[Split],
    cuts: &[usize],
    tolerance: f32,
    mut make: impl FnMut() -> P,
) -> Vec<Vec<f32>> {
    let len = input.first().map_or(0, |c| c.as_ref().len());
    let outputs: Vec<Vec<Vec<f32>>> = splits
        .iter()
        .map(|s| process_split(input, &s.sizes_cut_at(len, cuts), make()))
        .collect();
    for (s, out) in splits.iter().zip(&outputs).skip(1) {
        assert_outputs_match(
            &outputs[0],
            out,
            tolerance,
            &format!("{:?} vs {s:?}", splits[0]),
        );
    }
    outputs.into_iter().next().unwrap_or_default()
}

/// Asserts that two multichannel outputs match sample by sample within `tolerance`
/// (0.0: bit-identical, NaN never matches), naming the first mismatch.
pub fn assert_outputs_match<A: AsRef<[f32]>, B: AsRef<[f32]>>(
    a: &[A],
    b: &[B],
    tolerance: f32,
    what: &str,
) {
    assert_eq!(a.len(), b.len(), "{what}: channel counts differ");
    for (ch, (x, y)) in a.iter().zip(b).enumerate() {
        let (x, y) = (x.as_ref(), y.as_ref());
        assert_eq!(x.len(), y.len(), "{what}: channel {ch} lengths differ");
        if let Some(i) = (0..x.len()).find(|&i| !(x[i] == y[i] || (x[i] - y[i]).abs() <= tolerance))
        {
            panic!(
                "{what}: channel {ch} sample {i}: {} vs {} (tolerance {tolerance})",
                x[i], y[i]
            );
        }
    }
}
