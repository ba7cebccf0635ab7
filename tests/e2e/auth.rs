use baoxiu_e2e::{spawn_app, spawn_app_with, TestApp, DEMO_PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn reviewer_signs_in_and_sees_themself() {
    let app = spawn_app().await;
    app.load_demo().await;
    let session = app.login("reviewer").await;
    let me = app.get("/api/v1/me", &session.access).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "reviewer");
    assert_eq!(me.body["role"], "reviewer");
    assert_eq!(me.body["organisation_ids"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn_app().await;
    app.load_demo().await;
    let wrong = app.login_with("reviewer", "not-the-password").await.unwrap_err();
    let unknown = app.login_with("nobody-here", "not-the-password").await.unwrap_err();
    for reply in [&wrong, &unknown] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.code(), "invalid_credentials");
    }
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn malformed_and_oversize_bodies_are_refused_cleanly() {
    let app = spawn_app_with(|c| c.max_json_bytes = 1024).await;
    let login = format!("{}/api/v1/auth/login", app.address);
    let cases = [
        ("{\"username\": ", "application/json", StatusCode::BAD_REQUEST, "malformed_json"),
        (
            "{\"username\": \"a\", \"password\": \"b\", \"admin\": true}",
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "username=a",
            "application/x-www-form-urlencoded",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ];
    for (body, content_type, status, code) in cases {
        let res =
            app.client.post(&login).header("content-type", content_type).body(body).send().await.unwrap();
        assert_eq!(res.status(), status, "{body}");
        let json: serde_json::Value = res.json().await.unwrap();
        assert_eq!(json["error"], code, "{body}");
    }
    let huge = json!({"username": "x".repeat(4096), "password": "y"});
    let res = app.client.post(&login).json(&huge).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

async fn refresh(app: &TestApp, token: &str) -> baoxiu_e2e::Reply {
    app.call(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": token}))).await
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = spawn_app().await;
    app.load_demo().await;
    let first = app.login("owner").await;

    let rotated = refresh(&app, &first.refresh).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let second_refresh = rotated.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_refresh, first.refresh);
    let third = refresh(&app, &second_refresh).await;
    assert_eq!(third.status, StatusCode::OK);
    let third_refresh = third.body["refresh_token"].as_str().unwrap().to_string();
    let third_access = third.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", &third_access).await.status, StatusCode::OK);

    // The first refresh token comes back after its successor was used: a copy leaked, so the
    // whole session ends.
    let replay = refresh(&app, &first.refresh).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay.code(), "refresh_token_reused");

    let after = refresh(&app, &third_refresh).await;
    assert_eq!(after.code(), "refresh_token_invalid", "the newest token of the family is dead too");
    let me = app.get("/api/v1/me", &third_access).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.code(), "session_revoked");

    // Other sessions of the same person are untouched.
    let other = app.login("owner").await;
    assert_eq!(app.get("/api/v1/me", &other.access).await.status, StatusCode::OK);

    let garbage = refresh(&app, "nope").await;
    assert_eq!(garbage.code(), "refresh_token_invalid");
}

#[tokio::test]
async fn an_exchange_whose_answer_was_lost_can_be_repeated_once_its_successor_is_unseen() {
    let app = spawn_app().await;
    app.load_demo().await;
    let phone = app.login("technician").await;

    // The answer carrying the successor never reached the phone, which tries again with the same
    // token and stays signed in.
    let lost = refresh(&app, &phone.refresh).await;
    assert_eq!(lost.status, StatusCode::OK);
    let lost_refresh = lost.body["refresh_token"].as_str().unwrap().to_string();
    let again = refresh(&app, &phone.refresh).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let kept = again.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(kept, lost_refresh);
    let next = refresh(&app, &kept).await;
    assert_eq!(next.status, StatusCode::OK);
    let next_access = next.body["access_token"].as_str().unwrap().to_string();

    // The successor that was never delivered is dead: if it turns up, someone else holds it.
    let stolen = refresh(&app, &lost_refresh).await;
    assert_eq!(stolen.code(), "refresh_token_reused");
    assert_eq!(app.get("/api/v1/me", &next_access).await.code(), "session_revoked");

    // Outside the window a repeat is a replay, even if the successor was never presented.
    let late = app.login("technician").await;
    assert_eq!(refresh(&app, &late.refresh).await.status, StatusCode::OK);
    let hash = baoxiu::auth::tokens::refresh_token_hash(&late.refresh);
    let window = chrono::Duration::seconds(app.state.config.refresh_retry_secs as i64);
    let first_exchange = chrono::Utc::now().naive_utc() - window;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        use baoxiu::db::schema::refresh_tokens::dsl::*;
        use diesel::prelude::*;
        let mut conn = db.conn().unwrap();
        diesel::update(refresh_tokens.find(hash))
            .set(used_at.eq(Some(first_exchange)))
            .execute(&mut *conn)
            .unwrap();
    })
    .await
    .unwrap();
    assert_eq!(refresh(&app, &late.refresh).await.code(), "refresh_token_reused");
}

#[tokio::test]
async fn a_bureau_that_allows_no_repeat_gets_none() {
    let app = spawn_app_with(|c| c.refresh_retry_secs = 0).await;
    app.load_demo().await;
    let phone = app.login("technician").await;
    assert_eq!(refresh(&app, &phone.refresh).await.status, StatusCode::OK);
    assert_eq!(refresh(&app, &phone.refresh).await.code(), "refresh_token_reused");
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = spawn_app().await;
    app.load_demo().await;
    let session = app.login("technician").await;
    let out = app.call(Method::POST, "/api/v1/auth/logout", Some(&session.access), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", &session.access).await.code(), "session_revoked");
    let refresh = app
        .call(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": session.refresh})))
        .await;
    assert_eq!(refresh.code(), "refresh_token_invalid");
}

#[tokio::test]
async fn repeated_failures_lock_the_name_from_that_address_even_for_the_right_password() {
    let app = spawn_app_with(|c| {
        c.login_max_failures = 3;
        c.login_lockout_secs = 600;
        c.trusted_proxy_hops = 1;
    })
    .await;
    app.load_demo().await;
    for _ in 0..3 {
        assert_eq!(
            app.login_with("developer", "guess-guess").await.unwrap_err().code(),
            "invalid_credentials"
        );
    }
    let locked = app.login_with("developer", DEMO_PASSWORD).await.unwrap_err();
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "too_many_attempts");
    let retry: u64 = locked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((590..=600).contains(&retry), "{retry}");
    // Another account is not affected.
    app.login("property").await;
    // Nor is the account from anywhere else: five wrong passwords used to lock anyone out, a
    // reviewer or the administrator included, from everywhere for 15 minutes.
    let elsewhere = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "developer", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::OK, "the owner signs in from their own address");
    // The guesser's address stays locked out of that name, success elsewhere or not.
    let again = app.login_with("developer", DEMO_PASSWORD).await.unwrap_err();
    assert_eq!(again.code(), "too_many_attempts");
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_account_count() {
    let app = spawn_app_with(|c| c.login_max_failures = 3).await;
    app.load_demo().await;
    for _ in 0..2 {
        app.login_with("developer", "guess-guess").await.unwrap_err();
    }
    app.login("developer").await;
    for _ in 0..2 {
        app.login_with("developer", "guess-guess").await.unwrap_err();
    }
    app.login("developer").await;
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_locked_out() {
    let app = spawn_app_with(|c| {
        c.login_max_failures = 100;
        c.login_max_failures_per_address = 4;
    })
    .await;
    app.load_demo().await;
    for user in ["owner", "developer", "property", "technician"] {
        assert_eq!(app.login_with(user, "guess-guess").await.unwrap_err().code(), "invalid_credentials");
    }
    let blocked = app.login_with("reviewer", DEMO_PASSWORD).await.unwrap_err();
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_locked_account_says_so_in_english_when_asked() {
    let app = spawn_app_with(|c| c.login_max_failures = 1).await;
    app.load_demo().await;
    app.login_with("owner", "guess-guess").await.unwrap_err();
    let res = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("accept-language", "en")
        .json(&json!({"username": "owner", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"), "headers survive the language switch");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Too many failed sign-in attempts; please try again later.");
}

#[tokio::test]
async fn a_lock_does_not_tell_which_accounts_exist() {
    let app = spawn_app_with(|c| c.login_max_failures = 3).await;
    app.load_demo().await;
    let mut last = Vec::new();
    for name in ["developer", "no-such-account"] {
        let answers: Vec<(StatusCode, String)> = {
            let mut seen = Vec::new();
            for _ in 0..4 {
                let r = app.login_with(name, "guess-guess").await.unwrap_err();
                seen.push((r.status, r.code().to_string()));
            }
            seen
        };
        last.push(answers);
    }
    assert_eq!(last[0], last[1], "a real account and a name that is none answer alike");
    assert_eq!(last[0][3], (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts".to_string()));
}

#[tokio::test]
async fn holding_a_good_account_does_not_reset_the_address_count() {
    let app = spawn_app_with(|c| {
        c.login_max_failures = 100;
        c.login_max_failures_per_address = 4;
    })
    .await;
    app.load_demo().await;
    for user in ["owner", "developer", "property"] {
        assert_eq!(app.login_with(user, "guess-guess").await.unwrap_err().code(), "invalid_credentials");
    }
    // The attacker's own account signs in between rounds: it gives back its own attempt only.
    app.login("technician").await;
    assert_eq!(app.login_with("owner", "guess-guess").await.unwrap_err().code(), "invalid_credentials");
    let blocked = app.login_with("reviewer", "guess-guess").await.unwrap_err();
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{}", blocked.body);
}

#[tokio::test]
async fn concurrent_guesses_are_counted_before_any_is_evaluated() {
    let app = spawn_app_with(|c| {
        c.login_max_failures = 1000;
        c.login_max_failures_per_address = 20;
        c.login_slowdown_ms = 0;
    })
    .await;
    app.load_demo().await;
    let guesses = (0..64).map(|i| {
        let app = &app;
        async move { app.login_with(&format!("name-{i}"), "guess-guess").await.unwrap_err().status }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let evaluated = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((evaluated, refused), (20, 44), "{statuses:?}");
}

#[tokio::test]
async fn the_client_address_comes_from_the_trusted_proxy_not_the_client() {
    let guess = |app: &TestApp, forwarded: String| {
        let request = app
            .client
            .post(format!("{}/api/v1/auth/login", app.address))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": "owner", "password": "guess-guess"}));
        async move { request.send().await.unwrap().status() }
    };
    // Behind one proxy: the client varies the entries it writes; the proxy's entry stays.
    let app = spawn_app_with(|c| {
        c.login_max_failures = 100;
        c.login_max_failures_per_address = 3;
        c.trusted_proxy_hops = 1;
    })
    .await;
    app.load_demo().await;
    for i in 0..3 {
        assert_eq!(guess(&app, format!("10.9.9.{i}, 203.0.113.7")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(guess(&app, "10.9.9.99, 203.0.113.7".into()).await, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not locked out by the first.
    assert_eq!(guess(&app, "203.0.113.8".into()).await, StatusCode::UNAUTHORIZED);

    // With no proxy configured, the header is ignored altogether.
    let app = spawn_app_with(|c| {
        c.login_max_failures = 100;
        c.login_max_failures_per_address = 3;
    })
    .await;
    app.load_demo().await;
    for i in 0..3 {
        assert_eq!(guess(&app, format!("203.0.113.{i}")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(guess(&app, "198.51.100.1".into()).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_control_character_in_a_username_is_refused_not_looked_up() {
    let app = spawn_app().await;
    let r = app.login_with("owner\u{0}", "guess-guess").await.unwrap_err();
    assert_eq!(
        (r.status, r.code(), r.body["detail"].as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input", Some("username"))
    );
}
