// The relay as the lab runs it: a process that says "relay ready", obeys its control socket
// and leaves nothing behind on SIGTERM. Loopback addresses only.
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { relayRequest } from "../../../../lab/emulate/zerotier/control.ts";

const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const MAIN = "lab/emulate/zerotier/relay-main.ts";

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(t: ExecutionContext, args: string[]): Run {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, stdio: "pipe" });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function ready(run: Run): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!run.stdout().includes("relay ready\n")) {
    if (run.child.exitCode !== null) throw new Error(`relay exited ${run.child.exitCode}: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`relay not ready after 20 s: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function bind(address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", (e) => {
      s.close();
      reject(e);
    });
    s.bind({ address, port, exclusive: true }, () => resolve(s));
  });
}

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zt-main-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("bad arguments: exit 2 with the reason, nothing on stdout", async (t) => {
  const run = start(t, [
    "--endpoint",
    "home=10.0.0.2",
    "--endpoint",
    "mine=10.0.0.6",
    "--control",
    "/x.sock",
  ]);
  t.is(await run.exited, 2);
  t.is(run.stdout(), "");
  t.is(run.stderr(), "relay-main: --bind is required (example: --bind 10.0.0.1)\n");
});

test("bind failure: exit 1 with the reason, no control socket left", async (t) => {
  const taken = await bind("127.0.0.1", 0);
  t.teardown(() => taken.close());
  const sock = join(tempDir(t), "relay.sock");
  const port = String(taken.address().port);
  const run = start(t, [
    ...["--bind", "127.0.0.1", "--port", port, "--control", sock],
    ...["--endpoint", "home=127.0.0.2", "--endpoint", "mine=127.0.0.3"],
  ]);
  t.is(await run.exited, 1);
  t.regex(run.stderr(), new RegExp(`^relay-main: cannot bind UDP 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
  t.false(existsSync(sock));
});

test("runs, forwards, answers its control socket and cleans up on SIGTERM", async (t) => {
  const home = await bind("127.0.0.2", 0);
  t.teardown(() => home.close());
  const peerPort = home.address().port;
  const mine = await bind("127.0.0.3", peerPort).catch(() => undefined);
  if (!mine) {
    t.pass("port not free on 127.0.0.3; skipped");
    return;
  }
  t.teardown(() => mine.close());
  const sock = join(tempDir(t), "relay.sock");
  const run = start(t, [
    ...[
      "--bind",
      "127.0.0.1",
      "--port",
      "0",
      "--peer-port",
      String(peerPort),
      "--control",
      sock,
      "--seed",
      "3",
    ],
    ...["--endpoint", "home=127.0.0.2", "--endpoint", "mine=127.0.0.3"],
  ]);
  await ready(run);

  const shown = await relayRequest(sock, { op: "show" });
  t.is(shown.status.seed, 3);
  const relayPort = shown.status.listening?.port ?? 0;
  const got = new Promise<string>((resolve) => mine.once("message", (m) => resolve(m.toString())));
  home.send("hello", relayPort, "127.0.0.1");
  t.is(await got, "hello");

  run.child.kill("SIGTERM");
  t.is(await run.exited, 0);
  t.is(run.stdout(), "relay ready\n");
  t.regex(run.stderr(), /relay: SIGTERM: shutting down/);
  t.false(existsSync(sock), "control socket removed");
});
