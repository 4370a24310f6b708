// Guarantee "clear errors": real daemons failing for real reasons, on copies of configs/ passed
// with --topology. A BIRD syntax error stops `up` with exit 2 and BIRD's own file:line message
// before anything exists; a config BIRD parses but cannot run with, and a Cilium config whose
// gobgpd cannot start, make `up` exit 1 with the daemon's own message and roll everything back.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { checkBirdConfig } from "../../../lab/bird/check.ts";
import { netnsDown } from "../../../lab/runtime/netns/down.ts";
import { planNetns } from "../../../lab/runtime/netns/plan.ts";
import { workPaths } from "../../../lab/runtime/workdir.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import type { Lab } from "../../../lab/topology/model.ts";
import { CLEAN, journaledProcesses, REPO_ROOT, residue, runCli } from "../../helpers/host-snapshot.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("guarantees-daemon-failures", why);

const NAMES = ["gsyntax", "gbirdlog", "gbirdid", "ggobgp"] as const;
let base: Lab;
let tmp: string;
const libDown = (name: string) =>
  netnsDown(
    workPaths(name),
    planNetns({ ...base, name }).namespaces.map((n) => n.name),
  );

test.before(async () => {
  if (why) return;
  base = await loadLab();
  tmp = mkdtempSync(join(tmpdir(), "guarantees-"));
  for (const name of NAMES) await libDown(name);
});

test.after.always(async () => {
  if (why || !base) return;
  for (const name of NAMES) await libDown(name);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A copy of configs/ in which `edit` changed one file (relative path) by an exact replacement. */
function topologyCopy(name: string, file: string, from: string | RegExp, to: string): string {
  const dir = join(tmp, name);
  cpSync(join(REPO_ROOT, "configs"), dir, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${file}: ${from} not found`);
  writeFileSync(path, changed);
  return dir;
}

/** Runs `up` on a copy and collects what it left: what was journaled and what remains after it exits. */
async function upOnCopy(name: string, dir: string) {
  const cli = runCli(["up", "--name", name, "--topology", join(dir, "topology.yaml"), "--budget", "30s"]);
  // Capture the journal while up runs: its rollback removes it.
  const known = new Map<number, ReturnType<typeof journaledProcesses>[number]>();
  const poll = setInterval(() => {
    for (const p of journaledProcesses(name)) known.set(p.pid, p);
  }, 25);
  const exit = await cli.exited;
  clearInterval(poll);
  const stderr = cli.stderr();
  const at = stderr.lastIndexOf("\nerror: ");
  const errorText = at >= 0 ? stderr.slice(at + 1) : "";
  return { cli, exit, stderr, errorText, known: [...known.values()] };
}

t("(a) a bird.conf syntax error: exit 2 with BIRD's own file:line message, nothing created", async (tt) => {
  const dir = topologyCopy(
    "syntax",
    "routers/router-mine/bird.conf",
    "neighbor 192.168.191.10 as 64515;",
    "neighbor 192.168.191.10 as 64515",
  );
  const conf = join(dir, "routers/router-mine/bird.conf");
  const bird = await checkBirdConfig(conf);
  tt.false(bird.ok);
  const birdSays = bird.ok ? "" : bird.message;
  const { exit, stderr } = await upOnCopy("gsyntax", dir);
  tt.log(
    `exit ${exit.code} after ${(exit.ms / 1000).toFixed(2)} s: ${stderr.trim().split("\n").slice(-1)[0]}`,
  );
  tt.is(exit.code, 2, stderr);
  // BIRD reports the error where the missing ';' shows: the next line (42), column 3.
  tt.true(stderr.includes(`${conf}:42:3: `), stderr);
  tt.true(stderr.includes(birdSays), `BIRD's own words: ${birdSays}`);
  tt.regex(birdSays, /syntax error/);
  tt.notRegex(stderr, /create namespaces/, "up stopped before creating anything");
  tt.deepEqual(await residue("gsyntax"), CLEAN);
});

t(
  "(b1) a bird.conf that parses but logs to an unwritable path: BIRD exits at start, up exits 1 and rolls back",
  async (tt) => {
    const dir = topologyCopy(
      "birdlog",
      "routers/router-home/bird.conf",
      /^router id 192\.168\.191\.10;$/m,
      'router id 192.168.191.10;\nlog "/nonexistent-lab-dir/router-home.log" all;',
    );
    const conf = join(dir, "routers/router-home/bird.conf");
    tt.deepEqual(
      await checkBirdConfig(conf),
      { ok: true },
      "bird -p accepts it: only starting BIRD finds the problem",
    );
    const { exit, stderr, errorText, known } = await upOnCopy("gbirdlog", dir);
    tt.log(`exit ${exit.code} after ${(exit.ms / 1000).toFixed(2)} s:\n${errorText.trim()}`);
    tt.is(exit.code, 1, stderr);
    tt.regex(errorText, /BIRD on router-home did not start/);
    tt.true(
      errorText.includes(`${conf}:11:44 Unable to open log file '/nonexistent-lab-dir/router-home.log'`),
      "BIRD's own message with file:line:col",
    );
    tt.regex(stderr, /rolling back what was created/);
    tt.deepEqual(await residue("gbirdlog", known), CLEAN);
  },
);

t(
  "(b2) a bird.conf whose router id comes from an interface the router lacks: BIRD dies after daemonising, up exits 1 and rolls back",
  async (tt) => {
    // `router id from "eth0"` is valid BIRD 2 and what a config written for a host with an eth0
    // says; the lab's router has lan0/wan0/zt0, so BIRD finds no id once it scans the interfaces.
    const dir = topologyCopy(
      "birdid",
      "routers/router-mine/bird.conf",
      /^router id 192\.168\.6\.1;$/m,
      'router id from "eth0";',
    );
    tt.deepEqual(await checkBirdConfig(join(dir, "routers/router-mine/bird.conf")), { ok: true });
    const { exit, stderr, errorText, known } = await upOnCopy("gbirdid", dir);
    tt.log(
      `exit ${exit.code} after ${(exit.ms / 1000).toFixed(2)} s:\n${errorText.trim().split("\n").slice(0, 2).join("\n")}\n...\n${errorText.trim().split("\n").slice(-1)[0]}`,
    );
    tt.is(exit.code, 1, stderr);
    tt.regex(errorText, /BIRD on router-mine exited/);
    tt.regex(errorText, /<FATAL> Cannot determine router ID, please configure it manually/);
    tt.regex(stderr, /rolling back what was created/);
    tt.true(
      known.some((p) => p.name === "bird:router-mine"),
      "the dying BIRD had been journaled",
    );
    tt.deepEqual(await residue("gbirdid", known), CLEAN);
  },
);

t(
  "(c) two Cilium BGP instances on one node with the same localPort: the second gobgpd cannot bind, up exits 1 and rolls back",
  async (tt) => {
    // A second bgpInstance in the mine ClusterConfig, both listening on 179 (localPort is part of
    // CiliumBGPClusterConfig v2): the node's second speaker finds the port taken by the first.
    const dir = topologyCopy(
      "gobgp",
      "k8s/cilium/networks.yaml",
      /( {4}- name: instance-64514\n {6}localASN: 64514\n)( {6}peers:\n {8}- name: router-mine\n(?: {10}.*\n)+)/,
      "$1      localPort: 179\n$2    - name: instance-64514-b\n      localASN: 64514\n      localPort: 179\n$2",
    );
    const { exit, stderr, errorText, known } = await upOnCopy("ggobgp", dir);
    tt.log(`exit ${exit.code} after ${(exit.ms / 1000).toFixed(2)} s:\n${errorText.trim()}`);
    tt.is(exit.code, 1, stderr);
    tt.regex(errorText, /gobgpd on (sakamoto|nano) exited/);
    tt.regex(
      errorText,
      /level=fatal msg="failed to set global config" Error="listen tcp4 0\.0\.0\.0:179: bind: address already in use"/,
    );
    tt.regex(stderr, /rolling back what was created/);
    tt.true(
      known.some((p) => p.name.endsWith(":instance-64514-b")),
      "the failing second speaker had been journaled",
    );
    tt.deepEqual(await residue("ggobgp", known), CLEAN);
  },
);
