use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::entity::{branch, department, role, user};
use crate::{StoreError, Tenant};

/// `{id, name}` of a record a user refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRef {
    pub id: Uuid,
    pub name: String,
}

/// A user as clients see it: no secret, references resolved to names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub employee_code: Option<String>,
    pub phone: Option<String>,
    pub department: Option<NamedRef>,
    pub branch: Option<NamedRef>,
    pub role: NamedRef,
    pub lead_cap: i32,
    pub leads_held: i64,
    pub banned: bool,
    pub mpin_set: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tenant<'_> {
    pub async fn user_view(&self, user_id: Uuid) -> Result<UserView, StoreError> {
        let (dep, br, ro) = (Alias::new("d"), Alias::new("b"), Alias::new("r"));
        let same_company = |alias: &Alias| {
            Expr::col((alias.clone(), Alias::new("company_id")))
                .equals((user::Entity, user::Column::CompanyId))
        };
        let query = Query::select()
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
                    user::Column::DepartmentId,
                    user::Column::BranchId,
                    user::Column::RoleId,
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
}

fn named_ref(row: &QueryResult, id: &str, name: &str) -> Result<Option<NamedRef>, StoreError> {
    let id: Option<Uuid> = row.try_get("", id)?;
    let name: Option<String> = row.try_get("", name)?;
    Ok(id.zip(name).map(|(id, name)| NamedRef { id, name }))
}

fn user_view_from_row(row: &QueryResult) -> Result<UserView, StoreError> {
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
        // Leads arrive with the leads feature; until then nobody holds any.
        leads_held: 0,
        banned: row.try_get("", "banned")?,
        mpin_set: row.try_get("", "mpin_set")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
    })
}
