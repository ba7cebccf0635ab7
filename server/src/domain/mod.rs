//! Pure rules and the types that carry them: no actix, no diesel, no I/O.
//!
//! Each enum here is stored as its snake_case name and parsed at the edge, so code inside the service
//! never handles a role or class as a bare string.

pub mod articles;
pub mod calendar;
pub mod coverage;
pub mod deadlines;
pub mod defects;
pub mod deposit;
pub mod deposit_notice;
pub mod evidence;
pub mod fund;
pub mod ids;
pub mod ledger;
pub mod lifecycle;
pub mod next_step;
pub mod periods;
pub mod plausibility;
pub mod recurrence;
pub mod registry;
pub mod rules;
mod rules_doc;
pub mod signing;
pub mod warnings;
pub mod work_order;

/// Declares a closed set of snake_case names with `as_str`, `FromStr`, serde and an OpenAPI schema.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:tt, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
        pub enum $name {
            // The rename is for the OpenAPI schema only (serde is implemented by hand below): the
            // document names the values as the wire carries them. (`$text` is taken as a token
            // tree, not a literal fragment, so that the derive sees a plain string literal.)
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::domain::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(crate::domain::UnknownName(stringify!($name))),
                }
            }
        }

        // Serde goes through the same names as storage, so the wire, the database and the code
        // can never disagree on a spelling.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(|_| {
                    serde::de::Error::unknown_variant(&text, &[$($text),*])
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

/// A stored name that is not one of the enum's values: the database holds something this build
/// does not know, which is a bug or a botched migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown {0} name")]
pub struct UnknownName(pub &'static str);
