//! The domain's closed sets of names (`ClaimState`, `Role`, `WarrantyCategory`…) as text columns on
//! both backends, so a row holds the typed value and no code outside this file parses a stored
//! name. A stored name this build does not know fails the read (a bug or a botched migration),
//! never becomes some other value.
//!
//! vaultwarden does the same for its enums; the domain stays free of diesel because the impls live
//! here, through diesel's `foreign_derive` for the expression side.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::multi_connection_impl::MultiBackend;

/// Stores each listed type as its `as_str` name and reads it back with `FromStr`.
macro_rules! text_columns {
    ($($ty:ty),* $(,)?) => {$(
        const _: () = {
            // Diesel's derives write the expression and row impls for the wrapped type.
            #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
            #[diesel(foreign_derive, sql_type = Text)]
            #[allow(dead_code)]
            struct Column($ty);
        };

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.as_str());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let name = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                Ok(name.parse::<$ty>()?)
            }
        }
    )*};
}

text_columns!(
    crate::domain::lifecycle::ClaimState,
    crate::domain::lifecycle::ClaimKind,
    crate::domain::lifecycle::WaitingOn,
    crate::domain::lifecycle::RejectionReason,
    crate::domain::coverage::PartLocation,
    crate::domain::coverage::WarrantyCategory,
    crate::domain::registry::Role,
    crate::domain::registry::OrgKind,
    crate::domain::registry::BuildingClass,
    crate::domain::work_order::WorkOrderStatus,
    crate::domain::deposit_notice::NoticeStatus,
    crate::domain::ledger::EntryKind,
    crate::domain::recurrence::EntryStatus,
    crate::domain::warnings::WarningLevel,
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use crate::db::Db;
    use crate::domain::lifecycle::ClaimState;

    #[derive(QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = Text)]
        state: ClaimState,
    }

    #[test]
    fn a_stored_name_reads_as_its_value_and_an_unknown_one_fails() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/c.db", dir.path().display()), 2).unwrap();
        let mut conn = db.conn().unwrap();
        let read =
            |sql: &str, conn: &mut crate::db::DbConnection| diesel::sql_query(sql).get_result::<Row>(conn);
        assert_eq!(read("SELECT 'in_repair' AS state", &mut conn).unwrap().state, ClaimState::InRepair);
        let unknown = read("SELECT 'in_limbo' AS state", &mut conn).unwrap_err().to_string();
        assert!(unknown.contains("unknown ClaimState"), "{unknown}");
        // And a value binds as its name.
        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = Text)]
            name: String,
        }
        let bound: Name = diesel::sql_query("SELECT ? AS name")
            .bind::<Text, _>(ClaimState::CostSheetSubmitted)
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(bound.name, "cost_sheet_submitted");
    }
}
