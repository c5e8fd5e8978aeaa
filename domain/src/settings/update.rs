use super::{Settings, SettingsPatch, changed_fields};
use crate::ports::{Audit, Commit, CompanySettings, Store};
use crate::{Actor, AuditEntry, DomainError};

/// Applies `patch` to the settings read under the company's lock, so two concurrent partial
/// changes both land (neither overwrites the other with what it read before), and records
/// `settings.updated` with the changed field names. Nothing is written when nothing changes.
/// Returns the settings now in force.
pub async fn update_settings(
    store: &impl Store,
    actor: &Actor,
    patch: &SettingsPatch,
) -> Result<Settings, DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let before = tx.lock_settings().await?;
    let settings = patch.apply(&before);
    let changes = changed_fields(&before, &settings);
    if changes.is_empty() {
        return Ok(before);
    }
    tx.save_settings(&settings).await?;
    let entry = AuditEntry {
        action: "settings.updated",
        target: None,
        changes,
    };
    tx.record(actor, entry).await?;
    tx.commit().await?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryStore, run};

    #[test]
    fn a_partial_change_keeps_the_rest_and_audits_only_what_changed() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let off = SettingsPatch {
            auto_assign_new_leads: Some(false),
            top_up_enabled: Some(true),
            ..SettingsPatch::default()
        };

        let after = run(update_settings(&store, &company.admin, &off)).expect("updated");
        run(update_settings(&store, &company.admin, &off)).expect("no-op");

        assert!(!after.auto_assign_new_leads);
        assert_eq!(after.top_up_timezone, "UTC");
        let audit = store.company(company.company_id).audit;
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].changes, ["auto_assign_new_leads"]);
    }
}
