// The command-line side of doctor and `down --all`: arguments only (running them touches the
// machine; tests/integration/doctor-netns.test.ts does that with labs of its own).
import test from "ava";
import { type CommandContext, UsageError } from "../../scripts/cli-kit.ts";
import { doctor } from "../../scripts/commands/doctor.ts";
import { down } from "../../scripts/commands/down.ts";

const ctx: CommandContext = { signal: new AbortController().signal, out: () => {}, err: () => {} };

test("down --all takes no --name or --topology (it removes every lab)", async (t) => {
  for (const argv of [
    ["--all", "--name", "xsite"],
    ["--all", "--topology", "configs/topology.yaml"],
  ]) {
    const err = await t.throwsAsync(down.run(argv, ctx), { instanceOf: UsageError });
    t.regex(err?.message ?? "", /--all removes every lab/);
  }
});

test("down and doctor document their options", (t) => {
  t.regex(down.usage, /lab down --all \[--json\]/);
  t.regex(doctor.usage, /lab doctor \[--json\]/);
  t.is(doctor.name, "doctor");
});

test("doctor rejects unknown options with its usage", async (t) => {
  const err = await t.throwsAsync(doctor.run(["--fix"], ctx), { instanceOf: UsageError });
  t.regex(err?.hint ?? "", /usage: lab doctor/);
});
