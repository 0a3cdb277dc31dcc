//! Host-free processing of the Loudness Meter, shared by the plugin, the CLI and the tests.
//! The meter never changes the audio: the engine only reads it.

pub struct MeterEngine {
    num_channels: usize,
}

impl MeterEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, _sample_rate: f32, _max_block: usize) -> Self {
        Self { num_channels }
    }

    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    pub fn latency(&self) -> usize {
        0
    }

    /// Audio-thread safe. Reads the block; the audio passes through untouched.
    pub fn process<S: AsRef<[f32]>>(&mut self, channels: &[S]) {
        let _ = channels;
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {}
}
