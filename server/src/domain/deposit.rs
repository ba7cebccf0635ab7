//! The deposit: rate by building class, exemption and reductions, amount, late fee
//! (Art. 8-10, 12, 16).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::articles::Article;
use super::evidence::DepositEvidenceKind;
use super::registry::BuildingClass;
use super::text_enum;
use baoxiu_sync_protocol::Money;

text_enum! {
    /// Housing performance certification 住宅性能认定 (Art. 9 ii).
    pub enum Certification {
        ThreeA = "3a",
        TwoA = "2a",
        OneA = "1a",
    }
}

text_enum! {
    /// Quality award level (Art. 9 iii): 广厦奖/鲁班奖, 泰山杯/省优秀住宅小区, 市级优秀住宅小区.
    pub enum AwardLevel {
        National = "national",
        Provincial = "provincial",
        Municipal = "municipal",
    }
}

impl Certification {
    /// Percentage points off (Art. 9 ii): 3A 3, 2A 2, 1A 1.
    pub fn points(self) -> Decimal {
        Decimal::from(match self {
            Certification::ThreeA => 3,
            Certification::TwoA => 2,
            Certification::OneA => 1,
        })
    }
}

impl AwardLevel {
    /// Percentage points refunded after the award (Art. 9 iii): 3, 2, 1.
    pub fn points(self) -> Decimal {
        Decimal::from(match self {
            AwardLevel::National => 3,
            AwardLevel::Provincial => 2,
            AwardLevel::Municipal => 1,
        })
    }
}

/// The deposit rate by building class, in percent (Art. 8).
pub fn base_rate(class: BuildingClass) -> Decimal {
    Decimal::from(match class {
        BuildingClass::LowRise | BuildingClass::MultiStorey => 3,
        BuildingClass::SmallHighRise => 4,
        BuildingClass::HighRise => 5,
    })
}

/// The lowest rate items (ii)-(iv) of Art. 9 can bring a deposit to, in percent.
pub fn floor_rate() -> Decimal {
    Decimal::ONE
}

/// What the bureau has approved to lower the deposit (Art. 9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reductions {
    /// (i) Covered by engineering quality liability insurance: no deposit at all.
    pub insured: bool,
    /// (ii) Housing performance certification.
    pub certification: Option<Certification>,
    /// (iii) A quality award, refunded after it is won.
    pub award: Option<AwardLevel>,
    /// (iv) Sound quality and after-sales systems or high credit: at most 1 percentage point.
    pub credit_points: Decimal,
}

impl Reductions {
    /// The documents the reductions rest on: each reduction needs its own (Art. 9).
    pub fn required_evidence(&self) -> Vec<DepositEvidenceKind> {
        let mut kinds = Vec::new();
        if self.insured {
            kinds.push(DepositEvidenceKind::InsurancePolicy);
        }
        if self.certification.is_some() {
            kinds.push(DepositEvidenceKind::PerformanceCertificate);
        }
        if self.award.is_some() {
            kinds.push(DepositEvidenceKind::Award);
        }
        if self.credit_points > Decimal::ZERO {
            kinds.push(DepositEvidenceKind::CreditRating);
        }
        kinds
    }
}

/// Why a deposit cannot be assessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepositError {
    /// The credit reduction is negative or above one point (Art. 9 iv).
    #[error("the credit reduction is at most 1 percentage point (Art. 9)")]
    CreditPoints,
    /// A negative construction cost.
    #[error("the construction cost must not be negative (Art. 8)")]
    NegativeCost,
    /// A payment date before the due date's notice, or a negative payment.
    #[error("late-fee payments must be positive and dated")]
    BadPayment,
}

impl DepositError {
    pub fn article(&self) -> Article {
        match self {
            DepositError::CreditPoints => Article::DEPOSIT_REDUCTIONS,
            DepositError::NegativeCost => Article::DEPOSIT_RATE,
            DepositError::BadPayment => Article::LATE_FEE,
        }
    }
}

/// The deposit a building owes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// The class rate of Art. 8, in percent.
    pub base_rate: Decimal,
    /// The rate after Art. 9, in percent.
    pub rate: Decimal,
    /// Cost × rate, rounded half up to the fen.
    pub amount: Money,
    /// True when insurance exempts the building (Art. 9 i).
    pub exempt: bool,
}

/// The rate after reductions: items (ii)-(iv) add up, never below 1 % (Art. 9); insurance exempts.
pub fn rate(class: BuildingClass, r: &Reductions) -> Result<Decimal, DepositError> {
    if r.credit_points < Decimal::ZERO || r.credit_points > Decimal::ONE {
        return Err(DepositError::CreditPoints);
    }
    if r.insured {
        return Ok(Decimal::ZERO);
    }
    let points = r.certification.map_or(Decimal::ZERO, Certification::points)
        + r.award.map_or(Decimal::ZERO, AwardLevel::points)
        + r.credit_points;
    let base = base_rate(class);
    // A building already at or under the floor is not raised to it.
    Ok((base - points).max(floor_rate().min(base)))
}

/// The deposit for a building of `class` and construction cost `cost` (Art. 8-10).
pub fn assess(
    class: BuildingClass,
    cost: Money,
    reductions: &Reductions,
) -> Result<Assessment, DepositError> {
    if cost.is_negative() {
        return Err(DepositError::NegativeCost);
    }
    let rate = rate(class, reductions)?;
    Ok(Assessment {
        base_rate: base_rate(class),
        rate,
        amount: cost.times(rate / Decimal::ONE_HUNDRED),
        exempt: reductions.insured,
    })
}

/// What is refunded when a reduction is won after the deposit, e.g. an award (Art. 9 iii) or a
/// late certification (Art. 9 ii, "降低或退还"): the deposit before minus the deposit after, which
/// respects the 1 % floor.
pub fn refund_for_new_reduction(
    class: BuildingClass,
    cost: Money,
    before: &Reductions,
    after: &Reductions,
) -> Result<Money, DepositError> {
    let was = assess(class, cost, before)?.amount;
    let now = assess(class, cost, after)?.amount;
    Ok(if now < was { was - now } else { Money::ZERO })
}

/// The daily late-fee rate of Art. 16: 0.3 %.
pub fn late_fee_daily_rate() -> Decimal {
    Decimal::new(3, 3)
}

/// Why a deposit notice's due date is refused (Art. 12, 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DueDateRefused {
    /// Due before the developer was told: the late fee would run before the notice (Art. 16).
    #[error("the due date is before the notice is served")]
    BeforeNotice,
    /// The deposit is paid before the hand-over (Art. 12).
    #[error("the due date is after the hand-over")]
    AfterHandover,
}

/// A notice served on `served_on` may fall due on `due_on` only from that day on (the fee never
/// runs before the developer was told, Art. 16) and, where the hand-over is still to come, by
/// the hand-over (the deposit comes first, Art. 12). A building already handed over owes at once,
/// so any date from the notice on is allowed.
pub fn check_due_date(
    due_on: NaiveDate,
    served_on: NaiveDate,
    handover: Option<NaiveDate>,
) -> Result<(), DueDateRefused> {
    if due_on < served_on {
        return Err(DueDateRefused::BeforeNotice);
    }
    match handover {
        Some(handover) if handover >= served_on && due_on > handover => Err(DueDateRefused::AfterHandover),
        _ => Ok(()),
    }
}

/// The day from which the late fee counts: the due date, and never before the notice was served
/// (Art. 16), whatever an older notice says.
pub fn fee_runs_after(due_on: NaiveDate, served_on: NaiveDate) -> NaiveDate {
    due_on.max(served_on)
}

/// The late fee on a deposit of `amount` due on `due_on`, with `payments` made so far, as of
/// `as_of` (Art. 16): 0.3 % of the unpaid part for each day from the day after the due date. A
/// payment made on a day stops the fee on its part from the next day, so paying on the first
/// overdue day costs one day. Rounded half up to the fen once, at the end.
pub fn late_fee(
    amount: Money,
    due_on: NaiveDate,
    payments: &[(NaiveDate, Money)],
    as_of: NaiveDate,
) -> Result<Money, DepositError> {
    if payments.iter().any(|(_, p)| p.is_negative() || *p == Money::ZERO) {
        return Err(DepositError::BadPayment);
    }
    let mut sorted = payments.to_vec();
    sorted.sort_by_key(|(day, _)| *day);
    let mut unpaid = amount.amount();
    // Payments on or before the due date are on time.
    let mut rest = sorted.into_iter().peekable();
    while let Some((_, p)) = rest.next_if(|(day, _)| *day <= due_on) {
        unpaid -= p.amount();
    }
    let mut fee = Decimal::ZERO;
    let mut day = due_on;
    while day < as_of && unpaid > Decimal::ZERO {
        day = day.succ_opt().ok_or(DepositError::BadPayment)?;
        fee += unpaid * late_fee_daily_rate();
        while let Some((_, p)) = rest.next_if(|(d, _)| *d <= day) {
            unpaid -= p.amount();
        }
    }
    Ok(Money::round_from(fee))
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
    fn art_8_rates_and_amounts_for_the_demo_buildings() {
        let none = Reductions::default();
        // 1号楼: multi-storey, ¥18,600,000 × 3 % = ¥558,000.00.
        assert_eq!(
            assess(BuildingClass::MultiStorey, m("18600000.00"), &none).unwrap().amount,
            m("558000.00")
        );
        // 2号楼: small high-rise, ¥42,350,000 × 4 % = ¥1,694,000.00.
        assert_eq!(
            assess(BuildingClass::SmallHighRise, m("42350000.00"), &none).unwrap().amount,
            m("1694000.00")
        );
        // 3号楼: high-rise, ¥76,800,000 × 5 % = ¥3,840,000.00.
        assert_eq!(assess(BuildingClass::HighRise, m("76800000.00"), &none).unwrap().amount, m("3840000.00"));
        assert_eq!(base_rate(BuildingClass::LowRise), dec("3"));
        // Rounding half up: ¥1,234,567.89 × 3 % = 37,037.0367 → 37,037.04.
        assert_eq!(assess(BuildingClass::LowRise, m("1234567.89"), &none).unwrap().amount, m("37037.04"));
    }

    #[test]
    fn art_9_reductions_add_up_with_a_one_percent_floor() {
        let cost = m("10000000.00");
        let insured = Reductions { insured: true, ..Default::default() };
        let a = assess(BuildingClass::HighRise, cost, &insured).unwrap();
        assert_eq!((a.amount, a.exempt), (Money::ZERO, true));

        // High-rise 5 % − 2A (2) − credit (0.5) = 2.5 % → ¥250,000.
        let r = Reductions {
            certification: Some(Certification::TwoA),
            credit_points: dec("0.5"),
            ..Default::default()
        };
        assert_eq!(assess(BuildingClass::HighRise, cost, &r).unwrap().amount, m("250000.00"));
        // Multi-storey 3 % − 3A (3) − credit (1) would be −1 %: the floor holds it at 1 % → ¥100,000.
        let r = Reductions {
            certification: Some(Certification::ThreeA),
            credit_points: dec("1"),
            ..Default::default()
        };
        assert_eq!(rate(BuildingClass::MultiStorey, &r).unwrap(), dec("1"));
        assert_eq!(assess(BuildingClass::MultiStorey, cost, &r).unwrap().amount, m("100000.00"));

        let too_much = Reductions { credit_points: dec("1.5"), ..Default::default() };
        assert_eq!(rate(BuildingClass::HighRise, &too_much), Err(DepositError::CreditPoints));
        assert_eq!(DepositError::CreditPoints.article(), Article(9));
    }

    #[test]
    fn art_9_iii_award_refund_respects_the_floor() {
        let cost = m("10000000.00");
        let before = Reductions { certification: Some(Certification::OneA), ..Default::default() };
        // High-rise: 5 − 1 = 4 % deposited. A national award (3 points) → 1 %: refund 3 % = ¥300,000.
        let after = Reductions { award: Some(AwardLevel::National), ..before };
        assert_eq!(
            refund_for_new_reduction(BuildingClass::HighRise, cost, &before, &after).unwrap(),
            m("300000.00")
        );
        // Small high-rise: 4 − 1 = 3 %; the award would take it to 0 %, the floor stops at 1 %: refund 2 %.
        assert_eq!(
            refund_for_new_reduction(BuildingClass::SmallHighRise, cost, &before, &after).unwrap(),
            m("200000.00")
        );
    }

    #[test]
    fn art_16_late_fee_worked_examples() {
        let due = d("2026-03-31");
        // ¥100,000 unpaid, paid in full on 10 April: 10 days × 0.3 % × 100,000 = ¥3,000.
        assert_eq!(
            late_fee(m("100000.00"), due, &[(d("2026-04-10"), m("100000.00"))], d("2026-05-01")).unwrap(),
            m("3000.00")
        );
        // Paid on time: nothing.
        assert_eq!(
            late_fee(m("100000.00"), due, &[(d("2026-03-31"), m("100000.00"))], d("2026-05-01")).unwrap(),
            Money::ZERO
        );
        // ¥40,000 paid on 5 April, the remaining ¥60,000 on 10 April:
        // 5 days × 100,000 × 0.003 = 1,500 + 5 days × 60,000 × 0.003 = 900 → ¥2,400.
        let payments = [(d("2026-04-05"), m("40000.00")), (d("2026-04-10"), m("60000.00"))];
        assert_eq!(late_fee(m("100000.00"), due, &payments, d("2026-05-01")).unwrap(), m("2400.00"));
        // Still unpaid, shown live on 3 April: 3 days × ¥1,234.57 × 0.003 = 11.11113 → ¥11.11.
        assert_eq!(late_fee(m("1234.57"), due, &[], d("2026-04-03")).unwrap(), m("11.11"));
        assert_eq!(late_fee(m("1.00"), due, &[(due, m("-1.00"))], due), Err(DepositError::BadPayment));
    }

    proptest! {
        /// The rate is never below 1 % unless insured, and never above the class rate.
        #[test]
        fn rate_stays_between_the_floor_and_the_class_rate(
            class in prop::sample::select(BuildingClass::ALL.to_vec()),
            cert in prop::option::of(prop::sample::select(Certification::ALL.to_vec())),
            award in prop::option::of(prop::sample::select(AwardLevel::ALL.to_vec())),
            credit_hundredths in 0i64..=100,
            insured in any::<bool>(),
        ) {
            let r = Reductions { insured, certification: cert, award, credit_points: Decimal::new(credit_hundredths, 2) };
            let rate = rate(class, &r).unwrap();
            if insured {
                prop_assert_eq!(rate, Decimal::ZERO);
            } else {
                prop_assert!(rate >= Decimal::ONE);
                prop_assert!(rate <= base_rate(class));
            }
        }
    }

    #[test]
    fn art_12_16_a_notice_falls_due_between_its_service_and_the_handover() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let served = d("2026-03-01");
        assert_eq!(check_due_date(d("2026-02-28"), served, None), Err(DueDateRefused::BeforeNotice));
        assert_eq!(check_due_date(d("2026-03-01"), served, Some(d("2026-06-30"))), Ok(()));
        assert_eq!(check_due_date(d("2026-06-30"), served, Some(d("2026-06-30"))), Ok(()));
        assert_eq!(
            check_due_date(d("2026-07-01"), served, Some(d("2026-06-30"))),
            Err(DueDateRefused::AfterHandover)
        );
        // Handed over before the notice: due from the notice on.
        assert_eq!(check_due_date(d("2026-03-31"), served, Some(d("2025-06-30"))), Ok(()));
        // An old notice due before it was served charges nothing for the days before.
        assert_eq!(fee_runs_after(d("2026-02-01"), served), served);
        let fee =
            late_fee(Money::from_yuan(1000), fee_runs_after(d("2026-02-01"), served), &[], d("2026-03-02"))
                .unwrap();
        assert_eq!(fee.to_string(), "3.00", "one day, not thirty");
    }
}
