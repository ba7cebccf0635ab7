//! Ids that cross layers, one type each, so a claim id can never be passed where a building id is
//! meant. Each is a UUID in canonical hyphenated form, parsed at the edge (a path segment that is
//! not one answers `invalid_id`) and trusted inside.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A text that is not a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an id")]
pub struct InvalidId;

macro_rules! id_types {
    ($($(#[$meta:meta])* $name:ident,)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The canonical text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(raw: &str) -> Result<Self, InvalidId> {
                uuid::Uuid::parse_str(raw).map(|u| $name(u.hyphenated().to_string())).map_err(|_| InvalidId)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                raw.parse().map_err(|_| serde::de::Error::custom(concat!("not a ", stringify!($name))))
            }
        }
    )*};
}

id_types! {
    /// A claim on the fund.
    ClaimId,
    /// A building of an estate.
    BuildingId,
    /// An estate 小区.
    EstateId,
    /// A unit of a building.
    UnitId,
    /// An organisation: a bureau, developer, property manager or repair unit.
    OrganisationId,
    /// An account.
    UserId,
    /// A work order.
    WorkOrderId,
    /// An enrolled phone.
    DeviceId,
    /// An uploaded file.
    FileId,
    /// A resumable upload in progress.
    UploadId,
    /// A journal entry.
    EntryId,
    /// A refund hold.
    HoldId,
    /// A notification in someone's feed.
    NotificationId,
    /// An entry of a building's Art. 30 register.
    RegisterEntryId,
    /// An early warning of recurring defects.
    WarningId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_canonical_uuid_and_nothing_else() {
        let id: ClaimId = "01A21BEA-0F7D-77F5-946A-FB8795A7191B".parse().unwrap();
        assert_eq!(id.as_str(), "01a21bea-0f7d-77f5-946a-fb8795a7191b");
        assert_eq!(serde_json::to_value(&id).unwrap(), serde_json::json!(id.as_str()));
        assert!("claim-1".parse::<ClaimId>().is_err());
        assert!(serde_json::from_value::<BuildingId>(serde_json::json!("../etc")).is_err());
        let back: ClaimId = serde_json::from_value(serde_json::json!(id.as_str())).unwrap();
        assert_eq!(back, id);
    }
}
