// JSON Schema validation (ajv) turned into positioned diagnostics with hints.
import AjvModule, { type ErrorObject, type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";
import { closest, type Diagnostics } from "./diagnostics.ts";
import { joinPath, positionOf, type YamlDocument } from "./yaml.ts";

// ajv's CommonJS default export under NodeNext module resolution.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = formatsModule as unknown as typeof formatsModule.default;

export function compileSchema(schema: object): ValidateFunction {
  // strict off: Kubernetes schemas carry x-kubernetes-* keywords ajv does not know.
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false, logger: false, verbose: true });
  addFormats(ajv);
  // OpenAPI integer formats used by the CRDs.
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  return ajv.compile(schema);
}

/** Converts "/routers/0/asn" to "routers[0].asn". */
export function pointerToPath(pointer: string, prefix = ""): string {
  let path = prefix;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path = /^\d+$/.test(seg) ? `${path}[${seg}]` : joinPath(path, seg);
  }
  return path;
}

/** Validates one document and adds a diagnostic per schema error. Returns true when valid. */
export function checkAgainstSchema(
  validate: ValidateFunction,
  doc: YamlDocument,
  diags: Diagnostics,
  pathPrefix = "",
): boolean {
  if (validate(doc.value)) return true;
  for (const e of dedupe(validate.errors ?? [])) {
    const path = pointerToPath(e.instancePath, pathPrefix);
    const lookup = pathPrefix ? path : path;
    const { message, hint, keyPath } = describe(e, path);
    diags.add(positionOf(doc, keyPath ?? lookup, keyPath !== undefined), keyPath ?? path, message, hint);
  }
  return false;
}

// ajv reports both "type" and the failing branch for some schemas; keep the first per path+keyword.
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === "if") return false;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describe(e: ErrorObject, path: string): { message: string; hint?: string; keyPath?: string } {
  const p = e.params as Record<string, unknown>;
  const parent = e.parentSchema as { description?: string; properties?: Record<string, unknown> } | undefined;
  // CRD descriptions run over several paragraphs; a diagnostic is one line.
  const schema = parent && { ...parent, description: oneLine(parent.description) };
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(p.additionalProperty);
      const known = Object.keys(schema?.properties ?? {});
      const guess = closest(key, known);
      const hint = guess
        ? `did you mean "${guess}"?`
        : known.length
          ? `known keys: ${known.join(", ")}`
          : undefined;
      return { message: `unknown key "${key}"`, hint, keyPath: joinPath(path, key) };
    }
    case "required": {
      const key = String(p.missingProperty);
      return { message: `missing required key "${key}"`, hint: `add "${key}:" here` };
    }
    case "type":
      return { message: `must be ${article(String(p.type))}`, hint: schema?.description };
    case "pattern":
      return {
        message: `does not match the expected format`,
        hint: schema?.description ?? `pattern ${String(p.pattern)}`,
      };
    case "enum":
      return {
        message: "is not an allowed value",
        hint: `one of: ${(p.allowedValues as unknown[]).join(", ")}`,
      };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { message: `must be ${String(p.comparison)} ${String(p.limit)}`, hint: schema?.description };
    case "minItems":
      return { message: `needs at least ${String(p.limit)} item(s)` };
    case "maxItems":
      return { message: `allows at most ${String(p.limit)} items` };
    case "minLength":
      return { message: "must not be empty" };
    case "maxProperties":
      return { message: `allows at most ${String(p.limit)} entries` };
    case "propertyNames":
      return {
        message: `has an invalid key "${String(p.propertyName)}"`,
        hint: "Kubernetes label key syntax",
      };
    default:
      return { message: e.message ?? `fails schema rule ${e.keyword}` };
  }
}

/** The first paragraph of a schema description, on one line. */
function oneLine(description: string | undefined): string | undefined {
  const first = description
    ?.split(/\n\s*\n/)[0]
    ?.replace(/\s+/g, " ")
    .trim();
  return first || undefined;
}

function article(type: string): string {
  const t =
    type === "integer"
      ? "an integer"
      : type === "object"
        ? "a mapping"
        : type === "array"
          ? "a list"
          : `a ${type}`;
  return t;
}
