// Over 400 lines: one test per rule of the leads section of the contract; independent tests, kept in the contract's order.
//! Leads, lead caps, auto-assignment, distribution and the daily top-up.

use chrono::{DateTime, Utc};
use domain::leads;
use domain::queries::SchedulerQueries;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Signup, TestApp, problem, spawn_app, spawn_app_with, text};

/// An agent with `cap`, returned as its id.
async fn agent(app: &TestApp, admin: &Signup, email: &str, cap: i64) -> String {
    let role_id = app.role_id(&admin.access_token, "Agent").await;
    let response = app
        .create_user_response(
            &admin.access_token,
            email,
            &role_id,
            json!({"lead_cap": cap}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    text(&response.json::<Value>().await.unwrap()["id"])
}

async fn create_lead(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/leads", Some(token), &body).await
}

/// Posts one batch of `count` leads named `Lead 0`, `Lead 1`, ..., none asking for an
/// assignee; the batch's answer (`{created, ids}`).
async fn batch_of(app: &TestApp, token: &str, count: usize) -> Value {
    let leads: Vec<Value> = (0..count)
        .map(|i| json!({"name": format!("Lead {i}")}))
        .collect();
    let response = app
        .post("/api/v1/leads/batch", Some(token), &json!({"leads": leads}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn auto_assign_off(app: &TestApp, token: &str) {
    let response = app
        .patch(
            "/api/v1/settings",
            Some(token),
            &json!({"auto_assign_new_leads": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_created_lead_is_answered_as_a_read_returns_it() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let ravi = agent(&app, &admin, "ravi@acme.example", 5).await;
    let bodies = [
        json!({"name": "Auto", "phone": "+14155550100", "email": "A@Globex.example", "source": "web"}),
        json!({"name": "Named", "assignee_id": ravi}),
        json!({"name": "Closed", "status": "lost"}),
    ];
    for body in bodies {
        let created = create_lead(&app, token, body.clone()).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let answered: Value = created.json().await.unwrap();
        let read: Value = app.get(&location, Some(token)).await.json().await.unwrap();
        assert_eq!(answered, read, "{body}");
    }
}

#[tokio::test]
async fn leads_are_created_listed_changed_and_deleted() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();

    let response = create_lead(&app, token, json!({"name": "Globex enquiry", "phone": "+14155550100", "email": "Buyer@Globex.example", "source": "website"})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let lead: Value = response.json().await.unwrap();
    assert_eq!(
        (
            lead["status"].as_str(),
            lead["email"].as_str(),
            lead["assignee"].clone()
        ),
        (Some("new"), Some("buyer@globex.example"), Value::Null),
        "the admin's cap is 0: nobody is eligible, so the lead stays unassigned"
    );

    let listed: Value = app
        .get("/api/v1/leads?q=GLOBEX&unassigned=true", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1);
    let changed: Value = app
        .patch(
            &location,
            Some(token),
            &json!({"status": "contacted", "source": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (changed["status"].as_str(), &changed["source"]),
        (Some("contacted"), &Value::Null)
    );
    let bad = app
        .patch(&location, Some(token), &json!({"status": "open"}))
        .await;
    assert_eq!(
        problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "status"
    );
    assert_eq!(
        app.get("/api/v1/leads?status=maybe", Some(token))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    assert_eq!(
        app.delete(&location, Some(token)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&location, Some(token)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn manual_assignment_respects_the_cap_and_bans_first() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let ravi = agent(&app, &admin, "ravi@acme.example", 2).await;

    for _ in 0..2 {
        let ok = create_lead(&app, token, json!({"name": "Lead", "assignee_id": ravi})).await;
        assert_eq!(ok.status(), StatusCode::CREATED);
    }
    let third = create_lead(&app, token, json!({"name": "Lead", "assignee_id": ravi})).await;
    assert_eq!(
        problem(third, StatusCode::CONFLICT).await["code"],
        "lead_cap_reached"
    );
    let closed = create_lead(
        &app,
        token,
        json!({"name": "Won deal", "status": "won", "assignee_id": ravi}),
    )
    .await;
    assert_eq!(
        closed.status(),
        StatusCode::CREATED,
        "a closed lead does not count against the cap"
    );

    app.patch(
        &format!("/api/v1/users/{ravi}"),
        Some(token),
        &json!({"banned": true}),
    )
    .await;
    let banned = create_lead(&app, token, json!({"name": "Lead", "assignee_id": ravi})).await;
    assert_eq!(
        problem(banned, StatusCode::CONFLICT).await["code"],
        "assignee_banned",
        "checked before the cap"
    );
    let user: Value = app
        .get(&format!("/api/v1/users/{ravi}"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["leads_held"], 2, "a banned user keeps their leads");
}

/// "Banned users keep their leads and get no new ones": not even a closed lead, on creation
/// or by reassignment (the cap, which counts open leads only, does not come into it).
#[tokio::test]
async fn a_banned_user_is_given_no_lead_even_a_closed_one() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let ravi = agent(&app, &admin, "ravi@acme.example", 5).await;
    let won = create_lead(&app, token, json!({"name": "Won deal", "status": "won"})).await;
    let won: Value = won.json().await.unwrap();
    app.patch(
        &format!("/api/v1/users/{ravi}"),
        Some(token),
        &json!({"banned": true}),
    )
    .await;

    let created = create_lead(
        &app,
        token,
        json!({"name": "Lost deal", "status": "lost", "assignee_id": ravi}),
    )
    .await;
    let reassigned = app
        .patch(
            &format!("/api/v1/leads/{}", text(&won["id"])),
            Some(token),
            &json!({"assignee_id": ravi}),
        )
        .await;

    assert_eq!(
        problem(created, StatusCode::CONFLICT).await["code"],
        "assignee_banned"
    );
    assert_eq!(
        problem(reassigned, StatusCode::CONFLICT).await["code"],
        "assignee_banned"
    );
}

#[tokio::test]
async fn reopening_a_closed_lead_counts_against_the_cap() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let ravi = agent(&app, &admin, "ravi@acme.example", 1).await;
    let closed: Value = create_lead(
        &app,
        token,
        json!({"name": "Old", "status": "lost", "assignee_id": ravi}),
    )
    .await
    .json()
    .await
    .unwrap();
    create_lead(&app, token, json!({"name": "Current", "assignee_id": ravi})).await;

    let reopen = app
        .patch(
            &format!("/api/v1/leads/{}", text(&closed["id"])),
            Some(token),
            &json!({"status": "new"}),
        )
        .await;

    assert_eq!(
        problem(reopen, StatusCode::CONFLICT).await["code"],
        "lead_cap_reached"
    );
}

#[tokio::test]
async fn lowering_a_cap_keeps_what_is_held_and_stops_new_leads() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let ravi = agent(&app, &admin, "ravi@acme.example", 3).await;
    for _ in 0..3 {
        create_lead(&app, token, json!({"name": "Lead", "assignee_id": ravi})).await;
    }

    let lowered: Value = app
        .patch(
            &format!("/api/v1/users/{ravi}"),
            Some(token),
            &json!({"lead_cap": 1}),
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(
        (lowered["lead_cap"].as_i64(), lowered["leads_held"].as_i64()),
        (Some(1), Some(3))
    );
    let more = create_lead(&app, token, json!({"name": "Lead", "assignee_id": ravi})).await;
    assert_eq!(
        problem(more, StatusCode::CONFLICT).await["code"],
        "lead_cap_reached"
    );
}

#[tokio::test]
async fn auto_assignment_picks_the_most_free_capacity_then_the_least_recent() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    let small = agent(&app, &admin, "small@acme.example", 1).await;
    let big = agent(&app, &admin, "big@acme.example", 3).await;

    let mut assignees = Vec::new();
    for _ in 0..5 {
        let lead: Value = create_lead(&app, token, json!({"name": "Lead"}))
            .await
            .json()
            .await
            .unwrap();
        assignees.push(lead["assignee"]["id"].as_str().map(str::to_owned));
    }

    let (s, b) = (Some(small.clone()), Some(big.clone()));
    // big (3 free), big (2), then both at 1: small was never assigned; then big; then nobody.
    assert_eq!(assignees, [b.clone(), b.clone(), s, b, None]);
    auto_assign_off(&app, token).await;
}

#[tokio::test]
async fn with_auto_assignment_off_new_leads_stay_unassigned() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    agent(&app, &admin, "ravi@acme.example", 5).await;
    auto_assign_off(&app, &admin.access_token).await;

    let lead: Value = create_lead(&app, &admin.access_token, json!({"name": "Lead"}))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(lead["assignee"], Value::Null);
}

#[tokio::test]
async fn a_batch_is_all_or_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let created = app
        .post(
            "/api/v1/leads/batch",
            token,
            &json!({"leads": [{"name": "A"}, {"name": "B", "status": "won"}]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(
        (
            body["created"].as_u64(),
            body["ids"].as_array().unwrap().len()
        ),
        (Some(2), 2)
    );

    let one_bad = app
        .post(
            "/api/v1/leads/batch",
            token,
            &json!({"leads": [{"name": "C"}, {"name": " "}]}),
        )
        .await;
    assert_eq!(
        problem(one_bad, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "leads[1].name"
    );
    let too_many: Vec<Value> = (0..10_001)
        .map(|i| json!({"name": format!("Lead {i}")}))
        .collect();
    let too_many = app
        .post("/api/v1/leads/batch", token, &json!({"leads": too_many}))
        .await;
    assert_eq!(
        problem(too_many, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"],
        "leads"
    );

    let listed: Value = app.get("/api/v1/leads", token).await.json().await.unwrap();
    assert_eq!(listed["total"], 2, "the refused batches created nothing");
}

#[tokio::test]
async fn distribution_fills_users_toward_their_caps_oldest_leads_first() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let ravi = agent(&app, &admin, "ravi@acme.example", 2).await;
    let sita = agent(&app, &admin, "sita@acme.example", 3).await;
    let banned = agent(&app, &admin, "banned@acme.example", 5).await;
    app.patch(
        &format!("/api/v1/users/{banned}"),
        Some(token),
        &json!({"banned": true}),
    )
    .await;
    let batch = batch_of(&app, token, 7).await;

    let run: Value = app
        .post("/api/v1/leads/distribute", Some(token), &json!({}))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(run["assigned"], 5);
    let shares: Vec<(String, u64)> = run["per_user"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (text(&s["user_id"]), s["assigned"].as_u64().unwrap()))
        .collect();
    assert_eq!(shares, [(sita.clone(), 3), (ravi.clone(), 2)]);
    let oldest: Value = app
        .get(
            &format!("/api/v1/leads/{}", text(&batch["ids"][0])),
            Some(token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(oldest["assignee"].is_object(), "the oldest leads go first");
    let newest: Value = app
        .get(
            &format!("/api/v1/leads/{}", text(&batch["ids"][6])),
            Some(token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(newest["assignee"], Value::Null);
    let again: Value = app
        .post("/api/v1/leads/distribute", Some(token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["assigned"], 0, "everyone is full");

    let load: Value = app
        .get("/api/v1/reports/lead-load", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(load["total"], 4, "every user, cap 0 included");
    let held: Vec<i64> = load["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["leads_held"].as_i64().unwrap())
        .collect();
    assert_eq!(held.iter().sum::<i64>(), 5);
}

#[tokio::test]
async fn deleting_a_user_returns_their_leads_to_the_pool() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let ravi = agent(&app, &admin, "ravi@acme.example", 2).await;
    let lead: Value = create_lead(&app, token, json!({"name": "Lead", "assignee_id": ravi}))
        .await
        .json()
        .await
        .unwrap();

    app.delete(&format!("/api/v1/users/{ravi}"), Some(token))
        .await;

    let lead: Value = app
        .get(&format!("/api/v1/leads/{}", text(&lead["id"])), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lead["assignee"], Value::Null);
}

/// Each user's `leads_held` is a count every write of leads moves: creating one (assigned,
/// open or closed), a batch, closing and reopening, handing over, unassigning, deleting, a
/// distribution, and deleting a user who held some.
#[tokio::test]
async fn every_write_of_leads_keeps_leads_held_exact() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let (asha, ravi) = (
        agent(&app, &admin, "asha@acme.example", 10).await,
        agent(&app, &admin, "ravi@acme.example", 10).await,
    );
    let held = |user: String| {
        let app = &app;
        async move {
            let path = format!("/api/v1/users/{user}");
            let user: Value = app.get(&path, Some(token)).await.json().await.unwrap();
            user["leads_held"].as_i64().unwrap()
        }
    };
    let leads = json!({"leads": [
        {"name": "One", "assignee_id": asha},
        {"name": "Two", "assignee_id": asha},
        {"name": "Won", "assignee_id": asha, "status": "won"},
        {"name": "Pool 1"},
        {"name": "Pool 2"},
    ]});
    let batch: Value = app
        .post("/api/v1/leads/batch", Some(token), &leads)
        .await
        .json()
        .await
        .unwrap();
    let id = |i: usize| format!("/api/v1/leads/{}", text(&batch["ids"][i]));
    assert_eq!(held(asha.clone()).await, 2);

    let change = |i: usize, body: Value| {
        let (app, path) = (&app, id(i));
        async move {
            let response = app.patch(&path, Some(token), &body).await;
            assert_eq!(response.status(), StatusCode::OK, "{body}");
        }
    };
    change(0, json!({"status": "lost"})).await;
    change(2, json!({"status": "contacted"})).await;
    change(1, json!({"assignee_id": ravi})).await;
    assert_eq!((held(asha.clone()).await, held(ravi.clone()).await), (1, 1));
    change(1, json!({"assignee_id": null})).await;
    change(0, json!({"assignee_id": ravi, "status": "new"})).await;
    assert_eq!((held(asha.clone()).await, held(ravi.clone()).await), (1, 1));
    assert_eq!(
        app.delete(&id(2), Some(token)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(held(asha.clone()).await, 0);
    let distributed = app
        .post("/api/v1/leads/distribute", Some(token), &json!({}))
        .await;
    assert_eq!(distributed.status(), StatusCode::OK);
    assert_eq!(held(asha.clone()).await + held(ravi.clone()).await, 4);
    app.assert_no_held_drift().await;

    let deleted = app
        .delete(&format!("/api/v1/users/{ravi}"), Some(token))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    app.assert_no_held_drift().await;
}

#[tokio::test]
async fn twenty_concurrent_assignments_to_a_cap_of_five_let_exactly_five_through() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    let ravi = agent(&app, &admin, "ravi@acme.example", 5).await;
    let batch = batch_of(&app, token, 20).await;
    let paths: Vec<String> = batch["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| format!("/api/v1/leads/{}", text(id)))
        .collect();
    let body = json!({"assignee_id": ravi});

    let answers = join_all(paths.iter().map(|path| app.patch(path, Some(token), &body))).await;

    let ok = answers
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    let capped = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, capped), (5, 15));
    let user: Value = app
        .get(&format!("/api/v1/users/{ravi}"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["leads_held"], 5);
    app.assert_no_held_drift().await;
}

#[tokio::test]
async fn fifty_concurrent_auto_assigned_creations_never_exceed_a_cap() {
    let app = spawn_app_with(|config| config.default_agent_limit = 10).await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    for (i, cap) in [3, 5, 7].into_iter().enumerate() {
        agent(&app, &admin, &format!("agent{i}@acme.example"), cap).await;
    }

    let answers =
        join_all((0..50).map(|i| create_lead(&app, token, json!({"name": format!("Lead {i}")}))))
            .await;

    assert!(answers.iter().all(|r| r.status() == StatusCode::CREATED));
    let load: Value = app
        .get("/api/v1/reports/lead-load", Some(token))
        .await
        .json()
        .await
        .unwrap();
    for user in load["items"].as_array().unwrap() {
        assert_eq!(user["leads_held"], user["lead_cap"], "{user}");
    }
    let pool: Value = app
        .get("/api/v1/leads?unassigned=true", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pool["total"], 50 - 15);
    app.assert_no_held_drift().await;
}

/// A lead intake locks only the user it picks, not the company: racing it against manual
/// assignments, a distribution and the deletion of a user still passes no cap, leaves no
/// lead with a deleted assignee, and keeps every count exact.
#[tokio::test]
async fn intakes_racing_assignments_a_distribution_and_a_deletion_pass_no_cap() {
    let app = &spawn_app_with(|config| config.default_agent_limit = 10).await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(app, token).await;
    let mut agents = Vec::new();
    for (i, cap) in [4, 4, 6].into_iter().enumerate() {
        agents.push(agent(app, &admin, &format!("agent{i}@acme.example"), cap).await);
    }
    let pool = batch_of(app, token, 8).await;
    let on = json!({"auto_assign_new_leads": true});
    assert_eq!(
        app.patch("/api/v1/settings", Some(token), &on)
            .await
            .status(),
        StatusCode::OK
    );

    let intakes =
        join_all((0..20).map(|i| create_lead(app, token, json!({"name": format!("Lead {i}")}))));
    let assignments = join_all(pool["ids"].as_array().unwrap()[..4].iter().map(|id| {
        let path = format!("/api/v1/leads/{}", text(id));
        let body = json!({"assignee_id": agents[0]});
        async move { app.patch(&path, Some(token), &body).await }
    }));
    let (everyone, leaver) = (json!({}), format!("/api/v1/users/{}", agents[2]));
    let distribution = app.post("/api/v1/leads/distribute", Some(token), &everyone);
    let deletion = app.delete(&leaver, Some(token));
    let (intakes, assignments, distribution, deletion) =
        tokio::join!(intakes, assignments, distribution, deletion);

    for intake in intakes {
        let status = intake.status();
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{}",
            intake.text().await.unwrap()
        );
    }
    assert!(
        assignments
            .iter()
            .all(|r| [StatusCode::OK, StatusCode::CONFLICT].contains(&r.status()))
    );
    assert_eq!(distribution.status(), StatusCode::OK);
    assert_eq!(deletion.status(), StatusCode::NO_CONTENT);
    let load: Value = app
        .get("/api/v1/reports/lead-load", Some(token))
        .await
        .json()
        .await
        .unwrap();
    let load = load["items"].as_array().unwrap();
    assert_eq!(load.len(), 3, "the admin and two agents are left: {load:?}");
    for user in load {
        assert!(
            user["leads_held"].as_i64() <= user["lead_cap"].as_i64(),
            "{user}"
        );
    }
    app.assert_no_held_drift().await;
}

#[tokio::test]
async fn concurrent_distributions_never_exceed_a_cap() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    agent(&app, &admin, "a@acme.example", 4).await;
    agent(&app, &admin, "b@acme.example", 6).await;
    batch_of(&app, token, 30).await;

    let empty = json!({});
    let runs =
        join_all((0..6).map(|_| app.post("/api/v1/leads/distribute", Some(token), &empty))).await;

    let mut assigned = 0;
    for run in runs {
        assert_eq!(run.status(), StatusCode::OK);
        assigned += run.json::<Value>().await.unwrap()["assigned"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(
        assigned, 10,
        "the runs were serialized: the caps were filled once"
    );
    let load: Value = app
        .get("/api/v1/reports/lead-load", Some(token))
        .await
        .json()
        .await
        .unwrap();
    for user in load["items"].as_array().unwrap() {
        assert_eq!(user["leads_held"], user["lead_cap"]);
    }
    app.assert_no_held_drift().await;
}

#[tokio::test]
async fn the_daily_top_up_runs_once_per_company_and_day_however_many_try() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    agent(&app, &admin, "ravi@acme.example", 3).await;
    batch_of(&app, token, 10).await;
    let store = persistence::connect(&persistence::ConnectOptions {
        url: app.database_url.clone(),
        max_connections: 4,
    })
    .await
    .unwrap();
    let company: uuid::Uuid = admin.company_id.parse().unwrap();
    let tenant = store.tenant(company);
    let now = chrono::Utc::now();
    let top_up = |day| domain::leads::daily_top_up(&store, &now, company, day);

    let (a, b, c) = tokio::join!(
        top_up("2026-11-28"),
        top_up("2026-11-28"),
        top_up("2026-11-28")
    );

    let ran: Vec<_> = [a.unwrap(), b.unwrap(), c.unwrap()]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(ran.len(), 1, "exactly one replica's attempt ran");
    assert_eq!(ran[0].assigned, 3);
    assert!(tenant.top_up_ran("2026-11-28").await.unwrap());
    assert!(
        top_up("2026-11-29").await.unwrap().is_some(),
        "the next day runs again"
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn the_scheduler_catches_up_on_a_missed_top_up() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = admin.access_token.as_str();
    auto_assign_off(&app, token).await;
    agent(&app, &admin, "ravi@acme.example", 2).await;
    app.post(
        "/api/v1/leads/batch",
        Some(token),
        &json!({"leads": [{"name": "A"}, {"name": "B"}]}),
    )
    .await;
    app.patch(
        "/api/v1/settings",
        Some(token),
        &json!({"daily_top_up": {"at": "09:00", "timezone": "Asia/Kolkata"}}),
    )
    .await;
    let store = persistence::connect(&persistence::ConnectOptions {
        url: app.database_url.clone(),
        max_connections: 2,
    })
    .await
    .unwrap();

    // 08:59 in Kolkata: not due. 11:30 (the server was down at 09:00): catches up, once.
    api::scheduler::tick(&store, "2026-11-28T03:29:00Z".parse().unwrap())
        .await
        .unwrap();
    let before: Value = app
        .get("/api/v1/leads?unassigned=true", Some(token))
        .await
        .json()
        .await
        .unwrap();
    api::scheduler::tick(&store, "2026-11-28T06:00:00Z".parse().unwrap())
        .await
        .unwrap();
    api::scheduler::tick(&store, "2026-11-28T06:01:00Z".parse().unwrap())
        .await
        .unwrap();

    assert_eq!(before["total"], 2);
    let after: Value = app
        .get("/api/v1/leads?unassigned=true", Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["total"], 0);
    store.close().await.unwrap();
}

/// Whether the scheduler's read names the company at `now`.
async fn top_up_due(store: &persistence::Store, company_id: &str, now: &str) -> bool {
    store
        .top_ups_due(now.parse().unwrap())
        .await
        .unwrap()
        .iter()
        .any(|due| due.company_id.to_string() == company_id)
}

#[tokio::test]
async fn the_scheduler_reads_a_company_only_when_its_top_up_is_due() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let store = persistence::connect(&persistence::ConnectOptions {
        url: app.database_url.clone(),
        max_connections: 2,
    })
    .await
    .unwrap();
    let company = admin.company_id.as_str();
    // The days this company's passes ran its top-up for (the database may hold others).
    let pass = |now: &'static str| {
        let store = &store;
        async move {
            let pass = leads::run_due_top_ups(store, &now.parse::<DateTime<Utc>>().unwrap())
                .await
                .unwrap();
            assert!(pass.failures.is_empty(), "{:?}", pass.failures);
            pass.runs
                .into_iter()
                .filter(|run| run.company_id.to_string() == company)
                .map(|run| run.day)
                .collect::<Vec<_>>()
        }
    };
    assert!(
        top_up_due(&store, company, "2026-11-28T08:00:00Z").await,
        "a new company is looked at by the next pass"
    );

    // The default top-up is 09:00 UTC: the 08:00 pass reschedules it to then, the 09:00 pass
    // runs it and reschedules it to tomorrow's.
    assert_eq!(pass("2026-11-28T08:00:00Z").await, Vec::<String>::new());
    assert!(!top_up_due(&store, company, "2026-11-28T08:59:59Z").await);
    assert!(top_up_due(&store, company, "2026-11-28T09:00:00Z").await);
    assert_eq!(pass("2026-11-28T09:00:00Z").await, ["2026-11-28"]);
    assert!(!top_up_due(&store, company, "2026-11-29T08:59:59Z").await);
    assert!(top_up_due(&store, company, "2026-11-29T09:00:00Z").await);

    // Changed settings are looked at by the next pass, whatever their time: 18:00 in Kolkata
    // is 12:30 UTC, due today, but today's run is on record, so nothing runs twice.
    let changed = app
        .patch(
            "/api/v1/settings",
            Some(&admin.access_token),
            &json!({"daily_top_up": {"at": "18:00", "timezone": "Asia/Kolkata"}}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(top_up_due(&store, company, "2026-11-28T09:00:01Z").await);
    assert_eq!(pass("2026-11-28T09:00:01Z").await, Vec::<String>::new());
    assert!(!top_up_due(&store, company, "2026-11-28T12:29:59Z").await);
    assert!(top_up_due(&store, company, "2026-11-28T12:30:00Z").await);
    assert_eq!(pass("2026-11-28T12:30:00Z").await, Vec::<String>::new());
    assert!(!top_up_due(&store, company, "2026-11-29T12:29:59Z").await);
    assert_eq!(pass("2026-11-29T12:30:00Z").await, ["2026-11-29"]);

    // Switched off: never due again.
    let off = app
        .patch(
            "/api/v1/settings",
            Some(&admin.access_token),
            &json!({"daily_top_up": {"enabled": false}}),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(pass("2026-11-29T12:30:01Z").await, Vec::<String>::new());
    assert!(!top_up_due(&store, company, "2099-01-01T00:00:00Z").await);
    store.close().await.unwrap();
}

#[tokio::test]
async fn settings_have_defaults_and_validate_partial_changes() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let defaults: Value = app
        .get("/api/v1/settings", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        defaults,
        json!({"auto_assign_new_leads": true, "daily_top_up": {"enabled": true, "at": "09:00", "timezone": "UTC"}})
    );

    let changed: Value = app
        .patch(
            "/api/v1/settings",
            token,
            &json!({"daily_top_up": {"timezone": "Asia/Kolkata"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        changed["daily_top_up"],
        json!({"enabled": true, "at": "09:00", "timezone": "Asia/Kolkata"})
    );
    let bad = app
        .patch(
            "/api/v1/settings",
            token,
            &json!({"daily_top_up": {"at": "25:00", "timezone": "Mars/Base"}}),
        )
        .await;
    let fields: Vec<String> = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| text(&e["field"]))
        .collect();
    assert_eq!(fields, ["daily_top_up.at", "daily_top_up.timezone"]);
    let kept: Value = app
        .get("/api/v1/settings", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept, changed, "a refused change changes nothing");
}

#[tokio::test]
async fn concurrent_partial_settings_changes_all_land() {
    let app = &spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());
    let changes = [
        json!({"auto_assign_new_leads": false}),
        json!({"daily_top_up": {"enabled": false}}),
        json!({"daily_top_up": {"at": "18:30"}}),
        json!({"daily_top_up": {"timezone": "Asia/Kolkata"}}),
    ];

    let statuses =
        join_all(changes.iter().map(|change| async move {
            app.patch("/api/v1/settings", token, change).await.status()
        }))
        .await;

    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let settings: Value = app
        .get("/api/v1/settings", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        settings,
        json!({"auto_assign_new_leads": false,
               "daily_top_up": {"enabled": false, "at": "18:30", "timezone": "Asia/Kolkata"}}),
        "no change overwrote another with the settings it had read"
    );
}
