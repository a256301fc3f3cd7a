//! Text a guest controls (log lines, error messages, progress messages) is cut to a size
//! the host chose before it is kept, stored or sent anywhere, with a visible marker that
//! says how long the original was.

/// The longest log line kept; longer lines are truncated.
pub const LOG_LINE_BYTES: usize = 16 << 10;
/// The longest model error message kept; longer ones are truncated.
pub const ERROR_MESSAGE_BYTES: usize = 64 << 10;
/// The longest progress message forwarded; longer ones are truncated.
pub const PROGRESS_MESSAGE_BYTES: usize = 1 << 10;

/// `text` if it fits in `limit` bytes, otherwise its first `limit` bytes (cut at a
/// character boundary) and a marker with the original length.
pub fn truncated(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… [truncated: {} bytes in all]", &text[..cut], text.len())
}

/// Truncates an owned string in place (no copy when it fits).
pub fn truncate_owned(text: String, limit: usize) -> String {
    if text.len() <= limit { text } else { truncated(&text, limit) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_is_marked() {
        assert_eq!(truncated("short", 10), "short");
        assert_eq!(truncated("abcdefgh", 3), "abc… [truncated: 8 bytes in all]");
    }

    #[test]
    fn cuts_at_a_character_boundary() {
        // "é" is two bytes: a cut inside it backs off to before it.
        assert_eq!(truncated("aéb", 2), "a… [truncated: 4 bytes in all]");
    }
}
