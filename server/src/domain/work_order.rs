//! The work order 派工单 a repair unit sends to site, as a state machine: open → assigned →
//! scheduled → in progress (on site) → completed, or back to follow-up for another visit.
//!
//! A work order carries out the repair the bureau approved (Art. 22), or the emergency repair the
//! property manager makes at once (Art. 25). Who may move it (the unit's staff, the assigned
//! technician) is the service's policy; what may happen next is decided here.

use super::articles::Article;
use super::text_enum;

text_enum! {
    /// Where a work order stands.
    pub enum WorkOrderStatus {
        /// Created, nobody assigned yet.
        Open = "open",
        /// A technician is assigned.
        Assigned = "assigned",
        /// An arrival window is booked with the owner.
        Scheduled = "scheduled",
        /// The technician is on site: a visit is open.
        InProgress = "in_progress",
        /// A visit ended with work left: another visit follows.
        FollowUp = "follow_up",
        /// A visit ended with the work done. Nothing changes a completed order.
        Completed = "completed",
    }
}

text_enum! {
    /// How a visit ended, given at check-out.
    pub enum VisitOutcome {
        /// The work is done: the order completes.
        Done = "done",
        /// Part of the work is done: another visit follows.
        Partial = "partial",
        /// Something is needed first (material, access): another visit follows.
        FollowUp = "follow_up",
    }
}

/// What happens to a work order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkOrderEvent {
    /// A technician is assigned, or another one instead.
    Assign,
    /// An arrival window is booked.
    Schedule,
    /// The assigned technician arrives.
    CheckIn,
    /// The technician leaves.
    CheckOut(VisitOutcome),
}

/// Why a work order cannot take an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkOrderRefusal {
    #[error("the work order is completed")]
    Completed,
    #[error("assign a technician first")]
    NobodyAssigned,
    #[error("already checked in")]
    AlreadyOnSite,
    #[error("not checked in")]
    NotOnSite,
}

impl WorkOrderRefusal {
    /// The article whose process the refusal keeps in order.
    pub fn article(self) -> Article {
        Article::PLAN_AND_COST_SHEET
    }
}

/// A work order as the machine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkOrder {
    pub status: WorkOrderStatus,
    /// Someone is assigned.
    pub assigned: bool,
    /// A visit is open (checked in, not yet out).
    pub on_site: bool,
}

impl WorkOrder {
    /// The status after `event`, or why it cannot happen.
    pub fn after(self, event: WorkOrderEvent) -> Result<WorkOrderStatus, WorkOrderRefusal> {
        use WorkOrderStatus::*;
        if self.status == Completed {
            return Err(WorkOrderRefusal::Completed);
        }
        Ok(match event {
            // A reassignment keeps a booked window or a visit under way.
            WorkOrderEvent::Assign if self.status == Open => Assigned,
            WorkOrderEvent::Assign => self.status,
            WorkOrderEvent::Schedule if !self.assigned => return Err(WorkOrderRefusal::NobodyAssigned),
            WorkOrderEvent::Schedule if self.status == Assigned => Scheduled,
            WorkOrderEvent::Schedule => self.status,
            WorkOrderEvent::CheckIn if self.on_site => return Err(WorkOrderRefusal::AlreadyOnSite),
            WorkOrderEvent::CheckIn => InProgress,
            WorkOrderEvent::CheckOut(_) if !self.on_site => return Err(WorkOrderRefusal::NotOnSite),
            WorkOrderEvent::CheckOut(VisitOutcome::Done) => Completed,
            WorkOrderEvent::CheckOut(_) => FollowUp,
        })
    }
}

/// A technician's visit as the in-person signature rule sees it: when they checked in and, once
/// they have, out (the phone's clock where it reported one, as the signature's time is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteVisit {
    pub checked_in: chrono::DateTime<chrono::Utc>,
    pub checked_out: Option<chrono::DateTime<chrono::Utc>>,
}

/// May an applicant's signature captured on a technician's phone at `signed_at` count as witnessed
/// by that technician on site (Art. 22)? Only during one of their visits with a recorded check-in,
/// or within `window` after its check-out; never before any visit, and never from a phone that was
/// nowhere near the applicant.
pub fn witnessed_on_site(
    visits: &[SiteVisit],
    signed_at: chrono::DateTime<chrono::Utc>,
    window: chrono::Duration,
) -> bool {
    visits
        .iter()
        .any(|v| v.checked_in <= signed_at && v.checked_out.is_none_or(|out| signed_at <= out + window))
}

/// How many characters the notes written during one visit may come to. A visit's notes are what
/// the technician jots on site, a line at a time; the bound keeps a phone that loops from growing
/// one row without end (every note rewrites it). The check-out's own notes (at most 4,000
/// characters) always follow, so the technician can always leave.
pub const VISIT_NOTES_MAX_CHARS: usize = 20_000;

/// A visit's notes with `note` on a line of its own after what was written `before`.
pub fn append_note(before: Option<&str>, note: &str) -> String {
    match before {
        Some(before) => format!("{before}\n{note}"),
        None => note.to_owned(),
    }
}

/// [`append_note`] for a note written during the visit, or `None` when that would pass
/// [`VISIT_NOTES_MAX_CHARS`].
pub fn with_note(before: Option<&str>, note: &str) -> Option<String> {
    let joined = append_note(before, note);
    (joined.chars().count() <= VISIT_NOTES_MAX_CHARS).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::WorkOrderStatus::*;
    use super::*;

    #[test]
    fn a_visits_notes_grow_a_line_at_a_time_up_to_their_bound() {
        assert_eq!(with_note(None, "到场").as_deref(), Some("到场"));
        assert_eq!(with_note(Some("到场"), "涂料未干").as_deref(), Some("到场\n涂料未干"));
        let nearly = "漏".repeat(VISIT_NOTES_MAX_CHARS - 2);
        assert_eq!(with_note(Some(&nearly), "水").map(|n| n.chars().count()), Some(VISIT_NOTES_MAX_CHARS));
        assert_eq!(with_note(Some(&nearly), "水了"), None, "one character past the bound");
    }

    #[test]
    fn a_signature_in_person_falls_within_a_visit_or_shortly_after() {
        let at =
            |h: u32, m: u32| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 1, h, m, 0).unwrap();
        let window = chrono::Duration::minutes(120);
        let done = SiteVisit { checked_in: at(9, 0), checked_out: Some(at(11, 0)) };
        assert!(witnessed_on_site(&[done], at(10, 30), window), "during the visit");
        assert!(witnessed_on_site(&[done], at(13, 0), window), "two hours after check-out");
        assert!(!witnessed_on_site(&[done], at(13, 1), window), "later than the window");
        assert!(!witnessed_on_site(&[done], at(8, 59), window), "before the check-in");
        let open = SiteVisit { checked_in: at(14, 0), checked_out: None };
        assert!(witnessed_on_site(&[done, open], at(15, 0), window), "on site now");
        assert!(!witnessed_on_site(&[], at(10, 0), window), "no visit at all");
    }

    fn order(status: WorkOrderStatus, assigned: bool, on_site: bool) -> WorkOrder {
        WorkOrder { status, assigned, on_site }
    }

    #[test]
    fn a_work_order_runs_from_open_to_completed() {
        let open = order(Open, false, false);
        assert_eq!(open.after(WorkOrderEvent::Assign), Ok(Assigned));
        assert_eq!(order(Assigned, true, false).after(WorkOrderEvent::Schedule), Ok(Scheduled));
        assert_eq!(order(Scheduled, true, false).after(WorkOrderEvent::CheckIn), Ok(InProgress));
        let on_site = order(InProgress, true, true);
        assert_eq!(on_site.after(WorkOrderEvent::CheckOut(VisitOutcome::Partial)), Ok(FollowUp));
        assert_eq!(on_site.after(WorkOrderEvent::CheckOut(VisitOutcome::FollowUp)), Ok(FollowUp));
        assert_eq!(on_site.after(WorkOrderEvent::CheckOut(VisitOutcome::Done)), Ok(Completed));
        // A follow-up visit starts like the first.
        assert_eq!(order(FollowUp, true, false).after(WorkOrderEvent::CheckIn), Ok(InProgress));
    }

    #[test]
    fn reassigning_or_rebooking_keeps_where_the_order_stands() {
        for status in [Assigned, Scheduled, InProgress, FollowUp] {
            assert_eq!(order(status, true, status == InProgress).after(WorkOrderEvent::Assign), Ok(status));
        }
        for status in [Scheduled, InProgress, FollowUp] {
            assert_eq!(order(status, true, false).after(WorkOrderEvent::Schedule), Ok(status));
        }
    }

    #[test]
    fn out_of_order_events_are_refused_with_their_reason() {
        assert_eq!(
            order(Open, false, false).after(WorkOrderEvent::Schedule),
            Err(WorkOrderRefusal::NobodyAssigned)
        );
        assert_eq!(
            order(InProgress, true, true).after(WorkOrderEvent::CheckIn),
            Err(WorkOrderRefusal::AlreadyOnSite)
        );
        let not_there = order(Scheduled, true, false).after(WorkOrderEvent::CheckOut(VisitOutcome::Done));
        assert_eq!(not_there, Err(WorkOrderRefusal::NotOnSite));
        assert_eq!(WorkOrderRefusal::NotOnSite.to_string(), "not checked in");
        assert_eq!(WorkOrderRefusal::NotOnSite.article(), Article::PLAN_AND_COST_SHEET);
    }

    #[test]
    fn nothing_changes_a_completed_order() {
        let done = order(Completed, true, false);
        let events = [
            WorkOrderEvent::Assign,
            WorkOrderEvent::Schedule,
            WorkOrderEvent::CheckIn,
            WorkOrderEvent::CheckOut(VisitOutcome::Done),
        ];
        for event in events {
            assert_eq!(done.after(event), Err(WorkOrderRefusal::Completed), "{event:?}");
        }
    }

    #[test]
    fn every_status_and_outcome_keeps_its_stored_name() {
        for status in WorkOrderStatus::ALL {
            assert_eq!(status.as_str().parse::<WorkOrderStatus>(), Ok(*status));
        }
        for outcome in VisitOutcome::ALL {
            assert_eq!(outcome.as_str().parse::<VisitOutcome>(), Ok(*outcome));
        }
    }
}
