// Two real BIRDs in throwaway network namespaces, queried through their control sockets.
// Needs root, bird2 and iproute2; otherwise the tests are skipped with the reason printed.
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { checkBirdConfig } from "../../../lab/bird/check.ts";
import { BirdClient, BirdCommandError } from "../../../lab/bird/client.ts";
import { getProtocol, getProtocols, type ProtocolInfo } from "../../../lab/bird/protocols.ts";
import { getRoutes } from "../../../lab/bird/routes.ts";
import { LabError } from "../../../lab/util/errors.ts";
import { output } from "../../../lab/util/exec.ts";
import { waitFor } from "../../../lab/util/wait.ts";
import {
  birdPairSkipReason,
  configB,
  planBirdPair,
  startBirdPair,
  stopBird,
  stopBirdPair,
} from "../../fixtures/bird/netns-pair.ts";
import { integrationTests } from "../../helpers/root.ts";

const skip = birdPairSkipReason();
integrationTests("bird-client", skip);

if (!skip) {
  const prefix = `ltbird${process.pid}`;
  const pair = planBirdPair(prefix, join(tmpdir(), prefix));
  const { a, b } = pair;
  const clients: BirdClient[] = [];
  const connect = async (socket: string) => {
    const c = await BirdClient.connect(socket);
    clients.push(c);
    return c;
  };

  test.before(async () => {
    await startBirdPair(pair, "long");
  });

  test.after.always(async () => {
    for (const c of clients) c.close();
    await stopBirdPair(pair);
  });

  const bgpState = (p: ProtocolInfo | undefined) => p?.bgpState ?? "missing";

  test.serial("the eBGP session reaches Established, seen from both sides", async (t) => {
    const [ca, cb] = [await connect(a.socket), await connect(b.socket)];
    t.regex(ca.welcome, /^BIRD 2\.\d+\.\d+ ready\.$/);
    const waited = await waitFor(
      async () => {
        const [pa, pb] = [await getProtocol(ca, a.bgp), await getProtocol(cb, b.bgp)];
        return (
          (bgpState(pa) === "Established" && bgpState(pb) === "Established") ||
          `a: ${bgpState(pa)} ${pa?.lastError ?? ""}, b: ${bgpState(pb)} ${pb?.lastError ?? ""}`
        );
      },
      { what: "BGP session between the two BIRDs Established", budgetMs: 20_000 },
    );
    t.log(`Established after ${Math.round(waited.elapsedMs)} ms`);
    const pa = await getProtocol(ca, a.bgp);
    const pb = await getProtocol(cb, b.bgp);
    t.like(pa, {
      state: "up",
      info: "Established",
      neighborAddress: b.address,
      neighborAs: b.asn,
      localAs: a.asn,
    });
    t.like(pb, {
      state: "up",
      info: "Established",
      neighborAddress: a.address,
      neighborAs: a.asn,
      localAs: b.asn,
    });
    t.like(pb, { holdTime: 6, keepaliveTime: 2, neighborId: a.address });
    t.regex(pb?.since ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  });

  test.serial("a's static route reaches b with a as next hop", async (t) => {
    const cb = await connect(b.socket);
    await waitFor(
      async () => (await getRoutes(cb, { for: "10.42.4.1" })).some((r) => r.protocol === b.bgp) || "not yet",
      { what: "10.42.4.0/24 from a in b's table", budgetMs: 10_000 },
    );
    const fromA = await getRoutes(cb, { table: "master4", protocol: b.bgp });
    t.true(fromA.length >= 3);
    t.true(fromA.every((r) => r.nextHops.length === 1 && r.nextHops[0] === a.address && r.iface === "eth0"));
    const pod = await getRoutes(cb, { for: "10.42.3.5" });
    t.like(pod[0], {
      prefix: "10.42.3.0/24",
      protocol: b.bgp,
      primary: true,
      nextHops: [a.address],
      originAs: a.asn,
    });
    t.like(pod[1], { prefix: "10.42.3.0/24", protocol: "backup", kind: "blackhole", primary: false });
    const [prepended] = await getRoutes(cb, { for: "10.42.4.0/24", all: true });
    t.deepEqual(prepended?.asPath, [a.asn, a.asn]);
    t.deepEqual(await getRoutes(cb, { for: "10.99.0.1" }), []);
    const details = await getProtocol(cb, b.bgp);
    t.is(details?.routes?.imported, fromA.length);
    // b's kernel protocol exports BGP routes: the FIB of b's namespace follows.
    const fib = await output(["ip", "-4", "route", "show", "10.42.3.0/24"], { netns: b.netns });
    t.regex(fib, new RegExp(`via ${a.address.replaceAll(".", "\\.")} dev eth0 proto bird`));
  });

  test.serial("show protocols parses on both sides; requests are serialised", async (t) => {
    const ca = await connect(a.socket);
    const [listA, one, status, listA2] = await Promise.all([
      getProtocols(ca),
      getProtocol(ca, "yuuko_k8s"),
      ca.request("show status"),
      getProtocols(ca, true),
    ]);
    t.deepEqual(
      listA.map((p) => [p.name, p.proto, p.state]),
      [
        ["device1", "Device", "up"],
        ["direct1", "Direct", "up"],
        ["yuuko_k8s", "Static", "up"],
        ["extra", "Static", "up"],
        [a.bgp, "BGP", "up"],
      ],
    );
    t.deepEqual(one?.routes, { imported: 2, exported: 0, preferred: 2 });
    t.is(status.code, 13);
    t.is(listA2.find((p) => p.name === a.bgp)?.bgpState, "Established");
    const listB = await getProtocols(await connect(b.socket));
    t.deepEqual(
      listB.map((p) => p.name),
      ["device1", "kernel1", "backup", b.bgp],
    );
  });

  test.serial("errors from the real daemon", async (t) => {
    const ca = await connect(a.socket);
    t.is(await getProtocol(ca, "nosuch"), undefined);
    const err = await t.throwsAsync(ca.request("show protocols a"), { instanceOf: BirdCommandError });
    t.is(err?.code, 9001);
    await t.throwsAsync(getRoutes(ca, { table: "all" }), { instanceOf: LabError });
    // A protocol named like a keyword matches nothing instead of listing everything.
    t.is(await getProtocol(ca, "all"), undefined);
    t.is((await ca.request("show status")).code, 13);
  });

  test.serial("bird -p on a broken config names the right line", async (t) => {
    const good = configB(pair, "long");
    const lines = good.split("\n");
    const at = lines.findIndex((l) => l.includes("export none;"));
    lines[at] = lines[at]?.replace("export none;", "export nonsense;") ?? "";
    const broken = join(pair.dir, "broken.conf");
    await writeFile(broken, lines.join("\n"));
    t.deepEqual(await checkBirdConfig(b.conf), { ok: true });
    const r = await checkBirdConfig(broken);
    t.like(r, { ok: false, file: broken, line: at + 1 });
    t.log(r.ok ? "" : r.raw.trim());
  });

  test.serial("stopping b: a reports the session down with the last error", async (t) => {
    const ca = await connect(a.socket);
    await stopBird(b);
    await waitFor(
      async () => bgpState(await getProtocol(ca, a.bgp)) !== "Established" || "still Established",
      {
        what: "a notices b stopped",
        budgetMs: 10_000,
      },
    );
    const pa = await getProtocol(ca, a.bgp);
    t.not(pa?.state, "up");
    t.truthy(pa?.lastError);
    t.log(`a: ${pa?.state} ${pa?.info} (${pa?.lastError})`);
  });
}
