use domain::Version;
use domain::queries::{NamedRef, PageRequest, Paged, UserFilter, UserSort, UserView};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Condition, Expr, ExprTrait, Func, LikeExpr, Order, Query,
    SelectStatement, WithClause, WithQuery,
};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};
use uuid::Uuid;

use crate::entity::{branch, department, role, user};
use crate::query::{escape_like, matches_nothing, storable};
use crate::{StoreError, Tenant};

/// The user's role in [`Tenant::user_select`].
pub(crate) const ROLE_ALIAS: &str = "r";

impl Tenant<'_> {
    pub async fn user_view(&self, user_id: Uuid) -> Result<UserView, StoreError> {
        let query = self
            .user_select()
            .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
            .take();
        let statement = self.db.get_database_backend().build(&query);
        let row = self
            .db
            .query_one_raw(statement)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_view_from_row(&row)
    }

    pub async fn list_users(
        &self,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Paged<UserView>, StoreError> {
        let backend = self.db.get_database_backend();
        let count = Query::select()
            .expr_as(Expr::col((user::Entity, user::Column::Id)).count(), "total")
            .from(user::Entity)
            .and_where(Expr::col((user::Entity, user::Column::CompanyId)).eq(self.company_id))
            .cond_where(user_condition(filter, backend, Search::Indexed))
            .take();
        let total: i64 = match self.db.query_one_raw(backend.build(&count)).await? {
            Some(row) => row.try_get("", "total")?,
            None => 0,
        };
        let search = if total >= SCAN_IN_ORDER_FROM {
            Search::InOrder
        } else {
            Search::Indexed
        };
        let condition = user_condition(filter, backend, search);

        let (key, order) = match filter.sort {
            UserSort::NameAsc => (user::Column::NameKey, Order::Asc),
            UserSort::NameDesc => (user::Column::NameKey, Order::Desc),
            UserSort::CreatedAsc => (user::Column::CreatedAt, Order::Asc),
            UserSort::CreatedDesc => (user::Column::CreatedAt, Order::Desc),
        };
        let page_of = |mut users: SelectStatement| {
            users
                .order_by((user::Entity, key), order.clone())
                .order_by((user::Entity, user::Column::Id), order.clone())
                .limit(page.per_page)
                .offset(page.offset())
                .take()
        };
        let searching = search_term(filter).is_some();
        let statement = if backend == DbBackend::Postgres && searching && search == Search::Indexed
        {
            backend.build(&self.matches_first(condition, page_of))
        } else {
            backend.build(&page_of(self.user_select().cond_where(condition).take()))
        };
        let rows = self.db.query_all_raw(statement).await?;
        let items = rows
            .iter()
            .map(user_view_from_row)
            .collect::<Result<_, _>>()?;
        Ok(Paged {
            items,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }

    /// A page of the users matching `condition`, found first (a materialized CTE, which
    /// PostgreSQL plans on its own), then joined, sorted and cut by `page_of`.
    ///
    /// As one statement, PostgreSQL's cached generic plan does not know the page's size (a
    /// bound `LIMIT`), assumes a small part of the rows is read and walks the name index in
    /// order, testing every user of the company through its row: 5-7 ms for 11 matches of
    /// 1,000 users whose rows hold many versions (each intake updates `leads_held`), against
    /// 0.2 ms this way (BENCHMARKS.md, user search).
    fn matches_first(
        &self,
        condition: Condition,
        page_of: impl FnOnce(SelectStatement) -> SelectStatement,
    ) -> WithQuery {
        let matches = Alias::new("matches");
        let matching = Query::select()
            .column((user::Entity, user::Column::Id))
            .from(user::Entity)
            .and_where(Expr::col((user::Entity, user::Column::CompanyId)).eq(self.company_id))
            .cond_where(condition)
            .take();
        let found_first = CommonTableExpression::new()
            .query(matching)
            .table_name(matches.clone())
            .materialized(true)
            .to_owned();
        let users = self
            .user_select()
            .join(
                sea_orm::JoinType::InnerJoin,
                matches.clone(),
                Expr::col((matches, user::Column::Id)).equals((user::Entity, user::Column::Id)),
            )
            .take();
        page_of(users).with(WithClause::new().cte(found_first).to_owned())
    }

    /// The users of this company with their role, department and branch names.
    pub(crate) fn user_select(&self) -> SelectStatement {
        let (dep, br, ro) = (Alias::new("d"), Alias::new("b"), Alias::new(ROLE_ALIAS));
        let same_company = |alias: &Alias| {
            Expr::col((alias.clone(), Alias::new("company_id")))
                .equals((user::Entity, user::Column::CompanyId))
        };
        Query::select()
            .columns(
                [
                    user::Column::Id,
                    user::Column::Name,
                    user::Column::Email,
                    user::Column::EmployeeCode,
                    user::Column::Phone,
                    user::Column::LeadCap,
                    user::Column::Banned,
                    user::Column::CreatedAt,
                    user::Column::UpdatedAt,
                    user::Column::Version,
                    user::Column::DepartmentId,
                    user::Column::BranchId,
                    user::Column::RoleId,
                    user::Column::ExternalId,
                    user::Column::LeadsHeld,
                ]
                .map(|c| (user::Entity, c)),
            )
            .expr_as(
                Expr::col((user::Entity, user::Column::MpinHash)).is_not_null(),
                "mpin_set",
            )
            .expr_as(
                Expr::col((dep.clone(), department::Column::Name)),
                "department_name",
            )
            .expr_as(Expr::col((br.clone(), branch::Column::Name)), "branch_name")
            .expr_as(Expr::col((ro.clone(), role::Column::Name)), "role_name")
            .from(user::Entity)
            .join_as(
                sea_orm::JoinType::InnerJoin,
                role::Entity,
                ro.clone(),
                same_company(&ro).and(
                    Expr::col((ro.clone(), role::Column::Id))
                        .equals((user::Entity, user::Column::RoleId)),
                ),
            )
            .join_as(
                sea_orm::JoinType::LeftJoin,
                department::Entity,
                dep.clone(),
                same_company(&dep).and(
                    Expr::col((dep.clone(), department::Column::Id))
                        .equals((user::Entity, user::Column::DepartmentId)),
                ),
            )
            .join_as(
                sea_orm::JoinType::LeftJoin,
                branch::Entity,
                br.clone(),
                same_company(&br).and(
                    Expr::col((br.clone(), branch::Column::Id))
                        .equals((user::Entity, user::Column::BranchId)),
                ),
            )
            .and_where(Expr::col((user::Entity, user::Column::CompanyId)).eq(self.company_id))
            .take()
    }
}

/// The filter's `q` when it searches for something.
fn search_term(filter: &UserFilter) -> Option<&str> {
    filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
}

fn user_condition(filter: &UserFilter, backend: DbBackend, search: Search) -> Condition {
    let column = |c: user::Column| Expr::col((user::Entity, c));
    let mut condition = Condition::all();
    if let Some(q) = search_term(filter) {
        condition = condition.add(if storable(q) {
            search_matches(&q.to_lowercase(), backend, search)
        } else {
            matches_nothing()
        });
    }
    if let Some(email) = filter.email.as_deref() {
        condition = condition.add(if storable(email) {
            column(user::Column::Email).eq(email)
        } else {
            matches_nothing()
        });
    }
    if let Some(external_id) = filter.external_id.as_deref() {
        condition = condition.add(if storable(external_id) {
            column(user::Column::ExternalId).eq(external_id)
        } else {
            matches_nothing()
        });
    }
    if let Some(id) = filter.department_id {
        condition = condition.add(column(user::Column::DepartmentId).eq(id));
    }
    if let Some(id) = filter.branch_id {
        condition = condition.add(column(user::Column::BranchId).eq(id));
    }
    if let Some(id) = filter.role_id {
        condition = condition.add(column(user::Column::RoleId).eq(id));
    }
    if let Some(banned) = filter.banned {
        condition = condition.add(column(user::Column::Banned).eq(banned));
    }
    condition
}

/// How a page of a search finds its users (the count always goes through the index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Search {
    /// The matches are found, then sorted: for few matches. On PostgreSQL the search is a
    /// `LIKE` its trigram index can answer, and the page finds its matches first
    /// ([`Tenant::matches_first`]).
    Indexed,
    /// The users are read in the page's order and each tested until the page is full: for
    /// many matches, the page is found long before the end (sorting them all is what takes
    /// time then).
    InOrder,
}

/// From this many matches a search's page is read in order ([`Search::InOrder`]): the plan
/// cached for the statement cannot tell a search matching ten users from one matching ten
/// thousand, so the two are different statements.
const SCAN_IN_ORDER_FROM: i64 = 1_000;

/// Whether the user's `search_text` (name, email, employee code and phone, case-folded) holds
/// `folded`. PostgreSQL, [`Search::Indexed`]: `LIKE '%...%'`, which the trigram index answers
/// (when the server has `pg_trgm`, see the migration). Otherwise a plain substring test
/// (`strpos`, SQLite's `instr`): no pattern to escape, and SQLite's `LIKE` would fold ASCII
/// case again on text already folded.
fn search_matches(folded: &str, backend: DbBackend, search: Search) -> Expr {
    let search_text = Expr::col((user::Entity, user::Column::SearchText));
    let position = match backend {
        DbBackend::Postgres if search == Search::Indexed => {
            let pattern = format!("%{}%", escape_like(folded));
            return search_text.like(LikeExpr::new(pattern).escape('\\'));
        }
        DbBackend::Postgres => "strpos",
        _ => "instr",
    };
    Expr::from(Func::cust(position).arg(search_text).arg(folded.to_owned())).gt(0)
}

fn named_ref(row: &QueryResult, id: &str, name: &str) -> Result<Option<NamedRef>, StoreError> {
    let id: Option<Uuid> = row.try_get("", id)?;
    let name: Option<String> = row.try_get("", name)?;
    Ok(id.zip(name).map(|(id, name)| NamedRef { id, name }))
}

pub(crate) fn user_view_from_row(row: &QueryResult) -> Result<UserView, StoreError> {
    Ok(UserView {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        email: row.try_get("", "email")?,
        employee_code: row.try_get("", "employee_code")?,
        phone: row.try_get("", "phone")?,
        department: named_ref(row, "department_id", "department_name")?,
        branch: named_ref(row, "branch_id", "branch_name")?,
        role: NamedRef {
            id: row.try_get("", "role_id")?,
            name: row.try_get("", "role_name")?,
        },
        lead_cap: row.try_get("", "lead_cap")?,
        external_id: row.try_get("", "external_id")?,
        leads_held: row.try_get::<i32>("", "leads_held")?.into(),
        banned: row.try_get("", "banned")?,
        mpin_set: row.try_get("", "mpin_set")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
        version: Version(row.try_get("", "version")?),
    })
}
