//! What a member of the autoencoder family is: the encoder's widths (the
//! decoder mirrors them), the activation of every layer but the output,
//! how weights start, whether the decoder reuses the encoder's weights
//! transposed, an L1 penalty on the codes, and whether the code is a point
//! or a distribution (a variational autoencoder). [`Architecture::dense_shapes`]
//! turns it into the dense layers a network has, input side first.

use std::fmt;

/// The activation after every layer but the output (the code layer too,
/// as in the notebook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// Scaled exponential linear unit (Klambauer et al. 2017), the notebook's.
    #[default]
    Selu,
    Relu,
    /// Slope 0.01 below zero (Keras' and PyTorch's default is 0.3 and 0.01).
    LeakyRelu,
    /// `alpha = 1`.
    Elu,
    Tanh,
    /// The exact, erf-based GELU (PyTorch's default).
    Gelu,
}

impl Activation {
    /// Every activation with its spec name.
    pub const NAMES: [(&'static str, Activation); 6] = [
        ("selu", Activation::Selu),
        ("relu", Activation::Relu),
        ("leaky_relu", Activation::LeakyRelu),
        ("elu", Activation::Elu),
        ("tanh", Activation::Tanh),
        ("gelu", Activation::Gelu),
    ];

    /// The spec name.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("selu", |(n, _)| n)
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How weights are drawn (biases always start at zero, as in Keras).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Init {
    /// Uniform in `±sqrt(6 / (fan_in + fan_out))`, Keras' default.
    #[default]
    GlorotUniform,
    /// Variance `2 / fan_in`, from a normal truncated at two standard
    /// deviations and rescaled to that variance, as Keras draws it.
    HeNormal,
    /// Variance `1 / fan_in`, drawn likewise.
    LecunNormal,
}

impl Init {
    /// Every scheme with its spec name.
    pub const NAMES: [(&'static str, Init); 3] = [
        ("glorot_uniform", Init::GlorotUniform),
        ("he_normal", Init::HeNormal),
        ("lecun_normal", Init::LecunNormal),
    ];

    /// The spec name.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, i)| *i == self)
            .map_or("glorot_uniform", |(n, _)| n)
    }
}

/// What an encoder gives: a code, or a distribution over codes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Kind {
    /// A point code (the notebook's).
    #[default]
    Autoencoder,
    /// A variational autoencoder (Kingma and Welling 2014): the last
    /// encoder layer is two linear heads, the mean and the log-variance of
    /// a diagonal Gaussian over codes; training decodes a draw from it
    /// (the reparameterisation trick) and adds `beta` times its KL
    /// divergence from N(0, I) to the loss (beta 1 is the ELBO; other
    /// values, Higgins et al. 2017's beta-VAE). Evaluation decodes the mean.
    Variational { beta: f32 },
}

/// One member of the stacked-autoencoder family.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Values per image (784 for MNIST).
    pub pixels: usize,
    /// Encoder widths, input side first; the last is the code.
    pub layers: Vec<usize>,
    pub activation: Activation,
    pub init: Init,
    /// Decoder weights are the transposed encoder weights (own biases).
    pub tied: bool,
    /// Weight of the L1 penalty on the codes (0: none).
    pub sparsity: f32,
    pub kind: Kind,
}

impl Architecture {
    /// The notebook's autoencoder: `pixels - hidden - latent - hidden - pixels`,
    /// SELU, Glorot-uniform, untied, no penalty.
    pub fn notebook(pixels: usize, hidden: usize, latent: usize) -> Self {
        Architecture {
            pixels,
            layers: vec![hidden, latent],
            activation: Activation::Selu,
            init: Init::GlorotUniform,
            tied: false,
            sparsity: 0.0,
            kind: Kind::Autoencoder,
        }
    }

    /// The code's width.
    pub fn latent(&self) -> usize {
        self.layers.last().copied().unwrap_or(self.pixels)
    }

    /// Encoder layers; the decoder has as many.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// The KL weight of a variational autoencoder (`None` for a plain one).
    pub fn beta(&self) -> Option<f32> {
        match self.kind {
            Kind::Autoencoder => None,
            Kind::Variational { beta } => Some(beta),
        }
    }

    /// `(inputs, outputs)` of every dense layer, encoder then decoder. A
    /// variational autoencoder's last encoder layer is its two heads as one
    /// layer of twice the code's width: the mean's rows, then the
    /// log-variance's.
    pub fn dense_shapes(&self) -> Vec<(usize, usize)> {
        let mut widths = vec![self.pixels];
        widths.extend(&self.layers);
        let heads = if self.beta().is_some() { 2 } else { 1 };
        let code_layer = self.depth() - 1;
        let encoder = widths.windows(2).enumerate().map(|(j, w)| {
            let outputs = if j == code_layer { heads * w[1] } else { w[1] };
            (w[0], outputs)
        });
        let decoder = widths.iter().rev().collect::<Vec<_>>();
        let decoder = decoder.windows(2).map(|w| (*w[0], *w[1]));
        encoder.chain(decoder).collect()
    }

    /// For each dense layer, the encoder layer whose weight it uses
    /// transposed (tied decoder layers), or `None` if it has its own.
    pub fn tied_to(&self) -> Vec<Option<usize>> {
        let depth = self.depth();
        (0..2 * depth)
            .map(|j| (self.tied && j >= depth).then(|| 2 * depth - 1 - j))
            .collect()
    }

    /// Whether this is the notebook's family with the shapes that dfdx's
    /// compile-time modules have (see [`crate::shapes`]).
    pub fn is_compiled_notebook_shape(&self) -> bool {
        self.pixels == crate::IMAGE_PIXELS
            && self.layers.len() == 2
            && crate::shapes::HIDDEN_SIZES.contains(&self.layers[0])
            && crate::shapes::LATENT_SIZES.contains(&self.layers[1])
            && self.activation == Activation::Selu
            && self.init == Init::GlorotUniform
            && !self.tied
            && self.sparsity == 0.0
            && self.kind == Kind::Autoencoder
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.pixels)?;
        for w in &self.layers {
            write!(f, "-{w}")?;
        }
        write!(f, " (mirrored), {}", self.activation)?;
        if self.tied {
            write!(f, ", tied")?;
        }
        if self.sparsity > 0.0 {
            write!(f, ", L1 {} on codes", self.sparsity)?;
        }
        if let Some(beta) = self.beta() {
            write!(f, ", variational (beta {beta})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_mirror_the_encoder() {
        let a = Architecture {
            layers: vec![500, 500, 2000, 10],
            ..Architecture::notebook(784, 100, 30)
        };
        assert_eq!(
            a.dense_shapes(),
            [
                (784, 500),
                (500, 500),
                (500, 2000),
                (2000, 10),
                (10, 2000),
                (2000, 500),
                (500, 500),
                (500, 784)
            ]
        );
        assert_eq!(a.latent(), 10);
        let tied = Architecture {
            tied: true,
            ..Architecture::notebook(784, 100, 30)
        };
        assert_eq!(tied.tied_to(), [None, None, Some(1), Some(0)]);
        assert!(Architecture::notebook(784, 100, 30).is_compiled_notebook_shape());
        assert!(!tied.is_compiled_notebook_shape());
        let vae = Architecture {
            layers: vec![400, 20],
            kind: Kind::Variational { beta: 1.0 },
            ..Architecture::notebook(784, 100, 30)
        };
        assert_eq!(
            vae.dense_shapes(),
            [(784, 400), (400, 40), (20, 400), (400, 784)]
        );
        assert_eq!(vae.latent(), 20);
        assert!(!vae.is_compiled_notebook_shape());
    }
}
