// Reading one YAML config file into positioned documents, with every failure (unreadable file,
// syntax error, oversized or alias-bombed document) turned into a diagnostic. Each loader says
// how it names its file in those messages; the reading itself is the same everywhere.
import { readFileSync } from "node:fs";
import type { Diagnostics } from "./diagnostics.ts";
import { parseYamlDocuments, type YamlDocument, YamlSyntaxError } from "./yaml.ts";

export interface ReadWording {
  /** The diagnostic for a file that cannot be read (or a parser failure that is not a syntax error). */
  unreadable(err: Error, phase: "read" | "parse"): { message: string; hint?: string };
  /** The hint of a syntax error, given the parser's own (if any). */
  syntaxHint(parserHint: string | undefined): string | undefined;
}

/** The documents of `file`, or null when it could not be read or parsed (then diags says why). */
export function readYamlFile(file: string, diags: Diagnostics, wording: ReadWording): YamlDocument[] | null {
  const top = { file, line: 1, col: 1 };
  let phase: "read" | "parse" = "read";
  try {
    const text = readFileSync(file, "utf8");
    phase = "parse";
    return parseYamlDocuments(text, file);
  } catch (err) {
    if (err instanceof YamlSyntaxError) diags.add(err.where, "", err.reason, wording.syntaxHint(err.hint));
    else {
      const { message, hint } = wording.unreadable(err as Error, phase);
      diags.add(top, "", message, hint);
    }
    return null;
  }
}

/** The error code of a failed read (ENOENT, EACCES...), or its message. */
export function errorCode(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message;
}
