//! Independent random streams derived from one run seed, so that changing how
//! much of one stream is used (more epochs, more noise) never shifts another.
//! Weights and order come from ChaCha8 ([`rng`]); the noise streams, which
//! draw one normal number per pixel (29 million per epoch), from the faster
//! xoshiro256++ in parallel lanes ([`noise_lanes`]).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// What a random stream is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Initial weights.
    Init = 1,
    /// The order of training examples, reshuffled each epoch.
    Shuffle = 2,
    /// Corruption of the training inputs.
    TrainNoise = 3,
    /// Corruption of the validation inputs.
    ValidationNoise = 4,
    /// Corruption of the test inputs for the noisy-test metrics.
    TestNoise = 5,
    /// A variational autoencoder's draws of codes in training, one
    /// generator per epoch ([`epoch_rng`]).
    CodeDraws = 6,
}

/// The generator of `stream` for `seed`.
pub fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// The generator of `stream` in `epoch` (from 1) of `seed`'s run, seeded
/// by SplitMix64 from all three: a run continued from a checkpoint after
/// any epoch draws what an uninterrupted one draws, with no position to
/// save.
pub fn epoch_rng(seed: u64, stream: Stream, epoch: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(
        seed ^ (stream as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ (epoch as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9),
    )
}

/// Parallel lanes of every noise stream (see `Corruption::apply_lanes_into`):
/// drawing an epoch of noise on two cores halves its cost.
pub const NOISE_LANES: usize = 2;

/// The generators of a noise `stream` for `seed`, one per lane: the first
/// seeded by SplitMix64 from the seed and the stream's number, each next one
/// 2^128 draws further along (xoshiro's jump), so lanes never overlap.
pub fn noise_lanes(seed: u64, stream: Stream) -> [Xoshiro256PlusPlus; NOISE_LANES] {
    let mut lane = Xoshiro256PlusPlus::seed_from_u64(
        seed ^ (stream as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
    );
    std::array::from_fn(|_| {
        let this = lane.clone();
        lane.jump();
        this
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = rng(42, Stream::Init).gen();
        let b: u64 = rng(42, Stream::Init).gen();
        let c: u64 = rng(42, Stream::Shuffle).gen();
        let d: u64 = rng(43, Stream::Init).gen();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        let [mut x, mut y] = noise_lanes(42, Stream::TrainNoise);
        let n: u64 = x.gen();
        assert_eq!(n, noise_lanes(42, Stream::TrainNoise)[0].gen::<u64>());
        assert_ne!(n, y.gen::<u64>());
        assert_ne!(n, noise_lanes(42, Stream::TestNoise)[0].gen::<u64>());
    }
}
