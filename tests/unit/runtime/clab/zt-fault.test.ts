// The clab runtime's ZeroTier link faults: the nft scripts and counter parsing of the silent
// outage, what goes to which router, and the `containerlab tools netem` command lines. The nft
// scripts run for real inside router containers in tests/integration/runtime/clab/faults.test.ts.
import test from "ava";
import type { ExecOptions, ExecResult } from "../../../../lab/docker/containers.ts";
import { cutMacs, formatZtStatus, rootQdisc, ztStatus } from "../../../../lab/runtime/clab/link-status.ts";
import {
  cutCommand,
  cutTableScript,
  type ElementExec,
  mendCommand,
  netemArgv,
  netemResetArgv,
  parseDropCounter,
  removeScript,
  unsupportedImpairment,
  ZT_FAULT_TABLE,
  ztClear,
  ztCut,
  ztDropped,
  ztMend,
} from "../../../../lab/runtime/clab/zt-fault.ts";
import { LabError } from "../../../../lab/util/errors.ts";

const NFT_JSON = JSON.stringify({
  nftables: [
    { metainfo: { version: "1.0.6", release_name: "Lester Gooch #5", json_schema_version: 1 } },
    { table: { family: "netdev", name: "xsite_zt_fault", handle: 3 } },
    {
      chain: {
        family: "netdev",
        table: "xsite_zt_fault",
        name: "zt_in",
        handle: 1,
        type: "filter",
        hook: "ingress",
        prio: 0,
        policy: "accept",
      },
    },
    {
      rule: {
        family: "netdev",
        table: "xsite_zt_fault",
        chain: "zt_in",
        handle: 2,
        expr: [{ counter: { packets: 8, bytes: 440 } }, { drop: null }],
      },
    },
  ],
});

const NFT_TEXT = `table netdev xsite_zt_fault {
	chain zt_in {
		type filter hook ingress device "zt0" priority filter; policy accept;
		counter packets 8 bytes 440 drop
	}
}
`;

test("the outage table: a counted drop, on zt0's ingress hook, of frames from the set's MACs", (t) => {
  t.is(
    cutTableScript("zt0"),
    [
      "table netdev xsite_zt_fault {",
      "  set cut_from { type ether_addr; }",
      "  chain zt_in {",
      '    type filter hook ingress device "zt0" priority 0;',
      "    ether saddr @cut_from counter drop",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  t.is(cutTableScript(), cutTableScript("zt0"), "zt0 by default");
  t.regex(cutTableScript("eth1"), /device "eth1"/);
  for (const bad of ['zt0"; flush ruleset; "', "", "-zt0", "a".repeat(16), "zt 0"])
    t.throws(() => cutTableScript(bad), { instanceOf: LabError }, bad);
});

test("cut and mend commands: the MACs as arguments, never inside the script; a bad MAC is refused", (t) => {
  const cut = cutCommand(["02:00:00:00:00:01", "02:00:00:00:00:02"]);
  t.deepEqual(cut.slice(0, 2), ["sh", "-c"]);
  t.deepEqual(cut.slice(3), ["sh", "02:00:00:00:00:01, 02:00:00:00:00:02"]);
  t.regex(cut[2] ?? "", /nft list table netdev xsite_zt_fault .*\|\| nft -f -/);
  t.regex(cut[2] ?? "", /nft add element netdev xsite_zt_fault cut_from "\{ \$1 \}"/);
  const mend = mendCommand(["02:00:00:00:00:01"]);
  t.deepEqual(mend.slice(3), ["sh", "02:00:00:00:00:01"]);
  t.regex(mend[2] ?? "", /nft delete element netdev xsite_zt_fault cut_from/);
  t.regex(mend[2] ?? "", /\|\| nft delete table netdev xsite_zt_fault$/, "the table goes with the last cut");
  for (const bad of ["02:00:00:00:00", "02:00:00:00:00:01 }; flush ruleset; {", "", "ZZ:00:00:00:00:01"]) {
    t.throws(() => cutCommand([bad]), { instanceOf: LabError }, bad);
    t.throws(() => mendCommand([bad]), { instanceOf: LabError }, bad);
  }
});

test("the remove script is safe when no outage is installed", (t) => {
  t.is(removeScript(), "add table netdev xsite_zt_fault\ndelete table netdev xsite_zt_fault\n");
});

test("the drop counter from nft's JSON and from its text", (t) => {
  t.is(parseDropCounter(NFT_JSON), 8);
  t.is(parseDropCounter(NFT_TEXT), 8);
  t.is(parseDropCounter(NFT_TEXT.replace("packets 8 bytes 440", "packets 0 bytes 0")), 0);
  const two = JSON.parse(NFT_JSON) as { nftables: unknown[] };
  two.nftables.push({ rule: { expr: [{ counter: { packets: 5, bytes: 1 } }, { drop: null }] } });
  // A counter on a rule that does not drop is not a drop.
  two.nftables.push({ rule: { expr: [{ counter: { packets: 100, bytes: 1 } }, { accept: null }] } });
  t.is(parseDropCounter(JSON.stringify(two)), 13);
  t.throws(() => parseDropCounter('{"nftables": []}'), { message: /no counted drop rule/ });
  t.throws(() => parseDropCounter("{ not json"), { message: /not JSON/ });
  t.throws(() => parseDropCounter("table netdev x {}"), { message: /no counted drop rule/ });
});

/** Records execs per container and answers like nft. */
class FakeRouters implements ElementExec {
  calls: { element: string; argv: string[]; input?: string }[] = [];
  constructor(
    private readonly answer: (element: string, argv: string[]) => Partial<ExecResult> = () => ({}),
  ) {}
  async exec(element: string, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ element, argv, ...(opts?.input !== undefined ? { input: opts.input } : {}) });
    return { exitCode: 0, stdout: "", stderr: "", ...this.answer(element, argv) };
  }
}

test("ztCut and ztMend: the senders' MACs read once, each receiver gets only its senders'", async (t) => {
  const macs: Record<string, string> = {
    r1: "02:00:00:00:00:01",
    r2: "02:00:00:00:00:02",
    r3: "02:00:00:00:00:03",
  };
  const fake = new FakeRouters((element, argv) =>
    argv[0] === "cat" ? { stdout: `${macs[element]}\n` } : {},
  );
  await ztCut(fake, [
    { from: "r1", to: "r2" },
    { from: "r3", to: "r2" },
    { from: "r2", to: "r1" },
  ]);
  const reads = fake.calls.filter((c) => c.argv[0] === "cat");
  t.deepEqual(reads.map((c) => c.element).sort(), ["r1", "r2", "r3"]);
  t.deepEqual(reads[0]?.argv, ["cat", "/sys/class/net/zt0/address"]);
  const cuts = fake.calls.filter((c) => c.argv[0] === "sh");
  t.deepEqual(
    cuts.map((c) => [c.element, c.argv.at(-1), c.input]),
    [
      ["r2", "02:00:00:00:00:01, 02:00:00:00:00:03", cutTableScript()],
      ["r1", "02:00:00:00:00:02", cutTableScript()],
    ],
  );
  fake.calls = [];
  await ztMend(fake, [{ from: "r1", to: "r2" }]);
  t.deepEqual(
    fake.calls.filter((c) => c.argv[0] === "sh").map((c) => [c.element, c.argv.slice(3)]),
    [["r2", ["sh", "02:00:00:00:00:01"]]],
  );
  fake.calls = [];
  await ztClear(fake, ["r1", "r2"]);
  t.deepEqual(
    fake.calls.map((c) => [c.element, c.argv.join(" "), c.input]),
    [
      ["r1", "nft -f -", removeScript()],
      ["r2", "nft -f -", removeScript()],
    ],
  );
  fake.calls = [];
  await ztCut(fake, []);
  t.deepEqual(fake.calls, []);
});

test("a sender whose zt0 MAC cannot be read is named, and nothing is cut", async (t) => {
  const fake = new FakeRouters((element, argv) =>
    argv[0] === "cat"
      ? element === "r1"
        ? { exitCode: 1, stderr: "cat: /sys/class/net/zt0/address: No such file or directory" }
        : { stdout: "02:00:00:00:00:02\n" }
      : {},
  );
  await t.throwsAsync(ztCut(fake, [{ from: "r1", to: "r2" }]), {
    instanceOf: LabError,
    message: /reading zt0's MAC in r1: cat: .*No such file/,
  });
  t.false(fake.calls.some((c) => c.argv[0] === "sh"));
});

test("a failing nft names the router; a missing nft says to rebuild the image", async (t) => {
  const fake = new FakeRouters((element, argv) =>
    argv[0] === "cat"
      ? { stdout: element === "r1" ? "02:00:00:00:00:01\n" : "02:00:00:00:00:02\n" }
      : element === "r2"
        ? { exitCode: 1, stderr: "Error: Could not process rule: No such file or directory\n" }
        : {},
  );
  const both = [
    { from: "r1", to: "r2" },
    { from: "r2", to: "r1" },
  ];
  const err = await t.throwsAsync(ztCut(fake, both), { instanceOf: LabError });
  t.regex(err.message, /^installing the zt0 drop in r2: Error: Could not process rule/);
  t.is(err.hint, undefined);
  t.is(fake.calls.filter((c) => c.argv[0] === "sh").length, 2, "the other router was still attempted");
  // In sh -c, a missing nft is "not found" with 127.
  const noNft = new FakeRouters((_e, argv) =>
    argv[0] === "cat"
      ? { stdout: "02:00:00:00:00:01\n" }
      : { exitCode: 127, stderr: "sh: 1: nft: not found" },
  );
  const missing = await t.throwsAsync(ztMend(noNft, both), { instanceOf: LabError });
  t.regex(missing.hint ?? "", /lacks nftables/);
  const noExec = new FakeRouters(() => ({
    exitCode: 126,
    stdout: 'OCI runtime exec failed: exec: "nft": executable file not found in $PATH',
  }));
  t.regex(
    (await t.throwsAsync(ztClear(noExec, ["r1"]), { instanceOf: LabError })).hint ?? "",
    /lacks nftables/,
  );
});

test("ztDropped reads the counter; no table means nothing dropped", async (t) => {
  const fake = new FakeRouters(() => ({ stdout: NFT_JSON }));
  t.is(await ztDropped(fake, "r1"), 8);
  t.deepEqual(fake.calls[0]?.argv, ["nft", "-j", "list", "table", "netdev", ZT_FAULT_TABLE]);
  const none = new FakeRouters(() => ({
    exitCode: 1,
    stderr: "Error: No such file or directory\nlist table netdev xsite_zt_fault\n",
  }));
  t.is(await ztDropped(none, "r1"), 0);
  const broken = new FakeRouters(() => ({ exitCode: 1, stderr: "Error: Operation not permitted" }));
  await t.throwsAsync(ztDropped(broken, "r1"), {
    message: /reading the zt0 drop counter in r1: .*not permitted/,
  });
});

test("netem: delay, jitter, loss and rate as containerlab's flags take them", (t) => {
  t.deepEqual(
    netemArgv("clab-xsite-router-home", "zt0", { delayMs: 30, jitterMs: 5, lossPct: 2, rateKbit: 10_000 }),
    [
      ...["containerlab", "tools", "netem", "set", "-n", "clab-xsite-router-home", "-i", "zt0"],
      ...["--delay", "30ms", "--jitter", "5ms", "--loss", "2", "--rate", "10000"],
    ],
  );
  const base = ["containerlab", "tools", "netem", "set", "-n", "c", "-i", "zt0"];
  t.deepEqual(netemArgv("c", "zt0", {}), base, "nothing: a reset through set");
  t.deepEqual(netemArgv("c", "zt0", { delayMs: 0.5, jitterMs: 0.25 }), [
    ...base,
    ...["--delay", "500us", "--jitter", "250us"],
  ]);
  t.deepEqual(netemArgv("c", "zt0", { lossPct: 0.1 }), [...base, "--loss", "0.1"]);
  t.deepEqual(netemArgv("c", "zt0", { lossPct: 1e-9 }), base, "below netem's resolution");
  t.deepEqual(netemArgv("c", "zt0", { rateKbit: 1500.4 }), [...base, "--rate", "1500"]);
  t.deepEqual(netemArgv("c", "zt0", { rateKbit: null, lossPct: 0 }), base);
  // A partition of this direction is all of it lost.
  t.deepEqual(netemArgv("c", "zt0", { down: true, lossPct: 5 }), [...base, "--loss", "100"]);
  t.deepEqual(netemArgv("c", "zt0", { down: false, lossPct: 5 }), [...base, "--loss", "5"]);
  // Reordering is netem's own under jitter; the flag has nothing to add.
  t.deepEqual(netemArgv("c", "zt0", { reorder: true }), base);
  t.deepEqual(netemArgv("c", "zt0", { reorder: false, delayMs: 1, jitterMs: 1 }), [
    ...base,
    ...["--delay", "1ms", "--jitter", "1ms"],
  ]);
});

test("netem: what containerlab cannot express is named, and netemArgv refuses it", (t) => {
  const burst = { pEnterBad: 5, pLeaveBad: 30, lossInBadPct: 50, lossInGoodPct: 0 };
  t.deepEqual(unsupportedImpairment({ delayMs: 30, jitterMs: 5, lossPct: 1, rateKbit: 512 }), []);
  t.deepEqual(unsupportedImpairment({ burst: null, duplicatePct: 0, reorder: true, down: true }), []);
  const why = unsupportedImpairment({ burst, duplicatePct: 1, jitterMs: 5, rateKbit: 0.4 });
  t.is(why.length, 4);
  t.regex(why[0] ?? "", /^burst: .*Gilbert-Elliott/);
  t.regex(why[1] ?? "", /^duplicatePct: /);
  t.regex(why[2] ?? "", /^jitterMs without delayMs/);
  t.regex(why[3] ?? "", /^rateKbit 0\.4: /);
  // Invalid impairments are reported as such (the scenario loader normally catches them first).
  t.regex(unsupportedImpairment({ lossPct: 120 }).join(), /lossPct/);
  t.regex(unsupportedImpairment({ corrupt: 1 } as never).join(), /unknown field "corrupt"/);

  const err = t.throws(() => netemArgv("c", "zt0", { burst }), { instanceOf: LabError });
  t.regex(err.message, /^containerlab tools netem cannot apply this impairment: burst/);
  t.throws(() => netemArgv("c", "zt0", { duplicatePct: 2, delayMs: 10 }), { message: /duplicatePct/ });
});

test("netem: names that could pass for flags are refused; reset", (t) => {
  t.throws(() => netemArgv("--help", "zt0", {}), { instanceOf: LabError });
  t.throws(() => netemArgv("c", "-zt0", {}), { instanceOf: LabError });
  t.deepEqual(netemResetArgv("clab-xsite-router-mine", "zt0"), [
    ...["containerlab", "tools", "netem", "reset"],
    ...["-n", "clab-xsite-router-mine", "-i", "zt0"],
  ]);
  t.throws(() => netemResetArgv("", "zt0"), { instanceOf: LabError });
});

test("rootQdisc: the root line of `tc qdisc show` as this machine's tc prints it, netem included", (t) => {
  t.is(rootQdisc("qdisc noqueue 0: root refcnt 2 \n"), "noqueue");
  t.is(
    rootQdisc("qdisc tbf 8001: root refcnt 2 rate 1Mbit burst 4Kb lat 400ms \n"),
    "tbf rate 1Mbit burst 4Kb lat 400ms",
  );
  // netem's line as iproute2 6.1 prints it (this kernel has no netem to produce it live).
  t.is(
    rootQdisc("qdisc netem 8002: root refcnt 2 limit 1000 delay 40ms  10ms loss 2%\n"),
    "netem limit 1000 delay 40ms 10ms loss 2%",
  );
  t.is(rootQdisc(""), "");
});

test("link zt show on clab: the senders each end drops, by router name where a MAC is known", async (t) => {
  t.deepEqual(cutMacs("table netdev x {\n\tset cut_from {\n\t\ttype ether_addr\n\t}\n}"), []);
  const macs: Record<string, string> = { r1: "02:00:00:00:00:01", r2: "02:00:00:00:00:02" };
  const listing = `table netdev xsite_zt_fault {
\tset cut_from {
\t\ttype ether_addr
\t\telements = { 02:00:00:00:00:01, 02:00:00:00:00:09 }
\t}
\tchain zt_in {
\t\ttype filter hook ingress device "zt0" priority filter; policy accept;
\t\tether saddr @cut_from counter packets 8 bytes 440 drop
\t}
}
`;
  const fake = new FakeRouters((element, argv) =>
    argv[0] === "cat"
      ? { stdout: `${macs[element]}\n` }
      : argv[0] === "tc"
        ? { stdout: "qdisc noqueue 0: root refcnt 2 \n" }
        : argv.includes("-j")
          ? { stdout: listing }
          : element === "r2"
            ? { stdout: listing }
            : { exitCode: 1, stderr: "Error: No such file or directory" },
  );
  const ends = await ztStatus(fake, ["r1", "r2"]);
  t.deepEqual(
    ends.map((e) => [e.router, e.dropping, e.cutFrom, e.dropped]),
    [
      ["r1", false, [], 0],
      ["r2", true, ["r1", "02:00:00:00:00:09"], 8],
    ],
  );
  t.regex(formatZtStatus(ends), /r2\s+DROPPING from r1, 02:00:00:00:00:09\s+8\s+noqueue/);
  t.regex(formatZtStatus(ends), /r1\s+passing\s+0/);
});
