// Guarantee "no half states" for scenarios: Ctrl-C in the middle of a scenario, while its fault
// is in place, reverts the fault, writes the report marked interrupted, and exits 130.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { gobgpNeighbors } from "../../../lab/gobgp/cli.ts";
import { nsName } from "../../../lab/runtime/netns/plan.ts";
import type { RunReport } from "../../../lab/scenario/types.ts";
import { waitFor } from "../../../lab/util/wait.ts";
import { runCli } from "../../helpers/host-snapshot.ts";
import { useSeedLab } from "../../helpers/lab-fixture.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("guarantees-scenario-interrupt", why);

const NAME = "gsint";
const out = mkdtempSync(join(tmpdir(), "scenario-interrupt-"));
const seed = useSeedLab(NAME, why);

test.after.always(async () => {
  if (why) return;
  rmSync(out, { recursive: true, force: true });
});

t(
  "Ctrl-C while a speaker is stopped: the fault is reverted, the report says interrupted, exit 130",
  async (tt) => {
    const cli = runCli([
      "run",
      "speaker-restart",
      "--variant",
      "gr-off",
      "--name",
      NAME,
      "--keep",
      "--out",
      out,
    ]);
    try {
      // Wait until the fault is in place (the speaker stopped), then interrupt.
      const faulted = await cli.line(/fault\s+yuuko-k8s stop/);
      tt.truthy(faulted, `the scenario reached its fault; last step: ${cli.lastStep()}`);
      cli.killGroup("SIGINT");
      const exit = await cli.exited;
      tt.log(
        `exit ${exit.code}/${exit.signal}; stderr ends: ${cli.stderr().trim().split("\n").slice(-4).join(" | ")}`,
      );
      tt.is(exit.code, 130);
      tt.regex(cli.stderr(), /reverted: stop yuuko-k8s/);
      // The lab is kept (--keep): the speaker runs again and its session comes back.
      const node = seed.lab.nodes.find((n) => n.name === "yuuko-k8s");
      tt.truthy(node);
      await waitFor(
        async () => {
          const peers = node?.bgp?.instances[0]?.peers.map((p) => p.peerAddress) ?? [];
          const nb = await gobgpNeighbors(nsName(NAME, "yuuko-k8s"), 50051, peers);
          return nb.some((n) => n.state === "established") || `session ${nb[0]?.state ?? "missing"}`;
        },
        { what: "yuuko-k8s's speaker back and Established", budgetMs: 30_000, intervalMs: 500 },
      );
      tt.true(existsSync(join(out, "report.json")), "the report was written");
      const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as RunReport;
      tt.true(report.interrupted);
      tt.is(report.results[0]?.status, "interrupted");
    } finally {
      cli.killGroup("SIGKILL");
      await cli.exited;
    }
  },
);
