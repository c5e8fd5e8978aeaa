//! `ETag` and `If-Match`: two admins editing one resource no longer overwrite each other
//! silently. The same three tests run on every resource that carries a version.

use futures::future::join_all;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Signup, TestApp, problem, spawn_app, text};

/// A resource under test: its path, a change of it (a different one for each `n`, none of
/// them what the resource holds when created), and whether it can be deleted.
struct Case {
    path: String,
    change: fn(usize) -> Value,
    deletable: bool,
}

/// A PATCH or DELETE at `path`, conditioned with `If-Match` when given.
async fn conditional(
    app: &TestApp,
    admin: &Signup,
    method: Method,
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

/// Creates a resource with a POST to `collection`; its path (the `Location`).
async fn created(app: &TestApp, admin: &Signup, collection: &str, body: Value) -> String {
    let response = app.post(collection, Some(&admin.access_token), &body).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "creating at {collection}"
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The attack on data: both admins read the resource, the first saves, the second saves
/// what they read over it. Now the second save names the version it read and gets 412.
async fn a_change_made_on_a_stale_read_is_refused_and_changes_nothing(
    app: &TestApp,
    admin: &Signup,
    case: &Case,
) {
    let path = case.path.as_str();
    let read_tag = etag(&app.get(path, Some(&admin.access_token)).await);
    let (first_body, second_body) = ((case.change)(1), (case.change)(2));

    let first = conditional(
        app,
        admin,
        Method::PATCH,
        path,
        Some(&read_tag),
        Some(&first_body),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first_tag = etag(&first);
    let first: Value = first.json().await.unwrap();
    let second = conditional(
        app,
        admin,
        Method::PATCH,
        path,
        Some(&read_tag),
        Some(&second_body),
    )
    .await;

    assert_ne!(first_tag, read_tag, "a change gets a new version");
    assert_eq!(
        problem(second, StatusCode::PRECONDITION_FAILED).await["code"],
        "precondition_failed"
    );
    if case.deletable {
        let stale_delete =
            conditional(app, admin, Method::DELETE, path, Some(&read_tag), None).await;
        assert_eq!(
            problem(stale_delete, StatusCode::PRECONDITION_FAILED).await["code"],
            "precondition_failed"
        );
    }
    let now = app.get(path, Some(&admin.access_token)).await;
    assert_eq!(
        etag(&now),
        first_tag,
        "the same version as the first edit's answer"
    );
    assert_eq!(now.json::<Value>().await.unwrap(), first, "nothing changed");
    if case.deletable {
        let delete = conditional(app, admin, Method::DELETE, path, Some(&first_tag), None).await;
        assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    }
}

async fn two_concurrent_changes_on_one_version_apply_once(
    app: &TestApp,
    admin: &Signup,
    case: &Case,
) {
    let path = case.path.as_str();
    let tag = etag(&app.get(path, Some(&admin.access_token)).await);
    let bodies: Vec<_> = (0..6).map(case.change).collect();

    let answers = join_all(
        bodies
            .iter()
            .map(|body| conditional(app, admin, Method::PATCH, path, Some(&tag), Some(body))),
    )
    .await;

    let statuses: Vec<_> = answers.iter().map(Response::status).collect();
    let applied = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((applied, refused), (1, 5), "{statuses:?}");
}

async fn if_match_star_and_tags_that_name_no_version(app: &TestApp, admin: &Signup, case: &Case) {
    let path = case.path.as_str();
    let tag = etag(&app.get(path, Some(&admin.access_token)).await);
    let patch = |if_match: Option<String>, n: usize| async move {
        let body = (case.change)(n);
        conditional(
            app,
            admin,
            Method::PATCH,
            path,
            if_match.as_deref(),
            Some(&body),
        )
        .await
    };

    let any = patch(Some("*".into()), 1).await;
    let weak_answer = patch(Some(format!("W/{}", etag(&any))), 2).await;
    let unquoted = patch(Some("3".into()), 2).await;
    let unconditioned = patch(None, 2).await;

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

/// For each resource, a module `$resource` of the three tests on the case `$case` makes.
macro_rules! etag_tests {
    ($($resource:ident: $case:ident;)*) => {$(
        mod $resource {
            use crate::helpers::spawn_app;

            #[tokio::test]
            async fn a_change_made_on_a_stale_read_is_refused_and_changes_nothing() {
                let app = spawn_app().await;
                let admin = app.signup("acme").await;
                let case = super::$case(&app, &admin).await;
                super::a_change_made_on_a_stale_read_is_refused_and_changes_nothing(&app, &admin, &case).await;
            }

            #[tokio::test]
            async fn two_concurrent_changes_on_one_version_apply_once() {
                let app = spawn_app().await;
                let admin = app.signup("acme").await;
                let case = super::$case(&app, &admin).await;
                super::two_concurrent_changes_on_one_version_apply_once(&app, &admin, &case).await;
            }

            #[tokio::test]
            async fn if_match_star_and_tags_that_name_no_version() {
                let app = spawn_app().await;
                let admin = app.signup("acme").await;
                let case = super::$case(&app, &admin).await;
                super::if_match_star_and_tags_that_name_no_version(&app, &admin, &case).await;
            }
        }
    )*};
}

etag_tests! {
    users: agent;
    roles: team_role;
    departments: sales_department;
    branches: pune_branch;
    leads: meera_lead;
    settings: the_settings;
    subscription: the_subscription;
}

async fn agent(app: &TestApp, admin: &Signup) -> Case {
    let user = app
        .create_user(&admin.access_token, "ravi@acme.example", "Agent")
        .await;
    Case {
        path: format!("/api/v1/users/{}", user["id"].as_str().unwrap()),
        change: |n| json!({"name": format!("Edit {n}"), "phone": format!("+9198765432{n:02}")}),
        deletable: true,
    }
}

async fn team_role(app: &TestApp, admin: &Signup) -> Case {
    let body = json!({"name": "Team", "permissions": ["management:read"]});
    Case {
        path: created(app, admin, "/api/v1/roles", body).await,
        change: |n| json!({"name": format!("Team {n}")}),
        deletable: true,
    }
}

async fn sales_department(app: &TestApp, admin: &Signup) -> Case {
    let body = json!({"name": "Sales"});
    Case {
        path: created(app, admin, "/api/v1/departments", body).await,
        change: |n| json!({"name": format!("Sales {n}")}),
        deletable: true,
    }
}

async fn pune_branch(app: &TestApp, admin: &Signup) -> Case {
    let body = json!({"name": "Pune"});
    Case {
        path: created(app, admin, "/api/v1/branches", body).await,
        change: |n| json!({"name": format!("Pune {n}")}),
        deletable: true,
    }
}

async fn meera_lead(app: &TestApp, admin: &Signup) -> Case {
    let body = json!({"name": "Meera"});
    Case {
        path: created(app, admin, "/api/v1/leads", body).await,
        change: |n| json!({"name": format!("Meera {n}"), "source": format!("Fair {n}")}),
        deletable: true,
    }
}

async fn the_settings(_: &TestApp, _: &Signup) -> Case {
    Case {
        path: "/api/v1/settings".into(),
        change: |n| json!({"daily_top_up": {"at": format!("10:{n:02}")}}),
        deletable: false,
    }
}

async fn the_subscription(_: &TestApp, _: &Signup) -> Case {
    Case {
        path: "/api/v1/subscription".into(),
        change: |n| json!({"agent_limit": 20 + n}),
        deletable: false,
    }
}

/// A lead's assignee is one of its own fields, whoever changes it: distribution and the
/// deletion of its assignee give it a new version, so an edit read before either is refused.
#[tokio::test]
async fn distribution_and_the_assignees_deletion_change_a_leads_version() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let lead = meera_lead(&app, &admin).await.path;
    let token = Some(admin.access_token.as_str());
    let unassigned = etag(&app.get(&lead, token).await);
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    let ravi = app
        .create_user_response(
            &admin.access_token,
            "ravi@acme.example",
            &role_id,
            json!({"lead_cap": 5}),
        )
        .await;
    let ravi = format!(
        "/api/v1/users/{}",
        ravi.json::<Value>().await.unwrap()["id"].as_str().unwrap()
    );

    let distributed = app
        .post("/api/v1/leads/distribute", token, &json!({}))
        .await;
    assert_eq!(distributed.status(), StatusCode::OK);
    let assigned = app.get(&lead, token).await;
    let assigned_tag = etag(&assigned);
    assert!(!assigned.json::<Value>().await.unwrap()["assignee"].is_null());
    assert_eq!(
        app.delete(&ravi, token).await.status(),
        StatusCode::NO_CONTENT
    );
    let orphaned = etag(&app.get(&lead, token).await);
    let stale = conditional(
        &app,
        &admin,
        Method::PATCH,
        &lead,
        Some(&assigned_tag),
        Some(&json!({"name": "Meera S"})),
    )
    .await;

    assert_ne!(assigned_tag, unassigned, "distribution assigned it");
    assert_ne!(
        orphaned, assigned_tag,
        "its assignee's deletion unassigned it"
    );
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn concurrent_edits_of_two_users_on_one_version_apply_once_per_user() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let mut paths = Vec::new();
    for email in ["ravi@acme.example", "meera@acme.example"] {
        let id = text(&app.create_user(&admin.access_token, email, "Agent").await["id"]);
        paths.push(format!("/api/v1/users/{id}"));
    }

    // Ten contact edits of each user at once, all made on version 1: a contact edit locks
    // the user, not the company, and the edits of one user still go one after the other.
    let bodies: Vec<Value> = (0..20)
        .map(|n| json!({"phone": format!("+9197700000{n:02}")}))
        .collect();
    let edits = join_all((0..20).map(|n| {
        conditional(
            &app,
            &admin,
            Method::PATCH,
            &paths[n % 2],
            Some("\"1\""),
            Some(&bodies[n]),
        )
    }))
    .await;

    for first in 0..2 {
        let statuses: Vec<StatusCode> = edits
            .iter()
            .skip(first)
            .step_by(2)
            .map(|r| r.status())
            .collect();
        let applied = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
            .count();
        assert_eq!((applied, refused), (1, 9), "{statuses:?}");
    }
}
