//! Work from several phones and a changing claim: each mutation lands once, or comes back with its reason.

use super::*;

#[tokio::test]
async fn two_phones_revising_one_claim_at_the_same_moment_both_land() {
    // On PostgreSQL two pushes run side by side; both would number their revision n + 1 unless
    // appends to one claim are serialized.
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    let (claim, _) = claim_of(&app, &c.technician, &wo).await;
    let (phone_a, _) = enrolled_phone(&app, &c.technician).await;
    let (phone_b, _) = enrolled_phone(&app, &c.technician).await;
    let one = |seq, r: &CostSheetRevision| {
        [visit(seq, MutationKind::CostSheetRevision, None, serde_json::to_value(r).unwrap())]
    };
    let mut parent = None;
    for round in 1..=5u64 {
        let a = revision(&claim, parent.clone(), &format!("A{round}"));
        let b = revision(&claim, parent.clone(), &format!("B{round}"));
        let (batch_a, batch_b) = (one(round, &a), one(round, &b));
        let (ra, rb) = tokio::join!(
            push(&app, &c.technician, &phone_a, 1, &batch_a),
            push(&app, &c.technician, &phone_b, 1, &batch_b),
        );
        assert_eq!(
            (outcomes(&ra), outcomes(&rb)),
            (vec![json!(["applied", null])], vec![json!(["applied", null])]),
            "round {round}"
        );
        parent = Some(a.hash().unwrap());
    }
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.owner.access).await.body;
    let sheets = page["cost_sheets"].as_array().unwrap();
    let numbers: Vec<i64> = sheets.iter().map(|s| s["revision"].as_i64().unwrap()).collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    assert!(sheets.iter().all(|s| s["conflict"] == json!(true)), "each round's pair is a conflict");
}

#[tokio::test]
async fn a_decision_made_while_the_phone_was_offline_rejects_its_stale_work() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    let (claim, version) = claim_of(&app, &c.technician, &wo).await;
    // Offline, the technician revises the sheet against this version of the claim; meanwhile the
    // office signs and submits an earlier sheet, and the bureau's clock starts.
    office_submits_a_sheet(&app, &c, &claim).await;
    let late = visit(
        1,
        MutationKind::CostSheetRevision,
        Some(version),
        serde_json::to_value(revision(&claim, None, "x")).unwrap(),
    );
    let reply = push(&app, &c.technician, &device, 1, &[late]).await;
    assert_eq!(outcomes(&reply), [json!(["rejected", "stale_version"])]);
    assert_eq!(reply.body["results"][0]["retryable"], false);
    let page = app.get(&format!("/api/v1/claims/{claim}"), &c.reviewer.access).await.body;
    assert_eq!(page["cost_sheets"].as_array().unwrap().len(), 1, "nothing of the stale revision was stored");
}

#[tokio::test]
async fn the_office_sees_its_field_staffs_rejected_mutations() {
    let app = spawn_app().await;
    let (c, wo, _) = field(&app).await;
    // technician2 works in the field; the demo's technician is of the unit's office.
    let field_staff = app.login("technician2").await;
    let (phone, _) = enrolled_phone(&app, &field_staff).await;
    let stale = visit(1, MutationKind::CheckIn, Some(1), json!({"work_order_id": wo}));
    push(&app, &field_staff, &phone, 1, &[stale]).await;
    let seen = app.get("/api/sync/rejections", &c.technician.access).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body[0]["reason"], "stale_version");
    assert_eq!(seen.body[0]["payload"]["work_order_id"], wo.as_str());
    assert_eq!(app.get("/api/sync/rejections", &c.owner.access).await.body, json!([]));
    // The field technician reads their own, not a colleague's: the office's own rejection stays
    // the office's.
    let (office_phone, _) = enrolled_phone(&app, &c.technician).await;
    let own = visit(1, MutationKind::CheckIn, Some(1), json!({"work_order_id": wo}));
    push(&app, &c.technician, &office_phone, 1, &[own]).await;
    let theirs = app.get("/api/sync/rejections", &field_staff.access).await.body;
    assert_eq!(theirs.as_array().unwrap().len(), 1, "only their own: {theirs}");
    let office = app.get("/api/sync/rejections", &c.technician.access).await.body;
    assert_eq!(office.as_array().unwrap().len(), 2, "the office reads the unit's: {office}");
    assert_eq!(
        app.get("/api/sync/rejections", &app.login("admin").await.access)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2,
        "an administrator reads all"
    );
}

#[tokio::test]
async fn an_emergency_repair_is_claimed_from_the_phone_that_paid_for_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (device, _) = enrolled_phone(&app, &c.property).await;
    let photo = photos::jpeg(320, 240, 91, None);
    let receipt = photos::pdf();
    let claim = |seq: u64| {
        visit(
            seq,
            MutationKind::EmergencyClaim,
            None,
            json!({
                "kind": "emergency_advance", "building_id": c.building, "location": "common_part",
                "category": "electrical_plumbing_equipment", "location_detail": "地下室给水主管",
                "description": "给水主管爆裂，连夜抢修。", "reported_on": crate::claims::pipes_reported_on(),
                "with_owner_representatives": true,
                "evidence": [{"sha256": photos::sha256(&photo), "kind": "before"},
                             {"sha256": photos::sha256(&receipt), "kind": "receipt"}],
                "advance": {"amount": "300.00", "lines": [{"kind": "labour", "description": "抢修", "unit": "工日", "quantity": "1", "unit_price": "300.00"}]}
            }),
        )
    };
    // Filed offline before the photos went up: retryable; after the uploads it lands.
    let early = push(&app, &c.property, &device, 1, &[claim(1)]).await;
    assert_eq!(outcomes(&early), [json!(["rejected", "missing_blob"])]);
    app.upload(&c.property.access, photo.clone()).await;
    app.upload(&c.property.access, receipt.clone()).await;
    let filed = push(&app, &c.property, &device, 1, &[claim(2)]).await;
    assert_eq!(outcomes(&filed), [json!(["applied", null])]);
    let list = app.get("/api/v1/claims", &c.reviewer.access).await.body;
    let emergency =
        list["items"].as_array().unwrap().iter().find(|i| i["kind"] == "emergency_advance").unwrap().clone();
    let page = app
        .get(&format!("/api/v1/claims/{}", emergency["id"].as_str().unwrap()), &c.reviewer.access)
        .await
        .body;
    assert_eq!(page["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(page["cost_sheets"][0]["total"], "300.00");
    assert!(page["cost_sheets"][0]["signed_by"].is_string(), "the applicant's own sheet is signed (Art. 25)");
    // A technician cannot file one.
    let (tech_phone, _) = enrolled_phone(&app, &c.technician).await;
    assert_eq!(
        outcomes(&push(&app, &c.technician, &tech_phone, 1, &[claim(1)]).await),
        [json!(["rejected", "not_allowed"])]
    );
}

/// A mutation id is the phone's own: the same id replayed from another phone (or twice in a batch)
/// is one rejection, and the rest of the batch goes on; a retry of that batch answers the same.
#[tokio::test]
async fn a_replayed_mutation_id_is_one_rejection_not_a_failed_batch() {
    let app = spawn_app().await;
    let (c, wo, device) = field(&app).await;
    let note = |seq: u64, text: &str| {
        visit(seq, MutationKind::VisitNote, None, json!({"work_order_id": wo, "note": text}))
    };
    check_in_now(&app, &c.technician, &wo).await;
    let first = note(1, "拆除吊顶");
    let pushed = push(&app, &c.technician, &device, 1, std::slice::from_ref(&first)).await;
    assert_eq!(pushed.body["results"][0]["outcome"], "applied", "{}", pushed.body);
    // Another phone of the same technician sends a mutation under that id, then one of its own,
    // and a third reusing the id of the second.
    let (other, _) = enrolled_phone(&app, &c.technician).await;
    let mut replayed = note(1, "拆除吊顶");
    replayed.id = first.id.clone();
    let own = note(2, "清理基层");
    let mut twice = note(3, "再次");
    twice.id = own.id.clone();
    let batch = [replayed, own, twice];
    let reply = push(&app, &c.technician, &other, 1, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        outcomes(&reply),
        [
            json!(["rejected", "invalid_payload"]),
            json!(["applied", null]),
            json!(["rejected", "invalid_payload"])
        ]
    );
    let again = push(&app, &c.technician, &other, 1, &batch).await;
    assert_eq!(
        outcomes(&again),
        [
            json!(["rejected", "invalid_payload"]),
            json!(["duplicate", null]),
            json!(["rejected", "invalid_payload"])
        ]
    );
    let order = app.get(&format!("/api/v1/work-orders/{wo}"), &c.technician.access).await.body;
    assert_eq!(order["visits"][0]["notes"], "拆除吊顶\n清理基层", "each note once");
    // A check-in note that no text may hold is refused with the mutation, not stored.
    let bad = visit(4, MutationKind::CheckIn, None, json!({"work_order_id": wo, "notes": "a\u{0}b"}));
    assert_eq!(
        outcomes(&push(&app, &c.technician, &other, 1, &[bad]).await),
        [json!(["rejected", "invalid_payload"])]
    );
}
