// Tokens of a BIRD 2 config, each with its file:line:col. `include "file";` is expanded here, as
// BIRD's own lexer does, so an included file's tokens keep their own positions.
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { SourceRef } from "../topology/model.ts";

export interface Token {
  kind: "word" | "string" | "punct";
  /** Strings without their quotes. */
  text: string;
  at: SourceRef;
}

export class BirdSyntaxError extends Error {
  override name = "BirdSyntaxError";
  constructor(
    readonly at: SourceRef,
    readonly reason: string,
  ) {
    super(`${at.file}:${at.line}:${at.col}: ${reason}`);
  }
}

/** BIRD refuses deeper nesting; a loop would otherwise recurse forever. */
export const MAX_INCLUDE_DEPTH = 8;

const WORD = /[A-Za-z0-9_.:]/;
const TWO_CHAR_PUNCT = new Set(["!=", "<=", ">=", "!~", "==", "&&", "||", ".."]);

export function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (offset: number): SourceRef => ({ file, line, col: offset - lineStart + 1 });
  const advance = (to: number) => {
    for (; i < to; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      advance(i + 1);
    } else if (c === "#") {
      const end = text.indexOf("\n", i);
      advance(end === -1 ? text.length : end);
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) throw new BirdSyntaxError(here(i), "unterminated /* comment");
      advance(end + 2);
    } else if (c === '"' || c === "'") {
      const at = here(i);
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        value += text[j];
        j++;
      }
      if (j >= text.length)
        throw new BirdSyntaxError(at, `unterminated ${c === '"' ? "string" : "quoted name"}`);
      // '...' quotes a symbol name in BIRD, "..." is a string.
      out.push({ kind: c === '"' ? "string" : "word", text: value, at });
      advance(j + 1);
    } else if (WORD.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD.test(text[j] as string)) j++;
      out.push({ kind: "word", text: text.slice(i, j), at: here(i) });
      advance(j);
    } else {
      const two = text.slice(i, i + 2);
      const p = TWO_CHAR_PUNCT.has(two) ? two : c;
      out.push({ kind: "punct", text: p, at: here(i) });
      advance(i + p.length);
    }
  }
  return out;
}

/** Reads a config file and every file it includes, into one token stream. */
export function tokenizeFile(file: string, stack: string[] = [], includedAt?: SourceRef): Token[] {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    // A missing included file is the include statement's mistake: point there.
    throw new BirdSyntaxError(includedAt ?? { file: path, line: 1, col: 1 }, `cannot read ${path}: ${code}`);
  }
  return tokenizeSource(text, path, stack);
}

/** Tokens of `text` as if read from `file`, includes expanded relative to its folder. */
export function tokenizeSource(text: string, file: string, stack: string[] = []): Token[] {
  const path = resolve(file);
  return expandIncludes(tokenize(text, path), path, [...stack, path]);
}

function expandIncludes(tokens: Token[], file: string, stack: string[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const name = tokens[i + 1];
    if (!(t.kind === "word" && t.text.toLowerCase() === "include" && name?.kind === "string")) {
      out.push(t);
      continue;
    }
    if (tokens[i + 2]?.text !== ";") throw new BirdSyntaxError(name.at, "expected ; after include");
    if (stack.length > MAX_INCLUDE_DEPTH) throw new BirdSyntaxError(t.at, "includes nested too deeply");
    // Relative names start from the including file's folder, as in BIRD.
    const target = isAbsolute(name.text) ? name.text : join(dirname(file), name.text);
    for (const f of expandWildcard(target, name.at)) {
      if (stack.includes(f)) throw new BirdSyntaxError(t.at, `include loop: ${f} includes itself`);
      out.push(...tokenizeFile(f, stack, t.at));
    }
    i += 2;
  }
  return out;
}

/** `*` and `?` in the last path component, matched in name order (BIRD globs; folders are literal here). */
function expandWildcard(path: string, at: SourceRef): string[] {
  const base = basename(path);
  if (!/[*?]/.test(base)) return [resolve(path)];
  const dir = dirname(path);
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new BirdSyntaxError(at, `cannot read folder ${dir}`);
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => resolve(dir, n));
}
