/** `tollama show MODEL`: the info tables of `ollama show`, or one field with --license/--modelfile/... */
import type { Client } from "../client.ts";
import type { Terminal } from "../io.ts";
import { parameterSize } from "../../gguf/mod.ts";

export interface ShowResponse {
  license?: string;
  modelfile?: string;
  parameters?: string;
  template?: string;
  system?: string;
  details?: { family?: string; parameter_size?: string; quantization_level?: string };
  model_info?: Record<string, unknown>;
  /** The vision (or audio) projector's GGUF header, for a model with one. */
  projector_info?: Record<string, unknown>;
  capabilities?: string[];
  tensors?: Array<{ name: string; type: string; shape: number[] }>;
  requires?: string;
  messages?: Array<{ role: string; content: string }>;
  /** tollama: the GGUF file a model made with `create --link` runs from. */
  link?: string;
}

export interface ShowFlags {
  license?: boolean;
  modelfile?: boolean;
  parameters?: boolean;
  template?: boolean;
  system?: boolean;
  verbose?: boolean;
}

/** A section as Ollama draws it: two-space header, rows indented by an empty first column and four-space padding. */
function section(title: string, rows: string[][]): string {
  if (rows.length === 0) return "";
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => [...(r[i] ?? "")].length)));
  const lines = rows.map((row) => "    " + row.map((cell, i) => cell.padEnd(widths[i])).join("    ").trimEnd());
  return `  ${title}\n${lines.join("\n")}\n\n`;
}

function headLines(text: string, n: number): string[][] {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const rows = lines.slice(0, n).map((l) => [l]);
  if (lines.length > n) rows.push(["..."]);
  return rows;
}

function metadataValue(value: unknown): string {
  if (Array.isArray(value)) {
    let width = 1, shown = 0;
    for (const item of value) {
      const itemWidth = String(item).length + (shown > 0 ? 2 : 0);
      if (width + itemWidth > 10 && shown > 0) break;
      width += itemWidth;
      shown++;
    }
    const head = value.slice(0, shown).map(String).join(" ");
    return shown < value.length ? `[${head} ...+${value.length - shown} more]` : `[${head}]`;
  }
  return String(value);
}

/** Ollama's Projector rows: architecture, parameters, and the vision (else audio) encoder's width and output size. */
function projectorRows(projector: Record<string, unknown>): string[][] {
  const rows: string[][] = [];
  const arch = typeof projector["general.architecture"] === "string" ? projector["general.architecture"] as string : "";
  if (arch) rows.push(["architecture", arch]);
  const count = projector["general.parameter_count"];
  if (typeof count === "number" || typeof count === "bigint") rows.push(["parameters", parameterSize(count)]);
  const value = (suffix: string) =>
    ["vision", "audio"].map((modality) => projector[`${arch}.${modality}.${suffix}`]).find((v) => v !== undefined);
  const width = value("embedding_length");
  if (width !== undefined) rows.push(["embedding length", String(width)]);
  const dimensions = value("projection_dim");
  if (dimensions !== undefined) rows.push(["dimensions", String(dimensions)]);
  return rows;
}

/** Renders the default view (no field flag). Exported for tests. */
export function renderShowInfo(info: ShowResponse, verbose: boolean): string {
  const modelInfo = info.model_info ?? {};
  const arch = typeof modelInfo["general.architecture"] === "string" ? modelInfo["general.architecture"] as string : "";
  const model: string[][] = [];
  if (arch) model.push(["architecture", arch]);
  if (info.details?.parameter_size) model.push(["parameters", info.details.parameter_size]);
  const contextLength = modelInfo[`${arch}.context_length`];
  if (contextLength !== undefined) model.push(["context length", String(contextLength)]);
  const embeddingLength = modelInfo[`${arch}.embedding_length`];
  if (embeddingLength !== undefined) model.push(["embedding length", String(embeddingLength)]);
  model.push(["quantization", info.details?.quantization_level ?? ""]);
  if (info.requires) model.push(["requires", info.requires]);
  // A linked model's weights are a file outside the store: where it is matters (moving or editing it breaks the model).
  if (info.link) model.push(["linked file", info.link]);
  let out = section("Model", model);
  if (info.capabilities?.length) out += section("Capabilities", info.capabilities.map((c) => [c]));
  if (info.projector_info) out += section("Projector", projectorRows(info.projector_info));
  if (info.parameters) {
    out += section("Parameters", info.parameters.split("\n").filter(Boolean).map((line) => line.trim().split(/\s+/)));
  }
  if (verbose && info.model_info) {
    const keys = Object.keys(info.model_info).sort();
    out += section("Metadata", keys.map((k) => [k, metadataValue(info.model_info![k])]));
  }
  if (verbose && info.tensors?.length) {
    out += section("Tensors", info.tensors.map((t) => [t.name, t.type, `[${t.shape.join(" ")}]`]));
  }
  if (info.system) out += section("System", headLines(info.system, 2));
  if (info.license) out += section("License", headLines(info.license, 2));
  return out;
}

export async function showCommand(client: Client, term: Terminal, args: string[], flags: ShowFlags): Promise<number> {
  const fields = (["license", "modelfile", "parameters", "system", "template"] as const).filter((f) => flags[f]);
  if (fields.length > 1) {
    throw new Error("only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be specified");
  }
  const info = await client.json<ShowResponse>("POST", "/api/show", { model: args[0], verbose: flags.verbose ?? false });
  switch (fields[0]) {
    case "license":
    case "modelfile":
    case "parameters":
      term.out(`${info[fields[0]] ?? ""}\n`);
      return 0;
    case "system":
    case "template":
      term.out(info[fields[0]] ?? "");
      return 0;
  }
  term.out(renderShowInfo(info, flags.verbose ?? false));
  return 0;
}
