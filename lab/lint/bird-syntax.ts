// BIRD's config is a list of statements ended by `;` or by a `{ ... }` block. This groups tokens
// that way without knowing the grammar: enough to find protocols, options and channels, and to
// keep filter code as text.
import type { SourceRef } from "../topology/model.ts";
import { BirdSyntaxError, type Token } from "./bird-tokens.ts";

export interface Statement {
  /** Tokens before the block or the `;`. */
  words: Token[];
  /** Statements inside `{ ... }`, or null when the statement has no block. */
  body: Statement[] | null;
  at: SourceRef;
  /** Every token of the statement including the block (for filter text); not the final `;`. */
  tokens: Token[];
}

export function parseStatements(tokens: Token[]): Statement[] {
  let pos = 0;
  const block = (open: Token | null): Statement[] => {
    const list: Statement[] = [];
    let words: Token[] = [];
    let all: Token[] = [];
    for (;;) {
      const t = tokens[pos++];
      if (!t) {
        if (open) throw new BirdSyntaxError(open.at, "this { is never closed");
        if (words.length) throw new BirdSyntaxError((words[0] as Token).at, "statement not ended by ;");
        return list;
      }
      if (t.kind === "punct" && t.text === ";") {
        if (words.length) list.push({ words, body: null, at: (words[0] as Token).at, tokens: all });
        words = [];
        all = [];
      } else if (t.kind === "punct" && t.text === "{") {
        const start = pos;
        const body = block(t);
        const inner = tokens.slice(start - 1, pos);
        list.push({ words, body, at: (words[0] ?? t).at, tokens: [...all, ...inner] });
        words = [];
        all = [];
      } else if (t.kind === "punct" && t.text === "}") {
        if (!open) throw new BirdSyntaxError(t.at, "} without a matching {");
        if (words.length) list.push({ words, body: null, at: (words[0] as Token).at, tokens: all });
        return list;
      } else {
        words.push(t);
        all.push(t);
      }
    }
  };
  return block(null);
}

/** Tokens back to config text, e.g. `where source != RTS_DEVICE`. */
export function tokensText(tokens: Token[]): string {
  return tokens.map((t) => (t.kind === "string" ? JSON.stringify(t.text) : t.text)).join(" ");
}
