//! Interest, refunds and holds on the fund (Art. 27, 29, 30).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::articles::Article;
use baoxiu_sync_protocol::Money;

/// The rate table shipped with Baoxiu.
pub const DEFAULT_RATES: &str = include_str!("../../../fixtures/demand-deposit-rates.toml");

/// Chinese banks quote daily interest on a 360-day year.
pub const DAY_COUNT_BASIS: i64 = 360;

/// Demand-deposit rates with the dates they took effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateTable {
    /// Sorted by date; each rate holds until the next.
    changes: Vec<(NaiveDate, Decimal)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateFile {
    rate: Vec<RateRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateRow {
    from: NaiveDate,
    percent: Decimal,
}

/// Why interest cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundError {
    #[error("rate table: {0}")]
    Rates(String),
    /// Interest asked for a day before the first rate in the table.
    #[error("no demand-deposit rate is known for {0}")]
    NoRate(NaiveDate),
    /// A period that ends before it starts.
    #[error("the period ends before it starts")]
    BackwardsPeriod,
    /// A refund asked before the category's warranty has expired (Art. 29).
    #[error("the warranty has not expired yet; the refund falls due on {due_on} (Art. 29)")]
    NotExpired { due_on: NaiveDate },
    /// A refund held for an unresolved serious defect (Art. 30).
    #[error("the refund is withheld while a serious defect remains unrepaired (Art. 30)")]
    OnHold,
}

impl FundError {
    pub fn article(&self) -> Article {
        match self {
            FundError::NotExpired { .. } => Article::REFUND,
            FundError::OnHold => Article::REFUND_HOLD,
            _ => Article::CUSTODY_AND_INTEREST,
        }
    }
}

impl RateTable {
    /// The table shipped in `fixtures/demand-deposit-rates.toml`.
    pub fn shipped() -> Result<RateTable, FundError> {
        Self::parse(DEFAULT_RATES)
    }

    /// Parses a table; dates must be distinct and rates between 0 % and 20 %.
    pub fn parse(text: &str) -> Result<RateTable, FundError> {
        use figment::providers::{Format, Toml};
        let file: RateFile = figment::Figment::from(Toml::string(text))
            .extract()
            .map_err(|e| FundError::Rates(e.to_string()))?;
        Self::new(file.rate.into_iter().map(|r| (r.from, r.percent)).collect())
    }

    /// A table from `(effective date, annual percent)` pairs.
    pub fn new(mut changes: Vec<(NaiveDate, Decimal)>) -> Result<RateTable, FundError> {
        changes.sort_by_key(|(d, _)| *d);
        if changes.is_empty() {
            return Err(FundError::Rates("empty".into()));
        }
        if changes.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(FundError::Rates("two rates on one date".into()));
        }
        if changes.iter().any(|(_, r)| *r < Decimal::ZERO || *r > Decimal::from(20)) {
            return Err(FundError::Rates("a rate outside 0-20 %".into()));
        }
        Ok(RateTable { changes })
    }

    /// The annual percent in force on `day`.
    pub fn rate_on(&self, day: NaiveDate) -> Result<Decimal, FundError> {
        self.changes
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .map(|(_, r)| *r)
            .ok_or(FundError::NoRate(day))
    }
}

/// Simple interest on `principal` for the days in `[from, to)`, each day at the rate then in force,
/// actual/360 (Art. 27), rounded half up to the fen once at the end.
pub fn interest(
    principal: Money,
    from: NaiveDate,
    to: NaiveDate,
    rates: &RateTable,
) -> Result<Money, FundError> {
    if to < from {
        return Err(FundError::BackwardsPeriod);
    }
    let mut total = Decimal::ZERO;
    let mut segment_start = from;
    while segment_start < to {
        let rate = rates.rate_on(segment_start)?;
        let next_change = rates.changes.iter().map(|(d, _)| *d).find(|d| *d > segment_start);
        let segment_end = next_change.map_or(to, |d| d.min(to));
        let days = (segment_end - segment_start).num_days();
        total += principal.amount() * rate / Decimal::ONE_HUNDRED * Decimal::from(days)
            / Decimal::from(DAY_COUNT_BASIS);
        segment_start = segment_end;
    }
    Ok(Money::round_from(total))
}

/// Simple interest on a balance that changes over time: each `(from, to, balance)` segment earns
/// interest for its days at the rates then in force, and the sum is rounded half up to the fen once
/// (Art. 27). Segments must not overlap; a negative balance earns nothing.
pub fn interest_on_segments(
    segments: &[(NaiveDate, NaiveDate, Money)],
    rates: &RateTable,
) -> Result<Money, FundError> {
    Ok(Money::round_from(exact_interest(segments, rates)?))
}

/// As [`interest_on_segments`], unrounded.
fn exact_interest(
    segments: &[(NaiveDate, NaiveDate, Money)],
    rates: &RateTable,
) -> Result<Decimal, FundError> {
    let mut total = Decimal::ZERO;
    for &(from, to, balance) in segments {
        if to < from {
            return Err(FundError::BackwardsPeriod);
        }
        if balance.is_negative() || balance == Money::ZERO {
            continue;
        }
        let mut start = from;
        while start < to {
            let rate = rates.rate_on(start)?;
            let next_change = rates.changes.iter().map(|(d, _)| *d).find(|d| *d > start);
            let end = next_change.map_or(to, |d| d.min(to));
            let days = (end - start).num_days();
            total += balance.amount() * rate / Decimal::ONE_HUNDRED * Decimal::from(days)
                / Decimal::from(DAY_COUNT_BASIS);
            start = end;
        }
    }
    Ok(total)
}

/// Interest on one building's account (Art. 27): the account earns it, on the sum of its
/// categories, rounded to the fen once, as the bank pays it; the fund's categories are an
/// internal split of that sum, each its exact share rounded down and the fen left over given to
/// the largest remainders (ties to the earlier category), so the shares add up to the account's
/// interest exactly. `categories` holds each category's balance segments; the answer is the
/// account's interest and each category's share, in the same order.
pub fn building_interest(
    categories: &[Vec<(NaiveDate, NaiveDate, Money)>],
    rates: &RateTable,
) -> Result<(Money, Vec<Money>), FundError> {
    let exact: Vec<Decimal> =
        categories.iter().map(|s| exact_interest(s, rates)).collect::<Result<_, _>>()?;
    let total = Money::round_from(exact.iter().copied().sum());
    let fen = Decimal::ONE_HUNDRED;
    let mut parts: Vec<(i64, Decimal)> = exact
        .iter()
        .map(|e| {
            let floor = (e * fen).floor();
            (rust_decimal::prelude::ToPrimitive::to_i64(&floor).unwrap_or(i64::MAX), e * fen - floor)
        })
        .collect();
    let mut left = total.to_fen() - parts.iter().map(|(q, _)| q).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    // Fewer fen are left over than there are categories: one pass gives them out.
    for i in order {
        if left <= 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    Ok((total, parts.into_iter().map(|(q, _)| Money::from_fen(q)).collect()))
}

/// The daily balance segments of a category over `[from, to)`: `entries` are `(entry date,
/// signed amount)`; an entry counts from its own day on.
pub fn balance_segments(
    entries: &[(NaiveDate, Money)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate, Money)> {
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|(d, _)| *d);
    let opening: Money = sorted.iter().filter(|(d, _)| *d < from).map(|(_, a)| *a).sum();
    let mut segments = Vec::new();
    let mut balance = opening;
    let mut start = from;
    for (day, amount) in sorted.into_iter().filter(|(d, _)| *d >= from && *d < to) {
        if day > start {
            segments.push((start, day, balance));
            start = day;
        }
        balance = balance + amount;
    }
    if start < to {
        segments.push((start, to, balance));
    }
    segments
}

/// What a category's refund comes to (Art. 29): its share of principal plus interest, less what was
/// paid out against it. Payouts beyond that leave nothing to refund and a shortfall to record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Refund {
    pub amount: Money,
    pub shortfall: Money,
}

/// The refund of a category's balance.
pub fn refund_amount(principal: Money, interest: Money, paid_out: Money) -> Refund {
    let balance = principal + interest - paid_out;
    if balance.is_negative() {
        Refund { amount: Money::ZERO, shortfall: -balance }
    } else {
        Refund { amount: balance, shortfall: Money::ZERO }
    }
}

/// When a category's refund may be paid: its last day of cover is the earlier of its warranty's
/// end (Art. 18, 29) and the 5-year custody limit from the first deposit (Art. 27); the refund is
/// due within 30 days after it (Art. 29). `None` while neither is known (no hand-over, no deposit).
pub fn refund_window(
    warranty_last_day: Option<NaiveDate>,
    first_deposit: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    let custody = first_deposit.and_then(|d| super::periods::years_after(d, 5));
    let last_day = match (warranty_last_day, custody) {
        (Some(w), Some(c)) => w.min(c),
        (w, c) => w.or(c)?,
    };
    Some((last_day, super::periods::days_after(last_day, 30).unwrap_or(last_day)))
}

/// May the category's refund be paid today? Not before its warranty has expired (Art. 29), and not
/// while a serious, repeatedly repaired defect still impairs normal use (Art. 30). `refund_due_on`
/// is the last day of the 30-day refund window after expiry.
pub fn may_refund(
    today: NaiveDate,
    warranty_last_day: NaiveDate,
    refund_due_on: NaiveDate,
    on_hold: bool,
) -> Result<(), FundError> {
    if today <= warranty_last_day {
        return Err(FundError::NotExpired { due_on: refund_due_on });
    }
    if on_hold {
        return Err(FundError::OnHold);
    }
    Ok(())
}

/// Splits `total` by integer weights so the parts add up to it exactly: each part is rounded down
/// to the fen, and the fen left over go to the largest remainders (ties to the earlier weight).
pub fn apportion(total: Money, weights: &[u32]) -> Vec<Money> {
    let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if sum == 0 {
        return weights.iter().map(|_| Money::ZERO).collect();
    }
    let total_fen = i128::from(total.to_fen());
    let sum = i128::from(sum);
    let mut parts: Vec<(i128, i128)> = weights
        .iter()
        .map(|&w| {
            let exact = total_fen * i128::from(w);
            (exact.div_euclid(sum), exact.rem_euclid(sum))
        })
        .collect();
    let mut left = total_fen - parts.iter().map(|(q, _)| q).sum::<i128>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    parts.into_iter().map(|(q, _)| Money::from_fen(i64::try_from(q).unwrap_or(i64::MAX))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_table_parses() {
        let rates = RateTable::shipped().unwrap();
        assert_eq!(rates.rate_on(d("2026-01-01")).unwrap(), dec("0.35"));
        assert_eq!(rates.rate_on(d("2011-05-01")).unwrap(), dec("0.50"));
        assert!(matches!(rates.rate_on(d("2000-01-01")), Err(FundError::NoRate(_))));
    }

    #[test]
    fn art_27_interest_over_two_rate_changes() {
        let rates = RateTable::new(vec![
            (d("2025-01-01"), dec("0.35")),
            (d("2025-06-01"), dec("0.25")),
            (d("2025-09-01"), dec("0.20")),
        ])
        .unwrap();
        // ¥1,000,000 from 1 March to 1 November 2025:
        //   1 Mar - 31 May:  92 days × 0.35 % / 360 × 1,000,000 =  894.444…
        //   1 Jun - 31 Aug:  92 days × 0.25 % / 360 × 1,000,000 =  638.888…
        //   1 Sep - 31 Oct:  61 days × 0.20 % / 360 × 1,000,000 =  338.888…
        //   total 1,872.222… → ¥1,872.22
        assert_eq!(
            interest(m("1000000.00"), d("2025-03-01"), d("2025-11-01"), &rates).unwrap(),
            m("1872.22")
        );
        assert_eq!(interest(m("1000000.00"), d("2025-03-01"), d("2025-03-01"), &rates).unwrap(), Money::ZERO);
        assert_eq!(
            interest(m("1.00"), d("2025-03-02"), d("2025-03-01"), &rates),
            Err(FundError::BackwardsPeriod)
        );
    }

    #[test]
    fn art_27_a_buildings_interest_is_the_accounts_and_its_categories_add_up_to_it() {
        let rates = RateTable::parse("[[rate]]\nfrom = \"2000-01-01\"\npercent = \"0.35\"\n").unwrap();
        let (from, to) = (d("2025-01-01"), d("2025-01-31"));
        let uneven: Vec<Vec<(NaiveDate, NaiveDate, Money)>> =
            ["1000.05", "1000.05", "1000.05"].iter().map(|b| vec![(from, to, m(b))]).collect();
        // Each: 1000.05 × 0.35 % × 30 / 360 = 0.29168… → ¥0.29 alone, ¥0.87 for the three; the
        // account: 3000.15 × 0.35 % × 30 / 360 = 0.87504… → ¥0.88.
        let alone: Money = uneven.iter().map(|s| interest_on_segments(s, &rates).unwrap()).sum();
        assert_eq!(alone, m("0.87"));
        let (total, shares) = building_interest(&uneven, &rates).unwrap();
        assert_eq!(total, m("0.88"), "the account's interest, as the bank pays it");
        assert_eq!(
            shares,
            [m("0.30"), m("0.29"), m("0.29")],
            "the fen left over to the first of the equal remainders"
        );
        assert_eq!(shares.iter().copied().sum::<Money>(), total);
        let (none, zero) = building_interest(&[vec![(from, to, m("-5.00"))]], &rates).unwrap();
        assert_eq!((none, zero), (Money::ZERO, vec![Money::ZERO]));
    }

    #[test]
    fn interest_follows_the_balance_as_it_changes() {
        let rates = RateTable::new(vec![(d("2025-01-01"), dec("0.36"))]).unwrap();
        // ¥100,000 from 1 Jan; ¥40,000 paid out on 1 Feb; period January and February 2025:
        //   31 days × 100,000 × 0.36 % / 360 = 31.00; 28 days × 60,000 × 0.36 % / 360 = 16.80.
        let entries = [(d("2025-01-01"), m("100000.00")), (d("2025-02-01"), m("-40000.00"))];
        let segments = balance_segments(&entries, d("2025-01-01"), d("2025-03-01"));
        assert_eq!(
            segments,
            vec![
                (d("2025-01-01"), d("2025-02-01"), m("100000.00")),
                (d("2025-02-01"), d("2025-03-01"), m("60000.00"))
            ]
        );
        assert_eq!(interest_on_segments(&segments, &rates).unwrap(), m("47.80"));
        // An entry before the period is in the opening balance.
        let later = balance_segments(&entries, d("2025-02-15"), d("2025-03-01"));
        assert_eq!(later, vec![(d("2025-02-15"), d("2025-03-01"), m("60000.00"))]);
    }

    #[test]
    fn art_27_29_the_refund_window_is_the_earlier_of_expiry_and_custody() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // Warranty ends first: due 30 days after it.
        assert_eq!(
            refund_window(Some(d("2024-06-30")), Some(d("2022-06-16"))),
            Some((d("2024-06-30"), d("2024-07-30")))
        );
        // Custody of five years ends first (Art. 27).
        assert_eq!(
            refund_window(Some(d("2027-06-30")), Some(d("2022-06-16"))),
            Some((d("2027-06-16"), d("2027-07-16")))
        );
        assert_eq!(refund_window(None, Some(d("2022-06-16"))), Some((d("2027-06-16"), d("2027-07-16"))));
        assert_eq!(refund_window(None, None), None);
    }

    #[test]
    fn art_29_30_refunds() {
        // Share ¥558,000 + interest ¥4,123.45 − payouts ¥12,345.67 = ¥549,777.78.
        assert_eq!(
            refund_amount(m("558000.00"), m("4123.45"), m("12345.67")),
            Refund { amount: m("549777.78"), shortfall: Money::ZERO }
        );
        assert_eq!(
            refund_amount(m("100.00"), m("1.00"), m("150.00")),
            Refund { amount: Money::ZERO, shortfall: m("49.00") }
        );
        let (expiry, due) = (d("2027-06-30"), d("2027-07-30"));
        assert_eq!(
            may_refund(d("2027-06-30"), expiry, due, false),
            Err(FundError::NotExpired { due_on: due })
        );
        assert_eq!(may_refund(d("2027-07-01"), expiry, due, true).unwrap_err().article(), Article(30));
        assert_eq!(may_refund(d("2027-07-01"), expiry, due, false), Ok(()));
    }

    #[test]
    fn apportioning_is_exact() {
        assert_eq!(apportion(m("100.00"), &[1, 1, 1]), vec![m("33.34"), m("33.33"), m("33.33")]);
        assert_eq!(
            apportion(m("558000.00"), &[5, 3, 2]),
            vec![m("279000.00"), m("167400.00"), m("111600.00")]
        );
        assert_eq!(apportion(m("1.00"), &[0, 0]), vec![Money::ZERO, Money::ZERO]);
    }

    proptest! {
        #[test]
        fn apportioned_parts_sum_to_the_whole(fen in 0i64..10_000_000_000, weights in prop::collection::vec(0u32..1000, 1..10)) {
            let parts = apportion(Money::from_fen(fen), &weights);
            if weights.iter().any(|&w| w > 0) {
                prop_assert_eq!(parts.iter().copied().sum::<Money>(), Money::from_fen(fen));
            }
            prop_assert!(parts.iter().all(|p| !p.is_negative()));
        }

        /// Interest over a period equals the sum over any split of it, to within a fen per split.
        #[test]
        fn interest_is_additive(principal_fen in 0i64..10_000_000_000, a in 0i64..2000, b in 0i64..2000) {
            let rates = RateTable::shipped().unwrap();
            let start = d("2019-01-01");
            let mid = start + chrono::Duration::days(a);
            let end = mid + chrono::Duration::days(b);
            let p = Money::from_fen(principal_fen);
            let whole = interest(p, start, end, &rates).unwrap();
            let parts = interest(p, start, mid, &rates).unwrap() + interest(p, mid, end, &rates).unwrap();
            prop_assert!((whole - parts).amount().abs() <= Decimal::new(1, 2));
        }
    }
}
