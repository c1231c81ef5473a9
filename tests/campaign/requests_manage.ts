/**
 * Malformed requests for Ollama's model management: show, copy, delete, pull, push, tags, ps, version, the blob
 * routes and create (names, digests, files, templates, parameters), and models whose stored parameters are out of
 * range, then used.
 * @module
 */
import type { Case, Outcome } from "./case.ts";
import type { Prng } from "./prng.ts";
import { CLEAR, EITHER, fieldTypes, MODELS, names, NETWORK, post } from "./requests_native.ts";
import { BAD_DIGESTS, BAD_NAMES, FAILING_TEMPLATES, UNPARSABLE_TEMPLATES } from "./values.ts";

/** show, copy, delete, pull, push, tags, ps, version; `nowhere` is a registry host where nothing listens. */
export function managementCases(rng: Prng, nowhere: string): Case[] {
  const show = "/api/show";
  const copy = "/api/copy";
  const del = "/api/delete";
  const pull = "/api/pull";
  const push = "/api/push";
  // A registry that is not there: connection refused at once, never the internet.
  const missing = `${nowhere}/campaign/nothing:latest`;
  const get = (path: string, id: string, method = "GET", allow: Outcome[] = ["2xx"]): Case => ({
    id: `${path} ${id}`,
    method,
    path,
    api: "ollama",
    allow,
  });
  return [
    ...fieldTypes(rng, show, { model: MODELS.text }, {
      model: "string",
      name: "string",
      verbose: "bool",
      system: "string",
      template: "string",
      options: "object",
    }),
    ...names(rng, show, {}, "model", CLEAR),
    post(show, "model missing", {}, CLEAR),
    post(show, "template=bad", { model: MODELS.text, template: "{{ .Prompt" }, EITHER),
    ...fieldTypes(rng, copy, { source: MODELS.text, destination: "campaign-copy" }, {
      source: "string",
      destination: "string",
    }),
    ...names(rng, copy, { destination: "campaign-copy" }, "source", CLEAR),
    ...rng.sample(BAD_NAMES, 4).map((n) =>
      post(copy, `destination=${JSON.stringify(n).slice(0, 40)}`, { source: MODELS.text, destination: n }, CLEAR)
    ),
    post(copy, "source missing", { destination: "campaign-copy" }, CLEAR),
    post(copy, "destination missing", { source: MODELS.text }, CLEAR),
    post(copy, "onto itself", { source: MODELS.text, destination: MODELS.text }, EITHER),
    post(copy, "fixture to campaign-copy", { source: MODELS.text, destination: "campaign-copy" }, ["2xx"]),
    ...fieldTypes(rng, del, { model: "nope" }, { model: "string", name: "string" }),
    ...names(rng, del, {}, "model", CLEAR),
    post(del, "model missing", {}, CLEAR),
    ...fieldTypes(rng, pull, { model: missing, insecure: true, stream: false }, {
      model: "string",
      insecure: "bool",
      stream: "bool",
    }),
    // A name with a host part (an absurd port) is a valid name to Ollama: fetching it fails, Ollama's 500.
    ...rng.sample(BAD_NAMES, 4).map((n) =>
      post(
        pull,
        `model=${JSON.stringify(n).slice(0, 40)}`,
        { model: n, stream: false },
        n.includes(":9999") ? NETWORK : CLEAR,
      )
    ),
    post(pull, "from a registry that is not there", { model: missing, insecure: true, stream: false }, NETWORK),
    post(pull, "streamed, from a registry that is not there", { model: missing, insecure: true }, [
      "2xx",
      "4xx",
      "5xx",
    ]),
    post(pull, "model missing", { stream: false }, CLEAR),
    ...fieldTypes(rng, push, { model: missing, insecure: true, stream: false }, {
      model: "string",
      insecure: "bool",
      stream: "bool",
    }),
    ...rng.sample(BAD_NAMES, 4).map((n) =>
      post(
        push,
        `model=${JSON.stringify(n).slice(0, 40)}`,
        { model: n, stream: false },
        n.includes(":9999") ? NETWORK : CLEAR,
      )
    ),
    post(push, "a model that is not here", { model: missing, insecure: true, stream: false }, NETWORK),
    post(push, "model missing", { stream: false }, CLEAR),
    get("/api/tags", "plain"),
    get("/api/tags", "query junk", "GET"),
    get("/api/tags", "POST", "POST", CLEAR),
    get("/api/ps", "plain"),
    get("/api/ps", "DELETE", "DELETE", CLEAR),
    get("/api/version", "plain"),
    get("/api/version", "PUT", "PUT", CLEAR),
    get("/api/nope", "unknown path", "GET", CLEAR),
    get("/api/generate", "GET", "GET", CLEAR),
  ].map((c) => c.id.endsWith("query junk") ? { ...c, path: "/api/tags?%ff%fe=%00&a[b]=<script>" } : c);
}

/** `/api/blobs/:digest` and `/api/create`. */
export function blobCreateCases(rng: Prng, nowhere: string): Case[] {
  const create = "/api/create";
  const base = { model: "campaign-create", from: MODELS.text, stream: false };
  const missing = "sha256:" + "0".repeat(64);
  const blob = (method: string, digest: string, body?: string, n = 0): Case => ({
    id: `blobs ${method} #${n} ${digest.slice(0, 30)}`,
    method,
    path: `/api/blobs/${digest}`,
    body,
    raw: true,
    api: "ollama",
    allow: CLEAR,
  });
  return [
    ...BAD_DIGESTS.flatMap((d, i) => [blob("HEAD", d, undefined, i), blob("POST", d, "x", i)]),
    blob("HEAD", missing),
    // sha256("x") is not what this body hashes to.
    blob("POST", "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "y"),
    { ...blob("GET", missing), id: "blobs GET" },
    ...fieldTypes(rng, create, base, {
      model: "string",
      from: "string",
      files: "object",
      adapters: "object",
      template: "string",
      system: "string",
      parameters: "object",
      messages: "array",
      quantize: "string",
      stream: "bool",
    }),
    ...[1, [1], { a: 1 }].map((license) =>
      post(create, `license=${JSON.stringify(license)}`, { ...base, license }, CLEAR)
    ),
    ...rng.sample(BAD_NAMES, 4).map((n) =>
      post(create, `model=${JSON.stringify(n).slice(0, 40)}`, { ...base, model: n }, CLEAR)
    ),
    ...rng.sample(BAD_NAMES, 4).map((n) =>
      post(create, `from=${JSON.stringify(n).slice(0, 40)}`, { ...base, from: n }, CLEAR)
    ),
    // A missing `from` is pulled: from a registry that is not there (never the internet), Ollama's 500.
    ...["nope", "ns/nope:7b"].map((n) => post(create, `from=${n} (missing)`, { ...base, from: `${nowhere}/${n}` }, NETWORK)),
    // (A relative `from` is a model name to Ollama, pulled when missing: not a file case.)
    ...["/dev/zero", "/etc/passwd", "/nonexistent/x.gguf", "/proc/self/mem"].flatMap((from) => [
      post(create, `from=${from}`, { ...base, from }, CLEAR, { timeoutMs: 30_000 }),
      post(create, `from=${from} link`, { ...base, from, link: true }, CLEAR, { timeoutMs: 30_000 }),
    ]),
    ...[
      { "../a.gguf": missing },
      { "/abs/a.gguf": missing },
      { "a.gguf": "sha256:bad" },
      { "a.gguf": missing },
      { "a.gguf": 1 },
      {},
    ].map((files) =>
      post(
        create,
        `files=${JSON.stringify(files).slice(0, 60)}`,
        { model: "campaign-create", files, stream: false },
        CLEAR,
      )
    ),
    post(create, "adapters bad digest", { ...base, adapters: { "a.gguf": "sha256:bad" } }, CLEAR),
    post(create, "neither from nor files", { model: "campaign-create", stream: false }, CLEAR),
    ...UNPARSABLE_TEMPLATES.slice(0, 5).map((t) =>
      post(create, `template=${JSON.stringify(t).slice(0, 40)}`, { ...base, template: t }, CLEAR)
    ),
    ...FAILING_TEMPLATES.slice(0, 3).map((t) =>
      post(create, `template=${JSON.stringify(t).slice(0, 40)}`, { ...base, template: t }, EITHER)
    ),
    ...["q9_9", "", "Q4_K_M"].map((q) =>
      post(create, `quantize=${JSON.stringify(q)}`, { ...base, quantize: q }, q === "q9_9" ? CLEAR : EITHER)
    ),
    ...[{ num_thread: "x" }, { stop: 1 }, { temperature: [] }, { bogus_parameter: 1 }].map((p) =>
      post(create, `parameters=${JSON.stringify(p)}`, { ...base, parameters: p }, p.bogus_parameter ? EITHER : CLEAR)
    ),
    ...[[{ role: 1 }], [null], ["x"]].map((m) =>
      post(create, `messages=${JSON.stringify(m)}`, { ...base, messages: m }, CLEAR)
    ),
    ...["FROM", "FROM tiny\nPARAMETER num_ctx x", "BOGUS x", 'FROM tiny\nTEMPLATE """{{ .Prompt'].map((modelfile) =>
      post(create, `modelfile=${JSON.stringify(modelfile).slice(0, 40)}`, {
        model: "campaign-create",
        modelfile,
        stream: false,
      }, CLEAR)
    ),
  ];
}

/**
 * Models whose stored parameters are out of range (a params layer is checked only for its type at create), then
 * used: the option checks must hold for values that come from the store, not only from a request.
 */
export function storedOptionCases(): Case[] {
  const cases: Case[] = [];
  const values: Array<[string, number]> = [
    ["num_batch", 1.5],
    ["num_batch", 0],
    ["num_thread", 1000],
    ["num_thread", 2 ** 31],
    ["num_ctx", 2 ** 53],
    ["top_k", 2 ** 31],
  ];
  values.forEach(([key, value], i) => {
    const model = `campaign-params-${i}`;
    cases.push(
      post("/api/create", `parameters {${key}: ${value}}`, {
        model,
        from: MODELS.text,
        parameters: { [key]: value },
        stream: false,
      }, EITHER),
    );
    cases.push(
      post("/api/generate", `stored ${key}=${value}`, {
        model,
        prompt: "hi",
        stream: false,
        options: { num_predict: 4 },
      }, EITHER),
    );
    cases.push(post("/api/delete", `campaign-params-${i}`, { model }, EITHER));
  });
  return cases;
}
