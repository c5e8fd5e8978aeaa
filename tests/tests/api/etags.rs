//! `ETag` and `If-Match` on a user: two admins editing one user no longer overwrite each
//! other silently.

use futures::future::join_all;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Signup, TestApp, problem, spawn_app};

/// A PATCH or DELETE of the user at `path`, conditioned with `If-Match` when given.
async fn conditional(
    app: &TestApp,
    admin: &Signup,
    method: reqwest::Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<&Value>,
) -> Response {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(&admin.access_token);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

fn etag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

async fn agent(app: &TestApp, admin: &Signup) -> String {
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    format!("/api/v1/users/{}", user["id"].as_str().unwrap())
}

/// The attack on data: both admins read the user, the first saves, the second saves what
/// they read over it. Now the second save names the version it read and gets 412.
#[tokio::test]
async fn a_change_made_on_a_stale_read_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let path = agent(&app, &admin).await;
    let read = app.get(&path, Some(&admin.access_token)).await;
    let read_tag = etag(&read);
    let patch = reqwest::Method::PATCH;

    let first_body = json!({"name": "First Edit"});
    let first = conditional(
        &app,
        &admin,
        patch.clone(),
        &path,
        Some(&read_tag),
        Some(&first_body),
    )
    .await;
    let first_tag = etag(&first);
    let second_body = json!({"name": "Second Edit"});
    let second = conditional(
        &app,
        &admin,
        patch.clone(),
        &path,
        Some(&read_tag),
        Some(&second_body),
    )
    .await;
    let stale_delete = conditional(
        &app,
        &admin,
        reqwest::Method::DELETE,
        &path,
        Some(&read_tag),
        None,
    )
    .await;

    assert_eq!(first.status(), StatusCode::OK);
    assert_ne!(first_tag, read_tag, "a change gets a new version");
    assert_eq!(
        problem(second, StatusCode::PRECONDITION_FAILED).await["code"],
        "precondition_failed"
    );
    assert_eq!(
        problem(stale_delete, StatusCode::PRECONDITION_FAILED).await["code"],
        "precondition_failed"
    );
    let now = app.get(&path, Some(&admin.access_token)).await;
    assert_eq!(
        etag(&now),
        first_tag,
        "the same version as the first edit's answer"
    );
    assert_eq!(now.json::<Value>().await.unwrap()["name"], "First Edit");
    let delete = conditional(
        &app,
        &admin,
        reqwest::Method::DELETE,
        &path,
        Some(&first_tag),
        None,
    )
    .await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn two_concurrent_changes_on_one_version_apply_once() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let path = agent(&app, &admin).await;
    let tag = etag(&app.get(&path, Some(&admin.access_token)).await);
    let bodies: Vec<_> = (0..6)
        .map(|i| json!({"phone": format!("+9198765432{i:02}")}))
        .collect();

    let answers = join_all(bodies.iter().map(|body| {
        conditional(
            &app,
            &admin,
            reqwest::Method::PATCH,
            &path,
            Some(&tag),
            Some(body),
        )
    }))
    .await;

    let statuses: Vec<_> = answers.iter().map(Response::status).collect();
    let applied = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((applied, refused), (1, 5), "{statuses:?}");
}

#[tokio::test]
async fn if_match_star_and_tags_that_name_no_version() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let path = agent(&app, &admin).await;
    let tag = etag(&app.get(&path, Some(&admin.access_token)).await);
    let patch = reqwest::Method::PATCH;
    let body = json!({"name": "Renamed"});

    let any = conditional(&app, &admin, patch.clone(), &path, Some("*"), Some(&body)).await;
    let weak = format!("W/{}", etag(&any));
    let weak_answer =
        conditional(&app, &admin, patch.clone(), &path, Some(&weak), Some(&body)).await;
    let unquoted = conditional(&app, &admin, patch.clone(), &path, Some("3"), Some(&body)).await;
    let unconditioned = conditional(
        &app,
        &admin,
        patch,
        &path,
        None,
        Some(&json!({"name": "Again"})),
    )
    .await;

    assert_eq!(any.status(), StatusCode::OK, "`*`: any version");
    assert_ne!(etag(&any), tag);
    assert_eq!(
        weak_answer.status(),
        StatusCode::PRECONDITION_FAILED,
        "If-Match compares strongly"
    );
    assert_eq!(
        unquoted.status(),
        StatusCode::PRECONDITION_FAILED,
        "no entity tag: names no version"
    );
    assert_eq!(unconditioned.status(), StatusCode::OK, "as in v1");
}
