//! The applicant's signature on the repair cost sheet (签章确认, Art. 22), as one rule for every
//! path that records it: the web form, the REST call, and a confirmation synced from a phone.
//!
//! The applicant signs *that* sheet: the latest revision, as they were shown it (its canonical
//! hash), once, and never a revision in conflict with a sibling. On site the designated repair
//! unit's technician may witness the applicant sign on the technician's phone; the applicant then
//! confirms it on their own account, or disputes it.

use super::lifecycle::ClaimState;

/// Who records the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// The applicant, on their own account (the web, the API or their own phone).
    Applicant { is_applicant: bool },
    /// Staff of the designated repair unit who watched the applicant sign on their phone, during
    /// one of their visits or shortly after it (Art. 21-22).
    Witness { of_designated_unit: bool, on_site: bool },
}

/// The latest revision of the claim's cost sheet, as far as signing goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latest<'a> {
    pub revision: i32,
    /// The revision's canonical hash (every revision recorded since protocol 2 has one).
    pub hash: Option<&'a str>,
    /// Signed, and the signature not disputed.
    pub signed: bool,
    /// Signed in person on a technician's phone, not yet confirmed by the applicant.
    pub witnessed_only: bool,
    /// Two revisions were recorded from the same parent: the repair unit must settle them.
    pub conflict: bool,
}

/// One attempt to sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt<'a> {
    pub signer: Signer,
    pub state: ClaimState,
    /// The revision the request names, where it names one (the route's revision).
    pub revision: Option<i32>,
    /// The hash of the revision as the signer was shown it.
    pub shown: &'a str,
    pub latest: Option<Latest<'a>>,
}

/// What signing does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signing {
    /// Record the signature on the latest revision.
    Sign,
    /// The applicant confirms, on their own account, the signature a technician witnessed.
    ConfirmInPerson,
    /// Already signed: nothing changes, and nothing more is checked.
    AlreadySigned,
}

/// Why a signature is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningRefusal {
    /// Only the claim's applicant signs; only the designated unit's staff witness, on site.
    #[error("only the applicant signs, or the designated unit's staff witness on site (Art. 22)")]
    NotTheSigner,
    /// No cost sheet has been recorded, or the revision named is not one.
    #[error("no such cost sheet")]
    NoSheet,
    /// The revision shown is not the latest any more (or never was): `latest` is.
    #[error("revision {latest} is the latest")]
    Stale { latest: i32 },
    /// The claim is not at the step where its cost sheet is signed.
    #[error("the cost sheet is not open for signing (Art. 22)")]
    OutOfOrder,
    /// The latest revision is in conflict with a sibling.
    #[error("the cost sheet's revisions are in conflict")]
    Conflict,
    /// The drawing's bytes are already on the claim, on `revision`: a copy, not a signature.
    #[error("the drawing is already on revision {revision}")]
    DrawingReused { revision: i32 },
}

/// A signature is drawn anew for the sheet it signs: bytes already on the claim (`drawings`, each
/// revision with its drawing's SHA-256) are a copy, of the owner's own drawing say, never a new
/// act.
pub fn fresh_drawing(drawings: &[(i32, String)], sha256: &str) -> Result<(), SigningRefusal> {
    match drawings.iter().find(|(_, h)| h == sha256) {
        Some((revision, _)) => Err(SigningRefusal::DrawingReused { revision: *revision }),
        None => Ok(()),
    }
}

/// Decides an attempt to sign (Art. 22).
pub fn decide(attempt: &Attempt<'_>) -> Result<Signing, SigningRefusal> {
    let witnessed = match attempt.signer {
        Signer::Applicant { is_applicant } => {
            if !is_applicant {
                return Err(SigningRefusal::NotTheSigner);
            }
            false
        }
        Signer::Witness { of_designated_unit, on_site } => {
            if !(of_designated_unit && on_site) {
                return Err(SigningRefusal::NotTheSigner);
            }
            true
        }
    };
    let latest = attempt.latest.ok_or(SigningRefusal::NoSheet)?;
    let stale = Err(SigningRefusal::Stale { latest: latest.revision });
    if attempt.revision.is_some_and(|r| r != latest.revision) || latest.hash != Some(attempt.shown) {
        return stale;
    }
    // The applicant may confirm a witnessed signature until the bureau verifies the sheet; any
    // other signature is given while the repair is under way.
    let confirming = !witnessed && latest.signed && latest.witnessed_only;
    let open = match confirming {
        true => matches!(attempt.state, ClaimState::InRepair | ClaimState::CostSheetSubmitted),
        false => attempt.state == ClaimState::InRepair,
    };
    if !open {
        return Err(SigningRefusal::OutOfOrder);
    }
    match (confirming, latest.signed, latest.conflict) {
        (true, _, _) => Ok(Signing::ConfirmInPerson),
        (false, true, _) => Ok(Signing::AlreadySigned),
        (false, false, true) => Err(SigningRefusal::Conflict),
        (false, false, false) => Ok(Signing::Sign),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ab12";

    fn latest() -> Latest<'static> {
        Latest { revision: 2, hash: Some(HASH), signed: false, witnessed_only: false, conflict: false }
    }

    fn attempt(signer: Signer) -> Attempt<'static> {
        Attempt {
            signer,
            state: ClaimState::InRepair,
            revision: Some(2),
            shown: HASH,
            latest: Some(latest()),
        }
    }

    const APPLICANT: Signer = Signer::Applicant { is_applicant: true };
    const WITNESS: Signer = Signer::Witness { of_designated_unit: true, on_site: true };

    #[test]
    fn the_applicant_signs_the_latest_revision_they_were_shown() {
        assert_eq!(decide(&attempt(APPLICANT)), Ok(Signing::Sign));
        assert_eq!(decide(&Attempt { revision: None, ..attempt(APPLICANT) }), Ok(Signing::Sign));
        assert_eq!(decide(&attempt(WITNESS)), Ok(Signing::Sign));
    }

    #[test]
    fn nobody_else_signs_and_a_witness_must_be_of_the_unit_and_on_site() {
        let refused = Err(SigningRefusal::NotTheSigner);
        assert_eq!(decide(&attempt(Signer::Applicant { is_applicant: false })), refused);
        for (of_designated_unit, on_site) in [(false, true), (true, false), (false, false)] {
            assert_eq!(decide(&attempt(Signer::Witness { of_designated_unit, on_site })), refused);
        }
    }

    #[test]
    fn a_hash_or_revision_other_than_the_latest_is_stale() {
        let stale = Err(SigningRefusal::Stale { latest: 2 });
        assert_eq!(decide(&Attempt { shown: "cd34", ..attempt(APPLICANT) }), stale);
        assert_eq!(decide(&Attempt { revision: Some(1), ..attempt(APPLICANT) }), stale);
        let unhashed = Latest { hash: None, ..latest() };
        assert_eq!(decide(&Attempt { latest: Some(unhashed), ..attempt(APPLICANT) }), stale);
        assert_eq!(decide(&Attempt { latest: None, ..attempt(APPLICANT) }), Err(SigningRefusal::NoSheet));
    }

    #[test]
    fn signing_happens_once_during_the_repair_and_never_on_a_conflict() {
        let signed = Latest { signed: true, ..latest() };
        assert_eq!(
            decide(&Attempt { latest: Some(signed), ..attempt(APPLICANT) }),
            Ok(Signing::AlreadySigned)
        );
        let conflict = Latest { conflict: true, ..latest() };
        assert_eq!(
            decide(&Attempt { latest: Some(conflict), ..attempt(APPLICANT) }),
            Err(SigningRefusal::Conflict)
        );
        for state in [ClaimState::PlanApproved, ClaimState::CostSheetSubmitted, ClaimState::Paid] {
            assert_eq!(decide(&Attempt { state, ..attempt(APPLICANT) }), Err(SigningRefusal::OutOfOrder));
        }
    }

    #[test]
    fn a_drawing_already_on_the_claim_is_a_copy() {
        let drawings = [(1, "aa".to_string()), (2, "bb".to_string())];
        assert_eq!(fresh_drawing(&drawings, "bb"), Err(SigningRefusal::DrawingReused { revision: 2 }));
        assert_eq!(fresh_drawing(&drawings, "cc"), Ok(()));
    }

    #[test]
    fn a_witnessed_signature_is_confirmed_by_the_applicant_until_verification() {
        let witnessed = Latest { signed: true, witnessed_only: true, ..latest() };
        for state in [ClaimState::InRepair, ClaimState::CostSheetSubmitted] {
            let a = Attempt { state, latest: Some(witnessed), ..attempt(APPLICANT) };
            assert_eq!(decide(&a), Ok(Signing::ConfirmInPerson));
        }
        let verified = Attempt { state: ClaimState::Verified, latest: Some(witnessed), ..attempt(APPLICANT) };
        assert_eq!(decide(&verified), Err(SigningRefusal::OutOfOrder));
        // A second witness changes nothing.
        assert_eq!(
            decide(&Attempt { latest: Some(witnessed), ..attempt(WITNESS) }),
            Ok(Signing::AlreadySigned)
        );
    }
}
