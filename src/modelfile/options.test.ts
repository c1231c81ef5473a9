import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkOptionValue,
  DEPRECATED_PARAMETERS,
  isOptionName,
  OPTIONS,
  OptionValueError,
  parseGoFloat32,
  parseGoInt,
  parseParameterValue,
} from "./options.ts";

test("OPTIONS lists Ollama's options with their types and defaults", () => {
  assert.deepEqual(Object.keys(OPTIONS).sort(), [
    "draft_num_predict", "frequency_penalty", "main_gpu", "min_p", "num_batch", "num_ctx", "num_gpu", "num_keep",
    "num_predict", "num_thread", "presence_penalty", "repeat_last_n", "repeat_penalty", "seed", "stop", "temperature",
    "top_k", "top_p", "typical_p", "use_mmap",
  ]);
  assert.equal(OPTIONS.temperature.default, 0.8);
  assert.equal(OPTIONS.top_k.default, 40);
  assert.equal(OPTIONS.top_p.default, 0.9);
  assert.equal(OPTIONS.seed.default, -1);
  assert.equal(OPTIONS.num_predict.default, -1);
  assert.equal(OPTIONS.num_keep.default, 4);
  assert.equal(OPTIONS.repeat_last_n.default, 64);
  assert.equal(OPTIONS.num_batch.default, 512);
  assert.equal(OPTIONS.num_ctx.loadTime, true);
  assert.equal(OPTIONS.temperature.loadTime, false);
  assert.ok(isOptionName("stop"));
  assert.ok(!isOptionName("mirostat"));
  assert.ok(!isOptionName("toString"));
  assert.ok(DEPRECATED_PARAMETERS.includes("mirostat_eta"));
});

test("parseParameterValue() types values as Ollama's FormatParams", () => {
  assert.equal(parseParameterValue("temperature", ["0.7"]), 0.7);
  assert.equal(parseParameterValue("temperature", ["1"]), 1);
  assert.equal(parseParameterValue("top_p", ["1.0"]), 1);
  assert.equal(parseParameterValue("min_p", [".05"]), 0.05);
  assert.equal(parseParameterValue("repeat_penalty", ["1.1e0"]), 1.1);
  assert.equal(parseParameterValue("temperature", ["0x1p-2"]), 0.25);
  assert.equal(parseParameterValue("num_ctx", ["4096"]), 4096);
  assert.equal(parseParameterValue("seed", ["-1"]), -1);
  assert.equal(parseParameterValue("num_predict", ["+42"]), 42);
  assert.equal(parseParameterValue("use_mmap", ["F"]), false);
  assert.equal(parseParameterValue("use_mmap", ["TRUE"]), true);
  assert.equal(parseParameterValue("main_gpu", ["1"]), 1);
  assert.deepEqual(parseParameterValue("stop", ["<|eot_id|>"]), ["<|eot_id|>"]);
});

test("parseParameterValue() gives Ollama's errors", () => {
  const error = (name: string, value: string) => {
    try {
      parseParameterValue(name, [value]);
    } catch (e) {
      assert.ok(e instanceof OptionValueError);
      return e.message;
    }
    assert.fail(`${name} ${value} parsed`);
  };
  assert.equal(error("mirostat", "1"), "unknown parameter 'mirostat'");
  assert.equal(error("num_gqa", "1"), "unknown parameter 'num_gqa'");
  assert.equal(error("temperature", "hot"), "invalid float value [hot]");
  assert.equal(error("temperature", "1e40"), "invalid float value [1e40]");
  assert.equal(error("temperature", "1_0"), "invalid float value [1_0]");
  assert.equal(error("num_ctx", "4096.5"), "invalid int value [4096.5]");
  assert.equal(error("num_ctx", "9223372036854775808"), "invalid int value [9223372036854775808]");
  assert.equal(error("use_mmap", "yes"), "invalid bool value [yes]");
  assert.equal(error("top_k", "a b"), "invalid int value [a b]");
});

test("checkOptionValue() checks API option values as Ollama's Options.FromMap", () => {
  assert.equal(checkOptionValue("num_ctx", 2048.9), 2048);
  assert.equal(checkOptionValue("temperature", 0), 0);
  assert.equal(checkOptionValue("use_mmap", false), false);
  assert.equal(checkOptionValue("seed", null), undefined);
  assert.deepEqual(checkOptionValue("stop", ["a", "b"]), ["a", "b"]);
  assert.throws(() => checkOptionValue("num_ctx", "2048"), { message: 'option "num_ctx" must be of type integer' });
  assert.throws(() => checkOptionValue("top_p", true), { message: 'option "top_p" must be of type float32' });
  assert.throws(() => checkOptionValue("use_mmap", 1), { message: 'option "use_mmap" must be of type boolean' });
  assert.throws(() => checkOptionValue("stop", "x"), { message: 'option "stop" must be of type array' });
  assert.throws(() => checkOptionValue("stop", [1]), { message: 'option "stop" must be of an array of strings' });
});

test("checkOptionValue() refuses numbers no float32 or integer holds (1e400 parses to Infinity)", () => {
  assert.equal(checkOptionValue("temperature", 3.4028234663852886e38), 3.4028234663852886e38);
  assert.equal(checkOptionValue("top_k", 1e30), 1e30); // whole and finite: the server clamps it
  for (const value of [Infinity, -Infinity, NaN, 1e39, -1e39]) {
    assert.throws(() => checkOptionValue("temperature", value), { message: 'option "temperature" must be of type float32' });
  }
  for (const value of [Infinity, NaN]) {
    assert.throws(() => checkOptionValue("num_thread", value), { message: 'option "num_thread" must be of type integer' });
  }
});

test("parseGoInt() and parseGoFloat32() follow strconv", () => {
  assert.equal(parseGoInt("007"), 7);
  assert.equal(parseGoInt("1_000"), undefined);
  assert.equal(parseGoInt(""), undefined);
  assert.equal(parseGoInt("0x10"), undefined);
  assert.equal(parseGoFloat32("1."), 1);
  assert.equal(parseGoFloat32("."), undefined);
  assert.equal(parseGoFloat32("inf"), undefined);
  assert.equal(parseGoFloat32("0.1"), 0.1);
  assert.equal(parseGoFloat32("3.4028235e38"), 3.4028235e38);
});
