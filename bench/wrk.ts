import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * HTTP load from wrk (a C load generator, Debian's `wrk`), when the machine has it: on a 2-core
 * box the load generator shares the cores with the server, and autocannon (Node) spent 40–90 µs
 * of CPU per request, more than the bare route it was measuring; wrk spends a few. The claim
 * baseline is pgbench, a C client: our side's requests now come from one too (docs/performance.md,
 * Method). The requests are written out beforehand (raw HTTP/1.1) and sent by a Lua script that
 * only hands them out, so the generator does no work per request beyond the socket.
 */
export interface LoadRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** which generator ran */
  tool: 'wrk' | 'autocannon';
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** seconds */
  duration: number;
  latency: { p50: number; p99: number };
}

export interface WrkOptions {
  url: string;
  connections: number;
  /** `amount` mode: exactly these requests, each once, in order; the run ends after the last response */
  requests?: LoadRequest[];
  /** `duration` mode: seconds of load, each request picked at random from `pool` */
  duration?: number;
  pool?: LoadRequest[];
  timeoutS?: number;
}

let found: boolean | undefined;
/** wrk on PATH (BENCH_LOAD=autocannon forces autocannon, for comparing the two) */
export function hasWrk(): boolean {
  if (process.env.BENCH_LOAD === 'autocannon') return false;
  return (found ??= spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined);
}

function raw(host: string, r: LoadRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  let head = `${r.method ?? 'GET'} ${r.path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [k, v] of Object.entries(r.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (body) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

// requests.bin holds them back to back, requests.idx their lengths; `ordered` = amount mode
const SCRIPT = `
local reqs, n, ordered, next_i, reserved, done_n, started = {}, 0, false, 0, 0, 0, false
function init(args)
  ordered = args[2] == "ordered"
  local idx = io.open(args[1] .. ".idx", "r")
  local f = io.open(args[1] .. ".bin", "rb")
  local data = f:read("*a")
  f:close()
  local pos = 1
  for line in idx:lines() do
    local len = tonumber(line)
    n = n + 1
    reqs[n] = string.sub(data, pos, pos + len - 1)
    pos = pos + len
  end
  idx:close()
end
function request()
  if ordered then
    -- wrk calls request() once after init() to check it; real requests follow a delay() call
    if not started then return reqs[1] end
    next_i = next_i + 1
    return reqs[next_i]
  end
  return reqs[math.random(n)]
end
`;
// amount mode only: wrk asks delay() before every request (the first of each connection too):
// 0 ms while requests remain, else the connection idles; response() counts the answers and stops
// the run after the last
const ORDERED = `
function delay()
  started = true
  if reserved < n then
    reserved = reserved + 1
    return 0
  end
  return 3600000
end
function response(status, headers, body)
  done_n = done_n + 1
  if done_n % 50 == 0 then
    io.write("WRK-PROGRESS\\n")
    io.flush()
  end
  if done_n >= n then
    io.write("WRK-DONE\\n")
    io.flush()
    wrk.thread:stop()
  end
end
`;
const DONE = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%.3f,"p99":%.3f}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
`;

/** One wrk run (1 thread); every response > 399 counts as non-2xx, as wrk counts them. */
export async function runWrk(o: WrkOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const list = o.requests ?? o.pool;
  if (!list?.length) throw new Error('wrk: no requests');
  const ordered = Boolean(o.requests);
  const connections = Math.max(1, Math.min(o.connections, list.length));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-wrk-'));
  try {
    const bufs = list.map((r) => raw(url.host, r));
    writeFileSync(path.join(dir, 'r.bin'), Buffer.concat(bufs));
    writeFileSync(path.join(dir, 'r.idx'), bufs.map((b) => b.length).join('\n') + '\n');
    writeFileSync(path.join(dir, 'run.lua'), SCRIPT + (ordered ? ORDERED : '') + DONE);
    // amount mode: runs until the last response (then SIGINT), the duration is only an upper bound
    const seconds = ordered ? 3600 : Math.max(1, Math.round(o.duration ?? 10));
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`, `--timeout`, `${o.timeoutS ?? 60}s`, '-s', path.join(dir, 'run.lua'), `${url.origin}/`, '--', path.join(dir, 'r'), ordered ? 'ordered' : 'random'];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    // amount mode: a request lost to a socket error is never answered, so the last answer never
    // comes; a run with no answer for longer than the request timeout is stopped (and fails its counts)
    let answered = Date.now();
    const stallMs = ((o.timeoutS ?? 60) + 5) * 1000;
    const watch = ordered ? setInterval(() => Date.now() - answered > stallMs && child.kill('SIGINT'), 1000) : undefined;
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      out += text;
      answered = Date.now();
      if (ordered && out.includes('WRK-DONE', Math.max(0, out.length - text.length - 16)) && child.exitCode === null) child.kill('SIGINT');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(watch);
    const m = /WRK-RESULT (\{.*\})/.exec(out);
    if (!m) throw new Error(`wrk exited with ${code} and no result\n${out.slice(-2000)}\n${err.slice(-2000)}`);
    const r = JSON.parse(m[1]!) as { requests: number; durationUs: number; status: number; connect: number; read: number; write: number; timeout: number; p50: number; p99: number };
    return {
      tool: 'wrk',
      '2xx': r.requests - r.status,
      non2xx: r.status,
      errors: r.connect + r.read + r.write,
      timeouts: r.timeout,
      duration: r.durationUs / 1e6,
      latency: { p50: r.p50, p99: r.p99 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
