//! The conv part of the spec contract: layer lists resolve with their
//! defaults and a mirrored decoder, and every list that cannot work is
//! refused before any work, naming the file, the layer's key and its shapes.

use std::path::Path;

use aelab_models::layers::{LayerActivation, LayerKind, Loss, Padding};
use aelab_models::Network;
use aelab_spec::{Experiment, ModelKind, OptimizerName, SpecError};

fn parse(text: &str) -> Result<Experiment, SpecError> {
    Experiment::parse(Path::new("specs/conv.toml"), text)
}

fn error(model: &str) -> String {
    let text = format!("name = \"c\"\n[model]\nkind = \"conv\"\n{model}");
    parse(&text)
        .expect_err("spec should be refused")
        .to_string()
}

#[test]
fn the_shipped_conv_experiments_resolve() {
    for name in ["keras-conv", "keras-denoise", "dcec", "deep-svdd-dcae"] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../experiments/{name}.toml"));
        let exp = Experiment::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(exp.runs.len(), 3, "{name}: three seeds");
        assert_eq!(exp.runs[0].model.kind, ModelKind::Conv);
        // the resolved config round-trips through TOML
        let text = exp.runs[0].to_toml();
        assert!(text.contains("encoder"), "{text}");
    }
}

#[test]
fn a_left_out_decoder_mirrors_the_encoder_and_defaults_apply() {
    let exp = parse(
        r#"
        name = "m"
        [model]
        kind = "conv"
        encoder = [{ conv = 16 }, { maxpool = 2 }, { conv = 8, stride = 2 }]
        [train]
        optimizer = "adadelta"
        "#,
    )
    .unwrap();
    let run = &exp.runs[0];
    assert_eq!(run.train.optimizer, OptimizerName::Adadelta);
    assert_eq!(run.train.lr, 1.0, "Adadelta's default rate is Keras' 1.0");
    let layered = &run.model.layered.as_ref().unwrap().0;
    assert_eq!(layered.loss, Loss::Bce);
    let relu = LayerActivation::Family(aelab_models::Activation::Relu);
    assert_eq!(
        layered.encoder[0].activation, relu,
        "a conv model's default activation is ReLU"
    );
    assert_eq!(
        layered.encoder[0].kind,
        LayerKind::Conv {
            filters: 16,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            bias: true
        }
    );
    // 28 -> conv -> 28 -> pool -> 14 -> conv/2 -> 7; back: deconv x2, upsample, deconv
    let kinds: Vec<&str> = layered.decoder.iter().map(|l| l.kind.key()).collect();
    assert_eq!(kinds, ["deconv", "upsample", "deconv"]);
    assert_eq!(layered.decoder[2].activation, LayerActivation::Sigmoid);
    assert_eq!(run.model.layers, vec![7 * 7 * 8], "the code's length");
}

#[test]
fn impossible_lists_are_refused_naming_the_layer_and_its_shapes() {
    let cases = [
        (
            "encoder = [{ conv = 8 }, { dense = 10 }]",
            "model.encoder[1]",
            "28x28x8",
            "flatten",
        ),
        ("encoder = [{ conv = 8, kernel = 29, padding = \"valid\" }]", "model.encoder[0]", "28x28x1", "larger"),
        (
            "encoder = [{ conv = 8 }, { maxpool = 2 }]\ndecoder = [{ conv = 1, activation = \"sigmoid\" }]",
            "model.decoder[0]",
            "gives 14x14x1",
            "input is 28x28x1",
        ),
        (
            "encoder = [{ maxpool = 2 }]\ndecoder = [{ upsample = 2 }]",
            "model.decoder[0]",
            "sigmoid",
            "bce",
        ),
        ("encoder = [{ conv = 8, stride = 3, padding = \"valid\", kernel = 3 }, { deconv = 1, stride = 3, output_padding = 3 }]", "model.encoder[1]", "output_padding", "stride"),
        ("encoder = [{ flatten = true }, { reshape = [5, 5, 5] }]", "model.encoder[1]", "125", "784"),
    ];
    for (model, key, a, b) in cases {
        let e = error(model);
        assert!(e.contains("specs/conv.toml"), "{e}");
        assert!(
            e.contains(key) && e.contains(a) && e.contains(b),
            "{model}: {e}"
        );
    }
}

#[test]
fn layer_entries_are_checked_key_by_key() {
    let cases = [
        (
            "encoder = [{ conv = 8, maxpool = 2 }]",
            "model.encoder[0]",
            "2 kinds",
        ),
        ("encoder = [{ conv = 8, kernal = 3 }]", "kernal", "kernel"),
        (
            "encoder = [{ conv = 0 }]",
            "model.encoder[0].conv",
            "1..=65536",
        ),
        (
            "encoder = [{ maxpool = 2, bias = false }]",
            "model.encoder[0].bias",
            "does not apply",
        ),
        (
            "encoder = [{ conv = 8, padding = \"full\" }]",
            "model.encoder[0].padding",
            "same",
        ),
        (
            "encoder = [{ conv = 8, activation = \"swish\" }]",
            "model.encoder[0].activation",
            "relu",
        ),
        (
            "encoder = [{ conv = 8, slope = 0.2 }]",
            "model.encoder[0].slope",
            "leaky_relu",
        ),
        (
            "encoder = [{ reshape = [4, 4] }]",
            "model.encoder[0].reshape",
            "[height, width, channels]",
        ),
        (
            "encoder = [{ batchnorm = true, eps = 0 }]",
            "model.encoder[0].eps",
            "greater than 0",
        ),
        ("encoder = []", "model.encoder", "at least one"),
        (
            "layers = [100, 30]\nencoder = [{ conv = 8 }]",
            "model.layers",
            "dense kinds",
        ),
        ("", "model.encoder", "required"),
    ];
    for (model, key, hint) in cases {
        let e = error(model);
        assert!(e.contains(key) && e.contains(hint), "{model}: {e}");
    }
}

#[test]
fn optimizer_settings_are_checked_and_kept_to_the_layered_engine() {
    let train = |kind: &str, train: &str| {
        let model = if kind == "conv" {
            "kind = \"conv\"\nencoder = [{ conv = 4 }, { maxpool = 2 }]"
        } else {
            "latent = 10"
        };
        parse(&format!("name = \"o\"\n[model]\n{model}\n[train]\n{train}"))
    };
    let run = train(
        "conv",
        "optimizer = \"sgd\"\nmomentum = 0.9\nweight_decay = 1e-4\nlr_steps = [5, 8]",
    )
    .unwrap();
    assert_eq!(
        (run.runs[0].train.momentum, run.runs[0].train.weight_decay),
        (0.9, 1e-4)
    );
    assert_eq!(run.runs[0].train.lr_steps, vec![5, 8]);
    for (kind, text, key, hint) in [
        ("conv", "momentum = 0.9", "train.momentum", "SGD's"),
        (
            "conv",
            "optimizer = \"sgd\"\nmomentum = 1.0",
            "train.momentum",
            "below 1",
        ),
        ("conv", "lr_steps = [5, 3]", "train.lr_steps", "rise"),
        (
            "conv",
            "lr_step_factor = 2.0",
            "train.lr_step_factor",
            "at most 1",
        ),
        ("conv", "engine = \"dfdx\"", "train.engine", "nightly"),
    ] {
        let e = train(kind, text).expect_err(text).to_string();
        assert!(e.contains(key) && e.contains(hint), "{text}: {e}");
    }
}

/// A dense model that asks for MSE or for the layered engine's optimizer
/// settings trains as a layer list (flatten, its dense stack, a sigmoid
/// output reshaped back); the notebook's settings keep the fused dense
/// engine; what a layer list cannot express is refused, naming the key.
#[test]
fn dense_models_with_the_layered_settings_train_as_layer_lists() {
    let dense = |model: &str, train: &str| {
        parse(&format!(
            "name = \"d\"\n[model]\nlayers = [100, 30]\n{model}\n[train]\n{train}"
        ))
    };
    for (model, train) in [
        ("loss = \"mse\"", ""),
        ("", "optimizer = \"adadelta\""),
        ("", "optimizer = \"rmsprop\""),
        ("", "optimizer = \"sgd\"\nmomentum = 0.9"),
        ("", "weight_decay = 1e-4"),
        ("", "lr_steps = [3]"),
    ] {
        let spec = dense(model, train).unwrap_or_else(|e| panic!("{model} {train}: {e}"));
        let run = &spec.runs[0];
        assert!(run.dense_on_layers(), "{model} {train}");
        let Network::Layered(list) = run.network(784) else {
            panic!("{model} {train}: not a layer list");
        };
        let plan = list.plan().expect("the list plans");
        assert_eq!(plan.code().len(), 30);
        let kinds: Vec<&str> = list
            .encoder
            .iter()
            .chain(&list.decoder)
            .map(|l| l.kind.key())
            .collect();
        assert_eq!(
            kinds,
            ["flatten", "dense", "dense", "dense", "dense", "reshape"]
        );
    }
    let mse = dense("loss = \"mse\"", "").unwrap();
    assert!(mse.runs[0].to_toml().contains("loss = \"mse\""));
    let plain = dense("", "optimizer = \"adam\"").unwrap();
    assert!(!plain.runs[0].dense_on_layers());
    assert!(matches!(plain.runs[0].network(784), Network::Dense(_)));
    assert!(
        !plain.runs[0].to_toml().contains("loss"),
        "BCE is not written"
    );
    for (model, train, key, hint) in [
        (
            "tied = true\nloss = \"mse\"",
            "",
            "model.tied",
            "no tied weights",
        ),
        (
            "sparsity = 1e-3",
            "optimizer = \"adadelta\"",
            "model.sparsity",
            "code penalty",
        ),
        (
            "",
            "optimizer = \"rmsprop\"\nengine = \"dfdx\"",
            "train.engine",
            "use \"fused\"",
        ),
        (
            "kind = \"vae\"",
            "weight_decay = 1e-4",
            "train.weight_decay",
            "vae",
        ),
        (
            "kind = \"vae\"\nloss = \"mse\"",
            "",
            "model.loss",
            "own loss",
        ),
    ] {
        let e = dense(model, train).expect_err(model).to_string();
        assert!(e.contains(key) && e.contains(hint), "{model} {train}: {e}");
    }
}

/// `model.kind = "vae"` with layer lists is a variational layered model:
/// its KL weight travels with the lists, its code is the heads' width, and
/// what it cannot be (an activated last encoder layer, an MSE loss, dense
/// widths beside the lists) is refused naming the key.
#[test]
fn a_vae_written_as_layer_lists() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments/conv-vae.toml");
    let exp = Experiment::load(&path).unwrap_or_else(|e| panic!("conv-vae: {e}"));
    assert_eq!(exp.runs.len(), 3, "three seeds");
    let run = &exp.runs[0];
    assert_eq!(run.model.kind, ModelKind::Vae);
    assert_eq!(run.model.layers, vec![20], "the code's width");
    let Network::Layered(layered) = run.network(784) else {
        panic!("a vae with lists trains as a layered network");
    };
    assert_eq!(layered.beta, Some(1.0));
    assert_eq!(layered.plan().unwrap().code().len(), 20);
    // the resolved config records the layer lists and the weight of the KL term
    let text = run.to_toml();
    assert!(text.contains("encoder") && text.contains("beta"), "{text}");

    let vae = |model: &str| {
        let text = format!("name = \"v\"\n[model]\nkind = \"vae\"\n{model}");
        parse(&text)
            .expect_err("spec should be refused")
            .to_string()
    };
    let activated = vae("encoder = [{ flatten = true }, { dense = 8 }]");
    assert!(
        activated.contains("encoder[1]") && activated.contains("activation = \"linear\""),
        "{activated}"
    );
    let mse = vae(
        "loss = \"mse\"\nencoder = [{ flatten = true }, { dense = 8, activation = \"linear\" }]",
    );
    assert!(mse.contains("model.loss"), "{mse}");
    let widths = vae(
        "layers = [100, 8]\nencoder = [{ flatten = true }, { dense = 8, activation = \"linear\" }]",
    );
    assert!(widths.contains("model.layers"), "{widths}");
}
