// Guarantee "no half states": the CLI's `up`, killed with SIGKILL (its whole process group, as
// an OOM kill or a closed terminal would) at five points, leaves state that `down` removes
// completely; afterwards one `up` converges and `down` cleans.
import { workPaths } from "../../../lab/runtime/workdir.ts";
import { CLEAN, journaledProcesses, processesNaming, residue, runCli } from "../../helpers/host-snapshot.ts";
import { useSeedLab } from "../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("guarantees-crash", why);

const NAME = "gcrash";
const seed = useSeedLab(NAME, why);

/** Where to kill: a fixed time after the spawn, or a delay after a progress line appears. */
interface KillPoint {
  label: string;
  after?: RegExp;
  delayMs: number;
}

const KILL_POINTS: KillPoint[] = [
  { label: "0.3 s after the spawn (loading, before anything exists)", delayMs: 300 },
  { label: "100 ms into namespace creation", after: /create namespaces\.\.\./, delayMs: 100 },
  { label: "while BIRD starts", after: /start BIRD on the routers\.\.\./, delayMs: 60 },
  { label: "while the gobgpd speakers start", after: /start the Cilium BGP speakers/, delayMs: 300 },
  { label: "1 s into the convergence wait", after: /wait for convergence\.\.\./, delayMs: 1000 },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t("up killed with SIGKILL at five points: down removes everything, then up and down work", async (tt) => {
  const root = workPaths(NAME).root;
  for (const point of KILL_POINTS) {
    const cli = runCli(["up", "--name", NAME, "--budget", "60s"]);
    if (point.after) {
      const hit = await cli.line(point.after);
      tt.truthy(hit, `${point.label}: up never printed ${point.after} (stderr:\n${cli.stderr()})`);
    }
    await sleep(point.delayMs);
    // What up had journaled when it died (read just before the kill, as down will).
    const known = journaledProcesses(NAME);
    cli.killGroup("SIGKILL");
    const exit = await cli.exited;
    tt.is(exit.signal, "SIGKILL", `${point.label}: killed`);
    const left = await residue(NAME, journaledProcesses(NAME));
    tt.log(
      `killed ${point.label} at ${(exit.ms / 1000).toFixed(2)} s; last step: ${cli.lastStep()}; left: ${left.namespaces.length} namespaces, ${left.alive.length} journaled processes alive, ${left.strays.length} other processes naming the work dir, work dir ${left.workDir ? "present" : "absent"}`,
    );
    const knownAfter = [...known, ...journaledProcesses(NAME)];
    const down = runCli(["down", "--name", NAME]);
    const downExit = await down.exited;
    tt.is(downExit.code, 0, `${point.label}: down exit code (stderr:\n${down.stderr()})`);
    tt.deepEqual(await residue(NAME, knownAfter), CLEAN, `${point.label}: residue after down`);
    tt.log(`  down: ${down.stdout().trim()} (${(downExit.ms / 1000).toFixed(2)} s with CLI start-up)`);
  }

  const up = runCli(["up", "--name", NAME, "--budget", "60s"]);
  const upExit = await up.exited;
  tt.is(upExit.code, 0, `final up (stderr:\n${up.stderr()})`);
  tt.regex(up.stdout(), new RegExp(`lab ${NAME} converged in`));
  tt.log(`final up: ${up.stdout().split("\n")[0]} (${(upExit.ms / 1000).toFixed(2)} s with CLI start-up)`);
  const procs = journaledProcesses(NAME);
  tt.true(procs.length >= 2 + 1 + seed.lab.nodes.length + 1);
  const down = runCli(["down", "--name", NAME]);
  tt.is((await down.exited).code, 0, down.stderr());
  tt.deepEqual(await residue(NAME, procs), CLEAN, "residue after the final down");
  tt.deepEqual(processesNaming(root), []);
});
