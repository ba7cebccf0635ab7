//! Charts drawn by the server as SVG, with no script: the geometry is computed here and the markup
//! is written by `templates/parts/chart.html` (askama escapes every text). Each chart on a page
//! stands beside the table of its numbers.

/// The drawing's size in SVG units; it scales to the page's width.
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 260.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 40.0;

/// A polyline of one series.
pub struct Line {
    pub colour: &'static str,
    /// Dashed, for limits and centre lines.
    pub dashed: bool,
    /// `x,y x,y …`, one run per unbroken stretch of values.
    pub runs: Vec<String>,
}

/// A bar, a link to what it counts where it has one.
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub colour: &'static str,
    pub title: String,
    pub href: Option<String>,
}

/// A point marked on a line (a warning on a month).
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub title: String,
}

/// One chart: its scales, gridlines, series, bars and markers, and its legend.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub width: f64,
    pub height: f64,
    /// The plot's left, top, right and bottom edges.
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub y_ticks: Vec<(f64, String)>,
    pub x_labels: Vec<(f64, String)>,
    pub lines: Vec<Line>,
    pub bars: Vec<Bar>,
    pub markers: Vec<Marker>,
    /// (colour, name) for the legend below the drawing.
    pub legend: Vec<(&'static str, String)>,
    bands: usize,
    top_value: f64,
}

/// A round number at or above `value` (1, 2 or 5 times a power of ten), so that the gridlines
/// read as round numbers.
pub fn nice_ceiling(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|v| *v >= value - 1e-9).unwrap_or(10.0 * power)
}

impl Chart {
    /// A chart of `labels.len()` bands along x and values from 0 to at least `max_value` along y.
    pub fn new(id: &'static str, title: String, labels: &[String], max_value: f64) -> Chart {
        let top_value = nice_ceiling(max_value);
        let mut chart = Chart {
            id,
            title,
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            top: TOP,
            right: WIDTH - RIGHT,
            bottom: HEIGHT - BOTTOM,
            y_ticks: Vec::new(),
            x_labels: Vec::new(),
            lines: Vec::new(),
            bars: Vec::new(),
            markers: Vec::new(),
            legend: Vec::new(),
            bands: labels.len().max(1),
            top_value,
        };
        chart.y_ticks = (0..=4)
            .map(|i| {
                let value = top_value * f64::from(i) / 4.0;
                let label = if top_value >= 4.0 { format!("{value:.0}") } else { format!("{value:.2}") };
                (chart.y(value), label)
            })
            .collect();
        // At most about twelve labels fit along the axis; the rest are skipped evenly.
        let every = labels.len().div_ceil(12).max(1);
        chart.x_labels = labels
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, label)| (chart.x(i), label.clone()))
            .collect();
        chart
    }

    fn band(&self) -> f64 {
        (self.right - self.left) / self.bands as f64
    }

    /// The centre of band `i`.
    pub fn x(&self, i: usize) -> f64 {
        self.left + self.band() * (i as f64 + 0.5)
    }

    /// Where `value` sits: 0 on the axis, the top value at the top (clamped between them).
    pub fn y(&self, value: f64) -> f64 {
        let share = (value / self.top_value).clamp(0.0, 1.0);
        self.bottom - share * (self.bottom - self.top)
    }

    /// A series drawn as a line through the bands' centres; a missing value breaks it.
    pub fn line(&mut self, colour: &'static str, dashed: bool, name: String, values: &[Option<f64>]) {
        let mut runs = Vec::new();
        let mut run: Vec<String> = Vec::new();
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(v) => run.push(format!("{:.1},{:.1}", self.x(i), self.y(*v))),
                None if !run.is_empty() => runs.push(std::mem::take(&mut run).join(" ")),
                None => {}
            }
        }
        if !run.is_empty() {
            runs.push(run.join(" "));
        }
        self.lines.push(Line { colour, dashed, runs });
        self.legend.push((colour, name));
    }

    /// One bar in band `i`, slot `slot` of `slots` side by side.
    #[allow(clippy::too_many_arguments)]
    pub fn bar(
        &mut self,
        i: usize,
        (slot, slots): (usize, usize),
        value: f64,
        colour: &'static str,
        title: String,
        href: Option<String>,
    ) {
        let slots = slots.max(1);
        let width = self.band() * 0.8 / slots as f64;
        let x = self.x(i) - self.band() * 0.4 + width * slot as f64;
        let y = self.y(value);
        self.bars.push(Bar {
            x,
            y,
            width: (width - 1.0).max(1.0),
            height: self.bottom - y,
            colour,
            title,
            href,
        });
    }

    /// A marked point on band `i` at `value`.
    pub fn mark(&mut self, i: usize, value: f64, title: String) {
        self.markers.push(Marker { x: self.x(i), y: self.y(value), title });
    }

    /// Names a colour in the legend (for bars, which have no line to name them).
    pub fn name(&mut self, colour: &'static str, name: String) {
        self.legend.push((colour, name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_of_the_scale_is_a_round_number_at_or_above_the_largest_value() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(5.0), 5.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(0.13), 0.2);
        assert_eq!(nice_ceiling(1234.0), 2000.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn values_map_inside_the_plot_and_a_gap_breaks_the_line() {
        let labels: Vec<String> = (1..=4).map(|m| format!("2026-{m:02}")).collect();
        let mut chart = Chart::new("c", "t".into(), &labels, 8.0);
        assert_eq!(chart.y(0.0), chart.bottom);
        assert_eq!(chart.y(10.0), chart.top);
        assert_eq!(chart.y(50.0), chart.top, "clamped");
        assert!(chart.x(0) > chart.left && chart.x(3) < chart.right);
        chart.line("#000", false, "rate".into(), &[Some(1.0), None, Some(2.0), Some(3.0)]);
        assert_eq!(chart.lines[0].runs.len(), 2);
        chart.bar(1, (1, 2), 5.0, "#111", "5".into(), None);
        let bar = &chart.bars[0];
        assert!(
            bar.x >= chart.x(1) - chart.band() / 2.0 && bar.x + bar.width <= chart.x(1) + chart.band() / 2.0
        );
        assert!((bar.y + bar.height - chart.bottom).abs() < 1e-9);
        assert_eq!(chart.y_ticks.len(), 5);
        assert_eq!(chart.x_labels.len(), 4);
    }
}
