//! [`DfdxStep`]: a network on dfdx's tape, as the engine steps it: one of
//! the compile-time modules (`crate::engine`) or any member with run-time
//! widths (`crate::dfdx_runtime`).

use aelab_models::DenseParams;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::TrainError;

/// A network on dfdx's tape: a compiled module with its optimizer, or any
/// member with run-time widths ([`crate::dfdx_runtime`]).
pub(crate) trait DfdxStep {
    fn step(&mut self, input: &[f32], target: &[f32]) -> Result<f32, TrainError>;
    fn export(&self) -> Vec<DenseParams>;
    /// Where a variational autoencoder's draws come from from now on.
    fn reseed_draws(&mut self, _rng: Xoshiro256PlusPlus) {}
}
