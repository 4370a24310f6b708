// Whether this machine can run an integration test file, and the one rule for when it cannot:
// skip with the reason printed, or, with LAB_REQUIRE_INTEGRATION=1 (CI), fail with the reason.
// Every file in tests/integration goes through integrationTests().
import test from "ava";

export { missing, type Needed, netnsUnavailable, unavailable } from "./prerequisites.ts";

/** The environment variable that turns a skipped integration test file into a failing one. */
export const REQUIRE_INTEGRATION = "LAB_REQUIRE_INTEGRATION";

/** What to do about a reason unavailable() gave. */
function remedy(why: string): string {
  if (why.startsWith("not Linux")) return "run on Linux";
  if (why.startsWith("needs root")) return "run as root";
  return "install what is missing";
}

/** The one rule for a test file that may not be able to run. With `why` undefined the file's
 * tests run: returns test.serial. Otherwise one placeholder test is declared, named after the
 * reason (ava prefixes the file), and test.skip is returned for the file's own tests. The
 * placeholder is skipped (the reason printed), or, when LAB_REQUIRE_INTEGRATION=1, fails with
 * the reason and what to do.
 * Hooks of a file that cannot run must not create anything (they check `why`, or are declared
 * only when it is undefined). */
export function integrationTests(file: string, why: string | null | undefined): typeof test.skip {
  if (!why) return test.serial;
  if (process.env[REQUIRE_INTEGRATION] === "1") {
    test(`cannot run here: ${why}`, (t) => {
      t.fail(`${remedy(why)}, or unset ${REQUIRE_INTEGRATION}`);
    });
  } else {
    console.log(`${file} integration tests skipped: ${why}`);
    test.skip(`cannot run here: ${why}`, () => {});
  }
  return test.skip;
}
