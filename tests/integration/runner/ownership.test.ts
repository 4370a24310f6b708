// The command that gives files written as root in a user's checkout back to its owner, run for
// real (as in the runner container, which is root): ownership changes only where it should.
import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handBackCommand } from "../../../lab/runner/ownership.ts";
import { run } from "../../../lab/util/exec.ts";
import { integrationTests, unavailable } from "../../helpers/root.ts";

const serial = integrationTests("runner ownership", unavailable("to chown files", [["find", "findutils"]]));
const USER = 4321;

serial("root's files in a user's checkout go to the user; others' files and link targets stay", async (t) => {
  const checkout = mkdtempSync(join(tmpdir(), "xsite-own-"));
  const outside = mkdtempSync(join(tmpdir(), "xsite-own-target-"));
  try {
    chownSync(checkout, USER, USER);
    mkdirSync(join(checkout, ".lab/reports/r1"), { recursive: true });
    writeFileSync(join(checkout, ".lab/reports/r1/report.json"), "{}");
    writeFileSync(join(checkout, "someone-else"), "");
    chownSync(join(checkout, "someone-else"), 1111, 1111);
    writeFileSync(join(outside, "target"), "");
    symlinkSync(join(outside, "target"), join(checkout, "link"));

    const [cmd, ...args] = handBackCommand(checkout);
    const r = await run([cmd as string, ...args], { allowFailure: true });
    t.is(r.code, 0, r.stderr);

    for (const p of [".lab", ".lab/reports/r1", ".lab/reports/r1/report.json"])
      t.is(statSync(join(checkout, p)).uid, USER, p);
    t.is(statSync(join(checkout, ".lab/reports/r1/report.json")).gid, USER);
    t.is(statSync(join(checkout, "someone-else")).uid, 1111);
    t.is(lstatSync(join(checkout, "link")).uid, USER, "the link itself");
    t.is(statSync(join(outside, "target")).uid, 0, "not what it points to");
  } finally {
    rmSync(checkout, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

serial("a checkout owned by root is left as it is", async (t) => {
  const checkout = mkdtempSync(join(tmpdir(), "xsite-own-"));
  try {
    writeFileSync(join(checkout, "report.json"), "{}");
    const [cmd, ...args] = handBackCommand(checkout);
    const r = await run([cmd as string, ...args], { allowFailure: true });
    t.is(r.code, 0, r.stderr);
    t.is(statSync(join(checkout, "report.json")).uid, 0);
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
});
