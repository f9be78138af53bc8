//! `model.encoder` and `model.decoder`: layer lists written Keras-like
//! (`{ conv = 16, kernel = 3 }`), checked entry by entry into
//! `aelab_models::layers::LayerSpec`s, then planned on the data's shape so
//! that a list that cannot work is refused before any work, naming the
//! layer (`model.encoder[3]`) and its shapes. A left-out decoder mirrors
//! the encoder (`aelab_models::layers::mirror`).

use aelab_models::layers::{
    mirror, plan, LayerActivation, LayerKind, LayerSpec, LayeredArchitecture, Loss, Padding, Shape,
};
use aelab_models::{Activation, Init};

use crate::checker::Checker;
use crate::raw::{RawLayer, RawModel};
use crate::SpecError;

/// Largest kernel, stride, pooling or upsampling factor.
const MAX_WINDOW: i64 = 64;
/// Most filters or units in one layer.
const MAX_UNITS: i64 = 65_536;
/// Most layers in one list.
const MAX_LAYERS: usize = 64;

/// The layer kinds, by the key that names each.
const KIND_KEYS: [&str; 8] = [
    "conv",
    "deconv",
    "maxpool",
    "upsample",
    "dense",
    "flatten",
    "reshape",
    "batchnorm",
];

/// Every activation a layer may name.
fn activation_names() -> Vec<(&'static str, LayerActivation)> {
    let mut names = vec![
        ("linear", LayerActivation::Linear),
        ("sigmoid", LayerActivation::Sigmoid),
    ];
    names.extend(
        Activation::NAMES
            .iter()
            .filter(|(_, a)| *a != Activation::LeakyRelu && *a != Activation::Gelu)
            .map(|&(n, a)| (n, LayerActivation::Family(a))),
    );
    names.push((
        "leaky_relu",
        LayerActivation::LeakyRelu(aelab_models::LEAKY_SLOPE),
    ));
    names
}

impl Checker<'_> {
    /// The checked layers of the list at `key`; `default` is the activation
    /// of a conv, deconv or dense layer that names none.
    pub(crate) fn layer_list(
        &self,
        key: &str,
        raw: &[RawLayer],
        default: Activation,
    ) -> Result<Vec<LayerSpec>, SpecError> {
        if raw.len() > MAX_LAYERS {
            return Err(self.invalid(
                key,
                format!("has {} layers; allowed: at most {MAX_LAYERS}", raw.len()),
            ));
        }
        raw.iter()
            .enumerate()
            .map(|(i, layer)| self.layer(&format!("{key}[{i}]"), layer, default))
            .collect()
    }

    fn layer(
        &self,
        key: &str,
        raw: &RawLayer,
        default: Activation,
    ) -> Result<LayerSpec, SpecError> {
        let named: Vec<&str> = KIND_KEYS
            .iter()
            .zip([
                raw.conv.is_some(),
                raw.deconv.is_some(),
                raw.maxpool.is_some(),
                raw.upsample.is_some(),
                raw.dense.is_some(),
                raw.flatten.is_some(),
                raw.reshape.is_some(),
                raw.batchnorm.is_some(),
            ])
            .filter_map(|(k, set)| set.then_some(*k))
            .collect();
        if named.len() > 1 {
            return Err(self.invalid(
                key,
                format!(
                    "names {} kinds ({}); a layer is one of {}",
                    named.len(),
                    named.join(", "),
                    KIND_KEYS.join(", ")
                ),
            ));
        }
        let kind_name = named.first().copied().unwrap_or("activation");
        let sub = |k: &str| format!("{key}.{k}");
        // which of the optional keys this kind takes
        let takes: &[&str] = match kind_name {
            "conv" => &["kernel", "stride", "padding", "bias", "activation", "slope"],
            "deconv" => &[
                "kernel",
                "stride",
                "padding",
                "output_padding",
                "bias",
                "activation",
                "slope",
            ],
            "maxpool" => &["stride", "padding"],
            "dense" => &["bias", "activation", "slope"],
            "batchnorm" => &["affine", "eps", "momentum", "activation", "slope"],
            "activation" => &["activation", "slope"],
            _ => &["activation", "slope"],
        };
        let given = [
            ("kernel", raw.kernel.is_some()),
            ("stride", raw.stride.is_some()),
            ("padding", raw.padding.is_some()),
            ("output_padding", raw.output_padding.is_some()),
            ("bias", raw.bias.is_some()),
            ("affine", raw.affine.is_some()),
            ("eps", raw.eps.is_some()),
            ("momentum", raw.momentum.is_some()),
            ("activation", raw.activation.is_some()),
            ("slope", raw.slope.is_some()),
        ];
        if let Some((k, _)) = given.iter().find(|(k, set)| *set && !takes.contains(k)) {
            return Err(self.invalid(
                &sub(k),
                format!(
                    "does not apply to a {kind_name} layer; it takes: {}",
                    takes.join(", ")
                ),
            ));
        }
        if kind_name == "activation" && raw.activation.is_none() {
            return Err(self.invalid(
                key,
                format!(
                    "names no layer kind; a layer is one of {} (or only an activation)",
                    KIND_KEYS.join(", ")
                ),
            ));
        }
        let window = |k: &str, v: Option<i64>, default: usize| -> Result<usize, SpecError> {
            Ok(self.int(&sub(k), v, 1, MAX_WINDOW)?.unwrap_or(default))
        };
        let units = |v: Option<i64>| -> Result<usize, SpecError> {
            Ok(self.int(&sub(kind_name), v, 1, MAX_UNITS)?.unwrap_or(1))
        };
        let padding = |default: Padding| -> Result<Padding, SpecError> {
            match &raw.padding {
                None => Ok(default),
                Some(toml::Value::String(s)) if s == "same" => Ok(Padding::Same),
                Some(toml::Value::String(s)) if s == "valid" => Ok(Padding::Valid),
                Some(toml::Value::Integer(n)) if (0..MAX_WINDOW).contains(n) => {
                    Ok(Padding::Explicit(*n as usize))
                }
                Some(other) => Err(self.invalid(
                    &sub("padding"),
                    format!(
                        "{other} is not \"same\", \"valid\" or a number of rows 0..{MAX_WINDOW}"
                    ),
                )),
            }
        };
        let bias = raw.bias.unwrap_or(true);
        let kind = match kind_name {
            "conv" => LayerKind::Conv {
                filters: units(raw.conv)?,
                kernel: window("kernel", raw.kernel, 3)?,
                stride: window("stride", raw.stride, 1)?,
                padding: padding(Padding::Same)?,
                bias,
            },
            "deconv" => LayerKind::Deconv {
                filters: units(raw.deconv)?,
                kernel: window("kernel", raw.kernel, 3)?,
                stride: window("stride", raw.stride, 1)?,
                padding: padding(Padding::Same)?,
                output_padding: self
                    .int(&sub("output_padding"), raw.output_padding, 0, MAX_WINDOW)?
                    .unwrap_or(0),
                bias,
            },
            "maxpool" => {
                let size = window("maxpool", raw.maxpool, 2)?;
                LayerKind::MaxPool {
                    size,
                    stride: window("stride", raw.stride, size)?,
                    padding: match padding(Padding::Same)? {
                        Padding::Explicit(_) => {
                            return Err(self.invalid(
                                &sub("padding"),
                                "is \"same\" or \"valid\" for a maxpool".into(),
                            ))
                        }
                        p => p,
                    },
                }
            }
            "upsample" => LayerKind::Upsample {
                factor: window("upsample", raw.upsample, 2)?,
            },
            "dense" => LayerKind::Dense {
                units: units(raw.dense)?,
                bias,
            },
            "flatten" => {
                if raw.flatten == Some(false) {
                    return Err(self.invalid(
                        &sub("flatten"),
                        "is `true` or left out; a layer that does nothing is no layer".into(),
                    ));
                }
                LayerKind::Flatten
            }
            "reshape" => {
                let dims = raw.reshape.as_deref().unwrap_or_default();
                let checked: Vec<usize> = dims
                    .iter()
                    .enumerate()
                    .map(|(d, &v)| {
                        Ok(self
                            .int(&format!("{}[{d}]", sub("reshape")), Some(v), 1, MAX_UNITS)?
                            .unwrap_or(1))
                    })
                    .collect::<Result<_, SpecError>>()?;
                let [height, width, channels] = checked[..] else {
                    return Err(self.invalid(
                        &sub("reshape"),
                        format!(
                            "has {} sizes; it is [height, width, channels], e.g. [3, 3, 128]",
                            dims.len()
                        ),
                    ));
                };
                LayerKind::Reshape {
                    height,
                    width,
                    channels,
                }
            }
            "batchnorm" => {
                if raw.batchnorm == Some(false) {
                    return Err(self.invalid(&sub("batchnorm"), "is `true` or left out".into()));
                }
                LayerKind::BatchNorm {
                    affine: raw.affine.unwrap_or(true),
                    eps: self.real(&sub("eps"), raw.eps.unwrap_or(1e-5), 0.0, 1.0)? as f32,
                    momentum: self.real(&sub("momentum"), raw.momentum.unwrap_or(0.1), 0.0, 1.0)?
                        as f32,
                }
            }
            _ => LayerKind::Activation,
        };
        let fallback = if kind.computes() {
            LayerActivation::Family(default)
        } else {
            LayerActivation::Linear
        };
        let names = activation_names();
        let mut activation = match raw.activation.as_deref() {
            None => fallback,
            Some(name) => self.choice(&sub("activation"), Some(name), fallback, &names)?,
        };
        if let Some(slope) = raw.slope {
            if !matches!(activation, LayerActivation::LeakyRelu(_)) {
                return Err(self.invalid(
                    &sub("slope"),
                    "is leaky_relu's; set activation = \"leaky_relu\"".into(),
                ));
            }
            activation =
                LayerActivation::LeakyRelu(self.real(&sub("slope"), slope, 0.0, 1.0)? as f32);
        }
        Ok(LayerSpec { kind, activation })
    }

    /// The architecture of a model written as layer lists (a `"conv"`, or
    /// a `"vae"` with `beta`) on inputs of `input`: the checked lists (the
    /// decoder mirrored when left out), planned.
    pub(crate) fn layered(
        &self,
        key: &dyn Fn(&str) -> String,
        input: Shape,
        m: &RawModel,
        settings: LayeredSettings,
    ) -> Result<LayeredArchitecture, SpecError> {
        let LayeredSettings {
            activation,
            loss,
            init,
            beta,
        } = settings;
        let encoder = m.encoder.as_deref().ok_or_else(|| {
            self.invalid(
                &key("model.encoder"),
                "is required for model.kind = \"conv\": a list of layers, e.g. [{ conv = 16, kernel = 3 }, { maxpool = 2 }]"
                    .into(),
            )
        })?;
        let decoder = m.decoder.as_deref();
        let encoder_key = key("model.encoder");
        let encoder = self.layer_list(&encoder_key, encoder, activation)?;
        if encoder.is_empty() {
            return Err(self.invalid(
                &encoder_key,
                "is empty; a conv model's encoder needs at least one layer".into(),
            ));
        }
        let planned = plan("encoder", &encoder, input).map_err(|e| self.shape_error(key, &e))?;
        let decoder = match decoder {
            Some(raw) => self.layer_list(&key("model.decoder"), raw, activation)?,
            None => {
                let output = match loss {
                    Loss::Bce => LayerActivation::Sigmoid,
                    Loss::Mse => LayerActivation::Linear,
                };
                mirror(&planned, output)
            }
        };
        let architecture = LayeredArchitecture {
            input,
            encoder,
            decoder,
            loss,
            init,
            beta,
        };
        architecture.plan().map_err(|e| self.shape_error(key, &e))?;
        Ok(architecture)
    }

    fn shape_error(
        &self,
        key: &dyn Fn(&str) -> String,
        e: &aelab_models::layers::ShapeError,
    ) -> SpecError {
        // "encoder[3]" -> "model.encoder[3]", with where the list was written
        let (list, index) = e.layer.split_once('[').unwrap_or((&e.layer, ""));
        let at = if index.is_empty() {
            String::new()
        } else {
            format!("[{index}")
        };
        self.invalid(
            &format!("{}{at}", key(&format!("model.{list}"))),
            format!("({}) on an input of {}: {}", e.kind, e.input, e.message),
        )
    }
}

/// The model-wide settings a layer list is resolved with: the default
/// activation, the loss (which picks a mirrored decoder's output), the
/// initialiser and, for a variational model, the weight of its KL term.
pub(crate) struct LayeredSettings {
    pub activation: Activation,
    pub loss: Loss,
    pub init: Init,
    pub beta: Option<f32>,
}
