import { isAlive } from "../../../lab/util/processes.ts";
import { CLEAN, type CliRun, journaledProcesses, residue, runCli } from "../../helpers/host-snapshot.ts";
import { useSeedLab } from "../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("guarantees-interrupt", why);

const NAME = "gint";
const seed = useSeedLab(NAME, why);
const libDown = () => seed.down();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `up` and returns once it is 1 s into its convergence wait, with what it has journaled. */
async function upInTheMiddle(tt: { truthy: (v: unknown, m?: string) => void }) {
  const cli = runCli(["up", "--name", NAME, "--budget", "60s"]);
  const hit = await cli.line(/wait for convergence\.\.\./);
  tt.truthy(hit, `up never reached the convergence wait (stderr:\n${cli.stderr()})`);
  await sleep(1000);
  return { cli, known: journaledProcesses(NAME) };
}

function describeExit(
  cli: CliRun,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  sentAt: number,
) {
  const tail = cli
    .stderr()
    .trim()
    .split("\n")
    .slice(-3)
    .map((l) => l.trim())
    .join(" | ");
  return `exit code ${exit.code}, signal ${exit.signal}, ${((performance.now() - sentAt) / 1000).toFixed(2)} s after the signal; stderr ends: ${tail}`;
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  t(
    `${sig} to the CLI's process group in the middle of up: interrupted, everything rolled back`,
    async (tt) => {
      const { cli, known } = await upInTheMiddle(tt);
      tt.true(
        known.length >= 2 + 1 + seed.lab.nodes.length + 1,
        "every daemon was running when the signal came",
      );
      const at = cli.lastStep();
      const sentAt = performance.now();
      cli.killGroup(sig);
      const exit = await cli.exited;
      tt.log(`${sig} at "${at}" (${known.length} processes journaled): ${describeExit(cli, exit, sentAt)}`);
      // npm forwards the signal, waits for its child, then re-raises the signal on itself, so the
      // caller sees a death by the signal (a shell: 128 + its number); the lab's own exit code 130
      // is behind npm, shown by its last line.
      tt.true(exit.code === 130 || exit.signal === sig, `exit ${exit.code}/${exit.signal}`);
      tt.regex(cli.stderr(), new RegExp(`${sig}: stopping and cleaning up`));
      tt.regex(cli.stderr(), /rolling back what was created/);
      tt.regex(cli.stderr(), new RegExp(`up: interrupted \\(${sig}\\)\\s*$`));
      tt.deepEqual(await residue(NAME, known), CLEAN, "residue after the interrupt");
    },
  );
}

// npm runs the script through `sh -c`; without `exec` the shell would stay between, npm would
// forward SIGTERM to the shell only, and `up` would go on as an orphan.
t("SIGTERM to the npm process alone (as child.kill() sends it) interrupts up", async (tt) => {
  const { cli, known } = await upInTheMiddle(tt);
  const labPid = cli.labPid();
  tt.truthy(labPid, "found the process running scripts/lab.ts");
  try {
    const exitedNpm = new Promise((r) => cli.child.once("exit", r));
    cli.child.kill("SIGTERM");
    await exitedNpm;
    await sleep(1500);
    const orphan = labPid !== null && isAlive(labPid);
    tt.log(
      `after SIGTERM to npm (pid ${cli.child.pid}): npm exited; the up process (pid ${labPid}) is ${orphan ? "still running, orphaned" : "gone"}`,
    );
    tt.false(orphan, "up still runs after npm was terminated");
    if (orphan) return; // the finally block interrupts the orphan
    await cli.exited;
    tt.deepEqual(await residue(NAME, known), CLEAN);
  } finally {
    cli.killGroup("SIGINT"); // the orphans are still in the group
    await cli.exited;
    await libDown();
  }
});

// The `tsx` command relays signals to the process running the script and SIGKILLs it when that
// process does not react within ~60 ms: an `up` not scheduled for that long (a loaded 2-core
// machine while gobgpd starts) would die with no rollback. `node --import tsx` has no relay.
// Reproduced deterministically by holding the lab process stopped around the Ctrl-C.
t("Ctrl-C while up is briefly unscheduled still rolls back", async (tt) => {
  const { cli, known } = await upInTheMiddle(tt);
  const labPid = cli.labPid();
  tt.truthy(labPid, "found the process running scripts/lab.ts");
  try {
    if (labPid !== null) process.kill(labPid, "SIGSTOP");
    cli.killGroup("SIGINT");
    // Keep it stopped until its parent acted (a stopped process still dies of SIGKILL), at most
    // 2 s: on a loaded machine tsx itself may take a while to handle the Ctrl-C.
    const stoppedAt = performance.now();
    while (labPid !== null && isAlive(labPid) && performance.now() - stoppedAt < 2000) await sleep(20);
    const stoppedMs = performance.now() - stoppedAt;
    const killedWhileStopped = labPid !== null && !isAlive(labPid);
    if (labPid !== null && isAlive(labPid)) process.kill(labPid, "SIGCONT");
    const exit = await cli.exited;
    const left = await residue(NAME, known);
    tt.log(
      `the lab process ${killedWhileStopped ? `was killed ${Math.round(stoppedMs)} ms into its stop` : "survived a 2 s stop"}; exit ${exit.code}/${exit.signal}; "rolling back" printed: ${/rolling back/.test(cli.stderr())}; left: ${left.namespaces.length} namespaces, ${left.alive.length} daemons alive`,
    );
    tt.deepEqual(left, CLEAN);
  } finally {
    cli.killGroup("SIGKILL");
    await libDown();
  }
});
