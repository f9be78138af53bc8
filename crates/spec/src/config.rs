//! The checked spec. Every value here is within its allowed range; defaults
//! are filled in. [`RunConfig`] serialises to the `config.toml` written
//! beside each run's results, which holds everything needed to rerun it.

use std::path::PathBuf;

use aelab_models::layers::{
    LayerActivation, LayerKind, LayerSpec, LayeredArchitecture, Loss, Padding, Shape,
};
use aelab_models::{Activation, Architecture, Init, Kind, Network};

/// The KL weight of a variational autoencoder unless `model.beta` says.
pub const DEFAULT_BETA: f64 = 1.0;
use serde::Serialize;

/// A validated experiment: shared data settings and one config per run.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub name: String,
    pub description: Option<String>,
    /// The spec file it was read from.
    pub path: PathBuf,
    /// The spec file's text, archived as given.
    pub text: String,
    pub data: DataConfig,
    pub runs: Vec<RunConfig>,
    /// The dotted keys some sweep varies, in order.
    pub swept: Vec<String>,
    /// The `--set key=value` overrides applied, as given.
    pub overrides: Vec<String>,
    /// The `[search]`, if the spec has one: its runs are its trials.
    pub search: Option<crate::search::SearchConfig>,
}

/// One run, fully resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunConfig {
    pub experiment: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub seed: u64,
    /// The variant (or experiment) this run expands, before any sweep.
    #[serde(skip)]
    pub variant: String,
    /// The seed group: runs of one experiment with the same group differ
    /// only in seed (`repeats`, or a sweep of `seed`). The variant and the
    /// sweep point without the seed, e.g. `dae.noise.level=0.3`.
    #[serde(skip)]
    pub group: String,
    /// The sweep point of this run: key and value as in its name.
    #[serde(skip)]
    pub sweep: Vec<(String, String)>,
    /// A search's trial index (`<variant>.trial=<k>`): the same index
    /// draws the same values in every variant and sweep point.
    #[serde(skip)]
    pub trial: Option<usize>,
    pub data: DataConfig,
    pub model: ModelConfig,
    pub train: TrainConfig,
    pub noise: NoiseConfig,
    pub eval: EvalConfig,
}

/// Where the data comes from and how it is split. The same for every run of
/// an experiment, so runs are compared on the same images.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataConfig {
    #[serde(flatten)]
    pub source: DataSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    pub validation: usize,
    /// Which images train and which test (`data.split`); absent from
    /// `config.toml` when standard, so earlier configs keep their identity.
    #[serde(skip_serializing_if = "DataSplit::is_standard")]
    pub split: DataSplit,
    /// One-class training (`data.normal_class`): the run trains (and
    /// validates) on this class's images only and is scored on telling
    /// every test image of another class from it. The one data key a sweep
    /// may vary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normal_class: Option<u8>,
    /// How pixels are scaled before training (`data.preprocess`).
    #[serde(skip_serializing_if = "Preprocess::is_unit")]
    pub preprocess: Preprocess,
}

/// Which images a run trains on and which it is tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataSplit {
    /// The source's training images (less the validation digits) train and
    /// its test images test.
    Standard,
    /// Training and test images together train (70,000 for MNIST), with no
    /// test set: the clustering papers' protocol (DEC, IDEC, DCEC).
    All,
}

impl DataSplit {
    fn is_standard(&self) -> bool {
        *self == DataSplit::Standard
    }

    /// The name in specs.
    pub fn name(self) -> &'static str {
        match self {
            DataSplit::Standard => "standard",
            DataSplit::All => "all",
        }
    }
}

/// Pixel scaling before training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preprocess {
    /// Bytes divided by 255, into [0, 1] (the notebook's).
    Unit,
    /// Deep SVDD's: global contrast normalisation with the L1 norm (each
    /// image less its mean, divided by its mean absolute deviation), then
    /// min-max scaling with the minimum and maximum over the normal
    /// class's normalised training images (`data.normal_class`).
    GcnL1Minmax,
}

impl Preprocess {
    fn is_unit(&self) -> bool {
        *self == Preprocess::Unit
    }

    /// The name in specs.
    pub fn name(self) -> &'static str {
        match self {
            Preprocess::Unit => "unit",
            Preprocess::GcnL1Minmax => "gcn-l1-minmax",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum DataSource {
    /// The four MNIST IDX files in `dir` (else `$MNIST_DIR`, else the
    /// download cache).
    Mnist {
        #[serde(skip_serializing_if = "Option::is_none")]
        dir: Option<PathBuf>,
    },
    /// Fashion-MNIST's four IDX files in `dir` (else the download cache).
    FashionMnist {
        #[serde(skip_serializing_if = "Option::is_none")]
        dir: Option<PathBuf>,
    },
    /// KMNIST's four IDX files in `dir` (else the download cache).
    Kmnist {
        #[serde(skip_serializing_if = "Option::is_none")]
        dir: Option<PathBuf>,
    },
    /// Kaggle digit-recognizer CSV files.
    Csv {
        train: PathBuf,
        #[serde(skip_serializing_if = "Option::is_none")]
        test: Option<PathBuf>,
    },
    /// scikit-learn's 8x8 digits, built in (1,797 images, no test set).
    Digits,
}

impl DataSource {
    /// For the IDX data sets: which one, and the folder the spec names.
    pub fn idx_dataset(
        &self,
    ) -> Option<(aelab_data::catalogue::Dataset, Option<&std::path::Path>)> {
        use aelab_data::catalogue::Dataset;
        match self {
            DataSource::Mnist { dir } => Some((Dataset::Mnist, dir.as_deref())),
            DataSource::FashionMnist { dir } => Some((Dataset::FashionMnist, dir.as_deref())),
            DataSource::Kmnist { dir } => Some((Dataset::Kmnist, dir.as_deref())),
            DataSource::Csv { .. } | DataSource::Digits => None,
        }
    }

    /// An IDX source with its folder set to `dir` (the folder actually
    /// read, for the resolved config); other sources unchanged.
    /// One image's shape: 28x28x1 for MNIST, its siblings and Kaggle's
    /// CSV, 8x8x1 for the built-in digits.
    pub fn image_shape(&self) -> Shape {
        let side = match self {
            DataSource::Digits => 8,
            _ => 28,
        };
        Shape::Map {
            height: side,
            width: side,
            channels: 1,
        }
    }

    pub fn with_dir(&self, dir: PathBuf) -> DataSource {
        match self {
            DataSource::Mnist { .. } => DataSource::Mnist { dir: Some(dir) },
            DataSource::FashionMnist { .. } => DataSource::FashionMnist { dir: Some(dir) },
            DataSource::Kmnist { .. } => DataSource::Kmnist { dir: Some(dir) },
            other => other.clone(),
        }
    }
}

/// The model of a run. For an autoencoder, `layers` are the encoder's
/// widths (the last is the code; the decoder mirrors them); for PCA, the
/// last is the number of components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelConfig {
    pub kind: ModelKind,
    pub layers: Vec<usize>,
    #[serde(serialize_with = "activation_name")]
    pub activation: Activation,
    #[serde(serialize_with = "init_name")]
    pub init: Init,
    pub tied: bool,
    pub sparsity: f64,
    /// The KL weight of a `"vae"` (`None` for other models, and then not
    /// written, so that earlier runs keep their identity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// A `"conv"` model's layer lists and loss on its data's input shape
    /// (`None` for the dense kinds, and then not written). Its `layers`
    /// hold the code's length.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub layered: Option<LayeredConfig>,
    /// A dense model's loss when it is not BCE (written as `loss`; `None`
    /// is BCE and then not written, so that earlier runs keep their
    /// identity). A conv model's loss is in its layer lists.
    #[serde(
        rename = "loss",
        serialize_with = "loss_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub dense_loss: Option<Loss>,
}

/// A layered model as `config.toml` records it: the loss and both layer
/// lists, every default filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct LayeredConfig(pub LayeredArchitecture);

impl Serialize for LayeredConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let a = &self.0;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("loss", a.loss.name())?;
        let list =
            |layers: &[LayerSpec]| -> Vec<toml::Table> { layers.iter().map(layer_table).collect() };
        map.serialize_entry("encoder", &list(&a.encoder))?;
        map.serialize_entry("decoder", &list(&a.decoder))?;
        map.end()
    }
}

/// One layer as the spec writes it.
fn layer_table(layer: &LayerSpec) -> toml::Table {
    use toml::Value;
    let mut t = toml::Table::new();
    let int = |v: usize| Value::Integer(v as i64);
    let padding = |p: Padding| match p {
        Padding::Same => Value::String("same".into()),
        Padding::Valid => Value::String("valid".into()),
        Padding::Explicit(n) => int(n),
    };
    match layer.kind {
        LayerKind::Conv {
            filters,
            kernel,
            stride,
            padding: p,
            bias,
        } => {
            t.insert("conv".into(), int(filters));
            t.insert("kernel".into(), int(kernel));
            t.insert("stride".into(), int(stride));
            t.insert("padding".into(), padding(p));
            t.insert("bias".into(), Value::Boolean(bias));
        }
        LayerKind::Deconv {
            filters,
            kernel,
            stride,
            padding: p,
            output_padding,
            bias,
        } => {
            t.insert("deconv".into(), int(filters));
            t.insert("kernel".into(), int(kernel));
            t.insert("stride".into(), int(stride));
            t.insert("padding".into(), padding(p));
            t.insert("output_padding".into(), int(output_padding));
            t.insert("bias".into(), Value::Boolean(bias));
        }
        LayerKind::MaxPool {
            size,
            stride,
            padding: p,
        } => {
            t.insert("maxpool".into(), int(size));
            t.insert("stride".into(), int(stride));
            t.insert("padding".into(), padding(p));
        }
        LayerKind::Upsample { factor } => {
            t.insert("upsample".into(), int(factor));
        }
        LayerKind::Dense { units, bias } => {
            t.insert("dense".into(), int(units));
            t.insert("bias".into(), Value::Boolean(bias));
        }
        LayerKind::Flatten => {
            t.insert("flatten".into(), Value::Boolean(true));
        }
        LayerKind::Reshape {
            height,
            width,
            channels,
        } => {
            t.insert(
                "reshape".into(),
                Value::Array(vec![int(height), int(width), int(channels)]),
            );
        }
        LayerKind::BatchNorm {
            affine,
            eps,
            momentum,
        } => {
            t.insert("batchnorm".into(), Value::Boolean(true));
            t.insert("affine".into(), Value::Boolean(affine));
            t.insert("eps".into(), Value::Float(f64::from(eps)));
            t.insert("momentum".into(), Value::Float(f64::from(momentum)));
        }
        LayerKind::Activation => {}
    }
    let (name, slope) = match layer.activation {
        LayerActivation::Linear => ("linear".to_string(), None),
        LayerActivation::Sigmoid => ("sigmoid".to_string(), None),
        LayerActivation::LeakyRelu(s) => ("leaky_relu".to_string(), Some(s)),
        LayerActivation::Family(a) => (a.name().to_string(), None),
    };
    t.insert("activation".into(), Value::String(name));
    if let Some(slope) = slope {
        t.insert("slope".into(), Value::Float(f64::from(slope)));
    }
    t
}

impl ModelConfig {
    /// The code's width (PCA's components).
    pub fn latent(&self) -> usize {
        self.layers.last().copied().unwrap_or(0)
    }

    /// The network this describes, for images of `pixels` values (a
    /// layered model's input shape is in its config), without the train
    /// settings that can put a dense stack on layers: runs ask
    /// [`RunConfig::network`].
    fn network(&self, pixels: usize) -> Network {
        match &self.layered {
            Some(LayeredConfig(layered)) => Network::Layered(layered.clone()),
            None => Network::Dense(self.architecture(pixels)),
        }
    }

    /// The dense autoencoder this describes, for images of `pixels` values.
    pub fn architecture(&self, pixels: usize) -> Architecture {
        Architecture {
            pixels,
            layers: self.layers.clone(),
            activation: self.activation,
            init: self.init,
            tied: self.tied,
            sparsity: self.sparsity as f32,
            kind: match self.kind {
                ModelKind::Vae => Kind::Variational {
                    beta: self.beta.unwrap_or(DEFAULT_BETA) as f32,
                },
                ModelKind::Autoencoder | ModelKind::Pca | ModelKind::Conv => Kind::Autoencoder,
            },
        }
    }
}

fn activation_name<S: serde::Serializer>(a: &Activation, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.name())
}

fn loss_name<S: serde::Serializer>(l: &Option<Loss>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(l.unwrap_or(Loss::Bce).name())
}

fn init_name<S: serde::Serializer>(i: &Init, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(i.name())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Autoencoder,
    /// A variational autoencoder (see `aelab_models::Kind::Variational`).
    Vae,
    /// The linear baseline: PCA with `latent` components.
    Pca,
    /// A network written as layer lists (`model.encoder`, `model.decoder`):
    /// convolutional, or any mix of the layer kinds.
    Conv,
}

impl ModelKind {
    /// Whether this model is a network trained in epochs (not PCA).
    pub fn trains(self) -> bool {
        self != ModelKind::Pca
    }

    /// The spec's name for it (`model.kind`).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Autoencoder => "autoencoder",
            ModelKind::Vae => "vae",
            ModelKind::Pca => "pca",
            ModelKind::Conv => "conv",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerName,
    pub lr: f64,
    pub engine: EngineName,
    /// SGD's momentum; absent from `config.toml` when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub momentum: f64,
    /// L2 weight decay; absent from `config.toml` when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub weight_decay: f64,
    /// Epochs after which the learning rate is multiplied by
    /// `lr_step_factor`; both absent from `config.toml` when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lr_steps: Vec<usize>,
    #[serde(skip_serializing_if = "is_default_factor")]
    pub lr_step_factor: f64,
    /// Threads the run trains on (its matrix products split across them;
    /// the results do not depend on it). Absent: the run's share of the
    /// machine, all of it for a run alone, one each when as many runs go
    /// side by side as there are cores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn is_default_factor(v: &f64) -> bool {
    *v == DEFAULT_LR_STEP_FACTOR
}

/// What the learning rate is multiplied by at each of `train.lr_steps`.
pub const DEFAULT_LR_STEP_FACTOR: f64 = 0.1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerName {
    Sgd,
    Adam,
    /// Adadelta (Keras' rule and defaults: rho 0.95, eps 1e-7).
    Adadelta,
    /// RMSprop (Keras': rho 0.9, eps 1e-7).
    Rmsprop,
}

/// Which code computes an autoencoder's training steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineName {
    /// aelab's fused forward/backward for this network (the default).
    Fused,
    /// dfdx's autodiff tape and optimizers (about 2x slower; the reference).
    Dfdx,
}

/// The corruption a denoising run trains on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NoiseConfig {
    #[serde(serialize_with = "noise_kind_name")]
    pub kind: aelab_data::noise::NoiseKind,
    pub level: f64,
    pub resample: ResampleName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResampleName {
    Once,
    Epoch,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EvalConfig {
    /// How much of the evaluation runs.
    pub detail: EvalDetail,
    /// Test digits in the reconstruction grid.
    pub samples: usize,
    pub tsne: TsneConfig,
    /// UMAP of the same digits as t-SNE; absent from `config.toml` when off.
    #[serde(skip_serializing_if = "UmapConfig::is_off")]
    pub umap: UmapConfig,
    /// The corruption of the test images behind the noisy-test metrics; the
    /// same for every run, so AE and DAE are compared on the same inputs.
    pub noise: EvalNoise,
    /// k-means of the codes (`eval.cluster`), scored by ACC, NMI and ARI;
    /// absent from `config.toml` when off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterConfig>,
    /// A linear probe of the codes (`eval.probe`); absent when off.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub probe: bool,
}

/// k-means of the codes (`eval.cluster = { k, starts }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClusterConfig {
    /// Clusters; the number of classes (10) unless the spec says.
    pub k: usize,
    /// Starts from different seeds; the best by inertia is kept.
    pub starts: usize,
}

impl ClusterConfig {
    /// The papers' protocol: as many clusters as classes, best of 20.
    pub const DEFAULT: ClusterConfig = ClusterConfig { k: 10, starts: 20 };
}

/// How much of the evaluation a run gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvalDetail {
    /// Everything: the denoising curve, t-SNE, trustworthiness, the
    /// interpolations and every per-run figure.
    Full,
    /// The numbers that are cheap (validation and test scores, noisy-test
    /// scores, per-class errors, 5-NN accuracy of the codes) and no per-run
    /// figures: for large sweeps, where the best configurations get the
    /// full evaluation afterwards.
    Light,
    /// `full` for experiments of up to [`AUTO_FULL_RUNS`] runs, else
    /// `light`; resolved when the spec is read, so never in a run's config.
    Auto,
}

/// The most runs an experiment may have for `detail = "auto"` to mean full.
pub const AUTO_FULL_RUNS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TsneConfig {
    /// Digits embedded (the first of `split`); 0 skips t-SNE.
    pub points: usize,
    pub perplexity: f64,
    pub input: TsneInput,
    /// Which digits the embeddings (t-SNE, UMAP) and their trustworthiness
    /// use; absent from `config.toml` when it is the default, so configs
    /// written before the key existed keep their identity.
    #[serde(skip_serializing_if = "EmbedSplit::is_default")]
    pub split: EmbedSplit,
}

/// The digits behind the embedding views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbedSplit {
    /// The validation digits (the notebook's choice; the training digits
    /// for a split without validation digits).
    Validation,
    /// The test digits.
    Test,
    /// The training digits.
    Train,
    /// Validation, training and test digits, in that order (for MNIST
    /// without `data.limit`, all 70,000 in file order).
    All,
}

impl EmbedSplit {
    fn is_default(&self) -> bool {
        *self == EmbedSplit::Validation
    }

    /// The name in specs.
    pub fn name(self) -> &'static str {
        match self {
            EmbedSplit::Validation => "validation",
            EmbedSplit::Test => "test",
            EmbedSplit::Train => "train",
            EmbedSplit::All => "all",
        }
    }
}

/// UMAP of the codes (`eval.umap`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UmapConfig {
    /// Digits embedded (the first of `eval.tsne.split`); 0 skips UMAP.
    pub points: usize,
    /// Neighbours per point, the point itself included (umap-learn's `n_neighbors`).
    pub neighbors: usize,
    pub min_dist: f64,
}

impl UmapConfig {
    /// No UMAP (the default).
    pub const OFF: UmapConfig = UmapConfig {
        points: 0,
        neighbors: 15,
        min_dist: 0.1,
    };

    fn is_off(&self) -> bool {
        self.points == 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TsneInput {
    /// The codes.
    Latent,
    /// The reconstructed images.
    Reconstruction,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EvalNoise {
    #[serde(serialize_with = "noise_kind_name")]
    pub kind: aelab_data::noise::NoiseKind,
    pub level: f64,
}

fn noise_kind_name<S: serde::Serializer>(
    kind: &aelab_data::noise::NoiseKind,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.name())
}

impl RunConfig {
    /// Whether this dense model trains as a layer list on the layered
    /// engine ([`Architecture::as_layer_list`]): it asks for what the
    /// fused dense engine does not have (MSE, an optimizer other than SGD
    /// and Adam, momentum, weight decay, a step schedule).
    pub fn dense_on_layers(&self) -> bool {
        let t = &self.train;
        self.model.kind == ModelKind::Autoencoder
            && self.model.layered.is_none()
            && (self.model.dense_loss.is_some_and(|l| l != Loss::Bce)
                || !matches!(t.optimizer, OptimizerName::Sgd | OptimizerName::Adam)
                || t.momentum != 0.0
                || t.weight_decay != 0.0
                || !t.lr_steps.is_empty())
    }

    /// The network this run trains and evaluates, on images of `pixels`
    /// values: a conv model's layer lists, a dense model as a layer list
    /// when [`dense_on_layers`](Self::dense_on_layers), else the dense
    /// stack. Every stage that builds or loads the model asks here.
    pub fn network(&self, pixels: usize) -> Network {
        if self.dense_on_layers() {
            let shape = self.data.source.image_shape();
            let input = if shape.len() == pixels {
                shape
            } else {
                Shape::Flat(pixels)
            };
            let loss = self.model.dense_loss.unwrap_or(Loss::Bce);
            if let Some(list) = self.model.architecture(pixels).as_layer_list(input, loss) {
                return Network::Layered(list);
            }
        }
        self.model.network(pixels)
    }

    /// The loss this run trains on.
    pub fn loss(&self) -> Loss {
        match &self.model.layered {
            Some(LayeredConfig(layered)) => layered.loss,
            None => self.model.dense_loss.unwrap_or(Loss::Bce),
        }
    }

    /// The resolved config as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a RunConfig always serialises to TOML")
    }
}
