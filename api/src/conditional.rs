//! `ETag` and `If-Match`: a resource's version as a strong entity tag (`"3"`), and a client's
//! condition on it, which the use case checks under the resource's lock.

use actix_web::http::header::{ETag, EntityTag, Header, IfMatch};
use actix_web::{HttpRequest, HttpResponse};
use domain::{Precondition, Version};
use serde::Serialize;

use crate::error::ApiError;

/// The `ETag` header of a resource at `version`.
pub fn etag(version: Version) -> ETag {
    ETag(EntityTag::new_strong(version.0.to_string()))
}

/// The `If-Match` parameter's description in the API document.
pub const IF_MATCH_DOC: &str = "Applies only if the resource is still at one of these \
    versions (`ETag`s); otherwise 412 `precondition_failed` and nothing changes. `*` or none: \
    no condition.";

/// A 200 answer with the resource at `version` as its body and `ETag`.
pub fn answer(version: Version, body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok().insert_header(etag(version)).json(body)
}

/// The request's `If-Match`: none or `*` is no condition; a list names the versions the
/// change may apply to. A weak tag, one this server never made, or an item that is no entity
/// tag at all names none (If-Match compares strongly), so a change conditioned only on such
/// tags is refused with 412. Only a value that is not visible ASCII is a 400.
pub fn precondition(req: &HttpRequest) -> Result<Precondition, ApiError> {
    if !req.headers().contains_key(IfMatch::name()) {
        return Ok(Precondition::None);
    }
    let if_match = IfMatch::parse(req)
        .map_err(|_| ApiError::BadRequest("If-Match: not visible ASCII".into()))?;
    Ok(match if_match {
        IfMatch::Any => Precondition::None,
        IfMatch::Items(tags) => Precondition::OneOf(
            tags.iter()
                .filter(|tag| !tag.weak)
                .filter_map(|tag| tag.tag().parse().ok().map(Version))
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn with(if_match: &str) -> Result<Precondition, ApiError> {
        precondition(
            &TestRequest::default()
                .insert_header(("If-Match", if_match))
                .to_http_request(),
        )
    }

    #[test]
    fn if_match_names_the_versions_a_change_may_apply_to() {
        let none = precondition(&TestRequest::default().to_http_request());
        assert_eq!(none.unwrap(), Precondition::None);
        assert_eq!(with("*").unwrap(), Precondition::None);
        assert_eq!(
            with(r#""3", "4""#).unwrap(),
            Precondition::OneOf(vec![Version(3), Version(4)])
        );
        assert_eq!(
            with(r#"W/"3", "x", 3"#).unwrap(),
            Precondition::OneOf(Vec::new()),
            "weak, foreign and unquoted tags match nothing"
        );
    }

    #[test]
    fn the_etag_is_the_version_as_a_strong_tag() {
        assert_eq!(etag(Version(7)).to_string(), r#""7""#);
    }
}
