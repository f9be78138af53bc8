//! The layered engine: training steps for networks written as layer lists
//! (`aelab_models::layers`), on flat channels-last buffers. A step runs
//! each planned layer forward in training mode, keeping every layer's
//! output, takes the loss (a sigmoid output with BCE as one pass on its
//! logits, as the fused engine does), runs the layers backward through
//! `aelab_models::layers::apply`, and updates every tensor with the run's
//! [`UpdateRule`](crate::update_rule). `gradient_check.rs` holds every layer kind's
//! gradients to central finite differences of an f64 forward pass.

#[cfg(test)]
mod gradient_check;
mod trainer;

pub(crate) use trainer::LayeredTrainer;
