// A Mermaid flowchart of the resolved topology, in the shape of the seed's diagram: a subgraph
// per site with its router and nodes, the ZeroTier session between routers, and one edge per
// node session pointing from the node (Cilium only dials out) to its router. Session labels come
// from the ASNs (sessions.ts), so the diagram cannot repeat the seed's "iBGP" for an eBGP session.
import { basename } from "node:path";
import type { K8sNode, Lab, Router } from "../topology/model.ts";
import type { Artifact } from "./artifact.ts";
import { DIAGRAM_DIR } from "./paths.ts";
import { type BgpSession, bgpSessions } from "./sessions.ts";

export function mermaidFlowchart(lab: Lab): string {
  const ids = new MermaidIds();
  const lines = ["flowchart LR"];
  for (const site of lab.sites) {
    lines.push(`  subgraph ${ids.of("s", site.name)}["${text(`site ${site.name}: LAN ${site.lan.text}`)}"]`);
    for (const r of lab.routers.filter((x) => x.site === site.name))
      lines.push(`    ${ids.of("r", r.name)}["${box(routerLines(r))}"]`);
    for (const n of lab.nodes.filter((x) => x.site === site.name))
      lines.push(`    ${ids.of("n", n.name)}["${box(nodeLines(n))}"]`);
    lines.push("  end");
  }
  for (const s of bgpSessions(lab)) {
    const from = ids.of(s.over === "zerotier" ? "r" : "n", s.from);
    const to = ids.of("r", s.to);
    lines.push(`  ${from} ${s.over === "zerotier" ? "<-->" : "-->"}|"${text(sessionLabel(lab, s))}"| ${to}`);
  }
  return `${lines.join("\n")}\n`;
}

export function sessionLabel(lab: Lab, s: BgpSession): string {
  if (s.over === "zerotier")
    return `${s.type} over ZeroTier ${lab.zerotier.network.text} (MTU ${lab.zerotier.mtu})`;
  return `${s.type}, AS ${s.fromAsn} to AS ${s.toAsn}`;
}

function routerLines(r: Router): string[] {
  return [r.name, `AS ${r.asn}`, `LAN ${r.lanAddress}`, `ZT ${r.zerotierAddress}`];
}

function nodeLines(n: K8sNode): string[] {
  const asns = [...new Set((n.bgp?.instances ?? []).map((i) => i.localASN))];
  return [
    n.role === "control-plane" ? `${n.name} (control-plane)` : n.name,
    n.address,
    `pods ${n.podCidr.text}`,
    asns.length ? `AS ${asns.join(", ")}` : "no BGP speaker",
    ...(n.bgp?.skipped ?? []).map((s) => `peer ${s.peer} skipped`),
  ];
}

/** First line bold, lines joined with Mermaid's <br/>; the text itself is escaped. */
function box(lines: string[]): string {
  return lines.map((l, i) => (i === 0 ? `<b>${text(l)}</b>` : text(l))).join("<br/>");
}

// Mermaid entity codes: a raw quote ends the label, and < > would be read as HTML.
function text(s: string): string {
  return s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

/** Mermaid ids are [A-Za-z0-9_]; a prefix per element kind (s, r, n) keeps "end" and clashes away. */
class MermaidIds {
  private readonly ids = new Map<string, string>();
  private readonly used = new Set<string>();
  of(kind: string, name: string): string {
    const key = `${kind}\0${name}`;
    let id = this.ids.get(key);
    if (!id) {
      const base = `${kind}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
      id = base;
      for (let k = 2; this.used.has(id); k++) id = `${base}_${k}`;
      this.ids.set(key, id);
      this.used.add(id);
    }
    return id;
  }
}

export function renderMermaid(lab: Lab): Artifact[] {
  const chart = mermaidFlowchart(lab);
  return [
    {
      path: `${DIAGRAM_DIR}/${lab.name}.mmd`,
      description: `Mermaid flowchart of lab ${lab.name}`,
      content: chart,
    },
    {
      path: `${DIAGRAM_DIR}/${lab.name}.md`,
      description: `Markdown page with the diagram and BGP sessions of lab ${lab.name}`,
      content: markdown(lab, chart),
    },
  ];
}

function markdown(lab: Lab, chart: string): string {
  const sessions = bgpSessions(lab);
  const rows = sessions.map(
    (s) =>
      `| ${s.from} | ${s.to} | ${s.type} | ${s.fromAsn} | ${s.toAsn} | ${s.over === "zerotier" ? "ZeroTier" : "LAN"} |`,
  );
  const ebgpOnLan = sessions.some((s) => s.over === "lan" && s.type === "eBGP");
  return [
    `# Lab \`${lab.name}\`: resolved topology`,
    "",
    `Rendered from \`${basename(lab.topologyFile)}\`. Session types come from the ASNs; an arrow points`,
    "from the side that opens the session (Cilium nodes only dial out).",
    ...(ebgpOnLan
      ? ["", "The seed diagram calls the node-router sessions iBGP; their ASNs differ, so they are eBGP."]
      : []),
    "",
    "```mermaid",
    chart.trimEnd(),
    "```",
    "",
    "| from | to | type | from AS | to AS | over |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
