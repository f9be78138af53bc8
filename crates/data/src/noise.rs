//! Corruptions for denoising autoencoders, applied to images scaled to
//! `[0, 1]`: Gaussian noise (the notebook's `clip(x + level * N(0,1), 0, 1)`),
//! masking noise (a fraction of pixels set to 0) and salt-and-pepper noise (a
//! fraction of pixels set to 0 or 1, evenly).

use rand::Rng;

use crate::normal::fill_standard_normal;

/// Pixels given Gaussian noise per batch of normal draws: the draws stay in
/// cache between being made and being added (the whole training set at once
/// would be another 116 MB pass through memory).
const GAUSSIAN_BLOCK: usize = 512;

/// Which corruption to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoiseKind {
    None,
    Gaussian,
    Masking,
    SaltPepper,
}

impl NoiseKind {
    /// The name used in specs and reports.
    pub fn name(self) -> &'static str {
        match self {
            NoiseKind::None => "none",
            NoiseKind::Gaussian => "gaussian",
            NoiseKind::Masking => "masking",
            NoiseKind::SaltPepper => "salt-pepper",
        }
    }

    /// Every kind, in spec order.
    pub const ALL: [NoiseKind; 4] = [
        NoiseKind::None,
        NoiseKind::Gaussian,
        NoiseKind::Masking,
        NoiseKind::SaltPepper,
    ];

    /// Parses a spec name.
    pub fn from_name(name: &str) -> Option<NoiseKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A corruption: its kind and level (the standard deviation for Gaussian
/// noise, the fraction of pixels hit for masking and salt-and-pepper).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Corruption {
    pub kind: NoiseKind,
    pub level: f32,
}

impl Corruption {
    pub const NONE: Corruption = Corruption {
        kind: NoiseKind::None,
        level: 0.0,
    };

    /// Whether this corruption changes anything.
    pub fn is_none(&self) -> bool {
        self.kind == NoiseKind::None || self.level == 0.0
    }

    /// Writes the corrupted `clean` pixels into `out` (same length).
    pub fn apply_into<R: Rng>(&self, clean: &[f32], out: &mut [f32], rng: &mut R) {
        assert_eq!(clean.len(), out.len(), "corruption buffers must match");
        let level = self.level;
        match self.kind {
            _ if self.is_none() => out.copy_from_slice(clean),
            NoiseKind::None => unreachable!("handled by is_none"),
            NoiseKind::Gaussian => {
                let mut normals = [0.0f32; GAUSSIAN_BLOCK];
                for (out, clean) in out
                    .chunks_mut(GAUSSIAN_BLOCK)
                    .zip(clean.chunks(GAUSSIAN_BLOCK))
                {
                    let normals = &mut normals[..clean.len()];
                    fill_standard_normal(rng, normals);
                    for ((o, &x), &z) in out.iter_mut().zip(clean).zip(normals.iter()) {
                        *o = (x + level * z).clamp(0.0, 1.0);
                    }
                }
            }
            NoiseKind::Masking => {
                for (o, &x) in out.iter_mut().zip(clean) {
                    *o = if rng.gen::<f32>() < level { 0.0 } else { x };
                }
            }
            NoiseKind::SaltPepper => {
                for (o, &x) in out.iter_mut().zip(clean) {
                    let u = rng.gen::<f32>();
                    *o = if u < level * 0.5 {
                        0.0
                    } else if u < level {
                        1.0
                    } else {
                        x
                    };
                }
            }
        }
    }

    /// The corrupted copy of `clean`.
    pub fn apply<R: Rng>(&self, clean: &[f32], rng: &mut R) -> Vec<f32> {
        let mut out = vec![0.0; clean.len()];
        self.apply_into(clean, &mut out, rng);
        out
    }

    /// Like [`apply_into`](Self::apply_into), with the pixels split into
    /// `lanes.len()` contiguous parts, each corrupted from its own generator
    /// on its own thread. The split depends only on the lengths, so the
    /// result does not depend on how many cores run it.
    pub fn apply_lanes_into<R: Rng + Send>(&self, clean: &[f32], out: &mut [f32], lanes: &mut [R]) {
        assert_eq!(clean.len(), out.len(), "corruption buffers must match");
        let part = clean.len().div_ceil(lanes.len().max(1)).max(1);
        std::thread::scope(|scope| {
            for ((clean, out), rng) in clean
                .chunks(part)
                .zip(out.chunks_mut(part))
                .zip(lanes.iter_mut())
            {
                scope.spawn(move || self.apply_into(clean, out, rng));
            }
        });
    }

    /// The corrupted copy of `clean`, drawn in lanes (see
    /// [`apply_lanes_into`](Self::apply_lanes_into)).
    pub fn apply_lanes<R: Rng + Send>(&self, clean: &[f32], lanes: &mut [R]) -> Vec<f32> {
        let mut out = vec![0.0; clean.len()];
        self.apply_lanes_into(clean, &mut out, lanes);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn grey(n: usize) -> Vec<f32> {
        vec![0.5; n]
    }

    #[test]
    fn gaussian_is_clipped_seeded_and_has_the_right_spread() {
        let c = Corruption {
            kind: NoiseKind::Gaussian,
            level: 0.1,
        };
        let a = c.apply(&grey(100_000), &mut ChaCha8Rng::seed_from_u64(1));
        let b = c.apply(&grey(100_000), &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(a, b);
        assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
        let var = a.iter().map(|v| (v - 0.5).powi(2)).sum::<f32>() / a.len() as f32;
        assert!((var.sqrt() - 0.1).abs() < 0.005, "std {}", var.sqrt());
        let wide =
            Corruption { level: 5.0, ..c }.apply(&grey(1000), &mut ChaCha8Rng::seed_from_u64(2));
        assert!(wide.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn masking_and_salt_pepper_hit_the_right_fraction() {
        let n = 100_000;
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let masked = Corruption {
            kind: NoiseKind::Masking,
            level: 0.3,
        }
        .apply(&grey(n), &mut rng);
        let zeros = masked.iter().filter(|&&v| v == 0.0).count() as f32 / n as f32;
        assert!((zeros - 0.3).abs() < 0.01, "{zeros}");
        let sp = Corruption {
            kind: NoiseKind::SaltPepper,
            level: 0.4,
        }
        .apply(&grey(n), &mut rng);
        let salt = sp.iter().filter(|&&v| v == 1.0).count() as f32 / n as f32;
        let pepper = sp.iter().filter(|&&v| v == 0.0).count() as f32 / n as f32;
        assert!((salt - 0.2).abs() < 0.01 && (pepper - 0.2).abs() < 0.01);
    }

    #[test]
    fn lanes_give_the_same_result_as_drawing_each_part_in_turn() {
        let c = Corruption {
            kind: NoiseKind::Gaussian,
            level: 0.3,
        };
        let clean = grey(1001);
        let mut lanes = [ChaCha8Rng::seed_from_u64(1), ChaCha8Rng::seed_from_u64(2)];
        let together = c.apply_lanes(&clean, &mut lanes);
        let first = c.apply(&clean[..501], &mut ChaCha8Rng::seed_from_u64(1));
        let second = c.apply(&clean[501..], &mut ChaCha8Rng::seed_from_u64(2));
        assert_eq!(together, [first, second].concat());
    }

    #[test]
    fn none_copies() {
        let clean = vec![0.1, 0.9];
        assert_eq!(
            Corruption::NONE.apply(&clean, &mut ChaCha8Rng::seed_from_u64(0)),
            clean
        );
        assert_eq!(
            NoiseKind::from_name("salt-pepper"),
            Some(NoiseKind::SaltPepper)
        );
        assert_eq!(NoiseKind::from_name("pink"), None);
    }
}
