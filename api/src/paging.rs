//! Pagination: `?page=` (1-based, default 1) and `?per_page=` (1..=200, default 50), and the
//! `{items, page, per_page, total}` envelope of every collection.

use domain::queries::PageRequest;

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
    Ok(PageRequest::page(page, per_page))
}

/// Declares `$page`, one page of `$item`s: the `{items, page, per_page, total}` envelope of
/// a collection, and `$page::of` to build it from the store's `Paged` rows.
///
/// One named type per collection rather than a generic `Page<T>`: utoipa writes a type
/// parameter's schema inline, so a generic page would give every listed item a copy of its
/// schema and a client generator two types for one record. Here `items` refers to `$item`'s
/// schema by `$ref`, so a listed user and a fetched user are one generated type.
macro_rules! page {
    ($page:ident of $item:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub items: Vec<$item>,
            /// 1-based.
            pub page: u64,
            pub per_page: u64,
            /// Items across all pages.
            pub total: u64,
        }

        impl $page {
            pub fn of<S>(
                paged: domain::queries::Paged<S>,
                request: domain::queries::PageRequest,
                convert: impl FnMut(S) -> $item,
            ) -> Self {
                Self {
                    items: paged.items.into_iter().map(convert).collect(),
                    page: request.number(),
                    per_page: request.per_page,
                    total: paged.total,
                }
            }
        }
    };
}
pub(crate) use page;

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
        assert_eq!(page_request(None, None).unwrap(), PageRequest::page(1, 50));
        assert!(page_request(Some(0), None).is_err());
        assert!(page_request(Some(i64::MAX as u64 + 1), None).is_err());
        assert!(page_request(Some(i64::MAX as u64), Some(200)).is_ok());
        assert!(page_request(None, Some(0)).is_err());
        assert!(page_request(None, Some(201)).is_err());
        assert_eq!(
            page_request(Some(9), Some(200)).unwrap(),
            PageRequest::page(9, 200)
        );
    }
}
