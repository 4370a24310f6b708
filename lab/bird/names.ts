// Names that go into BIRD CLI commands. The daemon's CLI is the config grammar, so an unchecked
// name can turn into a keyword or extra arguments (`all` makes `show protocols all` list every
// protocol). Names are checked against BIRD's symbol syntax before any command is built.
import { LabError } from "../util/errors.ts";

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws a LabError unless `name` is a plain BIRD symbol; returns it unchanged. */
export function assertBirdSymbol(name: string, what = "BIRD name"): string {
  if (!SYMBOL.test(name)) {
    throw new LabError(
      `invalid ${what} ${JSON.stringify(name)}`,
      "BIRD names are letters, digits and underscores, not starting with a digit",
    );
  }
  return name;
}

/**
 * A protocol name for `show protocols [all] <name>`, as a double-quoted pattern. Quoting matters:
 * bare or single-quoted, a keyword such as `all` is still read as the keyword (measured on
 * 2.0.12), while a quoted TEXT pattern only matches a protocol of that exact name (a checked name
 * has no `*` or `?`).
 */
export function quoteProtocolName(name: string): string {
  return `"${assertBirdSymbol(name, "protocol name")}"`;
}

/**
 * A name for a position where BIRD accepts only an existing symbol (`show route protocol X`,
 * `table X`): those positions reject the quoted pattern form, and a keyword there is a syntax
 * error rather than a different command, except `table all`, which is refused here.
 */
export function symbolArgument(name: string, what: string): string {
  assertBirdSymbol(name, what);
  if (name === "all") throw new LabError(`invalid ${what} "all": BIRD reads it as the keyword all`);
  return name;
}
