//! The repair cost sheet 物业维修工程费用清单 (Art. 22) and its arithmetic.
//!
//! The phone and the server must compute the same amounts to the fen, so the arithmetic lives here
//! and nowhere else: a line's amount is quantity × unit price rounded half up to the fen; a total is
//! the sum of the rounded line amounts (never a rounding of the unrounded sum, which could differ by
//! a fen from what the lines show).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Money;

/// What a line pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Materials 材料费.
    Material,
    /// Labour 人工费.
    Labour,
    /// Machinery 机械费.
    Machinery,
    /// Anything else 其他费用.
    Other,
}

impl LineKind {
    /// Every kind.
    pub const ALL: [LineKind; 4] =
        [LineKind::Material, LineKind::Labour, LineKind::Machinery, LineKind::Other];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Material => "material",
            LineKind::Labour => "labour",
            LineKind::Machinery => "machinery",
            LineKind::Other => "other",
        }
    }

    /// The kind of a wire name.
    pub fn parse(name: &str) -> Option<LineKind> {
        LineKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Largest quantity on one line: far above any real repair, small enough that no product overflows.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// Quantities are exact to three decimal places (e.g. 12.345 m²).
pub const QUANTITY_SCALE: u32 = 3;

/// Largest unit price, in yuan: ¥10,000,000.00.
pub const MAX_UNIT_PRICE_YUAN: i64 = 10_000_000;

/// Largest amount of one line, and largest budget of one line, in yuan: ¥100,000,000.00.
pub const MAX_LINE_AMOUNT_YUAN: i64 = 100_000_000;

/// Largest total of one sheet, and largest budget total, in yuan: ¥1,000,000,000.00. Far above any
/// repair a warranty fund pays for, far below where a sum in fen could overflow.
pub const MAX_SHEET_TOTAL_YUAN: i64 = 1_000_000_000;

/// Most lines on one sheet.
pub const MAX_LINES: usize = 200;

/// Why a line or a sheet cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Quantity zero, negative, above [`MAX_QUANTITY`], finer than three places, or not written in
    /// plain decimal notation.
    #[error("quantity must be positive, at most 1,000,000 and exact to 0.001")]
    Quantity,
    /// A negative unit price, or one above [`MAX_UNIT_PRICE_YUAN`].
    #[error("unit price must be between 0.00 and 10000000.00")]
    UnitPrice,
    /// A line amount below one fen or above [`MAX_LINE_AMOUNT_YUAN`].
    #[error("line amount must be between 0.01 and 100000000.00")]
    Amount,
    /// A negative budget, or one above [`MAX_LINE_AMOUNT_YUAN`].
    #[error("budget must be between 0.00 and 100000000.00")]
    Budget,
    /// No lines, or more than [`MAX_LINES`].
    #[error("a sheet has 1 to 200 lines")]
    Lines,
    /// A total above [`MAX_SHEET_TOTAL_YUAN`].
    #[error("the sheet's total must be at most 1000000000.00")]
    Total,
}

/// Checks a quantity.
pub fn check_quantity(quantity: Decimal) -> Result<Decimal, LineError> {
    if quantity <= Decimal::ZERO
        || quantity > Decimal::from(MAX_QUANTITY)
        || quantity.normalize().scale() > QUANTITY_SCALE
    {
        return Err(LineError::Quantity);
    }
    Ok(quantity)
}

/// A quantity as it travels: plain decimal notation (`12.5`), checked by [`check_quantity`]. No
/// sign, exponent (`1e3`), spaces or other spelling: a person reads the sheet's quantity as it was
/// written, and it must mean exactly what they read.
pub fn parse_quantity(text: &str) -> Result<Decimal, LineError> {
    let mut parts = text.split('.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) || parts.next().is_some() {
        return Err(LineError::Quantity);
    }
    check_quantity(text.parse().map_err(|_| LineError::Quantity)?)
}

/// A line's amount: quantity × unit price, rounded half up to the fen, within the bounds: at least
/// one fen (0.001 × ¥0.01 would be stored as ¥0.00) and at most the largest line.
pub fn line_amount(quantity: Decimal, unit_price: Money) -> Result<Money, LineError> {
    let quantity = check_quantity(quantity)?;
    if unit_price.is_negative() || unit_price > Money::from_yuan(MAX_UNIT_PRICE_YUAN) {
        return Err(LineError::UnitPrice);
    }
    // Both factors are bounded, so the product cannot overflow a decimal.
    let amount = unit_price.times(quantity);
    if amount < Money::from_fen(1) || amount > Money::from_yuan(MAX_LINE_AMOUNT_YUAN) {
        return Err(LineError::Amount);
    }
    Ok(amount)
}

/// Checks a line's budget.
pub fn check_budget(budget: Money) -> Result<Money, LineError> {
    if budget.is_negative() || budget > Money::from_yuan(MAX_LINE_AMOUNT_YUAN) {
        return Err(LineError::Budget);
    }
    Ok(budget)
}

/// Checks the number of lines on a sheet.
pub fn check_line_count(lines: usize) -> Result<(), LineError> {
    if lines == 0 || lines > MAX_LINES {
        return Err(LineError::Lines);
    }
    Ok(())
}

/// The sum of line amounts (or budgets), with checked arithmetic, at most
/// [`MAX_SHEET_TOTAL_YUAN`].
pub fn total(amounts: impl IntoIterator<Item = Money>) -> Result<Money, LineError> {
    let max = Money::from_yuan(MAX_SHEET_TOTAL_YUAN);
    amounts.into_iter().try_fold(Money::ZERO, |sum, amount| {
        sum.checked_add(amount).filter(|s| *s <= max).ok_or(LineError::Total)
    })
}

/// Actual against budget for one line or a whole sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variance {
    /// The approved budget 资金预算.
    pub budget: Money,
    /// What was actually spent.
    pub actual: Money,
    /// `actual − budget`: positive means over budget.
    pub difference: Money,
}

impl Variance {
    /// The variance of an actual amount against its budget.
    pub fn of(budget: Money, actual: Money) -> Variance {
        Variance { budget, actual, difference: actual - budget }
    }

    /// The variance of a whole sheet: the sum of its lines' variances.
    pub fn sum(lines: impl IntoIterator<Item = Variance>) -> Variance {
        lines.into_iter().fold(Variance::of(Money::ZERO, Money::ZERO), |acc, v| Variance {
            budget: acc.budget + v.budget,
            actual: acc.actual + v.actual,
            difference: acc.difference + v.difference,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn quantities_are_plain_decimals_and_lines_at_least_a_fen() {
        assert_eq!(parse_quantity("12.5"), Ok(d("12.5")));
        assert_eq!(parse_quantity("0.001"), Ok(d("0.001")));
        for bad in ["1e3", "1E3", "+1", "-1", " 1", "1 ", ".5", "5.", "1.2.3", "0x10", "", "1_000", "１"] {
            assert_eq!(parse_quantity(bad), Err(LineError::Quantity), "{bad:?}");
        }
        // 0.001 × ¥0.01 is 0.00001, stored as ¥0.00: refused, as is a line priced at nothing.
        assert_eq!(line_amount(d("0.001"), m("0.01")), Err(LineError::Amount));
        assert_eq!(line_amount(d("1"), m("0.00")), Err(LineError::Amount));
        assert_eq!(line_amount(d("0.5"), m("0.01")), Ok(m("0.01")), "half a fen rounds up to one");
    }

    #[test]
    fn worked_examples() {
        // 12.5 m² of waterproof membrane at ¥38.47: 480.875 → 480.88 (half up).
        assert_eq!(line_amount(d("12.5"), m("38.47")).unwrap(), m("480.88"));
        // 3 labour days at ¥350: exact.
        assert_eq!(line_amount(d("3"), m("350.00")).unwrap(), m("1050.00"));
        // 0.333 t of cement at ¥0.01: 0.00333, below a fen: refused rather than stored as 0.00.
        assert_eq!(line_amount(d("0.333"), m("0.01")), Err(LineError::Amount));
        // 1.5 at ¥0.01: 0.015 → 0.02.
        assert_eq!(line_amount(d("1.5"), m("0.01")).unwrap(), m("0.02"));
        let lines = [m("480.88"), m("1050.00"), m("0.02")];
        assert_eq!(total(lines), Ok(m("1530.90")));
    }

    #[test]
    fn bad_lines_are_refused() {
        assert_eq!(line_amount(d("0"), m("1.00")), Err(LineError::Quantity));
        assert_eq!(line_amount(d("-1"), m("1.00")), Err(LineError::Quantity));
        assert_eq!(line_amount(d("1.0001"), m("1.00")), Err(LineError::Quantity));
        assert_eq!(line_amount(d("1000001"), m("1.00")), Err(LineError::Quantity));
        assert_eq!(line_amount(d("1"), m("-1.00")), Err(LineError::UnitPrice));
        assert_eq!(line_amount(d("1"), m("10000000.01")), Err(LineError::UnitPrice));
        assert_eq!(line_amount(d("1000000"), m("10000000000000.00")), Err(LineError::UnitPrice));
        assert_eq!(line_amount(d("10"), m("10000000.00")), Ok(m("100000000.00")));
        assert_eq!(line_amount(d("10.001"), m("10000000.00")), Err(LineError::Amount));
        assert_eq!(check_budget(m("-0.01")), Err(LineError::Budget));
        assert_eq!(check_budget(m("100000000.01")), Err(LineError::Budget));
        assert_eq!(check_line_count(0), Err(LineError::Lines));
        assert_eq!(check_line_count(MAX_LINES + 1), Err(LineError::Lines));
    }

    #[test]
    fn totals_are_bounded_and_checked() {
        let top = m("100000000.00");
        assert_eq!(total(vec![top; 10]), Ok(m("1000000000.00")));
        assert_eq!(total(vec![top; 11]), Err(LineError::Total));
        assert_eq!(total([m("1000000000.00"), m("0.01")]), Err(LineError::Total));
        // Even amounts that no line could produce are refused, never wrapped.
        assert_eq!(total([m("10000000000000.00"); 1000]), Err(LineError::Total));
        assert_eq!(total([]), Ok(Money::ZERO));
    }

    #[test]
    fn variance_per_line_and_in_total() {
        let a = Variance::of(m("1000.00"), m("1200.50"));
        let b = Variance::of(m("500.00"), m("450.00"));
        assert_eq!(a.difference, m("200.50"));
        assert_eq!(b.difference, m("-50.00"));
        let t = Variance::sum([a, b]);
        assert_eq!((t.budget, t.actual, t.difference), (m("1500.00"), m("1650.50"), m("150.50")));
    }

    proptest! {
        /// Money is exact: the total equals the sum of the rounded lines, each within half a fen of
        /// the exact product.
        #[test]
        fn totals_are_sums_of_rounded_lines(
            lines in prop::collection::vec((1i64..1_000_000, 0i64..10_000_000), 1..40)
        ) {
            let mut amounts = Vec::new();
            let mut expected_fen = 0i64;
            for (q_milli, price_fen) in lines {
                let quantity = Decimal::new(q_milli, 3);
                let price = Money::from_fen(price_fen);
                let amount = line_amount(quantity, price).unwrap();
                let exact = quantity * price.amount();
                prop_assert!((amount.amount() - exact).abs() <= Decimal::new(5, 3));
                expected_fen += amount.to_fen();
                amounts.push(amount);
            }
            let within = expected_fen <= MAX_SHEET_TOTAL_YUAN * 100;
            prop_assert_eq!(total(amounts).ok().map(Money::to_fen), within.then_some(expected_fen));
        }

        /// Whatever a hostile device sends, an accepted sheet's total is within the bounds, never
        /// negative, and exactly the sum of its lines.
        #[test]
        fn accepted_sheets_are_within_bounds(
            lines in prop::collection::vec((any::<i64>(), 0u32..6, any::<i64>()), 0..250)
        ) {
            let priced: Result<Vec<Money>, LineError> = check_line_count(lines.len()).and_then(|()| {
                lines
                    .iter()
                    .map(|&(q, scale, price_fen)| line_amount(Decimal::new(q, scale), Money::from_fen(price_fen)))
                    .collect()
            });
            if let Ok(amounts) = priced {
                if let Ok(sum) = total(amounts.iter().copied()) {
                    prop_assert!(!sum.is_negative());
                    prop_assert!(sum <= Money::from_yuan(MAX_SHEET_TOTAL_YUAN));
                    let fen: i128 = amounts.iter().map(|a| i128::from(a.to_fen())).sum();
                    prop_assert_eq!(i128::from(sum.to_fen()), fen);
                }
            }
        }
    }
}
