// ZeroTier as the seed lab emulates it: the topology's WAN path is what a pod ping sees and what
// `link zt reset` returns to; a full-size pod packet crosses the sites as two ZeroTier fragments,
// so under loss it is lost about twice as often as a small one (a round trip: 1-(1-p)^4 against
// 1-(1-p)^2), and a 1500-byte do-not-fragment packet still crosses whole; a zerotier-one restart
// takes zt0 away in both routers, BIRD drops the session at once, and all comes back.
import test from "ava";
import { relayRequest } from "../../../../lab/emulate/zerotier/control.ts";
import { ping } from "../../../../lab/observe/probes.ts";
import type { LabHandle } from "../../../../lab/runtime/kind.ts";
import { netnsKind } from "../../../../lab/runtime/netns/kind.ts";
import { nsName, planNetns, ZT_VNI } from "../../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../../lab/runtime/workdir.ts";
import { applyFault } from "../../../../lab/scenario/faults.ts";
import { watchZtPaths } from "../../../../lab/scenario/sources/zt-path-poll.ts";
import type { LabEvent } from "../../../../lab/scenario/types.ts";
import type { Lab, Router } from "../../../../lab/topology/model.ts";
import { run } from "../../../../lab/util/exec.ts";
import { waitFor } from "../../../../lab/util/wait.ts";
import { useSeedLab } from "../../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("zerotier", why);

const NAME = "ztemu";
const seed = useSeedLab(NAME, why);
let lab: Lab;
let h: LabHandle;
const ns = (what: string) => nsName(NAME, what);
const podOf = (node: string) => lab.nodes.find((n) => n.name === node)?.pods[0]?.address as string;

test.before(async () => {
  if (why) return;
  lab = await seed.ready;
  h = netnsKind.open(lab);
  await h.up({ budgetMs: 90_000 });
});

t("with no impairment set, a cross-site pod ping's RTT is the topology's path RTT", async (tt) => {
  const path = lab.zerotier.paths[0];
  tt.truthy(path, "the seed topology states a WAN path");
  const r = await ping(ns("sakamoto-pod1"), podOf("yuuko-k8s"), { count: 10, intervalS: 0.1 });
  tt.is(r.received, 10, r.output);
  const rtt = r.rttAvgMs ?? 0;
  tt.log(`pod RTT ${rtt} ms on a ${path?.rttMs} ms path`);
  tt.true(rtt >= (path?.rttMs ?? 0) - 2 * (path?.jitterMs ?? 0), `${rtt} ms`);
  tt.true(rtt < (path?.rttMs ?? 0) + 5, `${rtt} ms: within a few ms of the path`);
});

t("link zt set changes the path; reset returns to the topology's values", async (tt) => {
  const sock = workPaths(NAME).relaySocket;
  const before = (await relayRequest(sock, { op: "show" })).status.directions.map((d) => d.impairment);
  tt.true(before.every((i) => i.delayMs === (lab.zerotier.paths[0]?.rttMs ?? 0) / 2));
  await relayRequest(sock, { op: "set", direction: "both", impairment: { delayMs: 40, lossPct: 5 } });
  const after = (await relayRequest(sock, { op: "reset" })).status.directions.map((d) => d.impairment);
  tt.deepEqual(after, before);
});

t("a 1500-byte do-not-fragment pod packet crosses as two fragments and arrives whole", async (tt) => {
  const sock = workPaths(NAME).relaySocket;
  await relayRequest(sock, { op: "reset", counters: true });
  const r = await ping(ns("nano-pod1"), podOf("yuuko-k8s"), {
    count: 3,
    intervalS: 0.2,
    size: 1472,
    dontFragment: true,
  });
  tt.is(r.received, 3, r.output);
  const status = (await relayRequest(sock, { op: "show" })).status;
  for (const d of status.directions)
    tt.true(d.frames.fragmented >= 3, `${d.direction}: ${JSON.stringify(d.frames)}`);
});

t("under 10 % loss, 1400-byte pod pings lose clearly more than 56-byte ones", async (tt) => {
  const sock = workPaths(NAME).relaySocket;
  const n = 400;
  await relayRequest(sock, { op: "set", direction: "both", impairment: { lossPct: 10 } });
  try {
    // Two pod pairs at once: 8 s of traffic, 50 packets/s each.
    const [small, big] = await Promise.all([
      ping(ns("sakamoto-pod1"), podOf("yuuko-k8s"), { count: n, intervalS: 0.02 }),
      ping(ns("nano-pod1"), podOf("yuuko-k8s"), { count: n, intervalS: 0.02, size: 1400 }),
    ]);
    // Expected 19 % and 34 % (standard deviations about 2 and 2.4 points at n = 400).
    tt.log(`loss: 56 bytes ${small.lossPct.toFixed(1)} %, 1400 bytes ${big.lossPct.toFixed(1)} %`);
    tt.true(small.lossPct > 9 && small.lossPct < 30, small.output);
    tt.true(big.lossPct > 22 && big.lossPct < 48, big.output);
    tt.true(
      big.lossPct > small.lossPct + 6,
      `1400 bytes ${big.lossPct} % against 56 bytes ${small.lossPct} %`,
    );
    const status = (await relayRequest(sock, { op: "show" })).status;
    const evicted = status.directions.reduce((a, d) => a + d.frames.evicted, 0);
    tt.true(evicted > 0, "frames that lost one of their fragments are given up in reassembly");
  } finally {
    await relayRequest(sock, { op: "reset" });
  }
});

t("the routers receive the relay's datagrams on a NAPI kthread, behind a queue", async (tt) => {
  for (const r of lab.routers) {
    const where = ns(r.name);
    const threaded = await run(["cat", "/sys/class/net/wan0/threaded"], { netns: where });
    tt.is(threaded.stdout.trim(), "1", `${r.name} wan0 threaded NAPI`);
    const features = await run(["ethtool", "-k", "wan0"], { netns: where });
    tt.regex(features.stdout, /generic-receive-offload: on/, r.name);
    tt.regex(features.stdout, /rx-udp-gro-forwarding: on/, r.name);
  }
  const qdiscs = await run(["tc", "qdisc", "show"], { netns: ns("inet") });
  const pfifo = qdiscs.stdout.split("\n").filter((l) => /^qdisc pfifo .* dev wan\d+ root/.test(l));
  tt.is(pfifo.length, lab.routers.length, qdiscs.stdout);
});

t(
  "the root relays from its own namespace: a frame handed to it reaches the router from the root",
  async (tt) => {
    const sock = workPaths(NAME).relaySocket;
    await relayRequest(sock, { op: "reset", counters: true });
    const plan = planNetns(lab);
    const [home, mine] = lab.routers as [Router, Router];
    const index = plan.relay.endpoints.findIndex((e) => e.name === mine.site);
    const link = await run(["ip", "-j", "link", "show", "dev", "zt0"], { netns: ns(mine.name) });
    const mac = (JSON.parse(link.stdout) as { address: string }[])[0]?.address as string;
    const frame = vxlanEcho(ZT_VNI, mac, home.zerotierAddress, mine.zerotierAddress);
    const echos = () => icmpInEchos(ns(mine.name));
    const before = await echos();
    // From the relay's address inside the internet namespace: the root relays for the relay only.
    const send = `const s=require("dgram").createSocket("udp4");s.bind({address:"${plan.relay.address}",port:0},()=>s.send(Buffer.from(process.argv[1],"hex"),${plan.relay.port},"${plan.relay.root.address}",()=>s.close()))`;
    const datagram = Buffer.concat([Buffer.from([index >> 8, index & 0xff]), frame]).toString("hex");
    await run(["node", "-e", send, datagram], { netns: ns("inet") });
    await waitFor(async () => (await echos()) > before || "no echo request arrived", {
      what: `${mine.name} receives the relayed echo request`,
      budgetMs: 3000,
      intervalMs: 50,
    });
    const { root } = (await relayRequest(sock, { op: "show" })).status;
    tt.like(root, { address: plan.relay.root.address, ownNamespace: true, forwarded: 1, refused: 0 });
  },
);

t("ztPaths: both directions direct; a dead direct path is still used, no switch yet", async (tt) => {
  const read = h.ztPaths?.bind(h);
  if (!read) return tt.fail("the netns handle reads ZeroTier's paths");
  const before = await read();
  tt.deepEqual(before.now.map((p) => `${p.direction} ${p.via}`).sort(), [
    "home->mine direct",
    "mine->home direct",
  ]);
  const events: LabEvent[] = [];
  const stop = watchZtPaths(h, (e) => events.push(e));
  const out = await applyFault(h, { kind: "link", action: "direct-down" });
  try {
    const during = await read();
    // ZeroTier keeps sending into the dead path until ZT_PEER_PATH_EXPIRATION (243 s).
    tt.true(
      during.now.every((p) => p.via === "direct"),
      JSON.stringify(during.now),
    );
    tt.is(during.changes.length, before.changes.length, "no switch logged");
    await h.faults.linkRootDelay?.(35);
    tt.is((await read()).rootDelayMs, 35, "the root's delay is settable");
  } finally {
    await out.revert?.();
    await stop();
    await h.faults.linkReset();
  }
  tt.is((await read()).rootDelayMs, before.rootDelayMs, "reset returns to the first delay");
  tt.deepEqual(
    events.map((e) => (e.kind === "zt-path" ? `${e.direction} ${e.via} ${e.source}` : e.kind)).sort(),
    ["home->mine direct poll", "mine->home direct poll"],
    "the watch starts every lane known and records nothing that did not happen",
  );
});

/** zt0 as `ip -d -j link` shows it in a router, or null when it is gone. */
async function zt0(router: string): Promise<{ mtu: number; address: string } | null> {
  const r = await run(["ip", "-j", "addr", "show", "dev", "zt0"], { netns: ns(router), allowFailure: true });
  if (r.code !== 0) return null;
  const [dev] = JSON.parse(r.stdout) as { mtu: number; addr_info: { local: string; prefixlen: number }[] }[];
  const a = dev?.addr_info[0];
  return dev && a ? { mtu: dev.mtu, address: `${a.local}/${a.prefixlen}` } : null;
}

const established = async (router: string, peer: string) =>
  (await h.bird(router, `show protocols ${peer}`)).includes("Established");

t("restart: zt0 gone in both routers, BIRD drops the session at once, all back after for", async (tt) => {
  const before = await Promise.all(lab.routers.map((r) => zt0(r.name)));
  tt.true(before.every((z) => z !== null));
  const out = await applyFault(h, { kind: "link", action: "restart", forMs: 3000 });
  try {
    tt.deepEqual(await Promise.all(lab.routers.map((r) => zt0(r.name))), [null, null], out.detail);
    // check link: no hold timer involved, the session is gone within a second.
    await waitFor(async () => !(await established("router-mine", "router_home")) || "still Established", {
      what: "router-mine drops router_home",
      budgetMs: 2000,
      intervalMs: 100,
    });
    await waitFor(async () => (await zt0("router-home")) !== null || "zt0 not back", {
      what: "zt0 back",
      budgetMs: 6000,
      intervalMs: 200,
    });
    tt.deepEqual(await Promise.all(lab.routers.map((r) => zt0(r.name))), before, "same MTU and address");
    const offload = await run(["ethtool", "-k", "zt0"], { netns: ns("router-mine") });
    tt.regex(offload.stdout, /tx-checksumming: off/);
    await waitFor(async () => (await established("router-mine", "router_home")) || "not Established", {
      what: "session back",
      budgetMs: 20_000,
      intervalMs: 250,
    });
    const r = await ping(ns("sakamoto-pod1"), podOf("yuuko-k8s"), { count: 3, intervalS: 0.2 });
    tt.true(r.received >= 1, r.output);
  } finally {
    await out.revert?.();
  }
});

/** An ICMP echo request from `src` to `dst` in an Ethernet frame to `mac`, behind a VXLAN header:
 * what a router's zt0 sends, as the relay hands it to the root. */
function vxlanEcho(vni: number, mac: string, src: string, dst: string): Buffer {
  const icmp = Buffer.from([8, 0, 0, 0, 0x4c, 0x42, 0, 1, ...Buffer.from("root-relayed")]);
  icmp.writeUInt16BE(inetChecksum(icmp), 2);
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + icmp.length, 2);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip.writeUInt8(64, 8);
  ip.writeUInt8(1, 9); // ICMP
  Buffer.from(src.split(".").map(Number)).copy(ip, 12);
  Buffer.from(dst.split(".").map(Number)).copy(ip, 16);
  ip.writeUInt16BE(inetChecksum(ip), 10);
  const ethernet = Buffer.concat([
    Buffer.from(mac.split(":").map((x) => Number.parseInt(x, 16))),
    Buffer.from([0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]),
  ]);
  const vxlan = Buffer.from([0x08, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0]);
  return Buffer.concat([vxlan, ethernet, ip, icmp]);
}

function inetChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] as number) * 256 + (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Echo requests the namespace's IP stack has received (/proc/net/snmp, Icmp InEchos). */
async function icmpInEchos(where: string): Promise<number> {
  const snmp = (await run(["cat", "/proc/net/snmp"], { netns: where })).stdout.split("\n");
  const [names, values] = snmp.filter((l) => l.startsWith("Icmp:")).map((l) => l.split(/\s+/));
  return Number(values?.[names?.indexOf("InEchos") ?? -1]);
}
