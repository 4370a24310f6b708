// BIRD's log on the clab runtime: the topology of the lab's work dir binds each router's host
// log dir (ClabPaths.birdLogDir) and its rendered wrapper, and up creates the log dirs before
// containerlab deploys. No container runs here: up is stopped at the router image by a fake
// Docker client that fails, after the render step.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import test from "ava";
import type Docker from "dockerode";
import yaml from "js-yaml";
import {
  BIRD_CONF_IN_CONTAINER,
  BIRD_LOG_DIR_IN_CONTAINER,
  BIRD_LOG_IN_CONTAINER,
  BIRD_WRAPPER_IN_CONTAINER,
  type ClabTopology,
  clabBirdWrapper,
} from "../../../../lab/render/clab.ts";
import { clabArtifacts } from "../../../../lab/runtime/clab/context.ts";
import { clabKind } from "../../../../lab/runtime/clab/kind.ts";
import { clabPaths } from "../../../../lab/runtime/clab/paths.ts";
import type { ExternalTools } from "../../../../lab/runtime/clab/tools.ts";
import { clabUp } from "../../../../lab/runtime/clab/up.ts";
import { loadLab } from "../../../../lab/topology/load.ts";

const lab = await loadLab();

function bindsOf(topology: string, router: string): Map<string, string> {
  const topo = yaml.load(topology) as ClabTopology;
  const binds = (topo.topology.nodes[router]?.binds as string[] | undefined) ?? [];
  // target -> source
  return new Map(binds.map((b) => [b.split(":")[1] ?? "", b.split(":")[0] ?? ""]));
}

test("log paths: one dir per router under <root>/clab-<lab>/logs, outside the rendered files", (t) => {
  const paths = clabPaths(lab.name, "/srv/labs");
  t.is(paths.logs, "/srv/labs/clab-xsite/logs");
  t.is(paths.birdLogDir("router-home"), "/srv/labs/clab-xsite/logs/router-home");
  t.is(paths.birdLog("router-home"), "/srv/labs/clab-xsite/logs/router-home/bird.log");
  t.is(dirname(paths.birdLog("router-mine")), paths.birdLogDir("router-mine"));
  t.false(paths.birdLogDir("router-home").startsWith(`${paths.rendered}/`));
});

test("the work dir's topology binds each router's log dir and its rendered wrapper", (t) => {
  const paths = clabPaths(lab.name, "/srv/labs");
  for (const k8s of ["kind", "k3d"] as const) {
    const artifacts = clabArtifacts(lab, paths, k8s);
    const byPath = new Map(artifacts.map((a) => [a.path, a]));
    t.is(byPath.size, artifacts.length, "no artifact is rendered twice");
    const topology = artifacts.find((a) => a.path.endsWith(".clab.yml"))?.content ?? "";
    for (const r of lab.routers) {
      const binds = bindsOf(topology, r.name);
      const from = (source: string | undefined) => resolve(dirname(paths.clabTopology), source ?? "");
      t.is(from(binds.get(BIRD_CONF_IN_CONTAINER)), r.birdConf);
      t.is(from(binds.get(BIRD_LOG_DIR_IN_CONTAINER)), paths.birdLogDir(r.name));
      const wrapper = from(binds.get(BIRD_WRAPPER_IN_CONTAINER));
      t.true(wrapper.startsWith(`${paths.rendered}/`));
      t.is(byPath.get(wrapper.slice(paths.rendered.length + 1))?.content, clabBirdWrapper(r));
      // What BIRD writes in the container is what the host follows.
      t.is(
        paths.birdLog(r.name),
        join(paths.birdLogDir(r.name), BIRD_LOG_IN_CONTAINER.slice(BIRD_LOG_DIR_IN_CONTAINER.length + 1)),
      );
    }
  }
});

test("up writes the wrappers and creates every router's log dir before anything is deployed", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "xs-clab-log-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const paths = clabPaths(lab.name, root);
  const calls: string[][] = [];
  const tools: ExternalTools = {
    which: () => undefined,
    run: async (call) => {
      calls.push(call.argv);
      return { code: 0, stdout: "", stderr: "" };
    },
  };
  // Fails the router image step, the one right after rendering (not a 404: no build is tried).
  const docker = {
    getImage: () => ({
      inspect: async () => {
        throw new Error("no engine in unit tests");
      },
    }),
  } as unknown as Docker;
  await t.throwsAsync(
    clabUp(clabKind.open(lab), {
      tools,
      docker,
      paths,
      keepOnFailure: true,
      prerequisites: async () => ({ missing: [], ciliumInstaller: "helm", hasCiliumCli: false }),
    }),
    { message: /no engine in unit tests/ },
  );
  t.deepEqual(calls, [], "containerlab was not reached");
  const topology = readFileSync(paths.clabTopology, "utf8");
  for (const r of lab.routers) {
    t.true(statSync(paths.birdLogDir(r.name)).isDirectory(), r.name);
    t.false(existsSync(paths.birdLog(r.name)), "BIRD creates its log itself");
    const source = bindsOf(topology, r.name).get(BIRD_WRAPPER_IN_CONTAINER);
    t.is(readFileSync(resolve(dirname(paths.clabTopology), source ?? ""), "utf8"), clabBirdWrapper(r));
  }
});
