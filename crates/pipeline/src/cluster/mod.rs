//! Running an experiment on a Slurm cluster: job scripts, arrays per
//! rung, merging shards.

pub(crate) mod slurm;
