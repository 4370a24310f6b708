import { spawnSync } from "node:child_process";
import { join } from "node:path";
import test from "ava";
import { checkBirdConfig, parseBirdCheckOutput } from "../../../lab/bird/check.ts";
import { LabError } from "../../../lab/util/errors.ts";
import { fixtureDir, fixtureText } from "../../fixtures/bird/load.ts";

// What `bird -p -c check-*.conf` printed (captured from BIRD 2.0.12 by capture.ts).
test("parses BIRD's file:line:col message", (t) => {
  t.deepEqual(parseBirdCheckOutput(fixtureText("check-syntax.stderr"), "check-syntax.conf"), {
    ok: false,
    file: "check-syntax.conf",
    line: 5,
    col: 25,
    message: "syntax error, unexpected ';', expecting IP4 or IP6 or CF_SYM_KNOWN or TEXT",
    raw: fixtureText("check-syntax.stderr"),
  });
});

test("an error inside an include names the included file", (t) => {
  t.like(parseBirdCheckOutput(fixtureText("check-main.stderr"), "check-main.conf"), {
    file: "./check-inc.conf",
    line: 3,
    col: 10,
    message: "syntax error, unexpected CF_SYM_UNDEFINED",
  });
});

test("semantic errors and end of file", (t) => {
  t.like(parseBirdCheckOutput(fixtureText("check-ebgp.stderr"), "check-ebgp.conf"), {
    line: 7,
    col: 1,
    message: "EBGP requires explicit import policy",
  });
  t.like(parseBirdCheckOutput(fixtureText("check-eof.stderr"), "check-eof.conf"), {
    line: 1,
    col: 0,
    message: "syntax error, unexpected END",
  });
});

test("a config that cannot be opened has no position", (t) => {
  const r = parseBirdCheckOutput(fixtureText("check-missing.stderr"), "check-missing.conf");
  t.like(r, {
    file: "check-missing.conf",
    message: "Unable to open configuration file check-missing.conf: No such file or directory",
  });
  t.is(r.line, undefined);
  t.is(r.col, undefined);
});

test("unknown output is kept as the message", (t) => {
  t.like(parseBirdCheckOutput("bird: something new\n", "x.conf"), {
    file: "x.conf",
    message: "something new",
  });
});

test("a missing bird binary says how to install it", async (t) => {
  const err = await t.throwsAsync(checkBirdConfig("x.conf", { bird: "/nonexistent/bird" }), {
    instanceOf: LabError,
  });
  t.regex(`${err?.message} ${err?.hint}`, /apt-get install bird2/);
});

// ava wants tests declared synchronously, so the probe is synchronous too.
const birdMissing = spawnSync("bird", ["--version"]).error !== undefined;
if (birdMissing) {
  console.log("bird-check: bird not installed, skipping checks against the real bird");
  test.skip("checks configs with the real bird (bird not installed)", () => {});
} else {
  test("checks configs with the real bird", async (t) => {
    t.deepEqual(await checkBirdConfig(join(fixtureDir, "check-ok.conf")), { ok: true });
    t.like(await checkBirdConfig(join(fixtureDir, "check-syntax.conf")), {
      ok: false,
      file: join(fixtureDir, "check-syntax.conf"),
      line: 5,
      col: 25,
    });
    t.like(await checkBirdConfig(join(fixtureDir, "check-main.conf")), {
      ok: false,
      file: join(fixtureDir, "check-inc.conf"),
      line: 3,
    });
  });
}
