//! What the use cases need from the outside world, split by capability. `persistence`
//! implements the storage ports with SeaORM; the api implements [`SecretHasher`] with argon2;
//! the `testing` feature implements them all in memory.
//!
//! A method's name says what it locks (`lock_seats`, `lock_user`); the implementation decides
//! how (`SELECT ... FOR UPDATE` on PostgreSQL, the database write lock on SQLite), so a rule
//! checked after the lock holds against concurrent requests on every replica.
// The use cases run on actix's single-threaded workers, so their futures need not be `Send`;
// the lint's advice (spell out `impl Future + Send`) would bind every implementation for no use.
#![allow(async_fn_in_trait)]

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::api_keys::{KeyDigest, NewApiKey};
use crate::auth::{
    Account, Device, DeviceRecord, Identity, NewCompany, NewDevice, NewSession, SessionState,
    SignedUpCompany,
};
use crate::idempotency::{Claim, IdempotencyKey, StoredAnswer};
use crate::leads::{LeadPatch, LeadRecord, NewLead};
use crate::queries::NamedRef;
use crate::settings::Settings;
use crate::users::{NewSecrets, NewUserRecord, UserRecord};
use crate::webhooks::{DueDelivery, Event, NewWebhook, Outcome, WebhookRecord};
use crate::{
    Actor, AuditEntry, Candidate, CompanyCode, DomainError, Email, Guard, Mpin, Name, Password,
    PermissionSet, Secret, Version,
};

/// Opens one transaction on one company's data; every port method of the transaction is
/// scoped to that company.
pub trait Store {
    type Tx: ApiKeys
        + Seats
        + Users
        + Roles
        + Groups
        + Sessions
        + Lockouts
        + Devices
        + Leads
        + CompanySettings
        + Jobs
        + Webhooks
        + Outbox
        + Audit
        + Commit;

    async fn begin(&self, company_id: Uuid) -> Result<Self::Tx, DomainError>;
}

/// Finds the account a sign-in names, before it knows its company.
pub trait Accounts {
    async fn find_account(
        &self,
        code: &CompanyCode,
        email: &Email,
    ) -> Result<Option<Account>, DomainError>;
    /// The account and its device with this token hash, in one read: either both or nothing
    /// (another user's device is no device at all).
    async fn find_device_account(
        &self,
        code: &CompanyCode,
        email: &Email,
        token_hash: &str,
    ) -> Result<Option<(Account, Device)>, DomainError>;
}

/// The password lockouts of identities that are no account (see [`Identity`]).
pub trait IdentityGuards {
    type GuardTx: IdentityGuard + Commit;
    /// Opens a transaction on the identity's guard.
    async fn begin_identity(&self, identity: &Identity) -> Result<Self::GuardTx, DomainError>;
}

/// One identity's password guard, within a transaction.
pub trait IdentityGuard {
    /// Locks the guard for the rest of the transaction and reads it (a fresh one if the
    /// identity has none yet).
    async fn lock_identity_guard(&mut self) -> Result<Guard, DomainError>;
    async fn save_identity_guard(&mut self, guard: Guard) -> Result<(), DomainError>;
}

/// Maintenance across companies, which the scheduler runs besides the daily top-up.
pub trait Housekeeping {
    /// Deletes up to `limit` sessions that ended (revoked or expired) before `ended_before`;
    /// how many.
    async fn purge_sessions(
        &self,
        ended_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError>;
    /// Deletes up to `limit` guards of identities that are no account whose last failure was
    /// before `forgotten_before` (their failures are forgotten anyway); how many.
    async fn purge_identity_guards(
        &self,
        forgotten_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError>;
    /// Deletes up to `limit` idempotency keys created before `older_than`; how many.
    async fn purge_idempotency_keys(
        &self,
        older_than: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError>;
    /// Deletes up to `limit` webhook events that happened before `older_than`, with their
    /// deliveries; how many events.
    async fn purge_webhook_events(
        &self,
        older_than: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, DomainError>;
}

/// When the scheduler looks at each company's daily top-up next (see
/// [`crate::leads::run_due_top_ups`]). A new company and every write of its settings make it
/// due at once, so the next pass looks at it with what it is now.
pub trait TopUpSchedule {
    /// Sets when the company is looked at next (`None`: never) if it is still due at `seen`,
    /// the instant the pass read (else a change made since stands).
    async fn reschedule_top_up(
        &self,
        company_id: Uuid,
        seen: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
    ) -> Result<(), DomainError>;
}

/// The `Idempotency-Key`s of each company (see [`crate::idempotency`]). Each call stands on
/// its own, outside the request's transactions.
pub trait IdempotencyKeys {
    /// Claims the key for a request hashed `request_hash`, in one insert; when the key is
    /// taken, what [`crate::idempotency::decide`] says about it (an abandoned claim is taken
    /// over, by one request only, and answers [`Claim::Claimed`]).
    async fn claim(
        &self,
        company_id: Uuid,
        key: &IdempotencyKey,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, DomainError>;
    /// Stores the claimed request's answer, to be replayed.
    async fn complete(
        &self,
        company_id: Uuid,
        key: &IdempotencyKey,
        answer: &StoredAnswer,
    ) -> Result<(), DomainError>;
    /// Deletes the claim, so a retry runs the request again.
    async fn release(&self, company_id: Uuid, key: &IdempotencyKey) -> Result<(), DomainError>;
}

/// Creates companies: sign-up, and the operator's command line.
pub trait Companies {
    /// Creates the company, its subscription, the default roles and its first Company Admin,
    /// all or nothing. Fails with [`DomainError::Conflict`] when the code is taken.
    async fn create_company(&self, new: &NewCompany) -> Result<SignedUpCompany, DomainError>;
}

/// The company's API keys (see [`crate::api_keys`]).
pub trait ApiKeys {
    /// Stores a new key, created at `now`, under a new id.
    async fn insert_api_key(
        &mut self,
        key: &NewApiKey,
        digest: &KeyDigest,
        now: DateTime<Utc>,
    ) -> Result<Uuid, DomainError>;
    /// Deletes the key; its name, or `None` when the company has no such key.
    async fn delete_api_key(&mut self, id: Uuid) -> Result<Option<String>, DomainError>;
}

/// Records when each API key was last used, outside any request's transaction.
pub trait KeyUse {
    async fn record_key_use(
        &self,
        company_id: Uuid,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError>;
}

/// Ends a transaction. Dropping it without committing rolls everything back.
pub trait Commit {
    async fn commit(self) -> Result<(), DomainError>;
}

/// Seats taken, and the subscription's limit and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatCount {
    pub used: i64,
    pub limit: i64,
    /// The subscription's version (its `ETag`).
    pub version: Version,
}

pub trait Seats {
    /// Takes the company lock, then counts the seats: no other change of the company's users
    /// runs until this transaction ends.
    async fn lock_seats(&mut self) -> Result<SeatCount, DomainError>;
    /// Sets the subscription's agent limit and raises its version.
    async fn set_agent_limit(&mut self, limit: i64) -> Result<(), DomainError>;
}

pub trait Users {
    /// Takes the company lock, then locks and loads the user.
    async fn lock_user(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError>;
    /// Locks and loads the user without the company lock: for a change no rule across users
    /// and no other record (role, department, branch) is part of, so changes of different
    /// users run side by side, and changes of one user one after the other.
    async fn lock_user_alone(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError>;
    /// Loads the user without a lock: for a decision that writes nothing of theirs.
    async fn user(&mut self, id: Uuid) -> Result<Option<UserRecord>, DomainError>;
    /// Users of the system Company Admin role who are not banned.
    async fn active_admins(&mut self) -> Result<i64, DomainError>;
    /// Stores a new user under a new id. Fails with [`DomainError::Conflict`] when the email
    /// or employee code is taken.
    async fn insert_user(&mut self, user: NewUserRecord) -> Result<Uuid, DomainError>;
    /// Writes every field of `user`, and the secrets that are set (which also lift their
    /// lockouts). Fails with [`DomainError::Conflict`] like [`Users::insert_user`].
    async fn save_user(
        &mut self,
        user: &UserRecord,
        secrets: NewSecrets,
    ) -> Result<(), DomainError>;
    /// Deletes the user; their leads, open or closed, go back to the unassigned pool (each
    /// lead's version raised), and their sessions and devices go with them.
    async fn delete_user(&mut self, id: Uuid) -> Result<(), DomainError>;
    async fn set_own_password(&mut self, id: Uuid, hash: String) -> Result<(), DomainError>;
    /// Stores the new M-PIN hash and lifts an M-PIN lock.
    async fn set_own_mpin(&mut self, id: Uuid, hash: String) -> Result<(), DomainError>;
    /// The user as a sign-in sees them (without any lock).
    async fn account(&mut self, id: Uuid) -> Result<Option<Account>, DomainError>;
}

/// The sign-in lockouts of a user's secrets (see [`crate::lockout`]).
pub trait Lockouts {
    /// Locks the user's row for the rest of the transaction, then reads the secret's guard;
    /// `None` when the user is gone.
    async fn lock_guard(
        &mut self,
        user_id: Uuid,
        secret: Secret,
    ) -> Result<Option<Guard>, DomainError>;
    async fn save_guard(
        &mut self,
        user_id: Uuid,
        secret: Secret,
        guard: Guard,
    ) -> Result<(), DomainError>;
}

/// The devices registered for M-PIN sign-in.
pub trait Devices {
    async fn register_device(
        &mut self,
        user_id: Uuid,
        new: &NewDevice,
        now: DateTime<Utc>,
    ) -> Result<Device, DomainError>;
    /// Stamps the device as used now.
    async fn touch_device(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), DomainError>;
    /// Removes every device of the user but `keep`: their device tokens stop working. (The
    /// callers end the sessions signed in on them.)
    async fn remove_devices(
        &mut self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), DomainError>;
    /// The user's registered devices, most recently used first.
    async fn user_devices(&mut self, user_id: Uuid) -> Result<Vec<DeviceRecord>, DomainError>;
    /// Removes one of the user's devices and ends the sessions signed in on it; `None` when
    /// the user has no such device.
    async fn remove_device(
        &mut self,
        user_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<Device>, DomainError>;
}

/// A role and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub id: Uuid,
    pub name: String,
    /// The Company Admin role: fixed, and holds the whole catalogue.
    pub system: bool,
    pub permissions: PermissionSet,
    /// Raised by the store with every change of the name or permissions.
    pub version: Version,
}

pub trait Roles {
    async fn role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError>;
    /// Takes the company lock, then loads the role.
    async fn lock_role(&mut self, id: Uuid) -> Result<Option<RoleGrant>, DomainError>;
    /// Users who hold the role.
    async fn role_holders(&mut self, id: Uuid) -> Result<i64, DomainError>;
    /// Stores a new (never system) role under a new id. Fails with [`DomainError::Conflict`]
    /// when the name is taken, case-insensitively.
    async fn insert_role(
        &mut self,
        name: &Name,
        permissions: PermissionSet,
    ) -> Result<Uuid, DomainError>;
    /// Writes what is given: a new name, new permissions or both; raises the version.
    async fn save_role(
        &mut self,
        id: Uuid,
        name: Option<&Name>,
        permissions: Option<PermissionSet>,
    ) -> Result<(), DomainError>;
    /// Deletes the role with its grants.
    async fn delete_role(&mut self, id: Uuid) -> Result<(), DomainError>;
}

/// Departments and branches: the groups a user may belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKind {
    Department,
    Branch,
}

impl GroupKind {
    /// The audit trail's target type: `department` or `branch`.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Department => "department",
            GroupKind::Branch => "branch",
        }
    }
}

/// A department or branch: a named group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    pub id: Uuid,
    pub name: String,
    /// Raised by the store with every rename.
    pub version: Version,
}

pub trait Groups {
    async fn group_exists(&mut self, kind: GroupKind, id: Uuid) -> Result<bool, DomainError>;
    /// Takes the company lock, then loads the group.
    async fn lock_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
    ) -> Result<Option<GroupRecord>, DomainError>;
    /// Users who belong to the group.
    async fn group_members(&mut self, kind: GroupKind, id: Uuid) -> Result<i64, DomainError>;
    /// Stores a new group under a new id. Fails with [`DomainError::Conflict`] when the name
    /// is taken, case-insensitively.
    async fn insert_group(&mut self, kind: GroupKind, name: &Name) -> Result<Uuid, DomainError>;
    /// Writes the new name and raises the version.
    async fn rename_group(
        &mut self,
        kind: GroupKind,
        id: Uuid,
        name: &Name,
    ) -> Result<(), DomainError>;
    async fn delete_group(&mut self, kind: GroupKind, id: Uuid) -> Result<(), DomainError>;
}

pub trait Sessions {
    /// Ends every session of the user: their tokens stop working at the next request.
    async fn revoke_sessions(&mut self, user_id: Uuid) -> Result<(), DomainError>;
    /// Ends every session of the user but `keep`.
    async fn revoke_other_sessions(&mut self, user_id: Uuid, keep: Uuid)
    -> Result<(), DomainError>;
    /// Opens a session at refresh generation 0 and returns its id.
    async fn open_session(
        &mut self,
        new: &NewSession,
        now: DateTime<Utc>,
    ) -> Result<Uuid, DomainError>;
    /// Moves a live session from refresh generation `generation` to the next and sets when
    /// it expires, in one compare-and-set; `None` (nothing written) when `generation` is not
    /// its current one or the session is not live. Returns the session as rotated.
    async fn rotate_session(
        &mut self,
        id: Uuid,
        generation: i64,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionState>, DomainError>;
    /// Sets when the session expires (its age cap).
    async fn set_session_expiry(
        &mut self,
        id: Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DomainError>;
    /// The session as it stands at `now`.
    async fn session(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionState>, DomainError>;
    /// Ends a live session (an ended one stays as it is).
    async fn end_session(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), DomainError>;
    /// Ends the user's own session `id` unless it already ended; whether it did.
    async fn end_own_session(
        &mut self,
        user_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, DomainError>;
}

pub trait Audit {
    async fn record(&mut self, actor: &Actor, entry: AuditEntry) -> Result<(), DomainError>;
}

pub trait Leads {
    /// Takes the company lock and locks every user, then reads them as the fairness rule sees
    /// them (with the open leads each holds), in id order.
    async fn lock_candidates(&mut self) -> Result<Vec<Candidate<Uuid>>, DomainError>;
    /// Locks one user, then reads them as the fairness rule sees them, with their name;
    /// `None` when no such user is in the company.
    async fn lock_candidate(
        &mut self,
        user_id: Uuid,
    ) -> Result<Option<(Candidate<Uuid>, String)>, DomainError>;
    /// Picks the user the fairness rule ([`pick_assignee`](crate::pick_assignee)) gives the
    /// next open lead to, among all the company's users, and locks only that user: what
    /// another intake running at once picks is the next-best user, so intakes of one company
    /// need not wait for each other. `None` when nobody has room. The pick is exact when
    /// intakes come one at a time; under races a user is never taken past their cap.
    async fn lock_fairest(&mut self) -> Result<Option<NamedRef>, DomainError>;
    /// Stores new leads, each with the assignee the use case decided (`assignee_id`), all
    /// created (and assigned) at `now`, each at the first version ([`Version::default`]).
    /// Returns their new ids in order. Every write that
    /// gives a user a lead (this one, a hand-over in [`Leads::save_lead`],
    /// [`Leads::assign_leads`]) also marks them assigned at `now`: the fairness rule's
    /// tie-breaker.
    async fn insert_leads(
        &mut self,
        leads: Vec<NewLead>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, DomainError>;
    /// Takes the company lock, then loads the lead.
    async fn lock_lead(&mut self, id: Uuid) -> Result<Option<LeadRecord>, DomainError>;
    /// Writes a decided change of `current` (the lead as [`Leads::lock_lead`] loaded it):
    /// `status` is always set; `assignee_id` only when the assignee changes (then the lead
    /// and its new assignee are assigned at `now`). Raises the version.
    async fn save_lead(
        &mut self,
        current: &LeadRecord,
        change: LeadPatch,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError>;
    /// Deletes `current` (as [`Leads::lock_lead`] loaded it); whether it was still there.
    async fn delete_lead(&mut self, current: &LeadRecord) -> Result<bool, DomainError>;
    /// Up to `limit` unassigned open leads, oldest first.
    async fn unassigned_pool(&mut self, limit: usize) -> Result<Vec<Uuid>, DomainError>;
    /// Assigns each user their leads, at `now` (the users too), raising each lead's version.
    async fn assign_leads(
        &mut self,
        per_user: &[(Uuid, Vec<Uuid>)],
        now: DateTime<Utc>,
    ) -> Result<(), DomainError>;
}

pub trait CompanySettings {
    /// The company's settings (the defaults until first changed).
    async fn settings(&mut self) -> Result<Settings, DomainError>;
    /// Takes the company lock, then reads the settings.
    async fn lock_settings(&mut self) -> Result<Settings, DomainError>;
    /// Writes the settings (all but `version`) and raises the version.
    async fn save_settings(&mut self, settings: &Settings) -> Result<(), DomainError>;
}

/// Once-a-day jobs: a run's record commits with its work, so it runs once per company and
/// day whatever the number of replicas.
pub trait Jobs {
    /// Records the run of `job` for `day`; false when it already ran (or is running).
    async fn claim_job_run(
        &mut self,
        job: &str,
        day: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DomainError>;
    /// Writes how many leads the run assigned.
    async fn finish_job_run(
        &mut self,
        job: &str,
        day: &str,
        assigned: u64,
    ) -> Result<(), DomainError>;
}

/// A company's webhooks (see [`crate::webhooks`]).
pub trait Webhooks {
    /// Stores a new webhook under a new id.
    async fn insert_webhook(&mut self, new: &NewWebhook) -> Result<Uuid, DomainError>;
    /// Takes the company lock, then loads the webhook.
    async fn lock_webhook(&mut self, id: Uuid) -> Result<Option<WebhookRecord>, DomainError>;
    /// Writes the URL, events and `enabled` of `webhook`.
    async fn save_webhook(&mut self, webhook: &WebhookRecord) -> Result<(), DomainError>;
    /// Deletes the webhook, its delivery log and its pending deliveries.
    async fn delete_webhook(&mut self, id: Uuid) -> Result<(), DomainError>;
}

/// The outbox: events written in the transaction of the change they describe, so they commit
/// or roll back with it.
pub trait Outbox {
    /// Records `event`, to be fanned out to the company's webhooks subscribed to its type
    /// ([`DeliveryQueue::fan_out`]). A store may record nothing when no enabled webhook
    /// subscribes to it now: nobody could ever receive it.
    async fn record_event(&mut self, event: Event) -> Result<(), DomainError>;
}

/// The deliveries due, across companies: what the delivery worker of every replica takes
/// from. Each call stands on its own, outside the changes' transactions.
pub trait DeliveryQueue {
    /// Makes the deliveries of up to `limit` recorded events not fanned out yet, oldest
    /// first, in one transaction: one try, due at once, to each enabled webhook subscribed to
    /// the event's type now and created before the event happened. Replicas fanning out at
    /// once take different events. Returns how many events it fanned out.
    async fn fan_out(&self, limit: u64) -> Result<u64, DomainError>;
    /// Claims up to `limit` deliveries due at `now` (of enabled webhooks) until
    /// `lease_until`: no other replica takes them before then. A claim whose lease runs out
    /// unsettled (its replica died mid-try) is due again.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<DueDelivery>, DomainError>;
    /// Stores the event's body unless one is stored already, and returns the stored one:
    /// every try, and every webhook, sends the bytes first rendered.
    async fn freeze_body(
        &self,
        company_id: Uuid,
        event_id: Uuid,
        body: String,
    ) -> Result<String, DomainError>;
    /// Records the try's outcome and, with `retry_at`, the next try of the event to that
    /// webhook, in one transaction. A try settled already (its lease ran out and another
    /// replica settled it) is left as it is.
    async fn settle(
        &self,
        delivery: &DueDelivery,
        outcome: &Outcome,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), DomainError>;
}

/// The current time, for the use cases that stamp or compare it.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// A fixed instant is a clock that never moves: what a scheduler tick or a test passes.
impl Clock for DateTime<Utc> {
    fn now(&self) -> DateTime<Utc> {
        *self
    }
}

/// Turns new secrets into what is stored (argon2id PHC strings; an M-PIN keyed with the
/// server's pepper first). Slow on purpose: use cases call it before opening a transaction.
pub trait SecretHasher {
    async fn hash_password(&self, password: &Password) -> Result<String, DomainError>;
    async fn hash_mpin(&self, mpin: &Mpin) -> Result<String, DomainError>;
    /// Whether `candidate` is the password `hash` was made from. Without a hash (no such
    /// account) it pays for one verify all the same, and answers `false`: timing must not
    /// tell which accounts exist.
    async fn verify_password(
        &self,
        candidate: &str,
        hash: Option<&str>,
    ) -> Result<bool, DomainError>;
    /// [`SecretHasher::verify_password`] for an M-PIN (keyed like [`SecretHasher::hash_mpin`]).
    async fn verify_mpin(&self, candidate: &str, hash: Option<&str>) -> Result<bool, DomainError>;
}
