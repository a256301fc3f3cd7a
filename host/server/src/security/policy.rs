//! Who may call what: every route belongs to one class (public, read, write, admin), and
//! the operator's mode says which classes need a key. The classes follow chapkit's split
//! (health and info stay open) and what chap-core needs: it sends no key, so a deployment
//! it talks to can leave reads and writes open while code and deletes stay locked.

use super::keys::Scope;
use axum::http::Method;

/// Which requests need a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// No request needs a key (the default without keys; meant for loopback).
    #[default]
    Open,
    /// Only admin operations need an (admin) key: chap-core keeps working unchanged.
    AdminOnly,
    /// Every request but the public ones needs a key (the default with keys).
    Required,
}

impl AuthMode {
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Open => "open",
            AuthMode::AdminOnly => "admin-only",
            AuthMode::Required => "required",
        }
    }
}

/// The class of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `/health`, `/api/v1/info` (and `/metrics` unless the operator locks it): always
    /// open (as in chapkit).
    Public,
    /// Every other `GET`: listings, records, downloads, streams, `/api/v1/system`.
    Read,
    /// Configs, artifacts and links written; `$train`, `$predict`, `$validate`.
    Write,
    /// Components uploaded or limited; anything deleted.
    Admin,
}

impl Access {
    /// The class of `method` on `route` (the router's pattern, e.g. `/api/v1/configs/{id}`).
    pub fn of(method: &Method, route: &str) -> Self {
        match (method, route) {
            (_, "/health" | "/api/v1/info" | "/metrics") => Access::Public,
            (&Method::DELETE, _) => Access::Admin,
            (&Method::GET | &Method::HEAD, _) => Access::Read,
            (_, route) if route.starts_with("/api/v1/components") => Access::Admin,
            _ => Access::Write,
        }
    }

    /// The scope a key needs for this class under `mode`, or `None` if no key is needed.
    pub fn needs(self, mode: AuthMode) -> Option<Scope> {
        match (mode, self) {
            (_, Access::Public) | (AuthMode::Open, _) => None,
            (_, Access::Admin) => Some(Scope::Admin),
            (AuthMode::AdminOnly, _) => None,
            (AuthMode::Required, Access::Read | Access::Write) => Some(Scope::User),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_locks_what_it_says() {
        let classes = [Access::Public, Access::Read, Access::Write, Access::Admin];
        let needs = |mode| classes.map(|class| class.needs(mode));
        assert_eq!(needs(AuthMode::Open), [None, None, None, None]);
        assert_eq!(needs(AuthMode::AdminOnly), [None, None, None, Some(Scope::Admin)]);
        assert_eq!(needs(AuthMode::Required), [None, Some(Scope::User), Some(Scope::User), Some(Scope::Admin)]);
    }

    #[test]
    fn routes_fall_in_their_classes() {
        assert_eq!(Access::of(&Method::GET, "/health"), Access::Public);
        assert_eq!(Access::of(&Method::GET, "/api/v1/components/{id}/$download"), Access::Read);
        assert_eq!(Access::of(&Method::POST, "/api/v1/components"), Access::Admin);
        assert_eq!(Access::of(&Method::PUT, "/api/v1/components/{id}/limits"), Access::Admin);
        assert_eq!(Access::of(&Method::DELETE, "/api/v1/jobs/{id}"), Access::Admin);
        assert_eq!(Access::of(&Method::POST, "/api/v1/ml/$train"), Access::Write);
    }
}
