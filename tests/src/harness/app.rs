//! The real application in this process, on the port its configuration names (0: any).

use api::{Application, Config};

use super::Error;

/// Builds the app (migrating its database), serves it on a task of the current runtime, and
/// returns its base URL. It is listening when this returns, so no readiness wait is needed.
pub async fn start_in_process(config: &Config) -> Result<String, Error> {
    let app = Application::build(config)
        .await
        .map_err(|err| format!("the app does not build: {err}"))?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Ok(base)
}
