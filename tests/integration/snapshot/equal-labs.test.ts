// Two labs from the same configs, up side by side, give deep-equal snapshots (the normaliser
// leaves no time, name or order noise), each valid against configs/schema/snapshot.schema.json
// and describing the converged seed: every session Established, every pod pair reachable, each
// pod CIDR where the design puts it.
import { readFileSync } from "node:fs";
import test from "ava";
import { compileSchema } from "../../../lab/config/schema-check.ts";
import { checkGuards, formatGuards, guardsHold } from "../../../lab/guards/check.ts";
import { loadGuards } from "../../../lab/guards/load.ts";
import { runtimeKind } from "../../../lab/runtime/registry.ts";
import { takeSnapshot } from "../../../lab/snapshot/index.ts";
import { loadLab } from "../../../lab/topology/load.ts";
import { labNamespaces, runCli } from "../../helpers/host-snapshot.ts";
import { integrationTests, netnsUnavailable } from "../../helpers/root.ts";

const why = netnsUnavailable();
const t = integrationTests("snapshot-equal-labs", why);
const NAMES = ["sn1", "sn2"] as const;

const handles = async () => {
  const kind = await runtimeKind();
  const seed = await loadLab();
  return NAMES.map((name) => kind.open({ ...seed, name }));
};

test.after.always(async () => {
  if (why) return;
  for (const h of await handles()) await h.down();
});

t("two labs from the seed configs give equal snapshots of the converged design", async (tt) => {
  const labs = await handles();
  await Promise.all(labs.map((h) => h.down()));
  await Promise.all(labs.map((h) => h.up({ budgetMs: 90_000 })));
  const [a, b] = await Promise.all(labs.map((h) => takeSnapshot(h)));
  tt.deepEqual(a, b);
  tt.is(JSON.stringify(a), JSON.stringify(b), "the same bytes, not only the same content");

  const validate = compileSchema(
    JSON.parse(
      readFileSync(new URL("../../../configs/schema/snapshot.schema.json", import.meta.url), "utf8"),
    ),
  );
  tt.true(validate(a), JSON.stringify(validate.errors));
  if (!a) return;
  const mine = a.routers.find((r) => r.router === "router-mine");
  tt.truthy(mine);
  tt.deepEqual(
    a.routers.flatMap((r) =>
      r.sessions.filter((s) => s.state !== "Established").map((s) => `${r.router}/${s.protocol}`),
    ),
    [],
  );
  tt.true(a.nodes.every((n) => n.sessions.length > 0 && n.sessions.every((s) => s.state === "established")));
  const yuuko = mine?.routes.find((r) => r.prefix === "10.42.3.0/24" && r.best);
  tt.is(yuuko?.nextHop, "192.168.191.10");
  tt.deepEqual(yuuko?.asPath, [64515, 64514]);
  tt.true(mine?.fib.some((f) => f.dst === "10.42.3.0/24" && f.gateway === "192.168.191.10"));
  tt.true(
    a.routers
      .find((r) => r.router === "router-home")
      ?.exports.router_mine?.some((e) => e.prefix === "10.42.3.0/24"),
  );
  tt.deepEqual(a.nodes.find((n) => n.node === "yuuko-k8s")?.advertises, ["10.42.3.0/24"]);
  tt.is(a.reachability.length, 6);
  tt.true(
    a.reachability.every((p) => p.icmp && p.tcp),
    JSON.stringify(a.reachability),
  );
  tt.notRegex(JSON.stringify(a), /sn1|sn2|\d{4}-\d\d-\d\d/, "no lab name, no timestamp");
  const guards = checkGuards(a, labs[0]?.lab ?? (await loadLab()), loadGuards(await loadLab()));
  tt.true(guardsHold(guards), formatGuards(guards));

  // The command prints the same snapshot (stdout) and its guards (stderr with --json).
  const cli = runCli(["snapshot", "--name", "sn1", "--json"]);
  const exit = await cli.exited;
  tt.is(exit.code, 0, cli.stderr());
  tt.deepEqual(JSON.parse(cli.stdout()), a);
  tt.regex(cli.stderr(), /^ok {4}builtin: every session Established$/m);

  await Promise.all(labs.map((h) => h.down()));
  for (const name of NAMES) tt.deepEqual(await labNamespaces(name), [], `${name} removed`);
});
