//! Test files made on the spot: JPEGs with chosen EXIF, and a few kinds of bad input.

use std::io::Cursor;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::{ImageEncoder, RgbImage};
use sha2::{Digest, Sha256};

/// What a test photo's EXIF should say.
#[derive(Clone, Debug, Default)]
pub struct Exif {
    /// `YYYY:MM:DD HH:MM:SS`, camera-local time.
    pub taken: Option<&'static str>,
    /// Degrees, north and east positive.
    pub gps: Option<(f64, f64)>,
    pub make: Option<&'static str>,
    pub model: Option<&'static str>,
}

/// A `width`×`height` JPEG whose pixels depend on `seed` (so different seeds are different files),
/// with `exif` spliced in as an APP1 segment when given.
pub fn jpeg(width: u32, height: u32, seed: u32, exif: Option<&Exif>) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        let v = x.wrapping_mul(7).wrapping_add(y.wrapping_mul(13)).wrapping_add(seed.wrapping_mul(101));
        image::Rgb([(x * 255 / width.max(1)) as u8, (y * 255 / height.max(1)) as u8, (v % 251) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .write_image(pixels.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("encode");
    match exif {
        Some(exif) => splice_exif(&out, &tiff(exif)),
        None => out,
    }
}

/// A JPEG of noise, as big as a phone's photo of a wall: it hardly compresses.
pub fn noisy_jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let pixels = RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(pixels.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("encode");
    out
}

/// A PNG of the given size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 128]));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(pixels.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("encode");
    out
}

/// A PNG whose header claims `width`×`height` but carries almost no data: a decompression bomb's
/// calling card. The IHDR checksum is correct, so only the size gives it away.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = png(8, 8);
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A small but well-formed PDF.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// Lowercase hex SHA-256.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn dms(degrees: f64) -> Value {
    let d = degrees.abs();
    let whole = d.trunc();
    let minutes = ((d - whole) * 60.0).trunc();
    let seconds = ((d - whole) * 60.0 - minutes) * 60.0;
    Value::Rational(vec![
        Rational { num: whole as u32, denom: 1 },
        Rational { num: minutes as u32, denom: 1 },
        Rational { num: (seconds * 10_000.0).round() as u32, denom: 10_000 },
    ])
}

fn ascii(s: &str) -> Value {
    Value::Ascii(vec![s.as_bytes().to_vec()])
}

fn tiff(exif: &Exif) -> Vec<u8> {
    let mut fields = Vec::new();
    let field = |tag, value| Field { tag, ifd_num: In::PRIMARY, value };
    if let Some(make) = exif.make {
        fields.push(field(Tag::Make, ascii(make)));
    }
    if let Some(model) = exif.model {
        fields.push(field(Tag::Model, ascii(model)));
    }
    if let Some(taken) = exif.taken {
        fields.push(field(Tag::DateTimeOriginal, ascii(taken)));
    }
    if let Some((lat, lng)) = exif.gps {
        fields.push(field(Tag::GPSLatitudeRef, ascii(if lat < 0.0 { "S" } else { "N" })));
        fields.push(field(Tag::GPSLatitude, dms(lat)));
        fields.push(field(Tag::GPSLongitudeRef, ascii(if lng < 0.0 { "W" } else { "E" })));
        fields.push(field(Tag::GPSLongitude, dms(lng)));
    }
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, false).expect("exif");
    out.into_inner()
}

fn splice_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let len = u16::try_from(2 + 6 + tiff.len()).expect("exif size");
    let mut out = Vec::with_capacity(jpeg.len() + tiff.len() + 10);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}
