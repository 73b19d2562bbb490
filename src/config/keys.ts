/**
 * The config keys, walked from the schema: what `config get|set|unset` accepts, what completion offers, and what
 * the man-page test requires tradectl.conf(5) to document. Lists (`feeds`) name their entries' fields as
 * `feeds[].FIELD`, maps (`instruments`) as `instruments.<ticker>.FIELD`.
 */
import { CONFIG_SCHEMA, DEFAULT_CONFIG } from "./schema.js";

interface SchemaNode {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
}

const ROOT: SchemaNode = { type: "object", properties: CONFIG_SCHEMA as unknown as Record<string, SchemaNode> };

/** Every documented key: the leaves of the schema, and the fields of list entries and map values. */
export function configKeys(): string[] {
  const out: string[] = [];
  const walk = (node: SchemaNode, prefix: string) => {
    if (node.properties && node.type === "object" && prefix && typeof node.additionalProperties !== "object") {
      for (const [k, child] of Object.entries(node.properties)) walk(child, `${prefix}.${k}`);
      return;
    }
    if (!prefix) {
      for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, k);
      return;
    }
    out.push(prefix);
    if (node.type === "array" && node.items?.properties) for (const k of Object.keys(node.items.properties)) out.push(`${prefix}[].${k}`);
    if (typeof node.additionalProperties === "object" && node.additionalProperties.properties) {
      for (const k of Object.keys(node.additionalProperties.properties)) out.push(`${prefix}.<ticker>.${k}`);
    }
  };
  walk(ROOT, "");
  return out;
}

/** The schema of a dotted key as `config set` takes it (`instruments.9984.symbol`, `feeds`), or undefined. */
export function schemaAt(key: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT;
  for (const part of key.split(".")) {
    if (!node) return undefined;
    if (node.properties && part in node.properties) node = node.properties[part];
    else if (typeof node.additionalProperties === "object") node = node.additionalProperties;
    else if (node.type === "array" && /^\d+$/.test(part)) node = node.items;
    else return undefined;
  }
  return node;
}

/** The default of a key, or undefined (list entries and map values have none). */
export function defaultAt(key: string): unknown {
  return key.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), DEFAULT_CONFIG);
}

/** "one of tse, fx, always", "an integer from 0 to 65535": what a key allows, for error messages. */
export function allowedValues(key: string): string | null {
  const s = schemaAt(key);
  if (!s) return null;
  if (s.enum) return `one of ${s.enum.join(", ")}`;
  const what = s.type === "integer" ? "an integer" : s.type === "number" ? "a number" : s.type === "boolean" ? "true or false" : s.type === "array" ? "a JSON list" : s.type === "object" ? "a JSON object" : s.type === "string" ? "a string" : null;
  if (!what) return null;
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? `more than ${s.exclusiveMinimum}` : undefined);
  if (typeof lo === "number" && s.maximum !== undefined) return `${what} from ${lo} to ${s.maximum}`;
  if (typeof lo === "number") return `${what}, at least ${lo}`;
  if (typeof lo === "string") return `${what}, ${lo}`;
  if (s.pattern) return `${what} matching ${s.pattern}`;
  return what;
}
