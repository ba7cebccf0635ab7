//! Thumbnails and previews: small JPEGs re-encoded from pixels, so no EXIF (and no GPS) survives.
//! Originals are never touched.
//!
//! JPEGs are decoded at the smallest DCT scale that still covers the target ("shrink on load"),
//! then resized with SIMD convolution; that is what keeps a 12-megapixel photo's thumbnail in the
//! tens of milliseconds.

use std::fs::File;
use std::io::BufReader;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::RgbImage;

use super::inspect::{image_limits, ImageLimits, MediaType, Refusal};

/// Longest edge of a thumbnail, in pixels.
pub const THUMBNAIL_EDGE: u32 = 320;
/// Longest edge of a preview, in pixels.
pub const PREVIEW_EDGE: u32 = 1280;
/// JPEG quality of both.
const QUALITY: u8 = 80;

/// Both derivatives of one image, as JPEG bytes.
pub struct Derivatives {
    pub thumbnail: Vec<u8>,
    pub preview: Vec<u8>,
}

/// Makes the preview and, from it, the thumbnail. `orientation` is the EXIF orientation (1-8),
/// applied to the pixels because the derivatives carry no EXIF.
pub fn derivatives(
    path: &Path,
    media_type: MediaType,
    orientation: u8,
    limits: &ImageLimits,
) -> Result<Derivatives, Refusal> {
    guarded(|| {
        let source = decode_for(path, media_type, PREVIEW_EDGE, limits)?;
        let preview = oriented(fit(&source, PREVIEW_EDGE)?, orientation);
        let thumbnail = fit(&preview, THUMBNAIL_EDGE)?;
        Ok(Derivatives { thumbnail: encode(&thumbnail)?, preview: encode(&preview)? })
    })
}

/// The thumbnail alone, as the benchmark compares it with `vipsthumbnail`.
pub fn thumbnail(
    path: &Path,
    media_type: MediaType,
    orientation: u8,
    limits: &ImageLimits,
) -> Result<Vec<u8>, Refusal> {
    guarded(|| {
        let source = decode_for(path, media_type, THUMBNAIL_EDGE, limits)?;
        encode(&oriented(fit(&source, THUMBNAIL_EDGE)?, orientation))
    })
}

fn guarded<T>(work: impl FnOnce() -> Result<T, Refusal>) -> Result<T, Refusal> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| Err(Refusal::Corrupt("decoder failure".into())))
}

/// Decoded RGB pixels, at least `edge` on the longer side where the source allows.
fn decode_for(
    path: &Path,
    media_type: MediaType,
    edge: u32,
    limits: &ImageLimits,
) -> Result<RgbImage, Refusal> {
    let file = File::open(path).map_err(|e| Refusal::Corrupt(e.to_string()))?;
    match media_type {
        MediaType::Jpeg => decode_jpeg(BufReader::new(file), edge, limits),
        MediaType::Png | MediaType::Webp => {
            let format =
                if media_type == MediaType::Png { image::ImageFormat::Png } else { image::ImageFormat::WebP };
            let mut reader = image::ImageReader::with_format(BufReader::new(file), format);
            reader.limits(image_limits(limits));
            Ok(reader.decode().map_err(|e| Refusal::Corrupt(e.to_string()))?.to_rgb8())
        }
        MediaType::Pdf => Err(Refusal::Unsupported(media_type.as_str().into())),
    }
}

fn decode_jpeg(reader: BufReader<File>, edge: u32, limits: &ImageLimits) -> Result<RgbImage, Refusal> {
    let corrupt = |e: jpeg_decoder::Error| Refusal::Corrupt(e.to_string());
    let mut decoder = jpeg_decoder::Decoder::new(reader);
    decoder.set_max_decoding_buffer_size(usize::try_from(limits.max_alloc).unwrap_or(usize::MAX));
    let edge = u16::try_from(edge).unwrap_or(u16::MAX);
    let (width, height) = decoder.scale(edge, edge).map_err(corrupt)?;
    let pixels = decoder.decode().map_err(corrupt)?;
    let info = decoder.info().ok_or_else(|| Refusal::Corrupt("no frame".into()))?;
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u16::from(p[3]);
                let channel = |c: u8| u8::try_from((255 - u16::from(c)) * k / 255).unwrap_or(0);
                [channel(p[0]), channel(p[1]), channel(p[2])]
            })
            .collect(),
        jpeg_decoder::PixelFormat::L16 => return Err(Refusal::Corrupt("16-bit JPEG".into())),
    };
    RgbImage::from_raw(u32::from(width), u32::from(height), rgb)
        .ok_or_else(|| Refusal::Corrupt("pixel buffer size".into()))
}

/// Scales down so the longer edge is `edge`; smaller images are kept as they are.
fn fit(source: &RgbImage, edge: u32) -> Result<RgbImage, Refusal> {
    let (w, h) = source.dimensions();
    let long = w.max(h);
    if long <= edge {
        return Ok(source.clone());
    }
    let scale = |side: u32| (u64::from(side) * u64::from(edge) / u64::from(long)).max(1) as u32;
    let (tw, th) = (scale(w), scale(h));
    let src = Image::from_vec_u8(w, h, source.as_raw().clone(), PixelType::U8x3)
        .map_err(|e| Refusal::Corrupt(e.to_string()))?;
    let mut dst = Image::new(tw, th, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| Refusal::Corrupt(e.to_string()))?;
    RgbImage::from_raw(tw, th, dst.into_vec()).ok_or_else(|| Refusal::Corrupt("pixel buffer size".into()))
}

fn oriented(image: RgbImage, orientation: u8) -> RgbImage {
    let mut dynamic = image::DynamicImage::ImageRgb8(image);
    if let Some(o) = Orientation::from_exif(orientation) {
        dynamic.apply_orientation(o);
    }
    dynamic.into_rgb8()
}

fn encode(image: &RgbImage) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::with_capacity(64 * 1024);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(image)
        .map_err(|e| Refusal::Corrupt(e.to_string()))?;
    Ok(out)
}
