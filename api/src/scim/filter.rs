//! SCIM filters (RFC 7644 §3.4.2.2), parsed by a real parser: a tokenizer and a
//! recursive-descent parser over the RFC's whole grammar (`and`, `or`, `not`, grouping,
//! value paths, every operator). What a listing can answer is decided on the parsed tree
//! afterwards, so an unsupported filter is refused as `invalidFilter` for what it asks, never
//! half-applied, and no filter text ever reaches SQL.

use std::fmt;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op value`, the path lower-cased (attribute names are case-insensitive).
    Compare {
        path: String,
        op: Operator,
        value: Literal,
    },
    /// `attrPath pr`.
    Present(String),
    /// `attrPath[filter]`.
    ValuePath {
        path: String,
        filter: Box<Filter>,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Lt,
    Ge,
    Le,
}

/// A comparison's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Bool(bool),
    Number(String),
    Null,
}

/// Why a filter does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest filter accepted: a provider's filters are a few dozen characters.
const MAX_FILTER_CHARS: usize = 1_000;
/// Nesting deeper than this is refused rather than recursed into.
const MAX_DEPTH: usize = 32;

pub fn parse(text: &str) -> Result<Filter, FilterError> {
    if text.chars().count() > MAX_FILTER_CHARS {
        return Err(FilterError(format!(
            "a filter is at most {MAX_FILTER_CHARS} characters"
        )));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let filter = parser.or_expression(0)?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(FilterError(format!("unexpected {token} after the filter"))),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Text(String),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Open => f.write_str("'('"),
            Token::Close => f.write_str("')'"),
            Token::OpenBracket => f.write_str("'['"),
            Token::CloseBracket => f.write_str("']'"),
            Token::Word(word) => write!(f, "'{word}'"),
            Token::Text(_) => f.write_str("a string"),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                // A JSON string: find its end (a quote not escaped), then let JSON decode it.
                chars.next();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| FilterError("a string is not closed".into()))?;
                let decoded = serde_json::from_str::<String>(&text[start..=end])
                    .map_err(|_| FilterError("a string is not valid JSON".into()))?;
                tokens.push(Token::Text(decoded));
            }
            _ => {
                let mut end = text.len();
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                tokens.push(Token::Word(text[start..end].to_owned()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn next_is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect(&mut self, expected: &Token) -> Result<(), FilterError> {
        match self.next() {
            Some(token) if &token == expected => Ok(()),
            Some(token) => Err(FilterError(format!("expected {expected}, found {token}"))),
            None => Err(FilterError(format!("expected {expected} at the end"))),
        }
    }

    /// `and` binds tighter than `or` (RFC 7644 §3.4.2.2).
    fn or_expression(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.and_expression(depth)?;
        while self.next_is_keyword("or") {
            self.next();
            let right = self.and_expression(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expression(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.term(depth)?;
        while self.next_is_keyword("and") {
            self.next();
            let right = self.term(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth > MAX_DEPTH {
            return Err(FilterError("the filter nests too deeply".into()));
        }
        if self.next_is_keyword("not") {
            self.next();
            self.expect(&Token::Open)?;
            let inner = self.or_expression(depth + 1)?;
            self.expect(&Token::Close)?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.next();
            let inner = self.or_expression(depth + 1)?;
            self.expect(&Token::Close)?;
            return Ok(inner);
        }
        let path = match self.next() {
            Some(Token::Word(path)) if is_attribute_path(&path) => path.to_ascii_lowercase(),
            Some(token) => {
                return Err(FilterError(format!("expected an attribute, found {token}")));
            }
            None => return Err(FilterError("expected an attribute at the end".into())),
        };
        if self.peek() == Some(&Token::OpenBracket) {
            self.next();
            let filter = self.or_expression(depth + 1)?;
            self.expect(&Token::CloseBracket)?;
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        }
        let operator = match self.next() {
            Some(Token::Word(word)) => word.to_ascii_lowercase(),
            Some(token) => return Err(FilterError(format!("expected an operator, found {token}"))),
            None => return Err(FilterError(format!("expected an operator after {path}"))),
        };
        if operator == "pr" {
            return Ok(Filter::Present(path));
        }
        let op = operator_named(&operator)
            .ok_or_else(|| FilterError(format!("'{operator}' is not a SCIM operator")))?;
        let value = match self.next() {
            Some(Token::Text(text)) => Literal::Text(text),
            Some(Token::Word(word)) => literal_word(&word)?,
            Some(token) => return Err(FilterError(format!("expected a value, found {token}"))),
            None => return Err(FilterError(format!("expected a value after {operator}"))),
        };
        Ok(Filter::Compare { path, op, value })
    }
}

fn operator_named(name: &str) -> Option<Operator> {
    Some(match name {
        "eq" => Operator::Eq,
        "ne" => Operator::Ne,
        "co" => Operator::Co,
        "sw" => Operator::Sw,
        "ew" => Operator::Ew,
        "gt" => Operator::Gt,
        "lt" => Operator::Lt,
        "ge" => Operator::Ge,
        "le" => Operator::Le,
        _ => return None,
    })
}

fn literal_word(word: &str) -> Result<Literal, FilterError> {
    match word.to_ascii_lowercase().as_str() {
        "true" => Ok(Literal::Bool(true)),
        "false" => Ok(Literal::Bool(false)),
        "null" => Ok(Literal::Null),
        _ if word.parse::<f64>().is_ok_and(f64::is_finite) => Ok(Literal::Number(word.into())),
        _ => Err(FilterError(format!(
            "'{word}' is not a value (strings are quoted)"
        ))),
    }
}

/// `attrPath` per RFC 7644: an optional schema URN, then a name and at most a sub-attribute,
/// each a letter followed by letters, digits, `-`, `_` or `$`.
fn is_attribute_path(text: &str) -> bool {
    let name_part = match text.rfind(':') {
        Some(i) if text[..i].to_ascii_lowercase().starts_with("urn:") => &text[i + 1..],
        Some(_) => return false,
        None => text,
    };
    let mut names = name_part.split('.');
    let valid = |name: &str| {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || "-_$".contains(c))
    };
    names.next().is_some_and(valid) && names.next().is_none_or(valid) && names.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(path: &str, value: &str) -> Filter {
        Filter::Compare {
            path: path.into(),
            op: Operator::Eq,
            value: Literal::Text(value.into()),
        }
    }

    #[test]
    fn the_filters_providers_send_parse() {
        assert_eq!(
            parse(r#"userName eq "Asha@Acme.example""#),
            Ok(eq("username", "Asha@Acme.example"))
        );
        assert_eq!(
            parse(r#"externalId eq "00u1" and active eq true"#),
            Ok(Filter::And(
                Box::new(eq("externalid", "00u1")),
                Box::new(Filter::Compare {
                    path: "active".into(),
                    op: Operator::Eq,
                    value: Literal::Bool(true),
                })
            ))
        );
        assert_eq!(
            parse(r#"displayName EQ "Sales \"North\"""#),
            Ok(eq("displayname", r#"Sales "North""#))
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_groups_override_it() {
        let a = || Box::new(eq("a", "1"));
        let b = || Box::new(eq("b", "2"));
        let c = || Box::new(eq("c", "3"));
        assert_eq!(
            parse(r#"a eq "1" or b eq "2" and c eq "3""#),
            Ok(Filter::Or(a(), Box::new(Filter::And(b(), c()))))
        );
        assert_eq!(
            parse(r#"(a eq "1" or b eq "2") and c eq "3""#),
            Ok(Filter::And(Box::new(Filter::Or(a(), b())), c()))
        );
    }

    #[test]
    fn the_rest_of_the_grammar_parses_too() {
        assert!(matches!(parse("title pr"), Ok(Filter::Present(_))));
        assert!(matches!(
            parse(r#"not (userName sw "a")"#),
            Ok(Filter::Not(_))
        ));
        assert!(matches!(
            parse(r#"emails[type eq "work" and value co "@acme"]"#),
            Ok(Filter::ValuePath { .. })
        ));
        assert!(matches!(
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#),
            Ok(Filter::Compare { .. })
        ));
        assert!(matches!(
            parse("meta.lastModified gt 2011.5"),
            Ok(Filter::Compare { .. })
        ));
    }

    #[test]
    fn malformed_filters_are_refused_with_a_reason() {
        for bad in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName is "x""#,
            r#"userName eq "x"#,
            r#"userName eq x"#,
            r#"(userName eq "x""#,
            r#"userName eq "x" and"#,
            r#"userName eq "x" extra"#,
            r#"1abc eq "x""#,
            r#"user.name.first eq "x""#,
            r#"emails[value eq "x""#,
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn nothing_nests_or_runs_without_bound() {
        let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
        let long = format!(r#"a eq "{}""#, "x".repeat(2_000));
        assert!(parse(&long).is_err());
    }
}
