// BirdClient against a fake control socket that replays captured replies in awkward chunks.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { BirdClient, BirdCommandError, birdRequest, quoteProtocolName } from "../../../lab/bird/client.ts";
import { assertBirdSymbol, symbolArgument } from "../../../lab/bird/names.ts";
import { getProtocol, getProtocols } from "../../../lab/bird/protocols.ts";
import { getRoutes } from "../../../lab/bird/routes.ts";
import { LabError, TimeoutError } from "../../../lab/util/errors.ts";
import { fixtureText } from "../../fixtures/bird/load.ts";

const REPLIES: Record<string, string> = {
  "show protocols": fixtureText("long-a-protocols.raw"),
  'show protocols all "peer_a"': fixtureText("long-b-protocols-all-peer_a.raw"),
  'show protocols all "nosuch"': fixtureText("err-8003-no-protocols.raw"),
  "show route table master4 protocol peer_a": fixtureText("long-b-route-protocol.raw"),
  "show route for 1.2.3.4": fixtureText("err-8001-network-not-found.raw"),
  "show status": fixtureText("long-b-status.raw"),
};

interface FakeBird {
  path: string;
  received: string[];
  /** Set when a command arrived while the previous one was still being answered. */
  overlapped: boolean;
  close(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), "bird-client-test-"));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

/** Answers known commands from REPLIES in 7-byte chunks; "hang" never answers; "drop" hangs up mid-reply. */
async function fakeBird(): Promise<FakeBird> {
  const path = join(dir, `bird${serial++}.ctl`);
  const fake: FakeBird = { path, received: [], overlapped: false, close: async () => {} };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let busy = false;
    let buf = "";
    const send = async (text: string) => {
      for (let i = 0; i < text.length; i += 7) {
        if (i > 0) await sleep(1);
        socket.write(text.slice(i, i + 7));
      }
    };
    void send(fixtureText("welcome.raw"));
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    socket.on("data", async (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const command = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        fake.received.push(command);
        if (busy) fake.overlapped = true;
        busy = true;
        if (command === "hang") return;
        if (command === "drop") {
          await send("1002-half a reply\n");
          socket.destroy();
          return;
        }
        await send(REPLIES[command] ?? "9001 syntax error, unexpected CF_SYM_UNDEFINED\n");
        busy = false;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  fake.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}

test("reads the welcome and answers a command", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  t.is(client.welcome, "BIRD 2.0.12 ready.");
  const reply = await client.request("show status");
  t.is(reply.code, 13);
  t.is(reply.lines[1]?.code, 1011);
  t.true(reply.text.startsWith("BIRD 2.0.12\nRouter ID is 192.168.250.2"));
  client.close();
  await fake.close();
});

test("concurrent requests are sent one at a time and answered in order", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  const commands = ["show protocols", "show status", 'show protocols all "peer_a"', "show status"];
  const replies = await Promise.all(commands.map((c) => client.request(c)));
  t.deepEqual(fake.received, commands);
  t.false(fake.overlapped);
  t.deepEqual(
    replies.map((r) => r.lines[0]?.code),
    [2002, 1000, 2002, 1000],
  );
  client.close();
  await fake.close();
});

test("error codes throw BirdCommandError and the connection stays usable", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  const err = await t.throwsAsync(client.request("show foo"), { instanceOf: BirdCommandError });
  t.is(err?.code, 9001);
  t.is(err?.birdMessage, "syntax error, unexpected CF_SYM_UNDEFINED");
  t.is(err?.command, "show foo");
  t.is((await client.request("show status")).code, 13);
  client.close();
  await fake.close();
});

test("typed helpers: missing protocol and missing network are not errors", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  t.is(await getProtocol(client, "nosuch"), undefined);
  t.like(await getProtocol(client, "peer_a"), { bgpState: "Established", neighborAs: 64514 });
  t.is((await getProtocols(client)).length, 5);
  t.deepEqual(await getRoutes(client, { for: "1.2.3.4" }), []);
  t.is((await getRoutes(client, { table: "master4", protocol: "peer_a" })).length, 6);
  client.close();
  await fake.close();
});

test("commands with line breaks are refused before anything is sent", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  for (const bad of ["show status\nshow protocols", "show status\r", "show\0status"]) {
    await t.throwsAsync(client.request(bad), { instanceOf: LabError });
  }
  t.is((await client.request("show status")).code, 13);
  t.deepEqual(fake.received, ["show status"]);
  client.close();
  await fake.close();
});

test("a timeout rejects and closes the connection", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  const first = client.request("show status");
  const hung = client.request("hang", 200);
  t.is((await first).code, 13);
  const err = await t.throwsAsync(hung, { instanceOf: TimeoutError });
  t.regex(err?.message ?? "", /hang/);
  await t.throwsAsync(client.request("show status"), { instanceOf: TimeoutError });
  client.close();
  await fake.close();
});

test("a connection dropped mid-reply rejects the pending request", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  await t.throwsAsync(client.request("drop"), { message: /closed/ });
  client.close();
  await fake.close();
});

test("close() rejects a pending request", async (t) => {
  const fake = await fakeBird();
  const client = await BirdClient.connect(fake.path);
  const pending = client.request("hang");
  await sleep(20);
  client.close();
  await t.throwsAsync(pending, { message: /client closed/ });
  await fake.close();
});

test("a missing socket is a LabError naming the path", async (t) => {
  const path = join(dir, "nobody-here.ctl");
  const err = await t.throwsAsync(BirdClient.connect(path), { instanceOf: LabError });
  t.regex(err?.message ?? "", /nobody-here\.ctl: ENOENT/);
});

test("a peer that is not BIRD is a protocol error", async (t) => {
  const path = join(dir, "not-bird.ctl");
  const server = net.createServer((s) => s.end("SSH-2.0-OpenSSH\r\n"));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  await t.throwsAsync(BirdClient.connect(path, 1000), { message: /unexpected line/ });
  await new Promise((resolve) => server.close(resolve));
});

test("birdRequest opens, asks and closes", async (t) => {
  const fake = await fakeBird();
  t.is((await birdRequest(fake.path, "show status")).code, 13);
  await t.throwsAsync(birdRequest(fake.path, 'show protocols all "nosuch"'), {
    instanceOf: BirdCommandError,
    message: /8003 No protocols match/,
  });
  await fake.close();
});

test("names must be BIRD symbols", (t) => {
  t.is(quoteProtocolName("peer_a"), '"peer_a"');
  t.is(quoteProtocolName("_x9"), '"_x9"');
  t.is(assertBirdSymbol("k8s_peer"), "k8s_peer");
  for (const bad of ["", "9peer", "peer-a", "peer a", "peer_a all", "pe*", '"peer"', "'peer'", "p\n"]) {
    t.throws(() => quoteProtocolName(bad), { instanceOf: LabError }, bad);
  }
  t.is(symbolArgument("master4", "table name"), "master4");
  t.throws(() => symbolArgument("all", "table name"), { instanceOf: LabError });
});
