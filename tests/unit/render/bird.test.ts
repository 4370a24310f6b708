// The BIRD wrapper text both runtimes start BIRD on. The netns runtime's output is pinned
// byte for byte: the scenario engine's log parser (lab/scenario/sources/bird-log.ts) expects it.
import test from "ava";
import { birdWrapper, birdWrapperText, renderBirdWrappers } from "../../../lab/render/bird.ts";
import { loadLab } from "../../../lab/topology/load.ts";

const lab = await loadLab();

const expected = (name: string, include: string, log: string) =>
  [
    `# Lab wrapper for ${name}: adds logging, then includes the real config unchanged.`,
    `log "${log}" all;`,
    "timeformat log iso long ms;",
    "timeformat protocol iso long ms;",
    "timeformat route iso long ms;",
    "debug protocols { states, events };",
    `include "${include}";`,
    "",
  ].join("\n");

test("birdWrapperText: logging settings, then the include, with the given paths", (t) => {
  t.is(
    birdWrapperText({ name: "r1", include: "/etc/bird/bird.conf", logFile: "/var/log/bird/bird.log" }),
    expected("r1", "/etc/bird/bird.conf", "/var/log/bird/bird.log"),
  );
});

test("netns: birdWrapper includes the router's own bird.conf and logs where it is told", (t) => {
  for (const r of lab.routers) {
    t.is(birdWrapper(r, "/w/bird.log"), expected(r.name, r.birdConf, "/w/bird.log"));
    // A scenario variant passes another config file.
    t.is(
      birdWrapper({ ...r, birdConf: "/v/bird.conf" }, "/w/bird.log"),
      expected(r.name, "/v/bird.conf", "/w/bird.log"),
    );
  }
});

test("netns: renderBirdWrappers puts each wrapper and its log under the work dir", (t) => {
  t.deepEqual(
    renderBirdWrappers(lab, "/w"),
    lab.routers.map((r) => ({
      path: `bird/${r.name}/bird.conf`,
      description: `BIRD wrapper for ${r.name} including ${r.birdConf}`,
      content: expected(r.name, r.birdConf, `/w/bird/${r.name}/bird.log`),
    })),
  );
});
