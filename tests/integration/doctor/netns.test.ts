// doctor and `down --all` against real namespaces and a real BIRD: a crashed lab with a stale
// journal, a lab that left only namespaces (and a process in one), and namespaces that merely look
// alike. Everything here uses names derived from this process's pid and is removed afterwards;
// down --all is restricted to these labs so that other labs on the machine are left alone.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { runDoctor, systemProbe } from "../../../lab/doctor/index.ts";
import { downAll } from "../../../lab/runtime/netns/down-all.ts";
import type { JournalEntry } from "../../../lab/runtime/netns/journal.ts";
import { run } from "../../../lab/util/exec.ts";
import { deleteNetns, listNetns, netnsPids } from "../../../lab/util/netns.ts";
import { isAlive, processStartTime, stopProcess } from "../../../lab/util/processes.ts";
import { doctor } from "../../../scripts/commands/doctor.ts";
import { integrationTests, missing, netnsUnavailable } from "../../helpers/root.ts";

// unshare: the down --all test runs the command in a private mount namespace.
const why = netnsUnavailable() ?? missing([["unshare", "util-linux"]]);
const t = integrationTests("doctor-netns", why);

const tag = process.pid.toString(36);
/** A lab that crashed: work dir with a journal, some namespaces, a BIRD nobody recorded. */
const CRASHED = `dz${tag}`;
/** A lab that left only namespaces. */
const ORPHAN = `dy${tag}`;
/** Look-alikes that are not labs: no <name>-inet beside them. */
const DECOYS = [`dx${tag}-router-home`, `dx${tag}-sw-home`, `dz${tag}inet`];
const NAMESPACES = [`${CRASHED}-inet`, `${CRASHED}-router-home`, `${ORPHAN}-inet`, `${ORPHAN}-sw-home`];
const MINE = (ns: string) => [CRASHED, ORPHAN, `dx${tag}`].some((p) => ns.startsWith(p));

const root = mkdtempSync(join(tmpdir(), "doctor-it-"));
const spawned: number[] = [];
let birdPid = 0;
let sleepPid = 0;

async function startIn(ns: string, argv: string[]): Promise<number> {
  const child = spawn("ip", ["netns", "exec", ns, ...argv], { detached: true, stdio: "ignore" });
  child.unref();
  spawned.push(child.pid as number);
  // ip netns exec enters the namespace, then execs the command under the same pid: wait for both.
  const comm = () => {
    try {
      return readFileSync(`/proc/${child.pid}/comm`, "utf8").trim();
    } catch {
      return "";
    }
  };
  for (let i = 0; i < 250; i++) {
    if (comm() === argv[0] && (await netnsPids(ns)).includes(child.pid as number)) break;
    await sleep(20);
  }
  return child.pid as number;
}

test.before(async () => {
  if (why) return;
  process.env.LAB_WORKDIR = join(root, "labs");
  for (const ns of [...NAMESPACES, ...DECOYS]) await run(["ip", "netns", "add", ns]);
  // The crashed lab's journal: a dead `up`, a dead daemon, and a namespace that is already gone.
  const dead = spawnSync("true").pid as number;
  const dir = join(root, "labs", CRASHED);
  mkdirSync(dir, { recursive: true });
  const entries: JournalEntry[] = [
    { kind: "started", at: new Date().toISOString(), pid: dead },
    { kind: "netns", name: `${CRASHED}-inet` },
    { kind: "netns", name: `${CRASHED}-router-home` },
    { kind: "netns", name: `${CRASHED}-nano` },
    {
      kind: "process",
      name: "bird:router-home",
      ns: `${CRASHED}-router-home`,
      pid: dead,
      startTime: "1",
      argv: ["bird"],
    },
  ];
  writeFileSync(join(dir, "journal.jsonl"), entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
  // A real BIRD the journal does not know, as an `up` killed before it could record it leaves.
  const conf = join(root, "bird.conf");
  writeFileSync(conf, "router id 10.0.0.1;\nprotocol device {}\n");
  birdPid = await startIn(`${CRASHED}-router-home`, [
    "bird",
    "-f",
    "-c",
    conf,
    "-s",
    join(root, "bird.ctl"),
    "-P",
    join(root, "bird.pid"),
  ]);
  sleepPid = await startIn(`${ORPHAN}-sw-home`, ["sleep", "300"]);
});

test.after.always(async () => {
  if (why) return;
  for (const pid of spawned) await stopProcess(pid, processStartTime(pid) ?? undefined, 500);
  for (const ns of (await listNetns()).filter(MINE)) {
    for (const pid of await netnsPids(ns)) await stopProcess(pid, undefined, 500);
    await deleteNetns(ns);
  }
  rmSync(root, { recursive: true, force: true });
});

t("doctor finds both labs' leftovers, names the fixes, and ignores look-alikes", async (tt) => {
  tt.true(isAlive(birdPid), "BIRD started");
  const report = await runDoctor(systemProbe(), { clab: false });
  const crashed = report.findings.find((f) => f.id === `leftover.lab.${CRASHED}`);
  tt.is(crashed?.severity, "warn");
  tt.regex(
    crashed?.message ?? "",
    /stale work dir .* \(1 of 1 recorded processes dead, 1 recorded namespace gone\)/,
  );
  tt.true(
    crashed?.details?.includes(`bird pid ${birdPid} in ${CRASHED}-router-home`),
    JSON.stringify(crashed),
  );
  tt.is(crashed?.fix, `npm run lab -- down --name ${CRASHED}`);
  const orphan = report.findings.find((f) => f.id === `leftover.lab.${ORPHAN}`);
  tt.is(orphan?.message, `lab ${ORPHAN}: 2 namespaces without a work dir, 1 process still running in them`);
  tt.is(orphan?.fix, `npm run lab -- down --name ${ORPHAN}`);
  tt.is(report.findings.find((f) => f.id === "leftover.all")?.fix, "npm run lab -- down --all");
  const text = JSON.stringify(report.findings);
  for (const d of DECOYS) tt.false(text.includes(d), `${d} is not a lab's`);
  // The kernel checks ran in their own namespace and removed it.
  tt.is(report.findings.find((f) => f.id === "kernel.vxlan")?.severity, "ok");
  tt.false((await listNetns()).some((ns) => ns.startsWith("labdoctor") && ns.endsWith(String(process.pid))));
});

t("doctor --json prints the findings and exits 0 when the netns runtime can run", async (tt) => {
  const out: string[] = [];
  const code = await doctor.run(["--json", "--no-clab"], {
    signal: new AbortController().signal,
    out: (s) => out.push(s),
    err: () => {},
  });
  const parsed = JSON.parse(out.join("\n")) as {
    ready: boolean;
    findings: { id: string; fix?: string }[];
  };
  tt.is(code, parsed.ready ? 0 : 1);
  tt.true(parsed.findings.some((f) => f.id === `leftover.lab.${ORPHAN}`));
  tt.false(parsed.findings.some((f) => f.id.startsWith("clab.")));
});

t("down --all removes both labs (journal-based and name-based) and nothing else", async (tt) => {
  const removals = await downAll({ only: (lab) => lab === CRASHED || lab === ORPHAN });
  tt.deepEqual(
    removals.map((r) => [r.lab, r.namespaces, r.workDir !== null]),
    [
      [ORPHAN, [`${ORPHAN}-inet`, `${ORPHAN}-sw-home`], false],
      [CRASHED, [`${CRASHED}-inet`, `${CRASHED}-router-home`], true],
    ],
  );
  tt.is(removals.find((r) => r.lab === ORPHAN)?.processes, 1);
  tt.false(isAlive(birdPid), "the unrecorded BIRD was stopped");
  tt.false(isAlive(sleepPid), "the process in the orphan namespace was stopped");
  tt.false(existsSync(join(root, "labs", CRASHED)), "the work dir is gone");
  const left = await listNetns();
  for (const ns of NAMESPACES) tt.false(left.includes(ns), ns);
  for (const d of DECOYS) tt.true(left.includes(d), `${d} was left alone`);
});

t("afterwards doctor reports nothing of these labs, and down --all has nothing left to do", async (tt) => {
  const report = await runDoctor(systemProbe(), { clab: false });
  tt.false(
    report.findings.some((f) => f.id === `leftover.lab.${CRASHED}` || f.id === `leftover.lab.${ORPHAN}`),
  );
  tt.deepEqual(await downAll({ only: (lab) => lab === CRASHED || lab === ORPHAN }), []);
});

t(
  "the down --all command, run where only its own namespaces are visible, removes the labs and nothing else",
  async (tt) => {
    // A private mount namespace with its own /run/netns: the command sees only what this test
    // creates there, so the real, unrestricted `down --all` can run without touching other labs.
    const labs = join(root, "isolated");
    const lab = `dw${tag}`;
    mkdirSync(join(labs, lab), { recursive: true });
    writeFileSync(
      join(labs, lab, "journal.jsonl"),
      [`${lab}-inet`, `${lab}-router-home`, `${lab}-gone`]
        .map((name) => `${JSON.stringify({ kind: "netns", name })}\n`)
        .join(""),
    );
    const code = `
    import { down } from ${JSON.stringify(new URL("../../../scripts/commands/down.ts", import.meta.url).href)};
    const out = [];
    process.exitCode = await down.run(["--all", "--json"], { signal: AbortSignal.timeout(60_000), out: (t) => out.push(t), err: () => {} });
    console.log(out.join("\\n"));`;
    const script = [
      "set -e",
      "mkdir -p /run/netns",
      "mount --make-rprivate /",
      "mount -t tmpfs lab-doctor-test /run/netns",
      ...[`${lab}-inet`, `${lab}-router-home`, `${lab}-sw-home`, `other${tag}-x`, `plain${tag}`].map(
        (ns) => `ip netns add ${ns}`,
      ),
      `"$NODE" --import "$TSX" --input-type=module -e "$CODE"`,
      'echo "left: $(ip netns list | cut -d" " -f1 | sort | tr "\\n" " ")"',
    ].join("\n");
    const r = await run(["unshare", "--mount", "sh", "-c", script], {
      allowFailure: true,
      timeoutMs: 90_000,
      env: {
        ...process.env,
        LAB_WORKDIR: labs,
        NODE: process.execPath,
        TSX: import.meta.resolve("tsx"),
        CODE: code,
      },
    });
    tt.is(r.code, 0, r.stderr);
    const [json, left] = r.stdout.trim().split("\n");
    const report = JSON.parse(json ?? "{}") as {
      labs: { lab: string; namespaces: string[]; workDir: string | null }[];
    };
    tt.deepEqual(report.labs, [
      {
        lab,
        workDir: join(labs, lab),
        processes: 0,
        namespaces: [`${lab}-inet`, `${lab}-router-home`, `${lab}-sw-home`],
      },
    ]);
    tt.is(left?.trim(), `left: other${tag}-x plain${tag}`);
    tt.false(existsSync(join(labs, lab)));
    const host = await listNetns();
    tt.false(
      host.some((ns) => ns.startsWith(`${lab}-`) || ns === `other${tag}-x` || ns === `plain${tag}`),
      "nothing leaked to the host",
    );
  },
);
