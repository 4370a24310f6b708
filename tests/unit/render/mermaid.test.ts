import test from "ava";
import { mermaidFlowchart, renderMermaid } from "../../../lab/render/mermaid.ts";
import { bgpSessions } from "../../../lab/render/sessions.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import { assertGolden } from "../../helpers/golden.ts";

const lab = await loadLab();

/** Edge lines as [from id, label, to id]. */
function edges(chart: string): [string, string, string][] {
  return [...chart.matchAll(/^\s+(\S+) (?:-->|<-->)\|"([^"]*)"\| (\S+)$/gm)].map(
    (m) => [m[1], m[2], m[3]] as [string, string, string],
  );
}

test("the .mmd and .md artifacts match their golden files", (t) => {
  const [mmd, md] = renderMermaid(lab);
  t.is(mmd?.path, "diagram/xsite.mmd");
  t.is(md?.path, "diagram/xsite.md");
  assertGolden(t, "render/xsite.mmd", mmd?.content ?? "");
  assertGolden(t, "render/xsite.md", md?.content ?? "");
});

test("the Markdown page embeds the flowchart in a mermaid fence", (t) => {
  const [mmd, md] = renderMermaid(lab);
  t.true(md?.content.includes(`\`\`\`mermaid\n${mmd?.content}\`\`\``));
});

test("node 64514 <-> router 64513 sessions are labelled eBGP, not the seed's iBGP", (t) => {
  const toMine = edges(mermaidFlowchart(lab)).filter(
    ([from, , to]) => from.startsWith("n_") && to === "r_router_mine",
  );
  t.deepEqual(
    toMine.map(([from]) => from),
    ["n_sakamoto", "n_nano"],
  );
  for (const [, label] of toMine) {
    t.is(label, "eBGP, AS 64514 to AS 64513");
  }
  t.false(mermaidFlowchart(lab).includes("iBGP"));
});

test("the routers' edge says eBGP over ZeroTier with the network and MTU", (t) => {
  t.true(
    edges(mermaidFlowchart(lab)).some(
      ([from, label, to]) =>
        from === "r_router_home" &&
        to === "r_router_mine" &&
        label === "eBGP over ZeroTier 192.168.191.0/24 (MTU 2800)",
    ),
  );
});

test("equal ASNs make the label iBGP", (t) => {
  const same = structuredClone(lab);
  const mine = same.routers.find((r) => r.name === "router-mine");
  if (mine) mine.asn = 64514;
  const labels = edges(mermaidFlowchart(same)).filter(
    ([from, , to]) => from.startsWith("n_") && to === "r_router_mine",
  );
  t.is(labels.length, 2);
  t.true(labels.every(([, label]) => label === "iBGP, AS 64514 to AS 64514"));
  t.deepEqual(
    bgpSessions(same)
      .filter((s) => s.over === "lan" && s.to === "router-mine")
      .map((s) => s.type),
    ["iBGP", "iBGP"],
  );
});

test("boxes show the router's ASN and addresses and the node's address, pod CIDR and AS", (t) => {
  const chart = mermaidFlowchart(lab);
  t.true(
    chart.includes(
      'r_router_home["<b>router-home</b><br/>AS 64515<br/>LAN 192.168.0.1<br/>ZT 192.168.191.10"]',
    ),
  );
  t.true(
    chart.includes('n_yuuko_k8s["<b>yuuko-k8s</b><br/>192.168.0.81<br/>pods 10.42.3.0/24<br/>AS 64514"]'),
  );
});

test("quotes and angle brackets in names cannot break a label", (t) => {
  const odd = structuredClone(lab);
  const site = odd.sites[0];
  if (site) site.name = 'h"o<m>e';
  for (const r of odd.routers) if (r.site === "home") r.site = 'h"o<m>e';
  const line = mermaidFlowchart(odd)
    .split("\n")
    .find((l) => l.includes("subgraph"));
  t.is(line, '  subgraph s_h_o_m_e["site h#quot;o#lt;m#gt;e: LAN 192.168.0.0/24"]');
});
