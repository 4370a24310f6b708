import test from "ava";
import { describePrune, staleTags } from "../../../lab/runner/image-prune.ts";

const REPOS = ["xsite/runner", "xsite/runner-base"];

test("staleTags: every tag of the runner's repositories but the kept ones", (t) => {
  const tags = [
    "xsite/runner:aaaaaaaaaaaa",
    "xsite/runner:bbbbbbbbbbbb",
    "xsite/runner-base:111111111111",
    "xsite/runner-base:222222222222",
    "xsite/router:1.0",
    "localhost:5000/xsite/runner:cccc",
  ];
  t.deepEqual(staleTags(tags, REPOS, ["xsite/runner:bbbbbbbbbbbb", "xsite/runner-base:222222222222"]), [
    "xsite/runner:aaaaaaaaaaaa",
    "xsite/runner-base:111111111111",
  ]);
});

test("staleTags: an untagged image (<none>:<none>) or a repository prefix is not the runner's", (t) => {
  t.deepEqual(staleTags(["<none>:<none>", "xsite/runner-basement:1", "xsite/run:1"], REPOS, []), []);
});

test("describePrune: sizes in MiB, images kept in use, failures; nothing to say when nothing was stale", (t) => {
  t.is(describePrune({ removed: [], inUse: [], failed: [] }), undefined);
  t.is(
    describePrune({
      removed: [
        { tag: "xsite/runner:a", bytes: 300 * 2 ** 20 },
        { tag: "xsite/runner-base:b", bytes: 100 * 2 ** 20 },
      ],
      inUse: ["xsite/runner:c"],
      failed: [{ tag: "xsite/runner:d", why: "engine busy" }],
    }),
    "removed 2 older image(s), 400 MiB: xsite/runner:a, xsite/runner-base:b; kept xsite/runner:c (a container uses it); could not remove xsite/runner:d: engine busy",
  );
});
