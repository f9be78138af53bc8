//! A dense autoencoder as a PyTorch state dict: the keys, shapes and layout
//! of `Stacked` in the reference `torch_ae.py` (`enc.{i}`, a VAE's `mu` and
//! `logvar`, `dec.{i}`, or a tied model's `dec_bias.{i}`; every weight
//! `[out_features, in_features]` as `nn.Linear` keeps it), in safetensors,
//! so that `model.load_state_dict(safetensors.torch.load_file(path),
//! strict=True)` takes it. The metadata says how to build the module:
//! `widths`, `activation`, `kind`, `tied`, and the architecture as aelab
//! names it.

use aelab_models::weights_file::{serialize_tensors, NamedTensor};
use aelab_models::{Autoencoder, DenseParams};

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
