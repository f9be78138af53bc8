//! The font every plot uses: DejaVu Sans, embedded in the binary and
//! registered with plotters once, so plots need no system font libraries.

use std::sync::OnceLock;

use plotters::style::FontStyle;

/// The family name plots ask for.
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded fonts (idempotent).
pub fn ensure_registered() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let fonts = [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
            ];
            for (style, bytes) in fonts {
                plotters::style::register_font(FAMILY, style, bytes)
                    .map_err(|_| "the embedded DejaVu font did not load".to_string())?;
            }
            Ok(())
        })
        .clone()
}
