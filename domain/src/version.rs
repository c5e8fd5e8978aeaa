//! Optimistic concurrency: a resource's version, which every change of it raises, and a
//! client's condition on it (HTTP's `ETag` and `If-Match`). Two admins editing one user: the
//! second save names the version it was read at, finds a newer one, and changes nothing.

use crate::DomainError;

/// A resource's version: 1 when created, one more with each change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub i64);

impl Default for Version {
    /// A resource's first version (also that of settings never changed from the defaults).
    fn default() -> Self {
        Version(1)
    }
}

/// The versions a change may apply to (`If-Match`). Checked after the resource is locked, so
/// two changes conditioned on one version cannot both apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// No condition (no `If-Match`, or `*`: any version of a resource that exists).
    #[default]
    None,
    /// Only one of these versions (none of them: always refused, as a weak or foreign tag).
    OneOf(Vec<Version>),
}

impl Precondition {
    pub fn check(&self, current: Version) -> Result<(), DomainError> {
        match self {
            Precondition::OneOf(versions) if !versions.contains(&current) => {
                Err(DomainError::PreconditionFailed)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_holds_only_for_a_version_it_names() {
        let current = Version(3);
        let check = |p: Precondition| p.check(current).is_ok();
        assert!(check(Precondition::None));
        assert!(check(Precondition::OneOf(vec![Version(2), Version(3)])));
        assert!(!check(Precondition::OneOf(vec![Version(2)])));
        assert!(!check(Precondition::OneOf(Vec::new())));
    }
}
