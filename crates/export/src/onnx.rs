//! ONNX graphs of a trained dense autoencoder (opset 13): `encoder.onnx`
//! (`images` [N, pixels] to `code` [N, latent], and for a VAE also
//! `log_variance`), `decoder.onnx` (`code` to `reconstruction` [N, pixels],
//! pixel probabilities) and `autoencoder.onnx` (`images` to
//! `reconstruction`, a VAE decoding its mean code, as aelab evaluates).
//! Each dense layer is a `Gemm` with `transB = 1` over aelab's row-major
//! `[outputs, inputs]` weight; the activations are ONNX's own operators
//! (`Selu` with aelab's constants, `LeakyRelu` 0.01, `Elu`, `Relu`,
//! `Tanh`), GELU the exact `0.5 x (1 + erf(x / sqrt 2))` from `Erf`.

use aelab_models::{Activation, Autoencoder, DenseParams, SELU_ALPHA, SELU_SCALE};
use prost::Message;

use crate::onnx_proto::*;

/// The operator set the graphs use.
pub const OPSET: i64 = 13;
/// The IR version written (ONNX 1.10's, which carries opset 13 and more).
const IR_VERSION: i64 = 8;
/// The batch dimension's name in every input and output.
pub const BATCH: &str = "N";

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

/// A graph under construction: nodes, weights, and a counter for names.
#[derive(Default)]
struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    count: usize,
}

impl Graph {
    /// A fresh value name.
    fn value(&mut self, stem: &str) -> String {
        self.count += 1;
        format!("{stem}_{}", self.count)
    }

    fn node(&mut self, op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.to_string()],
            name: format!("{op}_{}", self.nodes.len()),
            op_type: op.to_string(),
            attribute,
        });
    }

    fn constant(&mut self, name: &str, dims: &[usize], values: &[f32]) {
        self.initializers.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: FLOAT,
            name: name.to_string(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
    }

    /// `x W^T + b` for `layer`, its weight and bias named `prefix.weight`
    /// and `prefix.bias`; returns the output's name (`output` if given).
    fn dense(
        &mut self,
        x: &str,
        layer: &DenseParams,
        prefix: &str,
        output: Option<&str>,
    ) -> String {
        let (w, b) = (format!("{prefix}.weight"), format!("{prefix}.bias"));
        self.constant(&w, &[layer.outputs, layer.inputs], &layer.weight);
        self.constant(&b, &[layer.outputs], &layer.bias);
        let y = output.map_or_else(|| self.value(prefix), str::to_string);
        self.node("Gemm", &[x, &w, &b], &y, vec![int("transB", 1)]);
        y
    }

    /// `activation(x)` into `output` (or a fresh name); returns the name.
    fn activate(&mut self, x: &str, activation: Activation, output: Option<&str>) -> String {
        let y = output.map_or_else(|| self.value("act"), str::to_string);
        match activation {
            Activation::Selu => self.node(
                "Selu",
                &[x],
                &y,
                vec![float("alpha", SELU_ALPHA), float("gamma", SELU_SCALE)],
            ),
            Activation::Relu => self.node("Relu", &[x], &y, Vec::new()),
            Activation::LeakyRelu => self.node(
                "LeakyRelu",
                &[x],
                &y,
                vec![float("alpha", aelab_models::LEAKY_SLOPE)],
            ),
            Activation::Elu => self.node("Elu", &[x], &y, vec![float("alpha", 1.0)]),
            Activation::Tanh => self.node("Tanh", &[x], &y, Vec::new()),
            Activation::Gelu => {
                if !self.initializers.iter().any(|t| t.name == "gelu.sqrt_half") {
                    self.constant("gelu.sqrt_half", &[], &[std::f32::consts::FRAC_1_SQRT_2]);
                    self.constant("gelu.one", &[], &[1.0]);
                    self.constant("gelu.half", &[], &[0.5]);
                }
                let scaled = self.value("gelu");
                self.node("Mul", &[x, "gelu.sqrt_half"], &scaled, Vec::new());
                let erf = self.value("gelu");
                self.node("Erf", &[&scaled], &erf, Vec::new());
                let shifted = self.value("gelu");
                self.node("Add", &[&erf, "gelu.one"], &shifted, Vec::new());
                let half = self.value("gelu");
                self.node("Mul", &[x, "gelu.half"], &half, Vec::new());
                self.node("Mul", &[&half, &shifted], &y, Vec::new());
            }
        }
        y
    }

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

    /// The serialised model: this graph with named, typed inputs and
    /// outputs (`[N, width]` each).
    fn finish(
        self,
        name: &str,
        inputs: &[(&str, usize)],
        outputs: &[(&str, usize)],
        metadata: &[(String, String)],
    ) -> Vec<u8> {
        let typed = |list: &[(&str, usize)]| -> Vec<ValueInfoProto> {
            list.iter()
                .map(|&(name, width)| ValueInfoProto {
                    name: name.to_string(),
                    r#type: Some(TypeProto {
                        tensor_type: Some(TensorTypeProto {
                            elem_type: FLOAT,
                            shape: Some(TensorShapeProto {
                                dim: vec![
                                    Dimension {
                                        value: Some(DimensionValue::DimParam(BATCH.into())),
                                    },
                                    Dimension {
                                        value: Some(DimensionValue::DimValue(width as i64)),
                                    },
                                ],
                            }),
                        }),
                    }),
                    doc_string: String::new(),
                })
                .collect()
        };
        ModelProto {
            ir_version: IR_VERSION,
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: OPSET,
            }],
            producer_name: "aelab".into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            doc_string: format!("aelab {name}"),
            graph: Some(GraphProto {
                node: self.nodes,
                name: name.to_string(),
                initializer: self.initializers,
                doc_string: String::new(),
                input: typed(inputs),
                output: typed(outputs),
            }),
            metadata_props: metadata
                .iter()
                .map(|(key, value)| StringStringEntryProto {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
        }
        .encode_to_vec()
    }
}

fn float(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f,
        r#type: ATTRIBUTE_FLOAT,
        ..AttributeProto::default()
    }
}

fn int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i,
        r#type: ATTRIBUTE_INT,
        ..AttributeProto::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aelab_models::{Architecture, Kind};
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
