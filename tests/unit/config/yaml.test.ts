import test from "ava";
import {
  joinPath,
  MAX_YAML_BYTES,
  MAX_YAML_VALUES,
  parseYamlDocuments,
  positionOf,
  type YamlDocument,
  YamlSyntaxError,
} from "../../../lab/config/yaml.ts";

const FILE = "/cfg/t.yaml";

function one(text: string): YamlDocument {
  const docs = parseYamlDocuments(text, FILE);
  if (docs.length !== 1) throw new Error(`expected one document, got ${docs.length}`);
  return docs[0] as YamlDocument;
}

/** "line:col" of every mapped path, for compact assertions. */
function table(doc: YamlDocument): Record<string, string> {
  return Object.fromEntries([...doc.positions].map(([path, ref]) => [path, `${ref.line}:${ref.col}`]));
}

function syntaxError(t: import("ava").ExecutionContext, text: string): YamlSyntaxError {
  const err = t.throws(() => parseYamlDocuments(text, FILE), { instanceOf: YamlSyntaxError });
  if (!err) throw new Error("unreachable");
  return err as YamlSyntaxError;
}

test("nested block maps and lists: values and keys have their own positions", (t) => {
  const doc = one(
    [
      "routers:",
      "  - name: router-home",
      "    asn: 64515",
      "  - name: router-mine",
      "    asn: 64513",
      "",
    ].join("\n"),
  );
  t.deepEqual(table(doc), {
    "": "1:1",
    "routers#key": "1:1",
    routers: "2:3",
    "routers[0]": "2:5",
    "routers[0].name#key": "2:5",
    "routers[0].name": "2:11",
    "routers[0].asn#key": "3:5",
    "routers[0].asn": "3:10",
    "routers[1]": "4:5",
    "routers[1].name#key": "4:5",
    "routers[1].name": "4:11",
    "routers[1].asn#key": "5:5",
    "routers[1].asn": "5:10",
  });
  t.deepEqual(doc.value, {
    routers: [
      { name: "router-home", asn: 64515 },
      { name: "router-mine", asn: 64513 },
    ],
  });
});

test("a list written at the same indentation as its key", (t) => {
  const doc = one("list:\n- a\n-   b\n");
  t.like(table(doc), { list: "2:1", "list[0]": "2:3", "list[1]": "3:5" });
});

test("flow collections: every element and key inside brackets and braces", (t) => {
  const doc = one('a: [1, {q: 2}]\nc: {d: e, "f g": h}\n');
  t.deepEqual(table(doc), {
    "": "1:1",
    "a#key": "1:1",
    a: "1:4",
    "a[0]": "1:5",
    "a[1]": "1:8",
    "a[1].q#key": "1:9",
    "a[1].q": "1:12",
    "c#key": "2:1",
    c: "2:4",
    "c.d#key": "2:5",
    "c.d": "2:8",
    'c."f g"#key': "2:11",
    'c."f g"': "2:18",
  });
});

test("comments and blank lines before a value are skipped", (t) => {
  const doc = one(
    "# header\n\nname: xsite   # trailing\ncluster:\n  # explains podCIDR\n\n  podCIDR: 10.42.0.0/16\n",
  );
  t.like(table(doc), {
    "": "3:1",
    "name#key": "3:1",
    name: "3:7",
    cluster: "7:3",
    "cluster.podCIDR#key": "7:3",
    "cluster.podCIDR": "7:12",
  });
  t.deepEqual(doc.start, { file: FILE, line: 3, col: 1 });
});

test("an empty value points at its own line, not at the next key", (t) => {
  const doc = one("empty:\nnext: 1\nlast:\n");
  t.like(table(doc), { "empty#key": "1:1", empty: "1:7", "next#key": "2:1", next: "2:7", last: "3:6" });
  t.deepEqual(doc.value, { empty: null, next: 1, last: null });
  // explicit nulls are ordinary scalars
  t.like(table(one("a: ~\nb: null\n")), { a: "1:4", b: "2:4" });
});

test("block scalars, quoted and complex keys, anchors and aliases", (t) => {
  const doc = one('block: |\n  text\n  more\n"quoted key": 3\n? complex\n: 4\nanch: &x {a: 1}\nali: *x\n');
  t.like(table(doc), {
    block: "1:8",
    '"quoted key"#key': "4:1",
    '"quoted key"': "4:15",
    "complex#key": "5:3",
    complex: "6:3",
    anch: "7:7",
    "anch.a": "7:14",
    ali: "8:6",
  });
  t.deepEqual((doc.value as { ali: unknown }).ali, { a: 1 });
});

test("multiple documents: positions per document, counted in the whole file", (t) => {
  const docs = parseYamlDocuments("# head\n---\na: 1\n---\n# c\n- 1\n- 2\n...\n", FILE);
  t.is(docs.length, 2);
  t.deepEqual(docs[0]?.value, { a: 1 });
  t.deepEqual(docs[0]?.start, { file: FILE, line: 3, col: 1 });
  t.like(table(docs[0] as YamlDocument), { a: "3:4" });
  t.deepEqual(docs[1]?.value, [1, 2]);
  t.deepEqual(docs[1]?.start, { file: FILE, line: 6, col: 1 });
  t.like(table(docs[1] as YamlDocument), { "[0]": "6:3", "[1]": "7:3" });
});

test("an empty file has no documents; a comment-only file one null document", (t) => {
  t.deepEqual(parseYamlDocuments("", FILE), []);
  const docs = parseYamlDocuments("# nothing\n", FILE);
  t.is(docs.length, 1);
  t.is(docs[0]?.value, null);
});

test("positionOf: key positions on request, nearest ancestor for unknown paths", (t) => {
  const doc = one("nodes:\n  - name: a\n    labels:\n      node-type: remote\n");
  t.deepEqual(positionOf(doc, "nodes[0].name"), { file: FILE, line: 2, col: 11 });
  t.deepEqual(positionOf(doc, "nodes[0].name", true), { file: FILE, line: 2, col: 5 });
  // no "#key" entry for list items: falls back to the value
  t.deepEqual(positionOf(doc, "nodes[0]", true), { file: FILE, line: 2, col: 5 });
  // missing leaf -> its mapping; missing index -> the list; quoted segment -> its parent
  t.deepEqual(positionOf(doc, "nodes[0].role"), { file: FILE, line: 2, col: 5 });
  t.deepEqual(positionOf(doc, "nodes[7].name"), { file: FILE, line: 2, col: 3 });
  t.deepEqual(positionOf(doc, 'nodes[0].labels."a/b"'), { file: FILE, line: 4, col: 7 });
  t.deepEqual(positionOf(doc, "nodes[0].labels.node-type"), { file: FILE, line: 4, col: 18 });
  t.deepEqual(positionOf(doc, "nope.deeper[3]"), { file: FILE, line: 1, col: 1 });
});

test("joinPath quotes keys that are not identifiers", (t) => {
  t.is(joinPath("", "routers"), "routers");
  t.is(joinPath("a", "node-type"), "a.node-type");
  t.is(joinPath("a", "kubernetes.io/hostname"), 'a."kubernetes.io/hostname"');
  t.is(joinPath("a", "f g"), 'a."f g"');
  t.is(joinPath("a", "1x"), 'a."1x"');
});

test("syntax errors carry the line and column js-yaml reports", (t) => {
  const cases: [string, number, number, RegExp][] = [
    ["a: 1\na: 2\n", 2, 1, /duplicated mapping key/],
    ["a:\n  - x\n - y\n", 3, 2, /bad indentation of a mapping entry/],
    ["a: 1\n  b: 2\n", 2, 4, /bad indentation of a mapping entry/],
    ["a: [1, 2\nb: 3\n", 2, 1, /missed comma between flow collection entries/],
    ['a: "abc\nb: 1\n', 3, 1, /unexpected end of the stream within a double quoted scalar/],
    ["a: *nope\n", 1, 9, /unidentified alias "nope"/],
    ["a: !custom x\n", 1, 13, /unknown tag/],
  ];
  for (const [text, line, col, reason] of cases) {
    const err = syntaxError(t, text);
    t.deepEqual(err.where, { file: FILE, line, col }, JSON.stringify(text));
    t.regex(err.reason, /^YAML syntax error: /);
    t.regex(err.reason, reason);
    t.is(err.message, `${FILE}:${line}:${col}: ${err.reason}`);
  }
});

test("a file over the size limit is refused before parsing, counted in bytes", (t) => {
  const big = `a: "${"x".repeat(MAX_YAML_BYTES)}"\n`;
  const err = syntaxError(t, big);
  t.deepEqual(err.where, { file: FILE, line: 1, col: 1 });
  t.is(err.reason, `file is larger than ${MAX_YAML_BYTES} bytes`);
  // 0.6 M two-byte characters: under the limit in characters, over it in bytes
  const wide = `a: "${"é".repeat(Math.ceil(MAX_YAML_BYTES * 0.6))}"\n`;
  t.true(wide.length < MAX_YAML_BYTES);
  t.is(syntaxError(t, wide).reason, `file is larger than ${MAX_YAML_BYTES} bytes`);
  // just under the limit parses
  const fits = `a: "${"x".repeat(MAX_YAML_BYTES - 10)}"\n`;
  t.is((one(fits).value as { a: string }).a.length, MAX_YAML_BYTES - 10);
});

/** "Billion laughs": `levels` anchors, each a list of ten aliases of the previous one. */
function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\n`;
}

test("an alias bomb is refused quickly instead of being walked", (t) => {
  // 10^10 values once expanded: walking them would outlast ava's timeout.
  const err = syntaxError(t, aliasBomb(10));
  t.deepEqual(err.where, { file: FILE, line: 1, col: 1 });
  t.regex(err.reason, new RegExp(`more than ${MAX_YAML_VALUES} values once its aliases are expanded`));
  t.truthy(err.hint);
});

test("a recursive alias (a cycle) is refused instead of looping", (t) => {
  const err = syntaxError(t, "x: 1\na: &a [1, *a]\n");
  t.regex(err.reason, /aliases are expanded/);
});

test("modest alias use still parses, and its positions stay small", (t) => {
  const doc = one(aliasBomb(4)); // 10^4 values expanded: fine
  t.is(((doc.value as Record<string, unknown[]>).a3 as unknown[]).length, 10);
  t.true(doc.positions.size < 100, "aliases are not expanded in the position map");
});

test("the limit counts every value of one document, not of the file", (t) => {
  const half = aliasBomb(5).replace(/a(\d)/g, "b$1"); // 10^5 + change: over the limit alone
  t.throws(() => parseYamlDocuments(half, FILE), { instanceOf: YamlSyntaxError });
  const ok = `${aliasBomb(4)}---\n${aliasBomb(4)}`;
  t.is(parseYamlDocuments(ok, FILE).length, 2);
});
