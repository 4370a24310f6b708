import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import {
  handleControlRequest,
  RelayControlServer,
  relayRequest,
} from "../../../../lab/emulate/zerotier/control.ts";
import { ZerotierRelay } from "../../../../lab/emulate/zerotier/relay.ts";

/** A relay that is never started: the control plane does not need its socket. */
function relay(): ZerotierRelay {
  return new ZerotierRelay({
    bindAddress: "127.0.0.1",
    endpoints: [
      { name: "home", address: "127.0.0.2" },
      { name: "mine", address: "127.0.0.3" },
    ],
    seed: 5,
  });
}

function tempSocket(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zt-control-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "relay.sock");
}

async function serve(t: ExecutionContext, path: string, r = relay()): Promise<RelayControlServer> {
  const server = new RelayControlServer(path, r);
  t.teardown(() => server.close());
  await server.listen();
  return server;
}

function imp(reply: ReturnType<typeof handleControlRequest>, dir: string) {
  if (!reply.ok) throw new Error(reply.error);
  return reply.status.directions.find((d) => d.direction === dir)?.impairment;
}

test("requests map onto the relay; every reply carries the status", (t) => {
  const r = relay();
  const shown = handleControlRequest(r, { op: "show" });
  t.true(shown.ok);
  t.is(shown.ok && shown.status.seed, 5);

  const set = handleControlRequest(r, {
    op: "set",
    direction: "home->mine",
    impairment: { delayMs: 30, lossPct: 1 },
  });
  t.like(imp(set, "home->mine"), { delayMs: 30, lossPct: 1 });
  t.like(imp(set, "mine->home"), { delayMs: 0 });

  t.like(imp(handleControlRequest(r, { op: "down", direction: "mine->home" }), "mine->home"), { down: true });
  t.like(imp(handleControlRequest(r, { op: "down" }), "home->mine"), { down: true });
  t.like(imp(handleControlRequest(r, { op: "up", direction: "both" }), "home->mine"), { down: false });
  t.like(imp(handleControlRequest(r, { op: "reset" }), "home->mine"), { delayMs: 0, lossPct: 0 });
});

test("direct-down, direct-up and root act on the relay's paths", (t) => {
  const r = relay();
  const path = (reply: ReturnType<typeof handleControlRequest>, dir: string) =>
    reply.ok ? reply.status.directions.find((d) => d.direction === dir)?.path : undefined;
  t.like(path(handleControlRequest(r, { op: "direct-down", direction: "home->mine" }), "home->mine"), {
    directWorks: false,
  });
  t.like(path(handleControlRequest(r, { op: "direct-up" }), "home->mine"), { directWorks: true });
  const root = handleControlRequest(r, { op: "root", delayMs: 35 });
  t.is(root.ok && root.status.rootDelayMs, 35);
  t.deepEqual(handleControlRequest(r, { op: "root", delayMs: -1 }), {
    ok: false,
    error: "root delay -1 ms: expected 0 to 60000",
  });
  t.deepEqual(handleControlRequest(r, { op: "root" }), {
    ok: false,
    error: '"root" needs "delayMs", e.g. {"op":"root","delayMs":20}',
  });
});

const refused: [string, unknown, string][] = [
  [
    "not an object",
    [1],
    'request must be a JSON object with "op" (one of show, set, down, up, reset, direct-down, direct-up, root)',
  ],
  [
    "unknown op",
    { op: "explode" },
    'unknown op "explode": expected one of show, set, down, up, reset, direct-down, direct-up, root',
  ],
  ["set without direction", { op: "set", impairment: {} }, '"set" needs "direction" ("both" or like "a->b")'],
  [
    "set without impairment",
    { op: "set", direction: "both" },
    '"set" needs "impairment", e.g. {"delayMs":30}',
  ],
  [
    "bad impairment",
    { op: "set", direction: "both", impairment: { lossPct: "1%" } },
    'invalid impairment: lossPct must be a number, got "1%"',
  ],
  [
    "bad direction",
    { op: "down", direction: "a->b" },
    'unknown direction "a->b": expected both, home->mine, mine->home',
  ],
  ["direction not a string", { op: "up", direction: 3 }, '"direction" must be a string such as "both"'],
  ["counters not a boolean", { op: "reset", counters: "yes" }, '"counters" must be true or false'],
];

for (const [name, request, error] of refused) {
  test(`refused: ${name}`, (t) => {
    t.deepEqual(handleControlRequest(relay(), request), { ok: false, error });
  });
}

test("round trip over the unix socket", async (t) => {
  const path = tempSocket(t);
  await serve(t, path);
  const set = await relayRequest(path, {
    op: "set",
    direction: "both",
    impairment: { delayMs: 30, jitterMs: 5 },
  });
  t.true(set.ok);
  const shown = await relayRequest(path, { op: "show" });
  t.deepEqual(
    shown.status.directions.map((d) => [d.direction, d.impairment.delayMs, d.impairment.jitterMs]),
    [
      ["home->mine", 30, 5],
      ["mine->home", 30, 5],
    ],
  );
  await t.throwsAsync(relayRequest(path, { op: "set", direction: "both", impairment: { lossPct: 101 } }), {
    name: "LabError",
    message: 'relay refused "set": invalid impairment: lossPct must be <= 100, got 101',
  });
});

test("one connection can carry several requests, one reply line each, garbage included", async (t) => {
  const path = tempSocket(t);
  await serve(t, path);
  const replies = await new Promise<unknown[]>((resolve, reject) => {
    const c = net.createConnection(path);
    let buf = "";
    c.setEncoding("utf8");
    c.on("error", reject);
    c.on("data", (chunk: string) => {
      buf += chunk;
      const lines = buf.split("\n").filter((l) => l !== "");
      if (lines.length === 3) {
        c.destroy();
        resolve(lines.map((l) => JSON.parse(l)));
      }
    });
    c.write('{"op":"down","direction":"home->mine"}\nnot json\n\n{"op":"show"}\n');
  });
  t.like(replies[0], { ok: true });
  t.like(replies[1], { ok: false });
  t.regex((replies[1] as { error: string }).error, /^request is not JSON: /);
  t.like(replies[2], { ok: true });
});

test("a missing socket says the lab is not up", async (t) => {
  await t.throwsAsync(relayRequest("/nonexistent/zt/relay.sock", { op: "show" }), {
    name: "LabError",
    message: "relay control socket /nonexistent/zt/relay.sock not found: is the lab up?",
  });
});

/** A socket file nobody listens on, as a SIGKILLed relay leaves behind. */
function staleSocket(path: string): void {
  const script = `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`;
  spawnSync(process.execPath, ["-e", script], { timeout: 10_000 });
}

test("a stale socket is refused by the client and replaced by a new server", async (t) => {
  const path = tempSocket(t);
  staleSocket(path);
  t.true(existsSync(path));
  await t.throwsAsync(relayRequest(path, { op: "show" }), {
    message: `relay control socket ${path} refused the connection: the relay is not running (stale socket?)`,
  });
  const server = await serve(t, path);
  t.true((await relayRequest(path, { op: "show" })).ok);
  await server.close();
  t.false(existsSync(path), "close() removes the socket file");
});

test("a second server does not steal a live relay's socket", async (t) => {
  const path = tempSocket(t);
  await serve(t, path);
  const second = new RelayControlServer(path, relay());
  await t.throwsAsync(second.listen(), {
    message: `control socket ${path} belongs to a relay that is still running`,
  });
  await second.close();
  t.true((await relayRequest(path, { op: "show" })).ok, "the first one still answers");
});

test("a relay that never answers times out", async (t) => {
  const path = tempSocket(t);
  const silent = net.createServer(() => {});
  t.teardown(() => new Promise<void>((resolve) => silent.close(() => resolve())));
  await new Promise<void>((resolve) => silent.listen(path, resolve));
  const sockets: net.Socket[] = [];
  silent.on("connection", (s) => sockets.push(s));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
  });
  await t.throwsAsync(relayRequest(path, { op: "show" }, 100), {
    message: `relay control socket ${path} did not answer within 100 ms`,
  });
});

test("a socket path too long for sun_path is refused up front", async (t) => {
  const server = new RelayControlServer(`/tmp/${"x".repeat(120)}.sock`, relay());
  await t.throwsAsync(server.listen(), { message: /^control socket path is longer than 107 bytes: / });
});
