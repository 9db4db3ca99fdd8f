//! Charts as SVG text, drawn by the server from the world's own numbers: a line chart (one
//! metric of a call over time), grouped daily bars (the dashboards), and a room's timeline.
//!
//! Every series carries its exact values in `data-values` (`time:value,…`, values as Rust
//! prints them, which round-trip), so a test can compare a chart with the API's answer
//! number for number.

use std::fmt::Write;

/// Colours of successive series.
const PALETTE: &[&str] = &["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/// `text` safe inside an XML attribute or element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `HH:MM:SS` of a Unix time in UTC+8, TRTC's console zone.
pub fn clock_time(t: u64) -> String {
    let s = (t + 8 * 3600) % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A round upper bound for an axis whose largest value is `max`.
fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|v| *v >= max).unwrap_or(max)
}

/// A number as an axis label: integers without decimals.
fn label(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.3}").trim_end_matches('0').to_owned()
    }
}

/// One line of a chart.
pub struct Line<'a> {
    /// What the legend says (`↑ upstream`, `↓ from alice`).
    pub label: String,
    /// The remote user, empty for upstream (as `PeerId`).
    pub peer: &'a str,
    pub points: &'a [(u64, f64)],
}

const W: f64 = 460.0;
const H: f64 = 170.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 34.0;

/// A line chart of `lines` over `[from, to]` (Unix seconds).
pub fn line_chart(title: &str, metric: &str, user: &str, from: u64, to: u64, lines: &[Line<'_>]) -> String {
    let span = to.saturating_sub(from).max(1) as f64;
    let max = nice_max(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(0.0, f64::max));
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |t: u64| LEFT + (t.saturating_sub(from) as f64 / span) * plot_w;
    let y = |v: f64| TOP + plot_h - (v / max).clamp(0.0, 1.0) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" data-metric="{}" data-user="{}" data-from="{from}" data-to="{to}" role="img"><title>{}</title>"#,
        escape(metric),
        escape(user),
        escape(title)
    );
    let _ = write!(svg, r##"<text x="{LEFT}" y="15" class="title">{}</text>"##, escape(title));
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{}" y="{:.1}" class="axis" text-anchor="end">{}</text>"##,
            W - RIGHT,
            LEFT - 4.0,
            y(v) + 3.0,
            label(v),
            y = y(v)
        );
    }
    for i in 0..=3u64 {
        let t = from + (to.saturating_sub(from)) * i / 3;
        let anchor = match i {
            0 => "start",
            3 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" class="axis" text-anchor="{anchor}">{}</text>"##,
            x(t),
            H - BOTTOM + 13.0,
            clock_time(t)
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut points = String::new();
        let mut values = String::new();
        for (j, (t, v)) in line.points.iter().enumerate() {
            if j > 0 {
                points.push(' ');
                values.push(',');
            }
            let _ = write!(points, "{:.1},{:.1}", x(*t), y(*v));
            let _ = write!(values, "{t}:{v}");
        }
        let _ = write!(
            svg,
            r##"<polyline class="series" fill="none" stroke="{colour}" stroke-width="1.4" points="{points}" data-peer="{}" data-values="{values}"/>"##,
            escape(line.peer)
        );
        if i < 6 {
            // Two rows of three legend entries under the axis.
            let lx = LEFT + (i % 3) as f64 * 140.0;
            let ly = H - 12.0 + (i / 3) as f64 * 10.0;
            let _ = write!(
                svg,
                r##"<rect x="{lx}" y="{:.1}" width="10" height="3" fill="{colour}"/><text x="{}" y="{ly}" class="legend">{}</text>"##,
                ly - 4.0,
                lx + 13.0,
                escape(&line.label)
            );
        }
    }
    if lines.is_empty() {
        let _ =
            write!(svg, r##"<text x="{}" y="{}" class="empty" text-anchor="middle">no data</text>"##, W / 2.0, H / 2.0);
    }
    svg.push_str("</svg>");
    svg
}

/// One series of a bar chart: a name and one value per period.
pub struct Bars<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

/// Grouped bars, one group per period (labelled with `labels`), one bar per series.
pub fn bar_chart(title: &str, chart: &str, labels: &[String], periods: &[u64], series: &[Bars<'_>]) -> String {
    let width = 720.0;
    let height = 220.0;
    let plot_w = width - LEFT - RIGHT;
    let plot_h = height - TOP - BOTTOM - 10.0;
    let max = nice_max(series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max));
    let groups = labels.len().max(1) as f64;
    let group_w = plot_w / groups;
    let bar_w = (group_w * 0.8 / series.len().max(1) as f64).max(1.0);
    let y = |v: f64| TOP + plot_h - (v / max).clamp(0.0, 1.0) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 {width} {height}" width="{width}" height="{height}" data-chart="{}" role="img"><title>{}</title><text x="{LEFT}" y="15" class="title">{}</text>"#,
        escape(chart),
        escape(title),
        escape(title)
    );
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{}" y="{:.1}" class="axis" text-anchor="end">{}</text>"##,
            width - RIGHT,
            LEFT - 4.0,
            y(v) + 3.0,
            label(v),
            y = y(v)
        );
    }
    for (g, text) in labels.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">{}</text>"##,
            LEFT + group_w * (g as f64 + 0.5),
            TOP + plot_h + 13.0,
            escape(text)
        );
    }
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let values: Vec<String> = periods.iter().zip(&s.values).map(|(t, v)| format!("{t}:{v}")).collect();
        let _ = write!(
            svg,
            r##"<g class="series" fill="{colour}" data-name="{}" data-values="{}">"##,
            escape(s.name),
            values.join(",")
        );
        for (g, v) in s.values.iter().enumerate() {
            let x = LEFT + group_w * g as f64 + group_w * 0.1 + bar_w * i as f64;
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{:.1}"><title>{}: {v}</title></rect>"##,
                y(*v),
                TOP + plot_h - y(*v),
                escape(s.name)
            );
        }
        svg.push_str("</g>");
        let lx = LEFT + i as f64 * 150.0;
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="{}" width="10" height="8" fill="{colour}"/><text x="{}" y="{}" class="legend">{}</text>"##,
            height - 14.0,
            lx + 13.0,
            height - 6.0,
            escape(s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A span of a timeline row, drawn as a bar.
pub struct Span {
    pub from: u64,
    pub to: u64,
    /// CSS class: `anchor`, `audience`, `robot`, `audio`, `video`, `sub_stream`, a task state.
    pub class: &'static str,
    pub tip: String,
}

/// An event drawn as a mark on a row.
pub struct Mark {
    pub at: u64,
    /// CSS class: `incident`, `kicked`, `timeout`…
    pub class: &'static str,
    pub tip: String,
}

/// One row of a timeline: a user (or a task) and what happened to it.
pub struct Row {
    /// `user` or `task`.
    pub kind: &'static str,
    pub id: String,
    pub label: String,
    /// The presence bars (or task states), full height.
    pub spans: Vec<Span>,
    /// Publishing periods, as thin lanes inside the row.
    pub lanes: Vec<Span>,
    pub marks: Vec<Mark>,
}

/// A room's timeline over `[from, to]`, one row per user then per task, with `now` marked;
/// `hidden` rows were left out (counted below the chart).
pub fn timeline(title: &str, from: u64, to: u64, now: u64, rows: &[Row], hidden: usize) -> String {
    let width = 960.0;
    let label_w = 170.0;
    let row_h = 20.0;
    let top = 34.0;
    let plot_w = width - label_w - 12.0;
    let height = top + row_h * rows.len() as f64 + 30.0;
    let span = to.saturating_sub(from).max(1) as f64;
    let x = |t: u64| label_w + (t.clamp(from, to) - from) as f64 / span * plot_w;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" data-from="{from}" data-to="{to}" role="img"><title>{}</title><text x="4" y="14" class="title">{}</text>"#,
        escape(title),
        escape(title)
    );
    for i in 0..=6u64 {
        let t = from + to.saturating_sub(from) * i / 6;
        let anchor = match i {
            0 => "start",
            6 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{:.1}" class="grid"/><text x="{x:.1}" y="{}" class="axis" text-anchor="{anchor}">{}</text>"##,
            top - 4.0,
            height - 26.0,
            top - 8.0,
            clock_time(t),
            x = x(t)
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            svg,
            r##"<g class="row {}" data-id="{}"><text x="4" y="{:.1}" class="label">{}</text>"##,
            row.kind,
            escape(&row.id),
            y + 14.0,
            escape(&row.label)
        );
        for s in &row.spans {
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{}" class="span {}" data-from="{}" data-to="{}"><title>{}</title></rect>"##,
                x(s.from),
                y + 3.0,
                (x(s.to) - x(s.from)).max(1.5),
                row_h - 6.0,
                s.class,
                s.from,
                s.to,
                escape(&s.tip)
            );
        }
        for s in &row.lanes {
            let lane = match s.class {
                "audio" => 0.0,
                "video" => 1.0,
                _ => 2.0,
            };
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="3" class="lane {}"><title>{}</title></rect>"##,
                x(s.from),
                y + 5.0 + lane * 4.0,
                (x(s.to) - x(s.from)).max(1.0),
                s.class,
                escape(&s.tip)
            );
        }
        for m in &row.marks {
            let _ = write!(
                svg,
                r##"<path d="M{:.1} {:.1}l4 -6h-8z" class="mark {}" data-at="{}"><title>{}</title></path>"##,
                x(m.at),
                y + row_h - 2.0,
                m.class,
                m.at,
                escape(&m.tip)
            );
        }
        svg.push_str("</g>");
    }
    if (from..=to).contains(&now) {
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{:.1}" class="now"/>"##,
            top - 4.0,
            height - 26.0,
            x = x(now)
        );
    }
    let footer = if hidden > 0 { format!("{hidden} more rows not drawn") } else { String::new() };
    let _ = write!(svg, r##"<text x="4" y="{:.1}" class="axis">{}</text></svg>"##, height - 8.0, escape(&footer));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_text_is_escaped() {
        let points = [(10, 0.1), (12, 2.5e-7), (14, 3.0)];
        let svg = line_chart("a<b", "rtt", "u&1", 10, 14, &[Line { label: "↑".into(), peer: "", points: &points }]);
        assert!(svg.contains(r#"data-values="10:0.1,12:0.00000025,14:3""#), "{svg}");
        assert!(svg.contains("a&lt;b") && svg.contains(r#"data-user="u&amp;1""#));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn axes_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(230.0), 250.0);
        assert_eq!(clock_time(1_764_000_000), "00:00:00");
        assert_eq!((label(0.25), label(12.5), label(2.0)), ("0.25".to_owned(), "12.5".to_owned(), "2".to_owned()));
    }
}
