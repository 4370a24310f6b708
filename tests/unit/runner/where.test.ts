import test from "ava";
import { decideWhere, NowhereError, type WhereFacts } from "../../../lab/runner/where.ts";
import { LabError, UsageError } from "../../../lab/util/errors.ts";

const ADDRESS = "unix:///var/run/docker.sock";

/** A machine; `engine` counts how often the engine was asked. */
function facts(over: Partial<WhereFacts> & { answers?: boolean; runnerExists?: boolean } = {}) {
  let asked = 0;
  const f: WhereFacts = {
    asked: undefined,
    creates: true,
    platform: "linux",
    uid: 0,
    hostLabUp: () => false,
    engine: async () => {
      asked++;
      return { address: ADDRESS, answers: over.answers ?? false, runnerExists: over.runnerExists ?? false };
    },
    ...over,
  };
  return { f, engineAsked: () => asked };
}

test("--where wins over everything, without asking the engine", async (t) => {
  const { f, engineAsked } = facts({ asked: "container", hostLabUp: () => true });
  t.deepEqual(await decideWhere(f), { where: "container", why: "--where container" });
  const env = facts({ asked: "host", askedBy: "LAB_WHERE", platform: "darwin", uid: 501 });
  t.deepEqual(await decideWhere(env.f), { where: "host", why: "LAB_WHERE host" });
  t.is(engineAsked(), 0);
});

test("a bad --where is a usage error naming both places", async (t) => {
  const err = await t.throwsAsync(decideWhere(facts({ asked: "vm" }).f), { instanceOf: UsageError });
  t.regex(err.message, /--where: "vm" is not a place/);
  t.regex(err.hint ?? "", /host or container/);
});

test("a lab already up on this host stays there; its runner container is found next", async (t) => {
  const up = facts({ hostLabUp: () => true, answers: true, runnerExists: true });
  t.is((await decideWhere(up.f)).where, "host");
  t.is(up.engineAsked(), 0);
  // Linux and root, but the lab runs in its runner: commands go there.
  const inRunner = await decideWhere(facts({ answers: true, runnerExists: true }).f);
  t.is(inRunner.where, "container");
  t.regex(inRunner.why, /runs in its runner container \(unix:/);
});

test("Linux and root: on this host, even when an engine answers", async (t) => {
  const c = await decideWhere(facts({ answers: true }).f);
  t.deepEqual(c, { where: "host", why: "Linux and root: network namespaces directly on this host" });
});

test("macOS or Linux without root: in a runner container when an engine answers", async (t) => {
  const mac = await decideWhere(facts({ platform: "darwin", uid: 501, answers: true }).f);
  t.is(mac.where, "container");
  t.regex(mac.why, /^darwin, not Linux: in a runner container on the Docker engine at unix:/);
  const user = await decideWhere(facts({ uid: 1000, answers: true }).f);
  t.is(user.where, "container");
  t.regex(user.why, /^not root: /);
  const windows = await decideWhere(facts({ platform: "win32", uid: undefined, answers: true }).f);
  t.is(windows.where, "container");
});

test("no way at all: stop with the exact commands for both ways", async (t) => {
  const err = await t.throwsAsync(decideWhere(facts({ uid: 1000 }).f), { instanceOf: NowhereError });
  t.true(err instanceof LabError);
  t.regex(err.message, /not root, and no Docker engine answers at unix:\/\/\/var\/run\/docker.sock/);
  t.regex(err.hint ?? "", /sudo make lab-up/);
  t.regex(err.hint ?? "", /start Docker .*then: make lab-up/);
  const mac = await t.throwsAsync(decideWhere(facts({ platform: "darwin", uid: 501 }).f), {
    instanceOf: NowhereError,
  });
  t.regex(mac.message, /darwin is not Linux/);
  t.regex(mac.hint ?? "", /only on Linux, as root/);
});

test("status, exec, link, down with no lab anywhere run here (their own errors and hints)", async (t) => {
  const c = await decideWhere(facts({ creates: false, uid: 1000 }).f);
  t.deepEqual(c, { where: "host", why: "no lab of that name runs in a runner container" });
  const found = await decideWhere(facts({ creates: false, uid: 1000, answers: true, runnerExists: true }).f);
  t.is(found.where, "container");
});
