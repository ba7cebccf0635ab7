//! Migrations that move data: what was stored before reads the same after, and reverting puts it
//! back.

use baoxiu::db::{DbConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use baoxiu_e2e::{create_postgres_database, drop_postgres_database, postgres_server};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel_migrations::MigrationHarness;
use serde_json::{json, Value};

/// Runs `f` on a connection to a new database of the backend under test.
fn with_database(f: impl FnOnce(&mut DbConnection)) {
    let dir = tempfile::tempdir().unwrap();
    match postgres_server() {
        Some(server) => {
            let (name, url) = create_postgres_database(&server);
            let mut conn = DbConnection::establish(&url).unwrap();
            f(&mut conn);
            drop(conn);
            drop_postgres_database(&server, &name);
        }
        None => {
            let mut conn =
                DbConnection::establish(&format!("sqlite://{}/m.db", dir.path().display())).unwrap();
            f(&mut conn);
        }
    }
}

/// Runs a migration harness call with the backend's own migrations, `$m()`.
macro_rules! harness {
    ($conn:expr, |$c:ident, $m:ident| $body:expr) => {
        match $conn {
            DbConnection::Postgres($c) => {
                let $m = || POSTGRES_MIGRATIONS;
                $body
            }
            DbConnection::Sqlite($c) => {
                let $m = || SQLITE_MIGRATIONS;
                $body
            }
        }
    };
}

/// Applies migrations in order up to, not including, the first whose name contains `before`.
fn migrate_until(conn: &mut DbConnection, before: &str) {
    harness!(conn, |c, m| loop {
        let pending = c.pending_migrations(m()).unwrap();
        match pending.first() {
            Some(next) if !next.name().to_string().contains(before) => {
                c.run_migration(&**next).unwrap();
            }
            _ => break,
        }
    })
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Line {
    #[diesel(sql_type = Text)]
    cost_sheet_id: String,
    #[diesel(sql_type = Integer)]
    line_no: i32,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Text)]
    quantity: String,
    #[diesel(sql_type = BigInt)]
    unit_price_fen: i64,
    #[diesel(sql_type = BigInt)]
    amount_fen: i64,
    #[diesel(sql_type = Nullable<Text>)]
    decision: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    approved_fen: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    decision_reason: Option<String>,
}

fn lines_table(conn: &mut DbConnection) -> Vec<Line> {
    diesel::sql_query(
        "SELECT cost_sheet_id, line_no, kind, description, quantity, unit_price_fen, amount_fen, decision, \
         approved_fen, decision_reason FROM cost_sheet_lines ORDER BY cost_sheet_id, line_no",
    )
    .load(conn)
    .unwrap()
}

#[derive(QueryableByName)]
struct Document {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    lines: String,
}

#[test]
fn revision_lines_move_into_their_revisions_rows_and_back() {
    with_database(|conn| {
        migrate_until(conn, "revision_documents");
        // The rows the lines hang off are beside the point: foreign keys are off for the fixture.
        let fixture = "INSERT INTO cost_sheets (id, claim_id, revision, total_fen, budget_total_fen, created_by, created_at) \
               VALUES ('s1', 'c1', 1, 123450, 0, 'u1', '2026-11-01 08:00:00'), \
                      ('s2', 'c1', 2, 0, 0, 'u1', '2026-11-02 08:00:00'); \
             INSERT INTO cost_sheet_lines (cost_sheet_id, line_no, kind, description, unit, quantity, unit_price_fen, amount_fen, budget_fen, decision, approved_fen, decision_reason) \
               VALUES ('s1', 2, 'labour', '防水层 \"SBS\" 4mm', '工日', '1.5', 30000, 45000, 0, 'cut', 40000, '按定额'), \
                      ('s1', 1, 'material', 'Membrane', 'm²', '12.5', 6300, 78450, 0, 'approved', 78450, NULL), \
                      ('s1', 3, 'other', 'Skip hire', 'trip', '1', 0, 0, 0, NULL, NULL, NULL);";
        match conn {
            DbConnection::Postgres(c) => c.batch_execute(&format!(
                "SET session_replication_role = replica; {fixture} RESET session_replication_role;"
            )),
            DbConnection::Sqlite(c) => c.batch_execute(&format!("PRAGMA foreign_keys = OFF; {fixture}")),
        }
        .unwrap();
        let before = lines_table(conn);
        assert_eq!(before.len(), 3);

        harness!(&mut *conn, |c, m| c.run_next_migration(m()).unwrap());
        let docs: Vec<Document> =
            diesel::sql_query("SELECT id, lines FROM cost_sheets ORDER BY id").load(conn).unwrap();
        let doc: Value = serde_json::from_str(&docs[0].lines).unwrap();
        assert_eq!(docs[0].id, "s1");
        assert_eq!(
            doc,
            json!([
                {"kind": "material", "description": "Membrane", "unit": "m²", "quantity": "12.5",
                 "unit_price_fen": 6300, "amount_fen": 78450, "budget_fen": 0},
                {"kind": "labour", "description": "防水层 \"SBS\" 4mm", "unit": "工日", "quantity": "1.5",
                 "unit_price_fen": 30000, "amount_fen": 45000, "budget_fen": 0},
                {"kind": "other", "description": "Skip hire", "unit": "trip", "quantity": "1",
                 "unit_price_fen": 0, "amount_fen": 0, "budget_fen": 0}
            ]),
            "in line order, nothing lost"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&docs[1].lines).unwrap(),
            json!([]),
            "a sheet without lines"
        );
        #[derive(QueryableByName, Debug, PartialEq)]
        struct Decision {
            #[diesel(sql_type = Integer)]
            line_no: i32,
            #[diesel(sql_type = Text)]
            decision: String,
            #[diesel(sql_type = BigInt)]
            approved_fen: i64,
        }
        let decisions: Vec<Decision> =
            diesel::sql_query("SELECT line_no, decision, approved_fen FROM line_decisions ORDER BY line_no")
                .load(conn)
                .unwrap();
        assert_eq!(
            decisions,
            vec![
                Decision { line_no: 1, decision: "approved".into(), approved_fen: 78450 },
                Decision { line_no: 2, decision: "cut".into(), approved_fen: 40000 },
            ]
        );

        harness!(&mut *conn, |c, m| c.revert_last_migration(m()).unwrap());
        assert_eq!(lines_table(conn), before, "reverting restores every line and decision");
    });
}

#[test]
fn every_migration_reverts_and_applies_again() {
    with_database(|conn| {
        harness!(&mut *conn, |c, m| {
            let applied = c.run_pending_migrations(m()).unwrap().len();
            assert!(applied >= 11);
            let reverted = c.revert_all_migrations(m()).unwrap().len();
            assert_eq!(reverted, applied, "every migration has a working down.sql");
            assert_eq!(c.run_pending_migrations(m()).unwrap().len(), applied, "and applies again after it");
        });
    });
}
