//! A large frame read on two threads. Its text is cut at a row boundary near the middle
//! — found by looking for `]` `,` `[` (blanks allowed between), not by reading the
//! text —, the head (the object up to the cut, closed with `]}`) and the tail (the rows
//! after the cut, as a list) are read side by side, and the tail's columns are appended
//! to the head's. Both readings succeeding proves the cut: the head is then a frame whose
//! last key is `data`, left open at the cut, and the tail exactly the rest of its rows
//! (a cut inside a string leaves one of the two unterminated), so the frame is the one a
//! single reading makes. Only JSON's four blanks are skipped around the cut and after
//! the rows, so nothing either half leaves unread could have failed one reading.
//! Anything else — `data` not the last key, `columns` after it, text after the object,
//! any error in either half, too many cells in all — and the text is read whole, on
//! this thread, so a bad frame gets the message it always got.

use super::parse::{ReadFrame, columns_ahead, finish, parse_frame_text, read_frame, read_rows};
use super::{FrameError, MAX_CELLS};
use chapwasm_sdk::DataFrame;

/// [`parse_frame_text`], reading the frame's second half on another thread (spawned
/// here; without one, it is read whole here). For frames large enough to repay a thread
/// and a copy of their text (a 100k-row frame takes 12–23 ms to read, by machine).
pub fn parse_frame_text_in_halves(text: &str, field: &str, require_rows: bool) -> Result<DataFrame, FrameError> {
    match read_in_halves(text, field) {
        Some(read) => finish(read, field, require_rows),
        None => parse_frame_text(text, field, require_rows),
    }
}

/// The frame read in two halves, or `None` when it cannot be (see the module).
fn read_in_halves(text: &str, field: &str) -> Option<ReadFrame> {
    let cut = Cut::find(text)?;
    let columns = columns_ahead(text, field)?;
    let (head, tail) = std::thread::scope(|scope| {
        let read_tail = || read_rows(&cut.tail(text), field, &columns).ok();
        let beside = std::thread::Builder::new().name("chapwasm-parse".into()).spawn_scoped(scope, read_tail).ok()?;
        let head = read_frame(&cut.head(text), field, text.len()).ok();
        let tail = beside.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Some((head?, tail?))
    })?;
    let (mut read, (tail_builders, tail_rows)) = (head, tail);
    if !read.data_last || !read.ends_there || read.columns != columns {
        return None;
    }
    read.num_rows += tail_rows;
    if read.num_rows > MAX_CELLS / columns.len().max(1) {
        return None;
    }
    for (builder, tail) in read.builders.iter_mut().zip(tail_builders) {
        builder.append(tail);
    }
    Some(read)
}

/// Where a frame's text is cut: after the row that ends at `head_end`, before the row
/// that starts at `tail_start`; `rows_end` is the `]` closing its `data`.
#[derive(Debug, PartialEq)]
struct Cut {
    head_end: usize,
    tail_start: usize,
    rows_end: usize,
}

impl Cut {
    /// A row boundary at or after the middle of `text`, which must end `]` `}`.
    fn find(text: &str) -> Option<Self> {
        // JSON's four blanks only: the bytes skipped here are read by neither half.
        let json_blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
        let blank = |b: &u8| json_blank(char::from(*b));
        let bytes = text.as_bytes();
        let object = text.trim_end_matches(json_blank).strip_suffix('}')?.trim_end_matches(json_blank);
        let rows_end = object.strip_suffix(']')?.len();
        let mut at = text.len() / 2;
        while at < rows_end {
            let close = at + bytes[at..rows_end].iter().position(|&b| b == b']')?;
            let after = close + 1 + bytes[close + 1..rows_end].iter().take_while(|b| blank(b)).count();
            if bytes.get(after) == Some(&b',') {
                let open = after + 1 + bytes[after + 1..rows_end].iter().take_while(|b| blank(b)).count();
                if bytes.get(open) == Some(&b'[') && open < rows_end {
                    return Some(Cut { head_end: close + 1, tail_start: open, rows_end });
                }
            }
            at = close + 1;
        }
        None
    }

    /// The object up to the cut, closed.
    fn head(&self, text: &str) -> String {
        let mut head = String::with_capacity(self.head_end + 2);
        head.push_str(&text[..self.head_end]);
        head.push_str("]}");
        head
    }

    /// The rows after the cut, as a list.
    fn tail(&self, text: &str) -> String {
        let mut tail = String::with_capacity(self.rows_end - self.tail_start + 2);
        tail.push('[');
        tail.push_str(&text[self.tail_start..self.rows_end]);
        tail.push(']');
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: &str = r#"{"columns": ["a", "b"], "data": [[1, "x"], [2, "y"], [3, "z"], [4, "w"]]}"#;

    #[test]
    fn a_frame_is_cut_at_a_row_boundary_past_its_middle() {
        let cut = Cut::find(FRAME).unwrap();
        assert_eq!(cut.head(FRAME), r#"{"columns": ["a", "b"], "data": [[1, "x"]]}"#);
        assert_eq!(cut.tail(FRAME), r#"[[2, "y"], [3, "z"], [4, "w"]]"#);
    }

    #[test]
    fn halves_read_the_frame_one_reading_does() {
        let read = read_in_halves(FRAME, "data").expect("read in halves");
        assert_eq!(read.num_rows, 4);
        assert_eq!(parse_frame_text_in_halves(FRAME, "data", true), parse_frame_text(FRAME, "data", true));
    }

    #[test]
    fn a_cut_inside_a_string_is_not_taken() {
        let text = r#"{"columns": ["a"], "data": [["p"], ["r], [s"], ["q"], ["t"], ["u"], ["v"]]}"#;
        let cut = Cut::find(text).unwrap();
        assert!(text[..cut.head_end].ends_with(r#"["r]"#), "{cut:?}");
        assert!(read_in_halves(text, "data").is_none());
        let frame = parse_frame_text_in_halves(text, "data", true).unwrap();
        assert_eq!(frame.str_column("a").unwrap()[1], Some("r], [s"));
    }

    #[test]
    fn rows_after_data_or_columns_after_it_are_read_whole() {
        let after = r#"{"columns": ["a"], "data": [[1], [2]], "index": [[0], [1], [2], [3]]}"#;
        assert!(read_in_halves(after, "data").is_none());
        assert_eq!(parse_frame_text_in_halves(after, "data", true).unwrap().num_rows(), 2);
        let columns_last = r#"{"data": [[1], [2], [3], [4]], "columns": ["a"]}"#;
        assert!(read_in_halves(columns_last, "data").is_none());
        assert_eq!(parse_frame_text_in_halves(columns_last, "data", true).unwrap().num_rows(), 4);
    }

    #[test]
    fn columns_that_change_kind_after_the_cut_end_as_one_reading_ends_them() {
        // Integers then floats, floats then text, nulls then booleans, text then numbers,
        // an integer no float holds: each column's head and tail differ in kind.
        let text = r#"{"columns": ["a", "b", "c", "d", "e"], "data": [
            [1, 1.5, null, "s", 9007199254740993], [2, null, null, "t", 1.5],
            [3.5, "x", true, 5, 2], [4, 2, false, null, 3]]}"#;
        let read = read_in_halves(text, "data").expect("read in halves");
        assert_eq!(read.num_rows, 4);
        let whole = parse_frame_text(text, "data", true).unwrap();
        assert_eq!(parse_frame_text_in_halves(text, "data", true).unwrap(), whole);
        assert_eq!(whole.str_column("b").unwrap(), vec![Some("1.5"), None, Some("x"), Some("2")]);
    }

    #[test]
    fn blanks_json_does_not_allow_and_text_after_the_object_are_read_whole() {
        // A form feed, a vertical tab and a no-break space are not JSON's blanks: one
        // reading rejects these, and so must the halves.
        for text in [
            "{\"columns\": [\"a\"], \"data\": [[1], [2], [3],\u{c}[4], [5]]}",
            "{\"columns\": [\"a\"], \"data\": [[1], [2], [3], [4]]\u{b}}",
            "{\"columns\": [\"a\"], \"data\": [[1], [2], [3], [4]]}\u{a0}",
        ] {
            assert!(parse_frame_text(text, "data", true).is_err() || text.ends_with('\u{a0}'), "{text:?}");
            assert_eq!(
                parse_frame_text_in_halves(text, "data", true),
                parse_frame_text(text, "data", true),
                "{text:?}"
            );
        }
        let trailing = r#"{"columns": ["a"], "data": [[1]]} [[2], [3], [4], [5]]}"#;
        assert!(read_in_halves(trailing, "data").is_none());
        assert_eq!(parse_frame_text_in_halves(trailing, "data", true), parse_frame_text(trailing, "data", true));
    }
}
