// Registry stand-in for bench/pull.ts: serves one manifest and one blob (with Range) on 127.0.0.1 and records
// the byte ranges it sends (GET /stats, /stats/reset). Plain JS so that node, deno and bun can all run it.
//   <runtime> bench/pull_server.mjs <blob file> <digest> <manifest json> <repo> [bytes per second per connection]
//                                   [bytes per second over all connections]
// The optional cap throttles each blob response on its own, as a CDN edge does per connection; the link cap
// shares one rate among all responses, as a slow line does.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import process from "node:process";

const [blobPath, digest, manifest, repo, capArg, linkArg] = process.argv.slice(2);
const linkCap = Number(linkArg ?? 0);
// a link cap alone throttles each response at the link's rate; the link then decides who goes first
const cap = Number(capArg ?? 0) || linkCap;
/** When the link is free to send its next chunk (ms since the epoch). */
let linkFreeAt = 0;
const size = statSync(blobPath).size;
let served = [];

/** Sends `stream` to `res` no faster than `cap` bytes per second (and no faster than the socket drains). */
function throttled(stream, res, record) {
  const started = Date.now();
  let sent = 0;
  let waiting = 0;
  const resume = () => {
    if (--waiting === 0) stream.resume();
  };
  stream.on("data", (chunk) => {
    record[1] += chunk.length;
    sent += chunk.length;
    if (!res.write(chunk)) {
      waiting++;
      res.once("drain", resume);
    }
    let wait = started + (sent / cap) * 1000 - Date.now();
    if (linkCap) {
      const slot = Math.max(Date.now(), linkFreeAt);
      linkFreeAt = slot + (chunk.length / linkCap) * 1000;
      wait = Math.max(wait, slot - Date.now());
    }
    if (wait > 0) {
      waiting++;
      setTimeout(resume, wait);
    }
    if (waiting > 0) stream.pause();
  });
  stream.on("end", () => res.end());
}

const server = createServer((req, res) => {
  const url = req.url ?? "";
  if (url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ served }));
  }
  if (url === "/stats/reset") {
    served = [];
    return res.end("ok");
  }
  if (url === `/v2/${repo}/manifests/latest`) {
    res.writeHead(200, { "content-type": "application/vnd.docker.distribution.manifest.v2+json" });
    return res.end(manifest);
  }
  if (url !== `/v2/${repo}/blobs/${digest}`) {
    res.writeHead(404);
    return res.end("not found");
  }
  let start = 0;
  let end = size - 1;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  const headers = { "accept-ranges": "bytes", "content-type": "application/octet-stream" };
  if (range) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    headers["content-range"] = `bytes ${start}-${end}/${size}`;
  }
  headers["content-length"] = end - start + 1;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === "HEAD") return res.end();
  const record = [start, start];
  served.push(record);
  const stream = createReadStream(blobPath, { start, end, highWaterMark: cap ? 64 << 10 : 1 << 20 });
  res.on("close", () => stream.destroy());
  if (cap) return throttled(stream, res, record);
  stream.on("data", (chunk) => record[1] += chunk.length);
  stream.pipe(res);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
