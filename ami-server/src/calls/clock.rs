//! Simulated time and its formats.

use std::time::{Duration, Instant, UNIX_EPOCH};

use crate::ServerConfig;

/// `YYYY-MM-DD HH:MM:SS` (UTC) for epoch seconds, as `cdr_manager` writes
/// dates (humantime's RFC 3339, with a space for the `T` and no `Z`).
pub(crate) fn date_time(epoch: u64) -> String {
    let at = UNIX_EPOCH + Duration::from_secs(epoch.min(253_402_300_799));
    let rfc = humantime::format_rfc3339_seconds(at).to_string();
    rfc.trim_end_matches('Z').replacen('T', " ", 1)
}

/// Simulated whole seconds for a real duration.
pub(crate) fn simulated_secs(config: &ServerConfig, real: Duration) -> u64 {
    if config.time_scale > 0.0 && config.time_scale.is_finite() {
        (real.as_secs_f64() / config.time_scale) as u64
    } else {
        0
    }
}

/// Simulated whole seconds since `at`.
pub(crate) fn seconds_since(at: Instant, config: &ServerConfig) -> u64 {
    simulated_secs(config, at.elapsed())
}

/// `HH:MM:SS`.
pub(crate) fn hms(secs: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hms_format() {
        assert_eq!(hms(3725), "01:02:05");
    }

    #[test]
    fn date_time_format() {
        assert_eq!(date_time(0), "1970-01-01 00:00:00");
        assert_eq!(date_time(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(date_time(1_795_342_675), "2026-11-22 10:17:55");
    }
}
