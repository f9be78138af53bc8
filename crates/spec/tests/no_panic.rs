//! Property test: the spec parser returns `Ok` or an error for any text,
//! never panics, and every run of a spec it accepts serialises to the
//! config.toml a run records (so nothing it lets through fails later, inside
//! a run). Inputs are a full valid spec mutated at random; seeded.

use std::path::Path;

use aelab_spec::Experiment;

/// A tiny deterministic generator (xorshift), so this test needs no RNG crate.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below.max(1) as u64) as usize
    }
}

const SEED_SPEC: &str = r#"name = "dae"
seed = 42
[data]
source = "mnist"
limit = 42000
validation = 5000
[model]
kind = "autoencoder"
latent = 30
[train]
epochs = 30
batch_size = 32
optimizer = "sgd"
lr = 1.5
[noise]
kind = "gaussian"
level = 0.5
[eval]
tsne = { points = 5000, perplexity = 30.0, input = "latent" }
[[variant]]
name = "a"
train = { optimizer = "adam", lr = 0.001 }
"#;

const PIECES: [&str; 17] = [
    "\"",
    "=",
    "[",
    "]",
    "{",
    "}",
    "\n",
    "-1",
    "1e309",
    "nan",
    "[[variant]]\n",
    "latent = ",
    "0",
    ".",
    "9223372036854775807",
    "repeats = 3\n",
    "seed = 9223372036854775806\n",
];

#[test]
fn spec_parsing_never_panics() {
    let mut rng = Xorshift(0x5eed);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let mut text: Vec<char> = SEED_SPEC.chars().collect();
        for _ in 0..1 + rng.next(4) {
            let at = rng.next(text.len() + 1);
            match rng.next(3) {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 => {
                    let piece = PIECES[rng.next(PIECES.len())];
                    for (i, c) in piece.chars().enumerate() {
                        text.insert(at + i, c);
                    }
                }
                _ => {
                    let end = (at + rng.next(8)).min(text.len());
                    text.drain(at..end);
                }
            }
        }
        let text: String = text.into_iter().collect();
        if let Ok(experiment) = Experiment::parse(Path::new("fuzz.toml"), &text) {
            accepted += 1;
            for run in &experiment.runs {
                let _ = run.to_toml();
            }
        }
    }
    assert!(accepted > 0, "some mutations should still be valid specs");
}

#[test]
fn seeds_a_config_toml_cannot_record_are_refused_up_front() {
    let spec = |seed: &str| format!("name = \"s\"\nseed = {seed}\nrepeats = 3\n");
    let top = i64::MAX;
    let err = Experiment::parse(Path::new("s.toml"), &spec(&top.to_string()))
        .expect_err("seeds above i64::MAX");
    let text = err.to_string();
    assert!(text.contains("s.toml") && text.contains("`seed`"), "{text}");
    assert!(
        text.contains(&format!("allowed: 0..={}", top - 2)),
        "{text}"
    );
    let ok = Experiment::parse(Path::new("s.toml"), &spec(&(top - 2).to_string()))
        .expect("the largest seeds that fit");
    assert_eq!(ok.runs.len(), 3);
    for run in &ok.runs {
        assert!(run.to_toml().contains(&format!("seed = {}", run.seed)));
    }
}
