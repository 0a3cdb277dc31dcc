//! Lock-free exchange between the audio thread and the GUI / analysis threads.
//!
//! Three shapes of data cross threads in Lathe (CONVENTIONS.md, "GUI ↔ audio"):
//! - single values — meters, gain reduction, current loudness: [`MeterValue`] (peak held until
//!   the reader takes it) and [`SharedValue`] (plain last-written value), both one atomic word;
//! - whole arrays published as snapshots — spectrum frames, gain-reduction history chunks:
//!   [`triple_buffer`] ([`TripleWriter`] / [`TripleReader`]), the reader only ever sees the
//!   newest complete snapshot;
//! - a scrolling history that is never consumed (loudness, gain reduction over minutes):
//!   [`HistoryRing`], one writer, any number of readers;
//! - a stream of samples — the spectrum analyser's input, scrolling histories:
//!   [`sample_fifo`] ([`FifoProducer`] / [`FifoConsumer`]), a bounded ring.
//!
//! On the audio side nothing here waits, locks, allocates or makes a system call; every loop is
//! bounded by the data size (the one compare-and-swap retry loop, in
//! [`MeterValue::update_max`], only retries when another writer changed the cell in between,
//! which with one audio writer and one GUI reader happens at most once per GUI read).
//!
//! Techniques: the triple buffer is the classic three-slot exchange with an atomically swapped
//! "middle" index and a fresh bit (as in e.g. H. Sutter's and the `triple_buffer` crate's
//! descriptions); the FIFO is Lamport's single-producer/single-consumer ring (L. Lamport,
//! "Specifying concurrent program modules", ACM TOPLAS 5(2), 1983) with acquire/release
//! indices (Herlihy & Shavit, *The Art of Multiprocessor Programming*, ch. 3). Written here
//! from those descriptions; no code copied.

pub mod fifo;
pub mod history;
pub mod meter;
pub mod triple;

pub use fifo::{FifoConsumer, FifoProducer, sample_fifo};
pub use history::HistoryRing;
pub use meter::{MeterValue, SharedValue};
pub use triple::{TripleReader, TripleWriter, triple_buffer};
