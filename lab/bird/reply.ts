// Framing of the BIRD control socket protocol. Every reply line starts with a 4-digit code
// followed by '-' (more lines follow) or ' ' (last line of the reply); a line starting with a
// space continues the previous code. BIRD sends no length prefix, so the reader must find the
// end of a reply itself, across arbitrary chunk boundaries.
import { BirdProtocolError } from "./errors.ts";

export interface BirdReplyLine {
  code: number;
  text: string;
}

export interface BirdReply {
  /** Code of the final line: 0 ok, 1 welcome, 13 status, ... (errors are thrown instead). */
  code: number;
  /** Every line including the final one, continuation lines carrying the code they continue. */
  lines: BirdReplyLine[];
  /** The lines' text joined with "\n" (what birdc would print), without an empty final line. */
  text: string;
}

/** Codes from 8000 up are runtime (8xxx) or parse (9xxx) errors. */
export const FIRST_ERROR_CODE = 8000;

const CODED = /^(\d{4})([ -])(.*)$/;

/** Incremental reader: push text chunks, collect the replies completed so far. */
export class ReplyReader {
  private pending = "";
  private lines: BirdReplyLine[] = [];

  /** Returns the replies completed by this chunk, oldest first. */
  push(chunk: string): BirdReply[] {
    this.pending += chunk;
    const done: BirdReply[] = [];
    for (let nl = this.pending.indexOf("\n"); nl >= 0; nl = this.pending.indexOf("\n")) {
      const raw = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      const reply = this.line(raw);
      if (reply) done.push(reply);
    }
    return done;
  }

  /** True while a reply has started but not ended (or a line is half received). */
  get inProgress(): boolean {
    return this.lines.length > 0 || this.pending.length > 0;
  }

  private line(raw: string): BirdReply | undefined {
    const m = CODED.exec(raw);
    if (!m) {
      const previous = this.lines.at(-1);
      if (!raw.startsWith(" ") || !previous) {
        throw new BirdProtocolError(`unexpected line from BIRD: ${JSON.stringify(raw.slice(0, 80))}`);
      }
      this.lines.push({ code: previous.code, text: raw.slice(1) });
      return undefined;
    }
    const code = Number(m[1]);
    this.lines.push({ code, text: m[3] ?? "" });
    if (m[2] === "-") return undefined;
    const lines = this.lines;
    this.lines = [];
    const texts = lines.map((l) => l.text);
    if (texts.at(-1) === "") texts.pop();
    return { code, lines, text: texts.join("\n") };
  }
}

/** Splits a complete captured byte stream into replies (fixtures, tests). */
export function parseReplies(raw: string): BirdReply[] {
  const reader = new ReplyReader();
  const replies = reader.push(raw);
  if (reader.inProgress) throw new BirdProtocolError("stream ends inside a reply");
  return replies;
}

export function isErrorReply(reply: BirdReply): boolean {
  return reply.code >= FIRST_ERROR_CODE;
}
