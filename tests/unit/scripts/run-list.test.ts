// `run --list` offers the scenarios that live next to the topology: the seed's configs/scenarios,
// or an example's own scenarios/ folder, never one written for the other's elements.
import test from "ava";
import { runLabCli } from "../../helpers/cli.ts";

function list(extra: string[]) {
  const r = runLabCli(["run", "--list", ...extra]);
  return {
    status: r.status,
    names: r.stdout
      .split("\n")
      .map((l) => l.split(/\s+/)[0])
      .filter(Boolean),
    err: r.stderr,
  };
}

test("the seed lists its scenarios, the three-site example its own", (t) => {
  const seed = list([]);
  t.is(seed.status, 0, seed.err);
  t.true(seed.names.includes("zt-outage-30s"));
  t.false(seed.names.includes("transit-failover"));
  const three = list(["--topology", "configs/examples/three-sites/topology.yaml"]);
  t.is(three.status, 0, three.err);
  t.deepEqual(three.names, ["transit-failover"]);
});

test("a scenario of another topology is refused by name, with where it looked", (t) => {
  const r = runLabCli(["run", "transit-failover"]);
  t.is(r.status, 2);
  t.regex(r.stderr, /unknown scenario "transit-failover" in .*configs\/scenarios/);
});
