// Guarantees "no leaks" and "nothing is added to the host namespace": five consecutive up/down
// cycles of one lab (library calls) leave no namespace of the lab, no journaled process alive
// (pid + start time), no file outside the lab's work dir (which itself is gone) and no open
// descriptor in the calling process; the host namespace's addresses, routes, rules, links,
// firewall rulesets and network sysctls are identical before, while each lab runs, and after.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import test from "ava";
import { netnsDown } from "../../../lab/runtime/netns/down.ts";
import { Journal } from "../../../lab/runtime/netns/journal.ts";
import { netnsKind } from "../../../lab/runtime/netns/kind.ts";
import { planNetns } from "../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../lab/runtime/workdir.ts";
import { isAlive, processStartTime } from "../../../lab/util/processes.ts";
import {
  CLEAN,
  diffSnapshots,
  fileListing,
  hostNetns,
  hostSnapshot,
  journaledProcesses,
  labNamespaces,
  newEntries,
  residue,
} from "../../helpers/host-snapshot.ts";
import { useSeedLab } from "../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("guarantees-cleanup", why);

const NAME = "gclean";
// make test runs 5 cycles; `make soak` runs 50 (SOAK_CYCLES).
const CYCLES = Number(process.env.SOAK_CYCLES ?? 5);
const seed = useSeedLab(NAME, why);
const down = () => seed.down();

test.after.always(async () => {
  if (why) return;
  await netnsDown(workPaths("gpid"), []);
});

/**
 * A new entry is the lab's when its path names the lab, or its name is one the lab's daemons use
 * by default (a BIRD without -s makes /run/bird/bird.ctl) or for their files.
 */
const labRelated = (path: string) =>
  path.includes(NAME) ||
  /^(bird|gobgpd?|relay|kubelet|journal)([.-]|$)|\.(ctl|sock|pid)$/i.test(path.split("/").pop() ?? "");

const openFds = () => readdirSync("/proc/self/fd").length;

/** Mount points in the host mount namespace that are the lab's (its /run/netns files). */
const labMounts = () =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m.includes(`/${NAME}-`) || m.includes(workPaths(NAME).root));

t(`${CYCLES} up/down cycles leave nothing behind and never touch the host namespace`, async (tt) => {
  const hostBefore = await hostSnapshot();
  tt.is(hostBefore.netns, hostNetns(), "the snapshot reads the host's network namespace");
  tt.true(
    (hostBefore.sections.link ?? []).some((l) => l.startsWith("lo ")),
    "the snapshot sees the host's links",
  );
  tt.true((hostBefore.sections.sysctl ?? []).some((l) => l.startsWith("net.ipv4.ip_forward = ")));
  tt.log(
    `host snapshot: ${Object.entries(hostBefore.sections)
      .map(([k, v]) => `${k} ${v.length} lines`)
      .join(", ")}`,
  );
  const filesBefore = fileListing();
  const root = workPaths(NAME).root;
  const planned = planNetns(seed.lab).namespaces.length;
  const fds: number[] = [];
  for (let i = 1; i <= CYCLES; i++) {
    const t0 = performance.now();
    const up = await netnsKind.open(seed.lab).up({ budgetMs: 60_000 });
    const upMs = performance.now() - t0;
    tt.false(up.alreadyUp, `cycle ${i}: a fresh up`);
    tt.is((await labNamespaces(NAME)).length, planned, `cycle ${i}: every planned namespace exists`);
    const procs = journaledProcesses(NAME);
    // The relay and the kubelets share one helpers process, journaled under both names.
    const distinct = new Set(procs.map((p) => `${p.pid}/${p.startTime}`)).size;
    tt.true(
      distinct >= 2 + seed.lab.nodes.length + 1,
      `cycle ${i}: BIRDs, gobgpd and the helpers process (relay, kubelets) journaled`,
    );
    tt.deepEqual(
      diffSnapshots(hostBefore, await hostSnapshot()),
      [],
      `cycle ${i}: host changes while the lab is up`,
    );
    tt.is(labMounts().length, planned, `cycle ${i}: one /run/netns mount per lab namespace`);
    const t1 = performance.now();
    const report = await down();
    const downMs = performance.now() - t1;
    tt.is(report.processes, distinct, `cycle ${i}: down stopped every journaled process`);
    tt.is(report.namespaces, planned, `cycle ${i}: down deleted every namespace`);
    const left = await residue(NAME, procs);
    tt.deepEqual(left, CLEAN, `cycle ${i}: residue after down`);
    tt.deepEqual(diffSnapshots(hostBefore, await hostSnapshot()), [], `cycle ${i}: host changes after down`);
    tt.deepEqual(labMounts(), [], `cycle ${i}: lab mounts left in the host mount namespace`);
    fds.push(openFds());
    const t = up.timings;
    tt.log(
      `cycle ${i}: up ${(upMs / 1000).toFixed(2)} s (infra ${((t?.infraReadyMs ?? 0) / 1000).toFixed(2)} s, daemons ${((t?.daemonsReadyMs ?? 0) / 1000).toFixed(2)} s, converged ${((t?.convergedMs ?? 0) / 1000).toFixed(2)} s), down ${(downMs / 1000).toFixed(2)} s, ${distinct} processes, ${report.namespaces} namespaces`,
    );
  }
  // This process started every daemon: none of their log descriptors may stay open here.
  tt.log(`open descriptors of the test process after each cycle: ${fds.join(", ")}`);
  tt.true((fds.at(-1) ?? 0) - (fds[0] ?? 0) <= 2, `descriptors grow per cycle: ${fds.join(", ")}`);
  const appeared = newEntries(filesBefore, fileListing());
  const leaks = appeared.filter(labRelated);
  tt.deepEqual(leaks, [], `files the lab left outside ${root}`);
  const noise = appeared.filter((p) => !labRelated(p));
  if (noise.length) tt.log(`new entries unrelated to the lab (other tools), ignored: ${noise.join(", ")}`);
});

t("down never signals a journaled pid whose start time differs or was never recorded", async (tt) => {
  // A journal naming a live process that is not the lab's: once with another start time (the pid
  // was reused), once without one (the daemon was gone when journaled, as a BIRD that dies right
  // after writing its pid file is). `down` must leave that process alone.
  const name = "gpid";
  const paths = workPaths(name);
  const bystander = spawn("sleep", ["60"], { stdio: "ignore" });
  const pid = bystander.pid as number;
  try {
    const started = processStartTime(pid);
    tt.truthy(started);
    mkdirSync(paths.root, { recursive: true });
    const journal = new Journal(paths.journal);
    const argv = ["bird"];
    journal.record({
      kind: "process",
      name: "reused",
      ns: `${name}-x`,
      pid,
      startTime: `${Number(started) - 1}`,
      argv,
    });
    journal.record({ kind: "process", name: "never-seen", ns: `${name}-x`, pid, startTime: "", argv });
    const report = await netnsDown(paths, []);
    tt.is(report.processes, 2);
    tt.true(isAlive(pid, started ?? undefined), "the bystander survived down");
    tt.deepEqual(await residue(name), CLEAN);
  } finally {
    bystander.kill("SIGKILL");
  }
});
