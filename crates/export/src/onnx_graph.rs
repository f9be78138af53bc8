//! An ONNX graph under construction, shared by the dense and the layered
//! exports: named values, nodes, weights as initializers, the activations
//! as ONNX operators, and the serialised `ModelProto`.

use aelab_models::{Activation, DenseParams, SELU_ALPHA, SELU_SCALE};
use prost::Message;

use crate::onnx_proto::*;

/// The operator set the graphs use.
pub const OPSET: i64 = 13;
/// The IR version written (ONNX 1.10's, which carries opset 13 and more).
const IR_VERSION: i64 = 8;
/// The batch dimension's name in every input and output.
pub const BATCH: &str = "N";

/// A graph under construction: nodes, weights, and a counter for names.
#[derive(Default)]
pub(crate) struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    count: usize,
}

impl Graph {
    /// A fresh value name.
    pub(crate) fn value(&mut self, stem: &str) -> String {
        self.count += 1;
        format!("{stem}_{}", self.count)
    }

    pub(crate) fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        output: &str,
        attribute: Vec<AttributeProto>,
    ) {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.to_string()],
            name: format!("{op}_{}", self.nodes.len()),
            op_type: op.to_string(),
            attribute,
        });
    }

    /// An i64 initializer (shapes for `Reshape`).
    pub(crate) fn int64_constant(&mut self, name: &str, values: &[i64]) {
        self.initializers.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: INT64,
            name: name.to_string(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
    }

    pub(crate) fn constant(&mut self, name: &str, dims: &[usize], values: &[f32]) {
        self.initializers.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: FLOAT,
            name: name.to_string(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
    }

    /// `x W^T + b` for `layer`, its weight and bias named `prefix.weight`
    /// and `prefix.bias`; returns the output's name (`output` if given).
    pub(crate) fn dense(
        &mut self,
        x: &str,
        layer: &DenseParams,
        prefix: &str,
        output: Option<&str>,
    ) -> String {
        let shape = [layer.outputs, layer.inputs];
        self.gemm(x, &layer.weight, Some(&layer.bias), shape, prefix, output)
    }

    /// `x W^T (+ b)`: a `Gemm` over a row-major `[outputs, inputs]`
    /// weight named `prefix.weight` (and `prefix.bias`); returns the
    /// output's name (`output` if given).
    pub(crate) fn gemm(
        &mut self,
        x: &str,
        weight: &[f32],
        bias: Option<&[f32]>,
        [outputs, inputs]: [usize; 2],
        prefix: &str,
        output: Option<&str>,
    ) -> String {
        let w = format!("{prefix}.weight");
        self.constant(&w, &[outputs, inputs], weight);
        let mut operands = vec![x.to_string(), w];
        if let Some(bias) = bias {
            let b = format!("{prefix}.bias");
            self.constant(&b, &[outputs], bias);
            operands.push(b);
        }
        let y = output.map_or_else(|| self.value(prefix), str::to_string);
        let refs: Vec<&str> = operands.iter().map(String::as_str).collect();
        self.node("Gemm", &refs, &y, vec![int("transB", 1)]);
        y
    }

    /// `activation(x)` into `output` (or a fresh name); returns the name.
    pub(crate) fn activate(
        &mut self,
        x: &str,
        activation: Activation,
        output: Option<&str>,
    ) -> String {
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

    /// The serialised model: this graph with named, typed inputs and
    /// outputs (`[N, width]` each).
    pub(crate) fn finish(
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

pub(crate) fn float(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f,
        r#type: ATTRIBUTE_FLOAT,
        ..AttributeProto::default()
    }
}

pub(crate) fn int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i,
        r#type: ATTRIBUTE_INT,
        ..AttributeProto::default()
    }
}

pub(crate) fn ints(name: &str, ints: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: ints.to_vec(),
        r#type: ATTRIBUTE_INTS,
        ..AttributeProto::default()
    }
}

pub(crate) fn string(name: &str, s: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        s: s.as_bytes().to_vec(),
        r#type: ATTRIBUTE_STRING,
        ..AttributeProto::default()
    }
}
