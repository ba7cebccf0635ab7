//! A property: several phones work offline and reconnect in any interleaving — pushing a few at a
//! time, resending what was already acknowledged, losing answers — and the server ends exactly as if
//! each phone's mutations had been applied once, in order. Nothing lost, nothing doubled.

use baoxiu_e2e::{spawn_app, TestApp};
use baoxiu_sync_protocol::wire::{Mutation, MutationKind, PushRequest};
use proptest::prelude::*;
use serde_json::Value;

use crate::claims::{cast, seepage_claim, to_in_repair, Cast};
use crate::sync::{enrolled_phone, revision};

const PHONES: usize = 3;
const PER_PHONE: usize = 6;

#[derive(Clone, Debug)]
enum Step {
    /// Push the next `take` unacknowledged mutations.
    Push { phone: usize, take: usize },
    /// Push again from `back` before the acknowledged point (a retry after a timeout).
    Resend { phone: usize, back: usize, take: usize },
    /// Push, but the answer never arrives.
    LoseAnswer { phone: usize, take: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..PHONES, 1..4usize).prop_map(|(phone, take)| Step::Push { phone, take }),
        (0..PHONES, 1..4usize, 1..4usize).prop_map(|(phone, back, take)| Step::Resend { phone, back, take }),
        (0..PHONES, 1..4usize).prop_map(|(phone, take)| Step::LoseAnswer { phone, take }),
    ]
}

struct Phone {
    device: String,
    claim: String,
    mutations: Vec<Mutation>,
    hashes: Vec<String>,
    acked: usize,
}

async fn push(app: &TestApp, c: &Cast, phone: &Phone, from: usize, to: usize) -> Value {
    let body = PushRequest {
        protocol_version: 1,
        device_id: phone.device.clone(),
        mutations: phone.mutations[from..to.min(phone.mutations.len())].to_vec(),
    };
    let reply = app.post("/api/sync/push", &c.technician.access, serde_json::to_value(body).unwrap()).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.body
}

async fn run(app: &TestApp, c: &Cast, steps: Vec<Step>) {
    let mut phones = Vec::new();
    for _ in 0..PHONES {
        let filed = app.post("/api/v1/claims", &c.owner.access, seepage_claim(c)).await;
        let claim = filed.body["id"].as_str().unwrap().to_string();
        to_in_repair(app, c, &claim, "100.00").await;
        let (device, _) = enrolled_phone(app, &c.technician).await;
        let (mut mutations, mut hashes, mut parent) = (Vec::new(), Vec::new(), None);
        for n in 0..PER_PHONE {
            let rev = revision(&claim, parent.clone(), &format!("第{n}版"));
            parent = Some(rev.hash().unwrap());
            hashes.push(rev.hash().unwrap());
            let payload = serde_json::to_value(&rev).unwrap();
            let id = uuid::Uuid::now_v7().to_string();
            mutations.push(
                Mutation::new(n as u64 + 1, id, MutationKind::CostSheetRevision, None, payload).unwrap(),
            );
        }
        phones.push(Phone { device, claim, mutations, hashes, acked: 0 });
    }
    let settle = |phone: &mut Phone, answer: &Value| {
        for r in answer["results"].as_array().unwrap() {
            assert_ne!(r["outcome"], "rejected", "{r}");
        }
        phone.acked = answer["acknowledged_through"].as_u64().unwrap() as usize;
    };
    for step in steps {
        match step {
            Step::Push { phone, take } => {
                let from = phones[phone].acked;
                if from < PER_PHONE {
                    let answer = push(app, c, &phones[phone], from, from + take).await;
                    settle(&mut phones[phone], &answer);
                }
            }
            Step::Resend { phone, back, take } => {
                let from = phones[phone].acked.saturating_sub(back);
                let answer = push(app, c, &phones[phone], from, phones[phone].acked + take).await;
                let resent = phones[phone].acked - from;
                let duplicates = answer["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["outcome"] == "duplicate")
                    .count();
                // Everything resent comes back as its recorded outcome (and so does anything the
                // server took from an earlier push whose answer was lost).
                assert!(duplicates >= resent, "{duplicates} duplicates for {resent} resent");
                settle(&mut phones[phone], &answer);
            }
            Step::LoseAnswer { phone, take } => {
                let from = phones[phone].acked;
                if from < PER_PHONE {
                    push(app, c, &phones[phone], from, from + take).await;
                }
            }
        }
    }
    for phone in &mut phones {
        let answer = push(app, c, phone, phone.acked, PER_PHONE).await;
        settle(phone, &answer);
        assert_eq!(phone.acked, PER_PHONE);
    }
    // The same state as each phone's revisions applied once, in order: a chain, no conflicts.
    for phone in &phones {
        let page = app.get(&format!("/api/v1/claims/{}", phone.claim), &c.reviewer.access).await.body;
        let sheets = page["cost_sheets"].as_array().unwrap();
        let stored: Vec<&str> = sheets.iter().map(|s| s["hash"].as_str().unwrap()).collect();
        assert_eq!(stored, phone.hashes.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(sheets.iter().all(|s| s["conflict"] == false));
    }
}

#[test]
fn any_interleaving_of_offline_phones_ends_as_each_phone_in_order() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (app, c) = runtime.block_on(async {
        let app = spawn_app().await;
        let c = cast(&app).await;
        (app, c)
    });
    let config = ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(steps in prop::collection::vec(step(), 4..24))| {
        runtime.block_on(run(&app, &c, steps));
    });
    runtime.block_on(async move { drop(app) });
}
