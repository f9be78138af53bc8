//! ONNX graphs of a trained layered (conv) network, the same three as the
//! dense export's (`encoder.onnx`, `decoder.onnx`, `autoencoder.onnx`) with
//! flat inputs and outputs in aelab's channels-last order (`images`
//! `[N, height x width x channels]`, `code` `[N, code length]`,
//! `reconstruction` like `images`). Inside, maps are ONNX's NCHW: a flat
//! vector becomes a map by `Reshape` to NHWC and `Transpose`, and back the
//! other way. Convolutions are `Conv` with the weight permuted from aelab's
//! `[filters, kernel, kernel, channels]` to OIHW and the padding Keras'
//! "same" puts (the odd row at the bottom or right) written out;
//! transposed convolutions `ConvTranspose` (aelab's `[in, kernel, kernel,
//! out]` as IOHW) with the output padding that gives the adjoint's size;
//! pooling `MaxPool`, upsampling `Resize` (nearest, asymmetric, floor: a
//! copy of each value), batch norms `BatchNormalization` on their running
//! statistics. A variational network's heads become two `Gemm`s: the
//! mean is the `code` (what the decoder and `autoencoder.onnx` read), and
//! `encoder.onnx` also gives `log_variance` `[N, code length]`.

use aelab_models::layers::{LayerActivation, LayerKind, LayeredNet, PlannedLayer, Shape, Window};

use crate::layout::permute_last_to_second;
use crate::onnx::OnnxModels;
use crate::onnx_graph::{float, ints, string, Graph};

/// The graphs of `net`; `metadata` into each model's `metadata_props`.
pub fn layered_onnx(net: &LayeredNet, metadata: &[(String, String)]) -> OnnxModels {
    let input = net.architecture.input;
    let code = net.plan.code();
    let encoder_layers = net.plan.encoder.len();
    let heads = net.plan.variational.then(|| encoder_layers - 1);
    let build = |range: std::ops::Range<usize>, from: (&str, Shape), to: &str| {
        let mut graph = Graph::default();
        let mut x = Value::flat(from.0, from.1.len());
        if let Shape::Map { .. } = from.1 {
            x = graph.as_map(x, from.1);
        }
        for (i, (layer, params)) in net
            .plan
            .layers()
            .zip(&net.params)
            .enumerate()
            .filter(|(i, _)| range.contains(i))
        {
            let state = &net.state[i];
            let prefix = match i < encoder_layers {
                true => format!("encoder.{i}"),
                false => format!("decoder.{}", i - encoder_layers),
            };
            x = match heads {
                Some(h) if h == i => {
                    let log_variance = (range.end == encoder_layers).then_some("log_variance");
                    graph.heads(x, layer, params, &prefix, log_variance)
                }
                _ => graph.layer(x, layer, params, state, &prefix),
            };
        }
        graph.as_flat(x, Some(to));
        graph
    };
    let all = encoder_layers + net.plan.decoder.len();
    let pixels = input.len();
    let finish = |graph: Graph, name: &str, inputs: (&str, usize), outputs: (&str, usize)| {
        graph.finish(name, &[inputs], &[outputs], metadata)
    };
    let mut encoder_outputs = vec![("code", code.len())];
    if heads.is_some() {
        encoder_outputs.push(("log_variance", code.len()));
    }
    OnnxModels {
        encoder: build(0..encoder_layers, ("images", input), "code").finish(
            "encoder",
            &[("images", pixels)],
            &encoder_outputs,
            metadata,
        ),
        decoder: finish(
            build(
                encoder_layers..all,
                ("code", decoder_input(net)),
                "reconstruction",
            ),
            "decoder",
            ("code", code.len()),
            ("reconstruction", pixels),
        ),
        autoencoder: finish(
            build(0..all, ("images", input), "reconstruction"),
            "autoencoder",
            ("images", pixels),
            ("reconstruction", pixels),
        ),
    }
}

/// The shape the decoder's first layer takes.
fn decoder_input(net: &LayeredNet) -> Shape {
    net.plan
        .decoder
        .first()
        .map_or(net.plan.code(), |l| l.input)
}

/// A value of the graph: its name and its form (flat `[N, len]`, or an
/// NCHW map).
struct Value {
    name: String,
    shape: Shape,
    /// Whether it is laid out as an NCHW map.
    map: bool,
}

impl Value {
    fn flat(name: &str, len: usize) -> Value {
        Value {
            name: name.into(),
            shape: Shape::Flat(len),
            map: false,
        }
    }
}

impl Graph {
    /// `x` (flat, channels last) as an NCHW map of `shape`.
    fn as_map(&mut self, x: Value, shape: Shape) -> Value {
        if x.map {
            return x;
        }
        let Shape::Map {
            height,
            width,
            channels,
        } = shape
        else {
            return x;
        };
        let dims = self.value("shape");
        self.int64_constant(&dims, &[-1, height as i64, width as i64, channels as i64]);
        let nhwc = self.value("nhwc");
        self.node("Reshape", &[&x.name, &dims], &nhwc, Vec::new());
        let nchw = self.value("nchw");
        self.node(
            "Transpose",
            &[&nhwc],
            &nchw,
            vec![ints("perm", &[0, 3, 1, 2])],
        );
        Value {
            name: nchw,
            shape,
            map: true,
        }
    }

    /// `x` as a flat `[N, len]` in aelab's channels-last order, named
    /// `output` if given.
    fn as_flat(&mut self, x: Value, output: Option<&str>) -> Value {
        let len = x.shape.len();
        let out = output.map_or_else(|| self.value("flat"), str::to_string);
        if x.map {
            let nhwc = self.value("nhwc");
            self.node(
                "Transpose",
                &[&x.name],
                &nhwc,
                vec![ints("perm", &[0, 2, 3, 1])],
            );
            let dims = self.value("shape");
            self.int64_constant(&dims, &[-1, len as i64]);
            self.node("Reshape", &[&nhwc, &dims], &out, Vec::new());
        } else if output.is_some() {
            self.node("Identity", &[&x.name], &out, Vec::new());
        } else {
            return x;
        }
        Value::flat(&out, len)
    }

    /// A variational encoder's heads (a dense layer of twice the code's
    /// width, means' rows then log-variances') on `x`: the means, and the
    /// log-variances as the graph's output `log_variance` if asked.
    fn heads(
        &mut self,
        x: Value,
        layer: &PlannedLayer,
        params: &[Vec<f32>],
        prefix: &str,
        log_variance: Option<&str>,
    ) -> Value {
        let x = self.as_flat(x, None);
        let inputs = layer.input.len();
        let latent = layer.output.len() / 2;
        let (mean_weight, log_variance_weight) = params[0].split_at(latent * inputs);
        let bias = params.get(1).map(|b| b.split_at(latent));
        let mean = self.value(prefix);
        let shape = [latent, inputs];
        let mean_prefix = format!("{prefix}.mean");
        let mean_bias = bias.map(|b| b.0);
        self.gemm(
            &x.name,
            mean_weight,
            mean_bias,
            shape,
            &mean_prefix,
            Some(&mean),
        );
        if let Some(output) = log_variance {
            let lv_prefix = format!("{prefix}.log_variance");
            let lv_bias = bias.map(|b| b.1);
            self.gemm(
                &x.name,
                log_variance_weight,
                lv_bias,
                shape,
                &lv_prefix,
                Some(output),
            );
        }
        Value::flat(&mean, latent)
    }

    /// One planned layer on `x`, then its activation.
    fn layer(
        &mut self,
        x: Value,
        layer: &PlannedLayer,
        params: &[Vec<f32>],
        state: &[Vec<f32>],
        prefix: &str,
    ) -> Value {
        let out = self.value(prefix);
        let x = match layer.spec.kind {
            LayerKind::Conv { .. } => {
                let x = self.as_map(x, layer.input);
                let window = layer.window.expect("a planned conv has a window");
                let k = window.kernel;
                let dims = [layer.output.channels(), k, k, window.channels];
                let inputs = self.conv_inputs(&x, prefix, params, dims);
                let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
                let attributes = window_attributes(&window, conv_pads(&window));
                self.node("Conv", &refs, &out, attributes);
                map(out, layer.output)
            }
            LayerKind::Deconv { .. } => {
                let x = self.as_map(x, layer.input);
                // the window is the adjoint convolution's: output -> input
                let window = layer.window.expect("a planned deconv has a window");
                let k = window.kernel;
                let dims = [layer.input.channels(), k, k, window.channels];
                let inputs = self.conv_inputs(&x, prefix, params, dims);
                let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
                let pads = conv_pads(&window);
                let made = |size_in: usize, pad_begin: i64, pad_end: i64| {
                    (window.stride * (size_in - 1) + window.kernel) as i64 - pad_begin - pad_end
                };
                let output_padding = [
                    window.in_height as i64 - made(window.out_height, pads[0], pads[2]),
                    window.in_width as i64 - made(window.out_width, pads[1], pads[3]),
                ];
                let mut attributes = window_attributes(&window, pads);
                attributes.push(ints("output_padding", &output_padding));
                self.node("ConvTranspose", &refs, &out, attributes);
                map(out, layer.output)
            }
            LayerKind::MaxPool { .. } => {
                let x = self.as_map(x, layer.input);
                let window = layer.window.expect("a planned pooling has a window");
                let attributes = window_attributes(&window, conv_pads(&window));
                self.node("MaxPool", &[&x.name], &out, attributes);
                map(out, layer.output)
            }
            LayerKind::Upsample { factor } => {
                let x = self.as_map(x, layer.input);
                let scales = format!("{prefix}.scales");
                let f = factor as f32;
                self.constant(&scales, &[4], &[1.0, 1.0, f, f]);
                self.node(
                    "Resize",
                    &[&x.name, "", &scales],
                    &out,
                    vec![
                        string("mode", "nearest"),
                        string("coordinate_transformation_mode", "asymmetric"),
                        string("nearest_mode", "floor"),
                    ],
                );
                map(out, layer.output)
            }
            LayerKind::Dense { units, .. } => {
                let x = self.as_flat(x, None);
                let bias = params.get(1).map(Vec::as_slice);
                let shape = [units, layer.input.len()];
                self.gemm(&x.name, &params[0], bias, shape, prefix, Some(&out));
                Value::flat(&out, units)
            }
            LayerKind::Flatten => self.as_flat(x, None),
            LayerKind::Reshape { .. } => self.as_map(x, layer.output),
            LayerKind::BatchNorm { affine, eps, .. } => {
                let channels = layer.input.channels();
                let x = match layer.input {
                    Shape::Map { .. } => self.as_map(x, layer.input),
                    Shape::Flat(_) => self.as_flat(x, None),
                };
                let (scale, shift) = match affine {
                    true => (params[0].clone(), params[1].clone()),
                    false => (vec![1.0; channels], vec![0.0; channels]),
                };
                let names = ["scale", "shift", "running_mean", "running_var"]
                    .map(|n| format!("{prefix}.{n}"));
                for (name, values) in names.iter().zip([&scale, &shift, &state[0], &state[1]]) {
                    self.constant(name, &[channels], values);
                }
                self.node(
                    "BatchNormalization",
                    &[&x.name, &names[0], &names[1], &names[2], &names[3]],
                    &out,
                    vec![float("epsilon", eps)],
                );
                Value {
                    name: out,
                    shape: layer.output,
                    map: x.map,
                }
            }
            LayerKind::Activation => x,
        };
        self.layer_activation(x, layer.spec.activation)
    }

    fn layer_activation(&mut self, x: Value, activation: LayerActivation) -> Value {
        let name = match activation {
            LayerActivation::Linear => return x,
            LayerActivation::Sigmoid => {
                let y = self.value("sigmoid");
                self.node("Sigmoid", &[&x.name], &y, Vec::new());
                y
            }
            LayerActivation::LeakyRelu(slope) => {
                let y = self.value("leaky");
                self.node("LeakyRelu", &[&x.name], &y, vec![float("alpha", slope)]);
                y
            }
            LayerActivation::Family(a) => self.activate(&x.name, a, None),
        };
        Value { name, ..x }
    }

    /// A convolution's inputs after `x`: its weight (aelab's `[first,
    /// kernel, kernel, last]` written as `[first, last, kernel, kernel]`)
    /// and its bias if it has one.
    fn conv_inputs(
        &mut self,
        x: &Value,
        prefix: &str,
        params: &[Vec<f32>],
        dims: [usize; 4],
    ) -> Vec<String> {
        let name = format!("{prefix}.weight");
        let [first, kernel, _, last] = dims;
        self.constant(
            &name,
            &[first, last, kernel, kernel],
            &permute_last_to_second(&params[0], dims),
        );
        let mut inputs = vec![x.name.clone(), name];
        if let Some(bias) = params.get(1) {
            inputs.push(self.bias(prefix, bias));
        }
        inputs
    }

    fn bias(&mut self, prefix: &str, values: &[f32]) -> String {
        let name = format!("{prefix}.bias");
        self.constant(&name, &[values.len()], values);
        name
    }
}

fn map(name: String, shape: Shape) -> Value {
    Value {
        name,
        shape,
        map: true,
    }
}

/// ONNX's `[top, left, bottom, right]` for `window`: its top and left
/// padding, and at the bottom and right what its last window needs.
fn conv_pads(window: &Window) -> [i64; 4] {
    let end = |out: usize, size: usize, begin: usize| {
        ((out - 1) * window.stride + window.kernel).saturating_sub(size + begin) as i64
    };
    [
        window.pad_top as i64,
        window.pad_left as i64,
        end(window.out_height, window.in_height, window.pad_top),
        end(window.out_width, window.in_width, window.pad_left),
    ]
}

fn window_attributes(window: &Window, pads: [i64; 4]) -> Vec<crate::onnx_proto::AttributeProto> {
    let k = window.kernel as i64;
    let s = window.stride as i64;
    vec![
        ints("kernel_shape", &[k, k]),
        ints("strides", &[s, s]),
        ints("pads", &pads),
    ]
}
