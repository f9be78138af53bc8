//! The layer sizes compiled into aelab, and the dispatch from run-time sizes
//! (a spec's `model.latent` and `model.hidden`) to compile-time ones.

use crate::ModelError;

/// Latent (code) sizes an autoencoder can have.
pub const LATENT_SIZES: &[usize] = &[2, 10, 30, 64];
/// Hidden-layer sizes an autoencoder can have.
pub const HIDDEN_SIZES: &[usize] = &[100];

/// Whether the dfdx engine can train `architecture` (the compiled modules
/// for the notebook's shapes, dfdx tensors of run-time widths for the
/// rest); otherwise why not. It cannot train GELU: dfdx 0.13's
/// `accurate_gelu` computes its derivative as `Phi(x) + x e^{-x^2/2} /
/// sqrt(pi)`, a factor sqrt(2) too large in the second term (the slope is
/// `Phi(x) + x e^{-x^2/2} / sqrt(2 pi)`).
pub fn check_dfdx(architecture: &crate::Architecture) -> Result<(), String> {
    if architecture.activation == crate::Activation::Gelu {
        return Err(format!(
            "dfdx 0.13's GELU has a wrong derivative (its x phi(x) term is sqrt(2) too large), \
             so the dfdx engine trains every activation but \"gelu\"; {architecture} needs \
             train.engine = \"fused\""
        ));
    }
    Ok(())
}

/// Code generic over an autoencoder's sizes, run by [`with_shape`].
pub trait ShapeVisitor {
    type Output;
    fn visit<const LATENT: usize, const HIDDEN: usize>(self) -> Self::Output;
}

/// Runs `visitor` with `latent` and `hidden` as compile-time constants, or
/// fails naming the sizes that are compiled.
pub fn with_shape<V: ShapeVisitor>(
    latent: usize,
    hidden: usize,
    visitor: V,
) -> Result<V::Output, ModelError> {
    macro_rules! dispatch {
        ($(($l:literal, $h:literal)),*) => {
            match (latent, hidden) {
                $(($l, $h) => Ok(visitor.visit::<$l, $h>()),)*
                _ => Err(ModelError::UnsupportedShape {
                    latent,
                    hidden,
                    latents: LATENT_SIZES,
                    hiddens: HIDDEN_SIZES,
                }),
            }
        };
    }
    dispatch!((2, 100), (10, 100), (30, 100), (64, 100))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sizes;
    impl ShapeVisitor for Sizes {
        type Output = (usize, usize);
        fn visit<const LATENT: usize, const HIDDEN: usize>(self) -> (usize, usize) {
            (LATENT, HIDDEN)
        }
    }

    #[test]
    fn every_listed_size_is_compiled_and_others_are_refused() {
        for &l in LATENT_SIZES {
            for &h in HIDDEN_SIZES {
                assert_eq!(with_shape(l, h, Sizes).unwrap(), (l, h));
            }
        }
        let err = with_shape(31, 100, Sizes).unwrap_err().to_string();
        assert!(
            err.contains("latent = 31") && err.contains("[2, 10, 30, 64]"),
            "{err}"
        );
    }
}
