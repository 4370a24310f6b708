import test from "ava";
import { type ImpairmentArgs, parseImpairmentArgs } from "../../../../lab/emulate/zerotier/args.ts";
import { parseRelayMainArgs } from "../../../../lab/emulate/zerotier/main-args.ts";
import { LabError, UsageError } from "../../../../lab/util/errors.ts";

const SITES = ["home", "mine"];
const words = (line: string) => (line === "" ? [] : line.split(" "));

const good: [string, ImpairmentArgs][] = [
  ["", { direction: "both", impairment: {} }],
  ["--delay 30ms --jitter 5ms", { direction: "both", impairment: { delayMs: 30, jitterMs: 5 } }],
  ["--delay 1.5s", { direction: "both", impairment: { delayMs: 1500 } }],
  ["--delay 500us", { direction: "both", impairment: { delayMs: 0.5 } }],
  ["--delay 0", { direction: "both", impairment: { delayMs: 0 } }],
  ["--delay=30ms", { direction: "both", impairment: { delayMs: 30 } }],
  ["--loss 1%", { direction: "both", impairment: { lossPct: 1 } }],
  ["--loss 0.5", { direction: "both", impairment: { lossPct: 0.5 } }],
  ["--loss 100%", { direction: "both", impairment: { lossPct: 100 } }],
  ["--duplicate .5%", { direction: "both", impairment: { duplicatePct: 0.5 } }],
  [
    "--burst 5%,30%,50%",
    {
      direction: "both",
      impairment: { burst: { pEnterBad: 5, pLeaveBad: 30, lossInBadPct: 50, lossInGoodPct: 0 } },
    },
  ],
  [
    "--burst 5,30,50,1",
    {
      direction: "both",
      impairment: { burst: { pEnterBad: 5, pLeaveBad: 30, lossInBadPct: 50, lossInGoodPct: 1 } },
    },
  ],
  ["--burst off", { direction: "both", impairment: { burst: null } }],
  ["--rate 10mbit", { direction: "both", impairment: { rateKbit: 10_000 } }],
  ["--rate 512kbit", { direction: "both", impairment: { rateKbit: 512 } }],
  ["--rate 1Gbit", { direction: "both", impairment: { rateKbit: 1_000_000 } }],
  ["--rate off", { direction: "both", impairment: { rateKbit: null } }],
  ["--reorder", { direction: "both", impairment: { reorder: true } }],
  ["--no-reorder", { direction: "both", impairment: { reorder: false } }],
  ["--direction home->mine --loss 2%", { direction: "home->mine", impairment: { lossPct: 2 } }],
  ["--direction mine->home", { direction: "mine->home", impairment: {} }],
  ["--direction both", { direction: "both", impairment: {} }],
];

for (const [line, expected] of good) {
  test(`parses: ${line || "(nothing)"}`, (t) => {
    t.deepEqual(parseImpairmentArgs(words(line), SITES), expected);
  });
}

const bad: [string, string][] = [
  ["--delay 30", '--delay "30": not a time; use a number with ms, s or us (example: --delay 30ms)'],
  ["--delay -5ms", '--delay "-5ms": not a time; use a number with ms, s or us (example: --delay 30ms)'],
  ["--jitter 5 ms", '--jitter "5": not a time; use a number with ms, s or us (example: --jitter 5ms)'],
  ["--delay 90s", '--delay "90s": more than the maximum of 60s (example: --delay 30ms)'],
  ["--delay", "--delay needs a value (example: --delay 30ms)"],
  ["--delay --loss 1%", "--delay needs a value (example: --delay 30ms)"],
  ["--loss 150%", '--loss "150%": not a percentage from 0 to 100 (example: --loss 1%)'],
  ["--loss 1%%", '--loss "1%%": not a percentage from 0 to 100 (example: --loss 1%)'],
  ["--loss -1", '--loss "-1": not a percentage from 0 to 100 (example: --loss 1%)'],
  ["--duplicate lots", '--duplicate "lots": not a percentage from 0 to 100 (example: --duplicate 0.5%)'],
  [
    "--burst 5%,30%",
    '--burst "5%,30%": not a burst; use p,r,loss-in-bad[,loss-in-good] percentages from 0 to 100, or off (example: --burst 5%,30%,50%)',
  ],
  [
    "--burst 5%,300%,50%",
    '--burst "5%,300%,50%": not a burst; use p,r,loss-in-bad[,loss-in-good] percentages from 0 to 100, or off (example: --burst 5%,30%,50%)',
  ],
  [
    "--rate 10mb",
    '--rate "10mb": not a rate; use a number with kbit, mbit or gbit, or off (example: --rate 10mbit)',
  ],
  [
    "--rate 10",
    '--rate "10": not a rate; use a number with kbit, mbit or gbit, or off (example: --rate 10mbit)',
  ],
  ["--rate 0mbit", '--rate "0mbit": a rate must be above 0; use off for no limit (example: --rate 10mbit)'],
  ["--rate 200gbit", '--rate "200gbit": more than the maximum of 100gbit (example: --rate 10mbit)'],
  [
    "--direction home->home",
    '--direction "home->home": not a direction; use both, home->mine or mine->home (example: --direction home->mine)',
  ],
  [
    "--direction home",
    '--direction "home": not a direction; use both, home->mine or mine->home (example: --direction home->mine)',
  ],
  ["--reorder=yes", "--reorder takes no value (example: --reorder)"],
  ["--delay 1ms --delay 2ms", "--delay given more than once (example: --delay 30ms)"],
  [
    "--latency 30ms",
    'unknown flag "--latency": known flags are --delay, --jitter, --loss, --burst, --rate, --duplicate, --reorder, --no-reorder, --direction (example: --delay 30ms)',
  ],
  ["30ms", 'unexpected argument "30ms": flags start with -- (example: --delay 30ms)'],
];

for (const [line, message] of bad) {
  test(`refuses: ${line}`, (t) => {
    const err = t.throws(() => parseImpairmentArgs(words(line), SITES), { instanceOf: UsageError, message });
    t.is(err?.name, "UsageError");
    // The lab's one UsageError: no hint, so `lab link` prints the message alone and exits 2.
    t.true(err instanceof LabError);
    t.is(err?.hint, undefined);
  });
}

test("directions come from the endpoint names given", (t) => {
  const names = ["a", "b", "c"];
  t.is(parseImpairmentArgs(["--direction", "c->a"], names).direction, "c->a");
  t.throws(() => parseImpairmentArgs(["--direction", "home->mine"], names), {
    message:
      '--direction "home->mine": not a direction; use both, a->b, a->c, b->a, b->c, c->a or c->b (example: --direction a->b)',
  });
});

const MAIN = "--bind 10.0.0.1 --endpoint home=10.0.0.2 --endpoint mine=10.0.0.6 --control /run/relay.sock";

test("relay-main: the lab's command line", (t) => {
  t.deepEqual(parseRelayMainArgs(words(`${MAIN} --port 9993 --seed 7 --root-fd 3`)), {
    bind: "10.0.0.1",
    port: 9993,
    peerPort: 9993,
    endpoints: [
      { name: "home", address: "10.0.0.2" },
      { name: "mine", address: "10.0.0.6" },
    ],
    control: "/run/relay.sock",
    seed: 7,
    baseline: [],
    rootFd: 3,
    help: false,
  });
  const defaults = parseRelayMainArgs(words(MAIN));
  t.is(defaults.port, 9993);
  t.is(defaults.seed, undefined);
  t.is(defaults.rootFd, undefined, "the root binds beside the relay");
  t.is(parseRelayMainArgs(words(`${MAIN} --port 0 --peer-port 4000`)).peerPort, 4000);
  t.true(parseRelayMainArgs(["--help"]).help);
  // The topology's path per direction, as `up` passes it.
  t.deepEqual(
    parseRelayMainArgs([...words(MAIN), "--path", 'home->mine={"delayMs":10,"jitterMs":1}']).baseline,
    [{ direction: "home->mine", impairment: { delayMs: 10, jitterMs: 1 } }],
  );
  t.throws(() => parseRelayMainArgs([...words(MAIN), "--path", "home->mine=10ms"]), {
    message: /^--path "home->mine=10ms": not FROM->TO=JSON \(example: --path home->mine=/,
  });
});

const badMain: [string, string][] = [
  [
    "--endpoint home=10.0.0.2 --endpoint mine=10.0.0.6 --control /s",
    "--bind is required (example: --bind 10.0.0.1)",
  ],
  [
    "--bind 10.0.0.1 --endpoint home=10.0.0.2 --control /s",
    "--endpoint needs to be given at least twice, got 1 (example: --endpoint home=10.0.0.2 --endpoint mine=10.0.0.6)",
  ],
  [`${MAIN} --port 99999`, '--port "99999": not a whole number from 0 to 65535 (example: --port 9993)'],
  [`${MAIN} --port 0`, "--port 0 needs --peer-port (example: --peer-port 9993)"],
  [`${MAIN} --seed -1`, '--seed "-1": not a whole number from 0 to 4294967295 (example: --seed 42)'],
  [`${MAIN} --bind 10.0.0.9`, "--bind given more than once (example: --bind 10.0.0.1)"],
  [`${MAIN} --root-fd 1`, '--root-fd "1": not a whole number from 3 to 65535 (example: --root-fd 3)'],
  [
    "--bind 10.0.0.1 --endpoint home:10.0.0.2",
    '--endpoint "home:10.0.0.2": not NAME=IP (example: --endpoint home=10.0.0.2)',
  ],
  [`${MAIN} --control`, "--control needs a value (example: --control /run/lab/relay.sock)"],
];

for (const [line, message] of badMain) {
  test(`relay-main refuses: ${line}`, (t) => {
    t.throws(() => parseRelayMainArgs(words(line)), { instanceOf: UsageError, message });
  });
}

test("relay-main: unknown flags show the usage", (t) => {
  t.throws(() => parseRelayMainArgs(["--bnid", "x"]), {
    message: /^unknown argument "--bnid".*\nusage: relay-main/s,
  });
});
