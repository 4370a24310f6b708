// YAML text for rendered files: one set of dump options so every artifact looks alike, and a
// comment header (js-yaml cannot emit comments) saying where the file came from.
import yaml from "js-yaml";

export function yamlText(value: unknown, header: string[] = []): string {
  // lineWidth -1: never fold long strings (exec commands must stay on one line).
  const body = yaml.dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });
  return header.map((line) => (line ? `# ${line}\n` : "#\n")).join("") + body;
}
