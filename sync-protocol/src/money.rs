//! Money as it travels between phone and server.
//!
//! Amounts are `rust_decimal::Decimal` with two places (fen), rounded half up, carried on the wire as a
//! JSON *string* such as `"1234.50"`. A JSON number is refused: binary floating point cannot hold
//! 0.10 exactly, and a client that sends one has already lost precision before the server sees it.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of renminbi, exact to the fen (0.01 yuan).
///
/// Invariant: the inner decimal has at most two decimal places.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why a string is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number such as `12.30`.
    #[error("not a decimal amount")]
    NotDecimal,
    /// More than two decimal places: money is exact to the fen.
    #[error("more than two decimal places")]
    TooPrecise,
    /// Too large to be a real amount (more than 10^13 yuan) or to fit in fen as an i64.
    #[error("amount out of range")]
    OutOfRange,
}

/// The largest amount Baoxiu accepts, in yuan: far above any building's construction cost, far below
/// the i64 fen limit, so every sum of a few million such amounts still fits.
const MAX_YUAN: i64 = 10_000_000_000_000;

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds any decimal to the fen, half up (away from zero at .5), as Chinese invoices do.
    pub fn round_from(value: Decimal) -> Money {
        Money(value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// An exact amount; refuses more than two decimal places instead of rounding silently.
    pub fn exact(value: Decimal) -> Result<Money, MoneyError> {
        if value.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        if value.abs() > Decimal::from(MAX_YUAN) {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Money(value.round_dp(2)))
    }

    /// Whole yuan.
    pub fn from_yuan(yuan: i64) -> Money {
        Money(Decimal::from(yuan))
    }

    /// The sum, or `None` beyond the largest amount Baoxiu accepts.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).filter(|sum| sum.abs() <= Decimal::from(MAX_YUAN)).map(Money)
    }

    /// From integer fen, as the database stores it.
    pub fn from_fen(fen: i64) -> Money {
        Money(Decimal::new(fen, 2))
    }

    /// Integer fen, for storage. Exact because the value has at most two places.
    pub fn to_fen(self) -> i64 {
        let scaled = self.0 * Decimal::ONE_HUNDRED;
        // Within MAX_YUAN * 100 by construction, so always fits an i64.
        i64::try_from(scaled.trunc()).unwrap_or(if self.0.is_sign_negative() { i64::MIN } else { i64::MAX })
    }

    /// The decimal value.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// True for amounts below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// This amount multiplied by a rate or quantity, rounded half up to the fen.
    pub fn times(self, factor: Decimal) -> Money {
        Money::round_from(self.0 * factor)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Always two places: "12.00", never "12"; and never "-0.00".
        let value = if self.0.is_zero() { Decimal::ZERO } else { self.0 };
        write!(f, "{value:.2}")
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let plain = !trimmed.is_empty()
            && trimmed
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
        if !plain || trimmed.matches('.').count() > 1 {
            return Err(MoneyError::NotDecimal);
        }
        let value = Decimal::from_str(trimmed).map_err(|_| MoneyError::NotDecimal)?;
        // "-0.00" is zero written as a negative: refused rather than stored as a signless zero.
        if value.is_zero() && trimmed.starts_with('-') {
            return Err(MoneyError::NotDecimal);
        }
        Money::exact(value)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        // Decimal keeps a sign on zero; money has no negative zero.
        if self.0.is_zero() {
            Money::ZERO
        } else {
            Money(-self.0)
        }
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MoneyVisitor;
        impl Visitor<'_> for MoneyVisitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount as a string, such as \"1234.50\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                v.parse().map_err(|e: MoneyError| E::custom(format!("money: {e}")))
            }
        }
        // deserialize_str: a JSON number reaches `visit_f64`/`visit_u64`, which the visitor does not
        // implement, so serde reports "invalid type: floating point ..., expected a decimal amount".
        deserializer.deserialize_str(MoneyVisitor)
    }
}

/// One schema for every amount in the API document: a decimal string with at most two places.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^-?[0-9]{1,14}(\.[0-9]{1,2})?$"))
            .description(Some(
                "An amount in yuan, exact to the fen, as a decimal string: never a JSON number.",
            ))
            .examples(["1380.88"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wire_form_is_a_string_with_two_places() {
        let m: Money = "12.3".parse().unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"12.30\"");
        let back: Money = serde_json::from_str("\"12.30\"").unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn json_numbers_are_refused() {
        assert!(serde_json::from_str::<Money>("12.3").is_err());
        assert!(serde_json::from_str::<Money>("12").is_err());
    }

    #[test]
    fn bad_strings_are_refused() {
        for bad in ["", "abc", "1e5", "1.2.3", "0.001", "+5", "1,000", "NaN", "99999999999999"] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn there_is_no_negative_zero() {
        assert_eq!((-Money::ZERO).to_string(), "0.00");
        assert_eq!((Money::from_fen(5) - Money::from_fen(5)).to_string(), "0.00");
        assert_eq!(Money::round_from(Decimal::new(-1, 3)).to_string(), "0.00");
        // Nor is one accepted as written: "-0.00" is refused, not stored as zero.
        for written in ["-0", "-0.00", "-.0"] {
            assert_eq!(written.parse::<Money>(), Err(MoneyError::NotDecimal), "{written}");
        }
        assert_eq!("0.00".parse::<Money>(), Ok(Money::ZERO));
    }

    #[test]
    fn rounds_half_up_to_the_fen() {
        assert_eq!(Money::round_from(Decimal::new(12345, 3)).to_string(), "12.35");
        assert_eq!(Money::round_from(Decimal::new(12344, 3)).to_string(), "12.34");
        assert_eq!(Money::round_from(Decimal::new(-12345, 3)).to_string(), "-12.35");
    }

    proptest! {
        #[test]
        fn fen_round_trip(fen in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(m.to_fen(), fen);
            prop_assert_eq!(m.to_string().parse::<Money>().unwrap(), m);
        }
    }
}
