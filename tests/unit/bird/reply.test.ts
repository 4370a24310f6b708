import test from "ava";
import fc from "fast-check";
import { BirdProtocolError } from "../../../lab/bird/errors.ts";
import { type BirdReply, isErrorReply, parseReplies, ReplyReader } from "../../../lab/bird/reply.ts";
import { fixtureReply, fixtureText } from "../../fixtures/bird/load.ts";

// A session as BIRD sends it: welcome, then one reply per command, including errors.
const SESSION = [
  "welcome",
  "long-a-protocols",
  "long-b-protocols-all-peer_a",
  "err-8003-no-protocols",
  "long-a-route-all",
  "long-b-status",
  "err-9001-syntax",
]
  .map((n) => fixtureText(`${n}.raw`))
  .join("");

function readInChunks(stream: string, cuts: number[]): BirdReply[] {
  const reader = new ReplyReader();
  const out: BirdReply[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((x, y) => x - y)) {
    out.push(...reader.push(stream.slice(from, cut)));
    from = cut;
  }
  out.push(...reader.push(stream.slice(from)));
  return out;
}

test("splits a captured session into its replies with their final codes", (t) => {
  const replies = parseReplies(SESSION);
  t.deepEqual(
    replies.map((r) => r.code),
    [1, 0, 0, 8003, 0, 13, 9001],
  );
  t.is(replies[0]?.text, "BIRD 2.0.12 ready.");
  t.is(replies[5]?.text.split("\n").at(-1), "Daemon is up and running");
  t.is(replies[3]?.text, "No protocols match");
  t.true(isErrorReply(replies[3] as BirdReply));
  t.false(isErrorReply(replies[1] as BirdReply));
});

test("continuation lines carry the code of the line they continue", (t) => {
  const reply = fixtureReply("long-a-protocols");
  t.deepEqual(
    reply.lines.map((l) => l.code),
    [2002, 1002, 1002, 1002, 1002, 1002, 0],
  );
  t.is(reply.lines[2]?.text.split(/\s+/)[0], "direct1");
  // The final "0000 " line has no text and is not part of `text`.
  t.is(reply.text.split("\n").length, 6);
  t.false(reply.text.endsWith("\n"));
});

test("keeps indentation and empty continuation lines of detail blocks", (t) => {
  const reply = fixtureReply("long-b-protocols-all-peer_a");
  const details = reply.lines.filter((l) => l.code === 1006);
  t.is(details[0]?.text, "  BGP state:          Established");
  t.is(details[1]?.text, "    Neighbor address: 192.168.250.1");
  t.is(details.at(-1)?.text, "");
});

test("byte-by-byte delivery gives the same replies", (t) => {
  const reader = new ReplyReader();
  const out: BirdReply[] = [];
  for (const ch of SESSION) out.push(...reader.push(ch));
  t.deepEqual(out, parseReplies(SESSION));
  t.false(reader.inProgress);
});

test("every two-chunk split gives the same replies", (t) => {
  const expected = parseReplies(SESSION);
  for (let cut = 0; cut <= SESSION.length; cut++) {
    if (JSON.stringify(readInChunks(SESSION, [cut])) !== JSON.stringify(expected)) {
      t.fail(`split at ${cut} (${JSON.stringify(SESSION.slice(cut - 5, cut + 5))}) differs`);
      return;
    }
  }
  t.pass();
});

test("random chunk boundaries give the same replies", (t) => {
  const expected = parseReplies(SESSION);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: SESSION.length }), { maxLength: 40 }), (cuts) => {
      t.deepEqual(readInChunks(SESSION, cuts), expected);
    }),
    { numRuns: 200 },
  );
});

test("a reply is not complete until the line after 'NNNN ' arrives in full", (t) => {
  const reader = new ReplyReader();
  t.deepEqual(reader.push("1002-x\n 2nd\n0000"), []);
  t.true(reader.inProgress);
  const [reply] = reader.push(" \n");
  t.deepEqual(reply?.lines, [
    { code: 1002, text: "x" },
    { code: 1002, text: "2nd" },
    { code: 0, text: "" },
  ]);
  t.false(reader.inProgress);
});

test("lines that do not follow the framing are protocol errors", (t) => {
  t.throws(() => new ReplyReader().push("HTTP/1.1 400 Bad Request\n"), { instanceOf: BirdProtocolError });
  t.throws(() => new ReplyReader().push(" continuation first\n"), { instanceOf: BirdProtocolError });
  t.throws(() => new ReplyReader().push("12 short code\n"), { instanceOf: BirdProtocolError });
  t.throws(() => parseReplies("1002-half a reply\n"), { instanceOf: BirdProtocolError });
});
