// Golden-file comparison: the expected output lives in tests/golden/<name>; UPDATE_GOLDEN=1
// rewrites it from the actual output (review the diff before committing).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExecutionContext } from "ava";

export function goldenPath(name: string): string {
  return fileURLToPath(new URL(`../golden/${name}`, import.meta.url));
}

export function assertGolden(t: ExecutionContext, name: string, content: string): void {
  const file = goldenPath(name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    t.log(`wrote tests/golden/${name}`);
    t.pass();
    return;
  }
  if (!existsSync(file)) {
    t.fail(`tests/golden/${name} does not exist; create it with UPDATE_GOLDEN=1`);
    return;
  }
  t.is(
    content,
    readFileSync(file, "utf8"),
    `output differs from tests/golden/${name}; if the change is intended, rerun with UPDATE_GOLDEN=1`,
  );
}
