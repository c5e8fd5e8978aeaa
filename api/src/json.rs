//! `ApiJson<T>`: actix's `Json` with the contract's errors. It refuses a body that is not
//! declared as JSON (415) or is over the limit (413), and names the offending field of a
//! malformed body in a 400 (`admin.email: invalid type: integer, expected a string`), which
//! actix's own extractor cannot do.

use std::fmt;
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

/// The largest body a request may carry, in bytes (app data; 1 MiB when absent).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map_or(DEFAULT_BODY_LIMIT, |limit| limit.0);
        let declared_json = matches!(
            req.mime_type(),
            Ok(Some(mime)) if mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")
        );
        let declared_length = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !declared_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared_length.is_some_and(|length| length > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|err| ApiError::BadRequest(format!("unreadable body: {err}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(ApiJson)
        })
    }
}

/// Deserializes a JSON body, turning serde's error into a 400 whose detail names the field.
/// The body must be a JSON object (see [`Object`]).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer)
        .map(|Object(value)| value)
        .map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let reason = strip_position(&inner.to_string());
            let detail = if inner.is_syntax() || inner.is_eof() {
                format!("the body is not valid JSON: {reason}")
            } else if path == "." {
                reason
            } else {
                format!("{path}: {reason}")
            };
            ApiError::BadRequest(detail)
        })
}

/// A struct that must come as a JSON object. serde's derived `Deserialize` also reads a
/// struct from an array of its field values (`[null, null]`), which no client means and the
/// OpenAPI document does not allow; asking for a map refuses arrays with a 400. The fields
/// are still read through the caller's deserializer, so error paths stay intact.
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
        }

        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

/// `#[serde(deserialize_with = "object")]` for a nested struct field (see [`Object`]).
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    Object::deserialize(deserializer).map(|Object(value)| value)
}

/// [`object`] for a list of structs.
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Vec::<Object<T>>::deserialize(deserializer)
        .map(|items| items.into_iter().map(|Object(value)| value).collect())
}

/// A PATCH field that cannot be cleared: absent is `None` (left alone), a value is `Some`,
/// and `null` is refused as a wrong type (400) rather than ignored, as the document types
/// it without `null`. Use with `#[serde(default)]`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// [`present`] for a nested struct (see [`object`]).
pub fn present_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    object(deserializer).map(Some)
}

/// serde_json ends its messages with " at line 1 column 17", which means nothing to a client
/// that sent a one-line body; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// `#[serde(deserialize_with = "whole")]` for an integer field. The document types it
/// `integer`, and JSON Schema counts `474.0` as one; serde's `i64` refuses every float. A
/// float with a fraction, or outside `i64`, is still a 400.
pub fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct WholeVisitor;

    impl Visitor<'_> for WholeVisitor {
        type Value = i64;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("an integer")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
            i64::try_from(value)
                .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<i64, E> {
            // 2^63 is exactly representable; everything below it that is whole fits an i64.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if value.fract() == 0.0 && (-LIMIT..LIMIT).contains(&value) {
                Ok(value as i64)
            } else {
                Err(E::invalid_value(de::Unexpected::Float(value), &self))
            }
        }
    }

    deserializer.deserialize_any(WholeVisitor)
}

/// [`present`] for an integer (see [`whole`]).
pub fn present_whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    whole(deserializer).map(Some)
}

/// [`whole`] for an optional integer: absent or `null` is `None`. Use with `#[serde(default)]`.
pub fn optional_whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole")] i64);

    Option::<Whole>::deserialize(deserializer).map(|value| value.map(|Whole(value)| value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        admin: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        email: String,
    }

    fn detail(body: &str) -> String {
        match parse::<Outer>(body.as_bytes()) {
            Err(ApiError::BadRequest(detail)) => detail,
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            detail(r#"{"name":"a","admin":{"email":5}}"#),
            "admin.email: invalid type: integer `5`, expected a string"
        );
        assert!(detail(r#"{"name":"a"}"#).contains("missing field `admin`"));
        let unknown = detail(r#"{"name":"a","admin":{"email":"x","role":1}}"#);
        assert!(unknown.contains("unknown field `role`"), "{unknown}");
        assert!(detail("{").starts_with("the body is not valid JSON"));
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        name: String,
        #[serde(deserialize_with = "object")]
        admin: Inner,
    }

    #[derive(Debug, Deserialize)]
    struct Counts {
        #[serde(deserialize_with = "whole")]
        count: i64,
        #[serde(default, deserialize_with = "optional_whole")]
        cap: Option<i64>,
    }

    #[test]
    fn integers_may_be_written_as_whole_floats() {
        let counts = |body: &str| parse::<Counts>(body.as_bytes()).map(|c| (c.count, c.cap));
        assert_eq!(
            counts(r#"{"count": 474.0, "cap": 5}"#).ok(),
            Some((474, Some(5)))
        );
        assert_eq!(
            counts(r#"{"count": -3, "cap": null}"#).ok(),
            Some((-3, None))
        );
        assert_eq!(counts(r#"{"count": 1e3}"#).ok(), Some((1000, None)));
        for refused in [
            r#"{"count": 474.5}"#,
            r#"{"count": "474"}"#,
            r#"{"count": 9223372036854775808}"#,
            r#"{"count": 1e19}"#,
        ] {
            assert!(counts(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn structs_come_only_as_objects() {
        let refuse = |body: &str| match parse::<Strict>(body.as_bytes()) {
            Err(ApiError::BadRequest(detail)) => detail,
            other => panic!("expected a bad request, got {other:?}"),
        };
        assert!(refuse(r#"["a", {"email":"x"}]"#).contains("expected a JSON object"));
        let nested = refuse(r#"{"name":"a","admin":["x"]}"#);
        assert!(
            nested.starts_with("admin: ") && nested.contains("expected a JSON object"),
            "{nested}"
        );
        let deep = refuse(r#"{"name":"a","admin":{"email":5}}"#);
        assert!(deep.starts_with("admin.email: "), "{deep}");
        assert!(parse::<Strict>(br#"{"name":"a","admin":{"email":"x"}}"#).is_ok());
    }
}
