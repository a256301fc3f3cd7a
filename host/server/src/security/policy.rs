//! Who may call what: every route belongs to one class (public, read, submit, manage,
//! admin), and the operator's mode says which classes need a key. The classes follow what
//! chap-core needs: it sends no key, so a deployment it talks to can leave open exactly
//! what chap-core does (reads, new configs, `$train`/`$predict`) while changes to others'
//! data, downloads of model bytes and code, and every admin operation stay locked.

use super::keys::Scope;
use axum::http::Method;

/// Which requests need a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// No request needs a key (the default without keys; meant for loopback).
    #[default]
    Open,
    /// What chap-core does stays open (reads, creating configs, `$train`, `$predict`,
    /// `$validate`); changing or downloading what others made needs a key, and admin
    /// operations an admin key. chap-core, which sends no key, keeps working unchanged.
    ChapCore,
    /// Every request but the public ones needs a key (the default with keys).
    Required,
}

impl AuthMode {
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Open => "open",
            AuthMode::ChapCore => "chap-core",
            AuthMode::Required => "required",
        }
    }
}

/// The class of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `/health`, `/api/v1/info`: always open (chap-core probes them); and what a browser
    /// needs to read the API (`/`, `/openapi.json`, Swagger UI under `/docs`).
    Public,
    /// `GET`s other than downloads: listings, records, schemas, streams, `/metrics`.
    Read,
    /// What chap-core sends: a new config, `$train`, `$predict`, `$validate`.
    Submit,
    /// Changes to existing configs and artifacts, links, client-made artifacts, and the
    /// downloads of model bytes and component code.
    Manage,
    /// Components uploaded or limited; anything deleted.
    Admin,
}

impl Access {
    /// The class of `method` on `route` (the router's pattern, e.g. `/api/v1/configs/{id}`).
    pub fn of(method: &Method, route: &str) -> Self {
        let read = method == Method::GET || method == Method::HEAD;
        match route {
            "/health" | "/api/v1/info" => Access::Public,
            // What a browser needs to read the API: the document and Swagger UI.
            "/" | "/openapi.json" | "/docs" | "/docs/" | "/docs/{*rest}" => Access::Public,
            _ if method == Method::DELETE => Access::Admin,
            "/api/v1/artifacts/{id}/$download" | "/api/v1/components/{id}/$download" => Access::Manage,
            _ if read => Access::Read,
            "/api/v1/configs" | "/api/v1/ml/$train" | "/api/v1/ml/$predict" | "/api/v1/ml/$validate" => Access::Submit,
            _ if route.starts_with("/api/v1/components") => Access::Admin,
            _ => Access::Manage,
        }
    }

    /// The scope a key needs for this class under `mode`, or `None` if no key is needed.
    pub fn needs(self, mode: AuthMode) -> Option<Scope> {
        match (mode, self) {
            (_, Access::Public) | (AuthMode::Open, _) => None,
            (_, Access::Admin) => Some(Scope::Admin),
            (AuthMode::ChapCore, Access::Read | Access::Submit) => None,
            (AuthMode::ChapCore | AuthMode::Required, _) => Some(Scope::User),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_locks_what_it_says() {
        let classes = [Access::Public, Access::Read, Access::Submit, Access::Manage, Access::Admin];
        let needs = |mode| classes.map(|class| class.needs(mode));
        let (user, admin) = (Some(Scope::User), Some(Scope::Admin));
        assert_eq!(needs(AuthMode::Open), [None, None, None, None, None]);
        assert_eq!(needs(AuthMode::ChapCore), [None, None, None, user, admin]);
        assert_eq!(needs(AuthMode::Required), [None, user, user, user, admin]);
    }

    #[test]
    fn routes_fall_in_their_classes() {
        assert_eq!(Access::of(&Method::GET, "/health"), Access::Public);
        assert_eq!(Access::of(&Method::GET, "/docs/{*rest}"), Access::Public);
        assert_eq!(Access::of(&Method::GET, "/openapi.json"), Access::Public);
        assert_eq!(Access::of(&Method::GET, "/api/v1/components/{id}/$download"), Access::Manage);
        assert_eq!(Access::of(&Method::GET, "/api/v1/components/{id}"), Access::Read);
        assert_eq!(Access::of(&Method::PUT, "/api/v1/configs/{id}"), Access::Manage);
        assert_eq!(Access::of(&Method::POST, "/api/v1/configs"), Access::Submit);
        assert_eq!(Access::of(&Method::POST, "/api/v1/components"), Access::Admin);
        assert_eq!(Access::of(&Method::PUT, "/api/v1/components/{id}/limits"), Access::Admin);
        assert_eq!(Access::of(&Method::DELETE, "/api/v1/jobs/{id}"), Access::Admin);
        assert_eq!(Access::of(&Method::POST, "/api/v1/ml/$train"), Access::Submit);
    }
}
