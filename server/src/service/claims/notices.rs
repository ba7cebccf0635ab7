//! Who hears of what happened on a claim: one table, event × party → notice, so nobody in the loop
//! is left guessing. docs/NOTIFICATIONS.md's table is this table rendered (a test keeps them
//! the same).
//!
//! The notices that go to one person rather than a party (the technician a work order is
//! assigned to, the witness of a disputed signature, the applicant asked to sign a revision or told
//! of a signature taken in person) are raised where that person is known.

use serde_json::json;

use crate::db::claims::{self as db, ClaimRow};
use crate::db::{notify, DbConnection};
use crate::domain::lifecycle::Action;
use crate::domain::next_step::Party;
use crate::error::AppError;
use crate::error::AppResult;
use crate::messages::Notice;

/// Something that happened on a claim that its parties hear of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Filed,
    AskedDeveloper,
    DeveloperWillRepair,
    DeveloperDisputed,
    DeveloperSilent,
    DeveloperUnable,
    /// The developer let its reply or promised repair date pass (the periodic work).
    DeveloperOverdue,
    DeveloperRepaired,
    DeveloperDefaulted,
    /// The developer filed the testing agency's report.
    InspectionReportFiled,
    FoundLiable,
    FoundNotLiable,
    Approved,
    Rejected,
    PlanSubmitted,
    PlanApproved,
    PlanReturned,
    RepairStarted,
    CostSheetSubmitted,
    CostSheetReturned,
    SignatureDisputed,
    Verified,
    VerifiedWithCuts,
    PaidToApplicant,
    PaidToRepairUnit,
    DeveloperNotified,
}

impl Event {
    /// Every event, in the order of a claim's life.
    pub const ALL: &'static [Event] = &[
        Event::Filed,
        Event::AskedDeveloper,
        Event::DeveloperWillRepair,
        Event::DeveloperDisputed,
        Event::DeveloperSilent,
        Event::DeveloperUnable,
        Event::DeveloperOverdue,
        Event::DeveloperRepaired,
        Event::DeveloperDefaulted,
        Event::InspectionReportFiled,
        Event::FoundLiable,
        Event::FoundNotLiable,
        Event::Approved,
        Event::Rejected,
        Event::PlanSubmitted,
        Event::PlanApproved,
        Event::PlanReturned,
        Event::RepairStarted,
        Event::CostSheetSubmitted,
        Event::CostSheetReturned,
        Event::SignatureDisputed,
        Event::Verified,
        Event::VerifiedWithCuts,
        Event::PaidToApplicant,
        Event::PaidToRepairUnit,
        Event::DeveloperNotified,
    ];

    /// The event a lifecycle step is; `cut` says whether a verification cut any line, `to_unit`
    /// whether a payment went to the repair unit.
    pub fn of_step(action: Action, cut: bool, to_unit: bool) -> Event {
        match action {
            Action::AskDeveloper => Event::AskedDeveloper,
            Action::DeveloperWillRepair => Event::DeveloperWillRepair,
            Action::DeveloperDisputes => Event::DeveloperDisputed,
            Action::DeveloperSilent { .. } => Event::DeveloperSilent,
            Action::DeveloperUnable => Event::DeveloperUnable,
            Action::DeveloperRepaired => Event::DeveloperRepaired,
            Action::DeveloperDefaulted => Event::DeveloperDefaulted,
            Action::InspectionFound { developer_liable: true } => Event::FoundLiable,
            Action::InspectionFound { developer_liable: false } => Event::FoundNotLiable,
            Action::Approve => Event::Approved,
            Action::Reject { .. } => Event::Rejected,
            Action::SubmitPlan => Event::PlanSubmitted,
            Action::ApprovePlan => Event::PlanApproved,
            Action::ReturnPlan => Event::PlanReturned,
            Action::StartRepair => Event::RepairStarted,
            Action::SubmitCostSheet { .. } => Event::CostSheetSubmitted,
            Action::ReturnCostSheet => Event::CostSheetReturned,
            Action::DisputeSignature => Event::SignatureDisputed,
            Action::Verify if cut => Event::VerifiedWithCuts,
            Action::Verify => Event::Verified,
            Action::Pay if to_unit => Event::PaidToRepairUnit,
            Action::Pay => Event::PaidToApplicant,
            Action::NotifyDeveloper => Event::DeveloperNotified,
        }
    }

    /// Who hears of it, and what they are told.
    pub fn notices(self) -> &'static [(Party, Notice)] {
        use Notice as N;
        use Party::{Applicant as A, DesignatedUnit as U, Developer as D, Reviewer as R};
        match self {
            Event::Filed => &[(R, N::ClaimFiled)],
            Event::AskedDeveloper => &[(A, N::BureauAskedDeveloper), (D, N::DeveloperAsked)],
            Event::DeveloperWillRepair => &[(A, N::DeveloperWillRepair), (R, N::DeveloperWillRepair)],
            Event::DeveloperDisputed => &[(A, N::DeveloperDisputed), (R, N::DeveloperDisputed)],
            Event::DeveloperSilent => &[(A, N::DeveloperSilentRecorded), (D, N::DeveloperSilentRecorded)],
            Event::DeveloperUnable => &[(A, N::DeveloperUnableRecorded)],
            Event::DeveloperOverdue => &[(A, N::DeveloperOverdue), (R, N::DeveloperOverdue)],
            Event::DeveloperRepaired => &[(A, N::ClaimClosed), (D, N::ClaimClosed)],
            Event::DeveloperDefaulted => &[(A, N::DeveloperDefaulted), (D, N::DeveloperDefaulted)],
            Event::InspectionReportFiled => &[(R, N::InspectionReportFiled)],
            Event::FoundLiable => &[(A, N::InspectionFound), (D, N::InspectionFound)],
            Event::FoundNotLiable => &[(A, N::ClaimRejected), (D, N::ClaimRejected)],
            Event::Approved => &[(A, N::ClaimApproved), (U, N::RepairUnitDesignated), (D, N::ClaimApproved)],
            Event::Rejected => &[(A, N::ClaimRejected)],
            Event::PlanSubmitted => &[(R, N::PlanSubmitted)],
            Event::PlanApproved => &[(U, N::PlanApproved)],
            Event::PlanReturned => &[(U, N::PlanReturned)],
            Event::RepairStarted => &[(A, N::RepairStarted)],
            Event::CostSheetSubmitted => &[(R, N::CostSheetSubmitted)],
            Event::CostSheetReturned => &[(U, N::CostSheetReturned)],
            // The witness is told by name where the dispute is recorded.
            Event::SignatureDisputed => &[(R, N::SignatureDisputed)],
            Event::Verified => &[(A, N::CostSheetVerified), (U, N::CostSheetVerified)],
            Event::VerifiedWithCuts => {
                &[(A, N::CostSheetVerifiedWithCuts), (U, N::CostSheetVerifiedWithCuts)]
            }
            Event::PaidToApplicant => &[(A, N::ClaimPaid)],
            Event::PaidToRepairUnit => &[(A, N::ClaimPaid), (U, N::PaidToRepairUnit)],
            Event::DeveloperNotified => &[(D, N::UsageNotice)],
        }
    }

    /// A short name for the table.
    pub fn name(self) -> &'static str {
        match self {
            Event::Filed => "filed",
            Event::AskedDeveloper => "bureau asks the developer",
            Event::DeveloperWillRepair => "developer will repair",
            Event::DeveloperDisputed => "developer disputes",
            Event::DeveloperSilent => "developer silent (after its reply date)",
            Event::DeveloperUnable => "developer unable (closed down, bankrupt)",
            Event::DeveloperOverdue => "developer's reply or promised repair date passes",
            Event::DeveloperRepaired => "developer repaired",
            Event::DeveloperDefaulted => "developer defaulted",
            Event::InspectionReportFiled => "developer files the inspection report",
            Event::FoundLiable => "inspection: developer liable",
            Event::FoundNotLiable => "inspection: developer not liable",
            Event::Approved => "approved",
            Event::Rejected => "rejected",
            Event::PlanSubmitted => "plan submitted",
            Event::PlanApproved => "plan approved",
            Event::PlanReturned => "plan returned",
            Event::RepairStarted => "repair started",
            Event::CostSheetSubmitted => "cost sheet submitted",
            Event::CostSheetReturned => "cost sheet returned",
            Event::SignatureDisputed => "in-person signature disputed",
            Event::Verified => "cost sheet verified in full",
            Event::VerifiedWithCuts => "cost sheet verified with cuts",
            Event::PaidToApplicant => "paid to the applicant",
            Event::PaidToRepairUnit => "paid to the repair unit",
            Event::DeveloperNotified => "developer told what was used (Art. 26)",
        }
    }
}

/// The accounts that are `party` on the claim.
fn party_members(conn: &mut DbConnection, row: &ClaimRow, party: Party) -> AppResult<Vec<String>> {
    Ok(match party {
        Party::Applicant => vec![row.applicant_id.clone()],
        Party::DesignatedUnit => match &row.repair_unit_id {
            Some(unit) => notify::members_of(conn, unit)?,
            None => Vec::new(),
        },
        Party::Developer => notify::members_of(conn, &row.developer_id)?,
        Party::Reviewer => notify::reviewers_of(conn, &row.jurisdiction)?,
        Party::Bystander => Vec::new(),
    })
}

/// Tells every party of the claim what the event means for them, once per claim version (so a
/// retried step tells nobody twice); `params` go with every notice. The person who caused the
/// event (`actor`) is not told of their own act.
pub fn tell(
    conn: &mut DbConnection,
    row: &ClaimRow,
    event: Event,
    actor: &str,
    params: serde_json::Value,
) -> AppResult<usize> {
    let key = row.version.to_string();
    let mut told = Vec::new();
    for (party, notice) in event.notices() {
        let to: Vec<String> = party_members(conn, row, *party)?.into_iter().filter(|u| u != actor).collect();
        told.push((to, *notice));
    }
    let notes: Vec<notify::Notify<'_>> = told
        .iter()
        .map(|(_, notice)| notify::Notify {
            notice: *notice,
            claim_id: Some(&row.id),
            work_order_id: None,
            key: &key,
            params: params.clone(),
        })
        .collect();
    let pairs: Vec<(&str, &notify::Notify<'_>)> =
        told.iter().zip(&notes).flat_map(|((to, _), n)| to.iter().map(move |u| (u.as_str(), n))).collect();
    notify::notify_all(conn, &pairs).map_err(AppError::from)
}

/// The periodic work: claims whose developer let its reply or promised repair date pass go back
/// to the bureau's queue (Art. 17), and the applicant and the reviewers hear of it. Returns how
/// many moved.
pub fn surface_overdue_developers(conn: &mut DbConnection, today: chrono::NaiveDate) -> AppResult<usize> {
    let moved = db::surface_overdue_developers(conn, today)?;
    for id in &moved {
        let row = db::find_claim(conn, &db::ClaimScope::All, id)?;
        let params = json!({"state": row.state, "due_on": row.bureau_due_on});
        tell(conn, &row, Event::DeveloperOverdue, "", params)?;
    }
    Ok(moved.len())
}

/// What a step's notices carry: the state, and the facts a person needs to read them (the
/// rejection's reason, the promised date, the latest cost sheet's amounts).
pub fn step_params(row: &ClaimRow, latest_sheet: Option<&db::CostSheetRow>) -> serde_json::Value {
    let mut params = json!({"state": row.state});
    if let Some(reason) = row.rejection_reason {
        params["rejection_reason"] = json!(reason);
        params["article"] = json!(reason.article().to_string());
    }
    if let Some(by) = row.repair_due_on {
        params["repair_by"] = json!(by);
    }
    if let Some(sheet) = latest_sheet {
        params["revision"] = json!(sheet.revision);
        if let Some(approved) = sheet.approved_total_fen {
            params["approved_total"] = json!(baoxiu_sync_protocol::Money::from_fen(approved));
            params["total"] = json!(baoxiu_sync_protocol::Money::from_fen(sheet.total_fen));
        }
    }
    params
}

/// The table as Markdown, for docs/NOTIFICATIONS.md.
pub fn table_markdown() -> String {
    let columns = [
        (Party::Applicant, "applicant"),
        (Party::DesignatedUnit, "repair unit"),
        (Party::Developer, "developer"),
        (Party::Reviewer, "reviewers"),
    ];
    let mut out = String::from(
        "| event | applicant | repair unit | developer | reviewers |\n| --- | --- | --- | --- | --- |\n",
    );
    for event in Event::ALL {
        let cells: Vec<String> = columns
            .iter()
            .map(|(party, _)| {
                event
                    .notices()
                    .iter()
                    .filter(|(p, _)| p == party)
                    .map(|(_, n)| format!("`{}`", n.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .map(|c| if c.is_empty() { "·".to_owned() } else { c })
            .collect();
        out.push_str(&format!("| {} | {} |\n", event.name(), cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_is_an_event_someone_hears_of() {
        for event in Event::ALL {
            assert!(!event.notices().is_empty(), "{event:?} tells nobody");
            assert!(event.notices().iter().all(|(p, _)| *p != Party::Bystander));
        }
        // The rows the law asks for: the applicant hears the answer, the decision and its reason;
        // reviewers hear of new claims, plans, sheets, disputes and reports; the developer hears
        // what was used (Art. 26); the unit hears of cuts and of its payment.
        let hears = |event: Event, party: Party, notice: Notice| event.notices().contains(&(party, notice));
        assert!(hears(Event::DeveloperDisputed, Party::Applicant, Notice::DeveloperDisputed));
        assert!(hears(Event::Rejected, Party::Applicant, Notice::ClaimRejected));
        assert!(hears(Event::FoundNotLiable, Party::Applicant, Notice::ClaimRejected));
        assert!(hears(Event::Filed, Party::Reviewer, Notice::ClaimFiled));
        assert!(hears(Event::InspectionReportFiled, Party::Reviewer, Notice::InspectionReportFiled));
        assert!(hears(Event::DeveloperNotified, Party::Developer, Notice::UsageNotice));
        assert!(hears(Event::VerifiedWithCuts, Party::DesignatedUnit, Notice::CostSheetVerifiedWithCuts));
        assert!(hears(Event::PaidToRepairUnit, Party::DesignatedUnit, Notice::PaidToRepairUnit));
        assert!(!hears(Event::PaidToApplicant, Party::DesignatedUnit, Notice::PaidToRepairUnit));
    }

    #[test]
    fn every_action_maps_to_its_event() {
        assert_eq!(Event::of_step(Action::Verify, true, false), Event::VerifiedWithCuts);
        assert_eq!(Event::of_step(Action::Pay, false, true), Event::PaidToRepairUnit);
        assert_eq!(
            Event::of_step(Action::InspectionFound { developer_liable: false }, false, false),
            Event::FoundNotLiable
        );
    }

    #[test]
    fn the_notifications_page_shows_this_table() {
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/NOTIFICATIONS.md"))
            .unwrap();
        assert!(
            page.contains(&table_markdown()),
            "docs/NOTIFICATIONS.md's notification table differs from the code; it should read:\n{}",
            table_markdown()
        );
    }
}
