//! ONNX graphs of a trained dense autoencoder (opset 13): `encoder.onnx`
//! (`images` [N, pixels] to `code` [N, latent], and for a VAE also
//! `log_variance`), `decoder.onnx` (`code` to `reconstruction` [N, pixels],
//! pixel probabilities) and `autoencoder.onnx` (`images` to
//! `reconstruction`, a VAE decoding its mean code, as aelab evaluates).
//! Each dense layer is a `Gemm` with `transB = 1` over aelab's row-major
//! `[outputs, inputs]` weight; the activations are ONNX's own operators
//! (`Selu` with aelab's constants, `LeakyRelu` 0.01, `Elu`, `Relu`,
//! `Tanh`), GELU the exact `0.5 x (1 + erf(x / sqrt 2))` from `Erf`.

use aelab_models::Autoencoder;

use crate::onnx_graph::Graph;

/// The three graphs of one model, each a serialised `ModelProto`.
pub struct OnnxModels {
    pub encoder: Vec<u8>,
    pub decoder: Vec<u8>,
    pub autoencoder: Vec<u8>,
}

/// The ONNX graphs of `model`; `metadata` goes into each model's
/// `metadata_props` (architecture, versions, where it came from).
pub fn dense_onnx(model: &Autoencoder, metadata: &[(String, String)]) -> OnnxModels {
    let pixels = model.architecture.pixels;
    let latent = model.architecture.latent();
    let mut encoder = Graph::default();
    encoder.encoder(model, "images");
    let mut outputs = vec![("code", latent)];
    if model.log_variance_head().is_some() {
        outputs.push(("log_variance", latent));
    }
    let encoder = encoder.finish("encoder", &[("images", pixels)], &outputs, metadata);

    let mut decoder = Graph::default();
    decoder.decoder(model, "code", "reconstruction");
    let decoder = decoder.finish(
        "decoder",
        &[("code", latent)],
        &[("reconstruction", pixels)],
        metadata,
    );

    let mut whole = Graph::default();
    whole.encoder(model, "images");
    whole.decoder(model, "code", "reconstruction");
    let whole = whole.finish(
        "autoencoder",
        &[("images", pixels)],
        &[("reconstruction", pixels)],
        metadata,
    );
    OnnxModels {
        encoder,
        decoder,
        autoencoder: whole,
    }
}

impl Graph {
    /// The encoder from `images` to `code` (and a VAE's `log_variance`).
    fn encoder(&mut self, model: &Autoencoder, images: &str) {
        let layers = model.code_encoder();
        let activation = model.architecture.activation;
        let last = layers.len() - 1;
        let mut x = images.to_string();
        let mut trunk = x.clone();
        for (i, layer) in layers.iter().enumerate() {
            let prefix = format!("encoder.{i}");
            if i < last || model.code_is_activated() {
                let z = self.dense(&x, layer, &prefix, None);
                let out = (i == last).then_some("code");
                x = self.activate(&z, activation, out);
            } else {
                trunk = x.clone();
                x = self.dense(&x, layer, &format!("{prefix}.mean"), Some("code"));
            }
        }
        if let Some(head) = model.log_variance_head() {
            self.dense(
                &trunk,
                &head,
                &format!("encoder.{last}.log_variance"),
                Some("log_variance"),
            );
        }
    }

    /// The decoder from `code` to `output`, a sigmoid at the end.
    fn decoder(&mut self, model: &Autoencoder, code: &str, output: &str) {
        let layers = model.decoder();
        let activation = model.architecture.activation;
        let mut x = code.to_string();
        for (i, layer) in layers.iter().enumerate() {
            let z = self.dense(&x, layer, &format!("decoder.{i}"), None);
            x = if i + 1 < layers.len() {
                self.activate(&z, activation, None)
            } else {
                self.node("Sigmoid", &[&z], output, Vec::new());
                output.to_string()
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx_proto::ModelProto;
    use aelab_models::{Architecture, Kind};
    use prost::Message;
    use rand::SeedableRng;

    #[test]
    fn the_graphs_decode_with_their_weights_names_and_shapes() {
        let model = Autoencoder::new(
            Architecture::notebook(784, 100, 30),
            &mut rand::rngs::StdRng::seed_from_u64(1),
        );
        let models = dense_onnx(&model, &[("architecture".into(), "x".into())]);
        let whole = ModelProto::decode(models.autoencoder.as_slice()).unwrap();
        assert_eq!(whole.opset_import[0].version, 13);
        let graph = whole.graph.unwrap();
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(
            ops,
            ["Gemm", "Selu", "Gemm", "Selu", "Gemm", "Selu", "Gemm", "Sigmoid"]
        );
        let first = &graph.initializer[0];
        assert_eq!(
            (first.name.as_str(), first.dims.as_slice()),
            ("encoder.0.weight", &[100, 784][..])
        );
        let bytes: Vec<u8> = model.layers[0]
            .weight
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(first.raw_data, bytes);
        assert_eq!(graph.input[0].name, "images");
        assert_eq!(graph.output[0].name, "reconstruction");
        assert_eq!(whole.metadata_props[0].key, "architecture");
    }

    #[test]
    fn a_vae_encoder_gives_its_mean_and_log_variance() {
        let mut architecture = Architecture::notebook(784, 400, 20);
        architecture.kind = Kind::Variational { beta: 1.0 };
        let model = Autoencoder::new(architecture, &mut rand::rngs::StdRng::seed_from_u64(2));
        let encoder = ModelProto::decode(dense_onnx(&model, &[]).encoder.as_slice()).unwrap();
        let graph = encoder.graph.unwrap();
        let outputs: Vec<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(outputs, ["code", "log_variance"]);
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(ops, ["Gemm", "Selu", "Gemm", "Gemm"]);
    }
}
