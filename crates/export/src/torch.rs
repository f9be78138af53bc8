//! A dense autoencoder as a PyTorch state dict: the keys, shapes and layout
//! of `Stacked` in the reference `torch_ae.py` (`enc.{i}`, a VAE's `mu` and
//! `logvar`, `dec.{i}`, or a tied model's `dec_bias.{i}`; every weight
//! `[out_features, in_features]` as `nn.Linear` keeps it), in safetensors,
//! so that `model.load_state_dict(safetensors.torch.load_file(path),
//! strict=True)` takes it. The metadata says how to build the module:
//! `widths`, `activation`, `kind`, `tied`, and the architecture as aelab
//! names it.

use aelab_models::weights_file::{serialize_tensors, serialize_tensors_and_counts, NamedTensor};
use aelab_models::{Autoencoder, DenseParams};

use crate::layout::{channels_first_order, permute_last_to_second};
use crate::ExportError;

/// The module the keys belong to.
pub const MODULE: &str = "torch_ae.Stacked";

/// The state dict of `model` as safetensors bytes, `metadata` added to the
/// module's own.
pub fn dense_state_dict(
    model: &Autoencoder,
    metadata: &[(String, String)],
) -> Result<Vec<u8>, ExportError> {
    let architecture = &model.architecture;
    let code = model.code_encoder();
    let log_variance = model.log_variance_head();
    let mut tensors: Vec<NamedTensor<'_>> = Vec::new();
    let mut names: Vec<(String, &DenseParams)> = Vec::new();
    let trunk = match &log_variance {
        Some(_) => &code[..code.len() - 1],
        None => &code[..],
    };
    for (i, layer) in trunk.iter().enumerate() {
        names.push((format!("enc.{i}"), layer));
    }
    if let (Some(head), Some(mean)) = (&log_variance, code.last()) {
        names.push(("mu".into(), mean));
        names.push(("logvar".into(), head));
    }
    let tied = architecture.tied;
    for (i, layer) in model.decoder().iter().enumerate() {
        if tied {
            tensors.push(NamedTensor {
                name: format!("dec_bias.{i}"),
                shape: vec![layer.outputs],
                values: &layer.bias,
            });
        } else {
            names.push((format!("dec.{i}"), layer));
        }
    }
    for (stem, layer) in &names {
        tensors.push(NamedTensor {
            name: format!("{stem}.weight"),
            shape: vec![layer.outputs, layer.inputs],
            values: &layer.weight,
        });
        tensors.push(NamedTensor {
            name: format!("{stem}.bias"),
            shape: vec![layer.outputs],
            values: &layer.bias,
        });
    }
    let mut all = vec![
        ("module".to_string(), MODULE.to_string()),
        (
            "widths".to_string(),
            serde_json::to_string(&architecture.layers).unwrap_or_default(),
        ),
        (
            "activation".to_string(),
            architecture.activation.name().to_string(),
        ),
        (
            "kind".to_string(),
            match log_variance {
                Some(_) => "vae",
                None => "ae",
            }
            .to_string(),
        ),
        ("tied".to_string(), tied.to_string()),
        ("architecture".to_string(), architecture.to_string()),
    ];
    all.extend(metadata.iter().cloned());
    serialize_tensors(&tensors, &all).map_err(ExportError::Encode)
}

/// The module layout of a layered network: `enc` and `dec`, each an
/// `nn.Sequential` of one module per layer and one per activation after
/// it, as the reference `torch_conv.py`'s `KerasConv`, `KerasDenoise` and
/// `Dcec` are written.
pub const SEQUENTIAL_MODULE: &str = "torch_conv.Sequential";

/// A layered network as the state dict of [`SEQUENTIAL_MODULE`]: each
/// weighted layer at its index in `enc.{i}` / `dec.{i}` (an activation
/// takes the next index), conv weights as OIHW (aelab's are `[filters,
/// kernel, kernel, channels]`), transposed convs as IOHW, and a dense
/// layer beside a `Flatten` or `Reshape` with its values permuted from
/// aelab's channels-last order to PyTorch's channels-first (so are the
/// values of batch norms and activations between them). A batch norm
/// writes `running_mean`, `running_var`, `weight` and `bias` when affine,
/// and `num_batches_tracked` = 0: aelab does not count batches, and
/// PyTorch reads the count only with `momentum=None`.
pub fn layered_state_dict(
    net: &aelab_models::layers::LayeredNet,
    metadata: &[(String, String)],
) -> Result<Vec<u8>, ExportError> {
    use aelab_models::layers::{LayerActivation, LayerKind, Shape};
    let encoder_layers = net.plan.encoder.len();
    let layers: Vec<_> = net.plan.layers().collect();
    // Between a Flatten and the dense layer it feeds, or a dense layer and
    // the Reshape it feeds, values run in aelab's channels-last order and
    // in PyTorch's channels-first: the order that maps one to the other.
    let passes_values = |l: &aelab_models::layers::PlannedLayer| match l.spec.kind {
        LayerKind::Activation => true,
        LayerKind::BatchNorm { .. } => matches!(l.input, Shape::Flat(_)),
        _ => false,
    };
    let channels_first = |shape: Shape| match shape {
        Shape::Map {
            height,
            width,
            channels,
        } => Some(channels_first_order(height, width, channels)),
        Shape::Flat(_) => None,
    };
    // the order of the values layer `i` reads, if a Flatten comes before
    let flattened_before = |i: usize| {
        let mut j = i;
        while j > 0 && passes_values(layers[j - 1]) {
            j -= 1;
        }
        let flatten = layers[j.checked_sub(1)?];
        (flatten.spec.kind == LayerKind::Flatten)
            .then_some(flatten.input)
            .and_then(channels_first)
    };
    // the order of the values layer `i` writes, if a Reshape comes after
    let reshaped_after = |i: usize| {
        let mut j = i + 1;
        while j < layers.len() && passes_values(layers[j]) {
            j += 1;
        }
        let reshape = layers.get(j)?;
        matches!(reshape.spec.kind, LayerKind::Reshape { .. })
            .then_some(reshape.output)
            .and_then(channels_first)
    };
    let mut owned: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
    let mut counts: Vec<(String, i64)> = Vec::new();
    for (part, range) in [
        ("enc", 0..encoder_layers),
        ("dec", encoder_layers..net.params.len()),
    ] {
        let mut index = 0;
        for i in range {
            let layer = layers[i];
            let params = &net.params[i];
            let stem = format!("{part}.{index}");
            match layer.spec.kind {
                LayerKind::Conv { .. } | LayerKind::Deconv { .. } => {
                    let window = layer
                        .window
                        .ok_or_else(|| ExportError::Encode("a conv without its window".into()))?;
                    let k = window.kernel;
                    let first = match layer.spec.kind {
                        LayerKind::Conv { .. } => layer.output.channels(),
                        _ => layer.input.channels(),
                    };
                    let dims = [first, k, k, window.channels];
                    owned.push((
                        format!("{stem}.weight"),
                        vec![first, window.channels, k, k],
                        permute_last_to_second(&params[0], dims),
                    ));
                    if let Some(bias) = params.get(1) {
                        owned.push((format!("{stem}.bias"), vec![bias.len()], bias.clone()));
                    }
                }
                LayerKind::Dense { units, .. } => {
                    let inputs = layer.input.len();
                    let mut weight = params[0].clone();
                    let mut bias = params.get(1).cloned();
                    if let Some(order) = flattened_before(i) {
                        weight = weight
                            .chunks_exact(inputs)
                            .flat_map(|row| order.iter().map(move |&o| row[o]))
                            .collect();
                    }
                    if let Some(order) = reshaped_after(i) {
                        weight = order
                            .iter()
                            .flat_map(|&o| weight[o * inputs..(o + 1) * inputs].to_vec())
                            .collect();
                        bias = bias.map(|b| order.iter().map(|&o| b[o]).collect());
                    }
                    owned.push((format!("{stem}.weight"), vec![units, inputs], weight));
                    if let Some(bias) = bias {
                        owned.push((format!("{stem}.bias"), vec![units], bias));
                    }
                }
                LayerKind::BatchNorm { affine, .. } => {
                    let order = flattened_before(i).or_else(|| reshaped_after(i));
                    let arrange = |values: &[f32]| match &order {
                        Some(order) => order.iter().map(|&o| values[o]).collect(),
                        None => values.to_vec(),
                    };
                    let channels = layer.input.channels();
                    let mut vectors = vec![
                        ("running_mean", &net.state[i][0]),
                        ("running_var", &net.state[i][1]),
                    ];
                    if affine {
                        vectors.extend([("weight", &params[0]), ("bias", &params[1])]);
                    }
                    for (name, values) in vectors {
                        owned.push((format!("{stem}.{name}"), vec![channels], arrange(values)));
                    }
                    counts.push((format!("{stem}.num_batches_tracked"), 0));
                }
                _ => {}
            }
            index += 1;
            let own_module = layer.spec.kind == LayerKind::Activation;
            if layer.spec.activation != LayerActivation::Linear && !own_module {
                index += 1;
            }
        }
    }
    let tensors: Vec<NamedTensor<'_>> = owned
        .iter()
        .map(|(name, shape, values)| NamedTensor {
            name: name.clone(),
            shape: shape.clone(),
            values,
        })
        .collect();
    let mut all = vec![("module".to_string(), SEQUENTIAL_MODULE.to_string())];
    all.extend(metadata.iter().cloned());
    serialize_tensors_and_counts(&tensors, &counts, &all).map_err(ExportError::Encode)
}
