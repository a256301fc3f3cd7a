//! A compact binary form of a `DataFrame` for what the host stores and reads back itself
//! (job inputs): typed columns as postcard, so a 100k-row frame is written and read in a
//! few milliseconds instead of being printed and re-parsed as JSON. Decoding re-checks the
//! frame's invariants (equal lengths, unique names), as it would for any outside input.

use chapwasm_sdk::{Column, DataFrame, Values};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize)]
struct FrameRef<'a> {
    num_rows: u64,
    columns: Vec<ColumnRef<'a>>,
}

#[derive(Serialize)]
struct ColumnRef<'a> {
    name: &'a str,
    values: ValuesRef<'a>,
    validity: Option<&'a [bool]>,
}

#[derive(Serialize)]
enum ValuesRef<'a> {
    F64(&'a [f64]),
    I64(&'a [i64]),
    Str(&'a [String]),
    Bool(&'a [bool]),
}

#[derive(Deserialize)]
struct FrameOwned {
    num_rows: u64,
    columns: Vec<ColumnOwned>,
}

#[derive(Deserialize)]
struct ColumnOwned {
    name: String,
    values: ValuesOwned,
    validity: Option<Vec<bool>>,
}

#[derive(Deserialize)]
enum ValuesOwned {
    F64(Vec<f64>),
    I64(Vec<i64>),
    Str(Vec<String>),
    Bool(Vec<bool>),
}

fn borrowed(frame: &DataFrame) -> FrameRef<'_> {
    let columns = frame
        .columns()
        .iter()
        .map(|column| ColumnRef {
            name: column.name(),
            values: match column.values() {
                Values::F64(v) => ValuesRef::F64(v),
                Values::I64(v) => ValuesRef::I64(v),
                Values::Str(v) => ValuesRef::Str(v),
                Values::Bool(v) => ValuesRef::Bool(v),
            },
            validity: column.validity(),
        })
        .collect();
    FrameRef { num_rows: frame.num_rows() as u64, columns }
}

fn owned(frame: FrameOwned) -> Result<DataFrame, String> {
    let mut out = DataFrame::with_rows(frame.num_rows as usize);
    for column in frame.columns {
        let values = match column.values {
            ValuesOwned::F64(v) => Values::F64(v),
            ValuesOwned::I64(v) => Values::I64(v),
            ValuesOwned::Str(v) => Values::Str(v),
            ValuesOwned::Bool(v) => Values::Bool(v),
        };
        let column = match column.validity {
            Some(validity) => Column::with_validity(column.name, values, validity).map_err(|e| e.message)?,
            None => Column::new(column.name, values),
        };
        if out.has_column(column.name()) {
            return Err(format!("duplicate column `{}`", column.name()));
        }
        out.set_column(column).map_err(|e| e.message)?;
    }
    Ok(out)
}

/// The frame's bytes (also what its provenance hash is computed over).
pub fn encode(frame: &DataFrame) -> Vec<u8> {
    postcard::to_allocvec(&borrowed(frame)).expect("a frame encodes")
}

/// The length of the frame's bytes, without building them.
pub fn encoded_len(frame: &DataFrame) -> usize {
    postcard::experimental::serialized_size(&borrowed(frame)).expect("a frame encodes")
}

/// Feeds the frame's bytes (exactly those of [`encode`]) to `sink` in pieces (64 KiB
/// ones, and any single value longer than that whole), without building them whole: a
/// provenance hash of a 100k-row frame needs no second copy of it.
pub fn encode_into(frame: &DataFrame, sink: &mut dyn FnMut(&[u8])) {
    let chunks = Chunks { buffer: Vec::with_capacity(CHUNK_BYTES), sink };
    postcard::serialize_with_flavor(&borrowed(frame), chunks).expect("a frame encodes");
}

const CHUNK_BYTES: usize = 64 << 10;

/// A postcard output that hands its bytes on a chunk at a time.
struct Chunks<'a> {
    buffer: Vec<u8>,
    sink: &'a mut dyn FnMut(&[u8]),
}

impl postcard::ser_flavors::Flavor for Chunks<'_> {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        if self.buffer.len() + data.len() > CHUNK_BYTES {
            (self.sink)(&self.buffer);
            self.buffer.clear();
        }
        if data.len() > CHUNK_BYTES {
            (self.sink)(data);
        } else {
            self.buffer.extend_from_slice(data);
        }
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.try_extend(&[data])
    }

    fn finalize(mut self) -> postcard::Result<()> {
        (self.sink)(&self.buffer);
        self.buffer.clear();
        Ok(())
    }
}

/// A frame from bytes written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<DataFrame, String> {
    owned(postcard::from_bytes(bytes).map_err(|e| format!("undecodable frame: {e}"))?)
}

/// `#[serde(with = "frame_codec::field")]` for `DataFrame` fields of stored records.
pub mod field {
    use super::*;

    pub fn serialize<S: Serializer>(frame: &DataFrame, serializer: S) -> Result<S::Ok, S::Error> {
        borrowed(frame).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DataFrame, D::Error> {
        owned(FrameOwned::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_fed_in_pieces_are_the_encoded_bytes() {
        let rows = 20_000;
        let frame = DataFrame::from_columns(vec![
            Column::f64_opt("rain", (0..rows).map(|i| (i % 7 != 0).then_some(i as f64 / 3.0)).collect()),
            Column::new("location", Values::Str((0..rows).map(|i| format!("loc-{}", i % 13)).collect())),
        ])
        .unwrap();
        let whole = encode(&frame);
        assert!(whole.len() > 3 * CHUNK_BYTES, "spans several chunks");
        let mut fed = Vec::new();
        let mut pieces = 0;
        encode_into(&frame, &mut |bytes| {
            assert!(bytes.len() <= CHUNK_BYTES);
            fed.extend_from_slice(bytes);
            pieces += 1;
        });
        assert_eq!(fed, whole);
        assert!(pieces > 3);
        assert_eq!(encoded_len(&frame), whole.len());
    }

    #[test]
    fn frames_round_trip_with_types_and_nulls() {
        let frame = DataFrame::from_columns(vec![
            Column::f64_opt("rain", vec![Some(1.5), None]),
            Column::i64("cases", vec![3, 4]),
            Column::str("location", vec!["a".into(), "b".into()]),
            Column::new("flag", Values::Bool(vec![true, false])),
        ])
        .unwrap();
        assert_eq!(decode(&encode(&frame)).unwrap(), frame);
        assert_eq!(decode(&encode(&DataFrame::with_rows(7))).unwrap().num_rows(), 7);
    }

    #[test]
    fn corrupt_bytes_are_an_error_not_a_panic() {
        let bytes = encode(&DataFrame::from_columns(vec![Column::i64("a", vec![1, 2])]).unwrap());
        assert!(decode(&bytes[..bytes.len() - 3]).is_err());
        assert!(decode(b"\xff\xff\xff").is_err());
    }
}
