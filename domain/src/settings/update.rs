use super::{SettingsPatch, changed_fields};
use crate::ports::{Audit, Commit, CompanySettings, Store};
use crate::{Actor, AuditEntry, DomainError};

/// Applies `patch` to the settings read under the company's lock, so two concurrent partial
/// changes both land (neither overwrites the other with what it read before), and records
/// `settings.updated` with the changed field names. Nothing is written when nothing changes,
/// nor when the patch is conditioned on versions the settings no longer have.
pub async fn update_settings(
    store: &impl Store,
    actor: &Actor,
    patch: &SettingsPatch,
) -> Result<(), DomainError> {
    let mut tx = store.begin(actor.company_id).await?;
    let before = tx.lock_settings().await?;
    patch.precondition.check(before.version)?;
    let settings = patch.apply(&before);
    let changes = changed_fields(&before, &settings);
    if changes.is_empty() {
        return Ok(());
    }
    tx.save_settings(&settings).await?;
    let entry = AuditEntry {
        action: "settings.updated",
        target: None,
        changes,
    };
    tx.record(actor, entry).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryStore, run};
    use crate::{Precondition, Version};

    #[test]
    fn a_partial_change_keeps_the_rest_and_audits_only_what_changed() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let off = SettingsPatch {
            auto_assign_new_leads: Some(false),
            top_up_enabled: Some(true),
            ..SettingsPatch::default()
        };

        run(update_settings(&store, &company.admin, &off)).expect("updated");
        run(update_settings(&store, &company.admin, &off)).expect("no-op");

        let after = store.company(company.company_id);
        assert!(!after.settings.auto_assign_new_leads);
        assert_eq!(after.settings.top_up_timezone, "UTC");
        assert_eq!(after.settings.version, Version(2), "one write");
        assert_eq!(after.audit.len(), 1);
        assert_eq!(after.audit[0].changes, ["auto_assign_new_leads"]);
    }

    #[test]
    fn a_change_conditioned_on_an_older_version_changes_nothing() {
        let store = MemoryStore::default();
        let company = store.sign_up(5);
        let read_at = Precondition::OneOf(vec![Version::default()]);
        let auto_assign = |on: bool| SettingsPatch {
            auto_assign_new_leads: Some(on),
            precondition: read_at.clone(),
            ..SettingsPatch::default()
        };

        run(update_settings(&store, &company.admin, &auto_assign(false)))
            .expect("at the version it was read at");
        let after_first = store.company(company.company_id).settings;
        let second = run(update_settings(&store, &company.admin, &auto_assign(true)));

        assert_eq!(after_first.version, Version(2));
        assert!(matches!(second, Err(DomainError::PreconditionFailed)));
        let now = store.company(company.company_id).settings;
        assert_eq!(now, after_first, "nothing changed");
    }
}
