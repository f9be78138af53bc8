//! `[search]`: a search over settings instead of (or beside) a grid. The
//! table names a method (`"random"`, `"sobol"`, `"halving"` or
//! `"hyperband"`), how many trials, the validation metric and its
//! direction, and one distribution per dotted key (`"train.lr" = {
//! log_uniform = [1e-4, 3.0] }`). Trials are drawn from the spec's seed, so
//! the same spec gives the same trials; each becomes a run named
//! `<variant>.trial=<k>` carrying its drawn values. Successive halving
//! (`"halving"`) and Hyperband (`"hyperband"`, brackets of halving) also
//! set `min_epochs` and `eta`, and the pipeline trains them rung by rung;
//! [`SearchConfig::brackets`] says which trials each bracket holds.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::checker::Checker;
use crate::expand::Assignment;
use crate::sobol;
use crate::SpecError;

/// Most trials a search may ask for.
pub const MAX_TRIALS: i64 = 10_000;
/// The largest `eta`.
const MAX_ETA: i64 = 100;
/// The random stream the trials are drawn from (apart from the training
/// crate's streams 1..=5 of the same seed).
const SEARCH_STREAM: u64 = 16;
/// Keys of `[search]` that are not distributions.
const SETTINGS: [&str; 7] = [
    "method",
    "trials",
    "metric",
    "goal",
    "min_epochs",
    "eta",
    "sampler",
];
/// Metrics a search may choose on, all measured on validation data:
/// `val_loss`, the loss every epoch records on the validation digits (the
/// training objective: BCE per pixel for a dense autoencoder, the
/// beta-weighted ELBO per image for a VAE, the model's own loss for a conv
/// one); `val_bce`, BCE per pixel of the final model on the inputs it
/// validated on; `clean_val_bce`, the same on clean inputs. The first two
/// are measured after every epoch, which the rungs of halving need (and
/// `val_bce` only where it is the epoch loss: see [`check_rungs`]).
const METRICS: [&str; 3] = ["val_loss", "val_bce", "clean_val_bce"];
/// How many of [`METRICS`] (from the first) rungs can rank by.
const RUNG_METRICS: usize = 2;

/// How trials are chosen and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMethod {
    /// Independent uniform draws, every trial at full budget.
    Random,
    /// A quasi-random (Sobol') design, every trial at full budget.
    Sobol,
    /// Successive halving: every trial to `min_epochs`, then the best
    /// 1/eta on to eta times as many epochs, up to `train.epochs`.
    Halving,
    /// Hyperband (Li et al. 2018): brackets of successive halving over
    /// disjoint trials, each starting one rung later than the one before.
    Hyperband,
}

impl SearchMethod {
    /// Whether the method trains in rungs (halving, Hyperband).
    pub fn has_rungs(self) -> bool {
        matches!(self, SearchMethod::Halving | SearchMethod::Hyperband)
    }

    /// The name a spec gives it.
    pub fn name(self) -> &'static str {
        match self {
            SearchMethod::Random => "random",
            SearchMethod::Sobol => "sobol",
            SearchMethod::Halving => "halving",
            SearchMethod::Hyperband => "hyperband",
        }
    }
}

/// One bracket of a search that trains in rungs: successive halving over
/// the trials `trials` (indices `k` of `<variant>.trial=<k>`) through the
/// epochs of `rungs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bracket {
    pub rungs: Vec<usize>,
    pub trials: std::ops::Range<usize>,
}

/// How halving's trials are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampler {
    Random,
    Sobol,
}

/// Whether the metric is better low or high.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    Min,
    Max,
}

/// The distribution of one searched key.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Uniform { low: f64, high: f64 },
    LogUniform { low: f64, high: f64 },
    Int { low: i64, high: i64 },
    Choice(Vec<toml::Value>),
}

/// A checked `[search]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    pub method: SearchMethod,
    pub sampler: Sampler,
    pub trials: usize,
    /// A validation metric (`val_loss`, `val_bce`, `clean_val_bce`): the
    /// one objective rungs promote on and the report ranks trials by.
    pub metric: String,
    pub goal: Goal,
    /// Halving: the epochs of the first rung.
    pub min_epochs: usize,
    /// Halving: the factor between rungs (at least 2).
    pub eta: usize,
    /// Dotted key and distribution, in the order written.
    pub space: Vec<(String, Distribution)>,
}

impl SearchConfig {
    /// Halving's rungs for a budget of `epochs`: `min_epochs`, then eta
    /// times more each, the last exactly `epochs`.
    pub fn rungs(&self, epochs: usize) -> Vec<usize> {
        let mut rungs = vec![self.min_epochs.min(epochs)];
        while let Some(&last) = rungs.last() {
            if last >= epochs {
                break;
            }
            rungs.push(last.saturating_mul(self.eta).min(epochs));
        }
        rungs
    }

    /// The brackets for a budget of `epochs` (none for random and Sobol'
    /// searches). Halving is one bracket of every trial through every rung.
    /// Hyperband over the K rungs of [`SearchConfig::rungs`] has K brackets
    /// (Li et al.'s s_max + 1): bracket b starts at rung b, and with
    /// s = K - 1 - b, Li et al. give it n_b = ceil(K / (s + 1) * eta^s)
    /// trials. The spec's `trials` are split in proportion to the n_b: each
    /// bracket gets floor(trials * n_b / N) (N = the sum of the n_b), and
    /// the trials left over go one each to the brackets with the largest
    /// remainders (ties to the earlier bracket); with trials = N the split
    /// is Li et al.'s. Bracket 0 holds the first trials, bracket 1 the next,
    /// and so on.
    pub fn brackets(&self, epochs: usize) -> Vec<Bracket> {
        let rungs = self.rungs(epochs);
        match self.method {
            SearchMethod::Random | SearchMethod::Sobol => Vec::new(),
            SearchMethod::Halving => vec![Bracket {
                rungs,
                trials: 0..self.trials,
            }],
            SearchMethod::Hyperband => {
                let counts = split(self.trials, &hyperband_weights(rungs.len(), self.eta));
                let mut start = 0;
                counts
                    .iter()
                    .enumerate()
                    .map(|(b, &n)| {
                        let bracket = Bracket {
                            rungs: rungs[b..].to_vec(),
                            trials: start..start + n,
                        };
                        start += n;
                        bracket
                    })
                    .collect()
            }
        }
    }

    /// How many of `n` trials go on from a rung: the best 1/eta, at least one.
    pub fn promoted(&self, n: usize) -> usize {
        (n / self.eta).max(1).min(n)
    }

    /// Whether `a` is a better metric value than `b` (a value that is not
    /// finite is worse than any that is).
    pub fn better(&self, a: f64, b: f64) -> bool {
        match (a.is_finite(), b.is_finite()) {
            (true, false) => true,
            (false, _) => false,
            (true, true) => match self.goal {
                Goal::Min => a < b,
                Goal::Max => a > b,
            },
        }
    }
}

/// Li et al.'s trials per bracket for `k` rungs: n_b = ceil(k / (s + 1) *
/// eta^s) with s = k - 1 - b (saturating; the last is k, the smallest).
fn hyperband_weights(k: usize, eta: usize) -> Vec<u128> {
    (0..k)
        .map(|b| {
            let s = (k - 1 - b) as u32;
            let power = (eta as u128).saturating_pow(s);
            (k as u128)
                .saturating_mul(power)
                .div_ceil(u128::from(s) + 1)
        })
        .collect()
}

/// `total` split in proportion to `weights`: the floors, then one more
/// each to the largest remainders (ties to the earlier).
fn split(total: usize, weights: &[u128]) -> Vec<usize> {
    let sum: u128 = weights.iter().sum::<u128>().max(1);
    let shares: Vec<(u128, u128)> = weights
        .iter()
        .map(|&w| {
            let x = (total as u128).saturating_mul(w);
            (x / sum, x % sum)
        })
        .collect();
    let mut counts: Vec<usize> = shares.iter().map(|&(q, _)| q as usize).collect();
    let left = total.saturating_sub(counts.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| shares[b].1.cmp(&shares[a].1).then(a.cmp(&b)));
    for &b in order.iter().take(left) {
        counts[b] += 1;
    }
    counts
}

/// Checks the `[search]` table; `swept` are the keys some `[sweep]` varies.
pub(crate) fn parse(
    check: &Checker,
    table: &toml::Table,
    swept: &[String],
) -> Result<SearchConfig, SpecError> {
    let text = |key: &str| -> Result<Option<&str>, SpecError> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(check.invalid(
                &format!("search.{key}"),
                format!("expected a string, found {other}"),
            )),
        }
    };
    let int = |key: &str| -> Result<Option<i64>, SpecError> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => Ok(Some(*i)),
            Some(other) => Err(check.invalid(
                &format!("search.{key}"),
                format!("expected an integer, found {other}"),
            )),
        }
    };
    let method = match text("method")? {
        None => {
            return Err(check.invalid(
                "search.method",
                "is required; allowed: \"random\", \"sobol\", \"halving\", \"hyperband\" (a grid is [sweep])"
                    .into(),
            ))
        }
        Some(m) => check.choice(
            "search.method",
            Some(m),
            SearchMethod::Random,
            &[
                ("random", SearchMethod::Random),
                ("sobol", SearchMethod::Sobol),
                ("halving", SearchMethod::Halving),
                ("hyperband", SearchMethod::Hyperband),
            ],
        )?,
    };
    let trials = match int("trials")? {
        None => {
            return Err(check.invalid(
                "search.trials",
                format!("is required; allowed: 1..={MAX_TRIALS}"),
            ))
        }
        Some(t) => check
            .int("search.trials", Some(t), 1, MAX_TRIALS)?
            .unwrap_or(1),
    };
    // Rungs rank by the epoch loss, so that is their default; a search at
    // full budget by the final model's BCE, as before `val_loss` existed.
    let default_metric = match method.has_rungs() {
        true => "val_loss",
        false => "val_bce",
    };
    let metric = text("metric")?.unwrap_or(default_metric).to_string();
    let allowed_metrics = match method.has_rungs() {
        true => &METRICS[..RUNG_METRICS],
        false => &METRICS[..],
    };
    if !allowed_metrics.contains(&metric.as_str()) {
        let names: Vec<String> = allowed_metrics.iter().map(|m| format!("\"{m}\"")).collect();
        let why = if metric.contains("test") {
            "is measured on test data, and choosing on test data leaks it into the choice"
                .to_string()
        } else if method.has_rungs() && METRICS.contains(&metric.as_str()) {
            format!(
                "is not measured after every epoch, which {}'s rungs need",
                method.name()
            )
        } else {
            "is not a validation metric".to_string()
        };
        return Err(check.invalid(
            "search.metric",
            format!("\"{metric}\" {why}; allowed: {}", names.join(", ")),
        ));
    }
    let goal = check.choice(
        "search.goal",
        text("goal")?,
        Goal::Min,
        &[("min", Goal::Min), ("max", Goal::Max)],
    )?;
    // min_epochs, eta and sampler are halving's and Hyperband's; other
    // methods leave them unused, so `--set search.method=random` runs a
    // halving spec's trials at full budget for comparison.
    let min_epochs = check
        .int("search.min_epochs", int("min_epochs")?, 1, 10_000)?
        .unwrap_or(1);
    let eta = check
        .int("search.eta", int("eta")?, 2, MAX_ETA)?
        .unwrap_or(3);
    let sampler = check.choice(
        "search.sampler",
        text("sampler")?,
        Sampler::Random,
        &[("random", Sampler::Random), ("sobol", Sampler::Sobol)],
    )?;

    let mut space = Vec::new();
    for (key, value) in table {
        if SETTINGS.contains(&key.as_str()) {
            continue;
        }
        collect(check, key, value, &mut space)?;
    }
    if space.is_empty() {
        return Err(check.invalid(
            "search",
            "searches no key; add one, e.g. \"train.lr\" = { log_uniform = [1e-4, 3.0] }".into(),
        ));
    }
    if let Some((key, _)) = space.iter().find(|(k, _)| swept.contains(k)) {
        return Err(check.invalid(
            &format!("search.{key}"),
            "is also in a [sweep]; a key is either searched or swept, not both".into(),
        ));
    }
    let uses_sobol =
        method == SearchMethod::Sobol || (method.has_rungs() && sampler == Sampler::Sobol);
    if uses_sobol && space.len() > sobol::MAX_DIMENSIONS {
        return Err(check.invalid(
            "search",
            format!(
                "searches {} keys; a Sobol' design here covers at most {}",
                space.len(),
                sobol::MAX_DIMENSIONS
            ),
        ));
    }
    Ok(SearchConfig {
        method,
        sampler: match method {
            SearchMethod::Sobol => Sampler::Sobol,
            SearchMethod::Random => Sampler::Random,
            SearchMethod::Halving | SearchMethod::Hyperband => sampler,
        },
        trials,
        metric,
        goal,
        min_epochs,
        eta,
        space,
    })
}

/// What a search in rungs (halving, Hyperband) needs of every run: an
/// autoencoder trained by the fused engine (whose state a checkpoint
/// holds), one seed per configuration, `train.epochs` not searched and at
/// least `min_epochs`; Hyperband also needs a trial in every bracket.
pub(crate) fn check_rungs(
    check: &Checker,
    search: &SearchConfig,
    runs: &[crate::RunConfig],
) -> Result<(), SpecError> {
    let method = search.method.name();
    if search.space.iter().any(|(k, _)| k == "train.epochs") {
        return Err(check.invalid(
            "search.train.epochs",
            format!(
                "is {method}'s budget; set train.epochs (the last rung) instead of searching it"
            ),
        ));
    }
    for run in runs {
        if run.train.epochs < search.min_epochs {
            return Err(check.invalid(
                "search.min_epochs",
                format!(
                    "{} is above train.epochs = {} (run `{}`); allowed: 1..={}",
                    search.min_epochs, run.train.epochs, run.name, run.train.epochs
                ),
            ));
        }
        if !run.model.kind.trains() {
            return Err(check.invalid(
                "search.method",
                format!(
                    "{method} trains in epochs; run `{}` is pca, which has none",
                    run.name
                ),
            ));
        }
        if run.train.engine != crate::EngineName::Fused {
            return Err(check.invalid(
                "search.method",
                format!(
                    "{method} continues runs from checkpoints, which only the fused engine writes; run `{}` sets train.engine = \"dfdx\"",
                    run.name
                ),
            ));
        }
    }
    if search.metric == "val_bce" {
        // rungs read the epoch loss; only a dense autoencoder's is val_bce
        if let Some(run) = runs
            .iter()
            .find(|r| r.model.kind != crate::ModelKind::Autoencoder)
        {
            let what = match run.model.kind {
                crate::ModelKind::Vae => "the beta-weighted ELBO in nats per image",
                _ => "its own loss",
            };
            return Err(check.invalid(
                "search.metric",
                format!(
                    "\"val_bce\" is not what {method}'s rungs measure for run `{}` (a {}: its epoch loss is {what}, and BCE per pixel is measured only at the end); allowed: \"val_loss\", which rungs and report both rank by",
                    run.name,
                    run.model.kind.name(),
                ),
            ));
        }
    }
    let groups: std::collections::HashSet<&str> = runs.iter().map(|r| r.group.as_str()).collect();
    if groups.len() != runs.len() {
        return Err(check.invalid(
            "repeats",
            format!("{method} ranks single runs; allowed with a {method} search: repeats = 1 and no sweep of seed"),
        ));
    }
    if search.method == SearchMethod::Hyperband {
        check_brackets(check, search, runs)?;
    }
    Ok(())
}

/// Hyperband's split gives every bracket a trial once the last (smallest)
/// bracket's share, trials * K / N, is at least one.
fn check_brackets(
    check: &Checker,
    search: &SearchConfig,
    runs: &[crate::RunConfig],
) -> Result<(), SpecError> {
    let budget = runs.iter().map(|r| r.train.epochs).max().unwrap_or(1);
    let rungs = search.rungs(budget);
    let weights = hyperband_weights(rungs.len(), search.eta);
    let sum: u128 = weights.iter().sum();
    let last = weights.last().copied().unwrap_or(1).max(1);
    let least = sum.div_ceil(last);
    if (search.trials as u128) < least {
        let shown: Vec<String> = rungs.iter().map(usize::to_string).collect();
        let li: Vec<String> = weights.iter().map(u128::to_string).collect();
        return Err(check.invalid(
            "search.trials",
            format!(
                "{} trials leave a bracket of hyperband empty: rungs at {} epochs make {} brackets, split {} (Li et al.'s n, {} in all); allowed: {least}..={MAX_TRIALS}",
                search.trials,
                shown.join(", "),
                rungs.len(),
                li.join(" : "),
                sum
            ),
        ));
    }
    Ok(())
}

/// Reads one distribution (`{ uniform = [a, b] }`), or walks into nested
/// tables (`train.lr = {...}` written unquoted is `train = { lr = {...} }`).
fn collect(
    check: &Checker,
    key: &str,
    value: &toml::Value,
    out: &mut Vec<(String, Distribution)>,
) -> Result<(), SpecError> {
    const KINDS: [&str; 4] = ["uniform", "log_uniform", "int", "choice"];
    let at = format!("search.{key}");
    let allowed = "allowed: { uniform = [low, high] }, { log_uniform = [low, high] }, \
                   { int = [low, high] }, { choice = [a, b, ...] }";
    let toml::Value::Table(t) = value else {
        return Err(check.invalid(
            &at,
            format!("expected a distribution, found {value}; {allowed}"),
        ));
    };
    if !t.keys().any(|k| KINDS.contains(&k.as_str())) {
        for (inner, v) in t {
            collect(check, &format!("{key}.{inner}"), v, out)?;
        }
        return Ok(());
    }
    if t.len() != 1 {
        let keys: Vec<&str> = t.keys().map(|k| k.as_str()).collect();
        return Err(check.invalid(
            &at,
            format!(
                "names {} where one distribution is allowed; {allowed}",
                keys.join(" and ")
            ),
        ));
    }
    let (kind, args) = t.iter().next().expect("one entry");
    let pair = |numbers: bool| -> Result<(toml::Value, toml::Value), SpecError> {
        match args {
            toml::Value::Array(a)
                if a.len() == 2
                    && a.iter().all(|x| {
                        matches!(x, toml::Value::Integer(_))
                            || (numbers && matches!(x, toml::Value::Float(_)))
                    }) =>
            {
                Ok((a[0].clone(), a[1].clone()))
            }
            _ => Err(check.invalid(
                &format!("{at}.{kind}"),
                format!(
                    "expected [low, high] ({}), found {args}",
                    if numbers {
                        "two numbers"
                    } else {
                        "two integers"
                    }
                ),
            )),
        }
    };
    let float = |v: &toml::Value| match v {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        _ => f64::NAN,
    };
    let below = |low: String, high: String| {
        check.invalid(
            &format!("{at}.{kind}"),
            format!("the low bound {low} is not below the high bound {high}; allowed: low < high"),
        )
    };
    let distribution = match kind.as_str() {
        "uniform" | "log_uniform" => {
            let (a, b) = pair(true)?;
            let (low, high) = (float(&a), float(&b));
            if !(low.is_finite() && high.is_finite()) {
                return Err(check.invalid(&format!("{at}.{kind}"), "bounds must be finite".into()));
            }
            if low >= high {
                return Err(below(low.to_string(), high.to_string()));
            }
            if kind == "log_uniform" {
                if low <= 0.0 {
                    return Err(check.invalid(
                        &format!("{at}.{kind}"),
                        format!("the low bound {low} is not above 0; a log-uniform range needs 0 < low < high"),
                    ));
                }
                Distribution::LogUniform { low, high }
            } else {
                Distribution::Uniform { low, high }
            }
        }
        "int" => {
            let (a, b) = pair(false)?;
            let (low, high) = (a.as_integer().unwrap_or(0), b.as_integer().unwrap_or(0));
            if low >= high {
                return Err(below(low.to_string(), high.to_string()));
            }
            Distribution::Int { low, high }
        }
        _ => match args {
            toml::Value::Array(values) if !values.is_empty() => {
                if let Some((_, twice)) = values
                    .iter()
                    .enumerate()
                    .find(|(i, v)| values[..*i].contains(v))
                {
                    return Err(
                        check.invalid(&format!("{at}.choice"), format!("{twice} is listed twice"))
                    );
                }
                Distribution::Choice(values.clone())
            }
            _ => {
                return Err(check.invalid(
                    &format!("{at}.choice"),
                    format!("expected a non-empty list of values, found {args}"),
                ))
            }
        },
    };
    out.push((key.to_string(), distribution));
    Ok(())
}

/// Rounds to 4 significant digits, so drawn values read well in configs
/// and names and survive TOML unchanged.
fn round4(x: f64) -> f64 {
    format!("{x:.3e}").parse().unwrap_or(x)
}

impl Distribution {
    /// The value at quantile `u` in `[0, 1)`.
    fn at(&self, u: f64) -> toml::Value {
        match self {
            Distribution::Uniform { low, high } => {
                toml::Value::Float(round4(low + u * (high - low)).clamp(*low, *high))
            }
            Distribution::LogUniform { low, high } => {
                let x = (low.ln() + u * (high.ln() - low.ln())).exp();
                toml::Value::Float(round4(x).clamp(*low, *high))
            }
            Distribution::Int { low, high } => {
                let span = (high - low + 1) as f64;
                toml::Value::Integer((low + (u * span).floor() as i64).min(*high))
            }
            Distribution::Choice(values) => {
                let i = ((u * values.len() as f64).floor() as usize).min(values.len() - 1);
                values[i].clone()
            }
        }
    }

    /// The values at the edges of the range (every choice), which the
    /// spec's checks must accept before any trial is drawn.
    pub(crate) fn extremes(&self) -> Vec<toml::Value> {
        match self {
            Distribution::Uniform { low, high } | Distribution::LogUniform { low, high } => {
                vec![toml::Value::Float(*low), toml::Value::Float(*high)]
            }
            Distribution::Int { low, high } => {
                vec![toml::Value::Integer(*low), toml::Value::Integer(*high)]
            }
            Distribution::Choice(values) => values.clone(),
        }
    }
}

/// The trials of `search` for the spec's `seed`: one list of assignments
/// per trial, in the order of `search.space`.
pub(crate) fn draw(search: &SearchConfig, seed: u64) -> Vec<Vec<Assignment>> {
    let dims = search.space.len();
    let quantiles: Vec<Vec<f64>> = match search.sampler {
        Sampler::Sobol => sobol::points(search.trials, dims),
        Sampler::Random => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(SEARCH_STREAM);
            (0..search.trials)
                .map(|_| (0..dims).map(|_| rng.gen::<f64>()).collect())
                .collect()
        }
    };
    quantiles
        .into_iter()
        .map(|u| {
            search
                .space
                .iter()
                .zip(u)
                .map(|((key, d), u)| Assignment {
                    key: key.clone(),
                    value: d.at(u),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(method: SearchMethod, eta: usize, min_epochs: usize) -> SearchConfig {
        SearchConfig {
            method,
            sampler: Sampler::Random,
            trials: 81,
            metric: "val_bce".into(),
            goal: Goal::Min,
            min_epochs,
            eta,
            space: vec![(
                "train.lr".into(),
                Distribution::LogUniform {
                    low: 1e-4,
                    high: 1.0,
                },
            )],
        }
    }

    #[test]
    fn rungs_grow_by_eta_and_end_at_the_budget() {
        let c = config(SearchMethod::Halving, 3, 1);
        assert_eq!(c.rungs(27), vec![1, 3, 9, 27]);
        assert_eq!(c.rungs(30), vec![1, 3, 9, 27, 30]);
        assert_eq!(c.rungs(1), vec![1]);
        assert_eq!(
            config(SearchMethod::Halving, 2, 5).rungs(30),
            vec![5, 10, 20, 30]
        );
        // 81 -> 27 -> 9 -> 3 -> 1
        let mut n = 81;
        let mut kept = vec![n];
        while n > 1 {
            n = c.promoted(n);
            kept.push(n);
        }
        assert_eq!(kept, vec![81, 27, 9, 3, 1]);
        assert_eq!(c.promoted(2), 1);
    }

    /// Li et al. 2018, Table 1 (R = 81, eta = 3): brackets of 81, 34, 15,
    /// 8 and 5 configurations starting at 1, 3, 9, 27 and 81 epochs.
    #[test]
    fn hyperband_brackets_follow_li_et_al() {
        let c = config(SearchMethod::Hyperband, 3, 1);
        assert_eq!(hyperband_weights(5, 3), vec![81, 34, 15, 8, 5]);
        let c = SearchConfig { trials: 143, ..c };
        let brackets = c.brackets(81);
        let sizes: Vec<usize> = brackets.iter().map(|b| b.trials.len()).collect();
        assert_eq!(sizes, vec![81, 34, 15, 8, 5]);
        let starts: Vec<usize> = brackets.iter().map(|b| b.rungs[0]).collect();
        assert_eq!(starts, vec![1, 3, 9, 27, 81]);
        assert!(brackets.iter().all(|b| b.rungs.last() == Some(&81)));
        assert_eq!(brackets[1].trials, 81..115);
        // Fewer trials: in proportion, the rest to the largest remainders.
        // 20 * (81, 34, 15, 8, 5) / 143 = 11.33, 4.76, 2.10, 1.12, 0.70
        let c = SearchConfig { trials: 20, ..c };
        let sizes: Vec<usize> = c.brackets(81).iter().map(|b| b.trials.len()).collect();
        assert_eq!(sizes, vec![11, 5, 2, 1, 1]);
        assert_eq!(split(7, &[1, 1, 1]), vec![3, 2, 2]);
        // Halving is one bracket of everything; random searches have none.
        let h = config(SearchMethod::Halving, 3, 1).brackets(27);
        assert_eq!(
            h,
            vec![Bracket {
                rungs: vec![1, 3, 9, 27],
                trials: 0..81
            }]
        );
        assert!(config(SearchMethod::Random, 3, 1).brackets(27).is_empty());
    }

    #[test]
    fn log_uniform_draws_are_uniform_in_the_logarithm() {
        let c = config(SearchMethod::Random, 3, 1);
        let c = SearchConfig { trials: 4000, ..c };
        let lrs: Vec<f64> = draw(&c, 7)
            .iter()
            .map(|t| t[0].value.as_float().unwrap())
            .collect();
        assert!(lrs.iter().all(|&x| (1e-4..=1.0).contains(&x)));
        // Each decade of [1e-4, 1] holds a quarter of the draws (binomial sd ~27).
        for decade in 0..4 {
            let lo = 10f64.powi(-4 + decade);
            let n = lrs.iter().filter(|&&x| x >= lo && x < lo * 10.0).count();
            assert!((900..1100).contains(&n), "decade {decade}: {n}");
        }
        assert_eq!(draw(&c, 7), draw(&c, 7));
        assert_ne!(draw(&c, 7), draw(&c, 8));
    }

    #[test]
    fn quantiles_map_onto_each_distribution() {
        let int = Distribution::Int { low: 2, high: 4 };
        assert_eq!(int.at(0.0), toml::Value::Integer(2));
        assert_eq!(int.at(0.34), toml::Value::Integer(3));
        assert_eq!(int.at(0.999), toml::Value::Integer(4));
        let choice = Distribution::Choice(vec!["sgd".into(), "adam".into()]);
        assert_eq!(choice.at(0.49), toml::Value::from("sgd"));
        assert_eq!(choice.at(0.5), toml::Value::from("adam"));
        let u = Distribution::Uniform {
            low: 0.1,
            high: 0.9,
        };
        assert_eq!(u.at(0.5), toml::Value::Float(0.5));
        let l = Distribution::LogUniform {
            low: 1e-3,
            high: 1e-1,
        };
        assert_eq!(l.at(0.5), toml::Value::Float(0.01));
    }
}
