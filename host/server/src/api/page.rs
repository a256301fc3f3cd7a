//! chapkit's opt-in pagination: both `page` (≥ 1) and `size` (1..=100) turn a plain list
//! into `{items, total, page, size, pages}`; one of them alone is ignored.

use super::ApiError;
use super::wire::{self, Listing};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// The page, from 1 (with `size`).
    page: Option<i64>,
    /// Items per page, 1 to 100 (with `page`).
    size: Option<i64>,
}

impl Page {
    /// `(page, size)` when both were given and are in range.
    pub fn requested(&self) -> Result<Option<(i64, i64)>, ApiError> {
        let (Some(page), Some(size)) = (self.page, self.size) else { return Ok(None) };
        if page < 1 || !(1..=100).contains(&size) {
            return Err(ApiError::validation(&["query", "page"], "page must be ≥ 1 and size between 1 and 100"));
        }
        if (page - 1).checked_mul(size).is_none() {
            return Err(ApiError::validation(&["query", "page"], format!("page must be at most {}", i64::MAX / size)));
        }
        Ok(Some((page, size)))
    }

    /// The `(offset, limit)` of a requested page (checked by `requested`).
    pub fn window((page, size): (i64, i64)) -> (i64, i64) {
        ((page - 1) * size, size)
    }

    pub fn render<T: ToSchema>(items: Vec<T>, total: i64, page: i64, size: i64) -> Listing<T> {
        Listing::Page(wire::Page { items, total, page, size, pages: (total + size - 1) / size })
    }
}

/// Property tests, bounded: any `page` and `size` give a page or a 422, and an accepted
/// page's window never overflows.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_page_is_a_window_or_a_422(page in any::<i64>(), size in any::<i64>()) {
            if let Ok(Some(requested)) = (Page { page: Some(page), size: Some(size) }).requested() {
                let (offset, limit) = Page::window(requested);
                prop_assert!(offset >= 0 && (1..=100).contains(&limit));
            }
        }
    }
}
