//! The models of aelab: the notebook's stacked autoencoder
//! (784 -> hidden -> latent -> hidden -> 784, SELU, sigmoid output) as dfdx
//! modules whose layer sizes are compile-time constants, and the
//! [`Reconstructor`] interface through which every model (the autoencoders
//! here, the PCA baseline in `aelab-reduce`) is encoded, decoded and scored.
//!
//! Shapes live in types, so a miswired layer is a compile error; the sizes a
//! spec may ask for are the ones [`shapes::with_shape`] instantiates.
//!
//! ```
//! use aelab_models::{shapes::{with_shape, ShapeVisitor}, StackedAutoencoder, Reconstructor};
//! use rand::SeedableRng;
//!
//! struct CodeWidth;
//! impl ShapeVisitor for CodeWidth {
//!     type Output = usize;
//!     fn visit<const LATENT: usize, const HIDDEN: usize>(self) -> usize {
//!         let mut rng = rand::rngs::StdRng::seed_from_u64(0);
//!         let model = StackedAutoencoder::<LATENT, HIDDEN>::keras_init(&mut rng);
//!         model.encode(&[0.5; 784]).len()
//!     }
//! }
//! assert_eq!(with_shape(30, 100, CodeWidth).unwrap(), 30);
//! ```

#![forbid(unsafe_code)]

mod activation;
mod architecture;
mod autoencoder;
mod dense;
mod error;
mod initialisation;
mod network;
mod reconstructor;
mod selu;
mod stacked_ae;
pub mod weights_file;

pub mod inference;
pub mod layers;
pub mod score;
pub mod shapes;
pub mod variational;

pub use activation::{
    activation_backward, add_bias_in_place, backward_needs_input, bias_activate_in_place,
    bias_selu_in_place, bias_sigmoid_in_place, LEAKY_SLOPE,
};
pub use architecture::{Activation, Architecture, Init, Kind};
pub use autoencoder::Autoencoder;
pub use dense::{transposed, DenseParams};
pub use error::ModelError;
pub(crate) use initialisation::draw_weights;
pub use network::Network;
pub use reconstructor::Reconstructor;
pub use selu::{Selu, SELU_ALPHA, SELU_SCALE};
pub use stacked_ae::{Decoder, Encoder, Net, StackedAe, StackedAutoencoder, IMAGE_PIXELS};
