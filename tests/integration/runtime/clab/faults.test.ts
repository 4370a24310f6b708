// The clab runtime's router faults against REAL router containers: a private dockerd (host
// network left alone), the router image built offline, two routers r1 and r2 (NetworkMode
// "none", `sleep infinity` as in the containerlab topology) joined by a veth renamed zt0 (MTU
// 2800, 198.18.0.0/30), each with BIRD started by exec on a config copied in with putFile and
// one eBGP session over zt0. Exercised for real: the silent nftables outage (both ways and one
// way) with its drop counter, that a cut drops only the named sender's frames (a macvlan with a
// MAC of its own beside r1's zt0 still reaches r2), `birdc configure` onto a copied-in config,
// and SIGKILL of BIRD with a restart by exec. The veth is made inside a temporary namespace and moved straight into
// the containers: no address or interface ever exists in the host namespace, and the host sends
// nothing to the routers. Needs root and docker.io (+ debootstrap unless the root filesystem is
// cached in .lab/cache). About 45 s with a warm cache.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import type { ContainerControl, ExecResult } from "../../../../lab/docker/containers.ts";
import type { PrivateEngine } from "../../../../lab/docker/engine.ts";
import { formatSeconds as secs } from "../../../../lab/report/scenario/format.ts";
import { ztStatus } from "../../../../lab/runtime/clab/link-status.ts";
import { ztClear, ztCut, ztDropped, ztMend } from "../../../../lab/runtime/clab/zt-fault.ts";
import { waitFor } from "../../../../lab/util/wait.ts";
import { integrationTests } from "../../../helpers/root.ts";
import {
  assertRouterEngineGone,
  cleanupRouterEngine,
  execMust,
  routerEngineSkipReason,
  runIdleRouter,
  startRouterEngine,
  wireZtLink,
} from "../../../helpers/router-engine.ts";

const LABEL = { "xsite.test": "clab-faults" };
const SOCKET = "/run/bird/bird.ctl";
const CONF = "/etc/bird/bird.conf";
const VARIANT = "/etc/bird/variant/bird.conf";
const ZT_MTU = 2800;

interface RouterSpec {
  name: "r1" | "r2";
  /** The veth end it gets, renamed zt0 inside. */
  end: "va" | "vb";
  address: string;
  peer: string;
  as: number;
  peerAs: number;
  /** Originated (static, blackhole) and exported to the peer. */
  prefix: string;
}

const R1: RouterSpec = {
  name: "r1",
  end: "va",
  address: "198.18.0.1",
  peer: "198.18.0.2",
  as: 65001,
  peerAs: 65002,
  prefix: "203.0.113.0/25",
};
const R2: RouterSpec = {
  name: "r2",
  end: "vb",
  address: "198.18.0.2",
  peer: "198.18.0.1",
  as: 65002,
  peerAs: 65001,
  prefix: "203.0.113.128/25",
};
const ROUTERS = [R1, R2];
const R1_TO_R2 = [{ from: "r1", to: "r2" }];
const BOTH_WAYS = [...R1_TO_R2, { from: "r2", to: "r1" }];
/** The macvlan sender beside r1's zt0 (off the routers' /30). */
const OTHER_SENDER = "198.18.0.5";
/** Only in r1's variant config. */
const VARIANT_PREFIX = "198.51.100.0/24";

/** Short timers so an outage shows within seconds and the session comes back as fast. */
function birdConf(r: RouterSpec, extraRoutes: string[] = []): string {
  const routes = [r.prefix, ...extraRoutes].map((p) => `  route ${p} blackhole;`).join("\n");
  return `router id ${r.address};
protocol device { }
protocol static prefixes {
  ipv4;
${routes}
}
protocol bgp zt {
  local ${r.address} as ${r.as};
  neighbor ${r.peer} as ${r.peerAs};
  hold time 6;
  keepalive time 2;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 2;
  ipv4 { import all; export all; };
}
`;
}

const reason = routerEngineSkipReason([["ip", "iproute2"]]);
integrationTests("clab-faults", reason);
if (!reason) {
  const root = mkdtempSync("/tmp/xsf-");
  const TMPNS = `xs-ztf-${randomBytes(3).toString("hex")}`;
  let engine: PrivateEngine | undefined;
  let control: ContainerControl;

  const exec = async (router: string, argv: string[]): Promise<ExecResult> =>
    control.exec(router, argv, { timeoutMs: 10_000 });
  /** exec that must succeed; its stdout. */
  const must = (router: string, argv: string[]): Promise<string> => execMust(control, router, argv);
  const birdc = (router: string, ...args: string[]) => exec(router, ["birdc", "-s", SOCKET, ...args]);
  const startBird = (router: string, conf = CONF) => must(router, ["bird", "-c", conf, "-s", SOCKET]);

  /** The zt session's line of `show protocols`, or why there is none. */
  const sessionLine = async (router: string): Promise<string> => {
    const r = await birdc(router, "show", "protocols", "zt");
    return /^zt\s+BGP\s.*$/m.exec(r.stdout)?.[0] ?? `no session line: ${(r.stdout + r.stderr).trim()}`;
  };
  const established = (routers: string[]) => async (): Promise<true | string> => {
    const lines = await Promise.all(routers.map(sessionLine));
    return lines.every((l) => /\bEstablished\b/.test(l)) ? true : lines.join(" | ");
  };
  const notEstablished = (router: string) => async (): Promise<true | string> => {
    const line = await sessionLine(router);
    return /\bEstablished\b/.test(line) ? line : true;
  };
  /** Whether the router's BIRD has the prefix in its table. */
  const hasRoute = async (router: string, prefix: string): Promise<boolean> => {
    const r = await birdc(router, "show", "route", prefix);
    return r.stdout.includes(prefix);
  };
  /** Echo requests the router's kernel received (Icmp InEchos). */
  const inEchos = async (router: string): Promise<number> => {
    const lines = (await must(router, ["cat", "/proc/net/snmp"]))
      .split("\n")
      .filter((l) => l.startsWith("Icmp:"));
    const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
    return Number(values?.[names?.indexOf("InEchos") ?? -1] ?? Number.NaN);
  };
  const rxPackets = async (router: string): Promise<number> => {
    const link = JSON.parse(await must(router, ["ip", "-j", "-s", "link", "show", "zt0"])) as {
      stats64: { rx: { packets: number } };
    }[];
    return link[0]?.stats64.rx.packets ?? Number.NaN;
  };

  test.before(async (t) => {
    ({ engine, containers: control } = await startRouterEngine(t, root));
    const started = performance.now();

    for (const r of ROUTERS) await runIdleRouter(control, { name: r.name, labels: LABEL });
    // The veth pair is born in a namespace of its own, and each end moves into a router.
    const end = (r: RouterSpec) => ({ container: r.name, iface: r.end, address: r.address });
    await wireZtLink(control, [end(R1), end(R2)], { mtu: ZT_MTU, prefixLength: 30, tmpns: TMPNS });
    for (const r of ROUTERS) {
      await control.putFile(r.name, CONF, birdConf(r));
      await startBird(r.name);
    }
    const { elapsedMs } = await waitFor(established(["r1", "r2"]), {
      what: "the zt session Established",
      budgetMs: 20_000,
    });
    t.log(
      `routers wired and BIRD Established in ${secs(performance.now() - started)} (session ${secs(elapsedMs)})`,
    );
  });

  test.after.always(() => cleanupRouterEngine({ engine, label: LABEL, root, tmpns: TMPNS }));

  test.serial(
    "putFile: content, mode and owner, parent directories made, an existing file replaced",
    async (t) => {
      const path = "/etc/xsite/deep/er/marker";
      await control.putFile("r1", path, "one\n", 0o600);
      t.is(await must("r1", ["cat", path]), "one\n");
      t.is((await must("r1", ["stat", "-c", "%a %U:%G %s %F", path])).trim(), "600 root:root 4 regular file");
      await control.putFile("r1", path, Buffer.from("two, longer\n"));
      t.is(await must("r1", ["cat", path]), "two, longer\n");
      t.is((await must("r1", ["stat", "-c", "%a", path])).trim(), "644");
      // What BIRD was started on is what putFile wrote.
      t.is(await must("r2", ["cat", CONF]), birdConf(R2));
    },
  );

  test.serial("the zt link: zt0 with MTU 2800 in each router, routes exchanged over eBGP", async (t) => {
    for (const r of ROUTERS) {
      const [link] = JSON.parse(await must(r.name, ["ip", "-j", "link", "show", "zt0"])) as {
        mtu: number;
        operstate: string;
      }[];
      t.is(link?.mtu, ZT_MTU);
      t.is(link?.operstate, "UP");
    }
    t.true(await hasRoute("r2", R1.prefix));
    t.true(await hasRoute("r1", R2.prefix));
    t.is(await ztDropped(control, "r1"), 0, "no outage installed: nothing dropped");
  });

  test.serial(
    "link down: silent (zt0 stays up), the session times out, drops are counted; up restores it",
    async (t) => {
      let started = performance.now();
      await ztCut(control, BOTH_WAYS);
      await ztCut(control, BOTH_WAYS); // cutting twice is fine
      const down = await waitFor(notEstablished("r1"), {
        what: "r1's session leaving Established",
        budgetMs: 10_000,
      });
      t.log(
        `session left Established ${secs(performance.now() - started)} after ztCut (hold time 6 s; waited ${secs(down.elapsedMs)})`,
      );
      for (const r of ROUTERS) {
        const [link] = JSON.parse(await must(r.name, ["ip", "-j", "link", "show", "zt0"])) as {
          operstate: string;
        }[];
        t.is(link?.operstate, "UP", `${r.name}: zt0 stays up during the outage`);
        t.true((await ztDropped(control, r.name)) > 0, `${r.name} counted drops`);
      }
      t.false(
        (await exec("r1", ["ping", "-c", "1", "-W", "1", R2.address])).exitCode === 0,
        "no ping across",
      );

      started = performance.now();
      await ztMend(control, BOTH_WAYS);
      await ztMend(control, BOTH_WAYS); // mending what is not cut is fine
      t.is(await ztDropped(control, "r1"), 0, "the table goes with the last cut");
      await waitFor(established(["r1", "r2"]), { what: "Established again after ztMend", budgetMs: 20_000 });
      t.log(`Established again ${secs(performance.now() - started)} after ztMend`);
      t.true(await hasRoute("r2", R1.prefix));
    },
  );

  test.serial(
    "one-way down (r1->r2): only the receiving router drops; the other way still arrives",
    async (t) => {
      await ztCut(control, R1_TO_R2);
      const rx1 = await rxPackets("r1");
      // r2 keeps sending keepalives (every 2 s) until its hold timer runs out.
      await sleep(2500);
      t.true((await rxPackets("r1")) > rx1, "r1 still receives from r2");
      t.true((await ztDropped(control, "r2")) > 0, "r2 drops what r1 sends");
      t.is(await ztDropped(control, "r1"), 0, "r1 drops nothing");
      // What `link zt show` prints, from the real nft listing.
      const ends = await ztStatus(control, ["r1", "r2"]);
      t.deepEqual(
        ends.map((e) => [e.router, e.dropping, e.cutFrom]),
        [
          ["r1", false, []],
          ["r2", true, ["r1"]],
        ],
      );
      t.true((ends[1]?.dropped ?? 0) > 0, "the drop counter, read from the same listing");
      await ztMend(control, R1_TO_R2);
      t.is(await ztDropped(control, "r2"), 0, "no cut left in r2: no table");
      await waitFor(established(["r1", "r2"]), {
        what: "Established after the one-way cut",
        budgetMs: 20_000,
      });
      t.pass();
    },
  );

  test.serial(
    "a cut drops only the named sender's frames: another MAC on the segment still reaches r2",
    async (t) => {
      // A second sender beside r1's zt0, with a MAC of its own, as a third site's router is.
      await must("r1", [
        "ip",
        "link",
        "add",
        "link",
        "zt0",
        "name",
        "mv0",
        "type",
        "macvlan",
        "mode",
        "bridge",
      ]);
      await must("r1", ["ip", "addr", "add", `${OTHER_SENDER}/29`, "dev", "mv0"]);
      await must("r1", ["ip", "link", "set", "mv0", "up"]);
      // r2 accepts it back (reverse path) without it being on its /30.
      await must("r2", ["ip", "route", "add", `${OTHER_SENDER}/32`, "dev", "zt0"]);
      try {
        await ztCut(control, R1_TO_R2);
        const echos = await inEchos("r2");
        const dropped = await ztDropped(control, "r2");
        await exec("r1", ["ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", "mv0", R2.address]);
        t.true((await inEchos("r2")) >= echos + 3, "r2 answers echoes from the other MAC");
        const afterOther = await ztDropped(control, "r2");
        await exec("r1", ["ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", "zt0", R2.address]);
        t.true((await inEchos("r2")) < echos + 6, "r1's own echoes do not arrive");
        t.true((await ztDropped(control, "r2")) >= afterOther + 3, "r2 drops r1's frames");
        t.log(`r2 dropped ${(await ztDropped(control, "r2")) - dropped} frames, all r1's`);
      } finally {
        await ztClear(control, ["r2"]);
        await exec("r1", ["ip", "link", "del", "mv0"]);
        await exec("r2", ["ip", "route", "del", `${OTHER_SENDER}/32`]);
      }
      await waitFor(established(["r1", "r2"]), {
        what: "Established after the selective cut",
        budgetMs: 20_000,
      });
    },
  );

  test.serial(
    "reconfigure: a config copied in with putFile, then birdc configure onto it and back",
    async (t) => {
      await control.putFile("r1", VARIANT, birdConf(R1, [VARIANT_PREFIX]));
      const r = await birdc("r1", "configure", `"${VARIANT}"`);
      t.regex(r.stdout, /Reconfigur/, r.stdout + r.stderr);
      await waitFor(async () => ((await hasRoute("r2", VARIANT_PREFIX)) ? true : "not learnt yet"), {
        what: `r2 learning ${VARIANT_PREFIX} from the variant`,
        budgetMs: 10_000,
      });
      t.true((await established(["r1", "r2"])()) === true, "the session stayed up");

      const back = await birdc("r1", "configure", `"${CONF}"`);
      t.regex(back.stdout, /Reconfigur/);
      await waitFor(async () => ((await hasRoute("r2", VARIANT_PREFIX)) ? "still there" : true), {
        what: `r2 forgetting ${VARIANT_PREFIX}`,
        budgetMs: 10_000,
      });
      t.true(await hasRoute("r2", R1.prefix));
    },
  );

  test.serial(
    "SIGKILL of BIRD by exec (pidof, which every Debian image has), then a restart by exec",
    async (t) => {
      await must("r1", ["sh", "-c", "kill -KILL $(pidof bird)"]);
      await waitFor(
        async () => ((await exec("r1", ["pidof", "bird"])).exitCode === 1 ? true : "bird still running"),
        { what: "BIRD gone in r1", budgetMs: 5000 },
      );
      const dead = await birdc("r1", "show", "status");
      t.regex(dead.stdout + dead.stderr, /Unable to connect/);
      await waitFor(notEstablished("r2"), { what: "r2's session dropping", budgetMs: 10_000 });

      const started = performance.now();
      await startBird("r1"); // the stale control socket is no obstacle
      await waitFor(established(["r1", "r2"]), { what: "Established after the restart", budgetMs: 20_000 });
      t.log(`Established again ${secs(performance.now() - started)} after the restart`);
      t.true(await hasRoute("r2", R1.prefix));
    },
  );

  test.serial("remove and stop: no container, no engine process, no namespace left", async (t) => {
    if (!engine) return t.fail();
    for (const r of ROUTERS) await control.remove(r.name, { force: true });
    await assertRouterEngineGone(t, engine, { label: LABEL, root, tmpns: TMPNS });
  });
}
