// Plain-text tables: columns padded to their widest cell plus the gap, no trailing spaces.
import test from "ava";
import { table } from "../../../lab/util/table.ts";

test("columns line up on the widest cell, the last column is not padded", (t) => {
  t.is(
    table(
      ["name", "state"],
      [
        ["router_home", "Established"],
        ["k8s", "Idle"],
      ],
    ),
    ["name          state", "router_home   Established", "k8s           Idle"].join("\n"),
  );
});

test("a custom gap, a missing cell, trailing blanks trimmed", (t) => {
  t.is(table(["a", "b", "c"], [["x", "", ""], ["long"]], 1), ["a    b c", "x", "long"].join("\n"));
});
