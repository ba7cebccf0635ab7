use baoxiu_e2e::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_demo_estate_is_there_for_its_reviewer() {
    let app = spawn_app().await;
    app.load_demo().await;
    let reviewer = app.login("reviewer").await;
    let estate = app.demo_estate(&reviewer.access).await;
    assert_eq!(estate["name"], "泉景花园");
    assert_eq!(estate["jurisdiction"], "370102");
    let buildings = app
        .get(&format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap()), &reviewer.access)
        .await;
    let classes: Vec<&str> =
        buildings.body.as_array().unwrap().iter().map(|b| b["class"].as_str().unwrap()).collect();
    assert_eq!(classes, ["multi_storey", "small_high_rise", "high_rise"]);
    assert_eq!(buildings.body[0]["construction_cost"], "18600000.00");
    assert_eq!(buildings.body[0]["handover_date"], baoxiu_e2e::demo_handover().to_string());
    let mut units = 0;
    for b in buildings.body.as_array().unwrap() {
        units += app
            .get(&format!("/api/v1/buildings/{}/units", b["id"].as_str().unwrap()), &reviewer.access)
            .await
            .body
            .as_array()
            .unwrap()
            .len();
    }
    assert_eq!(units, 40);
}

#[tokio::test]
async fn a_reviewer_of_another_district_cannot_see_or_touch_the_estate() {
    let app = spawn_app().await;
    app.load_demo().await;
    let admin = app.login("admin").await;
    let bureau = app
        .post("/api/v1/organisations", &admin.access, json!({"kind": "housing_bureau", "name": "济南市市中区住房和城乡建设局", "jurisdiction": "370103"}))
        .await;
    assert_eq!(bureau.status, StatusCode::CREATED, "{:?}", bureau.body);
    let created = app
        .post(
            "/api/v1/users",
            &admin.access,
            json!({"username": "reviewer-shizhong", "display_name": "钱审核", "password": "shizhong-pass-1", "role": "reviewer", "organisation_id": bureau.body["id"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let other = app.login_with("reviewer-shizhong", "shizhong-pass-1").await.unwrap();

    let ours = app.demo_estate(&admin.access).await;
    let estate_id = ours["id"].as_str().unwrap();
    assert!(app.get("/api/v1/estates", &other.access).await.body["items"].as_array().unwrap().is_empty());
    let probe = app.get(&format!("/api/v1/estates/{estate_id}"), &other.access).await;
    assert_eq!((probe.status, probe.code()), (StatusCode::NOT_FOUND, "not_found"));
    let write = app
        .post(&format!("/api/v1/estates/{estate_id}/buildings"), &other.access, json!({"name": "4号楼", "class": "high_rise", "construction_cost": "1.00", "design_life_years": 50}))
        .await;
    assert_eq!(write.status, StatusCode::NOT_FOUND, "a write outside the jurisdiction cannot even find it");
    let owner = app.login("owner").await;
    let committee = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/estates/{estate_id}/owners-committee"),
            Some(&other.access),
            Some(json!({"name": "越界业委会", "member_ids": [owner.user_id]})),
        )
        .await;
    assert_eq!(committee.status, StatusCode::NOT_FOUND, "nor record its owners' committee");
    // An id that exists nowhere answers exactly the same.
    let nowhere = app.get(&format!("/api/v1/estates/{}", uuid::Uuid::now_v7()), &other.access).await;
    assert_eq!(nowhere.body, probe.body);

    let outside = app
        .post("/api/v1/estates", &other.access, json!({"name": "越界小区", "address": "历下区", "jurisdiction": "370102", "developer_id": ours["developer_id"]}))
        .await;
    assert_eq!((outside.status, outside.code()), (StatusCode::FORBIDDEN, "outside_jurisdiction"));
}

#[tokio::test]
async fn an_owner_sees_their_own_unit_and_not_the_neighbours() {
    let app = spawn_app().await;
    app.load_demo().await;
    let owner = app.login("owner").await;
    let admin = app.login("admin").await;
    let mine = app.get("/api/v1/me/units", &owner.access).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert_eq!(mine.body[0]["number"], "1-1-301");
    let building_id = mine.body[0]["building_id"].as_str().unwrap();

    let all_units = app.get(&format!("/api/v1/buildings/{building_id}/units"), &admin.access).await;
    assert_eq!(all_units.body.as_array().unwrap().len(), 12);
    let seen = app.get(&format!("/api/v1/buildings/{building_id}/units"), &owner.access).await;
    assert_eq!(seen.body.as_array().unwrap().len(), 1, "only their own unit in the list");
    let neighbour = all_units.body.as_array().unwrap().iter().find(|u| u["number"] == "1-1-302").unwrap();
    let probe = app.get(&format!("/api/v1/units/{}", neighbour["id"].as_str().unwrap()), &owner.access).await;
    assert_eq!(probe.status, StatusCode::NOT_FOUND);

    // Buildings without their units stay invisible too.
    let estate = app.demo_estate(&owner.access).await;
    let buildings = app
        .get(&format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap()), &owner.access)
        .await;
    assert_eq!(buildings.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn money_travels_as_a_decimal_string_and_numbers_are_refused() {
    let app = spawn_app().await;
    app.load_demo().await;
    let reviewer = app.login("reviewer").await;
    let estate = app.demo_estate(&reviewer.access).await;
    let path = format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap());
    let as_number = app
        .post(&path, &reviewer.access, json!({"name": "4号楼", "class": "high_rise", "construction_cost": 38600000.5, "design_life_years": 50}))
        .await;
    assert_eq!((as_number.status, as_number.code()), (StatusCode::BAD_REQUEST, "malformed_json"));
    let too_precise = app
        .post(&path, &reviewer.access, json!({"name": "4号楼", "class": "high_rise", "construction_cost": "1.005", "design_life_years": 50}))
        .await;
    assert_eq!(too_precise.code(), "malformed_json");
    let negative = app
        .post(&path, &reviewer.access, json!({"name": "4号楼", "class": "high_rise", "construction_cost": "-1.00", "design_life_years": 50}))
        .await;
    assert_eq!(negative.code(), "invalid_input");
    assert_eq!(negative.body["detail"], "construction_cost");
    let created = app
        .post(&path, &reviewer.access, json!({"name": "4号楼", "class": "high_rise", "construction_cost": "38600000.5", "design_life_years": 50, "handover_date": "2025-10-01"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["construction_cost"], "38600000.50");
    let id = created.body["id"].as_str().unwrap();
    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/v1/buildings/{id}"),
            Some(&reviewer.access),
            Some(json!({"construction_cost": "38600001.00"})),
        )
        .await;
    assert_eq!(patched.body["construction_cost"], "38600001.00");
    assert_eq!(patched.body["handover_date"], "2025-10-01", "untouched fields stay");
    // A PATCH with nothing to change (issue 15) changes nothing, on every kind of record.
    for path in [
        format!("/api/v1/buildings/{id}"),
        format!("/api/v1/estates/{}", created.body["estate_id"].as_str().unwrap()),
    ] {
        let empty = app.call(Method::PATCH, &path, Some(&reviewer.access), Some(json!({}))).await;
        assert_eq!(empty.status, StatusCode::OK, "{path}: {}", empty.body);
    }
    let unchanged = app.get(&format!("/api/v1/buildings/{id}"), &reviewer.access).await;
    assert_eq!(unchanged.body["construction_cost"], "38600001.00");
    let duplicate = app
        .post(&path, &reviewer.access, json!({"name": "4号楼", "class": "high_rise", "construction_cost": "1.00", "design_life_years": 50}))
        .await;
    assert_eq!((duplicate.status, duplicate.code()), (StatusCode::CONFLICT, "already_exists"));
}

#[tokio::test]
async fn bad_ids_and_bad_enums_get_clear_codes() {
    let app = spawn_app().await;
    app.load_demo().await;
    let admin = app.login("admin").await;
    let bad_id = app.get("/api/v1/estates/42", &admin.access).await;
    assert_eq!((bad_id.status, bad_id.code()), (StatusCode::BAD_REQUEST, "invalid_id"));
    let bad_class =
        app.post("/api/v1/organisations", &admin.access, json!({"kind": "bank", "name": "银行"})).await;
    assert_eq!(bad_class.code(), "malformed_json");
    let bad_page = app.get("/api/v1/estates?limit=100000", &admin.access).await;
    assert_eq!((bad_page.code(), bad_page.body["detail"].as_str()), ("invalid_input", Some("limit")));
}

#[tokio::test]
async fn a_failed_account_creation_leaves_nothing_behind() {
    let app = spawn_app().await;
    app.load_demo().await;
    let admin = app.login("admin").await;
    let orgs = app.get("/api/v1/organisations", &admin.access).await;
    let developer_org =
        orgs.body.as_array().unwrap().iter().find(|o| o["kind"] == "developer").unwrap()["id"].clone();
    let repair_org =
        orgs.body.as_array().unwrap().iter().find(|o| o["kind"] == "repair_unit").unwrap()["id"].clone();
    let body = |org: &serde_json::Value| json!({"username": "newtech", "display_name": "新师傅", "password": "new-tech-pass", "role": "technician", "organisation_id": org});
    // A technician cannot join a developer: the user row written before the check is rolled back.
    let wrong = app.post("/api/v1/users", &admin.access, body(&developer_org)).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{:?}", wrong.body);
    let right = app.post("/api/v1/users", &admin.access, body(&repair_org)).await;
    assert_eq!(right.status, StatusCode::CREATED, "{:?}", right.body);
    let taken = app.post("/api/v1/users", &admin.access, body(&repair_org)).await;
    assert_eq!((taken.status, taken.code()), (StatusCode::CONFLICT, "username_taken"));
}

#[tokio::test]
async fn estates_and_units_can_be_corrected_within_the_rules() {
    let app = spawn_app().await;
    app.load_demo().await;
    let reviewer = app.login("reviewer").await;
    let estate = app.demo_estate(&reviewer.access).await;
    let id = estate["id"].as_str().unwrap();
    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/estates/{id}"),
            Some(&reviewer.access),
            Some(json!({"name": "泉景花园（一期）"})),
        )
        .await;
    assert_eq!((renamed.status, renamed.body["name"].as_str()), (StatusCode::OK, Some("泉景花园（一期）")));
    assert_eq!(renamed.body["address"], estate["address"], "untouched fields stay");
    let not_a_pm = app
        .call(
            Method::PATCH,
            &format!("/api/v1/estates/{id}"),
            Some(&reviewer.access),
            Some(json!({"property_manager_id": estate["developer_id"]})),
        )
        .await;
    assert_eq!(
        (not_a_pm.code(), not_a_pm.body["detail"].as_str()),
        ("invalid_input", Some("property_manager_id"))
    );
    let owner = app.login("owner").await;
    let units = app.get("/api/v1/me/units", &owner.access).await;
    let unit = units.body[0]["id"].as_str().unwrap();
    let clash = app
        .call(
            Method::PATCH,
            &format!("/api/v1/units/{unit}"),
            Some(&reviewer.access),
            Some(json!({"number": "1-1-302"})),
        )
        .await;
    assert_eq!((clash.status, clash.code()), (StatusCode::CONFLICT, "already_exists"));
    let moved = app
        .call(
            Method::PATCH,
            &format!("/api/v1/units/{unit}"),
            Some(&reviewer.access),
            Some(json!({"floor": 4, "number": "1-1-401A"})),
        )
        .await;
    assert_eq!((moved.body["floor"].as_i64(), moved.body["number"].as_str()), (Some(4), Some("1-1-401A")));
    let by_owner = app
        .call(Method::PATCH, &format!("/api/v1/units/{unit}"), Some(&owner.access), Some(json!({"floor": 9})))
        .await;
    assert_eq!(by_owner.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_repair_unit_lists_its_own_colleagues_by_name_and_nobody_elses() {
    let app = spawn_app().await;
    let c = crate::claims::cast(&app).await;
    let path = format!("/api/v1/organisations/{}/members", c.repair_unit);
    let members = app.get(&path, &c.technician.access).await;
    assert_eq!(members.status, StatusCode::OK, "{}", members.body);
    let names: Vec<&str> =
        members.body.as_array().unwrap().iter().map(|m| m["display_name"].as_str().unwrap()).collect();
    assert!(!names.is_empty());
    assert!(
        members.body[0].get("phone").is_none() && members.body[0].get("username").is_none(),
        "{}",
        members.body
    );
    assert!(members.body.as_array().unwrap().iter().any(|m| m["id"] == json!(c.technician.user_id)));
    // Another party does not see the unit's people, nor that it has any.
    for outsider in [&c.owner, &c.developer, &c.reviewer] {
        let r = app.get(&path, &outsider.access).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "{}", r.body);
    }
}

#[tokio::test]
async fn an_estate_with_an_owners_committee_files_for_common_parts_through_it() {
    let app = baoxiu_e2e::spawn_app().await;
    let c = crate::claims::cast(&app).await;
    let estate = app.demo_estate(&c.reviewer.access).await;
    let path = format!("/api/v1/estates/{}/owners-committee", estate["id"].as_str().unwrap());
    let common = || {
        let mut claim = crate::claims::seepage_claim(&c);
        claim["location"] = serde_json::json!("common_part");
        claim["unit_id"] = serde_json::Value::Null;
        claim["location_detail"] = serde_json::json!("1号楼外墙");
        claim
    };
    // No committee: an owner may not file for a common part, and is told who may (Art. 20).
    assert_eq!(app.get(&path, &c.owner.access).await.status, reqwest::StatusCode::NOT_FOUND);
    let refused = app.post("/api/v1/claims", &c.owner.access, common()).await;
    assert_eq!(refused.code(), "ineligible_applicant");
    // Members must own a unit of the estate; the developer is not one.
    let set = |members: serde_json::Value| {
        let body = serde_json::json!({"name": "明湖花园业主委员会", "member_ids": members});
        app.call(reqwest::Method::PUT, &path, Some(&c.reviewer.access), Some(body))
    };
    assert_eq!(set(serde_json::json!([c.developer.user_id])).await.code(), "invalid_input");
    assert_eq!(set(serde_json::json!([])).await.code(), "invalid_input");
    let made = set(serde_json::json!([c.owner.user_id])).await;
    assert_eq!(made.status, reqwest::StatusCode::OK, "{}", made.body);
    assert_eq!(made.body["members"][0]["display_name"], "陈桂兰");
    assert!(made.body["members"][0].get("phone").is_none());
    // Its member files for the common part as the committee.
    let filed = baoxiu_e2e::ok(&app, &c.owner.access, "/api/v1/claims", common()).await;
    assert_eq!(filed["state"], "filed");
    let neighbour = app.login("owner-1-1-302").await;
    assert_eq!(app.post("/api/v1/claims", &neighbour.access, common()).await.code(), "ineligible_applicant");
    // With a committee, the property manager needs no elected representatives.
    let mut by_manager = common();
    by_manager["with_owner_representatives"] = serde_json::json!(false);
    by_manager["evidence"] = serde_json::json!([]);
    baoxiu_e2e::ok(&app, &c.property.access, "/api/v1/claims", by_manager).await;
}
