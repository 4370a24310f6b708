import test from "ava";
import { type LabelSelector, matchesSelector, selectorProblems } from "../../../lab/cilium/selector.ts";

const remote = { "node-type": "remote" };
const local = { "node-type": "local", zone: "mine" };
const none = {};

type Row = [
  description: string,
  selector: LabelSelector | null | undefined,
  labels: object,
  expected: boolean,
];

// Kubernetes metav1.LabelSelector semantics, as Cilium applies them to nodeSelector.
const rows: Row[] = [
  ["nil selector matches a labelled node", undefined, remote, true],
  ["null selector matches a node without labels", null, none, true],
  ["empty selector {} matches everything", {}, remote, true],
  [
    "empty matchLabels and matchExpressions match everything",
    { matchLabels: {}, matchExpressions: [] },
    none,
    true,
  ],
  ["matchLabels equal value", { matchLabels: { "node-type": "remote" } }, remote, true],
  ["matchLabels other value", { matchLabels: { "node-type": "remote" } }, local, false],
  ["matchLabels missing key", { matchLabels: { "node-type": "remote" } }, none, false],
  [
    "matchLabels: every pair must hold",
    { matchLabels: { "node-type": "local", zone: "home" } },
    local,
    false,
  ],
  ["matchLabels: all pairs hold", { matchLabels: { "node-type": "local", zone: "mine" } }, local, true],
  ["matchLabels value is case sensitive", { matchLabels: { "node-type": "Remote" } }, remote, false],
  ["matchLabels empty value does not match a missing key", { matchLabels: { "node-type": "" } }, none, false],
  [
    "matchLabels empty value matches an empty label",
    { matchLabels: { "node-type": "" } },
    { "node-type": "" },
    true,
  ],
  [
    "matchLabels key from Object.prototype is not a label",
    { matchLabels: { constructor: "x" } },
    none,
    false,
  ],
  [
    "In: value listed",
    { matchExpressions: [{ key: "node-type", operator: "In", values: ["remote", "x"] }] },
    remote,
    true,
  ],
  [
    "In: value not listed",
    { matchExpressions: [{ key: "node-type", operator: "In", values: ["x"] }] },
    remote,
    false,
  ],
  [
    "In: node without the key",
    { matchExpressions: [{ key: "node-type", operator: "In", values: ["remote"] }] },
    none,
    false,
  ],
  [
    "In: empty values never match",
    { matchExpressions: [{ key: "node-type", operator: "In", values: [] }] },
    remote,
    false,
  ],
  [
    "NotIn: value listed",
    { matchExpressions: [{ key: "node-type", operator: "NotIn", values: ["remote"] }] },
    remote,
    false,
  ],
  [
    "NotIn: other value",
    { matchExpressions: [{ key: "node-type", operator: "NotIn", values: ["remote"] }] },
    local,
    true,
  ],
  [
    "NotIn: a node WITHOUT the key matches (the seed's mine-site selector)",
    { matchExpressions: [{ key: "node-type", operator: "NotIn", values: ["remote"] }] },
    none,
    true,
  ],
  ["Exists: key present", { matchExpressions: [{ key: "node-type", operator: "Exists" }] }, remote, true],
  [
    "Exists: key present with empty value",
    { matchExpressions: [{ key: "zone", operator: "Exists" }] },
    { zone: "" },
    true,
  ],
  ["Exists: key absent", { matchExpressions: [{ key: "node-type", operator: "Exists" }] }, none, false],
  [
    "DoesNotExist: key absent",
    { matchExpressions: [{ key: "node-type", operator: "DoesNotExist" }] },
    none,
    true,
  ],
  [
    "DoesNotExist: key present",
    { matchExpressions: [{ key: "node-type", operator: "DoesNotExist" }] },
    remote,
    false,
  ],
  [
    "DoesNotExist: a key inherited from Object.prototype does not exist",
    { matchExpressions: [{ key: "toString", operator: "DoesNotExist" }] },
    none,
    true,
  ],
  [
    "expressions are ANDed",
    {
      matchExpressions: [
        { key: "node-type", operator: "In", values: ["local"] },
        { key: "zone", operator: "NotIn", values: ["mine"] },
      ],
    },
    local,
    false,
  ],
  [
    "matchLabels AND matchExpressions: both hold",
    {
      matchLabels: { zone: "mine" },
      matchExpressions: [{ key: "node-type", operator: "NotIn", values: ["remote"] }],
    },
    local,
    true,
  ],
  [
    "matchLabels AND matchExpressions: labels fail",
    {
      matchLabels: { zone: "home" },
      matchExpressions: [{ key: "node-type", operator: "NotIn", values: ["remote"] }],
    },
    local,
    false,
  ],
  [
    "matchLabels AND matchExpressions: expression fails",
    { matchLabels: { zone: "mine" }, matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] },
    local,
    false,
  ],
  [
    "unknown operator never matches",
    { matchExpressions: [{ key: "node-type", operator: "Gt" as "In", values: ["1"] }] },
    remote,
    false,
  ],
];

const selects = test.macro({
  exec(t, selector: LabelSelector | null | undefined, labels: object, expected: boolean) {
    t.is(matchesSelector(selector, labels as Record<string, string>), expected);
  },
  title: (provided = "") => `matchesSelector: ${provided}`,
});

for (const [description, selector, labels, expected] of rows) {
  test(description, selects, selector, labels, expected);
}

test("the seed's two ClusterConfig selectors split the nodes by the remote label", (t) => {
  const mine: LabelSelector = {
    matchExpressions: [{ key: "node-type", operator: "NotIn", values: ["remote"] }],
  };
  const home: LabelSelector = { matchLabels: { "node-type": "remote" } };
  for (const labels of [remote, local, none, { other: "x" }]) {
    t.is(
      Number(matchesSelector(mine, labels)) + Number(matchesSelector(home, labels)),
      1,
      `exactly one selector for ${JSON.stringify(labels)}`,
    );
  }
});

test("selectorProblems: what the Kubernetes API would reject", (t) => {
  t.deepEqual(selectorProblems(undefined), []);
  t.deepEqual(selectorProblems({}), []);
  t.deepEqual(
    selectorProblems({
      matchExpressions: [
        { key: "a", operator: "In", values: ["x"] },
        { key: "b", operator: "In" },
        { key: "c", operator: "NotIn", values: [] },
        { key: "d", operator: "Exists", values: ["x"] },
        { key: "e", operator: "DoesNotExist" },
        { key: "f", operator: "DoesNotExist", values: ["y"] },
      ],
    }),
    [
      { index: 1, message: "operator In needs at least one value" },
      { index: 2, message: "operator NotIn needs at least one value" },
      { index: 3, message: "operator Exists takes no values" },
      { index: 5, message: "operator DoesNotExist takes no values" },
    ],
  );
});
