// The differences a change is meant to make (`--intent FILE`): patterns over the names the diff
// gives its differences. Undeclared differences, and declared ones that did not happen, fail.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Diagnostics } from "../config/diagnostics.ts";
import { errorCode, readYamlFile } from "../config/read.ts";
import { checkAgainstSchema, compileSchema } from "../config/schema-check.ts";
import { positionOf } from "../config/yaml.ts";

const SCHEMA_FILE = fileURLToPath(new URL("../../configs/schema/intent.schema.json", import.meta.url));

export interface Intent {
  file: string;
  patterns: { text: string; line: number }[];
}

export interface IntentCheck {
  file: string;
  /** Differences no pattern matches. */
  undeclared: string[];
  /** Patterns that matched no difference. */
  unmet: string[];
}

export function loadIntent(path: string): Intent {
  const file = resolve(path);
  const diags = new Diagnostics();
  const docs = readYamlFile(file, diags, {
    unreadable: (err) => ({
      message: `cannot read the intent: ${errorCode(err)}`,
      hint: "pass an existing file with --intent",
    }),
    syntaxHint: () => "check indentation and quoting",
  });
  if (docs && docs.length !== 1)
    diags.add({ file, line: 1, col: 1 }, "", `expected one YAML document, found ${docs.length}`);
  diags.throwIfAny();
  const doc = docs?.[0];
  if (!doc) return { file, patterns: [] };
  checkAgainstSchema(compileSchema(JSON.parse(readFileSync(SCHEMA_FILE, "utf8"))), doc, diags);
  diags.throwIfAny();
  const changes = (doc.value as { changes: string[] }).changes;
  return {
    file,
    patterns: changes.map((text, i) => ({ text, line: positionOf(doc, `changes[${i}]`).line })),
  };
}

/** `*` matches anything; everything else literally; the whole name must match. */
export function patternMatches(pattern: string, name: string): boolean {
  const re = pattern
    .trim()
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${re}$`).test(name);
}

export function checkIntent(intent: Intent, differences: readonly string[]): IntentCheck {
  return {
    file: intent.file,
    undeclared: differences.filter((d) => !intent.patterns.some((p) => patternMatches(p.text, d))),
    unmet: intent.patterns
      .filter((p) => !differences.some((d) => patternMatches(p.text, d)))
      .map((p) => `line ${p.line}: ${p.text}`),
  };
}
