//! Pagination: `?page=` (1-based, default 1) and `?per_page=` (1..=200, default 50), and the
//! `{items, page, per_page, total}` envelope of every collection.

use domain::queries::{PageRequest, Paged};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const DEFAULT_PER_PAGE: u64 = 50;
pub const MAX_PER_PAGE: u64 = 200;

/// Checks the query's paging values: out of range is a 400, like any bad query value.
pub fn page_request(page: Option<u64>, per_page: Option<u64>) -> Result<PageRequest, ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    // The document types both as int64, and the database's OFFSET is a signed 64-bit number.
    if !(1..=i64::MAX as u64).contains(&page) {
        return Err(ApiError::BadRequest(format!(
            "page: must be between 1 and {}",
            i64::MAX
        )));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ApiError::BadRequest(format!(
            "per_page: must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    Ok(PageRequest { page, per_page })
}

/// One page of a collection. A page past the end has no items.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
    /// Items across all pages.
    pub total: u64,
}

impl<T: ToSchema> Page<T> {
    pub fn of<S>(paged: Paged<S>, request: PageRequest, convert: impl FnMut(S) -> T) -> Self {
        Self {
            items: paged.items.into_iter().map(convert).collect(),
            page: request.page,
            per_page: request.per_page,
            total: paged.total,
        }
    }
}

/// Deserializes a field that may be absent (`None`), null (`Some(None)`) or set: what a
/// PATCH needs to tell "leave alone" from "clear". Use with `#[serde(default)]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(
            page_request(None, None).unwrap(),
            PageRequest {
                page: 1,
                per_page: 50
            }
        );
        assert!(page_request(Some(0), None).is_err());
        assert!(page_request(Some(i64::MAX as u64 + 1), None).is_err());
        assert!(page_request(Some(i64::MAX as u64), Some(200)).is_ok());
        assert!(page_request(None, Some(0)).is_err());
        assert!(page_request(None, Some(201)).is_err());
        assert_eq!(
            page_request(Some(9), Some(200)).unwrap(),
            PageRequest {
                page: 9,
                per_page: 200
            }
        );
    }
}
