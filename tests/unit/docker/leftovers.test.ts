// Which processes and mounts count as a private engine's leftovers.
import test from "ava";
import {
  engineMarkers,
  mountPointsUnder,
  type ProcInfo,
  selectLeftovers,
} from "../../../lab/docker/leftovers.ts";

const ROOT = "/tmp/eng";
const procs: ProcInfo[] = [
  { pid: 100, ppid: 1, argv: ["containerd", "--config", `${ROOT}/exec/containerd/containerd.toml`] },
  {
    pid: 200,
    ppid: 1,
    argv: [
      "containerd-shim-runc-v2",
      "-namespace",
      "moby",
      "-address",
      `${ROOT}/exec/containerd/containerd.sock`,
    ],
  },
  { pid: 201, ppid: 200, argv: ["bird", "-f"] },
  { pid: 202, ppid: 201, argv: ["sleep", "100"] },
  // Another engine, and processes that merely mention a path under the root.
  { pid: 300, ppid: 1, argv: ["containerd", "--config", "/tmp/other/exec/containerd/containerd.toml"] },
  { pid: 301, ppid: 300, argv: ["bird"] },
  { pid: 400, ppid: 1, argv: ["vim", `${ROOT}/dockerd.log`] },
  { pid: 401, ppid: 1, argv: ["tar", "-C", ROOT] },
];

test("leftovers are this engine's containerd, shims and their descendants only", (t) => {
  t.deepEqual(selectLeftovers(procs, engineMarkers(ROOT)).sort(), [100, 200, 201, 202]);
});

test("the test process itself is never selected", (t) => {
  const self: ProcInfo = { pid: process.pid, ppid: 200, argv: ["node"] };
  t.false(selectLeftovers([...procs, self], engineMarkers(ROOT)).includes(process.pid));
});

test("mount points under the root, deepest first, with escapes decoded", (t) => {
  const mountinfo = [
    "22 1 0:21 / /proc rw,nosuid - proc proc rw",
    `501 30 0:50 / ${ROOT}/data/overlay2/abc/merged rw - overlay overlay rw`,
    `502 30 0:4 net:[4026532] ${ROOT}/exec/netns/1a2b rw - nsfs nsfs rw`,
    `503 501 0:51 / ${ROOT}/data/overlay2/abc/merged/dev rw - tmpfs tmpfs rw`,
    `504 30 0:52 / ${ROOT}/with\\040space rw - tmpfs tmpfs rw`,
    `505 30 0:53 / ${ROOT}x/not-under rw - tmpfs tmpfs rw`,
    `506 30 0:54 / ${ROOT} rw - tmpfs tmpfs rw`,
  ].join("\n");
  const found = mountPointsUnder(mountinfo, ROOT);
  t.deepEqual(
    [...found].sort(),
    [
      `${ROOT}/data/overlay2/abc/merged`,
      `${ROOT}/exec/netns/1a2b`,
      `${ROOT}/data/overlay2/abc/merged/dev`,
      `${ROOT}/with space`,
    ].sort(),
  );
  t.true(
    found.indexOf(`${ROOT}/data/overlay2/abc/merged/dev`) < found.indexOf(`${ROOT}/data/overlay2/abc/merged`),
  );
});
