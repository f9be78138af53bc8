//! How weights start: Keras' schemes ([`Init`]) for a tensor of any
//! layout, from its fans.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::Init;

/// Keras' correction of a normal truncated at two standard deviations to
/// unit variance (`scipy.stats.truncnorm.std(-2, 2)`).
pub(crate) const TRUNCATED_NORMAL_STD: f64 = 0.879_625_661_034_239_8;

/// `count` weights of a tensor with `fan_in` inputs and `fan_out` outputs
/// per unit, drawn in order from `rng` by `init`.
pub(crate) fn draw_weights<R: Rng>(
    init: Init,
    fan_in: usize,
    fan_out: usize,
    count: usize,
    rng: &mut R,
) -> Vec<f32> {
    match init {
        Init::GlorotUniform => {
            let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
            (0..count).map(|_| rng.gen_range(-limit..limit)).collect()
        }
        Init::HeNormal | Init::LecunNormal => {
            let scale = if init == Init::HeNormal { 2.0 } else { 1.0 };
            let std = (scale / fan_in as f64).sqrt() / TRUNCATED_NORMAL_STD;
            (0..count)
                .map(|_| loop {
                    let z: f64 = StandardNormal.sample(rng);
                    if z.abs() <= 2.0 {
                        break (z * std) as f32;
                    }
                })
                .collect()
        }
    }
}
