//! Leads and their assignment. Every path that can hand a user a lead runs in one
//! transaction holding the company lock, reads what the users hold, and asks the domain's
//! rules (`may_take_lead`, `pick_assignee`, `plan_distribution`) before writing: so no user
//! ever holds more than their cap, even with several replicas.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    Candidate, Email, Invalid, LeadStatus, Phone, may_take_lead, pick_assignee, plan_distribution,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryResult, TransactionTrait,
};
use uuid::Uuid;

use crate::entity::{lead, user};
use crate::lookup::missing;
use crate::write::lock_company;
use crate::{NamedRef, PageRequest, Paged, StoreError, Tenant};

/// Rows per multi-row INSERT: well under both databases' bind-parameter limits.
const INSERT_CHUNK: usize = 1_000;
/// Ids per `IN (...)` list of an assignment UPDATE.
const UPDATE_CHUNK: usize = 5_000;

#[derive(Debug, Clone)]
pub struct LeadView {
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: Option<String>,
    pub status: String,
    pub assignee: Option<NamedRef>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A lead to create. `assignee_id` names a user; without one, auto-assignment may pick.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub source: Option<String>,
    pub status: LeadStatus,
    pub assignee_id: Option<Uuid>,
}

/// A partial change; `assignee_id: Some(None)` unassigns.
#[derive(Debug, Clone, Default)]
pub struct LeadPatch {
    pub name: Option<String>,
    pub phone: Option<Option<Phone>>,
    pub email: Option<Option<Email>>,
    pub source: Option<Option<String>>,
    pub status: Option<LeadStatus>,
    pub assignee_id: Option<Option<Uuid>>,
}

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: bool,
    /// Case-insensitive substring of name, phone, email or source (`%`, `_` literal).
    pub q: Option<String>,
}

/// What a distribution run handed out.
#[derive(Debug, Clone, Default)]
pub struct Distribution {
    pub assigned: u64,
    /// Users in the order they first received a lead, with how many they got.
    pub per_user: Vec<(Uuid, u64)>,
}

/// `{user, cap, held}` for the lead-load report.
#[derive(Debug, Clone)]
pub struct LeadLoad {
    pub user_id: Uuid,
    pub name: String,
    pub lead_cap: i32,
    pub leads_held: i64,
}

/// Every user of the company as the fairness rule sees them, with the open leads they hold.
async fn candidates(
    db: &impl ConnectionTrait,
    company_id: Uuid,
) -> Result<Vec<(Candidate<Uuid>, String)>, StoreError> {
    let query = Query::select()
        .columns(
            [
                user::Column::Id,
                user::Column::Name,
                user::Column::Banned,
                user::Column::LeadCap,
                user::Column::LastAssignedAt,
            ]
            .map(|c| (user::Entity, c)),
        )
        .expr_as(held_by_user(), "held")
        .from(user::Entity)
        .and_where(Expr::col((user::Entity, user::Column::CompanyId)).eq(company_id))
        .order_by((user::Entity, user::Column::Id), Order::Asc)
        .take();
    let rows = db
        .query_all_raw(db.get_database_backend().build(&query))
        .await?;
    rows.iter()
        .map(|row| {
            let cap: i32 = row.try_get("", "lead_cap")?;
            Ok((
                Candidate {
                    id: row.try_get("", "id")?,
                    banned: row.try_get("", "banned")?,
                    held: row.try_get("", "held")?,
                    cap: cap.into(),
                    last_assigned_at: row.try_get("", "last_assigned_at")?,
                },
                row.try_get("", "name")?,
            ))
        })
        .collect()
}

/// `(SELECT COUNT(*) FROM leads WHERE assignee is users.id AND open)`, for a query over users.
pub(crate) fn held_by_user() -> Expr {
    let count = Query::select()
        .expr(Expr::col((lead::Entity, lead::Column::Id)).count())
        .from(lead::Entity)
        .and_where(
            Expr::col((lead::Entity, lead::Column::CompanyId))
                .equals((user::Entity, user::Column::CompanyId)),
        )
        .and_where(
            Expr::col((lead::Entity, lead::Column::AssigneeId))
                .equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((lead::Entity, lead::Column::Open)).eq(true))
        .take();
    Expr::SubQuery(
        None,
        Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
            count,
        )),
    )
}

impl Tenant<'_> {
    /// Creates leads, all or nothing. Each lead with an assignee must fit the rules; each open
    /// lead without one goes to the fairest eligible user when `auto_assign` is on.
    pub async fn create_leads(
        &self,
        leads: Vec<NewLead>,
        auto_assign: bool,
    ) -> Result<Vec<Uuid>, StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let mut users: Vec<Candidate<Uuid>> = candidates(&txn, self.company_id)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let index: HashMap<Uuid, usize> =
            users.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let now = Utc::now();
        let batch = leads.len() > 1;
        let mut rows = Vec::with_capacity(leads.len());
        let mut ids = Vec::with_capacity(leads.len());
        for (n, new) in leads.into_iter().enumerate() {
            let field = if batch {
                format!("leads[{n}].assignee_id")
            } else {
                "assignee_id".to_owned()
            };
            let assignee = match new.assignee_id {
                Some(id) => {
                    let at = *index.get(&id).ok_or_else(|| missing(&field))?;
                    if new.status.is_open() {
                        let user = &users[at];
                        may_take_lead(user.banned, user.held, user.cap)?;
                    }
                    Some(at)
                }
                None if auto_assign && new.status.is_open() => {
                    pick_assignee(&users).and_then(|id| index.get(&id).copied())
                }
                None => None,
            };
            if let Some(at) = assignee {
                if new.status.is_open() {
                    users[at].held += 1;
                }
                users[at].last_assigned_at = Some(now + chrono::Duration::microseconds(n as i64));
            }
            let id = Uuid::now_v7();
            ids.push(id);
            rows.push(lead::ActiveModel {
                company_id: Set(self.company_id),
                id: Set(id),
                name: Set(new.name),
                phone: Set(new.phone.map(Phone::into_inner)),
                email: Set(new.email.map(Email::into_inner)),
                source: Set(new.source),
                status: Set(new.status.as_str().to_owned()),
                open: Set(new.status.is_open()),
                assignee_id: Set(assignee.map(|at| users[at].id)),
                assigned_at: Set(assignee.map(|_| now)),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for chunk in rows.chunks(INSERT_CHUNK) {
            lead::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        let assigned: Vec<Uuid> = users
            .iter()
            .filter(|u| u.last_assigned_at.is_some_and(|t| t >= now))
            .map(|u| u.id)
            .collect();
        touch_assignees(&txn, self.company_id, &assigned, now).await?;
        txn.commit().await?;
        Ok(ids)
    }

    pub async fn lead_view(&self, id: Uuid) -> Result<LeadView, StoreError> {
        let query = self
            .lead_select()
            .and_where(Expr::col((lead::Entity, lead::Column::Id)).eq(id))
            .take();
        let row = self
            .db
            .query_one_raw(self.db.get_database_backend().build(&query))
            .await?
            .ok_or(StoreError::NotFound)?;
        lead_from_row(&row)
    }

    pub async fn list_leads(
        &self,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Paged<LeadView>, StoreError> {
        let condition = lead_condition(filter);
        let backend = self.db.get_database_backend();
        let count = Query::select()
            .expr_as(Expr::col((lead::Entity, lead::Column::Id)).count(), "total")
            .from(lead::Entity)
            .and_where(Expr::col((lead::Entity, lead::Column::CompanyId)).eq(self.company_id))
            .cond_where(condition.clone())
            .take();
        let total: i64 = match self.db.query_one_raw(backend.build(&count)).await? {
            Some(row) => row.try_get("", "total")?,
            None => 0,
        };
        let query = self
            .lead_select()
            .cond_where(condition)
            .order_by((lead::Entity, lead::Column::Id), Order::Desc)
            .limit(page.per_page)
            .offset(page.offset())
            .take();
        let rows = self.db.query_all_raw(backend.build(&query)).await?;
        let items = rows.iter().map(lead_from_row).collect::<Result<_, _>>()?;
        Ok(Paged {
            items,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }

    fn lead_select(&self) -> SelectStatement {
        let assignee = Alias::new("a");
        Query::select()
            .columns(
                [
                    lead::Column::Id,
                    lead::Column::Name,
                    lead::Column::Phone,
                    lead::Column::Email,
                    lead::Column::Source,
                    lead::Column::Status,
                    lead::Column::AssigneeId,
                    lead::Column::AssignedAt,
                    lead::Column::CreatedAt,
                ]
                .map(|c| (lead::Entity, c)),
            )
            .expr_as(
                Expr::col((assignee.clone(), user::Column::Name)),
                "assignee_name",
            )
            .from(lead::Entity)
            .join_as(
                sea_orm::JoinType::LeftJoin,
                user::Entity,
                assignee.clone(),
                Expr::col((assignee.clone(), user::Column::CompanyId))
                    .equals((lead::Entity, lead::Column::CompanyId))
                    .and(
                        Expr::col((assignee.clone(), user::Column::Id))
                            .equals((lead::Entity, lead::Column::AssigneeId)),
                    ),
            )
            .and_where(Expr::col((lead::Entity, lead::Column::CompanyId)).eq(self.company_id))
            .take()
    }

    /// Changes a lead. Giving it to a user, or reopening it while assigned, must fit that
    /// user's cap (and they must not be banned).
    pub async fn update_lead(&self, id: Uuid, patch: LeadPatch) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        lock_company(&txn, self.company_id).await?;
        let current = lead::Entity::find_by_id((self.company_id, id))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let status = match patch.status {
            Some(status) => status,
            None => current
                .status
                .parse::<LeadStatus>()
                .map_err(|_| sea_orm::DbErr::Custom("a stored status does not parse".into()))?,
        };
        let assignee = patch.assignee_id.unwrap_or(current.assignee_id);
        let newly_held = status.is_open()
            && assignee.is_some()
            && (assignee != current.assignee_id || !current.open);
        let now = Utc::now();
        if let (true, Some(user_id)) = (newly_held, assignee) {
            let users = candidates(&txn, self.company_id).await?;
            let (user, _) = users
                .iter()
                .find(|(c, _)| c.id == user_id)
                .ok_or_else(|| missing("assignee_id"))?;
            may_take_lead(user.banned, user.held, user.cap)?;
        }
        let mut model: lead::ActiveModel = current.clone().into();
        if let Some(name) = patch.name {
            model.name = Set(name);
        }
        if let Some(phone) = patch.phone {
            model.phone = Set(phone.map(Phone::into_inner));
        }
        if let Some(email) = patch.email {
            model.email = Set(email.map(Email::into_inner));
        }
        if let Some(source) = patch.source {
            model.source = Set(source);
        }
        model.status = Set(status.as_str().to_owned());
        model.open = Set(status.is_open());
        if assignee != current.assignee_id {
            model.assignee_id = Set(assignee);
            model.assigned_at = Set(assignee.map(|_| now));
            if let Some(user_id) = assignee {
                // An id that names no user of this company fails the check above when the
                // lead is open; a closed lead still needs a real user.
                if !newly_held
                    && !candidates(&txn, self.company_id)
                        .await?
                        .iter()
                        .any(|(c, _)| c.id == user_id)
                {
                    return Err(missing("assignee_id"));
                }
                touch_assignees(&txn, self.company_id, &[user_id], now).await?;
            }
        }
        model.updated_at = Set(now);
        model.update(&txn).await?;
        Ok(txn.commit().await?)
    }

    pub async fn delete_lead(&self, id: Uuid) -> Result<(), StoreError> {
        let deleted = lead::Entity::delete_by_id((self.company_id, id))
            .exec(self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Hands the unassigned open leads, oldest first, to eligible users toward their caps.
    pub async fn distribute(&self) -> Result<Distribution, StoreError> {
        let txn = self.db.begin().await?;
        let distribution = distribute_in(&txn, self.company_id).await?;
        txn.commit().await?;
        Ok(distribution)
    }

    /// Every user with their cap and the open leads they hold, by name.
    pub async fn lead_load(&self) -> Result<Vec<LeadLoad>, StoreError> {
        let mut users = candidates(self.db, self.company_id).await?;
        users.sort_by(|a, b| {
            a.1.to_lowercase()
                .cmp(&b.1.to_lowercase())
                .then(a.0.id.cmp(&b.0.id))
        });
        Ok(users
            .into_iter()
            .map(|(c, name)| LeadLoad {
                user_id: c.id,
                name,
                lead_cap: i32::try_from(c.cap).unwrap_or(i32::MAX),
                leads_held: c.held,
            })
            .collect())
    }
}

/// The distribution inside a caller's transaction (the daily top-up records its run in the
/// same one). Takes the company lock first: runs for one company are serialized.
pub(crate) async fn distribute_in(
    txn: &DatabaseTransaction,
    company_id: Uuid,
) -> Result<Distribution, StoreError> {
    lock_company(txn, company_id).await?;
    let users: Vec<Candidate<Uuid>> = candidates(txn, company_id)
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let capacity: i64 = users
        .iter()
        .filter(|u| !u.banned)
        .map(|u| Ord::max(u.cap - u.held, 0))
        .sum();
    if capacity == 0 {
        return Ok(Distribution::default());
    }
    let pool = Query::select()
        .column(lead::Column::Id)
        .from(lead::Entity)
        .and_where(Expr::col(lead::Column::CompanyId).eq(company_id))
        .and_where(Expr::col(lead::Column::Open).eq(true))
        .and_where(Expr::col(lead::Column::AssigneeId).is_null())
        .order_by(lead::Column::CreatedAt, Order::Asc)
        .order_by(lead::Column::Id, Order::Asc)
        .limit(u64::try_from(capacity).unwrap_or(u64::MAX))
        .take();
    let pool: Vec<Uuid> = txn
        .query_all_raw(txn.get_database_backend().build(&pool))
        .await?
        .iter()
        .map(|row| row.try_get("", "id"))
        .collect::<Result<_, _>>()?;
    let plan = plan_distribution(&users, pool.len());
    let mut per_user: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
    let mut slot: HashMap<Uuid, usize> = HashMap::new();
    for (lead_id, user_id) in pool.into_iter().zip(plan) {
        let at = *slot.entry(user_id).or_insert_with(|| {
            per_user.push((user_id, Vec::new()));
            per_user.len() - 1
        });
        per_user[at].1.push(lead_id);
    }
    let now = Utc::now();
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // PostgreSQL: every (lead, user) pair in ONE statement, the ids passed as two
        // comma-separated texts and unnested side by side.
        let (leads, users): (Vec<String>, Vec<String>) = per_user
            .iter()
            .flat_map(|(user_id, leads)| {
                leads
                    .iter()
                    .map(move |lead_id| (lead_id.to_string(), user_id.to_string()))
            })
            .unzip();
        assign_pairs(txn, company_id, &leads.join(","), &users.join(","), now).await?;
    } else {
        // SQLite joins a VALUES list without an index (3.4 s for 100,000 leads, measured);
        // one `id IN (...)` UPDATE per user uses the primary key instead (1.5 s).
        for (user_id, leads) in &per_user {
            for chunk in leads.chunks(UPDATE_CHUNK) {
                lead::Entity::update_many()
                    .col_expr(lead::Column::AssigneeId, Expr::value(Some(*user_id)))
                    .col_expr(lead::Column::AssignedAt, Expr::value(Some(now)))
                    .col_expr(lead::Column::UpdatedAt, Expr::value(now))
                    .filter(lead::Column::CompanyId.eq(company_id))
                    .filter(lead::Column::Id.is_in(chunk.to_vec()))
                    .exec(txn)
                    .await?;
            }
        }
    }
    let assigned_users: Vec<Uuid> = per_user.iter().map(|(u, _)| *u).collect();
    touch_assignees(txn, company_id, &assigned_users, now).await?;
    Ok(Distribution {
        assigned: per_user.iter().map(|(_, l)| l.len() as u64).sum(),
        per_user: per_user
            .into_iter()
            .map(|(u, l)| (u, l.len() as u64))
            .collect(),
    })
}

/// Assigns leads to users in ONE PostgreSQL statement: `leads` and `users` are parallel
/// comma-separated id lists, zipped by `unnest` in the select list.
async fn assign_pairs(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    leads: &str,
    users: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE leads SET assignee_id = v.user_id, assigned_at = $1, updated_at = $1 \
        FROM (SELECT unnest(string_to_array($3, ','))::uuid AS lead_id, \
                     unnest(string_to_array($4, ','))::uuid AS user_id) AS v \
        WHERE leads.company_id = $2 AND leads.id = v.lead_id";
    let values: Vec<sea_orm::Value> =
        vec![now.into(), company_id.into(), leads.into(), users.into()];
    let statement =
        sea_orm::Statement::from_sql_and_values(sea_orm::DatabaseBackend::Postgres, sql, values);
    txn.execute_raw(statement).await?;
    Ok(())
}

/// Marks users as just assigned: the fairness rule's tie-breaker.
async fn touch_assignees(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    users: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in users.chunks(UPDATE_CHUNK) {
        user::Entity::update_many()
            .col_expr(user::Column::LastAssignedAt, Expr::value(Some(now)))
            .filter(user::Column::CompanyId.eq(company_id))
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .exec(db)
            .await?;
    }
    Ok(())
}

fn lead_condition(filter: &LeadFilter) -> Condition {
    let column = |c: lead::Column| Expr::col((lead::Entity, c));
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(column(lead::Column::Status).eq(status.as_str()));
    }
    if let Some(id) = filter.assignee_id {
        condition = condition.add(column(lead::Column::AssigneeId).eq(id));
    }
    if filter.unassigned {
        condition = condition.add(column(lead::Column::AssigneeId).is_null());
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", crate::query::escape_like(&q.to_lowercase()));
        let matches = |c: lead::Column| {
            sea_orm::sea_query::Func::lower(column(c))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        condition = if crate::query::storable(q) {
            condition.add(
                Condition::any()
                    .add(matches(lead::Column::Name))
                    .add(matches(lead::Column::Phone))
                    .add(matches(lead::Column::Email))
                    .add(matches(lead::Column::Source)),
            )
        } else {
            condition.add(crate::query::matches_nothing())
        };
    }
    condition
}

fn lead_from_row(row: &QueryResult) -> Result<LeadView, StoreError> {
    let assignee_id: Option<Uuid> = row.try_get("", "assignee_id")?;
    let assignee_name: Option<String> = row.try_get("", "assignee_name")?;
    Ok(LeadView {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        phone: row.try_get("", "phone")?,
        email: row.try_get("", "email")?,
        source: row.try_get("", "source")?,
        status: row.try_get("", "status")?,
        assignee: assignee_id
            .zip(assignee_name)
            .map(|(id, name)| NamedRef { id, name }),
        assigned_at: row.try_get("", "assigned_at")?,
        created_at: row.try_get("", "created_at")?,
    })
}

/// Checks a free-text lead field: trimmed, at most `max` characters, no control characters.
pub fn lead_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(Invalid::new(
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Invalid::new(
            "invalid",
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}
