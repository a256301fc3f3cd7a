//! The errors an operation can answer, as OpenAPI responses: every one is the same
//! problem+json document (`Problem`), so each set here only names statuses and why.

use std::collections::BTreeMap;
use utoipa::IntoResponses;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

fn problem(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    ResponseBuilder::new().description(description).content("application/problem+json", content).build().into()
}

fn responses(statuses: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    statuses.iter().map(|(status, description)| (status.to_string(), problem(description))).collect()
}

/// What any operation may answer: the access guard's refusals, a malformed request, the
/// request deadline, a full server, a database failure.
pub struct Common;

impl IntoResponses for Common {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = CommonButFull::responses();
        all.extend(responses(&[(503, "The server is full (queue, streams or uploads): see `Retry-After`")]));
        all
    }
}

/// `Common` but the 503, for an operation that answers 503 with a body of its own.
pub struct CommonButFull;

impl IntoResponses for CommonButFull {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            (400, "Bad request: an id that is not a ULID, or a request that cannot be done as asked"),
            (401, "No API key, or not one of ours (modes `chap-core` and `required`)"),
            (403, "The key's scope does not cover this operation"),
            (408, "The request took longer than the server's deadline"),
            (422, "Validation failed: `errors` names each field at fault"),
            (429, "Rate limit exceeded: see `Retry-After`"),
            (500, "The server failed (a database error); nothing was changed"),
        ])
    }
}

/// An operation on one record, named by its ULID.
pub struct ById;

impl IntoResponses for ById {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[(404, "No record has this id")])
    }
}

/// An operation whose effect can clash with what exists.
pub struct Conflicts;

impl IntoResponses for Conflicts {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[(409, "Conflicts with what exists (see `detail`)")])
    }
}

/// An operation taking a body, which may be larger than the server takes.
pub struct WithBody;

impl IntoResponses for WithBody {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[(413, "The body is larger than the server's limit (`--body-limit-mib`)")])
    }
}
