//! Query pieces every listing shares: text filters that PostgreSQL can take, LIKE patterns.

use sea_orm::sea_query::{Expr, ExprTrait};

/// Whether a text filter can be sent to the database. PostgreSQL refuses a NUL character in
/// any text value (an error, not a miss); no stored text holds one either, since every text
/// field refuses control characters, so a filter with one simply matches nothing.
pub(crate) fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// The condition for a filter that cannot match ([`storable`]).
pub(crate) fn matches_nothing() -> Expr {
    Expr::val(1).eq(0)
}

/// Makes `%`, `_` and the escape character itself match literally in a LIKE pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
