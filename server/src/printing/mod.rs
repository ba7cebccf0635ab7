//! Printable documents as PDFs: A4, in Chinese, each with its number and a QR code to the public
//! page that verifies it. A document is a plain model ([`Printed`]: a title and blocks of fields,
//! tables, text and pictures) that the use cases fill in (`service::documents`); this module lays
//! it out and writes the PDF with krilla, embedding only the subset of Noto Sans CJK it uses.
//! Layout is simple and deterministic: lines are wrapped by each character's advance, tables by
//! column, and a block that does not fit goes to the next page.

pub mod labels;

/// A category's and a journal entry kind's names, as documents print them (in Chinese).
pub fn category_name(category: crate::domain::coverage::WarrantyCategory) -> &'static str {
    crate::messages::category_name(category, crate::messages::Lang::ZhCn)
}

pub fn entry_kind_name(kind: &str) -> &'static str {
    crate::messages::entry_kind_name(kind, crate::messages::Lang::ZhCn)
}

/// A timeline step's and a deadline's names.
pub fn action_name(action: &str) -> &'static str {
    crate::messages::action_name(action, crate::messages::Lang::ZhCn)
}

pub fn clock_name(clock: &str) -> &'static str {
    crate::messages::clock_name(clock, crate::messages::Lang::ZhCn)
}

use std::path::Path;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 48.0;
const BODY: f32 = 10.0;
const LINE: f32 = 1.45;
/// Where the body ends, above the footer.
const BOTTOM: f32 = PAGE_H - MARGIN - 18.0;

/// The typeface documents are printed in: Noto Sans CJK SC (OFL-1.1), regular and bold.
#[derive(Clone)]
pub struct Fonts {
    regular: Font,
    bold: Font,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fonts")
    }
}

/// How wide a character is, in em: Noto Sans CJK sets Han, kana and full-width forms at 1 em and
/// Latin proportionally; these averages keep wrapping on the safe side.
fn advance(c: char) -> f32 {
    match c {
        ' ' => 0.26,
        'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '|' | '!' | '\'' | '(' | ')' | '[' | ']' => 0.3,
        'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.85,
        '0'..='9' | '¥' | '-' | '+' | '/' | '#' => 0.56,
        c if c.is_ascii() => 0.6,
        _ => 1.0,
    }
}

impl Fonts {
    /// Loads the face at `index` of the collection at `path` (Debian's `NotoSansCJK-Regular.ttc`,
    /// where the Simplified Chinese face is index 2) and its bold sibling if there is one.
    pub fn load(path: &Path, index: u32) -> anyhow::Result<Fonts> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| anyhow::anyhow!("the PDF font {} cannot be read: {e}", p.display()))
        };
        let regular = Font::new(read(path)?.into(), index)
            .ok_or_else(|| anyhow::anyhow!("{} holds no font at index {index}", path.display()))?;
        let bold_path = path.to_string_lossy().replace("Regular", "Bold");
        let bold = match Path::new(&bold_path) {
            p if p != path && p.exists() => {
                Font::new(read(p)?.into(), index).unwrap_or_else(|| regular.clone())
            }
            _ => regular.clone(),
        };
        Ok(Fonts { regular, bold })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(advance).sum::<f32>() * size
    }

    /// Breaks `text` into lines no wider than `width` at `size`: at spaces for Latin words, and
    /// anywhere between Chinese characters.
    fn wrap(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in split_words(paragraph) {
                let candidate = format!("{line}{word}");
                if self.width(candidate.trim_end(), size) <= width || line.is_empty() {
                    if self.width(&candidate, size) > width && line.is_empty() {
                        // One word longer than the line (a hash): break it by character.
                        for c in word.chars() {
                            if self.width(&format!("{line}{c}"), size) > width && !line.is_empty() {
                                lines.push(std::mem::take(&mut line));
                            }
                            line.push(c);
                        }
                    } else {
                        line = candidate;
                    }
                } else {
                    lines.push(line.trim_end().to_string());
                    line = word.trim_start().to_string();
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }
}

/// Words for wrapping: a run of Latin letters and digits with its trailing space, or one other
/// character.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || (c.is_ascii_punctuation() && !word.is_empty()) {
            word.push(c);
        } else {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if c == ' ' {
                if let Some(last) = words.last_mut() {
                    last.push(' ');
                    continue;
                }
            }
            words.push(c.to_string());
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A document to print.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Printed {
    pub title: String,
    pub number: String,
    /// The day it is issued, as printed.
    pub issued_on: String,
    /// Where anyone holding a copy checks it: the QR code's address.
    pub verify_url: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub enum Block {
    Heading(String),
    /// Label and value pairs, two to a row.
    Fields(Vec<(String, String)>),
    Table(Table),
    Text(String),
    /// Pictures in a grid, each with its caption lines.
    Pictures(Vec<Picture>),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Table {
    /// Heading, share of the width, whether right-aligned (amounts).
    pub columns: Vec<(String, f32, bool)>,
    pub rows: Vec<Vec<String>>,
    /// A last row in bold: the totals.
    pub footer: Option<Vec<String>>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Picture {
    /// JPEG or PNG bytes; not part of what identifies the content, its hash is.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub caption: Vec<String>,
    /// Printed width in points.
    pub width: f32,
}

fn black() -> Fill {
    Fill { paint: rgb::Color::new(0, 0, 0).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}

fn grey_fill() -> Fill {
    Fill {
        paint: rgb::Color::new(236, 239, 242).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn rule_stroke() -> Stroke {
    Stroke { paint: rgb::Color::new(150, 158, 166).into(), width: 0.5, ..Default::default() }
}

/// The pages being written and where the next line goes.
struct Writer<'a> {
    fonts: &'a Fonts,
    doc: &'a Printed,
    pages: Vec<Vec<Op>>,
    y: f32,
}

/// What is drawn on a page, recorded first so that the footer can count the pages.
enum Op {
    Text { x: f32, y: f32, size: f32, bold: bool, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32 },
    Line { x1: f32, y1: f32, x2: f32, y2: f32 },
    Image { x: f32, y: f32, w: f32, h: f32, index: usize },
    Qr { x: f32, y: f32, size: f32 },
}

impl<'a> Writer<'a> {
    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().unwrap_or_else(|| unreachable!("a page is always open"))
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN + 12.0;
    }

    /// Makes room for `height`, starting a page when it does not fit.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > MARGIN + 12.0 {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y + size;
        self.page().push(Op::Text { x, y, size, bold, text: text.to_string() });
    }

    fn paragraph(&mut self, text: &str, size: f32, bold: bool, width: f32) {
        for line in self.fonts.wrap(text, width, size) {
            self.room(size * LINE);
            self.text(MARGIN, size, bold, &line);
            self.y += size * LINE;
        }
    }
}

/// Lays `doc` out and writes it as PDF bytes, with `pictures` (the bytes of each `Picture` in
/// the order they appear).
pub fn render(doc: &Printed, fonts: &Fonts) -> Result<Vec<u8>, String> {
    let mut w = Writer { fonts, doc, pages: Vec::new(), y: 0.0 };
    w.new_page();
    let body = PAGE_W - 2.0 * MARGIN;
    // The head: the title, the number and date, the QR code at the right.
    let qr = 66.0;
    w.text(MARGIN, 18.0, true, &doc.title);
    w.y += 28.0;
    w.text(MARGIN, 9.0, false, &format!("{} {}", labels::ZH.number, doc.number));
    w.y += 13.0;
    w.text(MARGIN, 9.0, false, &format!("{} {}", labels::ZH.issued_on, doc.issued_on));
    let page = w.page();
    page.push(Op::Qr { x: PAGE_W - MARGIN - qr, y: MARGIN, size: qr });
    page.push(Op::Text {
        x: PAGE_W - MARGIN - qr,
        y: MARGIN + qr + 9.0,
        size: 7.0,
        bold: false,
        text: labels::ZH.scan_to_verify.to_string(),
    });
    w.y = MARGIN + qr + 20.0;
    let mut pictures: Vec<&[u8]> = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => {
                w.y += 6.0;
                w.room(30.0);
                w.text(MARGIN, 12.0, true, text);
                w.y += 12.0 * LINE + 2.0;
            }
            Block::Text(text) => {
                w.paragraph(text, BODY, false, body);
                w.y += 4.0;
            }
            Block::Fields(fields) => fields_block(&mut w, fields, body),
            Block::Table(table) => table_block(&mut w, table, body),
            Block::Pictures(list) => {
                let gap = 10.0;
                let mut x = MARGIN;
                let mut row_height: f32 = 0.0;
                for picture in list {
                    let Some((pw, ph)) = picture_size(&picture.bytes, picture.width) else { continue };
                    let caption_h = picture.caption.len() as f32 * 7.0 * LINE;
                    if x + pw > PAGE_W - MARGIN + 0.5 {
                        w.y += row_height + gap;
                        x = MARGIN;
                        row_height = 0.0;
                    }
                    if w.y + ph + caption_h > BOTTOM {
                        w.new_page();
                        x = MARGIN;
                        row_height = 0.0;
                    }
                    let (y, index) = (w.y, pictures.len());
                    pictures.push(&picture.bytes);
                    w.page().push(Op::Image { x, y, w: pw, h: ph, index });
                    let mut cy = y + ph + 2.0;
                    for line in &picture.caption {
                        for part in fonts.wrap(line, pw, 7.0) {
                            w.page().push(Op::Text { x, y: cy + 7.0, size: 7.0, bold: false, text: part });
                            cy += 7.0 * LINE;
                        }
                    }
                    row_height = row_height.max(cy - y);
                    x += pw + gap;
                }
                w.y += row_height + gap;
            }
        }
    }
    write_pdf(&w, &pictures)
}

fn fields_block(w: &mut Writer<'_>, fields: &[(String, String)], body: f32) {
    let half = body / 2.0;
    let (label_size, label_w) = (8.5, 84.0);
    for pair in fields.chunks(2) {
        // A long value (a hash) takes the whole row.
        let wide = pair.len() == 1 || pair.iter().any(|(_, v)| w.fonts.width(v, BODY) > half - label_w - 8.0);
        let rows: Vec<&[(String, String)]> = if wide { pair.chunks(1).collect() } else { vec![pair] };
        for row in rows {
            let span = if row.len() == 1 { body } else { half };
            let cells: Vec<(Vec<String>, Vec<String>)> = row
                .iter()
                .map(|(label, value)| {
                    (
                        w.fonts.wrap(label, label_w - 6.0, label_size),
                        w.fonts.wrap(value, span - label_w - 8.0, BODY),
                    )
                })
                .collect();
            let height = cells
                .iter()
                .map(|(l, v)| (l.len() as f32 * label_size).max(v.len() as f32 * BODY) * LINE)
                .fold(0.0, f32::max);
            w.room(height);
            let y0 = w.y;
            for (i, (label_lines, value_lines)) in cells.into_iter().enumerate() {
                let x = MARGIN + i as f32 * half;
                for (n, line) in label_lines.into_iter().enumerate() {
                    let y = y0 + BODY + n as f32 * label_size * LINE;
                    w.page().push(Op::Text { x, y, size: label_size, bold: false, text: line });
                }
                for (n, line) in value_lines.into_iter().enumerate() {
                    let y = y0 + BODY + n as f32 * BODY * LINE;
                    w.page().push(Op::Text { x: x + label_w, y, size: BODY, bold: false, text: line });
                }
            }
            w.y += height + 2.0;
        }
    }
    w.y += 4.0;
}

fn table_block(w: &mut Writer<'_>, table: &Table, body: f32) {
    let size = 8.5;
    let pad = 3.0;
    let total: f32 = table.columns.iter().map(|c| c.1).sum::<f32>().max(f32::EPSILON);
    let widths: Vec<f32> = table.columns.iter().map(|c| c.1 / total * body).collect();
    let header: Vec<String> = table.columns.iter().map(|c| c.0.clone()).collect();
    let row = |w: &mut Writer<'_>, cells: &[String], bold: bool, shaded: bool| {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| w.fonts.wrap(cell, width - 2.0 * pad, size))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = lines as f32 * size * LINE + 2.0 * pad;
        w.room(height);
        let y0 = w.y;
        if shaded {
            w.page().push(Op::Rect { x: MARGIN, y: y0, w: body, h: height });
        }
        let mut x = MARGIN;
        for (i, cell_lines) in wrapped.iter().enumerate() {
            let right = table.columns.get(i).is_some_and(|c| c.2);
            for (n, line) in cell_lines.iter().enumerate() {
                let lx = if right { x + widths[i] - pad - w.fonts.width(line, size) } else { x + pad };
                let y = y0 + pad + size + n as f32 * size * LINE;
                w.page().push(Op::Text { x: lx, y, size, bold, text: line.clone() });
            }
            x += widths[i];
        }
        w.page().push(Op::Line { x1: MARGIN, y1: y0 + height, x2: MARGIN + body, y2: y0 + height });
        w.y += height;
    };
    row(w, &header, true, true);
    for cells in &table.rows {
        row(w, cells, false, false);
    }
    if let Some(footer) = &table.footer {
        row(w, footer, true, true);
    }
    w.y += 8.0;
}

/// The printed size of a picture `width` wide, keeping its proportions, at most 1.4 times as tall.
fn picture_size(bytes: &[u8], width: f32) -> Option<(f32, f32)> {
    let (iw, ih) = image_dimensions(bytes)?;
    let h = (width * ih as f32 / iw.max(1) as f32).min(width * 1.4);
    Some(fit_width((h * iw as f32 / ih.max(1) as f32, h), width))
}

/// `(w, h)` scaled down, if wider than `width`, to that width.
fn fit_width((w, h): (f32, f32), width: f32) -> (f32, f32) {
    if w > width {
        (width, h * width / w)
    } else {
        (w, h)
    }
}

fn image_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().ok()?.into_dimensions().ok()
}

fn krilla_image(bytes: &[u8]) -> Option<krilla::image::Image> {
    let data: krilla::Data = bytes.to_vec().into();
    if bytes.starts_with(&[0xFF, 0xD8]) {
        krilla::image::Image::from_jpeg(data, true).ok()
    } else if bytes.starts_with(b"\x89PNG") {
        krilla::image::Image::from_png(data, true).ok()
    } else {
        None
    }
}

fn draw_qr(surface: &mut Surface<'_>, url: &str, x: f32, y: f32, size: f32) {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M) else {
        return;
    };
    let modules = code.width();
    let quiet = 2;
    let cell = size / (modules + 2 * quiet) as f32;
    let colors = code.to_colors();
    let mut path = PathBuilder::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (cx, cy) = ((i % modules + quiet) as f32, (i / modules + quiet) as f32);
            if let Some(rect) = Rect::from_xywh(x + cx * cell, y + cy * cell, cell, cell) {
                path.push_rect(rect);
            }
        }
    }
    if let Some(path) = path.finish() {
        surface.set_fill(Some(black()));
        surface.draw_path(&path);
    }
}

fn write_pdf(w: &Writer<'_>, pictures: &[&[u8]]) -> Result<Vec<u8>, String> {
    let mut document = Document::new();
    let count = w.pages.len();
    let images: Vec<Option<krilla::image::Image>> = pictures.iter().map(|b| krilla_image(b)).collect();
    for (n, ops) in w.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Rect { x, y, w: rw, h } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *rw, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_fill(Some(grey_fill()));
                        surface.draw_path(&path);
                    }
                }
                Op::Line { x1, y1, x2, y2 } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(rule_stroke()));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Text { x, y, size, bold, text } => {
                    surface.set_fill(Some(black()));
                    let font = if *bold { w.fonts.bold.clone() } else { w.fonts.regular.clone() };
                    surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, TextDirection::Auto);
                }
                Op::Image { x, y, w: iw, h, index } => {
                    if let (Some(Some(image)), Some(size)) = (images.get(*index), Size::from_wh(*iw, *h)) {
                        surface.push_transform(&Transform::from_translate(*x, *y));
                        surface.draw_image(image.clone(), size);
                        surface.pop();
                    }
                }
                Op::Qr { x, y, size } => draw_qr(&mut surface, &w.doc.verify_url, *x, *y, *size),
            }
        }
        // The footer: the number, the page, and where to verify.
        surface.set_fill(Some(black()));
        let footer = format!(
            "{} {} · {} {}/{} · {} {}",
            labels::ZH.number,
            w.doc.number,
            labels::ZH.page,
            n + 1,
            count,
            labels::ZH.verify_at,
            w.doc.verify_url
        );
        for (i, line) in w.fonts.wrap(&footer, PAGE_W - 2.0 * MARGIN, 7.0).iter().enumerate() {
            let y = PAGE_H - MARGIN + 4.0 + i as f32 * 9.0;
            surface.draw_text(
                Point::from_xy(MARGIN, y),
                w.fonts.regular.clone(),
                7.0,
                line,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_break_between_chinese_characters_and_at_latin_spaces() {
        assert_eq!(split_words("防水 layer ok"), ["防", "水 ", "layer ", "ok"]);
        assert_eq!(split_words("¥1,450.00"), ["¥", "1,450.00"]);
    }

    #[test]
    fn wide_pictures_are_scaled_to_their_width() {
        assert_eq!(fit_width((400.0, 100.0), 200.0), (200.0, 50.0));
        assert_eq!(fit_width((100.0, 100.0), 200.0), (100.0, 100.0));
    }
}
