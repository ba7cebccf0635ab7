//! The deposit notice 交存通知 as a state machine (Art. 10-16): the bureau notifies the developer of
//! the amount a building owes; the developer may object within 7 days (Art. 11); the bureau
//! re-checks and confirms or corrects it (Art. 11); payments follow, late ones with a fee
//! (Art. 16, `deposit::late_fee`), until the notice is paid in full and its certificate issued
//! (Art. 15).

use chrono::NaiveDate;

use super::articles::Article;
use super::text_enum;

text_enum! {
    /// Where a deposit notice stands.
    pub enum NoticeStatus {
        /// Served on the developer; the objection period runs (Art. 10-11).
        Notified = "notified",
        /// The developer objected in time; payment waits for the re-check (Art. 11).
        Objected = "objected",
        /// Re-checked by the bureau, the amount kept or corrected (Art. 11).
        Confirmed = "confirmed",
        /// Paid in full; the deposit certificate is issued (Art. 15).
        Paid = "paid",
    }
}

/// What happens to a deposit notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeEvent {
    /// The developer objects on `on`; the period ends on `objection_due_on`.
    Object { on: NaiveDate, objection_due_on: NaiveDate },
    /// The bureau re-checks the objected notice.
    Recheck,
    /// A payment is recorded; `settles` when it pays what is outstanding in full.
    Pay { settles: bool },
}

/// Why a notice cannot take an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeRefusal {
    /// Not at this point of the process; the article says why.
    OutOfOrder(Article),
    /// The 7-day objection period ended on this day (Art. 11).
    ObjectionPeriodOver(NaiveDate),
}

impl NoticeStatus {
    /// The status a notice is served in: `Notified`, or, when nothing is owed (an insured
    /// building is exempt, Art. 9 (i)), at once `Paid`, so its certificate is issued without a
    /// payment (Art. 15).
    pub fn served(owes_nothing: bool) -> NoticeStatus {
        if owes_nothing {
            NoticeStatus::Paid
        } else {
            NoticeStatus::Notified
        }
    }

    /// The status after `event`, or why it cannot happen.
    pub fn after(self, event: NoticeEvent) -> Result<NoticeStatus, NoticeRefusal> {
        use NoticeStatus::*;
        let out_of_order = Err(NoticeRefusal::OutOfOrder(Article::DEPOSIT_OBJECTION));
        match (self, event) {
            (Notified, NoticeEvent::Object { on, objection_due_on }) if on > objection_due_on => {
                Err(NoticeRefusal::ObjectionPeriodOver(objection_due_on))
            }
            (Notified, NoticeEvent::Object { .. }) => Ok(Objected),
            (_, NoticeEvent::Object { .. }) => out_of_order,
            (Objected, NoticeEvent::Recheck) => Ok(Confirmed),
            (_, NoticeEvent::Recheck) => out_of_order,
            // An objected amount is not paid until it is re-checked (Art. 11).
            (Objected, NoticeEvent::Pay { .. }) => out_of_order,
            (_, NoticeEvent::Pay { settles: true }) => Ok(Paid),
            // A part payment leaves the notice where it was; what is still owed is the amount's
            // business, checked against the payments, not the status's.
            (status, NoticeEvent::Pay { settles: false }) => Ok(status),
        }
    }

    /// Whether the notice is settled and its certificate valid (Art. 15).
    pub fn certified(self) -> bool {
        self == NoticeStatus::Paid
    }
}

#[cfg(test)]
mod tests {
    use super::NoticeStatus::*;
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_notice_runs_from_notified_through_objection_and_recheck_to_paid() {
        let object = NoticeEvent::Object { on: d("2026-03-05"), objection_due_on: d("2026-03-08") };
        assert_eq!(Notified.after(object), Ok(Objected));
        assert_eq!(Objected.after(NoticeEvent::Recheck), Ok(Confirmed));
        assert_eq!(Confirmed.after(NoticeEvent::Pay { settles: false }), Ok(Confirmed));
        assert_eq!(Confirmed.after(NoticeEvent::Pay { settles: true }), Ok(Paid));
        assert!(Paid.certified() && !Confirmed.certified());
    }

    #[test]
    fn art_9_15_an_exempt_building_is_certified_without_a_payment() {
        assert!(NoticeStatus::served(true).certified());
        assert_eq!(NoticeStatus::served(false), Notified);
        // Nothing left to object to or pay.
        let object = NoticeEvent::Object { on: d("2026-03-05"), objection_due_on: d("2026-03-08") };
        assert_eq!(
            NoticeStatus::served(true).after(object),
            Err(NoticeRefusal::OutOfOrder(Article::DEPOSIT_OBJECTION))
        );
    }

    #[test]
    fn a_notice_nobody_objects_to_is_paid_as_notified() {
        assert_eq!(Notified.after(NoticeEvent::Pay { settles: false }), Ok(Notified));
        assert_eq!(Notified.after(NoticeEvent::Pay { settles: true }), Ok(Paid));
    }

    #[test]
    fn an_objection_comes_within_seven_days_and_only_once() {
        let due = d("2026-03-08");
        let on_the_last_day = NoticeEvent::Object { on: due, objection_due_on: due };
        assert_eq!(Notified.after(on_the_last_day), Ok(Objected));
        let late = NoticeEvent::Object { on: d("2026-03-09"), objection_due_on: due };
        assert_eq!(Notified.after(late), Err(NoticeRefusal::ObjectionPeriodOver(due)));
        for status in [Objected, Confirmed, Paid] {
            assert_eq!(
                status.after(on_the_last_day),
                Err(NoticeRefusal::OutOfOrder(Article::DEPOSIT_OBJECTION))
            );
        }
    }

    #[test]
    fn an_objected_amount_waits_for_the_recheck() {
        let refused = Err(NoticeRefusal::OutOfOrder(Article::DEPOSIT_OBJECTION));
        assert_eq!(Objected.after(NoticeEvent::Pay { settles: true }), refused);
        for status in [Notified, Confirmed, Paid] {
            assert_eq!(status.after(NoticeEvent::Recheck), refused, "{status}");
        }
    }
}
