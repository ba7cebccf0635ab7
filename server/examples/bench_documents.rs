//! Benchmark (by hand): renders the dossier of a claim with 40 photos and a 30-line cost sheet, as
//! `service::documents` lays it out, and prints the render time and the PDF's size.
//!
//! `cargo run --release --example bench_documents [FONT]` (default Debian's Noto Sans CJK). The
//! photos are 320 px thumbnails, as the dossier prints them (the derivatives the server keeps).

use std::io::Cursor;
use std::time::{Duration, Instant};

use baoxiu::printing::{self, Block, Fonts, Picture, Printed, Table};
use image::{ImageEncoder, RgbImage};

fn thumbnail(seed: u32) -> anyhow::Result<Vec<u8>> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let pixels = RgbImage::from_fn(320, 240, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        // A photo's smooth shapes with some grain, so it compresses like one.
        let grain = (state % 24) as u8;
        image::Rgb([(x / 2) as u8 + grain, (y / 2) as u8 + grain, ((x + y) / 4) as u8 + grain])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).write_image(
        pixels.as_raw(),
        320,
        240,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out.into_inner())
}

fn dossier(seed: u32) -> anyhow::Result<Printed> {
    let field = |l: &str, v: &str| (l.to_string(), v.to_string());
    let lines = (1..=30)
        .map(|n| {
            vec![
                n.to_string(),
                format!("第{n}项 聚氨酯防水涂料及基层处理"),
                "12.5 m²".into(),
                "¥40.00".into(),
                "¥500.00".into(),
                "¥520.00".into(),
                if n % 5 == 0 { "核减 ¥450.00：按实核减".into() } else { "核准".into() },
            ]
        })
        .collect();
    let pictures = (0..40)
        .map(|i| {
            Ok(Picture {
                bytes: thumbnail(seed * 100 + i)?,
                sha256: format!("{:064x}", i),
                caption: vec![
                    format!("维修后 · {:016x}", i),
                    "2026-11-30 10:12".into(),
                    "36.65123, 117.12034".into(),
                ],
                width: 112.0,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let timeline = (0..25)
        .map(|i| {
            vec![
                format!("2026-11-{:02} 09:{:02}", 1 + i % 28, i),
                "孙审核".into(),
                "通知建设单位".into(),
                "请于答复期限内答复".into(),
            ]
        })
        .collect();
    Ok(Printed {
        title: "保修金使用申请卷宗".into(),
        number: format!("BXW-JZ-20261201-{seed:012X}"),
        issued_on: "2026-12-01".into(),
        verify_url: format!("https://baoxiu.example.gov.cn/verify/BXW-JZ-20261201-{seed:012X}"),
        blocks: vec![
            Block::Heading("申请".into()),
            Block::Fields(vec![
                field("申请编号", "01a23355-9279-7622-a83e-5b22c7c8dd9e"),
                field("小区", "泉景花园 1号楼"),
                field("房屋", "1-1-301"),
                field("具体位置", "主卧卫生间顶棚"),
                field("保修类别", "防渗漏"),
                field("保修期至（第十八条）", "2027-06-30"),
                field("申请人", "陈桂兰"),
                field("报修日期", "2026-11-20"),
            ]),
            Block::Text("问题描述：楼上卫生间渗水，顶棚发霉，墙面起皮。".into()),
            Block::Heading("清单版本 1".into()),
            Block::Table(Table {
                columns: vec![
                    ("序号".into(), 0.5, false),
                    ("项目".into(), 2.6, false),
                    ("数量".into(), 1.1, true),
                    ("单价".into(), 1.1, true),
                    ("金额".into(), 1.2, true),
                    ("预算".into(), 1.2, true),
                    ("审核意见".into(), 2.0, false),
                ],
                rows: lines,
                footer: Some(vec![
                    "".into(),
                    "合计".into(),
                    "".into(),
                    "".into(),
                    "¥15000.00".into(),
                    "¥15600.00".into(),
                    "".into(),
                ]),
            }),
            Block::Heading("证据".into()),
            Block::Pictures(pictures),
            Block::Heading("办理经过".into()),
            Block::Table(Table {
                columns: vec![
                    ("时间".into(), 1.3, false),
                    ("经办人".into(), 1.0, false),
                    ("事项".into(), 1.4, false),
                    ("说明".into(), 2.5, false),
                ],
                rows: timeline,
                footer: None,
            }),
        ],
    })
}

fn main() -> anyhow::Result<()> {
    let font = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc".into());
    let started = Instant::now();
    let fonts = Fonts::load(std::path::Path::new(&font), 2)?;
    println!("font loaded in {:?}", started.elapsed());
    let runs = 10;
    let docs: Vec<Printed> = (0..=runs).map(dossier).collect::<anyhow::Result<_>>()?;
    // A first render warms the page cache and the allocator.
    printing::render(&docs[0], &fonts).map_err(anyhow::Error::msg)?;
    let mut times: Vec<Duration> = Vec::new();
    let mut size = 0;
    for doc in &docs[1..] {
        let t = Instant::now();
        let pdf = printing::render(doc, &fonts).map_err(anyhow::Error::msg)?;
        times.push(t.elapsed());
        size = pdf.len();
    }
    times.sort();
    println!(
        "dossier with 40 photos and a 30-line sheet, {runs} renders: min {:?}, median {:?}, max {:?}; {:.2} MB",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
        size as f64 / 1_000_000.0
    );
    Ok(())
}
