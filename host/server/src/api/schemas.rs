//! JSON Schemas of the records this API returns, as chapkit serves them at
//! `/api/v1/artifacts/$schema` and `/api/v1/jobs/$schema` (its pydantic models' schemas):
//! an artifact, and the list of job records `GET /api/v1/jobs` returns.

use serde_json::{Value, json};

/// An artifact as `GET /api/v1/artifacts/{id}` returns it.
pub fn artifact() -> Value {
    json!({
        "title": "ArtifactOut",
        "type": "object",
        "properties": {
            "id": {"type": "string", "title": "Id", "description": "ULID"},
            "parent_id": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Parent Id"},
            "level": {"type": "integer", "title": "Level", "minimum": 0},
            "data": {"title": "Data", "description": "Any JSON; ML artifacts carry a record with their provenance"},
            "tags": {"type": "array", "items": {"type": "string"}, "title": "Tags"},
            "created_at": {"type": "string", "title": "Created At"},
            "updated_at": {"type": "string", "title": "Updated At"}
        },
        "required": ["id", "level", "data", "created_at", "updated_at"]
    })
}

/// The list of job records `GET /api/v1/jobs` returns.
pub fn jobs() -> Value {
    let status = ["pending", "running", "completed", "failed", "canceling", "canceled"];
    let nullable_text = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
    json!({
        "title": "JobRecordList",
        "type": "array",
        "items": {
            "title": "JobRecord",
            "type": "object",
            "properties": {
                "id": {"type": "string", "title": "Id", "description": "ULID"},
                "status": {"type": "string", "enum": status, "title": "Status"},
                "submitted_at": {"type": "string", "title": "Submitted At"},
                "started_at": nullable_text,
                "finished_at": nullable_text,
                "error": nullable_text,
                "error_traceback": nullable_text,
                "artifact_id": nullable_text
            },
            "required": ["id", "status", "submitted_at"]
        }
    })
}
