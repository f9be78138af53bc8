//! A trained autoencoder read back from the weights file a run wrote, for
//! evaluating it again (the full evaluation of a sweep's best runs, or of
//! any run on demand) without training it again.

use std::path::Path;

use rand::SeedableRng;

use crate::shapes::{with_shape, ShapeVisitor};
use crate::{ModelError, Reconstructor, StackedAutoencoder};

/// The autoencoder of `latent` and `hidden` units whose weights are in
/// `path` (written by [`Reconstructor::save_weights`]).
pub fn load_autoencoder(
    latent: usize,
    hidden: usize,
    path: &Path,
) -> Result<Box<dyn Reconstructor>, ModelError> {
    struct Load<'a>(&'a Path);
    impl ShapeVisitor for Load<'_> {
        type Output = Result<Box<dyn Reconstructor>, ModelError>;
        fn visit<const LATENT: usize, const HIDDEN: usize>(self) -> Self::Output {
            // Any initialisation: every parameter is overwritten.
            let mut rng = rand::rngs::StdRng::seed_from_u64(0);
            let mut model = StackedAutoencoder::<LATENT, HIDDEN>::keras_init(&mut rng);
            model.load(self.0)?;
            Ok(Box::new(model))
        }
    }
    with_shape(latent, hidden, Load(path))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_autoencoder_loads_with_the_same_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weights.safetensors");
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let model = StackedAutoencoder::<10, 100>::keras_init(&mut rng);
        model.save_weights(&path).unwrap();
        let loaded = load_autoencoder(10, 100, &path).unwrap();
        let input: Vec<f32> = (0..784 * 2).map(|i| (i % 255) as f32 / 255.0).collect();
        assert_eq!(loaded.reconstruct(&input), model.reconstruct(&input));
        assert!(load_autoencoder(30, 100, &path).is_err(), "another shape");
        assert!(load_autoencoder(10, 100, &dir.path().join("none")).is_err());
    }
}
