// The clab runtime's versions come from the running components; one that does not answer is
// left out, never guessed.
import { release } from "node:os";
import test from "ava";
import {
  clabVersions,
  parseCiliumImage,
  parseContainerlabVersion,
  parseKubernetesVersion,
} from "../../../../lab/runtime/clab/component-versions.ts";
import { clabPaths } from "../../../../lab/runtime/clab/paths.ts";
import type { ExternalTools, ToolCall, ToolOutput } from "../../../../lab/runtime/clab/tools.ts";

class AnsweringTools implements ExternalTools {
  calls: string[][] = [];
  constructor(private readonly answer: (argv: string[]) => ToolOutput) {}
  which(): string | undefined {
    return undefined;
  }
  async run(call: ToolCall): Promise<ToolOutput> {
    this.calls.push(call.argv);
    return this.answer(call.argv);
  }
}

test("parsers: kubectl version, the Cilium image, containerlab version", (t) => {
  t.is(parseKubernetesVersion('{"serverVersion":{"gitVersion":"v1.33.1"}}'), "1.33.1");
  t.is(parseKubernetesVersion("not json"), null);
  t.is(parseKubernetesVersion('{"clientVersion":{}}'), null);
  t.is(parseCiliumImage("quay.io/cilium/cilium:v1.18.4@sha256:abc"), "1.18.4");
  t.is(parseCiliumImage("quay.io/cilium/cilium@sha256:abc"), null);
  t.is(parseContainerlabVersion("  ____\n    version: 0.79.0\n     commit: 1234\n"), "0.79.0");
});

test("what the running lab says; the GoBGP of Cilium 1.18 with it", async (t) => {
  const tools = new AnsweringTools((argv) => {
    const out = argv.includes("version")
      ? argv[0] === "containerlab"
        ? "    version: 0.79.0\n"
        : '{"serverVersion":{"gitVersion":"v1.33.1"}}'
      : "quay.io/cilium/cilium:v1.18.4@sha256:0";
    return { code: 0, stdout: out, stderr: "" };
  });
  t.deepEqual(await clabVersions(tools, clabPaths("fdv", "/nonexistent")), {
    runtime: "clab",
    bird: "2.0.12",
    kubernetes: "1.33.1",
    cilium: "1.18.4",
    gobgp: "3.37.0",
    containerlab: "0.79.0",
    kernel: release(),
  });
  t.is(tools.calls.length, 3);
});

test("components that do not answer are left out", async (t) => {
  const tools = new AnsweringTools(() => ({ code: 1, stdout: "", stderr: "connection refused" }));
  t.deepEqual(await clabVersions(tools, clabPaths("fdv", "/nonexistent")), {
    runtime: "clab",
    bird: "2.0.12",
    kernel: release(),
  });
});
