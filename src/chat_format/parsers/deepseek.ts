/**
 * DeepSeek: R1 writes `<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>name\n```json\n{…}\n```
 * <｜tool▁call▁end｜>…<｜tool▁calls▁end｜>`, V3.1+ `<｜tool▁call▁begin｜>name<｜tool▁sep｜>{…}<｜tool▁call▁end｜>`,
 * V4 an XML dialect (`<｜DSML｜invoke name="x"><｜DSML｜parameter name="k" string="true">v</｜DSML｜parameter>`).
 * Thinking in `<think>`.
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { argumentsObject, tryJson } from "./json.ts";
import { taggedSyntax, THINK_TAGS } from "./tagged.ts";

const CALLS_BEGIN = "<｜tool▁calls▁begin｜>";
const CALLS_END = "<｜tool▁calls▁end｜>";
const CALL = /<｜tool▁call▁begin｜>([\s\S]*?)<｜tool▁sep｜>([\s\S]*?)(?:<｜tool▁call▁end｜>|$)/g;

/** The calls between `<｜tool▁calls▁begin｜>` and its end. */
export function deepseekBody(body: string): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  let rest = body;
  for (const m of body.matchAll(CALL)) {
    let name = m[1].trim();
    let args = m[2];
    if (name === "function") {
      // R1: the name on the first line, the arguments in a ```json fence.
      const nl = args.indexOf("\n");
      name = (nl < 0 ? args : args.slice(0, nl)).trim();
      args = nl < 0 ? "" : args.slice(nl + 1);
    }
    args = args.trim().replace(/^```(?:json)?\s*/, "").replace(/\s*```$/, "");
    const object = argumentsObject(tryJson(args));
    if (!object || name === "") return null;
    calls.push({ name, arguments: object });
    rest = rest.replace(m[0], "");
  }
  return calls.length && rest.trim() === "" ? calls : null;
}

/** The V4 XML dialect between `<｜DSML｜tool_calls>` and its end. */
export function dsmlBody(body: string): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  for (const m of body.matchAll(/<｜DSML｜invoke name="([^"]*)">([\s\S]*?)(?:<\/｜DSML｜invoke>|$)/g)) {
    const args: Record<string, unknown> = {};
    const param = /<｜DSML｜parameter name="([^"]*)"(?: string="(true|false)")?>([\s\S]*?)<\/｜DSML｜parameter>/g;
    for (const p of m[2].matchAll(param)) {
      args[p[1]] = p[2] === "false" ? tryJson(p[3]) ?? p[3] : p[3];
    }
    calls.push({ name: m[1], arguments: args });
  }
  return calls.length ? calls : null;
}

/** The DeepSeek R1 / V3 syntax. */
export const deepseek: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: taggedSyntax([CALLS_BEGIN], CALLS_END, deepseekBody),
};

/** The DeepSeek V4 syntax. */
export const deepseekDsml: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: taggedSyntax(["<｜DSML｜tool_calls>"], "</｜DSML｜tool_calls>", (b: string, _t: readonly ToolSpec[]) => dsmlBody(b)),
};
