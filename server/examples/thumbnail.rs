//! Makes one thumbnail exactly as the derivative workers do, for comparing with `vipsthumbnail`
//! (`scripts/bench-files`). `thumbnail IN OUT [REPEAT]`: with REPEAT, also times that many runs
//! in-process and prints the mean and fastest.

use std::path::PathBuf;
use std::time::Instant;

use baoxiu::media::derive;
use baoxiu::media::inspect::{self, ImageLimits};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next().map(PathBuf::from), args.next().map(PathBuf::from)) else {
        anyhow::bail!("usage: thumbnail IN OUT [REPEAT]");
    };
    let repeat: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(1);
    let limits = ImageLimits::default();
    let head = std::fs::read(&input)?;
    let media_type = inspect::sniff(&head[..head.len().min(8192)]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let facts = inspect::read_facts(&mut std::io::Cursor::new(&head));
    let mut times = Vec::with_capacity(repeat);
    let mut bytes = Vec::new();
    for _ in 0..repeat {
        let started = Instant::now();
        bytes = derive::thumbnail(&input, media_type, facts.orientation, &limits)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    std::fs::write(&output, &bytes)?;
    if repeat > 1 {
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let best = times.iter().copied().fold(f64::INFINITY, f64::min);
        println!("in-process thumbnail over {repeat} runs: mean {mean:.1} ms, fastest {best:.1} ms");
    }
    Ok(())
}
