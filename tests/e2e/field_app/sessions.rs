//! Sessions and tabs around the queue: two tabs send each act once, an update keeps what is queued, and a session that ends keeps the queue until the technician signs in again.

use super::*;

#[tokio::test]
async fn two_tabs_open_at_once_send_each_act_once() {
    let mut app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-two-tabs", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        let first = web.window().await.unwrap();
        app.stop().await;
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        let second = web.new_tab().await.unwrap();
        let tabs = [first, second];
        // Each tab writes three notes, the two taking turns.
        for n in 0..6 {
            web.switch_to_window(tabs[n % 2].clone()).await.unwrap();
            web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
            type_into(&web, "note", &format!("第 {n} 条记录")).await;
            click(&web, "save-note").await;
            until(&driver, &web, "the note queued", || async {
                text_of(&web, "outbox-link").await.contains(&format!("待发送 {}", n + 2))
            })
            .await;
        }
        app.start_again().await;
        // Both tabs send at once.
        for tab in &tabs {
            web.switch_to_window(tab.clone()).await.unwrap();
            web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
            click(&web, "send-now").await;
        }
        until(&driver, &web, "every act applied", || async {
            let f = fates(&web).await;
            f.len() == 7 && f.iter().all(|(_, state)| state == "applied")
        })
        .await;
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        let notes = order["visits"][0]["notes"].as_str().unwrap_or_default().to_string();
        for n in 0..6 {
            assert_eq!(notes.matches(&format!("第 {n} 条记录")).count(), 1, "{notes}");
        }
        let refused = app.get("/api/sync/rejections", &c.technician.access).await.body;
        assert_eq!(refused.as_array().map(Vec::len), Some(0), "{refused}");
    })
    .await;
}

#[tokio::test]
async fn an_update_while_acts_are_queued_keeps_them_and_sends_them_after_the_switch() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-update", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        // Sending fails (no route to the sync endpoints), the rest of the server answers.
        web.cdp().send_raw("Network.enable", json!({})).await.unwrap();
        let blocked = json!({"urls": ["*/api/sync/*", "*/api/v1/uploads*"]});
        web.cdp().send_raw("Network.setBlockedURLs", blocked).await.unwrap();
        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "check-out offered", || enabled(&web, "check-out")).await;
        type_into(&web, "note", "更新前记下的。").await;
        click(&web, "save-note").await;
        until(&driver, &web, "two acts queued", || async {
            text_of(&web, "outbox-link").await.contains("待发送 2")
        })
        .await;

        // A new version is served: the app installs it beside the running one (as it does when
        // /field/version names another) and offers to switch, saying the queue is kept.
        script(
            &web,
            "navigator.serviceWorker.register('/field/sw.js?v=next', { scope: '/field/' }); return 1;",
        )
        .await;
        until(&driver, &web, "the update offered", || async {
            text_of(&web, "update").await.contains("2 项会完整保留")
        })
        .await;
        click(&web, "switch-version").await;
        until(&driver, &web, "the new version in control", || async {
            script(&web, "return navigator.serviceWorker.controller?.scriptURL ?? ''")
                .await
                .as_str()
                .is_some_and(|url| url.ends_with("v=next"))
        })
        .await;
        until(&driver, &web, "the old version's cache gone", || async {
            let caches = web.execute_async("caches.keys().then(arguments[0]);", Vec::<Value>::new()).await;
            caches.is_ok_and(|c| c.json() == &json!(["baoxiu-field-next"]))
        })
        .await;

        // Nothing was lost in the switch; sending works again and both acts apply.
        web.goto(format!("{}/field/#outbox", app.address)).await.unwrap();
        until(&driver, &web, "the queue after the switch", || async {
            fates(&web).await.iter().filter(|(_, state)| state == "waiting").count() == 2
        })
        .await;
        web.cdp().send_raw("Network.setBlockedURLs", json!({"urls": []})).await.unwrap();
        click(&web, "send-now").await;
        until(&driver, &web, "both applied", || async {
            let f = fates(&web).await;
            f.len() == 2 && f.iter().all(|(_, state)| state == "applied")
        })
        .await;
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        assert!(order["visits"][0]["notes"].as_str().unwrap_or_default().contains("更新前记下的"), "{order}");
    })
    .await;
}

#[tokio::test]
async fn a_session_that_ends_keeps_the_queue_until_the_technician_signs_in_again() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let driver = chromedriver().await;
    let web = phone(&driver).await;
    story("field-signed-out", &web, async {
        signed_in(&driver, &web, &app, &wo).await;
        // The session ends on the server (an administrator's revocation looks the same): the
        // phone's access and refresh tokens both stop working.
        let token = stored(&web, "meta", Some("access_token")).await.as_str().unwrap().to_string();
        let ended =
            app.client.post(format!("{}/api/v1/auth/logout", app.address)).bearer_auth(&token).send().await;
        assert_eq!(ended.unwrap().status(), 204);

        web.goto(format!("{}/field/#wo={wo}", app.address)).await.unwrap();
        click(&web, "check-in").await;
        until(&driver, &web, "asked to sign in again", || async {
            web.find(By::Id("signin-again-form")).await.is_ok()
        })
        .await;
        assert!(text_of(&web, "outbox-link").await.contains("待发送 1"), "the check-in waits");
        type_into(&web, "field-username", "technician").await;
        type_into(&web, "field-password", "baoxiu-demo").await;
        click(&web, "field-sign-in").await;
        until(&driver, &web, "the check-in sent", || async {
            text_of(&web, "outbox-link").await.contains("待发送 0")
        })
        .await;
        let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
        assert_eq!(order["visits"].as_array().map(Vec::len), Some(1), "{order}");
    })
    .await;
}
