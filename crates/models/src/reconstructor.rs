//! [`Reconstructor`]: what evaluation, plots and reports need of a model.

use std::path::Path;

use crate::ModelError;

/// A model that maps images (rows of pixels in `[0, 1]`) to codes and codes
/// back to images. Implemented by the autoencoders and the PCA baseline, so
/// every model is scored and plotted the same way.
pub trait Reconstructor: Send + Sync {
    /// Width of a code.
    fn latent_dim(&self) -> usize;

    /// Codes of `images`, `latent_dim()` values per image.
    fn encode(&self, images: &[f32]) -> Vec<f32>;

    /// Images decoded from `codes`, pixel values in `[0, 1]`.
    fn decode(&self, codes: &[f32]) -> Vec<f32>;

    /// `decode(encode(images))`.
    fn reconstruct(&self, images: &[f32]) -> Vec<f32> {
        self.decode(&self.encode(images))
    }

    /// [`reconstruct`](Self::reconstruct), handed to `each` in order a
    /// block of whole images at a time (by default, all of them at once):
    /// for callers that only read each reconstruction once.
    fn reconstruct_each_block(&self, images: &[f32], each: &mut dyn FnMut(&[f32])) {
        each(&self.reconstruct(images));
    }

    /// A variational autoencoder's KL weight (`None` for other models).
    fn variational_beta(&self) -> Option<f32> {
        None
    }

    /// A variational encoder's mean and log-variance of each image's code
    /// (`latent_dim()` values per image each); `None` for other models.
    fn encode_distribution(&self, _images: &[f32]) -> Option<(Vec<f32>, Vec<f32>)> {
        None
    }

    /// Writes the learned parameters to `path` (safetensors).
    fn save_weights(&self, path: &Path) -> Result<(), ModelError>;
}
