//! The warranty fund: deposit notices, the developer's objection, the bureau's re-check, payments
//! with late fees, deposit certificates, and each building's balances and journal.

mod balances;
mod corrections;
mod deposits;
mod interest;
mod publication;
mod refunds;

pub use balances::*;
pub use corrections::*;
pub use deposits::*;
pub use interest::*;
pub use publication::*;
pub use refunds::*;

// Shared between the areas.
use balances::fund_view;
use interest::reviewer_jurisdiction;
use refunds::refund_window;

use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::db::accounts::{new_id, now};
use crate::db::fund::{self as db, NoticeRow, PaymentRow, Posting};
use crate::db::notify::{self, Notify};
use crate::db::registry::{self as reg, BuildingRow};
use crate::db::{files as files_db, DbConnection};
use crate::domain::coverage::{self, BuildingWarranty, SeasonSettings, WarrantyCategory};
use crate::domain::deadlines::{self, shanghai_date, Clock};
use crate::domain::deposit::{self, AwardLevel, Certification, Reductions};
use crate::domain::deposit_notice::{NoticeEvent, NoticeRefusal, NoticeStatus};
use crate::domain::ledger::{self, EntryKind, SHARE_CATEGORIES};
use crate::domain::registry::{BuildingClass, Role};
use crate::domain::{fund, periods};
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Notice};
use crate::service::policy;
use crate::service::utc;
use crate::service::{parse_id, text, Caller};
use crate::state::AppState;
