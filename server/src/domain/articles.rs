//! The articles of the Shandong 物业质量保修金管理办法（试行）(2010) that Baoxiu implements, so
//! every refusal can name the rule behind it. `docs/RULES.md` maps each to code and tests.

use std::fmt;

/// An article of the fund's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Article(pub u8);

impl Article {
    /// Deposit rate by building class.
    pub const DEPOSIT_RATE: Article = Article(8);
    /// Exemption and reductions of the deposit rate.
    pub const DEPOSIT_REDUCTIONS: Article = Article(9);
    /// The developer may object to the notified amount within 7 days.
    pub const DEPOSIT_OBJECTION: Article = Article(11);
    /// Deposited per building, in one sum, before hand-over.
    pub const DEPOSIT_BEFORE_HANDOVER: Article = Article(12);
    /// Late fee of 0.3 % a day on the unpaid part.
    pub const LATE_FEE: Article = Article(16);
    /// The fund pays only where the developer does not or cannot repair.
    pub const DEVELOPER_FIRST: Article = Article(17);
    /// Warranty scope and minimum periods.
    pub const WARRANTY_PERIODS: Article = Article(18);
    /// What the warranty does not cover.
    pub const EXCLUSIONS: Article = Article(19);
    /// Who may apply.
    pub const APPLICANTS: Article = Article(20);
    /// The bureau verifies, decides and designates a repair unit.
    pub const BUREAU_DECIDES: Article = Article(21);
    /// Plan and budget before work; the applicant signs the cost sheet.
    pub const PLAN_AND_COST_SHEET: Article = Article(22);
    /// Payment within 20 days of receiving the cost sheet.
    pub const PAYOUT: Article = Article(23);
    /// A disputing developer commissions a testing agency.
    pub const DISPUTE: Article = Article(24);
    /// Emergency repairs paid in advance, reimbursed after liability is settled.
    pub const EMERGENCY_ADVANCE: Article = Article(25);
    /// The developer is told what was used within 30 days of settlement.
    pub const USAGE_NOTICE: Article = Article(26);
    /// Custody of at most 5 years, at the demand-deposit rate.
    pub const CUSTODY_AND_INTEREST: Article = Article(27);
    /// Refund within 30 days after each sub-project's warranty expires.
    pub const REFUND: Article = Article(29);
    /// Refund withheld while a serious, repeatedly repaired defect remains.
    pub const REFUND_HOLD: Article = Article(30);
}

impl fmt::Display for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Art. {}", self.0)
    }
}
