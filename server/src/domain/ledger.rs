//! The fund's journal and the balances derived from it (Art. 7, 27-29).
//!
//! Entries are never edited: a correction is a reversing entry. Every balance is a sum over the
//! journal, per building and warranty category, and an outflow larger than the balance is refused
//! with the shortfall named, so no balance is ever negative.

use serde::Serialize;

use super::coverage::WarrantyCategory;
use super::text_enum;
use baoxiu_sync_protocol::Money;

text_enum! {
    /// What a journal entry records.
    pub enum EntryKind {
        /// The developer's deposit (Art. 12). In.
        Deposit = "deposit",
        /// A deposit reduction won after an award (Art. 9 iii). Out.
        AwardRefund = "award_refund",
        /// Interest at the demand-deposit rate (Art. 27). In.
        Interest = "interest",
        /// A late fee on the deposit (Art. 16). In.
        LateFee = "late_fee",
        /// A payout for a claim (Art. 23). Out.
        Payout = "payout",
        /// A refund to the developer after expiry (Art. 29). Out.
        Refund = "refund",
        /// The exact negation of an earlier entry, with a reason.
        Reversal = "reversal",
    }
}

impl EntryKind {
    /// +1 for money into the fund, −1 for money out; a reversal carries the opposite sign of the
    /// entry it reverses, so its amount is stored signed and it has no fixed direction.
    pub fn direction(self) -> i64 {
        match self {
            EntryKind::Deposit | EntryKind::Interest | EntryKind::LateFee => 1,
            EntryKind::AwardRefund | EntryKind::Payout | EntryKind::Refund => -1,
            EntryKind::Reversal => 0,
        }
    }
}

/// One journal entry as the balance rules see it. `amount` is signed: positive into the fund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub category: WarrantyCategory,
    pub amount: Money,
    /// For a reversal: the kind of the entry it reverses, so totals per kind stay right.
    pub reverses: Option<EntryKind>,
}

/// Totals of a set of entries, by kind, all as positive amounts, and the resulting balance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub deposits: Money,
    pub interest: Money,
    pub late_fees: Money,
    pub payouts: Money,
    pub refunds: Money,
    pub award_refunds: Money,
    /// deposits + interest + late fees − payouts − refunds − award refunds.
    pub balance: Money,
}

/// The categories a building's deposit is shared among for refunds (Art. 29): the statutory items
/// of Art. 18, in equal shares. The text leaves the split to the bureau; equal shares are the
/// neutral default, and this is the one place to change it.
pub const SHARE_CATEGORIES: [WarrantyCategory; 8] = [
    WarrantyCategory::Structural,
    WarrantyCategory::RoofWaterproofing,
    WarrantyCategory::Seepage,
    WarrantyCategory::ExteriorInsulation,
    WarrantyCategory::Heating,
    WarrantyCategory::Cooling,
    WarrantyCategory::ElectricalPlumbingEquipment,
    WarrantyCategory::Decoration,
];

/// Splits money coming into a building's fund among its categories, exactly to the fen.
pub fn shares(total: Money) -> Vec<(WarrantyCategory, Money)> {
    let parts = super::fund::apportion(total, &[1; SHARE_CATEGORIES.len()]);
    SHARE_CATEGORIES.into_iter().zip(parts).collect()
}

/// The balance of `entries` (for one building, or one building's category).
pub fn balance<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Balance {
    fold(entries.into_iter().map(|e| Sum { kind: e.kind, reverses: e.reverses, amount: e.amount }))
}

/// A signed total of entries of one kind (and, for reversals, of the kind they reverse): what the
/// database sums when a statement covers a million entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sum {
    pub kind: EntryKind,
    pub reverses: Option<EntryKind>,
    pub amount: Money,
}

/// The one fold from journal amounts to totals by kind and a balance; entries and sums of entries
/// go through it alike, so a balance and a statement can never disagree.
pub fn fold(sums: impl IntoIterator<Item = Sum>) -> Balance {
    let mut b = Balance::default();
    for e in sums {
        let kind = e.reverses.unwrap_or(e.kind);
        // A reversal's amount is the negation of the reversed entry's, so adding its signed
        // amount to the reversed kind's total (in that kind's direction) cancels it.
        let magnitude = if kind.direction() >= 0 { e.amount } else { -e.amount };
        match kind {
            EntryKind::Deposit => b.deposits = b.deposits + magnitude,
            EntryKind::Interest => b.interest = b.interest + magnitude,
            EntryKind::LateFee => b.late_fees = b.late_fees + magnitude,
            EntryKind::Payout => b.payouts = b.payouts + magnitude,
            EntryKind::Refund => b.refunds = b.refunds + magnitude,
            EntryKind::AwardRefund => b.award_refunds = b.award_refunds + magnitude,
            EntryKind::Reversal => {}
        }
        b.balance = b.balance + e.amount;
    }
    b
}

/// A building's year as the publication shows it (Art. 28): what stood at its start, what came in,
/// what was used and returned, and what stands at its end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct YearTotals {
    pub opening_balance: Money,
    /// Deposits and late fees.
    pub deposits: Money,
    pub interest: Money,
    /// Payouts for repairs.
    pub uses: Money,
    /// Refunds and award refunds to the developer.
    pub refunds: Money,
    pub closing_balance: Money,
}

/// Folds the sums before the year (`opening`) and within it into the year's totals.
pub fn year_totals(opening: Money, within: impl IntoIterator<Item = Sum>) -> YearTotals {
    let b = fold(within);
    YearTotals {
        opening_balance: opening,
        deposits: b.deposits + b.late_fees,
        interest: b.interest,
        uses: b.payouts,
        refunds: b.refunds + b.award_refunds,
        closing_balance: opening + b.balance,
    }
}

/// An outflow the balance cannot cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("the balance {available} cannot cover {requested}; short by {shortfall}")]
pub struct Shortfall {
    pub requested: Money,
    pub available: Money,
    pub shortfall: Money,
}

/// Why an outflow may not be posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutflowRefused {
    /// A negative outflow would put money *into* the fund: never a payout, refund or use.
    #[error("an outflow of {0} is negative")]
    Negative(Money),
    /// The balance cannot cover it.
    #[error(transparent)]
    Short(Shortfall),
}

/// May `amount` leave a balance of `available`? Never below zero, and never a negative amount.
pub fn check_outflow(available: Money, amount: Money) -> Result<(), OutflowRefused> {
    if amount.is_negative() {
        return Err(OutflowRefused::Negative(amount));
    }
    if amount > available {
        return Err(OutflowRefused::Short(Shortfall {
            requested: amount,
            available,
            shortfall: amount - available,
        }));
    }
    Ok(())
}

/// The entry that reverses `entry`, with the opposite sign.
pub fn reversal_of(entry: &Entry) -> Entry {
    Entry {
        kind: EntryKind::Reversal,
        category: entry.category,
        amount: -entry.amount,
        reverses: Some(entry.reverses.unwrap_or(entry.kind)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }
    fn entry(kind: EntryKind, amount: &str) -> Entry {
        let amount = m(amount);
        let signed = if kind.direction() < 0 { -amount } else { amount };
        Entry { kind, category: WarrantyCategory::Seepage, amount: signed, reverses: None }
    }

    #[test]
    fn a_worked_balance() {
        let entries = [
            entry(EntryKind::Deposit, "558000.00"),
            entry(EntryKind::LateFee, "3000.00"),
            entry(EntryKind::Interest, "1872.22"),
            entry(EntryKind::Payout, "1380.88"),
            entry(EntryKind::Payout, "1530.88"),
        ];
        let b = balance(&entries);
        assert_eq!(b.deposits, m("558000.00"));
        assert_eq!(b.payouts, m("2911.76"));
        // 558,000 + 3,000 + 1,872.22 − 2,911.76 = 559,960.46
        assert_eq!(b.balance, m("559960.46"));
        let reversed = reversal_of(&entries[4]);
        let b = balance(entries.iter().chain([&reversed]));
        assert_eq!((b.payouts, b.balance), (m("1380.88"), m("561491.34")));
    }

    #[test]
    fn a_year_folds_like_its_entries() {
        let entries = [
            entry(EntryKind::Deposit, "558000.00"),
            entry(EntryKind::LateFee, "3000.00"),
            entry(EntryKind::Payout, "1530.88"),
            entry(EntryKind::Refund, "69750.00"),
            entry(EntryKind::AwardRefund, "100.00"),
        ];
        let reversed = reversal_of(&entries[2]);
        let sums: Vec<Sum> = entries
            .iter()
            .chain([&reversed])
            .map(|e| Sum { kind: e.kind, reverses: e.reverses, amount: e.amount })
            .collect();
        let year = year_totals(m("10.00"), sums.clone());
        assert_eq!(year.deposits, m("561000.00"), "late fees count as deposits");
        assert_eq!(year.uses, m("0.00"), "the reversed payout cancels");
        assert_eq!(year.refunds, m("69850.00"));
        assert_eq!(year.closing_balance, m("10.00") + balance(entries.iter().chain([&reversed])).balance);
        assert_eq!(fold(sums), balance(entries.iter().chain([&reversed])));
    }

    #[test]
    fn shares_are_equal_and_exact() {
        let split = shares(m("558000.00"));
        assert_eq!(split.len(), 8);
        assert!(split.iter().all(|(_, s)| *s == m("69750.00")));
        let odd = shares(m("0.10"));
        assert_eq!(odd.iter().map(|(_, s)| *s).sum::<Money>(), m("0.10"));
        assert_eq!(odd[0].1, m("0.02"), "the extra fen go to the first categories");
    }

    #[test]
    fn an_outflow_beyond_the_balance_names_the_shortfall() {
        assert_eq!(check_outflow(m("100.00"), m("100.00")), Ok(()));
        assert_eq!(
            check_outflow(m("100.00"), m("150.50")),
            Err(OutflowRefused::Short(Shortfall {
                requested: m("150.50"),
                available: m("100.00"),
                shortfall: m("50.50")
            }))
        );
    }

    #[test]
    fn a_negative_outflow_is_refused_whatever_the_balance() {
        assert_eq!(check_outflow(m("100.00"), m("-0.01")), Err(OutflowRefused::Negative(m("-0.01"))));
        assert_eq!(check_outflow(m("0.00"), m("0.00")), Ok(()));
    }

    #[derive(Clone, Debug)]
    enum Op {
        In(EntryKind, i64),
        Out(EntryKind, i64),
        ReverseLast,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (
                prop::sample::select(vec![EntryKind::Deposit, EntryKind::Interest, EntryKind::LateFee]),
                1i64..10_000_000
            )
                .prop_map(|(k, f)| Op::In(k, f)),
            (
                prop::sample::select(vec![EntryKind::Payout, EntryKind::Refund, EntryKind::AwardRefund]),
                1i64..10_000_000
            )
                .prop_map(|(k, f)| Op::Out(k, f)),
            Just(Op::ReverseLast),
        ]
    }

    proptest! {
        /// For any sequence of operations, applied as the service applies them (outflows checked
        /// against the balance, reversals only when they keep it non-negative), the balance equals
        /// deposits + interest + late fees − payouts − refunds − award refunds and is never negative.
        #[test]
        fn balances_add_up_and_never_go_negative(ops in prop::collection::vec(op(), 0..80)) {
            let mut journal: Vec<Entry> = Vec::new();
            for op in ops {
                let current = balance(&journal).balance;
                let next = match op {
                    Op::In(kind, fen) => Some(Entry { kind, category: WarrantyCategory::Heating, amount: Money::from_fen(fen), reverses: None }),
                    Op::Out(kind, fen) => {
                        let amount = Money::from_fen(fen);
                        check_outflow(current, amount).ok().map(|_| Entry { kind, category: WarrantyCategory::Heating, amount: -amount, reverses: None })
                    }
                    Op::ReverseLast => journal.iter().rev().find(|e| e.kind != EntryKind::Reversal).map(reversal_of)
                        .filter(|r| !(current + r.amount).is_negative()),
                };
                if let Some(e) = next {
                    journal.push(e);
                }
                let b = balance(&journal);
                prop_assert_eq!(b.balance, b.deposits + b.interest + b.late_fees - b.payouts - b.refunds - b.award_refunds);
                prop_assert!(!b.balance.is_negative());
            }
        }
    }
}
