//! A fault switch for the tests of failure handling: makes the run with a
//! given name panic as it starts. Compiled only with the
//! `fault-injection` feature, which only this crate's own tests turn on,
//! so no spec, flag or variable of a real build can reach it.

use std::sync::Mutex;

static PANIC_IN: Mutex<Option<String>> = Mutex::new(None);

/// Makes the run named `run` panic as it starts (`None`: no run).
pub fn panic_in_run(run: Option<&str>) {
    *PANIC_IN.lock().unwrap_or_else(|p| p.into_inner()) = run.map(str::to_string);
}

/// Panics if the switch names `run`.
pub(crate) fn trip(run: &str) {
    let armed = PANIC_IN
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_deref()
        == Some(run);
    if armed {
        panic!("fault injected into run {run}");
    }
}
