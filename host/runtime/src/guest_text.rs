//! Text a guest controls (log lines, error messages, progress messages, what it printed)
//! is cut to a size the host chose before it is kept, stored or sent anywhere, with a
//! visible marker that says how long the original was, and its NUL characters are
//! replaced (U+FFFD): PostgreSQL's text cannot hold them, so one would fail the write that
//! records the job.

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
        return without_nul(text.to_owned());
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    without_nul(format!("{}… [truncated: {} bytes in all]", &text[..cut], text.len()))
}

/// Truncates an owned string in place (no copy when it fits).
pub fn truncate_owned(text: String, limit: usize) -> String {
    if text.len() <= limit { without_nul(text) } else { truncated(&text, limit) }
}

/// `text` with each NUL replaced by U+FFFD (no copy when there is none).
pub fn without_nul(text: String) -> String {
    if text.contains('\0') { text.replace('\0', "\u{FFFD}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_never_survive() {
        assert_eq!(truncated("a\0b", 10), "a\u{FFFD}b");
        assert_eq!(truncate_owned("\0".repeat(3), 2), "\u{FFFD}\u{FFFD}… [truncated: 3 bytes in all]");
    }

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
