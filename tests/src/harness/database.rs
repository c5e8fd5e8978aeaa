//! A database that lives as long as its handle: a temp SQLite file, or a fresh PostgreSQL
//! database (created here, dropped on drop), or one the caller names and owns.

use std::path::Path;

use sea_orm::{ConnectionTrait, Database as Connection, DatabaseConnection, Statement};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::Error;

pub struct Database {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The caller's database: left as it is.
    None,
    /// Removing the directory removes the SQLite file (and its WAL files).
    SqliteDir(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server: String,
        name: String,
    },
}

impl Database {
    /// An existing database named by the caller, who owns it; nothing is dropped.
    pub fn given(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            cleanup: Cleanup::None,
        }
    }

    /// An empty SQLite file in a temp directory, created on first connect.
    pub fn sqlite() -> Result<Self, Error> {
        let dir = tempfile::tempdir().map_err(|err| format!("a temp dir: {err}"))?;
        let url = sqlite_url(dir.path());
        Ok(Self {
            url,
            cleanup: Cleanup::SqliteDir(dir),
        })
    }

    /// A fresh, empty PostgreSQL database on `server` (`postgres://USER@HOST:PORT`); the
    /// server that uses it migrates it, as on a first deployment.
    pub async fn postgres(server: &str) -> Result<Self, Error> {
        Self::create_postgres(server, "calliyo_check", "").await
    }

    /// A fresh PostgreSQL database copied from the database at `template_url`, which is
    /// created if missing and migrated once per process: copying a migrated template is much
    /// faster than migrating each database, which matters when every test makes one.
    pub async fn postgres_from_template(template_url: &str) -> Result<Self, Error> {
        let (server, template) = split_url(template_url)?;
        migrated_template(template_url).await?;
        Self::create_postgres(server, "calliyo_t", &format!(r#" TEMPLATE "{template}""#)).await
    }

    /// A database named `<prefix>_<random>` (the prefix tells a test's from a check's).
    async fn create_postgres(server: &str, prefix: &str, template: &str) -> Result<Self, Error> {
        let name = format!("{prefix}_{}", Uuid::new_v4().simple());
        let admin = connect(&maintenance_url(server)).await?;
        run(&admin, &format!(r#"CREATE DATABASE "{name}"{template}"#)).await?;
        admin.close().await?;
        Ok(Self {
            url: format!("{server}/{name}"),
            cleanup: Cleanup::Postgres {
                server: server.to_owned(),
                name,
            },
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// The users whose maintained `leads_held` differs from a recount of the open leads
    /// assigned to them: none, unless a write of leads forgot to move the count.
    pub async fn held_drift(&self) -> Result<i64, Error> {
        let db = connect(&self.url).await?;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                HELD_DRIFT,
            ))
            .await?
            .ok_or("the drift count returned no row")?;
        db.close().await?;
        Ok(row.try_get_by_index(0)?)
    }

    /// Runs one statement on this database.
    pub async fn execute(&self, sql: &str) -> Result<(), Error> {
        let db = connect(&self.url).await?;
        run(&db, sql).await?;
        db.close().await?;
        Ok(())
    }
}

const HELD_DRIFT: &str = "SELECT COUNT(*) FROM users WHERE leads_held <> \
    (SELECT COUNT(*) FROM leads WHERE leads.company_id = users.company_id \
     AND leads.assignee_id = users.id AND leads.open = TRUE)";

/// The URL of a SQLite file `calliyo.db` in `dir`, created on first connect. For a caller
/// that keeps the file (with `Database::given`), e.g. to read it after a failed run.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("calliyo.db").display())
}

/// (`postgres://USER@HOST:PORT`, database name) of a PostgreSQL URL.
fn split_url(url: &str) -> Result<(&str, &str), Error> {
    url.rsplit_once('/')
        .filter(|(server, _)| server.starts_with("postgres"))
        .ok_or_else(|| format!("{url} is not postgres://USER@HOST:PORT/DATABASE").into())
}

/// The database every PostgreSQL server has, to create and drop the others from.
fn maintenance_url(server: &str) -> String {
    format!("{server}/postgres")
}

async fn migrated_template(template_url: &str) -> Result<(), Error> {
    static TEMPLATE: OnceCell<()> = OnceCell::const_new();
    TEMPLATE
        .get_or_try_init(|| async {
            let (server, template) = split_url(template_url)?;
            let admin = connect(&maintenance_url(server)).await?;
            let exists = admin
                .query_one_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT 1 FROM pg_database WHERE datname = '{template}'"),
                ))
                .await?
                .is_some();
            if !exists {
                run(&admin, &format!(r#"CREATE DATABASE "{template}""#)).await?;
            }
            admin.close().await?;
            let store = persistence::connect(&persistence::ConnectOptions {
                url: template_url.to_owned(),
                max_connections: 1,
            })
            .await
            .map_err(|err| format!("connecting to the template {template_url}: {err}"))?;
            persistence::migrate(&store)
                .await
                .map_err(|err| format!("migrating the template {template_url}: {err}"))?;
            store.close().await?;
            Ok::<(), Error>(())
        })
        .await?;
    Ok(())
}

async fn connect(url: &str) -> Result<DatabaseConnection, Error> {
    Connection::connect(url)
        .await
        .map_err(|err| format!("connecting to {url}: {err}").into())
}

async fn run(db: &DatabaseConnection, sql: &str) -> Result<(), Error> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .map_err(|err| format!("{sql}: {err}"))?;
    Ok(())
}

impl Drop for Database {
    fn drop(&mut self) {
        let Cleanup::Postgres { server, name } = &self.cleanup else {
            return;
        };
        // Drop may run inside a runtime, which cannot be blocked on: a thread with a runtime
        // of its own drops the database (FORCE ends the connections servers still hold).
        let (admin_url, sql) = (
            maintenance_url(server),
            format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
        );
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| err.to_string())?;
            runtime.block_on(async {
                let admin = connect(&admin_url).await.map_err(|err| err.to_string())?;
                run(&admin, &sql).await.map_err(|err| err.to_string())?;
                admin.close().await.map_err(|err| err.to_string())
            })
        })
        .join()
        .unwrap_or_else(|_| Err("the thread dropping it panicked".to_owned()));
        // A database left behind is a failure of the run, not a detail: say so loudly, unless
        // something is already failing (a second panic would abort and hide the first).
        if let Err(err) = dropped {
            if std::thread::panicking() {
                eprintln!("could not drop database {name}: {err}");
            } else {
                panic!("could not drop database {name}: {err}");
            }
        }
    }
}
