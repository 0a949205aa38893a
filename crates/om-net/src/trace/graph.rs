//! Route graphs of several traces, as the book's scapy graph: one node per responder, edges
//! along each (target, port) path in TTL order, `unkN` nodes for silent hops, an end node per
//! path marked open, closed or unanswered, one colour per path, and ASN clusters from an
//! offline TSV (`first_ip last_ip asn owner`). DOT for Graphviz users; SVG drawn natively.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::net::IpAddr;
use std::path::Path;

use super::{End, TraceReport};

const COLOURS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/// An offline ASN table: ranges with their number and owner.
#[derive(Debug, Clone, Default)]
pub struct AsnDb {
    ranges: Vec<(u128, u128, u32, String)>,
}

fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

impl AsnDb {
    /// Reads `first_ip last_ip asn owner` lines; a missing file means no clusters.
    pub fn load(path: &Path) -> AsnDb {
        std::fs::read_to_string(path).map(|t| Self::parse(&t)).unwrap_or_default()
    }

    pub fn parse(text: &str) -> AsnDb {
        let ranges = text
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                let first: IpAddr = f.next()?.trim().parse().ok()?;
                let last: IpAddr = f.next()?.trim().parse().ok()?;
                let asn: u32 = f.next()?.trim().trim_start_matches("AS").parse().ok()?;
                Some((key(first), key(last), asn, f.next().unwrap_or("").trim().to_owned()))
            })
            .collect();
        AsnDb { ranges }
    }

    pub fn lookup(&self, ip: IpAddr) -> Option<(u32, &str)> {
        let k = key(ip);
        self.ranges.iter().find(|(a, b, _, _)| (*a..=*b).contains(&k)).map(|(_, _, n, o)| (*n, o.as_str()))
    }
}

/// The graph: node ids with labels and levels, and coloured edges per path.
#[derive(Debug, Clone, Default)]
pub struct RouteGraph {
    /// id → (label, level, kind): kind is `hop`, `unknown` or an end state.
    pub nodes: BTreeMap<String, (String, u8, &'static str)>,
    pub order: Vec<String>,
    /// (from, to, colour index).
    pub edges: Vec<(String, String, usize)>,
}

/// Builds the graph of every flow of a report.
pub fn build(report: &TraceReport) -> RouteGraph {
    let mut g = RouteGraph::default();
    let mut unknown = 0;
    let add = |g: &mut RouteGraph, id: String, label: String, level: u8, kind: &'static str| {
        if !g.nodes.contains_key(&id) {
            g.order.push(id.clone());
            g.nodes.insert(id, (label, level, kind));
        }
    };
    for (i, flow) in report.flows.iter().enumerate() {
        let mut prev: Option<String> = None;
        for hop in &flow.hops {
            if hop.responder == Some(flow.address) {
                break;
            }
            let id = match hop.responder {
                Some(ip) => {
                    add(&mut g, ip.to_string(), ip.to_string(), hop.ttl, "hop");
                    ip.to_string()
                }
                None => {
                    let id = format!("unk{unknown}");
                    unknown += 1;
                    add(&mut g, id.clone(), "?".into(), hop.ttl, "unknown");
                    id
                }
            };
            if let Some(p) = prev.replace(id.clone())
                && !g.edges.contains(&(p.clone(), id.clone(), i))
            {
                g.edges.push((p, id, i));
            }
        }
        let end_id = match flow.proto {
            super::Proto::Tcp | super::Proto::Udp => format!("{}:{}", flow.address, flow.port),
            super::Proto::Icmp => flow.address.to_string(),
        };
        let (state, kind) = match flow.end {
            End::Open => ("open", "open"),
            End::Closed => ("closed", "closed"),
            End::Reached => ("reached", "open"),
            End::Unanswered => ("unanswered", "unanswered"),
        };
        let level = flow.reached_ttl.unwrap_or_else(|| flow.hops.last().map_or(1, |h| h.ttl + 1));
        add(&mut g, end_id.clone(), format!("{end_id} {state}"), level, kind);
        if let Some(p) = prev {
            g.edges.push((p, end_id, i));
        }
    }
    g
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn fill(kind: &str) -> &'static str {
    match kind {
        "open" => "#b7e4b0",
        "closed" => "#f4b6b6",
        "unanswered" => "#dddddd",
        "unknown" => "#ffffff",
        _ => "#e8eef8",
    }
}

/// Graphviz DOT, with `subgraph cluster_AS<n>` per ASN when a table is given.
pub fn to_dot(g: &RouteGraph, asn: Option<&AsnDb>) -> String {
    let mut out = String::from("digraph trace {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"monospace\"];\n");
    let mut clusters: BTreeMap<(u32, String), Vec<&String>> = BTreeMap::new();
    for id in &g.order {
        let (label, _, kind) = &g.nodes[id];
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\", fillcolor=\"{}\"{}];",
            esc(id),
            esc(label),
            fill(kind),
            if *kind == "unknown" { ", style=dashed" } else { "" }
        );
        if let (Some(db), Ok(ip)) = (asn, id.parse::<IpAddr>())
            && let Some((n, owner)) = db.lookup(ip)
        {
            clusters.entry((n, owner.to_owned())).or_default().push(id);
        }
    }
    for ((n, owner), ids) in clusters {
        let _ = writeln!(out, "  subgraph cluster_AS{n} {{\n    label=\"AS{n} {}\";", esc(&owner));
        for id in ids {
            let _ = writeln!(out, "    \"{}\";", esc(id));
        }
        out.push_str("  }\n");
    }
    for (a, b, c) in &g.edges {
        let _ = writeln!(out, "  \"{}\" -> \"{}\" [color=\"{}\"];", esc(a), esc(b), COLOURS[c % COLOURS.len()]);
    }
    out.push_str("}\n");
    out
}

/// A layered SVG: one row per TTL, nodes spread across it, edges coloured per path.
pub fn to_svg(g: &RouteGraph) -> String {
    let (node_w, node_h, gap_x, gap_y, margin) = (190.0, 34.0, 30.0, 70.0, 20.0);
    let mut per_level: BTreeMap<u8, Vec<&String>> = BTreeMap::new();
    for id in &g.order {
        per_level.entry(g.nodes[id].1).or_default().push(id);
    }
    let widest = per_level.values().map(Vec::len).max().unwrap_or(1) as f64;
    let width = margin * 2.0 + widest * node_w + (widest - 1.0).max(0.0) * gap_x;
    let levels: Vec<u8> = per_level.keys().copied().collect();
    let height = margin * 2.0 + levels.len() as f64 * (node_h + gap_y);
    let mut pos: HashMap<&String, (f64, f64)> = HashMap::new();
    for (row, (_, ids)) in per_level.iter().enumerate() {
        let row_w = ids.len() as f64 * node_w + (ids.len() as f64 - 1.0) * gap_x;
        let x0 = (width - row_w) / 2.0;
        for (i, id) in ids.iter().enumerate() {
            pos.insert(id, (x0 + i as f64 * (node_w + gap_x), margin + 20.0 + row as f64 * (node_h + gap_y)));
        }
    }
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"monospace\" font-size=\"12\">\n\
         <defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (row, level) in levels.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"4\" y=\"{:.0}\" fill=\"#888\">{level}</text>",
            margin + 20.0 + row as f64 * (node_h + gap_y) + node_h / 2.0 + 4.0
        );
    }
    for (a, b, c) in &g.edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (pos.get(a), pos.get(b)) else { continue };
        let offset = (*c as f64 - 1.0) * 4.0;
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>",
            x1 + node_w / 2.0 + offset,
            y1 + node_h,
            x2 + node_w / 2.0 + offset,
            y2,
            COLOURS[c % COLOURS.len()]
        );
    }
    for id in &g.order {
        let (label, _, kind) = &g.nodes[id];
        let (x, y) = pos[id];
        let dash = if *kind == "unknown" { " stroke-dasharray=\"4 3\"" } else { "" };
        let _ = writeln!(
            out,
            "<g><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{node_w}\" height=\"{node_h}\" rx=\"8\" fill=\"{}\" stroke=\"#333\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
            fill(kind),
            x + node_w / 2.0,
            y + node_h / 2.0 + 4.0,
            esc(label)
        );
    }
    out.push_str("</svg>\n");
    out
}
