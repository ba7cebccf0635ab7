//! Seeds a database with the demo estate plus B buildings and E journal entries each, for
//! benchmarking the yearly publication. `cargo run --release --example seed_journal -- URL [B] [E]`
//! (default 1,000 buildings × 1,000 entries = 1,000,000 entries over 2022-2026).

use std::time::Instant;

use baoxiu::db::accounts::{self, new_id};
use baoxiu::db::registry::{self as reg, Scope};
use baoxiu::db::Db;
use chrono::NaiveDate;
use diesel::connection::SimpleConnection;

const KINDS: [(&str, i64); 5] =
    [("deposit", 1), ("interest", 1), ("late_fee", 1), ("payout", -1), ("refund", -1)];
const CATEGORIES: [&str; 8] = [
    "structural",
    "roof_waterproofing",
    "seepage",
    "exterior_insulation",
    "heating",
    "cooling",
    "electrical_plumbing_equipment",
    "decoration",
];

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: seed_journal DATABASE_URL [BUILDINGS] [ENTRIES]"))?;
    let buildings: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(1_000);
    let per_building: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(1_000);
    let db = Db::connect(&url, 2)?;
    let rules = baoxiu::config::Config::default().rule_settings()?;
    baoxiu::demo::load(&db, &rules, baoxiu::demo::DEMO_ESTATE, baoxiu::service::parties::today())?;
    let mut conn = db.conn()?;
    let reviewer = accounts::find_user_by_username(&mut conn, "reviewer")?
        .ok_or_else(|| anyhow::anyhow!("no reviewer"))?;
    let estate =
        reg::list_estates(&mut conn, &Scope::All, 1, 0)?.pop().ok_or_else(|| anyhow::anyhow!("no estate"))?;
    let started = Instant::now();
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default();
    for b in 0..buildings {
        let building = new_id();
        // Generated values only (ids, numbers, dates), so literal SQL is safe here; multi-row
        // VALUES keeps a million rows to minutes on PostgreSQL.
        let mut sql = format!(
            "BEGIN; INSERT INTO buildings (id, estate_id, name, class, construction_cost_fen, design_life_years, handover_date, created_at) \
             VALUES ('{building}', '{}', '基准楼{b}', 'high_rise', 5000000000, 50, '2022-01-01', '2022-01-01 00:00:00');",
            estate.id
        );
        for chunk in (0..per_building).collect::<Vec<_>>().chunks(400) {
            sql.push_str("INSERT INTO journal (id, jurisdiction, building_id, category, kind, amount_fen, entry_date, reason, recorded_by, recorded_at) VALUES ");
            let rows: Vec<String> = chunk
                .iter()
                .map(|&i| {
                    let (kind, sign) = KINDS[i % KINDS.len()];
                    let date = start + chrono::Duration::days(((i * 7 + b) % 1800) as i64);
                    format!(
                        "('{}', '{}', '{building}', '{}', '{kind}', {}, '{date}', 'bench', '{}', '{date} 00:00:00')",
                        new_id(),
                        estate.jurisdiction,
                        CATEGORIES[i % CATEGORIES.len()],
                        sign * (1_000 + (i as i64 * 37) % 100_000),
                        reviewer.id
                    )
                })
                .collect();
            sql.push_str(&rows.join(","));
            sql.push(';');
        }
        sql.push_str("COMMIT;");
        match &mut *conn {
            baoxiu::db::DbConnection::Sqlite(c) => c.batch_execute(&sql)?,
            baoxiu::db::DbConnection::Postgres(c) => c.batch_execute(&sql)?,
        }
        if (b + 1) % 50 == 0 {
            eprint!("\rseeded {}/{buildings} buildings", b + 1);
        }
    }
    match &mut *conn {
        baoxiu::db::DbConnection::Sqlite(c) => c.batch_execute("ANALYZE")?,
        baoxiu::db::DbConnection::Postgres(c) => c.batch_execute("ANALYZE")?,
    }
    eprintln!("\nseeded {} entries in {:.1} s", buildings * per_building, started.elapsed().as_secs_f64());
    Ok(())
}
