//! Logging: human-readable text by default, JSON lines with `log_format = "json"`. `RUST_LOG` overrides
//! the configured level.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let base = if level.contains('=') {
            level.to_string()
        } else {
            format!("{level},sqlx=warn,sea_orm=warn,tower_sessions=warn")
        };
        EnvFilter::new(base)
    });
    // Colour only for a person at a terminal; log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.compact().try_init(),
    };
}
