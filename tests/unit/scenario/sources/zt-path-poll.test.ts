// ZeroTier path switches between two reads of the emulation, at the emulation's own times.
import test from "ava";
import type { ZtPaths } from "../../../../lab/runtime/kind.ts";
import { type PathReader, pathEvents } from "../../../../lab/scenario/sources/zt-path-poll.ts";

const now = (via: "direct" | "relay"): ZtPaths["now"] => [
  { direction: "home->mine", via },
  { direction: "mine->home", via },
];

test("the first read records the current paths and no old switch; later reads the new switches at their times", (t) => {
  const reader: PathReader = { lastSeq: null };
  const old = [{ seq: 1, at: 100, direction: "home->mine", via: "relay" as const }];
  t.deepEqual(
    pathEvents(reader, { now: now("direct"), changes: old, rootDelayMs: 20 }, 5000).map((e) => [
      e.t,
      e.kind === "zt-path" && e.source,
    ]),
    [
      [5000, "poll"],
      [5000, "poll"],
    ],
  );
  const relayed = [
    ...old,
    { seq: 2, at: 248_000, direction: "home->mine", via: "relay" as const },
    { seq: 3, at: 248_010, direction: "mine->home", via: "relay" as const },
  ];
  t.deepEqual(pathEvents(reader, { now: now("relay"), changes: relayed, rootDelayMs: 20 }, 250_000), [
    { t: 248_000, kind: "zt-path", direction: "home->mine", via: "relay", source: "relay" },
    { t: 248_010, kind: "zt-path", direction: "mine->home", via: "relay", source: "relay" },
  ]);
  t.deepEqual(
    pathEvents(reader, { now: now("relay"), changes: relayed, rootDelayMs: 20 }, 251_000),
    [],
    "nothing new",
  );
});

test("a numbering that went down is a restarted emulation: all its switches are new", (t) => {
  const reader: PathReader = { lastSeq: 7 };
  const out = pathEvents(
    reader,
    {
      now: now("relay"),
      changes: [{ seq: 1, at: 9, direction: "mine->home", via: "relay" }],
      rootDelayMs: 20,
    },
    10,
  );
  t.is(out.length, 1);
  t.is(reader.lastSeq, 1);
});
