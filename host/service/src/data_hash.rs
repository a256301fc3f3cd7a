//! A job's `data_sha256`: the SHA-256 of the frames it runs on, as stored
//! (`frame_codec`), so that the same rows give the same hash whichever way they came in.
//!
//! A job started at the door (see `door`) has its frames hashed at submission, on a thread
//! beside the one encoding its inputs, and carries the digest to its run: the encoding
//! and the hash of a 100k-row frame each take milliseconds, and the guest, which needs the
//! frames to itself, could otherwise only start once both had run one after the other.
//! Every other job hashes its frames when it runs. The hashing thread encodes the frames
//! again, for its own pieces, rather than hash the stored bytes: those exist only once the
//! encoding ends, and waiting for them would put the hash back on the job's path.

use super::submit::{AcceptedJob, JobRequest};
use chapwasm_frames::codec as frame_codec;
use chapwasm_sdk::DataFrame;

impl JobRequest {
    /// The job's `data_sha256` ([`train_data_sha256`] or [`predict_data_sha256`]).
    pub(super) fn data_sha256(&self) -> String {
        match self {
            JobRequest::Train { data, .. } => train_data_sha256(data),
            JobRequest::Predict { historic, future, .. } => predict_data_sha256(historic, future),
        }
    }
}

/// A train's `data_sha256`: its data frame's.
pub(super) fn train_data_sha256(data: &DataFrame) -> String {
    frames_sha256(&[data])
}

/// A predict's `data_sha256`: its historic and future frames', in that order.
pub(super) fn predict_data_sha256(historic: &DataFrame, future: &DataFrame) -> String {
    frames_sha256(&[historic, future])
}

impl AcceptedJob {
    /// The bytes stored in the job's row and, worked out on a second thread meanwhile, the
    /// data's hash (`None` if the OS refused the thread: the run hashes the frames then).
    pub(super) fn encode_and_hash(&self) -> (Vec<u8>, Option<String>) {
        std::thread::scope(|scope| {
            let hashing = std::thread::Builder::new()
                .name("chapwasm-hash".into())
                .spawn_scoped(scope, || self.request.data_sha256());
            let inputs = self.encode();
            let digest = hashing.ok().and_then(|thread| thread.join().ok());
            (inputs, digest)
        })
    }
}

/// Hex SHA-256 of the concatenated parts, each prefixed by its length (so the parts'
/// boundaries count).
pub(super) fn sha256_hex(parts: &[&[u8]]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex(hasher)
}

/// [`sha256_hex`] of the frames' stored bytes (`frame_codec`), fed to the hash in pieces
/// rather than built whole (the same digest).
fn frames_sha256(frames: &[&DataFrame]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for frame in frames {
        hasher.update((frame_codec::encoded_len(frame) as u64).to_le_bytes());
        frame_codec::encode_into(frame, &mut |bytes| hasher.update(bytes));
    }
    hex(hasher)
}

fn hex(hasher: sha2::Sha256) -> String {
    use sha2::Digest;
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Generation, Pinned};
    use chapwasm_sdk::{Column, Values};

    fn frame(scale: f64) -> DataFrame {
        let values = (0..30_000).map(|i| i as f64 * scale).collect();
        DataFrame::from_columns(vec![Column::new("x", Values::F64(values))]).unwrap()
    }

    #[test]
    fn frames_hash_as_their_stored_bytes_did() {
        let (historic, future) = (frame(1.0), frame(0.5));
        let whole = sha256_hex(&[&frame_codec::encode(&historic), &frame_codec::encode(&future)]);
        assert_eq!(frames_sha256(&[&historic, &future]), whole);
        assert_ne!(frames_sha256(&[&future, &historic]), whole);
    }

    #[test]
    fn the_hash_beside_the_encoding_is_the_one_a_run_works_out() {
        let request = JobRequest::Predict {
            model_artifact_id: "m".into(),
            historic: frame(1.0),
            future: frame(0.5),
            geo: None,
            generation: Generation::Chapkit,
            prediction_periods: None,
        };
        let accepted = AcceptedJob {
            request,
            pinned: Pinned { config_data: "{}".into(), component_sha256: "c".into() },
            data_sha256: None,
        };
        let (inputs, digest) = accepted.encode_and_hash();
        assert_eq!(inputs, accepted.encode());
        let stored = AcceptedJob::decode(&inputs).unwrap();
        assert_eq!(digest.as_deref(), Some(stored.request.data_sha256().as_str()));
        assert_eq!(digest, Some(predict_data_sha256(&frame(1.0), &frame(0.5))), "historic, then future");
    }

    #[test]
    fn a_digest_carried_with_a_job_is_not_stored() {
        let request = JobRequest::Train {
            config_id: "c".into(),
            data: frame(1.0),
            geo: None,
            generation: Generation::Spec,
            prediction_periods: Some(3),
        };
        let pinned = Pinned { config_data: "{}".into(), component_sha256: "c".into() };
        // The layout of rows written before the digest was carried: request, then pinned.
        let earlier = postcard::to_allocvec(&(&request, &pinned)).unwrap();
        let accepted = AcceptedJob { request, pinned, data_sha256: Some("f".repeat(64)) };
        assert_eq!(accepted.encode(), earlier);
        let read_back = AcceptedJob::decode(&earlier).unwrap();
        assert_eq!(read_back.data_sha256, None);
        assert_eq!(read_back.request.data_sha256(), train_data_sha256(&frame(1.0)));
    }
}
