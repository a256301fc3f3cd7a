//! The top-level fields of a JSON object body, found without reading inside their values.
//! A `$train` body is mostly one frame: capturing it as a `RawValue` made serde_json walk
//! all of it (every number checked digit by digit) only for the frame parser to read it
//! again, a second pass over megabytes. This walk looks at brackets and strings only, so
//! a value's text is known for a fraction of that; every value is still read in full by
//! serde_json afterwards (the frames by their parser, the other fields as JSON values),
//! which is where malformed JSON inside a value is refused.

/// Why a body could not be split: the caller asks serde_json for its own message.
#[derive(Debug, PartialEq)]
pub struct NotAnObject;

/// The fields of the object that `text` holds, in order: each key (unescaped) with its
/// value's text, exactly as sent. Refuses anything that is not one object with balanced
/// brackets and closed strings, and anything after it but whitespace.
pub fn fields(text: &str) -> Result<Vec<(String, &str)>, NotAnObject> {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, 0);
    expect(bytes, &mut at, b'{')?;
    let mut fields = Vec::new();
    at = skip_space(bytes, at);
    if bytes.get(at) == Some(&b'}') {
        return finish(bytes, at + 1, fields);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return Err(NotAnObject);
        }
        let key_end = string_end(bytes, at)?;
        let key = serde_json::from_str::<String>(&text[at..key_end]).map_err(|_| NotAnObject)?;
        at = skip_space(bytes, key_end);
        expect(bytes, &mut at, b':')?;
        at = skip_space(bytes, at);
        let value_end = value_end(bytes, at)?;
        fields.push((key, &text[at..value_end]));
        at = skip_space(bytes, value_end);
        match bytes.get(at) {
            Some(b',') => at = skip_space(bytes, at + 1),
            Some(b'}') => return finish(bytes, at + 1, fields),
            _ => return Err(NotAnObject),
        }
    }
}

fn finish<'t>(bytes: &[u8], at: usize, fields: Vec<(String, &'t str)>) -> Result<Vec<(String, &'t str)>, NotAnObject> {
    if skip_space(bytes, at) == bytes.len() { Ok(fields) } else { Err(NotAnObject) }
}

fn expect(bytes: &[u8], at: &mut usize, byte: u8) -> Result<(), NotAnObject> {
    if bytes.get(*at) != Some(&byte) {
        return Err(NotAnObject);
    }
    *at += 1;
    Ok(())
}

/// JSON's whitespace.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// Just past the closing quote of the string opening at `at`.
fn string_end(bytes: &[u8], at: usize) -> Result<usize, NotAnObject> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(NotAnObject)
}

/// Just past the value starting at `at`: a string, a bracketed value (brackets counted,
/// strings skipped, no recursion), or a scalar up to the next delimiter.
fn value_end(bytes: &[u8], at: usize) -> Result<usize, NotAnObject> {
    match bytes.get(at) {
        None => Err(NotAnObject),
        Some(b'"') => string_end(bytes, at),
        Some(b'[' | b'{') => {
            let (mut depth, mut i) = (0usize, at);
            while i < bytes.len() {
                i = skip_plain(bytes, i);
                let Some(&byte) = bytes.get(i) else { break };
                match byte {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err(NotAnObject)
        }
        Some(_) => {
            let len = bytes[at..].iter().position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'));
            match len {
                Some(0) => Err(NotAnObject),
                Some(len) => Ok(at + len),
                None => Err(NotAnObject), // the object never closes
            }
        }
    }
}

/// The first index from `at` that may hold a quote or a bracket: eight bytes at a time
/// (a frame's text is mostly digits, commas and dots), the last few one by one.
fn skip_plain(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether any byte of `word` is zero (exact: no byte is reported that is not).
    let any_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let splat = |byte: u8| u64::from_ne_bytes([byte; 8]);
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_ne_bytes(chunk.try_into().expect("eight bytes"));
        // `[` and `{` differ in bit 5 only, as do `]` and `}`: setting it makes each pair one.
        let folded = word | splat(0x20);
        if any_zero(word ^ splat(b'"')) || any_zero(folded ^ splat(b'{')) || any_zero(folded ^ splat(b'}')) {
            break;
        }
        at += 8;
    }
    while bytes.get(at).is_some_and(|b| !matches!(b, b'"' | b'[' | b']' | b'{' | b'}')) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;
    use serde_json::value::RawValue;

    /// What serde_json finds: the same keys with the same value texts.
    fn by_serde(text: &str) -> Option<Vec<(String, String)>> {
        let map: serde_json::Map<String, Value> = serde_json::from_str(text).ok()?;
        let raw: std::collections::HashMap<String, &RawValue> = serde_json::from_str(text).ok()?;
        Some(map.keys().map(|k| (k.clone(), raw[k].get().to_owned())).collect())
    }

    fn sorted(fields: Vec<(String, &str)>) -> Vec<(String, String)> {
        let mut fields: Vec<_> = fields.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
        fields.sort();
        fields
    }

    #[test]
    fn strings_with_brackets_quotes_and_escapes_do_not_end_a_value() {
        let text = r#" { "a\"b" : ["x]}\"\\", {"c": "}"}] , "n":-1.5e3,"t":true ,"s":"é\u00e9"}  "#;
        let fields = fields(text).unwrap();
        assert_eq!(
            fields,
            [
                ("a\"b".to_owned(), r#"["x]}\"\\", {"c": "}"}]"#),
                ("n".to_owned(), "-1.5e3"),
                ("t".to_owned(), "true"),
                ("s".to_owned(), r#""é\u00e9""#),
            ]
        );
    }

    #[test]
    fn anything_but_one_closed_object_is_refused() {
        for text in [
            "",
            "[]",
            "\"a\"",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":1} x",
            "{\"a\":[1}",
            "{\"a\":\"x}",
            "{\"a\":1 2}",
            "{a:1}",
            "{\"a\":[1]]}",
        ] {
            assert_eq!(fields(text), Err(NotAnObject), "{text:?}");
        }
        assert_eq!(fields(" {} ").unwrap(), []);
    }

    /// JSON values of a few levels, as text (serde_json writes them: every escape it uses).
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            ".{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(".{0,6}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn the_word_at_a_time_skip_stops_at_every_quote_and_bracket() {
        let text = "0123456789,.-+eE\t\n abcdefghijklmnopqrstuvwxyz0123456789";
        for special in ["\"", "[", "]", "{", "}"] {
            for at in 0..text.len() {
                let probe = format!("{}{special}{}", &text[..at], &text[at..]);
                assert_eq!(skip_plain(probe.as_bytes(), 0), at, "{probe:?}");
            }
        }
        assert_eq!(skip_plain(text.as_bytes(), 0), text.len());
        // Bytes one bit away from a quote or a bracket (`\`, `|`, `^`, `~`...) are plain.
        assert_eq!(skip_plain(b";=\\|~^_`aaaaaaaaaaaaaa", 0), 22);
    }

    proptest! {
        #[test]
        fn finds_what_serde_json_finds(object in prop::collection::btree_map(".{0,8}", json_value(), 0..6), pretty in any::<bool>()) {
            let value = Value::Object(object.into_iter().collect());
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            prop_assert_eq!(Some(sorted(fields(&text).unwrap())), by_serde(&text));
        }

        /// An opening brace, then JSON's structural characters: most are refused, some split; a
        /// split whose values are all JSON is a body serde_json reads too.
        #[test]
        fn any_text_is_split_or_refused_and_a_split_is_json(text in r#"\{[{}\[\]",:\\ 1a\t\n]{0,48}"#) {
            if let Ok(found) = fields(&text) {
                prop_assert!(found.iter().all(|(_, value)| !value.is_empty()));
                let mut keys: Vec<&String> = found.iter().map(|(key, _)| key).collect();
                keys.sort();
                keys.dedup();
                let values_are_json = found.iter().all(|(_, value)| serde_json::from_str::<Value>(value).is_ok());
                if values_are_json && keys.len() == found.len() {
                    prop_assert!(by_serde(&text).is_some(), "{text:?}");
                }
            }
        }
    }
}
