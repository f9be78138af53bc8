//! The times an archive records: RFC 3339 in the manifest, and the
//! `YYYYmmdd-HHMMSS` stamp that starts an archive folder's name (UTC both).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Now, RFC 3339 in UTC.
pub fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "unknown".into())
}

/// Now as `YYYYmmdd-HHMMSS` (UTC), for archive folder names.
pub fn stamp() -> String {
    let t = OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
