use uuid::Uuid;

use super::{CompanyRecord, UserView};
use crate::{DomainError, PermissionSet};

/// Who is making a request, as the database says right now.
#[derive(Debug, Clone)]
pub struct ActorRecord {
    pub user_id: Uuid,
    pub name: String,
    pub session_id: Uuid,
    pub role_id: Uuid,
    pub permissions: PermissionSet,
}

/// A signed-in person as `GET /me` shows them: the actor, their user's view and their company.
#[derive(Debug, Clone)]
pub struct MeRecord {
    pub actor: ActorRecord,
    pub user: UserView,
    pub company: CompanyRecord,
}

pub trait ActorQueries {
    /// The actor behind an access token. `None` when the user is gone or banned, or the
    /// session is revoked or expired: read on every request, so a ban, a delete or a
    /// sign-out bites on the very next one, whatever the token's own expiry says.
    async fn actor(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<ActorRecord>, DomainError>;
    /// [`ActorQueries::actor`] with the user's view and company, in the same one read: the
    /// same checks, `None` in the same cases.
    async fn me(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<MeRecord>, DomainError>;
}
