// The command-line side of doctor and `down --all`: arguments only (running them touches the
// machine; tests/integration/doctor-netns.test.ts does that with labs of its own).
import test from "ava";
import { type CommandContext, UsageError } from "../../../scripts/cli-kit.ts";
import { doctor } from "../../../scripts/commands/doctor.ts";
import { down } from "../../../scripts/commands/down.ts";

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

/** Every `--option` a usage line names, with a value when the usage shows one (`--name LAB`,
 * `--runtime netns|clab`: the first alternative). */
function documentedOptions(usage: string): string[][] {
  const out = new Map<string, string[]>();
  for (const m of usage.matchAll(/--([a-z0-9-]+)(?: ([A-Za-z0-9|]+))?/g)) {
    const value = m[2]?.split("|")[0];
    out.set(m[1] ?? "", value ? [`--${m[1]}`, value] : [`--${m[1]}`]);
  }
  return [...out.values()];
}

// parseArgs (strict) rejects the first option it does not know: an unknown option put after a
// documented one is the one named only when the command accepts the documented one. Nothing runs.
for (const cmd of [down, doctor]) {
  test(`${cmd.name}: every option its usage documents is one it accepts`, async (t) => {
    const options = documentedOptions(cmd.usage);
    t.true(options.length >= 2, cmd.usage);
    for (const option of options) {
      const err = await t.throwsAsync(cmd.run([...option, "--undocumented"], ctx), {
        instanceOf: UsageError,
      });
      t.is(err?.message, `${cmd.name}: Unknown option '--undocumented'`, option.join(" "));
    }
  });
}

test("doctor rejects unknown options with its usage", async (t) => {
  const err = await t.throwsAsync(doctor.run(["--fix"], ctx), { instanceOf: UsageError });
  t.regex(err?.hint ?? "", /usage: lab doctor/);
});
