//! Flags that help a reviewer weigh a photo: taken far from the site, taken long before or after
//! the visit it documents, carrying no EXIF at all, or the same photo used on another claim.
//! They are prompts for a person, never automatic refusals.

use chrono::{Duration, NaiveDateTime};

/// Farther than this from the site, a photo is flagged.
pub const FAR_METRES: f64 = 500.0;
/// A photo taken more than this before check-in or after check-out is flagged.
pub const SLACK_HOURS: i64 = 2;

/// What is known of a photo.
#[derive(Clone, Debug, Default)]
pub struct Photo {
    pub is_image: bool,
    pub has_exif: bool,
    pub taken_at: Option<NaiveDateTime>,
    pub position: Option<(f64, f64)>,
    pub reused: bool,
}

/// What the photo is compared with: where the technician checked in, and when the visits ran.
#[derive(Clone, Debug, Default)]
pub struct Reference {
    pub site: Option<(f64, f64)>,
    pub window: Option<(NaiveDateTime, NaiveDateTime)>,
}

/// One reason to look twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    NoExif,
    FarFromSite,
    OutsideVisitTime,
    ReusedOnOtherClaim,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::NoExif => "no_exif",
            Flag::FarFromSite => "far_from_site",
            Flag::OutsideVisitTime => "outside_visit_time",
            Flag::ReusedOnOtherClaim => "reused_on_other_claim",
        }
    }
}

/// The flags for one piece of evidence. Documents (PDFs) are only checked for reuse.
pub fn flags(photo: &Photo, reference: &Reference) -> Vec<Flag> {
    let mut out = Vec::new();
    if photo.is_image && !photo.has_exif {
        out.push(Flag::NoExif);
    }
    if let (Some(at), Some(site)) = (photo.position, reference.site) {
        if distance_metres(at, site) > FAR_METRES {
            out.push(Flag::FarFromSite);
        }
    }
    if let (Some(taken), Some((from, to))) = (photo.taken_at, reference.window) {
        let slack = Duration::hours(SLACK_HOURS);
        if taken < from - slack || taken > to + slack {
            out.push(Flag::OutsideVisitTime);
        }
    }
    if photo.reused {
        out.push(Flag::ReusedOnOtherClaim);
    }
    out
}

/// Great-circle distance between two (latitude, longitude) points, in metres (haversine).
pub fn distance_metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS: f64 = 6_371_000.0;
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlng = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn distances_are_metres() {
        // Quancheng Square to Baotu Spring, Jinan: about 650 m.
        let d = distance_metres((36.6616, 117.0194), (36.6618, 117.0122));
        assert!((600.0..700.0).contains(&d), "{d}");
        assert!(distance_metres((36.6616, 117.0194), (36.6616, 117.0194)) < 0.001);
    }

    #[test]
    fn each_flag_has_its_trigger() {
        let site = (36.6616, 117.0194);
        let reference = Reference { site: Some(site), window: Some((at(9), at(11))) };
        let honest = Photo {
            is_image: true,
            has_exif: true,
            taken_at: Some(at(10)),
            position: Some((36.6617, 117.0195)),
            reused: false,
        };
        assert!(flags(&honest, &reference).is_empty());
        let elsewhere = Photo { position: Some((36.70, 117.0194)), ..honest.clone() };
        assert_eq!(flags(&elsewhere, &reference), vec![Flag::FarFromSite]);
        let early = Photo { taken_at: Some(at(6)), ..honest.clone() };
        assert_eq!(flags(&early, &reference), vec![Flag::OutsideVisitTime]);
        let within_slack = Photo { taken_at: Some(at(12)), ..honest.clone() };
        assert!(flags(&within_slack, &reference).is_empty());
        let bare = Photo { has_exif: false, taken_at: None, position: None, ..honest.clone() };
        assert_eq!(flags(&bare, &reference), vec![Flag::NoExif]);
        let reused = Photo { reused: true, ..honest.clone() };
        assert_eq!(flags(&reused, &reference), vec![Flag::ReusedOnOtherClaim]);
        let pdf = Photo { is_image: false, has_exif: false, ..Photo::default() };
        assert!(flags(&pdf, &reference).is_empty());
    }
}
