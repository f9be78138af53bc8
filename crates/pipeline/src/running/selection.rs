//! Choosing which runs of an experiment to execute: `--only` globs, and
//! `--shard I/N` for one task of a cluster job.

use aelab_spec::Experiment;

use crate::{PipelineError, Result};

/// One of `count` shards (`index` counts from 1): runs `index`,
/// `index + count`, ... of the experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `I/N` with `1 <= I <= N`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let parsed = s.split_once('/').and_then(|(i, n)| {
            Some((
                i.trim().parse::<usize>().ok()?,
                n.trim().parse::<usize>().ok()?,
            ))
        });
        match parsed {
            Some((index, count)) if (1..=count).contains(&index) => Ok(Shard { index, count }),
            _ => Err(format!("`{s}` is not I/N with 1 <= I <= N, e.g. 2/4")),
        }
    }
}

impl Shard {
    /// Whether the run at position `i` (0-based) belongs to this shard.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

/// Keeps the runs whose names match one of `globs` (all when empty); a
/// selection that matches nothing is an error listing the runs.
pub fn select_runs(experiment: &mut Experiment, globs: &[String]) -> Result<()> {
    if globs.is_empty() {
        return Ok(());
    }
    let all: Vec<String> = experiment.runs.iter().map(|r| r.name.clone()).collect();
    experiment
        .runs
        .retain(|r| globs.iter().any(|g| glob_match(g, &r.name)));
    if experiment.runs.is_empty() {
        return Err(PipelineError::Mismatch(format!(
            "--only {} matches none of the runs: {}",
            globs.join(" --only "),
            all.join(", ")
        )));
    }
    Ok(())
}

/// Whether `name` matches `pattern` (`*` any run of characters, `?` one).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("dae*", "dae-adam.noise.level=0.3"));
        assert!(glob_match("*level=0.?", "dae.noise.level=0.3"));
        assert!(!glob_match("ae*", "dae"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn shards_split_the_runs_round_robin() {
        let shard: Shard = "2/3".parse().unwrap();
        let owned: Vec<usize> = (0..7).filter(|&i| shard.owns(i)).collect();
        assert_eq!(owned, vec![1, 4]);
        for bad in ["0/3", "4/3", "x"] {
            assert_eq!(
                bad.parse::<Shard>(),
                Err(format!("`{bad}` is not I/N with 1 <= I <= N, e.g. 2/4"))
            );
        }
    }
}
