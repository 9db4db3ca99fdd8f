"use strict";
// What every Node SDK suite shares: trtc-mock processes on free loopback ports, only the flags
// a suite passes configuring them, and the control plane.
//
// TRTC_MOCK_BIN defaults to target/debug/trtc-mock of the repository (build it with
// `cargo build`); a relative path is taken from the current directory, else from the
// repository root.

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");

// The SDK sends every request through process.env.http_proxy when it is set (it does not
// look at NO_PROXY): the emulator listens on loopback, so no proxy may be used. Suites require
// this module before the SDK.
for (const name of ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]) {
  delete process.env[name];
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const SECRET_ID = "AKIDmock";
const SECRET_KEY = "mock-secret";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STARTUP_TIMEOUT_MS = 10000;

function mockBinary() {
  const configured = process.env.TRTC_MOCK_BIN;
  if (!configured) return path.join(REPO_ROOT, "target", "debug", "trtc-mock");
  if (path.isAbsolute(configured) || fs.existsSync(configured)) return path.resolve(configured);
  return path.join(REPO_ROOT, configured);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(200);
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("timeout", () => { socket.destroy(); resolve(false); });
    socket.once("error", () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const servers = [];

/** Starts one trtc-mock on 127.0.0.1:<free port> with `flags`; resolves once it listens. */
async function startOnce(flags) {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  // Only the flags configure the server: the emulator's own variables are not passed on.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("TRTC_MOCK_")));
  const child = spawn(mockBinary(), ["--addr", address, ...flags], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (chunk) => { log += chunk; });
  child.stderr.on("data", (chunk) => { log += chunk; });
  let exited = null;
  child.once("exit", (code, signal) => { exited = signal || code; });
  child.once("error", (error) => { exited = error.message; });
  const server = { address, port, child, log: () => log };
  servers.push(server);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`trtc-mock ${flags.join(" ")} exited (${exited}):\n${log}`);
    if (await canConnect(port)) return server;
    await sleep(20);
  }
  child.kill("SIGTERM");
  throw new Error(`trtc-mock did not listen on ${address} within ${STARTUP_TIMEOUT_MS} ms:\n${log}`);
}

/** One trtc-mock with `flags`: `{ address, port, child, log() }`. */
async function startServer(...flags) {
  const binary = mockBinary();
  assert.ok(fs.existsSync(binary), `trtc-mock binary not found at ${binary}: run \`cargo build\` or set TRTC_MOCK_BIN`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(flags);
    } catch (error) {
      if (attempt === 3) throw error; // the free port may have been taken before the server bound it
    }
  }
}

/** Stops every server this process started. */
function stopServers() {
  for (const { child } of servers) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
}

/** A control-plane call: `POST /_mock/<path>` with `body`, or `GET` without; the JSON answered. */
async function control(server, pathAndQuery, body) {
  const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body) };
  const response = await fetch(`http://${server.address}/_mock/${pathAndQuery}`, init);
  const text = await response.text();
  assert.ok(response.ok, `${pathAndQuery}: ${response.status} ${text}`);
  return JSON.parse(text);
}

module.exports = { REPO_ROOT, SECRET_ID, SECRET_KEY, UUID, startServer, stopServers, control, sleep };
