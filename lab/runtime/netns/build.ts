// Creates the plan's namespaces, bridges, links, VXLAN devices and routes with few processes:
// one `ip -batch` in the host for namespaces and veth pairs (each veth end is created directly
// in its namespace, never in the host), then one `ip -n NS -batch` per namespace for everything
// inside it. Namespaces are journaled before they are created; the rest goes with them.
import { mapLimit } from "../../util/concurrency.ts";
import { run } from "../../util/exec.ts";
import type { Journal } from "./journal.ts";
import type { NetnsPlan, PlannedVxlan } from "./plan.ts";

/** Parallel `ip` processes: enough to hide process start-up, few enough for 2 cores. */
const PARALLEL = 6;

async function ipBatch(lines: string[], ns?: string): Promise<void> {
  if (lines.length === 0) return;
  await run(ns ? ["ip", "-n", ns, "-batch", "-"] : ["ip", "-batch", "-"], { input: `${lines.join("\n")}\n` });
}

export async function createNamespaces(plan: NetnsPlan, journal: Journal): Promise<void> {
  for (const ns of plan.namespaces) journal.record({ kind: "netns", name: ns.name });
  await ipBatch(plan.namespaces.map((ns) => `netns add ${ns.name}`));
  await mapLimit(plan.namespaces, PARALLEL, (ns) =>
    // IPv6 adds nothing to this lab but noise (DAD, router solicitations).
    run(
      [
        "sysctl",
        "-q",
        "-w",
        "net.ipv6.conf.all.disable_ipv6=1",
        "net.ipv6.conf.default.disable_ipv6=1",
        `net.ipv4.ip_forward=${ns.forwarding ? 1 : 0}`,
      ],
      { netns: ns.name },
    ),
  );
}

export async function createLinks(plan: NetnsPlan): Promise<void> {
  await ipBatch(
    plan.links.map(
      (l) =>
        `link add ${l.a.ifname} mtu ${l.mtu} netns ${l.a.ns} type veth peer name ${l.b.ifname} mtu ${l.mtu} netns ${l.b.ns}`,
    ),
  );
  const perNs = new Map<string, string[]>(plan.namespaces.map((n) => [n.name, ["link set lo up"]]));
  // Link ends may sit in namespaces outside this plan (a node joining later plugs into an
  // existing site switch), so batches are opened on demand.
  const add = (ns: string, line: string) => {
    const lines = perNs.get(ns);
    if (lines) lines.push(line);
    else perNs.set(ns, [line]);
  };
  for (const b of plan.bridges) {
    add(b.ns, `link add ${b.name} mtu ${b.mtu} type bridge`);
    if (b.address) add(b.ns, `addr add ${b.address} dev ${b.name}`);
    add(b.ns, `link set ${b.name} up`);
  }
  for (const end of plan.links.flatMap((l) => [l.a, l.b])) {
    if (end.bridge) add(end.ns, `link set ${end.ifname} master ${end.bridge}`);
    for (const a of end.addresses) add(end.ns, `addr add ${a} dev ${end.ifname}`);
    add(end.ns, `link set ${end.ifname} up`);
  }
  for (const v of plan.vxlans) for (const line of vxlanLines(v)) add(v.ns, line);
  // Routes last: their gateways and devices must be up.
  for (const r of plan.routes) add(r.ns, `route add ${r.args.join(" ")}`);
  await mapLimit([...perNs], PARALLEL, ([ns, lines]) => ipBatch(lines, ns));
  await checksumOffloadOff(plan.vxlans);
}

/** A ZeroTier device as zerotier-one brings it up: the device, its address, up. */
function vxlanLines(v: PlannedVxlan): string[] {
  return [
    `link add ${v.ifname} mtu ${v.mtu} type vxlan id ${v.vni} dstport ${v.port} local ${v.local} remote ${v.remote} dev ${v.dev} nolearning`,
    `addr add ${v.address} dev ${v.ifname}`,
    `link set ${v.ifname} up`,
  ];
}

/** TX checksum offload on the VXLAN device silently breaks TCP across it (measured: docs/facts.md). */
async function checksumOffloadOff(vxlans: PlannedVxlan[]): Promise<void> {
  await mapLimit(vxlans, PARALLEL, (v) => run(["ethtool", "-K", v.ifname, "tx", "off"], { netns: v.ns }));
}

async function vxlanExists(v: PlannedVxlan): Promise<boolean> {
  const r = await run(["ip", "-n", v.ns, "link", "show", "dev", v.ifname], { allowFailure: true });
  return r.code === 0;
}

/** Deletes the ZeroTier devices that exist (as zerotier-one stopping does); how many went. */
export async function removeVxlans(vxlans: PlannedVxlan[]): Promise<number> {
  const present = (await Promise.all(vxlans.map(async (v) => ((await vxlanExists(v)) ? [v] : [])))).flat();
  await Promise.all(present.map((v) => run(["ip", "-n", v.ns, "link", "del", "dev", v.ifname])));
  return present.length;
}

/** Creates the ZeroTier devices that are missing, exactly as `up` does; how many came back. */
export async function createVxlans(vxlans: PlannedVxlan[]): Promise<number> {
  const missing = (await Promise.all(vxlans.map(async (v) => ((await vxlanExists(v)) ? [] : [v])))).flat();
  await Promise.all(missing.map((v) => ipBatch(vxlanLines(v), v.ns)));
  await checksumOffloadOff(missing);
  return missing.length;
}
