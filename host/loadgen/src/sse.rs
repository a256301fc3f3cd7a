//! Incremental parsing of a Server-Sent Events body into the `data` of each event, as
//! chunks arrive (an event may span chunks; a chunk may hold several events).

/// Bytes received so far that do not yet form a complete event.
#[derive(Debug, Default)]
pub struct SseBuffer {
    pending: String,
}

impl SseBuffer {
    /// Adds a chunk and returns the `data` of every event it completed (multi-line data
    /// joined with `\n`; comment-only events are skipped).
    pub fn push(&mut self, chunk: &str) -> Vec<String> {
        self.pending.push_str(&chunk.replace("\r\n", "\n"));
        let mut events = Vec::new();
        while let Some(end) = self.pending.find("\n\n") {
            let block: String = self.pending.drain(..end + 2).collect();
            let data: Vec<&str> = block
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(|data| data.strip_prefix(' ').unwrap_or(data))
                .collect();
            if !data.is_empty() {
                events.push(data.join("\n"));
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_and_within_chunks() {
        let mut buffer = SseBuffer::default();
        assert_eq!(buffer.push("data: {\"status\":"), Vec::<String>::new());
        assert_eq!(buffer.push(" \"running\"}\n\ndata: {\"a\":1}\n\nda"), ["{\"status\": \"running\"}", "{\"a\":1}"]);
        assert_eq!(buffer.push("ta: x\r\n\r\n"), ["x"]);
    }

    #[test]
    fn comments_are_skipped_and_multi_line_data_is_joined() {
        let mut buffer = SseBuffer::default();
        assert_eq!(buffer.push(": keep-alive\n\nevent: job\ndata: a\ndata: b\n\n"), ["a\nb"]);
    }
}
