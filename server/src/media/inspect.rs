//! What an uploaded file really is. The type comes from the bytes, never from the name or a header;
//! images are decoded under strict limits, so a decompression bomb is refused from its header
//! before anything large is allocated; EXIF gives the facts a reviewer weighs.
//!
//! Decoders may panic on hostile input: [`inspect`] runs them behind `catch_unwind`, and callers run
//! it on a blocking thread.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use exif::{In, Tag, Value};
use image::ImageDecoder;

/// The file types Baoxiu accepts as evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
    /// Receipts and inspection reports.
    Pdf,
}

impl MediaType {
    /// The MIME type it is stored and served as.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
            MediaType::Pdf => "application/pdf",
        }
    }

    /// The stored MIME type back to its variant.
    pub fn parse(s: &str) -> Option<MediaType> {
        [MediaType::Jpeg, MediaType::Png, MediaType::Webp, MediaType::Pdf]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    /// Whether it gets a thumbnail and a preview.
    pub fn is_image(self) -> bool {
        self != MediaType::Pdf
    }
}

/// Bounds on what an image may claim to be.
#[derive(Clone, Copy, Debug)]
pub struct ImageLimits {
    /// Largest width or height, in pixels.
    pub max_side: u32,
    /// Largest width × height.
    pub max_pixels: u64,
    /// Largest allocation a decoder may make, in bytes, and the largest decoded image (width ×
    /// height × channels × bytes per sample).
    pub max_alloc: u64,
    /// Largest PNG or WebP, in bytes decoded at four or more a pixel: unlike JPEG, read at 1/8
    /// scale, these formats decode whole, so their cost is their pixels (a 190 KB PNG of 7000 ×
    /// 7000 took 330 MB and 11 s of CPU). 20 MP of RGBA by default.
    pub max_full_decode: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_side: 16_384,
            max_pixels: 50_000_000,
            max_alloc: 200_000_000,
            max_full_decode: 80_000_000,
        }
    }
}

/// Why a file is refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Refusal {
    /// Not one of the accepted types; carries what the bytes look like.
    #[error("unsupported file type {0}")]
    Unsupported(String),
    /// HEIC/HEIF: no maintained pure-Rust decoder; the phone should send JPEG.
    #[error("HEIC is not accepted")]
    Heic,
    /// Larger than the limits allow (a decompression bomb looks like this).
    #[error("image of {width}×{height} exceeds the limits")]
    TooLarge { width: u32, height: u32 },
    /// Truncated, corrupt, or a decoder gave up.
    #[error("corrupt file: {0}")]
    Corrupt(String),
}

/// What the file says about the photo. Times are UTC.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhotoFacts {
    /// EXIF DateTimeOriginal; taken as Asia/Shanghai time unless the file names its offset.
    pub taken_at: Option<NaiveDateTime>,
    /// EXIF GPS position as (latitude, longitude), degrees.
    pub position: Option<(f64, f64)>,
    /// EXIF Make and Model.
    pub camera: Option<String>,
    /// EXIF orientation, 1 to 8 (1 when absent).
    pub orientation: u8,
    /// Whether the file had any EXIF at all.
    pub has_exif: bool,
}

/// The outcome of a successful inspection.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspected {
    pub media_type: MediaType,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub facts: PhotoFacts,
}

/// Sniffs, checks and reads the file at `path`. Any decoder panic becomes [`Refusal::Corrupt`].
pub fn inspect(path: &Path, limits: &ImageLimits) -> Result<Inspected, Refusal> {
    catch_unwind(AssertUnwindSafe(|| inspect_inner(path, limits)))
        .unwrap_or_else(|_| Err(Refusal::Corrupt("decoder failure".into())))
}

fn inspect_inner(path: &Path, limits: &ImageLimits) -> Result<Inspected, Refusal> {
    let mut file = File::open(path).map_err(io_refusal)?;
    let mut head = Vec::with_capacity(8192);
    (&mut file).take(8192).read_to_end(&mut head).map_err(io_refusal)?;
    let media_type = sniff(&head)?;
    file.seek(SeekFrom::Start(0)).map_err(io_refusal)?;
    let (width, height) = match media_type {
        MediaType::Jpeg => check_jpeg(&mut file, limits)?,
        MediaType::Png => check_image(&mut file, image::ImageFormat::Png, limits)?,
        MediaType::Webp => check_image(&mut file, image::ImageFormat::WebP, limits)?,
        MediaType::Pdf => {
            check_pdf(&mut file)?;
            return Ok(Inspected { media_type, width: None, height: None, facts: PhotoFacts::default() });
        }
    };
    file.seek(SeekFrom::Start(0)).map_err(io_refusal)?;
    let facts = read_facts(&mut BufReader::new(file));
    Ok(Inspected { media_type, width: Some(width), height: Some(height), facts })
}

/// The type from the leading bytes.
pub fn sniff(head: &[u8]) -> Result<MediaType, Refusal> {
    let kind = infer::get(head).map(|k| k.mime_type()).unwrap_or("unknown");
    match kind {
        "image/jpeg" => Ok(MediaType::Jpeg),
        "image/png" => Ok(MediaType::Png),
        "image/webp" => Ok(MediaType::Webp),
        "application/pdf" => Ok(MediaType::Pdf),
        "image/heif" | "image/heic" | "image/heif-sequence" | "image/heic-sequence" => Err(Refusal::Heic),
        other => Err(Refusal::Unsupported(other.to_string())),
    }
}

fn check_size(width: u32, height: u32, limits: &ImageLimits) -> Result<(u32, u32), Refusal> {
    let pixels = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 {
        return Err(Refusal::Corrupt("empty image".into()));
    }
    if width > limits.max_side || height > limits.max_side || pixels > limits.max_pixels {
        return Err(Refusal::TooLarge { width, height });
    }
    Ok((width, height))
}

/// Refuses an image whose decoded pixels (width × height × bytes per pixel) would exceed the
/// allocation bound, read from the header before anything is decoded: a small file of 16-bit RGBA
/// pixels under the pixel limit can still cost hundreds of megabytes.
fn check_decoded(size: (u32, u32), bytes_per_pixel: u64, limits: &ImageLimits) -> Result<(), Refusal> {
    let (width, height) = size;
    let bytes = u64::from(width).saturating_mul(u64::from(height)).saturating_mul(bytes_per_pixel);
    if bytes > limits.max_alloc {
        return Err(Refusal::TooLarge { width, height });
    }
    Ok(())
}

/// Reads the header, checks the size, then decodes every scan at 1/8 scale: the entropy-coded data
/// is all read (a truncated or corrupt file fails) while the pixels stay small.
fn check_jpeg(file: &mut File, limits: &ImageLimits) -> Result<(u32, u32), Refusal> {
    let mut decoder = jpeg_decoder::Decoder::new(BufReader::new(file));
    decoder.read_info().map_err(|e| Refusal::Corrupt(e.to_string()))?;
    let info = decoder.info().ok_or_else(|| Refusal::Corrupt("no frame".into()))?;
    let size = check_size(u32::from(info.width), u32::from(info.height), limits)?;
    let bytes_per_pixel = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::L16 => 2,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    check_decoded(size, bytes_per_pixel, limits)?;
    decoder.set_max_decoding_buffer_size(usize::try_from(limits.max_alloc).unwrap_or(usize::MAX));
    decoder.scale(1, 1).map_err(|e| Refusal::Corrupt(e.to_string()))?;
    decoder.decode().map_err(|e| Refusal::Corrupt(e.to_string()))?;
    Ok(size)
}

/// PNG and WebP through the image crate, with its limits set strictly and the size checked from the
/// header first.
fn check_image(
    file: &mut File,
    format: image::ImageFormat,
    limits: &ImageLimits,
) -> Result<(u32, u32), Refusal> {
    let open = |file: &mut File| -> Result<image::ImageReader<BufReader<File>>, Refusal> {
        file.seek(SeekFrom::Start(0)).map_err(io_refusal)?;
        let mut reader =
            image::ImageReader::with_format(BufReader::new(file.try_clone().map_err(io_refusal)?), format);
        reader.limits(image_limits(limits));
        Ok(reader)
    };
    let decoder = open(file)?.into_decoder().map_err(image_refusal)?;
    let size = check_size(decoder.dimensions().0, decoder.dimensions().1, limits)?;
    check_decoded(size, u64::from(decoder.color_type().bytes_per_pixel()), limits)?;
    let whole = ImageLimits { max_alloc: limits.max_full_decode, ..*limits };
    check_decoded(size, u64::from(decoder.color_type().bytes_per_pixel()).max(4), &whole)?;
    open(file)?.decode().map_err(image_refusal)?;
    Ok(size)
}

/// The image crate's limits from ours.
pub fn image_limits(limits: &ImageLimits) -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_alloc);
    l
}

fn image_refusal(err: image::ImageError) -> Refusal {
    match err {
        image::ImageError::Limits(_) => Refusal::TooLarge { width: 0, height: 0 },
        other => Refusal::Corrupt(other.to_string()),
    }
}

/// A PDF must start with its header and end with `%%EOF` (within the last KiB, as readers allow).
fn check_pdf(file: &mut File) -> Result<(), Refusal> {
    let len = file.seek(SeekFrom::End(0)).map_err(io_refusal)?;
    let tail_len = len.min(1024);
    file.seek(SeekFrom::Start(len - tail_len)).map_err(io_refusal)?;
    let mut tail = Vec::with_capacity(1024);
    file.take(tail_len).read_to_end(&mut tail).map_err(io_refusal)?;
    if tail.windows(5).any(|w| w == b"%%EOF") {
        Ok(())
    } else {
        Err(Refusal::Corrupt("PDF without %%EOF (truncated?)".into()))
    }
}

fn io_refusal(err: std::io::Error) -> Refusal {
    Refusal::Corrupt(err.to_string())
}

/// EXIF facts; a file without EXIF, or with EXIF that does not parse, has none.
pub fn read_facts<R: std::io::BufRead + Seek>(reader: &mut R) -> PhotoFacts {
    let Ok(exif) = exif::Reader::new().read_from_container(reader) else {
        return PhotoFacts { orientation: 1, ..PhotoFacts::default() };
    };
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    let ascii = |tag| match field(tag).map(|f| &f.value) {
        Some(Value::Ascii(parts)) => parts
            .first()
            .map(|b| String::from_utf8_lossy(b).trim_matches(char::from(0)).trim().to_string())
            .filter(|s| !s.is_empty()),
        _ => None,
    };
    let taken_at = match field(Tag::DateTimeOriginal).map(|f| &f.value) {
        Some(Value::Ascii(parts)) => parts.first().and_then(|raw| {
            let mut dt = exif::DateTime::from_ascii(raw).ok()?;
            if let Some(Value::Ascii(offset)) = field(Tag::OffsetTimeOriginal).map(|f| &f.value) {
                if let Some(o) = offset.first() {
                    let _ = dt.parse_offset(o);
                }
            }
            exif_time_to_utc(&dt)
        }),
        _ => None,
    };
    let coordinate = |value_tag, ref_tag, negative: &str| -> Option<f64> {
        let Value::Rational(parts) = &field(value_tag)?.value else { return None };
        if parts.len() < 3 || parts.iter().any(|r| r.denom == 0) {
            return None;
        }
        let degrees = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
        let sign = if ascii(ref_tag).is_some_and(|r| r.eq_ignore_ascii_case(negative)) { -1.0 } else { 1.0 };
        Some(sign * degrees)
    };
    let position = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, "S")
        .zip(coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, "W"))
        .filter(|(lat, lng)| lat.abs() <= 90.0 && lng.abs() <= 180.0);
    let camera = match (ascii(Tag::Make), ascii(Tag::Model)) {
        (Some(make), Some(model)) if model.starts_with(&make) => Some(model),
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (make, model) => make.or(model),
    };
    let orientation = field(Tag::Orientation)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|o| u8::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    PhotoFacts { taken_at, position, camera, orientation, has_exif: true }
}

/// EXIF local time to UTC: the file's own offset if it has one, otherwise China Standard Time.
fn exif_time_to_utc(dt: &exif::DateTime) -> Option<NaiveDateTime> {
    let local = NaiveDate::from_ymd_opt(i32::from(dt.year), u32::from(dt.month), u32::from(dt.day))?
        .and_hms_opt(u32::from(dt.hour), u32::from(dt.minute), u32::from(dt.second))?;
    let offset = FixedOffset::east_opt(i32::from(dt.offset.unwrap_or(8 * 60)) * 60)?;
    Some(offset.from_local_datetime(&local).single()?.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_reads_bytes_not_names() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0]), Ok(MediaType::Jpeg));
        assert_eq!(sniff(b"%PDF-1.7\n"), Ok(MediaType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(MediaType::Png));
        assert!(matches!(sniff(b"<html><script>alert(1)</script>"), Err(Refusal::Unsupported(_))));
        assert!(matches!(sniff(b"GIF89a\x01\x00\x01\x00"), Err(Refusal::Unsupported(_))));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Err(Refusal::Heic));
    }

    #[test]
    fn bombs_are_refused_from_their_header() {
        let limits = ImageLimits::default();
        assert_eq!(
            check_size(100_000, 100_000, &limits),
            Err(Refusal::TooLarge { width: 100_000, height: 100_000 })
        );
        assert_eq!(check_size(8_000, 8_000, &limits), Err(Refusal::TooLarge { width: 8_000, height: 8_000 }));
        assert_eq!(check_size(4_000, 3_000, &limits), Ok((4_000, 3_000)));
    }

    /// A PNG whose header claims `width` × `height` at `depth` bits in `colour` type, with one tiny
    /// IDAT: a few hundred bytes that would decode to as much as the header says.
    fn png_header(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
            out.extend((data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend(kind);
            out.extend(data);
            let mut crc = 0xFFFF_FFFFu32;
            for &b in &out[start..] {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
                }
            }
            out.extend((!crc).to_be_bytes());
        }
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([depth, colour, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        chunk(&mut png, b"IEND", &[]);
        png
    }

    #[test]
    fn decoded_bytes_are_bounded_under_the_pixel_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.png");
        let limits = ImageLimits::default();
        // 7000 × 7000 is 49 megapixels, under the 50 allowed; at 16-bit RGBA that is 392 MB.
        std::fs::write(&path, png_header(7_000, 7_000, 16, 6)).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            inspect(&path, &limits).map(|_| ()),
            Err(Refusal::TooLarge { width: 7_000, height: 7_000 })
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // The same pixels at 8-bit greyscale (49 MB) pass that bound but not the PNG's own: a PNG
        // decodes whole, and 49 MP is over the 20 MP of RGBA it may cost.
        std::fs::write(&path, png_header(7_000, 7_000, 8, 0)).unwrap();
        assert_eq!(
            inspect(&path, &limits).map(|_| ()),
            Err(Refusal::TooLarge { width: 7_000, height: 7_000 })
        );
        // 20 MP of greyscale passes both and fails only as the broken file it is.
        std::fs::write(&path, png_header(5_000, 4_000, 8, 0)).unwrap();
        assert!(matches!(inspect(&path, &limits), Err(Refusal::Corrupt(_))));
    }

    #[test]
    fn exif_times_without_offset_are_china_time() {
        let dt = exif::DateTime::from_ascii(b"2026:05:01 09:30:00").unwrap();
        assert_eq!(exif_time_to_utc(&dt).unwrap().to_string(), "2026-05-01 01:30:00");
        let mut dt = dt;
        dt.parse_offset(b"+00:00").unwrap();
        assert_eq!(exif_time_to_utc(&dt).unwrap().to_string(), "2026-05-01 09:30:00");
    }
}
