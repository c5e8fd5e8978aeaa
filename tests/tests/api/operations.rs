use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, problem, spawn_app};

#[tokio::test]
async fn health_and_readiness_answer_ok() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn the_openapi_document_and_swagger_ui_are_served() {
    let app = spawn_app().await;
    let response = app.get("/api-docs/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.expect("json");
    let generated: Value = serde_json::from_str(&api::openapi::document_json()).expect("json");
    assert_eq!(served, generated);

    let response = app.get("/swagger-ui/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.expect("text").contains("swagger"));
}

/// Every documented path answers 405 with exactly its documented methods in `Allow` to a
/// method it does not document: the routes and the document agree.
#[tokio::test]
async fn every_documented_path_refuses_other_methods_with_allow() {
    let app = spawn_app().await;
    let doc: Value = serde_json::from_str(&api::openapi::document_json()).expect("json");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let mut documented: Vec<String> = item
            .as_object()
            .expect("path item")
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        documented.sort();
        let wrong = ["PUT", "PATCH", "DELETE", "POST", "GET"]
            .into_iter()
            .find(|m| !documented.iter().any(|d| d == m))
            .expect("some method is not documented");
        let concrete = path.replace("{id}", "0196b4c4-1f7e-7c2a-9c3e-000000000000");
        let response = app
            .request(
                Method::from_bytes(wrong.as_bytes()).expect("method"),
                &concrete,
                None,
                None,
            )
            .await;
        let mut allowed: Vec<String> = response.headers()["allow"]
            .to_str()
            .expect("ascii")
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect();
        allowed.sort();
        assert_eq!(allowed, documented, "{wrong} {path}");
        let body = problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
        assert_eq!(body["code"], "method_not_allowed");
    }
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = crate::helpers::spawn_app_with(|config| {
        config.cors_origins = vec!["https://app.calliyo.example".into()]
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, format!("{}/api/v1/me", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };

    let allowed = preflight("https://app.calliyo.example")
        .await
        .expect("sent");
    let refused = preflight("https://evil.example").await.expect("sent");

    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.calliyo.example"
    );
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_sign_in_failures() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    app.get("/healthz", None).await;
    app.get(
        &format!("/api/v1/users/{}", admin.user_id),
        Some(&admin.access_token),
    )
    .await;
    app.login("acme", &admin.email, "wrong password!").await;

    let response = app.get("/metrics", None).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"calliyo_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/users/{id}",status="200"} 1"#),
        "route templates, not raw ids"
    );
    assert!(text.contains(
        r#"calliyo_http_request_duration_seconds_count{method="POST",route="/api/v1/auth/login"} 1"#
    ));
    assert!(text.contains(r#"calliyo_sign_in_failures_total{secret="password"} 1"#));
    assert!(text.contains("calliyo_db_pool_connections{state=\"open\"}"));
}

/// The sign-in series of one scrape, sorted.
async fn sign_in_series(app: &TestApp) -> Vec<String> {
    let text = app.get("/metrics", None).await.text().await.unwrap();
    let mut series: Vec<_> = text
        .lines()
        .filter(|line| {
            line.starts_with("calliyo_sign_in_failures_total")
                || line.starts_with("calliyo_lockouts_total")
        })
        .map(str::to_owned)
        .collect();
    series.sort();
    series
}

/// The attack: scrape, fail once at an address, scrape again; a counter that moved only for
/// real accounts told which exist. Five failures each (the fifth locks) move the counters
/// alike, for a real account and for made-up ones.
#[tokio::test]
async fn metrics_move_alike_for_known_and_unknown_sign_in_failures() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let identities = [
        ("acme", admin.email.as_str()),
        ("acme", "ghost@acme.example"),
        ("no-such-company", "ghost@acme.example"),
    ];

    let mut scrapes = vec![sign_in_series(&app).await];
    for (company, email) in identities {
        for _ in 0..5 {
            app.login(company, email, "wrong password!").await;
        }
        scrapes.push(sign_in_series(&app).await);
    }

    let expected = |n: u32| {
        vec![
            format!(
                r#"calliyo_sign_in_failures_total{{secret="password"}} {}"#,
                5 * n
            ),
            r#"calliyo_sign_in_failures_total{secret="mpin"} 0"#.to_owned(),
            format!(r#"calliyo_lockouts_total{{secret="password"}} {n}"#),
            r#"calliyo_lockouts_total{secret="mpin"} 0"#.to_owned(),
        ]
    };
    let expected: Vec<_> = (0..=3)
        .map(|n| {
            let mut series = expected(n);
            series.sort();
            series
        })
        .collect();
    assert_eq!(scrapes, expected);
}

/// The zones for a settings picker: every name the settings accept, and only those.
#[tokio::test]
async fn time_zones_list_what_the_settings_accept() {
    let app = spawn_app().await;
    let admin = app.signup("acme").await;
    let token = Some(admin.access_token.as_str());

    let list: Value = app
        .get("/api/v1/time-zones", token)
        .await
        .json()
        .await
        .unwrap();
    let anonymous = app.get("/api/v1/time-zones", None).await;

    let zones: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z.as_str().unwrap())
        .collect();
    assert!(zones.contains(&"Asia/Kolkata") && zones.contains(&"UTC"));
    assert!(zones.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for zone in [zones[0], zones[zones.len() - 1], "Asia/Kolkata"] {
        let body = serde_json::json!({"daily_top_up": {"timezone": zone}});
        let response = app.patch("/api/v1/settings", token, &body).await;
        assert_eq!(response.status(), StatusCode::OK, "{zone}");
    }
    let unknown = serde_json::json!({"daily_top_up": {"timezone": "Mars/Olympus_Mons"}});
    let refused = app.patch("/api/v1/settings", token, &unknown).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
