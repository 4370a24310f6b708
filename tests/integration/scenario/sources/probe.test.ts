// ProbeRunner and tcpConnect between two throwaway namespaces: a 50 pps stream for 3 s with a
// 1 s cut in the middle (ICMP dropped by iptables in the destination) shows one outage of about
// 1 s and about 33 % loss; the same cut made by setting a veth down and up sometimes lasts longer. Skipped, with the reason, when not root or fping is missing.
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import {
  computeOutages,
  lossPct,
  ProbeRunner,
  rttStats,
  tcpConnect,
} from "../../../../lab/scenario/sources/probe.ts";
import { run } from "../../../../lab/util/exec.ts";
import { sourcesSkipReason, TestNetns } from "../../../fixtures/sources/netns.ts";
import { integrationTests } from "../../../helpers/root.ts";

const skip = sourcesSkipReason(["fping", "bash", "timeout", "iptables"]);
integrationTests("sources-probe", skip);

if (!skip) {
  const nets = new TestNetns(`ltsrc${process.pid}p`);
  let src = "";
  let dst = "";
  const runners: ProbeRunner[] = [];

  test.before(async () => {
    src = await nets.add("a");
    dst = await nets.add("b");
    await nets.veth(src, "eth0", "10.99.4.1/30", dst, "eth0", "10.99.4.2/30");
  });

  test.after.always(async () => {
    for (const r of runners) await r.stop().catch(() => undefined);
    await nets.cleanup();
  });

  /** 50 pps for 3 s with `cut` applied from 1 s to 2 s. */
  async function cutStream(name: string, cut: (on: boolean) => Promise<unknown>) {
    const r = new ProbeRunner({
      name,
      netns: src,
      from: "pod-a",
      to: "pod-b",
      toAddress: "10.99.4.2",
      intervalMs: 20,
      durationMs: 3000,
      timeoutMs: 200,
    });
    runners.push(r);
    const done = r.start();
    await sleep(1000);
    const cutAt = Date.now();
    await cut(true);
    await sleep(1000);
    await cut(false);
    const healedAt = Date.now();
    const stream = await done;
    const outages = computeOutages(stream);
    return { stream, outages, cutAt, cutMs: healedAt - cutAt, loss: lossPct(stream) ?? -1 };
  }

  const describe = (r: Awaited<ReturnType<typeof cutStream>>) =>
    `cut ${r.cutMs} ms; outages ${JSON.stringify(r.outages.map((o) => ({ ms: Math.round(o.end - o.start), lost: o.lost })))}; loss ${r.loss.toFixed(1)} %; rtt ${JSON.stringify(rttStats(r.stream))}`;

  test.serial(
    "50 pps for 3 s with a 1 s silent drop: one outage of about 1 s, about 33 % loss",
    async (t) => {
      const rule = ["INPUT", "-i", "eth0", "-p", "icmp", "-j", "DROP"];
      const r = await cutStream("a-to-b", (on) =>
        run(["iptables", on ? "-I" : "-D", ...rule], { netns: dst }),
      );
      t.log(describe(r));
      t.is(r.stream.samples.length, 150);
      t.like(r.stream, {
        name: "a-to-b",
        from: "pod-a",
        to: "pod-b",
        toAddress: "10.99.4.2",
        intervalMs: 20,
      });
      t.true(r.stream.samples.every((s, i) => s.seq === i));
      t.is(r.outages.length, 1);
      const o = r.outages[0];
      const ms = (o?.end ?? 0) - (o?.start ?? 0);
      // The rule takes effect a few ms after cutAt (an iptables process each way; more under load).
      t.true(ms > 900 && ms <= r.cutMs + 40, `outage ${ms} ms for a ${r.cutMs} ms cut`);
      t.true(
        (o?.start ?? 0) >= r.cutAt - 30 && (o?.start ?? 0) <= r.cutAt + 250,
        "the outage starts at the cut",
      );
      t.true(r.loss > 29 && r.loss < 42, `loss ${r.loss} %`);
    },
  );

  test.serial(
    "the same cut by setting the source's veth down and up: about 1 s, sometimes more",
    async (t) => {
      // Measured 1.02-1.04 s in most runs, once 1.88 s for a 1.11 s cut (late replies queued up
      // to 181 ms): probably the kernel's linkwatch, which applies carrier changes at most once a
      // second (not verified further). Hence the loose bound.
      const r = await cutStream("a-to-b-linkdown", (on) =>
        run(["ip", "link", "set", "eth0", on ? "down" : "up"], { netns: src }),
      );
      t.log(describe(r));
      t.is(r.outages.length, 1);
      const o = r.outages[0];
      const ms = (o?.end ?? 0) - (o?.start ?? 0);
      t.true(ms > 900 && ms < 2300, `outage ${ms} ms`);
      t.true(r.loss > 29 && r.loss < 80, `loss ${r.loss} %`);
    },
  );

  test.serial("stop() ends a stream early and keeps what was sent", async (t) => {
    const r = new ProbeRunner({
      name: "early",
      netns: src,
      from: "a",
      to: "b",
      toAddress: "10.99.4.2",
      // 800 s of probes (the longest stream allowed is 900 s): only stop() ends it before ava's timeout.
      intervalMs: 10,
      count: 80_000,
      timeoutMs: 100,
    });
    runners.push(r);
    r.start();
    await sleep(600);
    const stream = await r.stop();
    // About 60 sent in 600 ms; fewer on a loaded machine, never the hour's worth.
    t.true(stream.samples.length > 0 && stream.samples.length < 1000, `${stream.samples.length} samples`);
    t.is(lossPct(stream), 0);
  });

  test.serial("a probe from a namespace that does not exist fails instead of reporting loss", async (t) => {
    const r = new ProbeRunner({
      name: "nowhere",
      netns: `${nets.prefix}missing`,
      from: "a",
      to: "b",
      toAddress: "10.99.4.2",
      intervalMs: 20,
      count: 5,
    });
    await t.throwsAsync(r.start(), { message: /fping in ltsrc\d+pmissing failed/ });
  });

  test.serial("tcpConnect: open, refused, and silently dropped", async (t) => {
    // A listener in the destination namespace (node, killed by cleanup).
    nets.spawn(
      dst,
      [
        process.execPath,
        "-e",
        "require('net').createServer((s) => s.end()).listen(8080, '10.99.4.2'); setTimeout(() => process.exit(0), 60000)",
      ],
      "/dev/null",
    );
    let open = await tcpConnect(src, "10.99.4.2", 8080, 1000);
    for (let i = 0; i < 50 && !open.ok; i++) {
      await sleep(50);
      open = await tcpConnect(src, "10.99.4.2", 8080, 1000);
    }
    t.true(open.ok, JSON.stringify(open));
    t.true((open.ms ?? -1) >= 0 && (open.ms ?? 99) < 50, `connect took ${open.ms} ms`);
    const refused = await tcpConnect(src, "10.99.4.2", 8081, 1000);
    t.like(refused, { ok: false, ms: null });
    t.regex(refused.error ?? "", /refused/i);
    await run(["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP"], { netns: dst });
    const dropped = await tcpConnect(src, "10.99.4.2", 8082, 300);
    t.like(dropped, { ok: false, ms: null, error: "timed out after 300 ms" });
    await t.throwsAsync(tcpConnect(src, "10.99.4.2; reboot", 80, 100), { instanceOf: RangeError });
  });
}
