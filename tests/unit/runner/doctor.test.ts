import test from "ava";
import { runnerFindings } from "../../../lab/runner/doctor.ts";

test("each runner container is a lab to remove, with the command run in its checkout", (t) => {
  t.deepEqual(runnerFindings([]), []);
  const [f] = runnerFindings([
    {
      name: "xsite-runner-a1",
      lab: "a1",
      checkout: "/home/me/lab",
      state: "running",
      image: "xsite/runner:1",
    },
  ]);
  t.deepEqual(f, {
    id: "leftover.runner.a1",
    area: "leftovers",
    severity: "warn",
    message: "runner container xsite-runner-a1 (lab a1, running) of the checkout /home/me/lab",
    fix: "cd /home/me/lab && npm run lab -- down --name a1",
  });
});
